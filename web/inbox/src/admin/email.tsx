// Email: the installation's own mail (the relay, From and reply domain of follow-ups, transcripts
// and notifications; set here or fixed by the server's --mail-* flags, with a test send) and the
// email inboxes (an address, SMTP to send through, IMAP or Parley's listener to receive, a
// signature, "test connection", and the policies and members every inbox has).
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { InboxSettings } from "./inboxes";
import type { EmailInbox, IMAPServer, Inbox, MailSettings, Me, SMTPServer, TestStep, User } from "./types";
import { Field, Loading, SelectField, Status, TextField, useLoad, useSubmit } from "./ui";

export function EmailScreen({ me }: { me: Me }) {
  const mail = useLoad(() => api<{ mail: MailSettings }>("GET", "mail").then((r) => r.mail));
  const list = useLoad(() => api<{ email_inboxes: EmailInbox[] }>("GET", "email-inboxes").then((r) => r.email_inboxes));
  const inboxes = useLoad(() => api<{ inboxes: Inbox[] }>("GET", "inboxes").then((r) => r.inboxes));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  const [adding, setAdding] = useState(false);
  return (
    <div class="adm-screen">
      <h1>{t("admin.email.title")}</h1>
      <p class="adm-lead">{t("admin.email.lead")}</p>
      <section class="adm-panel" aria-labelledby="adm-mail-h">
        <h2 id="adm-mail-h">{t("admin.mail.title")}</h2>
        <p class="adm-hint">{t("admin.mail.lead")}</p>
        {!mail.data ? <Loading error={mail.error} /> : <MailForm settings={mail.data} me={me} onSaved={mail.set} />}
      </section>
      <div class="adm-head">
        <h2>{t("admin.emailInboxes.title")}</h2>
        {!adding && (
          <button type="button" class="adm-btn adm-primary" onClick={() => setAdding(true)}>
            {t("admin.emailInboxes.add")}
          </button>
        )}
      </div>
      <p class="adm-hint">{t("admin.emailInboxes.lead")}</p>
      {adding && (
        <EmailInboxForm
          onCancel={() => setAdding(false)}
          onSaved={(ib) => {
            list.set([...(list.data || []), ib]);
            inboxes.reload();
            setAdding(false);
          }}
        />
      )}
      {!list.data || !inboxes.data || !users.data ? (
        <Loading error={list.error || inboxes.error || users.error} />
      ) : list.data.length === 0 ? (
        <p class="adm-muted">{t("admin.emailInboxes.none")}</p>
      ) : (
        <ul class="adm-cards">
          {list.data.map((ib) => {
            const inbox = inboxes.data!.find((x) => x.id === ib.id);
            return (
              <li key={ib.id} class="adm-panel adm-email-inbox" data-inbox-id={ib.id}>
                <h3>
                  {ib.name} <span class="adm-muted">{ib.address}</span>
                </h3>
                <EmailInboxForm inbox={ib} onSaved={(n) => list.set(list.data!.map((x) => (x.id === n.id ? n : x)))} />
                <TestConnection id={ib.id} />
                {inbox && (
                  <section>
                    <h4>{t("admin.websites.inbox")}</h4>
                    <InboxSettings me={me} inbox={inbox} users={users.data!} onChange={(n) => inboxes.set(inboxes.data!.map((x) => (x.id === n.id ? n : x)))} />
                  </section>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

const securities = (): { value: string; label: string }[] => [
  { value: "starttls", label: t("admin.server.starttls") },
  { value: "tls", label: t("admin.server.tls") },
  { value: "none", label: t("admin.server.none") },
];

/** ServerFields edits a mail server: host, port, security, user name and a write-only password. */
function ServerFields<S extends SMTPServer | IMAPServer>(props: { legend: string; value: S; onValue: (v: S) => void; folder?: boolean; disabled?: boolean }) {
  const v = props.value;
  const set = (p: Partial<S>) => props.onValue({ ...v, ...p });
  return (
    <fieldset class="adm-fieldset" disabled={props.disabled}>
      <legend>{props.legend}</legend>
      <div class="adm-grid">
        <TextField label={t("admin.server.host")} value={v.host} onValue={(host) => set({ host } as Partial<S>)} autocomplete="off" spellcheck={false} />
        <TextField label={t("admin.server.port")} type="number" min={0} max={65535} value={v.port ? String(v.port) : ""} onValue={(p) => set({ port: Number(p) || 0 } as Partial<S>)} hint={t("admin.server.portHint")} />
        <SelectField label={t("admin.server.security")} value={v.security || "starttls"} options={securities()} onValue={(security) => set({ security } as Partial<S>)} />
        <TextField label={t("admin.server.username")} value={v.username || ""} onValue={(username) => set({ username } as Partial<S>)} autocomplete="off" spellcheck={false} />
        <TextField
          label={t("admin.server.password")}
          type="password"
          value={v.password || ""}
          onValue={(password) => set({ password } as Partial<S>)}
          autocomplete="new-password"
          hint={v.password_set ? t("admin.server.passwordKept") : undefined}
        />
        {props.folder && <TextField label={t("admin.server.folder")} value={(v as IMAPServer).folder || ""} placeholder="INBOX" onValue={(folder) => set({ folder } as unknown as Partial<S>)} />}
      </div>
    </fieldset>
  );
}

function MailForm({ settings, me, onSaved }: { settings: MailSettings; me: Me; onSaved: (m: MailSettings) => void }) {
  const [m, setM] = useState<MailSettings>(settings);
  const [to, setTo] = useState(me.email);
  const s = useSubmit();
  const test = useSubmit();
  const fixed = settings.fixed;
  return (
    <>
      {fixed && <p class="adm-warn">{t("admin.mail.fixed")}</p>}
      <form
        class="adm-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ mail: MailSettings }>("PUT", "mail", { ...m, fixed: undefined, updated_at: undefined });
            onSaved(r.mail);
            setM(r.mail);
          }, t("admin.saved"));
        }}
      >
        <ServerFields legend={t("admin.mail.relay")} value={m.smtp} onValue={(smtp) => setM({ ...m, smtp })} disabled={fixed} />
        <fieldset class="adm-fieldset" disabled={fixed}>
          <legend>{t("admin.mail.sender")}</legend>
          <div class="adm-grid">
            <TextField label={t("admin.mail.fromAddress")} type="email" value={m.from_address} onValue={(from_address) => setM({ ...m, from_address })} />
            <TextField label={t("admin.mail.fromName")} value={m.from_name || ""} onValue={(from_name) => setM({ ...m, from_name })} />
          </div>
        </fieldset>
        <fieldset class="adm-fieldset" disabled={fixed}>
          <legend>{t("admin.mail.replies")}</legend>
          <TextField label={t("admin.mail.replyDomain")} value={m.reply_domain || ""} placeholder="reply.example.com" onValue={(reply_domain) => setM({ ...m, reply_domain })} hint={t("admin.mail.replyDomainHint")} />
          <SelectField
            label={t("admin.mail.receive")}
            value={m.receive || ""}
            options={[
              { value: "", label: t("admin.mail.receiveNone") },
              { value: "listener", label: t("admin.receive.listener") },
              { value: "imap", label: t("admin.receive.imap") },
            ]}
            onValue={(receive) => setM({ ...m, receive: receive as MailSettings["receive"] })}
          />
          {m.receive === "imap" && <ServerFields legend={t("admin.mail.mailbox")} value={m.imap} folder onValue={(imap) => setM({ ...m, imap })} disabled={fixed} />}
        </fieldset>
        <Status s={s} />
        {!fixed && (
          <div class="adm-actions">
            <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
              {t("admin.save")}
            </button>
          </div>
        )}
      </form>
      <form
        class="adm-form adm-inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await test.run(() => api("POST", "mail/test", { to }), t("admin.mail.testSent", { to }));
        }}
      >
        <TextField label={t("admin.mail.testTo")} type="email" value={to} onValue={setTo} />
        <div class="adm-actions">
          <button type="submit" class="adm-btn" disabled={test.busy}>
            {t("admin.mail.test")}
          </button>
        </div>
        <Status s={test} />
      </form>
    </>
  );
}

function emptySMTP(): SMTPServer {
  return { host: "", security: "starttls" };
}

function emptyIMAP(): IMAPServer {
  return { host: "", security: "tls" };
}

/** EmailInboxForm creates an email inbox (no inbox given) or changes one. */
function EmailInboxForm({ inbox, onSaved, onCancel }: { inbox?: EmailInbox; onSaved: (ib: EmailInbox) => void; onCancel?: () => void }) {
  const [name, setName] = useState(inbox ? inbox.name : "");
  const [address, setAddress] = useState(inbox ? inbox.address : "");
  const [fromName, setFromName] = useState(inbox ? inbox.from_name || "" : "");
  const [signature, setSignature] = useState(inbox ? inbox.signature || "" : "");
  const [receive, setReceive] = useState<"imap" | "listener">(inbox ? inbox.receive : "imap");
  const [smtp, setSmtp] = useState<SMTPServer>(inbox ? inbox.smtp : emptySMTP());
  const [imap, setImap] = useState<IMAPServer>(inbox ? inbox.imap : emptyIMAP());
  const s = useSubmit();
  const headingId = inbox ? undefined : "adm-new-email";
  return (
    <form
      class={"adm-form" + (inbox ? "" : " adm-panel")}
      aria-labelledby={headingId}
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const body = { name: name || address, address, from_name: fromName, signature, receive, smtp, imap };
          const r = inbox
            ? await api<{ email_inbox: EmailInbox }>("PATCH", `email-inboxes/${inbox.id}`, body)
            : await api<{ email_inbox: EmailInbox }>("POST", "email-inboxes", body);
          onSaved(r.email_inbox);
          setSmtp({ ...r.email_inbox.smtp, password: "" });
          setImap({ ...r.email_inbox.imap, password: "" });
        }, inbox ? t("admin.saved") : undefined);
      }}
    >
      {!inbox && <h2 id={headingId}>{t("admin.emailInboxes.new")}</h2>}
      <div class="adm-grid">
        <TextField label={t("admin.emailInboxes.address")} type="email" value={address} onValue={setAddress} required autocomplete="off" />
        <TextField label={t("admin.websites.name")} value={name} placeholder={address} onValue={setName} autocomplete="off" />
        <TextField label={t("admin.emailInboxes.fromName")} value={fromName} onValue={setFromName} hint={t("admin.emailInboxes.fromNameHint")} />
      </div>
      <Field label={t("admin.emailInboxes.signature")} hint={t("admin.emailInboxes.signatureHint")}>
        {(id, desc) => <textarea id={id} aria-describedby={desc} rows={3} value={signature} onInput={(e) => setSignature((e.currentTarget as HTMLTextAreaElement).value)} />}
      </Field>
      <ServerFields legend={t("admin.emailInboxes.sending")} value={smtp} onValue={setSmtp} />
      <fieldset class="adm-radios adm-choice">
        <legend>{t("admin.emailInboxes.receiving")}</legend>
        <label>
          <input type="radio" name={"recv-" + (inbox ? inbox.id : "new")} checked={receive === "imap"} onChange={() => setReceive("imap")} />
          <span>
            <strong>{t("admin.receive.imap")}</strong>
            <span class="adm-hint">{t("admin.receive.imapHint")}</span>
          </span>
        </label>
        <label>
          <input type="radio" name={"recv-" + (inbox ? inbox.id : "new")} checked={receive === "listener"} onChange={() => setReceive("listener")} />
          <span>
            <strong>{t("admin.receive.listener")}</strong>
            <span class="adm-hint">{t("admin.receive.listenerHint")}</span>
          </span>
        </label>
      </fieldset>
      {receive === "imap" && <ServerFields legend={t("admin.mail.mailbox")} value={imap} folder onValue={setImap} />}
      <Status s={s} />
      <div class="adm-actions">
        {onCancel && (
          <button type="button" class="adm-btn" onClick={onCancel}>
            {t("admin.cancel")}
          </button>
        )}
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {inbox ? t("admin.save") : t("admin.emailInboxes.create")}
        </button>
      </div>
    </form>
  );
}

/** TestConnection tests an inbox's saved settings and says which step failed. */
function TestConnection({ id }: { id: number }) {
  const [res, setRes] = useState<{ smtp: TestStep; imap?: TestStep } | null>(null);
  const s = useSubmit();
  const line = (label: string, r: TestStep) => (
    <p class={r.ok ? "adm-ok" : "adm-err"} role={r.ok ? "status" : "alert"}>
      {label}: {r.ok ? t("admin.test.ok") : t("admin.test.failed", { step: t("admin.test.step." + (r.code ? r.code.replace(/^(smtp|imap)_/, "") : "unknown")), message: r.message || "" })}
    </p>
  );
  return (
    <div class="adm-test">
      <button type="button" class="adm-btn" disabled={s.busy} onClick={() => s.run(async () => setRes(await api<{ smtp: TestStep; imap?: TestStep }>("POST", `email-inboxes/${id}/test`)))}>
        {s.busy ? t("admin.test.running") : t("admin.test.button")}
      </button>
      <Status s={s} />
      {res && line(t("admin.emailInboxes.sending"), res.smtp)}
      {res && res.imap && line(t("admin.mail.mailbox"), res.imap)}
    </div>
  );
}
