// Webhooks: endpoints that receive Parley's events (Standard Webhooks 1.0). The list, a new
// endpoint with its signing secret shown once, and one endpoint's page: its settings and active
// switch, "send test event", secret rotation, and the delivery log with every attempt and
// redelivery (docs/webhooks.md).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { DeliveryState, Me, Webhook, WebhookAttempt, WebhookDelivery } from "./types";
import { Confirm, CopyBox, fmtTime, Icon, Loading, SelectField, Status, TextField, useLoad, useSubmit } from "./ui";

interface WebhookList {
  webhooks: Webhook[];
  event_types: string[];
}

export function WebhooksArea({ path, me, navigate }: { path: string[]; me: Me; navigate: (hash: string) => void }) {
  if (path[0] && /^\d+$/.test(path[0])) return <WebhookPage id={Number(path[0])} me={me} navigate={navigate} />;
  return <WebhooksList me={me} navigate={navigate} />;
}

/** switchedOff lists the endpoints Parley switched off, for the inbox's banner. */
export function switchedOff(list: Webhook[]): Webhook[] {
  return list.filter((w) => !w.active && !!w.disabled_reason);
}

function reasonText(w: Webhook): string {
  return w.disabled_reason === "gone" ? t("admin.webhooks.reason.gone") : t("admin.webhooks.reason.failing");
}

function StateBadge({ w }: { w: Webhook }) {
  if (w.active) return <span class="adm-badge adm-badge-on">{t("admin.webhooks.on")}</span>;
  if (w.disabled_reason) return <span class="adm-badge adm-badge-warn">{t("admin.webhooks.switchedOff")}</span>;
  return <span class="adm-badge adm-badge-off">{t("admin.webhooks.off")}</span>;
}

function WebhooksList({ me, navigate }: { me: Me; navigate: (hash: string) => void }) {
  const list = useLoad(() => api<WebhookList>("GET", "webhooks"));
  const [adding, setAdding] = useState(false);
  const tz = me.time_zone as string | undefined;
  return (
    <div class="adm-screen adm-webhooks">
      <div class="adm-head">
        <h1>{t("admin.webhooks.title")}</h1>
        {!adding && (
          <button type="button" class="adm-btn adm-primary" onClick={() => setAdding(true)}>
            {t("admin.webhooks.add")}
          </button>
        )}
      </div>
      <p class="adm-lead">{t("admin.webhooks.lead")}</p>
      {!list.data ? (
        <Loading error={list.error} />
      ) : (
        <>
          {adding && (
            <NewWebhook
              types={list.data.event_types}
              onCancel={() => setAdding(false)}
              onCreated={(w, secret) => {
                sessionSecret = { id: w.id, secret };
                navigate("#/admin/webhooks/" + w.id);
              }}
            />
          )}
          {list.data.webhooks.length === 0 ? (
            <p class="adm-muted">{t("admin.webhooks.none")}</p>
          ) : (
            <ul class="adm-list" aria-label={t("admin.webhooks.title")}>
              {list.data.webhooks.map((w) => (
                <li class={"adm-row" + (w.active ? "" : " adm-off")} key={w.id} data-webhook-id={w.id}>
                  <div class="adm-row-main">
                    <p class="adm-name adm-url">
                      <a href={"#/admin/webhooks/" + w.id}>{w.url}</a>
                      <StateBadge w={w} />
                    </p>
                    {w.description && <p>{w.description}</p>}
                    <p class="adm-muted">
                      {typesSummary(w)} ·{" "}
                      {w.disabled_reason
                        ? reasonText(w)
                        : w.failing_since
                          ? t("admin.webhooks.failingSince", { time: fmtTime(w.failing_since, tz) })
                          : w.last_success_at
                            ? t("admin.webhooks.lastSuccess", { time: fmtTime(w.last_success_at, tz) })
                            : t("admin.webhooks.noSuccess")}
                    </p>
                  </div>
                  <div class="adm-row-side">
                    <a class="adm-btn" href={"#/admin/webhooks/" + w.id}>
                      {t("admin.webhooks.open")}
                      <span class="adm-visually-hidden"> {w.url}</span>
                    </a>
                  </div>
                </li>
              ))}
            </ul>
          )}
          <p class="adm-hint">{t("admin.webhooks.verifyHint")}</p>
        </>
      )}
    </div>
  );
}

