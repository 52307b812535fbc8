// Users: the list with roles and status, inviting a user by email (a one-time link that sets their
// password; when the installation's mail is not set up, the link is shown to pass on), sending an
// invitation again, changing roles, deactivating. `parley user create` in the shell still takes a
// password.
import { useState } from "preact/hooks";
import { api } from "../api";
import { lang, t } from "../i18n";
import type { Inbox, Invitation, Me, Role, User } from "./types";
import { browserTimeZone, Confirm, CopyBox, Loading, SelectField, Status, TextField, TimeZoneField, useLoad, useSubmit } from "./ui";

function roleOptions(me: Me): { value: Role; label: string }[] {
  const all: { value: Role; label: string }[] = [
    { value: "agent", label: t("admin.role.agent") },
    { value: "admin", label: t("admin.role.admin") },
    { value: "owner", label: t("admin.role.owner") },
  ];
  return me.role === "owner" ? all : all.filter((r) => r.value !== "owner");
}

export function UsersScreen({ me }: { me: Me }) {
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  const [created, setCreated] = useState<{ user: User; invitation: Invitation; inboxes: string[] } | null>(null);
  const [adding, setAdding] = useState(false);
  const replace = (u: User) => users.set((users.data || []).map((x) => (x.id === u.id ? u : x)));
  return (
    <div class="adm-screen">
      <div class="adm-head">
        <h1>{t("admin.users.title")}</h1>
        {!adding && (
          <button type="button" class="adm-btn adm-primary" onClick={() => (setAdding(true), setCreated(null))}>
            {t("admin.users.add")}
          </button>
        )}
      </div>
      <p class="adm-lead">{t("admin.users.lead")}</p>
      {adding && (
        <NewUser
          me={me}
          onCancel={() => setAdding(false)}
          onCreated={(user, invitation, inboxes) => {
            users.set([...(users.data || []), user]);
            setCreated({ user, invitation, inboxes });
            setAdding(false);
          }}
        />
      )}
      {created && (
        <section class="adm-panel adm-created" aria-labelledby="adm-created-title">
          <h2 id="adm-created-title">{t("admin.users.created", { name: created.user.name })}</h2>
          <InvitationNote user={created.user} invitation={created.invitation} />
          {created.user.role === "agent" && (
            <p class={created.inboxes.length ? "" : "adm-warn"}>
              {created.inboxes.length ? t("admin.users.joined", { inboxes: created.inboxes.join(", ") }) : t("admin.users.joinedNone")}
            </p>
          )}
          <button type="button" class="adm-btn" onClick={() => setCreated(null)}>
            {t("admin.done")}
          </button>
        </section>
      )}
      {!users.data ? (
        <Loading error={users.error} />
      ) : (
        <ul class="adm-list adm-users" aria-label={t("admin.users.title")}>
          {users.data.map((u) => (
            <UserRow key={u.id} me={me} user={u} onChange={replace} />
          ))}
        </ul>
      )}
    </div>
  );
}

function UserRow({ me, user, onChange }: { me: Me; user: User; onChange: (u: User) => void }) {
  const s = useSubmit();
  const [confirm, setConfirm] = useState(false);
  const [resent, setResent] = useState<Invitation | null>(null);
  const self = user.id === me.id;
  // Only owners change owners; nobody changes their own role here (they could lock themselves out).
  const locked = self || (user.role === "owner" && me.role !== "owner");
  const patch = (body: Partial<{ role: Role; deactivated: boolean }>, ok: string) =>
    s.run(async () => onChange((await api<{ user: User }>("PATCH", `users/${user.id}`, body)).user), ok);
  return (
    <li class={"adm-row" + (user.deactivated ? " adm-off" : "")} data-email={user.email}>
      <div class="adm-row-main">
        <p class="adm-name">
          {user.name}
          {self && <span class="adm-badge">{t("admin.users.you")}</span>}
          {user.deactivated && <span class="adm-badge adm-badge-off">{t("admin.users.deactivated")}</span>}
          {user.invited && !user.deactivated && <span class="adm-badge adm-badge-invited">{t("admin.users.pending")}</span>}
        </p>
        <p class="adm-muted">{user.email}</p>
        {resent && <InvitationNote user={user} invitation={resent} again />}
      </div>
      <div class="adm-row-side">
        <SelectField
          label={t("admin.users.role")}
          value={user.role}
          disabled={locked || s.busy}
          options={locked && user.role === "owner" ? [{ value: "owner", label: t("admin.role.owner") }] : roleOptions(me)}
          onValue={(role) => patch({ role }, t("admin.users.roleSaved", { name: user.name }))}
        />
        {user.invited && !user.deactivated && !(user.role === "owner" && me.role !== "owner") && (
          <button
            type="button"
            class="adm-btn"
            disabled={s.busy}
            onClick={() =>
              s.run(async () => {
                const r = await api<{ invitation: Invitation }>("POST", `users/${user.id}/invitation`, { language: lang() });
                setResent(r.invitation);
              })
            }
          >
            {t("admin.users.resend")}
          </button>
        )}
        {!self && !(user.role === "owner" && me.role !== "owner") && (
          <button
            type="button"
            class={"adm-btn" + (user.deactivated ? "" : " adm-danger-outline")}
            disabled={s.busy}
            onClick={() => (user.deactivated ? patch({ deactivated: false }, t("admin.users.reactivated", { name: user.name })) : setConfirm(true))}
          >
            {user.deactivated ? t("admin.users.reactivate") : t("admin.users.deactivate")}
          </button>
        )}
      </div>
      <div class="adm-row-status">
        <Status s={s} />
      </div>
      {confirm && (
        <Confirm
          title={t("admin.users.deactivateTitle", { name: user.name })}
          text={t("admin.users.deactivateText")}
          action={t("admin.users.deactivate")}
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            const r = await api<{ user: User }>("PATCH", `users/${user.id}`, { deactivated: true });
            onChange(r.user);
          }}
        />
      )}
    </li>
  );
}

