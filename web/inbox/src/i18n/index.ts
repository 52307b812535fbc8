// The inbox's languages. Each catalogue is a flat map of keys to strings; {name} placeholders are
// filled by t(). English is complete and the fallback for any missing key.
import en from "./en";
import de from "./de";
import nl from "./nl";
import tr from "./tr";
import hu from "./hu";
import { adminCatalogues } from "../admin/i18n";
import { replyCatalogues } from "../replies/i18n";
import { emojiCatalogues } from "../emoji/i18n";
import { hoursCatalogues } from "../hours/i18n";
import { visitorCatalogues } from "../visitors/i18n";
import { tryCatalogues } from "../admin/playbooks/try-i18n";
import { channelCatalogues } from "../channels/i18n";
import { crmCatalogues } from "../crm/i18n";
import { findCatalogues } from "../find/i18n";
import { reportCatalogues } from "../reports/i18n";

export type Lang = "en" | "de" | "nl" | "tr" | "hu";
export type Catalogue = Record<string, string>;
export const catalogues: Record<Lang, Catalogue> = { en, de, nl, tr, hu };
for (const l of Object.keys(catalogues) as Lang[]) Object.assign(catalogues[l], adminCatalogues[l]); // the admin area's texts (src/admin/i18n)
// Features that keep their texts beside their code.
for (const extra of [replyCatalogues, emojiCatalogues, hoursCatalogues, visitorCatalogues, tryCatalogues, channelCatalogues, crmCatalogues, findCatalogues, reportCatalogues]) for (const l of Object.keys(catalogues) as Lang[]) Object.assign(catalogues[l], extra[l]);
export const langs = Object.keys(catalogues) as Lang[];

let current: Lang = "en";

export function pickLang(preferred: readonly string[]): Lang {
  for (const p of preferred) {
    const l = (p || "").toLowerCase().split("-")[0] as Lang;
    if (l in catalogues) return l;
  }
  return "en";
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
}

export function lang(): Lang {
  return current;
}

/**
 * t is a text in the user's language, with {name} placeholders filled. A text with a count may hold
 * the singular and the plural form, "one|other"; the number in vars.n picks one by the language's
 * plural rules (a language whose words do not change with the count has one form).
 */
export function t(key: string, vars?: Record<string, string | number>): string {
  let s = catalogues[current][key] ?? en[key] ?? key;
  if (vars && typeof vars.n === "number" && s.includes("|")) {
    const forms = s.split("|");
    s = forms[new Intl.PluralRules(current).select(vars.n) === "one" ? 0 : 1] ?? forms[0];
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}
