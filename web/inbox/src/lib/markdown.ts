// The composer edits formatted text (bold, italic, links, bullet lists) in place, as the visitor
// will see it; what is sent is the markdown subset the server renders (internal/richtext:
// **bold**, _italic_, [links](url), "- " bullet lists, hard line breaks). toMarkdown turns the
// editor's DOM into that text. Pure over a minimal node shape, so the unit tests build trees by hand.
//
// Text is sent as typed, not escaped: markdown typed by hand (**x**, - item) still formats, as it
// did in the plain composer, and a bare URL with "_" in it stays one link.

/** The part of a DOM node toMarkdown reads. */
export interface MdNode {
  nodeType: number; // 1 element, 3 text
  nodeName: string;
  nodeValue: string | null;
  childNodes: ArrayLike<MdNode>;
  getAttribute?(name: string): string | null;
}

interface Run {
  text: string;
  bold: boolean;
  italic: boolean;
  href: string;
}

interface Style {
  bold: boolean;
  italic: boolean;
  href: string;
}

/** The elements that start a line of their own (lib/caret.ts reads lines the same way). */
export const blockNames = new Set(["DIV", "P", "UL", "OL", "LI", "H1", "H2", "H3", "BLOCKQUOTE", "PRE"]);

/** toMarkdown serialises the editor's content (its children) as markdown. */
export function toMarkdown(root: MdNode): string {
  const lines: string[] = [];
  let runs: Run[] = [];
  let open = false; // a line has started (even an empty one, after a <br>)
  let prefix = "";
  const flush = (force: boolean) => {
    if (open || runs.length || force) lines.push(prefix + emit(runs));
    runs = [];
    open = false;
  };
  const walk = (n: MdNode, st: Style) => {
    if (n.nodeType === 3) {
      const text = (n.nodeValue || "").replace(/\u00a0/g, " ").replace(/\u200b/g, "");
      if (text) runs.push({ text, ...st });
      open = true;
      return;
    }
    if (n.nodeType !== 1) return;
    const name = n.nodeName.toUpperCase();
    if (name === "BR") {
      flush(true);
      open = true;
      return;
    }
    const next = { ...st };
    const css = (n.getAttribute && n.getAttribute("style")) || "";
    if (name === "B" || name === "STRONG" || /font-weight:\s*(bold|[6-9]00)/i.test(css)) next.bold = true;
    if (name === "I" || name === "EM" || /font-style:\s*italic/i.test(css)) next.italic = true;
    if (name === "A") next.href = (n.getAttribute && n.getAttribute("href")) || "";
    if (name === "UL" || name === "OL") {
      if (runs.length || open) flush(false);
      const items = Array.from(n.childNodes);
      let number = 1;
      for (const li of items) {
        if (li.nodeType !== 1) continue;
        prefix = name === "OL" ? number++ + ". " : "- ";
        for (const c of Array.from(li.childNodes)) walk(c, next);
        flush(true);
        prefix = "";
      }
      return;
    }
    const block = blockNames.has(name);
    if (block && (runs.length || open)) flush(false);
    for (const c of Array.from(n.childNodes)) walk(c, next);
    // A block that holds only a <br> (an empty line Chromium keeps) is that one empty line.
    if (block && (runs.length || open)) flush(false);
  };
  for (const c of Array.from(root.childNodes)) walk(c, { bold: false, italic: false, href: "" });
  flush(false);
  return lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
}

/** emit writes one line's runs: links around emphasis, bold around italic, markers hugging words. */
function emit(runs: Run[]): string {
  let out = "";
  for (const g of groups(runs, (r) => r.href)) {
    let inner = "";
    for (const b of groups(g, (r) => String(r.bold))) {
      let text = "";
      for (const i of groups(b, (r) => String(r.italic))) {
        const s = i.map((r) => r.text).join("");
        text += i[0].italic ? hug(s, "_") : s;
      }
      inner += b[0].bold ? hug(text, "**") : text;
    }
    const href = g[0].href;
    out += href && inner.trim() ? "[" + inner.replace(/[[\]]/g, "\\$&") + "](" + linkTarget(href) + ")" : inner;
  }
  return out;
}

function groups(runs: Run[], key: (r: Run) => string): Run[][] {
  const out: Run[][] = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && key(last[0]) === key(r)) last.push(r);
    else out.push([r]);
  }
  return out;
}

/** hug puts a marker around the words, leaving spaces at either end outside it. */
function hug(s: string, marker: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(s)!;
  return m[2] ? m[1] + marker + m[2] + marker + m[3] : s;
}

/** linkTarget keeps a URL in one markdown link: no spaces or unbalanced brackets inside. */
function linkTarget(href: string): string {
  return href.replace(/[\s()<>]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
}

/**
 * webAddress reads what an agent typed as a link's target: a full http(s) or mailto URL, or a bare
 * domain ("example.com/prices" becomes https://example.com/prices). "" when it is not one.
 */
export function webAddress(typed: string): string {
  let s = typed.trim();
  if (!s || /\s/.test(s)) return "";
  if (/^[^\s@/:]+@[^\s@/:]+\.[a-z]{2,}$/i.test(s)) s = "mailto:" + s;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) s = "https://" + s.replace(/^\/+/, "");
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return "";
  }
  if (u.protocol === "mailto:") return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.pathname) ? s : "";
  if (u.protocol !== "https:" && u.protocol !== "http:") return "";
  // A host with a dot and a real top-level name, or localhost: "https://" alone or "hello" is not one.
  const host = u.hostname;
  if (host !== "localhost" && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !/^[^.]+(\.[^.]+)*\.(xn--[a-z0-9-]+|[a-z]{2,})$/i.test(host)) return "";
  return u.href;
}
