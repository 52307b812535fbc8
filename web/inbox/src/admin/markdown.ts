// A small reader of the cards' rich text (bold, italic, links, bullet lists, images) for the
// editor's preview. It builds a tree of plain objects, never HTML, so nothing a card holds can run
// in the inbox; the widget shows the server's own rendering.

export type Inline =
  | { t: "text"; v: string }
  | { t: "b"; c: Inline[] }
  | { t: "i"; c: Inline[] }
  | { t: "a"; href: string; c: Inline[] }
  | { t: "img"; src: string; alt: string };

export type Block = { t: "p"; c: Inline[] } | { t: "ul"; items: Inline[][] };

/** safeURL keeps http(s), mailto and tel links and paths on this server; anything else is dropped. */
export function safeURL(u: string): string {
  const s = u.trim();
  if (/^(https?:\/\/|mailto:|tel:)/i.test(s)) return s;
  if (s.startsWith("/") && !s.startsWith("//")) return s;
  return "";
}

export function inline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ t: "text", v: text });
    text = "";
  };
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^!\[([^\]]*)\]\(([^)\s]+)\)/))) {
      flush();
      const url = safeURL(m[2]);
      if (url) out.push({ t: "img", src: url, alt: m[1] });
      i += m[0].length;
    } else if ((m = rest.match(/^\[([^\]]+)\]\(([^)\s]+)\)/))) {
      flush();
      const url = safeURL(m[2]);
      out.push(url ? { t: "a", href: url, c: inline(m[1]) } : { t: "text", v: m[1] });
      i += m[0].length;
    } else if ((m = rest.match(/^\*\*([^*]+?)\*\*/)) || (m = rest.match(/^__([^_]+?)__/))) {
      flush();
      out.push({ t: "b", c: inline(m[1]) });
      i += m[0].length;
    } else if ((m = rest.match(/^\*([^*\s][^*]*?)\*/)) || (m = rest.match(/^_([^_\s][^_]*?)_/))) {
      flush();
      out.push({ t: "i", c: inline(m[1]) });
      i += m[0].length;
    } else {
      text += src[i];
      i++;
    }
  }
  flush();
  return out;
}

/** parse splits text into paragraphs (blank lines between) and bullet lists ("- " or "* " lines). */
export function parse(src: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let list: Inline[][] | null = null;
  const endPara = () => {
    if (para.length) blocks.push({ t: "p", c: inline(para.join("\n")) });
    para = [];
  };
  const endList = () => {
    if (list) blocks.push({ t: "ul", items: list });
    list = null;
  };
  for (const line of (src || "").replace(/\r\n?/g, "\n").split("\n")) {
    const item = line.match(/^\s*[-*+] +(.*)$/);
    if (item) {
      endPara();
      if (!list) list = [];
      list.push(inline(item[1]));
    } else if (line.trim() === "") {
      endPara();
      endList();
    } else {
      endList();
      para.push(line);
    }
  }
  endPara();
  endList();
  return blocks;
}

/** plain is the text without marks, for one-line summaries. */
export function plain(src: string): string {
  const walk = (xs: Inline[]): string =>
    xs.map((x) => (x.t === "text" ? x.v : x.t === "img" ? x.alt : walk(x.c))).join("");
  return parse(src)
    .map((b) => (b.t === "p" ? walk(b.c) : b.items.map((i) => "• " + walk(i)).join(" ")))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}
