// The composer: a reply or an internal note, with bold, italic, link and bullet list buttons
// (the markdown subset the server renders), and an image or file pasted or picked.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { replySource } from "../replies/source";
import { emojiSource, hasEmoji, openEmoji } from "../emoji/emoji";
import { bullets, continueList, link, wrap, type Edit } from "../lib/markdown";
import type { Conversation } from "../types";
import { contactName, Icon, useId, useInbox } from "./common";
import { useCompletion, type Insert } from "./completion";

export interface ComposerHandle {
  focus(mode: "reply" | "note"): void;
}

/** startReply puts "/" at the caret (after a space when needed): the saved replies' list opens. */
function startReply(e: Edit): Edit {
  const before = e.text.slice(0, e.start);
  const slash = before === "" || /\s$/.test(before) ? "/" : " /";
  const text = before + slash + e.text.slice(e.end);
  const at = e.start + slash.length;
  return { text, start: at, end: at };
}

// Drafts survive moving between conversations.
const drafts = new Map<number, string>();

export function Composer({ c, handle }: { c: Conversation; handle: { current: ComposerHandle | null } }) {
  const inbox = useInbox("open");
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [text, setText] = useState(drafts.get(c.id) || "");
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState("");
  const ta = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const select = useRef<[number, number] | null>(null);
  const taId = useId("compose");
  const hintId = useId("hint");

  handle.current = {
    focus(m) {
      setMode(m);
      requestAnimationFrame(() => ta.current && ta.current.focus());
    },
  };

  useEffect(() => {
    setText(drafts.get(c.id) || "");
    setFile(null);
    setMode("reply");
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

  useLayoutEffect(() => {
    if (select.current && ta.current) {
      ta.current.setSelectionRange(select.current[0], select.current[1]);
      select.current = null;
    }
  });

  const a = c.allowed;
  const canReply = !!a && a.reply;
  const canNote = !!a && a.note;
  const enabled = mode === "reply" ? canReply : canNote;

  const update = (v: string) => {
    setText(v);
    if (v) drafts.set(c.id, v);
    else drafts.delete(c.id);
  };

  const apply = (fn: (e: Edit) => Edit | null) => {
    const el = ta.current;
    if (!el || !enabled) return false;
    const out = fn({ text: el.value, start: el.selectionStart, end: el.selectionEnd });
    if (!out) return false;
    update(out.text);
    select.current = [out.start, out.end];
    el.focus();
    return true;
  };

  // "/" completes saved replies: the trigger and word typed are replaced by the reply (and its file).
  const convId = useRef(c.id);
  convId.current = c.id;
  const sources = useMemo(() => [replySource(() => convId.current, (text, error) => inbox.toast(text, error)), emojiSource()], []);
  const completion = useCompletion(ta, sources, (start, end, ins: Insert) => {
    const el = ta.current;
    if (!el) return;
    update(el.value.slice(0, start) + ins.text + el.value.slice(end));
    select.current = [start + ins.text.length, start + ins.text.length];
    if (ins.file) setFile(ins.file);
    el.focus();
  });

  // The emoji picker goes in at the caret; it loads the first time it is opened.
  const emojiOpen = useRef(false);
  const pickEmoji = (btn: HTMLElement) => {
    const form = btn.closest("form") as HTMLElement;
    if (emojiOpen.current || !form) return;
    emojiOpen.current = true;
    openEmoji(
      form,
      btn,
      (e) => apply((x) => ({ text: x.text.slice(0, x.start) + e + x.text.slice(x.end), start: x.start + e.length, end: x.start + e.length })),
      () => {
        emojiOpen.current = false;
        if (ta.current) ta.current.focus();
      },
    ).catch(() => (emojiOpen.current = false));
  };

  const send = () => {
    if (!enabled || (!text.trim() && !file)) return;
    inbox.send(text.trim(), mode === "note", file || undefined);
    update("");
    setFile(null);
  };

  let hint = "";
  if (mode === "reply" && !canReply && a) hint = c.status === "closed" ? t("compose.closed") : t("compose.cannot");
  else if (mode === "reply" && c.status === "open" && !c.assignee_id && a && a.assign_to_me) hint = t("compose.takes");

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
        <div class="tools" role="toolbar" aria-label={t("compose.format")} aria-controls={taId}>
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => apply((e) => wrap(e, "**", t("compose.boldText")))} aria-label={t("compose.bold")} title={t("compose.bold") + " (Ctrl+B)"}>
            <Icon name="bold" />
          </button>
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => apply((e) => wrap(e, "_", t("compose.italicText")))} aria-label={t("compose.italic")} title={t("compose.italic") + " (Ctrl+I)"}>
            <Icon name="italic" />
          </button>
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => apply((e) => link(e, t("compose.linkText")))} aria-label={t("compose.link")} title={t("compose.link") + " (Ctrl+K)"}>
            <Icon name="link" />
          </button>
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => apply(bullets)} aria-label={t("compose.list")} title={t("compose.list")}>
            <Icon name="list" />
          </button>
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => apply(startReply) && requestAnimationFrame(completion.check)} aria-label={t("replies.button")} title={t("replies.button")}>
            <Icon name="reply" />
          </button>
          {hasEmoji() && (
            <button type="button" class="icon-btn" disabled={!enabled} aria-haspopup="dialog" onClick={(e) => pickEmoji(e.currentTarget as HTMLElement)} aria-label={t("emoji.button")} title={t("emoji.button")}>
              <Icon name="smile" />
            </button>
          )}
          <button type="button" class="icon-btn" disabled={!enabled} onClick={() => picker.current && picker.current.click()} aria-label={t("compose.attach")} title={t("compose.attach")}>
            <Icon name="clip" />
          </button>
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
      {completion.popup}
      <label for={taId} class="sr">
        {mode === "note" ? t("compose.noteLabel") : t("compose.replyLabel", { name: contactName(c) })}
      </label>
      <textarea
        id={taId}
        ref={ta}
        rows={3}
        value={text}
        disabled={!enabled}
        aria-describedby={hint ? hintId : undefined}
        {...completion.field}
        placeholder={mode === "note" ? t("compose.notePlaceholder") : t("compose.replyPlaceholder")}
        onInput={(e) => {
          update((e.target as HTMLTextAreaElement).value);
          if (mode === "reply") inbox.typed();
          completion.check();
        }}
        onClick={completion.check}
        onKeyUp={(e) => /^(Arrow(Left|Right)|Home|End)$/.test(e.key) && completion.check()}
        onBlur={completion.close}
        onPaste={(e) => {
          const items = e.clipboardData ? Array.from(e.clipboardData.files) : [];
          if (items.length) {
            e.preventDefault();
            setFile(items[0]);
          }
        }}
        onKeyDown={(e) => {
          if (completion.onKey(e)) return;
          const mod = e.ctrlKey || e.metaKey;
          if (e.key === "Enter" && !e.shiftKey && !mod && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === "Enter" && e.shiftKey) {
            if (apply(continueList)) e.preventDefault();
          } else if (mod && e.key.toLowerCase() === "b") {
            e.preventDefault();
            apply((x) => wrap(x, "**", t("compose.boldText")));
          } else if (mod && e.key.toLowerCase() === "i") {
            e.preventDefault();
            apply((x) => wrap(x, "_", t("compose.italicText")));
          } else if (mod && e.key.toLowerCase() === "k") {
            e.preventDefault();
            apply((x) => link(x, t("compose.linkText")));
          } else if (e.key === "Escape") {
            (e.target as HTMLTextAreaElement).blur();
          }
        }}
      />
      <div class="compose-foot">
        <p class="hint small" id={hintId}>
          {hint || t("compose.keys")}
        </p>
        <button type="submit" class={"btn " + (mode === "note" ? "btn-note" : "btn-primary")} disabled={!enabled || (!text.trim() && !file)}>
          <Icon name="send" />
          <span>{mode === "note" ? t("compose.addNote") : t("compose.send")}</span>
        </button>
      </div>
    </form>
  );
}