function typesSummary(w: Webhook): string {
  const n = (w.event_types || []).length;
  return n === 0 ? t("admin.webhooks.allEvents") : n === 1 ? (w.event_types || [])[0] : t("admin.webhooks.nEvents", { n });
}

/** The secret of an endpoint just made, shown once on its page. It lives in memory only. */
let sessionSecret: { id: number; secret: string } | null = null;

// The groups the event type picker shows, by the types' prefixes.
const groups: { id: string; prefixes: string[] }[] = [
  { id: "conversations", prefixes: ["conversation.", "message."] },
  { id: "contacts", prefixes: ["contact."] },
  { id: "crm", prefixes: ["person.", "organization.", "lead.", "deal.", "pipeline.", "activity.", "note.", "custom_field.", "draft."] },
  { id: "people", prefixes: ["user.", "team."] },
  { id: "setup", prefixes: ["inbox.", "playbook.", "webhook."] },
];

/** TypesField picks every event, or some types, grouped. */
function TypesField({ types, value, onValue }: { types: string[]; value: string[]; onValue: (v: string[]) => void }) {
  const [some, setSome] = useState(value.length > 0);
  return (
    <fieldset class="adm-webhook-types">
      <legend>{t("admin.webhooks.events")}</legend>
      <div class="adm-radios">
        <label>
          <input type="radio" name="wh-types" checked={!some} onChange={() => (setSome(false), onValue([]))} />
          <span>{t("admin.webhooks.allEvents")}</span>
        </label>
        <label>
          <input type="radio" name="wh-types" checked={some} onChange={() => setSome(true)} />
          <span>{t("admin.webhooks.someEvents")}</span>
        </label>
      </div>
      {some && (
        <div class="adm-type-groups">
          {groups.map((g) => {
            const mine = types.filter((x) => g.prefixes.some((p) => x.startsWith(p)));
            if (mine.length === 0) return null;
            return (
              <fieldset class="adm-checks" key={g.id}>
                <legend>{t("admin.webhooks.group." + g.id)}</legend>
                {mine.map((x) => (
                  <label key={x}>
                    <input
                      type="checkbox"
                      name={"wh-type-" + x}
                      checked={value.includes(x)}
                      onChange={(e) => onValue((e.currentTarget as HTMLInputElement).checked ? [...value, x] : value.filter((v) => v !== x))}
                    />
                    <code>{x}</code>
                  </label>
                ))}
              </fieldset>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}

function NewWebhook({ types, onCancel, onCreated }: { types: string[]; onCancel: () => void; onCreated: (w: Webhook, secret: string) => void }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form adm-new-webhook"
      aria-labelledby="adm-new-webhook"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const r = await api<{ webhook: Webhook; secret: string }>("POST", "webhooks", { url, description, event_types: chosen });
          onCreated(r.webhook, r.secret);
        });
      }}
    >
      <h2 id="adm-new-webhook">{t("admin.webhooks.new")}</h2>
      <TextField label={t("admin.webhooks.url")} name="url" type="url" value={url} onValue={setUrl} hint={t("admin.webhooks.urlHint")} required autocomplete="off" spellcheck={false} placeholder="https://" />
      <TextField label={t("admin.webhooks.description")} name="description" value={description} onValue={setDescription} maxLength={500} autocomplete="off" />
      <TypesField types={types} value={chosen} onValue={setChosen} />
      <Status s={s} />
      <div class="adm-actions">
        <button type="button" class="adm-btn" onClick={onCancel}>
          {t("admin.cancel")}
        </button>
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.webhooks.create")}
        </button>
      </div>
    </form>
  );
}

function SecretPanel({ secret, rotated, onDone }: { secret: string; rotated: boolean; onDone: () => void }) {
  return (
    <section class="adm-panel adm-created" aria-labelledby="adm-webhook-secret-h">
      <h2 id="adm-webhook-secret-h">{rotated ? t("admin.webhooks.rotated") : t("admin.webhooks.created")}</h2>
      <p>{t("admin.webhooks.secretOnce")}</p>
      <CopyBox text={secret} label={t("admin.webhooks.secret")} id="adm-webhook-secret" />
      <p class="adm-hint">{rotated ? t("admin.webhooks.rotatedHint") : t("admin.webhooks.verifyHint")}</p>
      <button type="button" class="adm-btn" onClick={onDone}>
        {t("admin.done")}
      </button>
    </section>
  );
}

function WebhookPage({ id, me, navigate }: { id: number; me: Me; navigate: (hash: string) => void }) {
  const data = useLoad(() => api<WebhookList>("GET", "webhooks").then((r) => ({ types: r.event_types, w: r.webhooks.find((x) => x.id === id) })), [id]);
  const [fresh, setFresh] = useState<{ secret: string; rotated: boolean } | null>(() => {
    if (sessionSecret && sessionSecret.id === id) {
      const s = sessionSecret.secret;
      sessionSecret = null;
      return { secret: s, rotated: false };
    }
    return null;
  });
  const [confirm, setConfirm] = useState<"" | "rotate" | "delete">("");
  const [logKey, setLogKey] = useState(0);
  const sw = useSubmit();
  const test = useSubmit();
  const [testResult, setTestResult] = useState<{ d: WebhookDelivery; a: WebhookAttempt } | null>(null);
  const tz = me.time_zone as string | undefined;
  const back = (
    <p class="adm-back">
      <a href="#/admin/webhooks">
        <Icon name="back" /> {t("admin.webhooks.all")}
      </a>
    </p>
  );
  if (!data.data) return <div class="adm-screen">{back}<Loading error={data.error} /></div>;
  const w = data.data.w;
  if (!w)
    return (
      <div class="adm-screen">
        {back}
        <h1>{t("admin.notFound.title")}</h1>
        <p>{t("admin.webhooks.notFound")}</p>
      </div>
    );
  const set = (n: Webhook) => data.set({ types: data.data!.types, w: n });
  return (
    <div class="adm-screen adm-webhook" data-webhook-id={w.id}>
      {back}
      <div class="adm-head">
        <h1 class="adm-url">{w.url}</h1>
        <button
          type="button"
          role="switch"
          class="adm-switch"
          aria-checked={w.active}
          aria-label={t("admin.webhooks.activeFor", { url: w.url })}
          disabled={sw.busy}
          onClick={() => sw.run(async () => set((await api<{ webhook: Webhook }>("PATCH", `webhooks/${w.id}`, { active: !w.active })).webhook))}
        >
          <span class="adm-switch-knob" aria-hidden="true" />
          <span class="adm-switch-text">{w.active ? t("admin.webhooks.on") : t("admin.webhooks.off")}</span>
        </button>
      </div>
      <Status s={sw} />
      {w.disabled_reason && (
        <p class="adm-warn" role="status">
          <Icon name="warn" />
          <span>
            {t("admin.webhooks.switchedOffAt", { time: fmtTime(w.disabled_at, tz) })} {reasonText(w)} {t("admin.webhooks.switchOnHint")}
          </span>
        </p>
      )}
      {fresh && <SecretPanel secret={fresh.secret} rotated={fresh.rotated} onDone={() => setFresh(null)} />}
      <section class="adm-panel" aria-labelledby="adm-webhook-tools">
        <h2 id="adm-webhook-tools">{t("admin.webhooks.tools")}</h2>
        <div class="adm-actions adm-actions-inline">
          <button
            type="button"
            class="adm-btn"
            disabled={test.busy}
            onClick={() =>
              test.run(async () => {
                const r = await api<{ delivery: WebhookDelivery; attempt: WebhookAttempt }>("POST", `webhooks/${w.id}/test`);
                setTestResult({ d: r.delivery, a: r.attempt });
                setLogKey((k) => k + 1);
              })
            }
          >
            {test.busy ? t("admin.webhooks.testing") : t("admin.webhooks.test")}
          </button>
          <button type="button" class="adm-btn" onClick={() => setConfirm("rotate")}>
            {t("admin.webhooks.rotate")}
          </button>
        </div>
        <Status s={test} />
        {testResult && (
          <p class={testResult.d.state === "succeeded" ? "adm-ok" : "adm-err"} role="status">
            {testResult.d.state === "succeeded"
              ? t("admin.webhooks.testOk", { status: testResult.a.status, ms: testResult.a.duration_ms })
              : t("admin.webhooks.testFailed", { reason: attemptOutcome(testResult.a) })}
          </p>
        )}
        {w.previous_secret_until && w.previous_secret_until > Date.now() ? (
          <p class="adm-hint">{t("admin.webhooks.bothSign", { time: fmtTime(w.previous_secret_until, tz) })}</p>
        ) : null}
      </section>
      <Deliveries key={logKey} w={w} tz={tz} />
      <Settings w={w} types={data.data.types} onSaved={set} />
      <section class="adm-panel adm-danger-zone" aria-labelledby="adm-webhook-delete">
        <h2 id="adm-webhook-delete">{t("admin.webhooks.delete")}</h2>
        <p class="adm-hint">{t("admin.webhooks.deleteText")}</p>
        <button type="button" class="adm-btn adm-danger-outline" onClick={() => setConfirm("delete")}>
          {t("admin.webhooks.delete")}
        </button>
      </section>
      {confirm === "rotate" && (
        <Confirm
          title={t("admin.webhooks.rotateTitle")}
          text={t("admin.webhooks.rotateText")}
          action={t("admin.webhooks.rotate")}
          onClose={() => setConfirm("")}
          onConfirm={async () => {
            const r = await api<{ webhook: Webhook; secret: string }>("POST", `webhooks/${w.id}/rotate-secret`);
            set(r.webhook);
            setFresh({ secret: r.secret, rotated: true });
          }}
        />
      )}
      {confirm === "delete" && (
        <Confirm
          title={t("admin.webhooks.deleteTitle", { url: w.url })}
          text={t("admin.webhooks.deleteText")}
          action={t("admin.webhooks.delete")}
          danger
          onClose={() => setConfirm("")}
          onConfirm={async () => {
            await api("DELETE", `webhooks/${w.id}`);
            navigate("#/admin/webhooks");
          }}
        />
      )}
    </div>
  );
}

function Settings({ w, types, onSaved }: { w: Webhook; types: string[]; onSaved: (w: Webhook) => void }) {
  const [url, setUrl] = useState(w.url);
  const [description, setDescription] = useState(w.description);
  const [chosen, setChosen] = useState<string[]>(w.event_types || []);
  const s = useSubmit();
  return (
    <form
      class="adm-panel adm-form"
      aria-labelledby="adm-webhook-settings"
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          onSaved((await api<{ webhook: Webhook }>("PATCH", `webhooks/${w.id}`, { url, description, event_types: chosen })).webhook);
        }, t("admin.saved"));
      }}
    >
      <h2 id="adm-webhook-settings">{t("admin.webhooks.settings")}</h2>
      <TextField label={t("admin.webhooks.url")} name="url" type="url" value={url} onValue={setUrl} hint={t("admin.webhooks.urlHint")} required autocomplete="off" spellcheck={false} />
      <TextField label={t("admin.webhooks.description")} name="description" value={description} onValue={setDescription} maxLength={500} autocomplete="off" />
      <TypesField types={types} value={chosen} onValue={setChosen} />
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("admin.save")}
        </button>
      </div>
    </form>
  );
}

