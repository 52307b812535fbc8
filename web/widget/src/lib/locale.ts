// Which language the widget speaks: the site's choice (Parley.setLocale, or data-locale on the
// script tag), else the playbook's language (its cards are written in it, so the widget's own words
// match them), else the visitor's browser languages (navigator.languages: de-AT is German), else the
// page's <html lang> (for a browser none of whose languages the widget speaks), else English. A
// page's <html lang> is what its own text is written in, not a choice for the visitor; a site in
// several languages fixes the widget's with setLocale, or targets a playbook per language by URL
// (the demo does: /demo?lang=de gets the German playbook).

export const locales = ["en", "de", "nl", "tr", "hu"] as const;
export type Locale = (typeof locales)[number];

/** supported maps a language tag ("de-AT", "NL", "tr_TR") to a supported locale, or "". */
export function supported(tag: string | null | undefined): Locale | "" {
  const base = (tag || "").trim().toLowerCase().split(/[-_]/)[0];
  return (locales as readonly string[]).indexOf(base) >= 0 ? (base as Locale) : "";
}

/** chooseLocale picks the first supported of: fixed, the playbook's, the browser's languages, the page's lang. */
export function chooseLocale(fixed: string | null | undefined, pageLang: string | null | undefined, browser: readonly string[], playbook?: string): Locale {
  for (const tag of [fixed, playbook, ...browser, pageLang]) {
    const l = supported(tag);
    if (l) return l;
  }
  return "en";
}
