// The composer: a reply or an internal note. It edits formatted text in place — bold, italic,
// links and bullet lists show as the contact will see them — and sends the markdown subset the
// server renders (lib/markdown.ts). An image or file can be pasted, dropped or picked.
//
// The editor is a contenteditable element whose content Preact never touches; formatting goes
// through the browser's editing commands (document.execCommand), which keep undo, the caret and
// "bold from here on" right in every case a hand-written DOM edit would have to rebuild. Pasted or
// dropped content arrives as plain text only, so the editor holds nothing but what it made itself.
//
// An email reply also says whom it goes to (To, Cc) and its subject (the thread's latest by
// default): one line above the editor, opened by Change. A Messenger or WhatsApp reply goes out
// only within the channel's 24-hour window (a notice says until when); outside it a Messenger Page
// with the human agent tag still answers, and WhatsApp takes an approved template instead of text
// (src/channels).
//
// "/" completes saved replies and ":shortcode" emoji (completion.tsx) from the text before the caret
// on its line (lib/caret.ts); a picked one replaces the trigger and word with insertText, so undo
// takes it back in one step. A saved reply goes in as its markdown text, which is sent as typed.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { emojiSource, hasEmoji, openEmoji } from "../emoji/emoji";
import { lineBefore, lineText, pointBack } from "../lib/caret";
import { toMarkdown, webAddress } from "../lib/markdown";
import { replySource } from "../replies/source";
import { TemplatePicker, WindowNotice } from "../channels/compose";
import { effectiveWindow, nextChange } from "../channels/window";
import type { Conversation } from "../types";
import { contactName, Dialog, Icon, useId, useInbox } from "./common";
import { useCompletion, type Field } from "./completion";

export interface ComposerHandle {
  focus(mode: "reply" | "note"): void;
}

// Drafts (the editor's HTML) survive moving between conversations.
const drafts = new Map<number, string>();

interface Marks {
  bold: boolean;
  italic: boolean;
  list: boolean;
}

/** blank says whether the editor holds nothing to send (Chromium leaves a <br> or an empty block behind). */
function blank(el: HTMLElement): boolean {
  return !(el.textContent || "").replace(/[\u200b\s]/g, "") && !el.querySelector("li");
}

function command(name: string, value?: string): void {
  // execCommand is marked deprecated but has no replacement for rich text editing; every browser keeps it.
  document.execCommand(name, false, value);
}

/** endOf is the caret at the end of el. */
function endOf(el: HTMLElement): Range {
  const r = document.createRange();
  r.selectNodeContents(el);
  r.collapse(false);
  return r;
}

function escapeHTML(s: string): string {
  return s.replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
}

