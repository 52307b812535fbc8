import { strings as en, type Strings } from "./en";
import { strings as de } from "./de";
import { strings as nl } from "./nl";
import { strings as tr } from "./tr";
import { strings as hu } from "./hu";
import { supported } from "../lib/locale";

const all: Record<string, Strings> = { en, de, nl, tr, hu };

/** catalogue returns the frame's strings for a locale (English for anything unknown). */
export function catalogue(locale: string): Strings {
  return all[supported(locale) || "en"];
}

export type { Strings };