/** attemptOutcome says what an attempt got back, in words. */
function attemptOutcome(a: { status: number; error?: string }): string {
  if (a.status) return a.error ? `HTTP ${a.status} — ${a.error}` : `HTTP ${a.status}`;
  return a.error || t("admin.webhooks.noResponse");
}

function stateLabel(s: DeliveryState): string {
  return t("admin.webhooks.state." + s);
}

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function Deliveries({ w, tz }: { w: Webhook; tz?: string }) {
  const [state, setState] = useState<"" | DeliveryState>("");
  const [pages, setPages] = useState<WebhookDelivery[][]>([]);
  const [next, setNext] = useState<number>(0);
  const [open, setOpen] = useState<number>(0);
  const [since, setSince] = useState(() => toLocalInput(Date.now() - 24 * 3600 * 1000));
  const more = useSubmit();
  const redo = useSubmit();
  const [redone, setRedone] = useState<number | null>(null);
  const first = useLoad(
    () =>
      api<{ deliveries: WebhookDelivery[]; next?: { before_id: number } }>("GET", `webhooks/${w.id}/deliveries?limit=25${state ? "&state=" + state : ""}`).then((r) => {
        setPages([]);
        setNext(r.next ? r.next.before_id : 0);
        return r.deliveries;
      }),
    [w.id, state],
  );
  const rows: WebhookDelivery[] = first.data ? ([] as WebhookDelivery[]).concat(first.data, ...pages) : [];
  return (
    <section class="adm-panel adm-deliveries" aria-labelledby="adm-webhook-log">
      <div class="adm-head">
        <h2 id="adm-webhook-log">{t("admin.webhooks.log")}</h2>
        <button type="button" class="adm-btn" onClick={() => first.reload()}>
          {t("admin.webhooks.refresh")}
        </button>
      </div>
      <p class="adm-hint">{t("admin.webhooks.logHint")}</p>
      <div class="adm-log-tools">
        <SelectField<"" | DeliveryState>
          label={t("admin.webhooks.show")}
          name="state"
          value={state}
          onValue={setState}
          options={[
            { value: "", label: t("admin.webhooks.state.all") },
            { value: "pending", label: stateLabel("pending") },
            { value: "succeeded", label: stateLabel("succeeded") },
            { value: "failed", label: stateLabel("failed") },
          ]}
        />
        <form
          class="adm-inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setRedone(null);
            await redo.run(async () => {
              const r = await api<{ redelivered: number }>("POST", `webhooks/${w.id}/redeliver`, { since: new Date(since).getTime() });
              setRedone(r.redelivered);
              first.reload();
            });
          }}
        >
          <TextField label={t("admin.webhooks.failedSince")} name="since" type={"datetime-local" as "text"} value={since} onValue={setSince} required />
          <button type="submit" class="adm-btn" disabled={redo.busy || !w.active}>
            {t("admin.webhooks.redeliverFailed")}
          </button>
        </form>
      </div>
      <Status s={redo} />
      {redone !== null && (
        <p class="adm-ok" role="status">
          {t("admin.webhooks.redelivered", { n: redone })}
        </p>
      )}
      {!w.active && <p class="adm-hint">{t("admin.webhooks.offNoRedeliver")}</p>}
      {!first.data ? (
        <Loading error={first.error} />
      ) : rows.length === 0 ? (
        <p class="adm-muted">{t("admin.webhooks.noDeliveries")}</p>
      ) : (
        <ul class="adm-list adm-log" aria-label={t("admin.webhooks.log")}>
          {rows.map((d) => (
            <DeliveryRow key={d.id} d={d} w={w} tz={tz} open={open === d.id} onToggle={() => setOpen(open === d.id ? 0 : d.id)} onChanged={() => first.reload()} />
          ))}
        </ul>
      )}
      {next > 0 && (
        <button
          type="button"
          class="adm-btn"
          disabled={more.busy}
          onClick={() =>
            more.run(async () => {
              const r = await api<{ deliveries: WebhookDelivery[]; next?: { before_id: number } }>(
                "GET",
                `webhooks/${w.id}/deliveries?limit=25&before_id=${next}${state ? "&state=" + state : ""}`,
              );
              setPages([...pages, r.deliveries]);
              setNext(r.next ? r.next.before_id : 0);
            })
          }
        >
          {t("admin.webhooks.more")}
        </button>
      )}
      <Status s={more} />
    </section>
  );
}

