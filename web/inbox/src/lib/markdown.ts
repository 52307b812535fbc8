// The composer's toolbar: edits of the text and selection for the markdown subset the server
// renders (internal/richtext: **bold**, _italic_, [links](url), "- " bullet lists). Pure, so the
// unit tests check each one.

export interface Edit {
  text: string;
  start: number;
  end: number;
}

/** wrap surrounds the selection with a marker (** or _), or removes it when already there. */
export function wrap(e: Edit, marker: string, placeholder: string): Edit {
  const { text, start, end } = e;
  const m = marker.length;
  if (start >= m && text.slice(start - m, start) === marker && text.slice(end, end + m) === marker) {
    return { text: text.slice(0, start - m) + text.slice(start, end) + text.slice(end + m), start: start - m, end: end - m };
  }
  const inner = start === end ? placeholder : text.slice(start, end);
  // Markers hug the words: spaces selected at either end stay outside.
  const lead = inner.length - inner.replace(/^\s+/, "").length;
  const trail = inner.length - inner.replace(/\s+$/, "").length;
  const core = inner.slice(lead, inner.length - trail);
  const out = text.slice(0, start) + inner.slice(0, lead) + marker + core + marker + inner.slice(inner.length - trail) + text.slice(end);
  const s = start + lead + m;
  return { text: out, start: s, end: s + core.length };
}

/** link makes the selection (or the placeholder) a link and selects the URL part to type over. */
export function link(e: Edit, placeholder: string): Edit {
  const { text, start, end } = e;
  const label = start === end ? placeholder : text.slice(start, end);
  const url = /^https?:\/\/\S+$/.test(label) ? label : "https://";
  const out = text.slice(0, start) + "[" + label + "](" + url + ")" + text.slice(end);
  const s = start + label.length + 3;
  return { text: out, start: s, end: s + url.length };
}

/** bullets makes the selected lines a "- " list, or a plain paragraph again when all are items. */
export function bullets(e: Edit): Edit {
  const { text, start, end } = e;
  const from = text.lastIndexOf("\n", start - 1) + 1;
  let to = text.indexOf("\n", end);
  if (to < 0) to = text.length;
  const lines = text.slice(from, to).split("\n");
  const all = lines.every((l) => /^- /.test(l));
  const changed = lines.map((l) => (all ? l.replace(/^- /, "") : /^- /.test(l) ? l : "- " + l));
  const block = changed.join("\n");
  const out = text.slice(0, from) + block + text.slice(to);
  if (start === end && !all) {
    const s = start + 2;
    return { text: out, start: s, end: s };
  }
  return { text: out, start: from, end: from + block.length };
}

/**
 * continueList is Enter inside a "- " item: a new item, or the end of the list on an empty one.
 * Returns null when the caret is not in a list item (Enter does what it always does).
 */
export function continueList(e: Edit): Edit | null {
  const { text, start, end } = e;
  if (start !== end) return null;
  const from = text.lastIndexOf("\n", start - 1) + 1;
  const line = text.slice(from, start);
  if (!/^- /.test(line)) return null;
  if (line === "- ") {
    const out = text.slice(0, from) + text.slice(start);
    return { text: out, start: from, end: from };
  }
  const out = text.slice(0, start) + "\n- " + text.slice(end);
  return { text: out, start: start + 3, end: start + 3 };
}
