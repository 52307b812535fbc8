// The admin area's Messenger and WhatsApp screen: Facebook Pages connected by manual entry (the
// Page's id, its access token, the app secret, a verify token; the callback URL to give Meta) and
// WhatsApp senders through Twilio (account SID, auth token or API key, sender number or Messaging
// Service; the webhook URL to give Twilio), each with a test and the policies and members every
// inbox has. Only admins see it; tokens and secrets are never shown back.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { InboxSettings } from "../admin/inboxes";
import type { Inbox, Me, User } from "../admin/types";
import { CopyBox, Loading, Status, TextField, useLoad, useSubmit } from "../admin/ui";

interface InboxBase {
  id: number;
  name: string;
  member_ids?: number[];
}

export interface MessengerPage extends InboxBase {
  page_id: string;
  page_name?: string;
  human_agent: boolean;
  profiles: boolean;
  webhook_url: string;
  verify_token?: string;
  access_token_set: boolean;
  app_secret_set: boolean;
}

export interface WhatsAppSender extends InboxBase {
  account_sid: string;
  api_key_sid?: string;
  sender?: string;
  messaging_service_sid?: string;
  webhook_url: string;
  auth_token_set: boolean;
  api_key_secret_set: boolean;
}

export function MessagingScreen({ me }: { me: Me }) {
  const pages = useLoad(() => api<{ messenger_pages: MessengerPage[] }>("GET", "messenger-pages").then((r) => r.messenger_pages));
  const senders = useLoad(() => api<{ whatsapp_senders: WhatsAppSender[] }>("GET", "whatsapp-senders").then((r) => r.whatsapp_senders));
  const inboxes = useLoad(() => api<{ inboxes: Inbox[] }>("GET", "inboxes").then((r) => r.inboxes));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  const [adding, setAdding] = useState<"" | "page" | "sender">("");
  const ready = pages.data && senders.data && inboxes.data && users.data;
  const settings = (id: number) => {
    const inbox = inboxes.data && inboxes.data.find((x) => x.id === id);
    return (
      inbox && (
        <section>
          <h4>{t("admin.websites.inbox")}</h4>
          <InboxSettings me={me} inbox={inbox} users={users.data!} onChange={(n) => inboxes.set(inboxes.data!.map((x) => (x.id === n.id ? n : x)))} />
        </section>
      )
    );
  };
  return (
    <div class="adm-screen">
      <h1>{t("channels.title")}</h1>
      <p class="adm-lead">{t("channels.lead")}</p>

      <div class="adm-head">
        <h2>{t("channels.pages.title")}</h2>
        {adding !== "page" && (
          <button type="button" class="adm-btn adm-primary" onClick={() => setAdding("page")}>
            {t("channels.pages.add")}
          </button>
        )}
      </div>
      <p class="adm-hint">{t("channels.pages.lead")}</p>
      {adding === "page" && (
        <PageForm
          onCancel={() => setAdding("")}
          onSaved={(p) => {
            pages.set([...(pages.data || []), p]);
            inboxes.reload();
            setAdding("");
          }}
        />
      )}
      {!ready ? (
        <Loading error={pages.error || senders.error || inboxes.error || users.error} />
      ) : pages.data!.length === 0 ? (
        <p class="adm-muted">{t("channels.pages.none")}</p>
      ) : (
        <ul class="adm-cards">
          {pages.data!.map((p) => (
            <li key={p.id} class="adm-panel adm-channel" data-inbox-id={p.id}>
              <h3>
                {p.name} <span class="adm-muted">{p.page_name && p.page_name !== p.name ? p.page_name + " · " : ""}{p.page_id}</span>
              </h3>
              <PageForm page={p} onSaved={(n) => pages.set(pages.data!.map((x) => (x.id === n.id ? n : x)))} />
              <Test path={`messenger-pages/${p.id}/test`} ok={(r) => t("channels.page.testOk", { name: String(r.page_name || "") })} />
              {settings(p.id)}
            </li>
          ))}
        </ul>
      )}

      <div class="adm-head">
        <h2>{t("channels.wa.title")}</h2>
        {adding !== "sender" && (
          <button type="button" class="adm-btn adm-primary" onClick={() => setAdding("sender")}>
            {t("channels.wa.add")}
          </button>
        )}
      </div>
      <p class="adm-hint">{t("channels.wa.lead")}</p>
      {adding === "sender" && (
        <SenderForm
          onCancel={() => setAdding("")}
          onSaved={(n) => {
            senders.set([...(senders.data || []), n]);
            inboxes.reload();
            setAdding("");
          }}
        />
      )}
      {!ready ? null : senders.data!.length === 0 ? (
        <p class="adm-muted">{t("channels.wa.none")}</p>
      ) : (
        <ul class="adm-cards">
          {senders.data!.map((n) => (
            <li key={n.id} class="adm-panel adm-channel" data-inbox-id={n.id}>
              <h3>
                {n.name} <span class="adm-muted">{n.sender || n.messaging_service_sid}</span>
              </h3>
              <SenderForm sender={n} onSaved={(x) => senders.set(senders.data!.map((y) => (y.id === x.id ? x : y)))} />
              <Test path={`whatsapp-senders/${n.id}/test`} ok={(r) => t("channels.wa.testOk", { account: String(r.account || ""), n: Number(r.templates || 0) })} />
              {settings(n.id)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** newVerifyToken suggests a verify token: random, so nobody else guesses it. */
function newVerifyToken(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return "parley-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function Check(p: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label class="adm-check">
      <input type="checkbox" checked={p.checked} onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)} /> {p.label}
    </label>
  );
}

/** PageForm connects a Facebook Page (no page given) or changes one. */
function PageForm({ page, onSaved, onCancel }: { page?: MessengerPage; onSaved: (p: MessengerPage) => void; onCancel?: () => void }) {
  const [name, setName] = useState(page ? page.name : "");
  const [pageId, setPageId] = useState(page ? page.page_id : "");
  const [token, setToken] = useState("");
  const [secret, setSecret] = useState("");
  const [verify, setVerify] = useState(page ? page.verify_token || "" : newVerifyToken());
  const [human, setHuman] = useState(page ? page.human_agent : false);
  const [profiles, setProfiles] = useState(page ? page.profiles : true);
  const s = useSubmit();
  const headingId = page ? undefined : "adm-new-page";
  return (
    <form
      class={"adm-form" + (page ? "" : " adm-panel")}
      aria-labelledby={headingId}
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const body = { name, page_id: pageId, access_token: token, app_secret: secret, verify_token: verify, human_agent: human, profiles };
          const r = page
            ? await api<{ messenger_page: MessengerPage }>("PATCH", `messenger-pages/${page.id}`, body)
            : await api<{ messenger_page: MessengerPage }>("POST", "messenger-pages", body);
          setToken("");
          setSecret("");
          onSaved(r.messenger_page);
        }, page ? t("admin.saved") : undefined);
      }}
    >
      {!page && <h2 id={headingId}>{t("channels.pages.new")}</h2>}
      <div class="adm-grid">
        <TextField label={t("channels.page.id")} value={pageId} onValue={setPageId} required autocomplete="off" spellcheck={false} hint={t("channels.page.idHint")} />
        <TextField label={t("channels.name")} value={name} placeholder={page ? page.page_name : ""} onValue={setName} autocomplete="off" />
        <TextField
          label={t("channels.page.token")}
          type="password"
          value={token}
          onValue={setToken}
          required={!page}
          autocomplete="new-password"
          hint={page && page.access_token_set ? t("channels.kept") : undefined}
        />
        <TextField
          label={t("channels.page.secret")}
          type="password"
          value={secret}
          onValue={setSecret}
          required={!page}
          autocomplete="new-password"
          hint={page && page.app_secret_set ? t("channels.kept") : t("channels.page.secretHint")}
        />
        <TextField label={t("channels.page.verify")} value={verify} onValue={setVerify} required autocomplete="off" spellcheck={false} hint={t("channels.page.verifyHint")} />
      </div>
      <Check label={t("channels.page.humanAgent")} checked={human} onChange={setHuman} />
      <Check label={t("channels.page.profiles")} checked={profiles} onChange={setProfiles} />
      {page && <p class="adm-copy-label">{t("channels.page.callback")}</p>}
      {page && <CopyBox label={t("channels.page.callback")} text={page.webhook_url} />}
      <Status s={s} />
      <div class="adm-actions">
        {onCancel && (
          <button type="button" class="adm-btn" onClick={onCancel}>
            {t("admin.cancel")}
          </button>
        )}
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {page ? t("admin.save") : t("channels.page.connect")}
        </button>
      </div>
    </form>
  );
}

/** SenderForm connects a WhatsApp sender (none given) or changes one. */
function SenderForm({ sender, onSaved, onCancel }: { sender?: WhatsAppSender; onSaved: (n: WhatsAppSender) => void; onCancel?: () => void }) {
  const [name, setName] = useState(sender ? sender.name : "");
  const [account, setAccount] = useState(sender ? sender.account_sid : "");
  const [token, setToken] = useState("");
  const [keySid, setKeySid] = useState(sender ? sender.api_key_sid || "" : "");
  const [keySecret, setKeySecret] = useState("");
  const [number, setNumber] = useState(sender ? sender.sender || "" : "");
  const [service, setService] = useState(sender ? sender.messaging_service_sid || "" : "");
  const s = useSubmit();
  const headingId = sender ? undefined : "adm-new-sender";
  return (
    <form
      class={"adm-form" + (sender ? "" : " adm-panel")}
      aria-labelledby={headingId}
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const body = { name, account_sid: account, auth_token: token, api_key_sid: keySid, api_key_secret: keySecret, sender: number, messaging_service_sid: service };
          const r = sender
            ? await api<{ whatsapp_sender: WhatsAppSender }>("PATCH", `whatsapp-senders/${sender.id}`, body)
            : await api<{ whatsapp_sender: WhatsAppSender }>("POST", "whatsapp-senders", body);
          setToken("");
          setKeySecret("");
          onSaved(r.whatsapp_sender);
        }, sender ? t("admin.saved") : undefined);
      }}
    >
      {!sender && <h2 id={headingId}>{t("channels.wa.new")}</h2>}
      <div class="adm-grid">
        <TextField label={t("channels.wa.account")} value={account} onValue={setAccount} required autocomplete="off" spellcheck={false} placeholder="AC…" />
        <TextField
          label={t("channels.wa.token")}
          type="password"
          value={token}
          onValue={setToken}
          required={!sender}
          autocomplete="new-password"
          hint={sender && sender.auth_token_set ? t("channels.kept") : undefined}
        />
        <TextField label={t("channels.wa.sender")} value={number} onValue={setNumber} autocomplete="off" placeholder="+14155238886" hint={t("channels.wa.senderHint")} />
        <TextField label={t("channels.wa.service")} value={service} onValue={setService} autocomplete="off" spellcheck={false} placeholder="MG…" />
        <TextField label={t("channels.wa.keySid")} value={keySid} onValue={setKeySid} autocomplete="off" spellcheck={false} placeholder="SK…" />
        <TextField
          label={t("channels.wa.keySecret")}
          type="password"
          value={keySecret}
          onValue={setKeySecret}
          autocomplete="new-password"
          hint={sender && sender.api_key_secret_set ? t("channels.kept") : undefined}
        />
        <TextField label={t("channels.name")} value={name} onValue={setName} autocomplete="off" />
      </div>
      {sender && <p class="adm-copy-label">{t("channels.wa.webhook")}</p>}
      {sender && <CopyBox label={t("channels.wa.webhook")} text={sender.webhook_url} />}
      <Status s={s} />
      <div class="adm-actions">
        {onCancel && (
          <button type="button" class="adm-btn" onClick={onCancel}>
            {t("admin.cancel")}
          </button>
        )}
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {sender ? t("admin.save") : t("channels.wa.connect")}
        </button>
      </div>
    </form>
  );
}

/** Test calls a connection's test and says what it found. */
function Test({ path, ok }: { path: string; ok: (r: Record<string, unknown>) => string }) {
  const [res, setRes] = useState<{ ok: boolean; message?: string; [k: string]: unknown } | null>(null);
  const s = useSubmit();
  return (
    <div class="adm-test">
      <button type="button" class="adm-btn" disabled={s.busy} onClick={() => s.run(async () => setRes(await api<{ ok: boolean; message?: string }>("POST", path)))}>
        {s.busy ? t("channels.testing") : t("channels.test")}
      </button>
      <Status s={s} />
      {res && (
        <p class={res.ok ? "adm-ok" : "adm-err"} role={res.ok ? "status" : "alert"}>
          {res.ok ? ok(res) : t("channels.testFailed", { message: res.message || "" })}
        </p>
      )}
    </div>
  );
}
