// The admin area's catalogues, merged into the inbox's own (src/i18n) under "admin." keys.
import de from "./de";
import en from "./en";
import hu from "./hu";
import nl from "./nl";
import tr from "./tr";

export const adminCatalogues: Record<"en" | "de" | "nl" | "tr" | "hu", Record<string, string>> = { en, de, nl, tr, hu };