export function Composer({ c, handle }: { c: Conversation; handle: { current: ComposerHandle | null } }) {
  const inbox = useInbox("open", "presence", "log");
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [empty, setEmpty] = useState(true);
  const [marks, setMarks] = useState<Marks>({ bold: false, italic: false, list: false });
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState("");
  const [linking, setLinking] = useState<{ text: string; url: string } | null>(null);
  const ed = useRef<HTMLDivElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const saved = useRef<Range | null>(null); // the selection in the editor, kept while focus is on the toolbar or a dialog
  const linkTo = useRef<{ url: string; text: string } | null>(null); // the link to insert once the dialog has closed
  const [to, setTo] = useState("");
  const [cc, setCc] = useState("");
  const [subject, setSubject] = useState("");
  const [contactEmail, setContactEmail] = useState("");
  const [mailOpen, setMailOpen] = useState(false);
  const mailMode = c.channel === "email" && mode === "reply";
  const toId = useId("to");
  const ccId = useId("cc");
  const subjectId = useId("subject");
  const ours = useRef(false); // an edit of the composer's own is under way: its input event is no typing to complete
  const emojiOpen = useRef(false);
  const convId = useRef(c.id);
  convId.current = c.id;
  const edId = useId("compose");
  const labelId = useId("compose-l");
  const hintId = useId("hint");

  handle.current = {
    focus(m) {
      setMode(m);
      requestAnimationFrame(() => {
        const el = ed.current;
        if (!el) return;
        el.focus();
        select(endOf(el));
      });
    },
  };

  // The conversation's draft, when another conversation opens.
  useLayoutEffect(() => {
    const el = ed.current;
    if (el) el.innerHTML = drafts.get(c.id) || "";
    setEmpty(!el || blank(el));
    setFile(null);
    setMode("reply");
    saved.current = null;
    completion.close();
  }, [c.id]);

  // An email reply's recipients and subject start afresh in each conversation; the To line shows
  // the contact's address.
  useEffect(() => {
    setTo("");
    setCc("");
    setSubject("");
    setContactEmail("");
    setMailOpen(false);
    if (c.channel !== "email") return;
    let live = true;
    api<{ contact: { email: string } }>("GET", "contacts/" + c.contact_id).then(
      (r) => live && setContactEmail(r.contact.email || ""),
      () => {},
    );
    return () => void (live = false);
  }, [c.id]);

  useEffect(() => {
    if (!file || !file.type.startsWith("image/")) {
      setPreview("");
      return;
    }
    const u = URL.createObjectURL(file);
    setPreview(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);

  // The toolbar shows the formatting where the caret is; the selection is remembered for it.
  useEffect(() => {
    const onSelection = () => {
      const el = ed.current;
      const sel = document.getSelection();
      if (!el || !sel || sel.rangeCount === 0 || !el.contains(sel.anchorNode)) return;
      saved.current = sel.getRangeAt(0).cloneRange();
      readMarks();
    };
    document.addEventListener("selectionchange", onSelection);
    return () => document.removeEventListener("selectionchange", onSelection);
  }, []);

  // Back from the link dialog (the editor cannot take the focus while the modal is open): the link.
  useEffect(() => {
    if (linking || !ed.current) return;
    const l = linkTo.current;
    linkTo.current = null;
    if (l) insertLink(l.url, l.text);
    else if (saved.current) focusEditor();
  }, [linking]);

  // The reply window moves with the clock: the composer changes when it closes.
  const [now, setNow] = useState(Date.now());
  const win = effectiveWindow(c, inbox.log.bySeq.values(), now);
  const changeAt = nextChange(win, now);
  useEffect(() => {
    if (!changeAt) return;
    const id = window.setTimeout(() => setNow(Date.now()), Math.min(Math.max(changeAt - Date.now(), 0) + 500, 2 ** 31 - 1));
    return () => clearTimeout(id);
  }, [changeAt]);
  const windowClosed = !!win && c.channel === "messenger" && !win.open && !win.tag;
  const templatesOnly = mode === "reply" && !!win && c.channel === "whatsapp" && !!win.templates_only;

  const a = c.allowed;
  const canReply = !!a && a.reply;
  const canNote = !!a && a.note;
  const enabled = mode === "reply" ? canReply && !windowClosed && !templatesOnly : canNote;

  const readMarks = () => {
    setMarks({ bold: document.queryCommandState("bold"), italic: document.queryCommandState("italic"), list: document.queryCommandState("insertUnorderedList") });
  };

  const select = (r: Range) => {
    const sel = document.getSelection();
    if (!sel) return;
    sel.removeAllRanges();
    sel.addRange(r);
  };

  /** changed keeps the draft and the empty state after any edit. */
  const changed = () => {
    const el = ed.current;
    if (!el) return;
    const none = blank(el);
    if (none && /^(<br>|<(div|p)><br><\/(div|p)>)?$/.test(el.innerHTML)) el.innerHTML = ""; // the placeholder shows again
    if (none) drafts.delete(c.id);
    else drafts.set(c.id, el.innerHTML);
    setEmpty(none);
  };

  /** focusEditor puts the focus back in the editor with the selection it had (the caret at the end if none). */
  const focusEditor = () => {
    const el = ed.current;
    if (!el) return false;
    el.focus();
    const sel = document.getSelection();
    if (sel && !(sel.rangeCount && el.contains(sel.anchorNode))) select(saved.current || endOf(el));
    return true;
  };

  /** own runs editing commands of the composer's own (an insert, not typing): completion stays as it is. */
  const own = (fn: () => void) => {
    ours.current = true;
    try {
      fn();
    } finally {
      ours.current = false;
    }
    changed();
  };

  /** caretLine is the caret's line up to the caret, or where it was while the focus is on the toolbar or the picker. */
  const caretLine = () => {
    const el = ed.current;
    const sel = document.getSelection();
    if (!el) return null;
    const r = sel && sel.rangeCount && el.contains(sel.anchorNode) ? sel.getRangeAt(0) : saved.current;
    return r && r.collapsed && el.contains(r.startContainer) ? lineBefore(el, r.startContainer, r.startOffset) : null;
  };

  // Completion reads and replaces the text before the caret in the editor.
  const field: Field = {
    textBeforeCaret() {
      const line = caretLine();
      return line ? lineText(line) : null;
    },
    replaceBeforeCaret(n, ins) {
      // A reply that arrives after another conversation was opened is dropped, not put into its draft.
      if (convId.current !== c.id || !focusEditor()) return;
      const line = caretLine();
      const from = line && pointBack(line, n);
      const sel = document.getSelection();
      if (from && sel && sel.rangeCount) {
        const r = sel.getRangeAt(0).cloneRange();
        r.setStart(from.node as Node, from.offset);
        select(r);
      }
      if (ins.text) own(() => command("insertText", ins.text.replace(/\r\n?/g, "\n")));
      if (ins.file) setFile(ins.file);
    },
  };
  const sources = useMemo(() => [replySource(() => convId.current, (text, error) => inbox.toast(text, error)), emojiSource()], []);
  const completion = useCompletion(field, sources);

  /** startReply puts "/" at the caret (after a space when needed): the saved replies' list opens. */
  const startReply = () => {
    if (!enabled || !focusEditor()) return;
    const before = field.textBeforeCaret();
    own(() => command("insertText", !before || /\s$/.test(before) ? "/" : " /"));
    completion.check();
  };

  /** pickEmoji opens the emoji picker (loaded the first time); the emoji goes in at the caret. */
  const pickEmoji = (btn: HTMLElement) => {
    const form = btn.closest("form") as HTMLElement | null;
    if (emojiOpen.current || !form || !enabled) return;
    emojiOpen.current = true;
    completion.close();
    openEmoji(
      form,
      btn,
      (e) => focusEditor() && own(() => command("insertText", e)),
      () => {
        emojiOpen.current = false;
        focusEditor();
      },
    ).catch(() => (emojiOpen.current = false));
  };

  const format = (name: "bold" | "italic" | "insertUnorderedList") => {
    if (!enabled || !focusEditor()) return;
    command(name);
    readMarks();
    changed();
  };

  const openLink = () => {
    if (!enabled || !focusEditor()) return;
    const sel = document.getSelection();
    const r = sel && sel.rangeCount ? sel.getRangeAt(0) : null;
    saved.current = r ? r.cloneRange() : null;
    // Inside a link: edit that one.
    let n: Node | null = r ? r.commonAncestorContainer : null;
    while (n && n !== ed.current && n.nodeName !== "A") n = n.parentNode;
    const inLink = n && n.nodeName === "A" ? (n as HTMLAnchorElement) : null;
    if (inLink && r) {
      const whole = document.createRange();
      whole.selectNodeContents(inLink);
      saved.current = whole;
    }
    setLinking({ text: inLink ? inLink.textContent || "" : r ? r.toString() : "", url: inLink ? inLink.getAttribute("href") || "" : "" });
  };

  /** insertLink puts the link where the selection was: the selected words become it, or the text typed for it. */
  const insertLink = (url: string, text: string) => {
    const el = ed.current;
    if (!el) return;
    el.focus();
    if (saved.current) select(saved.current);
    const selected = saved.current ? saved.current.toString() : "";
    if (selected && selected === text) command("createLink", url);
    else command("insertHTML", '<a href="' + escapeHTML(url) + '">' + escapeHTML(text || url.replace(/^(https?:\/\/|mailto:)/, "").replace(/\/$/, "")) + "</a>");
    const sel = document.getSelection();
    if (sel && sel.rangeCount) sel.collapseToEnd();
    changed();
  };

  const insertText = (text: string) => {
    if (!text) return;
    command("insertText", text.replace(/\r\n?/g, "\n"));
    changed();
  };

  const send = () => {
    const el = ed.current;
    if (!el || !enabled || (blank(el) && !file)) return;
    const body = toMarkdown(el);
    const mail = mailMode ? { to: addresses(to), cc: addresses(cc), subject: subject.trim() || undefined } : undefined;
    inbox.send(body, mode === "note", file || undefined, (el.innerText || "").trim(), mail);
    el.innerHTML = "";
    changed();
    setFile(null);
    readMarks();
  };

  let hint = "";
  if (mode === "reply" && !canReply && a) {
    if (c.status === "closed") hint = a.reopen ? t("compose.closed") : a.closed_is_final ? t("compose.closedFinal") : t("compose.closedOnly");
    else if (a.assign_to_me_if_available && !inbox.available) hint = t("compose.unavailable");
    else hint = t("compose.cannot");
  } else if (mode === "reply" && c.status === "open" && !c.assignee_id && a && a.assign_to_me) hint = t("compose.takes");

  const tool = (name: string, label: string, keys: string, onClick: (b: HTMLElement) => void, pressed?: boolean, popup?: boolean) => (
    <button
      type="button"
      class={"icon-btn" + (pressed ? " on" : "")}
      disabled={!enabled}
      onMouseDown={(e) => e.preventDefault() /* the editor keeps its selection */}
      onClick={(e) => onClick(e.currentTarget as HTMLElement)}
      aria-label={label}
      aria-pressed={pressed === undefined ? undefined : pressed ? "true" : "false"}
      aria-haspopup={popup ? "dialog" : undefined}
      title={keys ? label + " (" + keys + ")" : label}
    >
      <Icon name={name} />
    </button>
  );

  return (
    <form
      class={"composer" + (mode === "note" ? " composer-note" : "")}
      aria-label={t("compose.label")}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <div class="compose-bar">
        <div class="seg" role="group" aria-label={t("compose.mode")}>
          <button type="button" aria-pressed={mode === "reply" ? "true" : "false"} onClick={() => setMode("reply")}>
            {t("compose.reply")}
          </button>
          <button type="button" aria-pressed={mode === "note" ? "true" : "false"} onClick={() => setMode("note")}>
            {t("compose.note")}
          </button>
        </div>
        <div class="tools" role="toolbar" aria-label={t("compose.format")} aria-controls={edId}>
          {tool("bold", t("compose.bold"), "Ctrl+B", () => format("bold"), marks.bold)}
          {tool("italic", t("compose.italic"), "Ctrl+I", () => format("italic"), marks.italic)}
          {tool("link", t("compose.link"), "Ctrl+K", openLink)}
          {tool("list", t("compose.list"), "", () => format("insertUnorderedList"), marks.list)}
          {tool("reply", t("replies.button"), "", startReply)}
          {hasEmoji() && tool("smile", t("emoji.button"), "", pickEmoji, undefined, true)}
          {tool("clip", t("compose.attach"), "", () => picker.current && picker.current.click())}
          <input
            ref={picker}
            type="file"
            class="sr"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              const f = (e.target as HTMLInputElement).files;
              if (f && f[0]) setFile(f[0]);
              (e.target as HTMLInputElement).value = "";
            }}
          />
        </div>
      </div>
      {file && (
        <div class="attach-preview">
          {preview ? <img src={preview} alt={file.name} /> : <Icon name="clip" />}
          <span class="small">{file.name}</span>
          <button type="button" class="link-btn" onClick={() => setFile(null)}>
            {t("compose.removeFile")}
          </button>
        </div>
      )}
      {mailMode && !mailOpen && (
        <p class="mail-summary small">
          <span class="mail-sum-text">
            <span class="muted">{t("compose.to")}</span> <span class="mail-to">{to.trim() || contactEmail || contactName(c)}</span>
            {cc.trim() && (
              <>
                {" "}
                <span class="muted">{t("compose.cc")}</span> {cc.trim()}
              </>
            )}
            {" · "}
            <span class="mail-subj">{subject.trim() || (c.subject ? "Re: " + c.subject : "")}</span>
          </span>
          <button type="button" class="link-btn" aria-expanded="false" onClick={() => setMailOpen(true)} disabled={!enabled}>
            {t("compose.mailChange")}
          </button>
        </p>
      )}
      {mailMode && mailOpen && (
        <div class="mail-fields">
          <div class="mail-field">
            <label for={toId}>{t("compose.to")}</label>
            <input id={toId} type="text" inputMode="email" autocomplete="off" value={to} placeholder={contactEmail || contactName(c)} disabled={!enabled} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </div>
          <div class="mail-field">
            <label for={ccId}>{t("compose.cc")}</label>
            <input id={ccId} type="text" inputMode="email" autocomplete="off" value={cc} disabled={!enabled} onInput={(e) => setCc((e.target as HTMLInputElement).value)} />
          </div>
          <div class="mail-field mail-field-wide">
            <label for={subjectId}>{t("compose.subject")}</label>
            <input id={subjectId} type="text" autocomplete="off" maxLength={300} value={subject} placeholder={c.subject ? "Re: " + c.subject : ""} disabled={!enabled} onInput={(e) => setSubject((e.target as HTMLInputElement).value)} />
          </div>
        </div>
      )}
      {completion.popup}
      {mode === "reply" && win && <WindowNotice c={c} w={win} />}
      {templatesOnly && <TemplatePicker c={c} disabled={!canReply} onSend={(text, tpl) => inbox.send(text, false, undefined, text, { template: tpl })} />}
      <span id={labelId} class="sr" hidden={templatesOnly}>
        {mode === "note" ? t("compose.noteLabel") : t("compose.replyLabel", { name: contactName(c) })}
      </span>
      <div
        id={edId}
        ref={ed}
        hidden={templatesOnly}
        class={"editor" + (empty ? " editor-empty" : "") + (enabled ? "" : " editor-off")}
        contentEditable={enabled ? "true" : "false"}
        role="textbox"
        aria-multiline="true"
        aria-labelledby={labelId}
        aria-disabled={enabled ? undefined : "true"}
        aria-describedby={hint ? hintId : undefined}
        aria-placeholder={mode === "note" ? t("compose.notePlaceholder") : t("compose.replyPlaceholder")}
        data-placeholder={mode === "note" ? t("compose.notePlaceholder") : t("compose.replyPlaceholder")}
        tabIndex={enabled ? 0 : -1}
        {...completion.aria}
        onInput={() => {
          changed();
          if (mode === "reply") inbox.typed();
          if (!ours.current) completion.check();
        }}
        onClick={completion.check}
        onKeyUp={(e) => /^(Arrow(Left|Right)|Home|End)$/.test(e.key) && completion.check()}
        onBlur={completion.close}
        onPaste={(e) => {
          e.preventDefault();
          const d = e.clipboardData;
          if (!d) return;
          if (d.files.length) setFile(d.files[0]);
          else insertText(d.getData("text/plain"));
        }}
        onDrop={(e) => {
          e.preventDefault();
          const d = e.dataTransfer;
          if (!d || !enabled) return;
          if (d.files.length) {
            setFile(d.files[0]);
            return;
          }
          const at = document.caretRangeFromPoint ? document.caretRangeFromPoint(e.clientX, e.clientY) : null;
          ed.current!.focus();
          if (at) select(at);
          insertText(d.getData("text/plain"));
        }}
        onKeyDown={(e) => {
          if (completion.onKey(e)) return;
          const mod = e.ctrlKey || e.metaKey;
          const key = e.key.toLowerCase();
          if (e.key === "Enter" && !e.shiftKey && !mod && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === "Enter" && e.shiftKey && document.queryCommandState("insertUnorderedList")) {
            // In a list: the next item (an empty item ends the list).
            e.preventDefault();
            command("insertParagraph");
            changed();
          } else if (mod && (key === "b" || key === "i")) {
            e.preventDefault();
            format(key === "b" ? "bold" : "italic");
          } else if (mod && key === "k") {
            e.preventDefault();
            openLink();
          } else if (mod && key === "u") {
            e.preventDefault(); // underline would show but never reach the contact
          } else if (e.key === "Escape") {
            (e.target as HTMLElement).blur();
          }
        }}
      />
      <div class="compose-foot" hidden={templatesOnly}>
        <p class="hint small" id={hintId}>
          {hint || t("compose.keys")}
        </p>
        <button type="submit" class={"btn " + (mode === "note" ? "btn-note" : "btn-primary")} disabled={!enabled || (empty && !file)}>
          <Icon name="send" />
          <span>{mode === "note" ? t("compose.addNote") : t("compose.send")}</span>
        </button>
      </div>
      {linking && (
        <LinkDialog
          initial={linking}
          onClose={() => setLinking(null)}
          onLink={(url, text) => {
            linkTo.current = { url, text };
            setLinking(null);
          }}
        />
      )}
    </form>
  );
}

