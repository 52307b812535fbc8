// Which language the widget speaks: the site's choice (Parley.setLocale), else the page's
// <html lang>, else the playbook's language, else the browser's languages, else English. The page
// comes before the playbook: a playbook always has a language (English unless chosen), and a page
// that says it is German should get a German widget.

export const locales = ["en", "de", "nl", "tr", "hu"] as const;
export type Locale = (typeof locales)[number];

/** supported maps a language tag ("de-AT", "NL", "tr_TR") to a supported locale, or "". */
export function supported(tag: string | null | undefined): Locale | "" {
  const base = (tag || "").trim().toLowerCase().split(/[-_]/)[0];
  return (locales as readonly string[]).indexOf(base) >= 0 ? (base as Locale) : "";
}

/** chooseLocale picks the first supported of: fixed, the page's lang, the playbook's, the browser's languages. */
export function chooseLocale(fixed: string | null | undefined, pageLang: string | null | undefined, browser: readonly string[], playbook?: string): Locale {
  for (const tag of [fixed, pageLang, playbook, ...browser]) {
    const l = supported(tag);
    if (l) return l;
  }
  return "en";
}
