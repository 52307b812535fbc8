// The website's allowed domains, checked the way the server checks them (inbox.Website.AllowsHost):
// the exact host or any subdomain of it; "*.example.com" means any subdomain; ports are ignored.

export function allowsHost(domains: readonly string[], host: string): boolean {
  let h = host.toLowerCase();
  if (h.charAt(0) === "[") h = h.slice(1, h.indexOf("]"));
  else h = h.replace(/:\d+$/, "");
  if (!h) return false;
  for (const d of domains) {
    const base = d.toLowerCase().replace(/^\*\./, "");
    if (!base) continue;
    if (h === base || (h.length > base.length && h.slice(-(base.length + 1)) === "." + base)) return true;
  }
  return false;
}

/** allowsOrigin checks an origin ("https://shop.example:8443") against the allowed domains. */
export function allowsOrigin(domains: readonly string[], origin: string): boolean {
  const m = /^https?:\/\/([^/?#]+)$/i.exec(origin);
  return !!m && allowsHost(domains, m[1]);
}
