// The composer's part for Messenger and WhatsApp: a notice of where the 24-hour window stands, and,
// for WhatsApp outside the session, the choice of an approved template with its variables.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { Conversation, ReplyWindow, TemplateRef } from "../types";
import { contactName, formatDateTime, useId } from "../ui/common";
import { fillTemplate, templateKeys } from "./window";

/** WindowNotice says until when replies go out, or why none can, in the conversation's channel. */
export function WindowNotice({ c, w }: { c: Conversation; w: ReplyWindow }) {
  let text: string;
  let closed = false;
  if (w.open) text = t("channels.window.open", { time: formatDateTime(w.closes_at) });
  else if (c.channel === "whatsapp") text = t("channels.window.closedWhatsApp", { name: contactName(c) });
  else if (w.tag && w.tag_until) text = t("channels.window.tag", { time: formatDateTime(w.tag_until) });
  else {
    text = t("channels.window.closedMessenger", { name: contactName(c) });
    closed = true;
  }
  return (
    <p class={"window-notice small" + (w.open ? " muted" : " window-closed")} role={closed ? "alert" : "status"}>
      {text}
    </p>
  );
}

/** Template is an approved WhatsApp template as GET /conversations/{id}/templates lists it. */
export interface Template {
  sid: string;
  name: string;
  language?: string;
  body: string;
  variables?: Record<string, string>;
}

/**
 * TemplatePicker chooses one of the account's approved templates and fills its variables; onSend
 * gets the text as the contact will read it and the template to send.
 */
export function TemplatePicker({ c, disabled, onSend }: { c: Conversation; disabled: boolean; onSend: (text: string, tpl: TemplateRef) => void }) {
  const [list, setList] = useState<Template[] | null>(null);
  const [error, setError] = useState("");
  const [sid, setSid] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const pickId = useId("tpl");
  const previewId = useId("tpl-p");
  useEffect(() => {
    let live = true;
    setList(null);
    setError("");
    setSid("");
    setValues({});
    api<{ templates: Template[] }>("GET", `conversations/${c.id}/templates`).then(
      (r) => live && setList(r.templates || []),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => void (live = false);
  }, [c.id]);

  if (error) return <p class="err small" role="alert">{t("channels.template.failed", { message: error })}</p>;
  if (!list) return <p class="muted small" role="status">{t("channels.template.loading")}</p>;
  if (!list.length) return <p class="muted small">{t("channels.template.none")}</p>;
  const tpl = list.find((x) => x.sid === sid);
  const keys = tpl ? templateKeys(tpl.body, tpl.variables) : [];
  const complete = !!tpl && keys.every((k) => (values[k] || "").trim() !== "");
  const text = tpl ? fillTemplate(tpl.body, values) : "";
  return (
    <div class="template-picker">
      <div class="field">
        <label for={pickId}>{t("channels.template.choose")}</label>
        <select
          id={pickId}
          value={sid}
          disabled={disabled}
          onChange={(e) => {
            setSid((e.target as HTMLSelectElement).value);
            setValues({});
          }}
        >
          <option value="">{t("channels.template.pick")}</option>
          {list.map((x) => (
            <option key={x.sid} value={x.sid}>
              {x.name + (x.language ? " (" + x.language + ")" : "")}
            </option>
          ))}
        </select>
      </div>
      {keys.map((k) => (
        <TemplateVar key={sid + k} name={k} sample={(tpl && tpl.variables && tpl.variables[k]) || ""} value={values[k] || ""} disabled={disabled} onValue={(v) => setValues({ ...values, [k]: v })} />
      ))}
      {tpl && (
        <div class="template-preview">
          <span class="small muted" id={previewId}>
            {t("channels.template.preview")}
          </span>
          <p class="bubble" aria-labelledby={previewId}>
            {text}
          </p>
        </div>
      )}
      <div class="compose-foot">
        <span />
        <button
          type="button"
          class="btn btn-primary"
          disabled={disabled || !complete}
          onClick={() => {
            if (!tpl || !complete) return;
            const vars: Record<string, string> = {};
            for (const k of keys) vars[k] = values[k].trim();
            onSend(text, { sid: tpl.sid, name: tpl.name, variables: keys.length ? vars : undefined });
            setSid("");
            setValues({});
          }}
        >
          {t("channels.template.send")}
        </button>
      </div>
    </div>
  );
}

function TemplateVar(p: { name: string; sample: string; value: string; disabled: boolean; onValue: (v: string) => void }) {
  const id = useId("tplv");
  return (
    <div class="field">
      <label for={id}>{t("channels.template.var", { name: p.name })}</label>
      <input id={id} type="text" autocomplete="off" maxLength={1024} value={p.value} placeholder={p.sample} disabled={p.disabled} onInput={(e) => p.onValue((e.target as HTMLInputElement).value)} />
    </div>
  );
}
