// The form behind a card's pencil: what each type of card holds, with the server's problems shown
// next to the field they concern.
import { t } from "../../i18n";
import { type ActionKind, actionKinds, type Answer, type Card, countCards, type FieldType, fieldTypes, newId, type Problem } from "../flow";
import type { Team, User } from "../types";
import { Field, IconButton, SelectField, TextField } from "../ui";
import { MarkdownField } from "./markdown-field";
import { activityTypes } from "../../crm/pickers";

const builtinMax: Record<string, number> = { name: 200, email: 254, phone: 40, company: 200, custom: 1000 };

function num(v: string): number | undefined {
  const s = v.trim();
  if (s === "") return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export function CardForm({ card, onChange, problems, teams, users = [] }: { card: Card; onChange: (c: Card) => void; problems: Problem[]; teams: Team[]; users?: User[] }) {
  const used = new Set<Problem>();
  const err = (field: string) => {
    const p = problems.find((x) => x.field === field || (field.endsWith("*") && (x.field || "").startsWith(field.slice(0, -1))));
    if (p) used.add(p);
    return p ? p.message : undefined;
  };
  const set = (patch: Partial<Card>) => onChange({ ...card, ...patch });
  let body;
  switch (card.type) {
    case "message":
      body = <MarkdownField label={t("admin.pb.f.text")} value={card.markdown || ""} onValue={(markdown) => set({ markdown })} error={err("markdown")} rows={4} />;
      break;
    case "question":
      body = (
        <>
          <MarkdownField label={t("admin.pb.f.question")} value={card.markdown || ""} onValue={(markdown) => set({ markdown })} error={err("markdown")} />
          <Answers answers={card.answers || []} onChange={(answers) => set({ answers })} err={err} />
        </>
      );
      break;
    case "capture": {
      const f = card.field || { type: "email" as FieldType, key: "email", label: "", rules: { required: true } };
      const setField = (patch: Partial<typeof f>) => set({ field: { ...f, ...patch } });
      const rules = f.rules || { required: true };
      const setRules = (patch: Partial<typeof rules>) => setField({ rules: { ...rules, ...patch } });
      body = (
        <>
          <MarkdownField label={t("admin.pb.f.text")} value={card.markdown || ""} onValue={(markdown) => set({ markdown })} error={err("markdown")} />
          <div class="adm-grid">
            <SelectField
              label={t("admin.pb.f.fieldType")}
              value={f.type}
              options={fieldTypes.map((x) => ({ value: x, label: t("admin.pb.field." + x) }))}
              onValue={(type) =>
                setField({
                  type,
                  key: type === "custom" ? (f.type === "custom" ? f.key : "") : type,
                  label: f.label && f.label !== t("admin.pb.field." + f.type) ? f.label : type === "custom" ? "" : t("admin.pb.field." + type),
                  rules: { ...rules, max_length: undefined },
                })
              }
            />
            {f.type === "custom" && (
              <TextField label={t("admin.pb.f.key")} value={f.key} onValue={(key) => setField({ key })} hint={t("admin.pb.f.keyHint")} error={err("field.key")} spellcheck={false} autocomplete="off" />
            )}
            <TextField label={t("admin.pb.f.label")} value={f.label} onValue={(label) => setField({ label })} error={err("field.label")} autocomplete="off" />
            <TextField label={t("admin.pb.f.placeholder")} value={f.placeholder || ""} onValue={(placeholder) => setField({ placeholder })} error={err("field.placeholder")} autocomplete="off" />
          </div>
          <fieldset class="adm-fieldset">
            <legend>{t("admin.pb.f.rules")}</legend>
            <label class="adm-check">
              <input type="checkbox" checked={rules.required} onChange={(e) => setRules({ required: (e.currentTarget as HTMLInputElement).checked })} /> {t("admin.pb.f.required")}
            </label>
            <div class="adm-grid">
              <TextField label={t("admin.pb.f.min")} type="number" min={0} value={rules.min_length ? String(rules.min_length) : ""} onValue={(v) => setRules({ min_length: num(v) })} error={err("field.rules.min_length")} />
              <TextField
                label={t("admin.pb.f.max")}
                type="number"
                min={1}
                max={builtinMax[f.type]}
                placeholder={String(builtinMax[f.type])}
                value={rules.max_length ? String(rules.max_length) : ""}
                onValue={(v) => setRules({ max_length: num(v) })}
                error={err("field.rules.max_length")}
              />
              <TextField label={t("admin.pb.f.pattern")} value={rules.pattern || ""} onValue={(pattern) => setRules({ pattern })} hint={t("admin.pb.f.patternHint")} error={err("field.rules.pattern")} spellcheck={false} autocomplete="off" />
              <TextField label={t("admin.pb.f.hint")} value={rules.hint || ""} onValue={(hint) => setRules({ hint })} hint={t("admin.pb.f.hintHint")} error={err("field.rules.hint")} autocomplete="off" />
            </div>
          </fieldset>
        </>
      );
      break;
    }
    case "consent":
      body = (
        <>
          <MarkdownField label={t("admin.pb.f.consentText")} value={card.markdown || ""} onValue={(markdown) => set({ markdown })} error={err("markdown")} rows={4} />
          <div class="adm-grid">
            <TextField label={t("admin.pb.f.version")} value={card.version || ""} onValue={(version) => set({ version })} hint={t("admin.pb.f.versionHint")} error={err("version")} autocomplete="off" />
            <TextField label={t("admin.pb.f.checkbox")} value={card.checkbox_label || ""} onValue={(checkbox_label) => set({ checkbox_label })} error={err("checkbox_label")} autocomplete="off" />
          </div>
          <label class="adm-check">
            <input type="checkbox" checked={!!card.required} onChange={(e) => set({ required: (e.currentTarget as HTMLInputElement).checked })} /> {t("admin.pb.f.consentRequired")}
          </label>
          {!card.required && <p class="adm-hint">{t("admin.pb.f.declinedHint")}</p>}
          {card.required && (card.declined_path || []).length > 0 && <p class="adm-warn">{t("admin.pb.f.declinedDropped")}</p>}
        </>
      );
      break;
    case "action": {
      const action = card.action || "create_lead";
      const money = action === "create_deal" ? card.deal || { title: "" } : card.lead || { title: "" };
      const which = action === "create_deal" ? "deal" : "lead";
      const setMoney = (patch: Partial<typeof money>) => set({ [which]: { ...money, ...patch } } as Partial<Card>);
      const act = card.activity || { type: "task", subject: "" };
      const setAct = (patch: Partial<typeof act>) => set({ activity: { ...act, ...patch } });
      const owner = card.owner ? (card.owner.team_id ? "t" + card.owner.team_id : card.owner.user_id ? "u" + card.owner.user_id : "") : "";
      body = (
        <>
          <SelectField
            label={t("admin.pb.f.action")}
            value={action}
            options={actionKinds.map((a) => ({ value: a, label: t("admin.pb.action." + a) }))}
            onValue={(next: ActionKind) =>
              set({
                action: next,
                lead: next === "create_lead" ? card.lead || { title: "" } : undefined,
                deal: next === "create_deal" ? card.deal || { title: "" } : undefined,
                activity: next === "create_activity" ? card.activity || { type: "task", subject: "" } : undefined,
                owner: next.startsWith("create_") ? card.owner : undefined,
              })
            }
          />
          <p class="adm-hint">{t("admin.pb.action." + action + ".hint")}</p>
          {(action === "create_lead" || action === "create_deal") && (
            <div class="adm-grid">
              <TextField
                label={t(action === "create_deal" ? "admin.pb.f.dealTitle" : "admin.pb.f.leadTitle")}
                value={money.title}
                onValue={(title) => setMoney({ title })}
                error={err(which + ".title")}
                autocomplete="off"
              />
              <TextField
                label={t("admin.pb.f.leadValue")}
                type="number"
                min={0}
                step="0.01"
                value={money.value ? String(money.value / 100) : ""}
                onValue={(v) => {
                  const n = v.trim() === "" ? undefined : Math.round(Number(v) * 100);
                  setMoney({ value: n !== undefined && Number.isFinite(n) ? n : undefined });
                }}
                error={err(which + ".value")}
              />
              <TextField
                label={t("admin.pb.f.currency")}
                value={money.currency || ""}
                onValue={(currency) => setMoney({ currency: currency.toUpperCase() })}
                maxLength={3}
                placeholder="EUR"
                hint={t("admin.pb.f.currencyHint")}
                error={err(which + ".currency")}
                autocomplete="off"
              />
            </div>
          )}
          {action === "create_activity" && (
            <div class="adm-grid">
              <TextField label={t("admin.pb.f.actSubject")} value={act.subject} onValue={(subject) => setAct({ subject })} error={err("activity.subject")} autocomplete="off" />
              <SelectField
                label={t("admin.pb.f.actType")}
                value={act.type || "task"}
                options={activityTypes.map((x) => ({ value: x, label: t("act." + x) }))}
                onValue={(type) => setAct({ type })}
              />
              <TextField
                label={t("admin.pb.f.actDueIn")}
                type="number"
                min={0}
                max={365}
                value={String(act.due_in_days || 0)}
                onValue={(v) => setAct({ due_in_days: num(v) || undefined })}
                error={err("activity.due_in_days")}
              />
              <TextField
                label={t("admin.pb.f.actDueTime")}
                value={act.due_time || ""}
                onValue={(due_time) => setAct({ due_time: due_time || undefined })}
                placeholder="10:00"
                hint={t("admin.pb.f.actDueTimeHint")}
                error={err("activity.due_time")}
                autocomplete="off"
              />
            </div>
          )}
          {action.startsWith("create_") && (
            <SelectField
              label={t("admin.pb.f.owner")}
              value={owner}
              options={[
                { value: "", label: t("admin.pb.f.ownerNobody") },
                ...teams.map((x) => ({ value: "t" + x.id, label: t("admin.pb.f.ownerTeam", { name: x.name }) })),
                ...users.map((x) => ({ value: "u" + x.id, label: x.name })),
              ]}
              onValue={(v) => set({ owner: v.startsWith("t") ? { team_id: Number(v.slice(1)) } : v.startsWith("u") ? { user_id: Number(v.slice(1)) } : undefined })}
              hint={t("admin.pb.f.ownerHint")}
            />
          )}
        </>
      );
      break;
    }
    case "live_chat":
      body = (
        <>
          <MarkdownField label={t("admin.pb.f.online")} value={card.online_markdown || ""} onValue={(online_markdown) => set({ online_markdown })} hint={t("admin.pb.f.onlineHint")} error={err("online_markdown")} />
          <TextField
            label={t("admin.pb.f.waiting")}
            type="number"
            min={10}
            max={3600}
            name="waiting_seconds"
            value={card.waiting_seconds === undefined ? "" : String(card.waiting_seconds)}
            onValue={(v) => set({ waiting_seconds: num(v) })}
            hint={t("admin.pb.f.waitingHint")}
            error={err("waiting_seconds")}
          />
          <MarkdownField label={t("admin.pb.f.offline")} value={card.offline_markdown || ""} onValue={(offline_markdown) => set({ offline_markdown })} hint={t("admin.pb.f.offlineHint")} error={err("offline_markdown")} />
          <SelectField
            label={t("admin.pb.f.team")}
            value={String(card.team_id || 0)}
            options={[{ value: "0", label: t("admin.pb.f.anyAgent") }, ...teams.map((x) => ({ value: String(x.id), label: x.name }))]}
            onValue={(v) => set({ team_id: Number(v) || undefined })}
            hint={t("admin.pb.f.teamHint")}
          />
          {err("team_id") && <p class="adm-err">{err("team_id")}</p>}
        </>
      );
      break;
    case "end":
      body = <p>{t("admin.pb.f.endText")}</p>;
      break;
  }
  const rest = problems.filter((p) => !used.has(p));
  return (
    <div class="adm-form adm-card-form">
      {rest.length > 0 && (
        <ul class="adm-problems">
          {rest.map((p, i) => (
            <li key={i} class="adm-err">
              {p.message}
            </li>
          ))}
        </ul>
      )}
      {body}
    </div>
  );
}

function Answers({ answers, onChange, err }: { answers: Answer[]; onChange: (a: Answer[]) => void; err: (f: string) => string | undefined }) {
  const move = (i: number, d: number) => {
    const out = answers.slice();
    [out[i], out[i + d]] = [out[i + d], out[i]];
    onChange(out);
  };
  return (
    <fieldset class="adm-fieldset adm-answers">
      <legend>{t("admin.pb.f.answers")}</legend>
      <p class="adm-hint">{t("admin.pb.f.answersHint")}</p>
      {err("answers") && <p class="adm-err">{err("answers")}</p>}
      <ol>
        {answers.map((a, i) => {
          const cards = (a.path || []).reduce((n, c) => n + countCards(c), 0);
          return (
            <li key={a.id} class="adm-answer-row">
              <Field label={t("admin.pb.f.answer", { n: i + 1 })} error={err(`answers[${i}].label`)}>
                {(id, desc) => (
                  <input id={id} aria-describedby={desc} value={a.label} maxLength={80} autocomplete="off" onInput={(e) => onChange(answers.map((x) => (x.id === a.id ? { ...x, label: (e.currentTarget as HTMLInputElement).value } : x)))} />
                )}
              </Field>
              <div class="adm-answer-tools">
                <IconButton icon="up" label={t("admin.pb.f.answerUp", { n: i + 1 })} disabled={i === 0} onClick={() => move(i, -1)} />
                <IconButton icon="down" label={t("admin.pb.f.answerDown", { n: i + 1 })} disabled={i === answers.length - 1} onClick={() => move(i, 1)} />
                <IconButton
                  icon="bin"
                  danger
                  label={t("admin.pb.f.answerRemove", { n: i + 1 })}
                  disabled={answers.length <= 1}
                  onClick={() => {
                    if (cards > 0 && !window.confirm(t("admin.pb.f.answerRemoveConfirm", { n: cards }))) return;
                    onChange(answers.filter((x) => x.id !== a.id));
                  }}
                />
              </div>
              {cards > 0 && <p class="adm-hint">{t("admin.pb.f.answerCards", { n: cards })}</p>}
            </li>
          );
        })}
      </ol>
      <button type="button" class="adm-btn" disabled={answers.length >= 10} onClick={() => onChange([...answers, { id: newId("ans_"), label: "", path: [] }])}>
        {t("admin.pb.f.addAnswer")}
      </button>
    </fieldset>
  );
}
