/** fill replaces {key} placeholders. */
export function fill(s: string, vars: Record<string, string | number>): string {
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/**
 * plural fills a string with a singular and a plural form, "one|other", for the count n. The
 * widget's five languages have just these two forms, "one" being exactly 1 (CLDR), so Intl's
 * plural rules are not needed here; a string without "|" is the same for every count.
 */
export function plural(s: string, n: number): string {
  const f = s.split("|");
  return fill(f[n === 1 || f.length < 2 ? 0 : 1], { n });
}
