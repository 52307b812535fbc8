// Completion in the formatted composer reads the line the caret is on ("/wel", ":hea") and replaces
// its end. In the editor that line is spread over text nodes (plain, bold, inside a link) and ends
// at a <br> or a block's edge, as in toMarkdown; lineBefore collects it up to the caret and
// pointBack finds where its last n characters begin. Pure over the node shape toMarkdown reads, so
// the unit tests build trees by hand.
import { blockNames, type MdNode } from "./markdown";

/** A text node on the caret's line, with its text (up to the caret, in the caret's own node). */
export interface Piece {
  node: MdNode;
  text: string;
}

/**
 * lineBefore returns the caret's line up to the caret, as pieces of text nodes in order; at and
 * offset are the caret's DOM position. null when the caret is not inside root.
 */
export function lineBefore(root: MdNode, at: MdNode, offset: number): Piece[] | null {
  let line: Piece[] = [];
  // walk reports whether it reached the caret.
  const walk = (n: MdNode): boolean => {
    if (n.nodeType === 3) {
      const text = n.nodeValue || "";
      if (n === at) {
        line.push({ node: n, text: text.slice(0, offset) });
        return true;
      }
      line.push({ node: n, text });
      return false;
    }
    if (n.nodeType !== 1) return n === at;
    const name = n.nodeName.toUpperCase();
    if (name === "BR") {
      line = [];
      return n === at;
    }
    const block = n !== root && blockNames.has(name);
    if (block) line = [];
    const kids = Array.from(n.childNodes);
    const end = n === at ? Math.min(offset, kids.length) : kids.length;
    for (let i = 0; i < end; i++) if (walk(kids[i])) return true;
    if (n === at) return true;
    if (block) line = [];
    return false;
  };
  return walk(root) ? line.filter((p) => p.text !== "") : null;
}

/** lineText is the line's text, as completion reads it. */
export function lineText(line: Piece[]): string {
  return line.map((p) => p.text).join("");
}

/** pointBack finds where the line's last n characters begin (n ≥ 1); null when the line is shorter. */
export function pointBack(line: Piece[], n: number): { node: MdNode; offset: number } | null {
  if (n < 1) return null;
  for (let i = line.length - 1; i >= 0; i--) {
    const len = line[i].text.length;
    if (n <= len) return { node: line[i].node, offset: len - n };
    n -= len;
  }
  return null;
}