/** LinkDialog asks for the web address (a bare domain will do) and the words to show. */
function LinkDialog({ initial, onClose, onLink }: { initial: { text: string; url: string }; onClose: () => void; onLink: (url: string, text: string) => void }) {
  const [url, setUrl] = useState(initial.url);
  const [text, setText] = useState(initial.text);
  const [error, setError] = useState("");
  const ids = { url: useId("lk-u"), text: useId("lk-t"), err: useId("lk-e"), hint: useId("lk-h") };
  return (
    <Dialog title={t("compose.linkTitle")} onClose={onClose} initial={"#" + ids.url}>
      <div
        class="link-form"
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            e.stopPropagation();
            (e.currentTarget.querySelector(".btn-primary") as HTMLButtonElement).click();
          }
        }}
      >
        <div class="field">
          <label for={ids.url}>{t("compose.linkUrl")}</label>
          <input
            id={ids.url}
            type="text"
            inputMode="url"
            autocomplete="off"
            spellcheck={false}
            value={url}
            placeholder="example.com"
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? ids.err : ids.hint}
            onInput={(e) => {
              setUrl((e.target as HTMLInputElement).value);
              setError("");
            }}
          />
          {error ? (
            <p class="err small" id={ids.err} role="alert">
              {error}
            </p>
          ) : (
            <p class="hint small" id={ids.hint}>
              {t("compose.linkUrlHint")}
            </p>
          )}
        </div>
        <div class="field">
          <label for={ids.text}>{t("compose.linkText")}</label>
          <input id={ids.text} type="text" autocomplete="off" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => {
              const u = webAddress(url);
              if (!u) {
                setError(t("compose.linkBad"));
                (document.getElementById(ids.url) as HTMLInputElement | null)?.focus();
                return;
              }
              onLink(u, text.trim());
            }}
          >
            {t("compose.linkAdd")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

/** addresses splits what was typed in To or Cc into addresses (commas, semicolons or spaces between them). */
export function addresses(s: string): string[] | undefined {
  const list = s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
  return list.length ? list : undefined;
}