/** InvitationNote says how an invitation went: by email, or the link to pass on when Parley's mail is not set up. */
function InvitationNote({ user, invitation, again }: { user: User; invitation: Invitation; again?: boolean }) {
  if (invitation.emailed) return <p class="adm-ok">{t(again ? "admin.users.resent" : "admin.users.invited", { email: user.email })}</p>;
  return (
    <>
      <p>{t("admin.users.inviteLink", { name: user.name })}</p>
      <CopyBox text={invitation.url || ""} label={t("admin.users.link")} id={"adm-invite-link-" + user.id} />
    </>
  );
}

function NewUser({ me, onCancel, onCreated }: { me: Me; onCancel: () => void; onCreated: (u: User, inv: Invitation, inboxes: string[]) => void }) {
  const inboxes = useLoad(() => api<{ inboxes: Inbox[] }>("GET", "inboxes").then((r) => r.inboxes));
  // Which inboxes the new user joins: every inbox until the admin says otherwise (a new agent who
  // joins none sees no conversation at all).
  const [joins, setJoins] = useState<number[] | null>(null);
  const chosen = joins || (inboxes.data || []).map((ib) => ib.id);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [tz, setTz] = useState(browserTimeZone());
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form adm-new-user"
      aria-labelledby="adm-new-user-title"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          // No password: the server invites them by email, in this admin's language.
          const r = await api<{ user: User; invitation: Invitation }>("POST", "users", { name, email, role, time_zone: tz, language: lang() });
          const joined: string[] = [];
          for (const ib of inboxes.data || []) {
            if (!chosen.includes(ib.id)) continue;
            await api("PUT", `inboxes/${ib.id}/members`, { user_ids: [...(ib.member_ids || []), r.user.id] });
            joined.push(ib.name);
          }
          onCreated(r.user, r.invitation, joined);
        });
      }}
    >
      <h2 id="adm-new-user-title">{t("admin.users.new")}</h2>
      <div class="adm-grid">
        <TextField label={t("admin.users.name")} name="name" value={name} onValue={setName} required autocomplete="off" />
        <TextField label={t("admin.users.email")} name="email" type="email" value={email} onValue={setEmail} required autocomplete="off" />
        <SelectField label={t("admin.users.role")} name="role" value={role} options={roleOptions(me)} onValue={setRole} />
        <TimeZoneField label={t("admin.timeZone")} value={tz} onValue={setTz} />
      </div>
      <fieldset class="adm-checks adm-new-inboxes">
        <legend>{t("admin.users.inboxes")}</legend>
        {!inboxes.data ? (
          <Loading error={inboxes.error} />
        ) : inboxes.data.length === 0 ? (
          <p class="adm-muted">{t("admin.inboxes.none")}</p>
        ) : (
          inboxes.data.map((ib) => (
            <label key={ib.id}>
              <input
                type="checkbox"
                name="inbox"
                value={String(ib.id)}
                checked={chosen.includes(ib.id)}
                onChange={(e) => setJoins((e.currentTarget as HTMLInputElement).checked ? [...chosen, ib.id] : chosen.filter((x) => x !== ib.id))}
              />{" "}
              {ib.name} <span class="adm-muted">({t("admin.kind." + ib.kind)})</span>
            </label>
          ))
        )}
        <p class={"adm-hint" + (role === "agent" && inboxes.data && inboxes.data.length > 0 && chosen.length === 0 ? " adm-warn" : "")}>
          {role !== "agent" ? t("admin.users.inboxesAdmin") : chosen.length === 0 ? t("admin.users.inboxesNone") : t("admin.users.inboxesHint")}
        </p>
      </fieldset>
      <p class="adm-hint">{t("admin.users.inviteHint")}</p>
      <Status s={s} />
      <div class="adm-actions">
        <button type="button" class="adm-btn" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.users.invite")}
        </button>
      </div>
    </form>
  );
}
