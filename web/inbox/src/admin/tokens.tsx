// Personal API tokens: made here, shown once, listed with when they were last used, revoked.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { ApiToken, Me } from "./types";
import { Confirm, CopyBox, fmtTime, Loading, Status, TextField, useLoad, useSubmit } from "./ui";

export function TokensScreen({ me }: { me: Me }) {
  const tokens = useLoad(() => api<{ tokens: ApiToken[] }>("GET", "tokens").then((r) => r.tokens));
  const [name, setName] = useState("");
  const [fresh, setFresh] = useState<{ token: ApiToken; secret: string } | null>(null);
  const [revoke, setRevoke] = useState<ApiToken | null>(null);
  const s = useSubmit();
  const tz = me.time_zone as string | undefined;
  return (
    <div class="adm-screen">
      <h1>{t("admin.tokens.title")}</h1>
      <p class="adm-lead">{t("admin.tokens.lead")}</p>
      <form
        class="adm-panel adm-inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ token: ApiToken; secret: string }>("POST", "tokens", { name });
            setFresh(r);
            tokens.set([r.token, ...(tokens.data || [])]);
            setName("");
          });
        }}
      >
        <TextField label={t("admin.tokens.name")} name="token" value={name} onValue={setName} hint={t("admin.tokens.nameHint")} required autocomplete="off" />
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.tokens.create")}
        </button>
        <Status s={s} />
      </form>
      {fresh && (
        <section class="adm-panel adm-created" aria-labelledby="adm-token-new">
          <h2 id="adm-token-new">{t("admin.tokens.created", { name: fresh.token.name })}</h2>
          <p>{t("admin.tokens.once")}</p>
          <CopyBox text={fresh.secret} label={t("admin.tokens.secret")} id="adm-token-secret" />
          <p class="adm-hint">{t("admin.tokens.usage")}</p>
          <button type="button" class="adm-btn" onClick={() => setFresh(null)}>
            {t("admin.done")}
          </button>
        </section>
      )}
      {!tokens.data ? (
        <Loading error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <p class="adm-muted">{t("admin.tokens.none")}</p>
      ) : (
        <ul class="adm-list" aria-label={t("admin.tokens.title")}>
          {tokens.data.map((x) => (
            <li class="adm-row" key={x.id}>
              <div class="adm-row-main">
                <p class="adm-name">
                  {x.name} <code class="adm-hintcode">…{x.hint}</code>
                </p>
                <p class="adm-muted">
                  {t("admin.tokens.createdAt", { time: fmtTime(x.created_at, tz) })} ·{" "}
                  {x.last_used_at ? t("admin.tokens.lastUsed", { time: fmtTime(x.last_used_at, tz) }) : t("admin.tokens.neverUsed")}
                </p>
              </div>
              <div class="adm-row-side">
                <button type="button" class="adm-btn adm-danger-outline" onClick={() => setRevoke(x)}>
                  {t("admin.tokens.revoke")}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {revoke && (
        <Confirm
          title={t("admin.tokens.revokeTitle", { name: revoke.name })}
          text={t("admin.tokens.revokeText")}
          action={t("admin.tokens.revoke")}
          danger
          onClose={() => setRevoke(null)}
          onConfirm={async () => {
            await api("DELETE", `tokens/${revoke.id}`);
            tokens.set((tokens.data || []).filter((x) => x.id !== revoke.id));
            if (fresh && fresh.token.id === revoke.id) setFresh(null);
          }}
        />
      )}
    </div>
  );
}
