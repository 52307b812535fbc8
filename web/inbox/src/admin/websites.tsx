// Websites: the inboxes of the chat widget. Each has a name, the domains the widget may appear on,
// a time zone, the one-line embed snippet, the identity secret that signs logged-in visitors, and
// the inbox policies every inbox has. "Configure live chat" sets up its playbook.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { InboxSettings } from "./inboxes";
import { ConfigureLiveChat } from "./playbooks";
import { parseDomains, snippet } from "./text";
import { BusinessHoursForm } from "../hours/form";
import type { Inbox, Me, User, Website } from "./types";
import { browserTimeZone, CopyBox, Field, Loading, SelectField, Status, TextField, TimeZoneField, useLoad, useSubmit } from "./ui";

export function WebsitesScreen({ me, navigate }: { me: Me; navigate: (hash: string) => void }) {
  const sites = useLoad(() => api<{ websites: Website[] }>("GET", "websites").then((r) => r.websites));
  const inboxes = useLoad(() => api<{ inboxes: Inbox[] }>("GET", "inboxes").then((r) => r.inboxes));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  const [adding, setAdding] = useState(false);
  const [configure, setConfigure] = useState<Website | null>(null);
  const ready = sites.data && inboxes.data && users.data;
  return (
    <div class="adm-screen">
      <div class="adm-head">
        <h1>{t("admin.websites.title")}</h1>
        {!adding && (
          <button type="button" class="adm-btn adm-primary" onClick={() => setAdding(true)}>
            {t("admin.websites.add")}
          </button>
        )}
      </div>
      <p class="adm-lead">{t("admin.websites.lead")}</p>
      {adding && (
        <NewWebsite
          onCancel={() => setAdding(false)}
          onCreated={(w) => {
            sites.set([...(sites.data || []), w]);
            inboxes.reload();
            setAdding(false);
          }}
        />
      )}
      {!ready ? (
        <Loading error={sites.error || inboxes.error || users.error} />
      ) : sites.data!.length === 0 ? (
        <p class="adm-muted">{t("admin.websites.none")}</p>
      ) : (
        <ul class="adm-cards">
          {sites.data!.map((w) => {
            const ib = inboxes.data!.find((x) => x.id === w.id);
            return (
              <li key={w.id} class="adm-panel adm-website" data-website-id={w.id}>
                <WebsiteItem
                  me={me}
                  site={w}
                  inbox={ib}
                  emailInboxes={inboxes.data!.filter((x) => x.kind === "email")}
                  users={users.data!}
                  onChange={(n) => sites.set(sites.data!.map((x) => (x.id === n.id ? n : x)))}
                  onInbox={(n) => inboxes.set(inboxes.data!.map((x) => (x.id === n.id ? n : x)))}
                  onConfigure={() => setConfigure(w)}
                />
              </li>
            );
          })}
        </ul>
      )}
      {configure && <ConfigureLiveChat website={configure} websites={sites.data || [configure]} navigate={navigate} onClose={() => setConfigure(null)} />}
    </div>
  );
}

function WebsiteItem(props: {
  me: Me;
  site: Website;
  inbox?: Inbox;
  emailInboxes: Inbox[];
  users: User[];
  onChange: (w: Website) => void;
  onInbox: (ib: Inbox) => void;
  onConfigure: () => void;
}) {
  const { site } = props;
  const [name, setName] = useState(site.name);
  const [domains, setDomains] = useState((site.allowed_domains || []).join("\n"));
  const [tz, setTz] = useState(site.time_zone);
  const [secret, setSecret] = useState("");
  const s = useSubmit();
  const sec = useSubmit();
  const headingId = `adm-site-${site.id}`;
  const code = snippet(location.origin, site.public_key);
  return (
    <>
      <div class="adm-head">
        <h2 id={headingId}>{site.name}</h2>
        <button type="button" class="adm-btn adm-primary" onClick={props.onConfigure}>
          {t("admin.livechat.configure")}
        </button>
      </div>
      <section aria-label={t("admin.websites.snippet")}>
        <h3>{t("admin.websites.snippet")}</h3>
        <p class="adm-hint">{t("admin.websites.snippetHint")}</p>
        <CopyBox text={code} label={t("admin.websites.snippet")} class="adm-snippet" />
      </section>
      <form
        class="adm-form"
        aria-labelledby={headingId}
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ website: Website }>("PATCH", `websites/${site.id}`, { name, allowed_domains: parseDomains(domains), time_zone: tz });
            props.onChange(r.website);
            setDomains((r.website.allowed_domains || []).join("\n"));
          }, t("admin.saved"));
        }}
      >
        <h3>{t("admin.websites.settings")}</h3>
        <div class="adm-grid">
          <TextField label={t("admin.websites.name")} value={name} onValue={setName} required autocomplete="off" />
          <TimeZoneField label={t("admin.timeZone")} value={tz} onValue={setTz} hint={t("admin.websites.tzHint")} />
        </div>
        <DomainsField value={domains} onValue={setDomains} />
        <Status s={s} />
        <div class="adm-actions">
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
            {t("admin.save")}
          </button>
        </div>
      </form>
      <BusinessHoursForm site={site} onChange={props.onChange} />
      <FollowUpForm site={site} emailInboxes={props.emailInboxes} onChange={props.onChange} />
      <section class="adm-secret">
        <h3>{t("admin.websites.secret")}</h3>
        <p class="adm-hint">{t("admin.websites.secretHint")}</p>
        {secret ? (
          <CopyBox text={secret} label={t("admin.websites.secret")} />
        ) : (
          <button type="button" class="adm-btn" disabled={sec.busy} onClick={() => sec.run(async () => setSecret((await api<{ secret: string }>("GET", `websites/${site.id}/secret`)).secret))}>
            {t("admin.websites.showSecret")}
          </button>
        )}
        <Status s={sec} />
      </section>
      {props.inbox && (
        <section>
          <h3>{t("admin.websites.inbox")}</h3>
          <InboxSettings me={props.me} inbox={props.inbox} users={props.users} onChange={props.onInbox} />
        </section>
      )}
    </>
  );
}