function DeliveryRow({ d, w, tz, open, onToggle, onChanged }: { d: WebhookDelivery; w: Webhook; tz?: string; open: boolean; onToggle: () => void; onChanged: () => void }) {
  const detail = useLoad(() => (open ? api<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }>("GET", `webhooks/${w.id}/deliveries/${d.id}`) : Promise.resolve(null)), [open, d.id]);
  const s = useSubmit();
  const badge = d.state === "succeeded" ? "adm-badge-on" : d.state === "failed" ? "adm-badge-warn" : "adm-badge-off";
  const detailId = `adm-delivery-${d.id}`;
  return (
    <li class="adm-row adm-delivery" data-delivery-id={d.id} data-state={d.state}>
      <div class="adm-row-main">
        <p class="adm-name">
          <code>{d.event_type}</code>
          {d.position > 0 && <span class="adm-muted"> #{d.position}</span>}
          <span class={"adm-badge " + badge}>{stateLabel(d.state)}</span>
        </p>
        <p class="adm-muted">
          {fmtTime(d.created_at, tz)} · {t("admin.webhooks.attempts", { n: d.attempts })}
          {d.attempts > 0 && <> · {attemptOutcome({ status: d.last_status || 0, error: d.last_error })}</>}
          {d.state === "pending" && d.next_attempt_at ? <> · {t("admin.webhooks.nextAttempt", { time: fmtTime(d.next_attempt_at, tz) })}</> : null}
        </p>
      </div>
      <div class="adm-row-side">
        <button type="button" class="adm-btn" aria-expanded={open} aria-controls={detailId} onClick={onToggle}>
          {open ? t("admin.webhooks.hide") : t("admin.webhooks.details")}
        </button>
        {d.position > 0 && (d.state !== "pending" || d.attempts > 0) && (
          <button type="button" class="adm-btn" disabled={s.busy || !w.active} onClick={() => s.run(async () => (await api("POST", `webhooks/${w.id}/deliveries/${d.id}/redeliver`), onChanged()))}>
            {d.state === "pending" ? t("admin.webhooks.tryNow") : t("admin.webhooks.redeliver")}
          </button>
        )}
      </div>
      <div class="adm-row-status">
        <Status s={s} />
      </div>
      {open && (
        <div class="adm-delivery-detail" id={detailId}>
          {!detail.data ? (
            <Loading error={detail.error} />
          ) : (
            <>
              <p class="adm-muted">
                webhook-id <code>{detail.data.delivery.message_id}</code>
              </p>
              <h3>{t("admin.webhooks.payload")}</h3>
              <pre class="adm-code adm-scroll" tabIndex={0}>
                <code>{pretty(detail.data.delivery.payload || "")}</code>
              </pre>
              <h3>{t("admin.webhooks.attemptsTitle")}</h3>
              <ol class="adm-attempts">
                {detail.data.attempts.map((a) => (
                  <li key={a.id}>
                    <p>
                      <strong>{t("admin.webhooks.attemptN", { n: a.attempt })}</strong> · {fmtTime(a.started_at, tz)} · {attemptOutcome(a)} ·{" "}
                      {t("admin.webhooks.took", { ms: a.duration_ms })}
                    </p>
                    <details>
                      <summary>{t("admin.webhooks.request")}</summary>
                      <pre class="adm-code adm-scroll" tabIndex={0}>
                        <code>
                          {"POST " + a.url + "\n" +
                            Object.keys(a.request_headers)
                              .sort()
                              .map((k) => k + ": " + a.request_headers[k])
                              .join("\n")}
                        </code>
                      </pre>
                    </details>
                    {a.response_body && (
                      <details>
                        <summary>{t("admin.webhooks.response")}</summary>
                        <pre class="adm-code adm-scroll" tabIndex={0}>
                          <code>{a.response_body}</code>
                        </pre>
                      </details>
                    )}
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
    </li>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/**
 * WebhookAlerts tells admins, anywhere in the inbox, that Parley switched webhooks off (410 Gone,
 * or no success for 5 days). It looks when the inbox opens, when the window regains focus and
 * every few minutes; "Later" hides it until the next look finds a change.
 */
export function WebhookAlerts() {
  const [off, setOff] = useState<Webhook[]>([]);
  const [hidden, setHidden] = useState("");
  useEffect(() => {
    let live = true;
    const look = () =>
      api<WebhookList>("GET", "webhooks").then(
        (r) => live && setOff(switchedOff(r.webhooks)),
        () => {
          /* the next look tries again */
        },
      );
    void look();
    const timer = window.setInterval(look, 5 * 60 * 1000);
    addEventListener("focus", look);
    return () => {
      live = false;
      clearInterval(timer);
      removeEventListener("focus", look);
    };
  }, []);
  const key = off.map((w) => w.id + ":" + w.disabled_at).join(",");
  if (off.length === 0 || hidden === key) return null;
  return (
    <div class="banner banner-warn" role="region" aria-label={t("admin.webhooks.bannerLabel")}>
      <Icon name="warn" />
      <p>
        {off.length === 1 ? t("admin.webhooks.bannerOne", { url: off[0].url, reason: reasonText(off[0]) }) : t("admin.webhooks.bannerMany", { n: off.length })}{" "}
        <a href={off.length === 1 ? "#/admin/webhooks/" + off[0].id : "#/admin/webhooks"}>{t("admin.webhooks.bannerLink")}</a>
      </p>
      <button type="button" class="btn btn-s" onClick={() => setHidden(key)}>
        {t("admin.webhooks.later")}
      </button>
    </div>
  );
}
