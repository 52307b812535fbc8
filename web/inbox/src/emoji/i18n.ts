// The inbox's emoji texts in its five languages (the picker's own words travel in its chunk).
type Catalogue = Record<string, string>;

export const emojiCatalogues: Record<"en" | "de" | "nl" | "tr" | "hu", Catalogue> = {
  en: { "emoji.button": "Insert an emoji", "emoji.suggest": "Emoji", "emoji.none": "No emoji shortcode starts with “{q}”." },
  de: { "emoji.button": "Emoji einfügen", "emoji.suggest": "Emoji", "emoji.none": "Kein Emoji-Kürzel beginnt mit „{q}“." },
  nl: { "emoji.button": "Emoji invoegen", "emoji.suggest": "Emoji", "emoji.none": "Geen emoji-code begint met “{q}”." },
  tr: { "emoji.button": "Emoji ekle", "emoji.suggest": "Emoji", "emoji.none": "“{q}” ile başlayan emoji kısa kodu yok." },
  hu: { "emoji.button": "Emoji beszúrása", "emoji.suggest": "Emoji", "emoji.none": "Egy emoji-rövidítés sem kezdődik így: „{q}”." },
};
