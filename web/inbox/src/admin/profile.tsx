// The signed-in user's own profile: name, avatar, time zone, the inbox's language, password, and
// the sessions signed in as them (each can be revoked).
import { useState } from "preact/hooks";
import { api } from "../api";
import { lang, langs, t, type Lang } from "../i18n";
import { Devices } from "./notifications";
import { device } from "./text";
import type { Me, Session, User } from "./types";
import { Confirm, fmtTime, Loading, SelectField, Status, TextField, TimeZoneField, useLoad, useSubmit } from "./ui";

/** The key under which the inbox keeps the language chosen here (per browser). */
export const langStorageKey = "parley.lang";

const langNames: Record<string, string> = { en: "English", de: "Deutsch", nl: "Nederlands", tr: "Türkçe", hu: "Magyar" };

export function ProfileScreen({ me }: { me: Me }) {
  return (
    <div class="adm-screen">
      <h1>{t("admin.profile.title")}</h1>
      <ProfileForm me={me} />
      <LanguageForm />
      <PasswordForm me={me} />
      <Devices me={me} />
      <Sessions me={me} />
    </div>
  );
}

function ProfileForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.name);
  const [avatar, setAvatar] = useState((me.avatar_url as string) || "");
  const [tz, setTz] = useState((me.time_zone as string) || "UTC");
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form"
      aria-labelledby="adm-profile-h"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const r = await api<{ user: User }>("PATCH", "me", { name, avatar_url: avatar, time_zone: tz });
          // The shell holds `me`; keep the object it gave us current until it reloads it.
          Object.assign(me, r.user);
          setName(r.user.name);
          setAvatar(r.user.avatar_url);
          setTz(r.user.time_zone);
        }, t("admin.saved"));
      }}
    >
      <h2 id="adm-profile-h">{t("admin.profile.details")}</h2>
      <p class="adm-muted">
        {me.email} · {t("admin.role." + me.role)}
      </p>
      <div class="adm-grid">
        <TextField label={t("admin.users.name")} value={name} onValue={setName} required autocomplete="name" />
        <TimeZoneField label={t("admin.timeZone")} value={tz} onValue={setTz} hint={t("admin.profile.tzHint")} />
        <TextField label={t("admin.profile.avatar")} type="url" value={avatar} onValue={setAvatar} hint={t("admin.profile.avatarHint")} autocomplete="photo" />
      </div>
      {avatar && /^(https?:\/\/|\/)/.test(avatar) && <img class="adm-avatar-preview" src={avatar} alt={t("admin.profile.avatarPreview")} width={48} height={48} />}
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.save")}
        </button>
      </div>
    </form>
  );
}

function LanguageForm() {
  const [value, setValue] = useState<Lang>(lang());
  return (
    <form
      class="adm-panel adm-form"
      aria-labelledby="adm-lang-h"
      onSubmit={(e) => {
        e.preventDefault();
        try {
          localStorage.setItem(langStorageKey, value);
        } catch {
          /* private mode: the choice lasts for this page only */
        }
        // Every screen's texts come from the catalogue; start the app again in the new language.
        location.reload();
      }}
    >
      <h2 id="adm-lang-h">{t("admin.profile.language")}</h2>
      <div class="adm-narrow">
        <SelectField label={t("admin.profile.languageHint")} value={value} options={langs.map((l) => ({ value: l, label: langNames[l] || l }))} onValue={setValue} />
      </div>
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={value === lang()}>
          {t("admin.profile.languageApply")}
        </button>
      </div>
    </form>
  );
}

function PasswordForm({ me }: { me: Me }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form"
      aria-labelledby="adm-pw-h"
      onSubmit={async (e) => {
        e.preventDefault();
        if (next !== again) {
          s.setError(t("admin.profile.mismatch"));
          return;
        }
        if (
          await s.run(async () => {
            await api("PUT", "me/password", { current_password: current, new_password: next });
          }, t("admin.profile.passwordChanged"))
        ) {
          setCurrent("");
          setNext("");
          setAgain("");
        }
      }}
    >
      <h2 id="adm-pw-h">{t("admin.profile.password")}</h2>
      {/* The account's email, hidden, lets password managers file the new password under it. */}
      <input type="email" autocomplete="username" value={me.email} readOnly hidden />
      <div class="adm-grid">
        <TextField label={t("admin.profile.current")} type="password" autocomplete="current-password" value={current} onValue={setCurrent} required />
        <TextField label={t("admin.profile.new")} type="password" autocomplete="new-password" value={next} onValue={setNext} hint={t("admin.passwordRules")} required />
        <TextField label={t("admin.profile.again")} type="password" autocomplete="new-password" value={again} onValue={setAgain} required />
      </div>
      <p class="adm-hint">{t("admin.profile.passwordSignsOut")}</p>
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.profile.changePassword")}
        </button>
      </div>
    </form>
  );
}

function Sessions({ me }: { me: Me }) {
  const list = useLoad(() => api<{ sessions: Session[] }>("GET", "me/sessions").then((r) => r.sessions));
  const [revoke, setRevoke] = useState<Session | null>(null);
  const s = useSubmit();
  return (
    <section class="adm-panel" aria-labelledby="adm-sessions-h">
      <h2 id="adm-sessions-h">{t("admin.sessions.title")}</h2>
      <p class="adm-hint">{t("admin.sessions.lead")}</p>
      {!list.data ? (
        <Loading error={list.error} />
      ) : (
        <ul class="adm-list">
          {list.data.map((x) => (
            <li class="adm-row" key={x.id}>
              <div class="adm-row-main">
                <p class="adm-name">
                  {device(x.user_agent) || t("admin.sessions.unknown")}
                  {x.current && <span class="adm-badge">{t("admin.sessions.current")}</span>}
                </p>
                <p class="adm-muted">
                  {x.ip || "—"} · {t("admin.sessions.lastUsed", { time: fmtTime(x.last_used_at, me.time_zone as string) })} · {t("admin.sessions.since", { time: fmtTime(x.created_at, me.time_zone as string) })}
                </p>
              </div>
              <div class="adm-row-side">
                {!x.current && (
                  <button type="button" class="adm-btn adm-danger-outline" onClick={() => setRevoke(x)}>
                    {t("admin.sessions.revoke")}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <Status s={s} />
      {revoke && (
        <Confirm
          title={t("admin.sessions.revokeTitle")}
          text={t("admin.sessions.revokeText", { device: device(revoke.user_agent) || t("admin.sessions.unknown") })}
          action={t("admin.sessions.revoke")}
          danger
          onClose={() => setRevoke(null)}
          onConfirm={async () => {
            await api("DELETE", `me/sessions/${revoke.id}`);
            list.set((list.data || []).filter((x) => x.id !== revoke.id));
            s.clear();
          }}
        />
      )}
    </section>
  );
}
