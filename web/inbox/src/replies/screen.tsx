// Saved replies (#/admin/replies): every agent's own, and the shared ones, which admins change.
// A reply has a shortcut (typed after "/" in the composer), a title, a text with variables and
// perhaps one file.
import { useRef, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { Me } from "../admin/types";
import { Confirm, Dialog, Field, IconButton, Loading, SelectField, Status, TextField, useLoad, useSubmit } from "../admin/ui";
import { forget, type SavedReply } from "./store";
import "./replies.css";

const variables = ["contact.first_name", "contact.name", "contact.email", "agent.first_name", "agent.name", "inbox.name"];

export function SavedRepliesScreen({ me }: { me: Me }) {
  const admin = me.role === "owner" || me.role === "admin";
  const list = useLoad(() => api<{ saved_replies: SavedReply[] }>("GET", "saved-replies").then((r) => r.saved_replies || []));
  const [editing, setEditing] = useState<SavedReply | "new" | null>(null);
  const [deleting, setDeleting] = useState<SavedReply | null>(null);
  const all = list.data || [];
  const changed = () => {
    forget();
    list.reload();
  };
  const group = (scope: "shared" | "personal", title: string) => {
    const rows = all.filter((r) => r.scope === scope);
    return (
      <section class="adm-panel sr-group" aria-labelledby={"sr-" + scope}>
        <h2 id={"sr-" + scope}>{title}</h2>
        {scope === "shared" && !admin && <p class="adm-muted">{t("replies.adminsOnly")}</p>}
        {rows.length === 0 ? (
          <p class="adm-muted">{t("replies.none")}</p>
        ) : (
          <ul class="sr-list">
            {rows.map((r) => (
              <li key={r.id} class="sr-row" data-shortcut={r.shortcut}>
                <div class="sr-text">
                  <p class="sr-head">
                    <code>/{r.shortcut}</code> <strong>{r.title}</strong>
                  </p>
                  <p class="sr-body">{r.body}</p>
                  {r.attachment && <p class="adm-muted sr-file">📎 {r.attachment.name}</p>}
                </div>
                {(scope === "personal" || admin) && (
                  <div class="sr-actions">
                    <IconButton icon="pencil" label={t("replies.editOne", { name: "/" + r.shortcut })} onClick={() => setEditing(r)} />
                    <IconButton icon="bin" danger label={t("replies.deleteOne", { name: "/" + r.shortcut })} onClick={() => setDeleting(r)} />
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  };
  return (
    <div class="adm-screen">
      <div class="sr-top">
        <h1>{t("replies.title")}</h1>
        <button type="button" class="adm-btn adm-primary" onClick={() => setEditing("new")}>
          {t("replies.new")}
        </button>
      </div>
      <p class="adm-lead">{t("replies.lead")}</p>
      {!list.data ? (
        <Loading error={list.error} />
      ) : (
        <>
          {group("personal", t("replies.personal"))}
          {group("shared", t("replies.shared"))}
        </>
      )}
      {editing && (
        <ReplyForm
          reply={editing === "new" ? null : editing}
          admin={admin}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            changed();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={t("replies.deleteTitle", { name: "/" + deleting.shortcut })}
          text={t("replies.deleteText")}
          action={t("replies.delete")}
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api("DELETE", `saved-replies/${deleting.id}`);
            setDeleting(null);
            changed();
          }}
        />
      )}
    </div>
  );
}

function ReplyForm({ reply, admin, onClose, onSaved }: { reply: SavedReply | null; admin: boolean; onClose: () => void; onSaved: () => void }) {
  const [scope, setScope] = useState<"personal" | "shared">(reply ? reply.scope : "personal");
  const [shortcut, setShortcut] = useState(reply ? reply.shortcut : "");
  const [title, setTitle] = useState(reply ? reply.title : "");
  const [body, setBody] = useState(reply ? reply.body : "");
  const [file, setFile] = useState<File | null>(null);
  const [dropFile, setDropFile] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const s = useSubmit();
  const current = reply && reply.attachment && !dropFile ? reply.attachment.name : "";

  const insertVariable = (name: string) => {
    const el = bodyRef.current;
    const v = "{{" + name + "}}";
    const at = el ? el.selectionStart : body.length;
    const end = el ? el.selectionEnd : body.length;
    setBody(body.slice(0, at) + v + body.slice(end));
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(at + v.length, at + v.length);
    });
  };

  return (
    <Dialog title={reply ? t("replies.edit") : t("replies.new")} onClose={onClose} wide>
      <form
        class="sr-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await s.run(async () => {
            const saved = reply
              ? (await api<{ saved_reply: SavedReply }>("PATCH", `saved-replies/${reply.id}`, { shortcut, title, body })).saved_reply
              : (await api<{ saved_reply: SavedReply }>("POST", "saved-replies", { scope, shortcut, title, body })).saved_reply;
            if (file) await api("PUT", `saved-replies/${saved.id}/attachment?name=${encodeURIComponent(file.name)}`, file);
            else if (dropFile) await api("DELETE", `saved-replies/${saved.id}/attachment`);
          });
          if (ok) onSaved();
        }}
      >
        {admin && !reply && (
          <SelectField
            label={t("replies.scope")}
            name="scope"
            value={scope}
            onValue={setScope}
            options={[
              { value: "personal", label: t("replies.scope.personal") },
              { value: "shared", label: t("replies.scope.shared") },
            ]}
          />
        )}
        <TextField label={t("replies.shortcut")} name="shortcut" hint={t("replies.shortcutHint")} value={shortcut} onValue={setShortcut} required maxLength={40} autocomplete="off" spellcheck={false} />
        <TextField label={t("replies.name")} name="title" value={title} onValue={setTitle} required maxLength={100} autocomplete="off" />
        <Field label={t("replies.body")} hint={t("replies.bodyHint")}>
          {(id, desc) => (
            <textarea id={id} name="body" ref={bodyRef} aria-describedby={desc} rows={6} required maxLength={10000} value={body} onInput={(e) => setBody((e.currentTarget as HTMLTextAreaElement).value)} />
          )}
        </Field>
        <fieldset class="sr-vars">
          <legend>{t("replies.variables")}</legend>
          {variables.map((v) => (
            <button type="button" class="adm-btn sr-var" key={v} onClick={() => insertVariable(v)}>
              {t("replies.var." + v)}
            </button>
          ))}
        </fieldset>
        <Field label={t("replies.attachment")}>
          {(id, desc) => (
            <div class="sr-attach">
              {(file || current) && (
                <span class="sr-file">
                  📎 {file ? file.name : current}{" "}
                  <button
                    type="button"
                    class="adm-btn"
                    onClick={() => {
                      setFile(null);
                      setDropFile(true);
                    }}
                  >
                    {t("replies.removeFile")}
                  </button>
                </span>
              )}
              <input
                id={id}
                type="file"
                aria-describedby={desc}
                onChange={(e) => {
                  const f = (e.currentTarget as HTMLInputElement).files;
                  if (f && f[0]) setFile(f[0]);
                }}
              />
            </div>
          )}
        </Field>
        <Status s={s} />
        <div class="adm-actions">
          <button type="button" class="adm-btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
            {reply ? t("replies.save") : t("replies.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
