// Teams: agents grouped for routing (a live chat card may go to one team) and filtering.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { Team, User } from "./types";
import { Confirm, Loading, Status, TextField, useLoad, useSubmit } from "./ui";

export function TeamsScreen() {
  const teams = useLoad(() => api<{ teams: Team[] }>("GET", "teams").then((r) => r.teams));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users.filter((u) => !u.deactivated)));
  const [name, setName] = useState("");
  const s = useSubmit();
  const list = teams.data || [];
  return (
    <div class="adm-screen">
      <h1>{t("admin.teams.title")}</h1>
      <p class="adm-lead">{t("admin.teams.lead")}</p>
      <form
        class="adm-panel adm-inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ team: Team }>("POST", "teams", { name });
            teams.set([...list, r.team]);
            setName("");
          }, t("admin.teams.created", { name: name.trim() }));
        }}
      >
        <TextField label={t("admin.teams.newName")} name="team" value={name} onValue={setName} required autocomplete="off" />
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.teams.create")}
        </button>
        <Status s={s} />
      </form>
      {!teams.data || !users.data ? (
        <Loading error={teams.error || users.error} />
      ) : list.length === 0 ? (
        <p class="adm-muted">{t("admin.teams.none")}</p>
      ) : (
        <ul class="adm-cards">
          {list.map((team) => (
            <TeamItem
              key={team.id}
              team={team}
              users={users.data!}
              onChange={(n) => teams.set(list.map((x) => (x.id === n.id ? n : x)))}
              onDelete={() => teams.set(list.filter((x) => x.id !== team.id))}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function TeamItem({ team, users, onChange, onDelete }: { team: Team; users: User[]; onChange: (t: Team) => void; onDelete: () => void }) {
  const [name, setName] = useState(team.name);
  const [members, setMembers] = useState<number[]>(team.member_ids || []);
  const [confirm, setConfirm] = useState(false);
  const s = useSubmit();
  const dirty = name.trim() !== team.name || members.slice().sort().join() !== (team.member_ids || []).slice().sort().join();
  const headingId = `adm-team-${team.id}`;
  return (
    <li class="adm-panel" data-team={team.name}>
      <form
        aria-labelledby={headingId}
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ team: Team }>("PATCH", `teams/${team.id}`, { name, member_ids: members });
            onChange(r.team);
          }, t("admin.saved"));
        }}
      >
        <h2 id={headingId}>{team.name}</h2>
        <TextField label={t("admin.teams.name")} value={name} onValue={setName} required autocomplete="off" />
        <Members users={users} value={members} onValue={setMembers} legend={t("admin.teams.members")} />
        <Status s={s} />
        <div class="adm-actions">
          <button type="button" class="adm-btn adm-danger-outline" onClick={() => setConfirm(true)}>
            {t("admin.teams.delete")}
          </button>
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy || !dirty}>
            {t("admin.save")}
          </button>
        </div>
      </form>
      {confirm && (
        <Confirm
          title={t("admin.teams.deleteTitle", { name: team.name })}
          text={t("admin.teams.deleteText")}
          action={t("admin.teams.delete")}
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api("DELETE", `teams/${team.id}`);
            onDelete();
          }}
        />
      )}
    </li>
  );
}

/** Members is a checkbox list of users. */
export function Members({ users, value, onValue, legend }: { users: User[]; value: number[]; onValue: (ids: number[]) => void; legend: string }) {
  return (
    <fieldset class="adm-checks">
      <legend>{legend}</legend>
      {users.length === 0 && <p class="adm-muted">{t("admin.users.none")}</p>}
      {users.map((u) => (
        <label key={u.id}>
          <input
            type="checkbox"
            checked={value.includes(u.id)}
            onChange={(e) => onValue((e.currentTarget as HTMLInputElement).checked ? [...value, u.id] : value.filter((x) => x !== u.id))}
          />{" "}
          {u.name} <span class="adm-muted">({t("admin.role." + u.role)})</span>
        </label>
      ))}
    </fieldset>
  );
}
