// The emoji picker's own words in the apps' five languages. They travel in the picker's chunk, so
// the widget's main bundle carries none of them.

export interface PickerText {
  /** the picker's accessible name */
  label: string;
  search: string;
  recent: string;
  none: string;
  loading: string;
  /** "{n} emoji" */
  results: string;
}

export const pickerText: Record<string, PickerText> = {
  en: { label: "Emoji", search: "Search emoji", recent: "Recently used", none: "No emoji found", loading: "Loading…", results: "{n} emoji" },
  de: { label: "Emoji", search: "Emoji suchen", recent: "Zuletzt verwendet", none: "Kein Emoji gefunden", loading: "Wird geladen…", results: "{n} Emoji" },
  nl: { label: "Emoji", search: "Emoji zoeken", recent: "Recent gebruikt", none: "Geen emoji gevonden", loading: "Laden…", results: "{n} emoji" },
  tr: { label: "Emoji", search: "Emoji ara", recent: "Son kullanılanlar", none: "Emoji bulunamadı", loading: "Yükleniyor…", results: "{n} emoji" },
  hu: { label: "Emoji", search: "Emoji keresése", recent: "Legutóbb használt", none: "Nincs ilyen emoji", loading: "Betöltés…", results: "{n} emoji" },
};
