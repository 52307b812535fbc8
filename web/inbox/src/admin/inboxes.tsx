// Inboxes: one per channel connection (a website, an email address, …), each with its members and
// its two policies: visibility (private/shared) and what a closed conversation does when the
// contact writes again (final/reopen).
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { Members } from "./teams";
import type { Inbox, Me, User } from "./types";
import { Loading, SelectField, Status, useLoad, useSubmit } from "./ui";

export function InboxesScreen({ me }: { me: Me }) {
  const inboxes = useLoad(() => api<{ inboxes: Inbox[] }>("GET", "inboxes").then((r) => r.inboxes));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  return (
    <div class="adm-screen">
      <h1>{t("admin.inboxes.title")}</h1>
      <p class="adm-lead">{t("admin.inboxes.lead")}</p>
      {!inboxes.data || !users.data ? (
        <Loading error={inboxes.error || users.error} />
      ) : inboxes.data.length === 0 ? (
        <p class="adm-muted">{t("admin.inboxes.none")}</p>
      ) : (
        <ul class="adm-cards">
          {inboxes.data.map((ib) => (
            <li key={ib.id} class="adm-panel">
              <h2>
                {ib.name} <span class="adm-badge">{t("admin.kind." + ib.kind)}</span>
              </h2>
              <InboxSettings me={me} inbox={ib} users={users.data!} onChange={(n) => inboxes.set(inboxes.data!.map((x) => (x.id === n.id ? n : x)))} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** InboxSettings edits an inbox's visibility, reopen policy and members, saved together. */
export function InboxSettings({ me, inbox, users, onChange }: { me: Me; inbox: Inbox; users: User[]; onChange: (ib: Inbox) => void }) {
  const [visibility, setVisibility] = useState(inbox.visibility);
  const [reopen, setReopen] = useState(inbox.reopen_policy);
  const [language, setLanguage] = useState(inbox.language || "en");
  const [members, setMembers] = useState<number[]>(inbox.member_ids || []);
  const s = useSubmit();
  const sameMembers = members.slice().sort().join() === (inbox.member_ids || []).slice().sort().join();
  const dirty = visibility !== inbox.visibility || reopen !== inbox.reopen_policy || language !== (inbox.language || "en") || !sameMembers;
  const installer = users.find((u) => u.id === inbox.installer_id);
  const active = users.filter((u) => !u.deactivated || members.includes(u.id));
  const name = `inbox-${inbox.id}`;
  return (
    <form
      class="adm-form adm-inbox-settings"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          let next = inbox;
          if (visibility !== inbox.visibility || reopen !== inbox.reopen_policy || language !== (inbox.language || "en")) {
            next = (await api<{ inbox: Inbox }>("PATCH", `inboxes/${inbox.id}`, { visibility, reopen_policy: reopen, language })).inbox;
          }
          if (!sameMembers) {
            next = (await api<{ inbox: Inbox }>("PUT", `inboxes/${inbox.id}/members`, { user_ids: members })).inbox;
          }
          onChange(next);
        }, t("admin.saved"));
      }}
    >
      {installer && <p class="adm-muted">{installer.id === me.id ? t("admin.inboxes.installerYou") : t("admin.inboxes.installer", { name: installer.name })}</p>}
      <fieldset class="adm-radios adm-choice">
        <legend>{t("admin.inboxes.visibility")}</legend>
        <label>
          <input type="radio" name={name + "-vis"} value="private" checked={visibility === "private"} onChange={() => setVisibility("private")} />
          <span>
            <strong>{t("admin.inboxes.private")}</strong>
            <span class="adm-hint">{t("admin.inboxes.privateHint")}</span>
          </span>
        </label>
        <label>
          <input type="radio" name={name + "-vis"} value="shared" checked={visibility === "shared"} onChange={() => setVisibility("shared")} />
          <span>
            <strong>{t("admin.inboxes.shared")}</strong>
            <span class="adm-hint">{t("admin.inboxes.sharedHint")}</span>
          </span>
        </label>
      </fieldset>
      <fieldset class="adm-radios adm-choice">
        <legend>{t("admin.inboxes.reopen")}</legend>
        <label>
          <input type="radio" name={name + "-reopen"} value="final" checked={reopen === "final"} onChange={() => setReopen("final")} />
          <span>
            <strong>{t("admin.inboxes.final")}</strong>
            <span class="adm-hint">{t("admin.inboxes.finalHint")}</span>
          </span>
        </label>
        <label>
          <input type="radio" name={name + "-reopen"} value="reopen" checked={reopen === "reopen"} onChange={() => setReopen("reopen")} />
          <span>
            <strong>{t("admin.inboxes.reopenOn")}</strong>
            <span class="adm-hint">{t("admin.inboxes.reopenHint")}</span>
          </span>
        </label>
      </fieldset>
      <SelectField
        label={t("admin.inboxes.language")}
        hint={t("admin.inboxes.languageHint")}
        name={name + "-lang"}
        value={language}
        onValue={setLanguage}
        options={[
          { value: "en", label: "English" },
          { value: "de", label: "Deutsch" },
          { value: "nl", label: "Nederlands" },
          { value: "tr", label: "Türkçe" },
          { value: "hu", label: "Magyar" },
        ]}
      />
      <Members users={active} value={members} onValue={setMembers} legend={t("admin.inboxes.members")} />
      <p class="adm-hint">{t("admin.inboxes.adminsSeeAll")}</p>
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy || !dirty}>
          {t("admin.save")}
        </button>
      </div>
    </form>
  );
}