/** FollowUpForm sets what reaches a visitor who left by email: unread replies after a delay, and the transcript. */
function FollowUpForm({ site, emailInboxes, onChange }: { site: Website; emailInboxes: Inbox[]; onChange: (w: Website) => void }) {
  const [followUp, setFollowUp] = useState(site.follow_up !== false);
  const [minutes, setMinutes] = useState(String(Math.round((site.follow_up_seconds ?? 120) / 6) / 10));
  const [transcript, setTranscript] = useState(!!site.transcript_on_close);
  const [from, setFrom] = useState(String(site.email_inbox_id || 0));
  const s = useSubmit();
  const headingId = `adm-followup-${site.id}`;
  return (
    <form
      class="adm-form"
      aria-labelledby={headingId}
      onSubmit={async (e) => {
        e.preventDefault();
        const secs = Math.round(Number(minutes.replace(",", ".")) * 60);
        if (!Number.isFinite(secs) || secs < 0) {
          s.setError(t("admin.followUp.badDelay"));
          return;
        }
        await s.run(async () => {
          const r = await api<{ website: Website }>("PATCH", `websites/${site.id}`, {
            follow_up: followUp,
            follow_up_seconds: secs,
            transcript_on_close: transcript,
            email_inbox_id: Number(from),
          });
          onChange(r.website);
        }, t("admin.saved"));
      }}
    >
      <h3 id={headingId}>{t("admin.followUp.title")}</h3>
      <p class="adm-hint">{t("admin.followUp.lead")}</p>
      <label class="adm-check">
        <input type="checkbox" checked={followUp} onChange={(e) => setFollowUp((e.currentTarget as HTMLInputElement).checked)} /> {t("admin.followUp.on")}
      </label>
      <TextField label={t("admin.followUp.delay")} type="number" min={0} step="0.5" value={minutes} onValue={setMinutes} hint={t("admin.followUp.delayHint")} />
      <label class="adm-check">
        <input type="checkbox" checked={transcript} onChange={(e) => setTranscript((e.currentTarget as HTMLInputElement).checked)} /> {t("admin.followUp.transcript")}
      </label>
      <SelectField
        label={t("admin.followUp.from")}
        value={from}
        options={[{ value: "0", label: t("admin.followUp.fromInstallation") }, ...emailInboxes.map((ib) => ({ value: String(ib.id), label: ib.name }))]}
        onValue={setFrom}
      />
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.save")}
        </button>
      </div>
    </form>
  );
}

function DomainsField({ value, onValue }: { value: string; onValue: (v: string) => void }) {
  return (
    <Field label={t("admin.websites.domains")} hint={t("admin.websites.domainsHint")}>
      {(id, desc) => (
        <textarea id={id} aria-describedby={desc} rows={3} spellcheck={false} autocomplete="off" value={value} onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)} />
      )}
    </Field>
  );
}

function NewWebsite({ onCancel, onCreated }: { onCancel: () => void; onCreated: (w: Website) => void }) {
  const [name, setName] = useState("");
  const [domains, setDomains] = useState("");
  const [tz, setTz] = useState(browserTimeZone());
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form"
      aria-labelledby="adm-new-site"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const r = await api<{ website: Website }>("POST", "websites", { name, allowed_domains: parseDomains(domains), time_zone: tz });
          onCreated(r.website);
        });
      }}
    >
      <h2 id="adm-new-site">{t("admin.websites.new")}</h2>
      <div class="adm-grid">
        <TextField label={t("admin.websites.name")} value={name} onValue={setName} required autocomplete="off" />
        <TimeZoneField label={t("admin.timeZone")} value={tz} onValue={setTz} hint={t("admin.websites.tzHint")} />
      </div>
      <DomainsField value={domains} onValue={setDomains} />
      <Status s={s} />
      <div class="adm-actions">
        <button type="button" class="adm-btn" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.websites.create")}
        </button>
      </div>
    </form>
  );
}
