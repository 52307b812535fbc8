// Who sees the playbook: URL rules (any one matching is enough; none means every page), the delay
// before the bot starts, the priority among playbooks matching the same page, and whether it runs.
import { t } from "../../i18n";
import type { Problem } from "../flow";
import type { Rule, RuleMatch } from "../types";
import { Field, IconButton, TextField } from "../ui";
import { fieldError } from "./appearance";

const matches: RuleMatch[] = ["equals", "contains", "starts_with", "regex"];

export interface Targeting {
  targeting: Rule[];
  priority: number;
  delay_seconds: number;
}

function int(v: string): number {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? n : 0;
}

export function TargetingForm(props: { value: Targeting; onChange: (v: Targeting) => void; problems: Problem[]; active: boolean; onToggleActive: () => void }) {
  const { value, problems } = props;
  const rules = value.targeting;
  const setRules = (targeting: Rule[]) => props.onChange({ ...value, targeting });
  return (
    <div class="adm-form pb-targeting">
      <fieldset class="adm-fieldset">
        <legend>{t("admin.pb.rules")}</legend>
        <p class="adm-hint">{rules.length ? t("admin.pb.rulesAny") : t("admin.pb.rulesNone")}</p>
        {problems
          .filter((p) => p.field === "targeting")
          .map((p, i) => (
            <p class="adm-err" key={i}>
              {p.message}
            </p>
          ))}
        <ol class="pb-rules">
          {rules.map((r, i) => {
            const err = fieldError(problems, `targeting[${i}].value`) || fieldError(problems, `targeting[${i}].match`);
            return (
              <li key={i} class="pb-rule">
                <Field label={t("admin.pb.ruleMatch", { n: i + 1 })}>
                  {(id) => (
                    <select id={id} value={r.match} onChange={(e) => setRules(rules.map((x, j) => (j === i ? { ...x, match: (e.currentTarget as HTMLSelectElement).value as RuleMatch } : x)))}>
                      {matches.map((m) => (
                        <option key={m} value={m}>
                          {t("admin.pb.match." + m)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <TextField
                  label={t("admin.pb.ruleValue", { n: i + 1 })}
                  value={r.value}
                  onValue={(v) => setRules(rules.map((x, j) => (j === i ? { ...x, value: v } : x)))}
                  placeholder={r.match === "regex" ? "^/pricing(/.*)?$" : r.match === "equals" ? "https://example.com/pricing" : "/pricing"}
                  error={err}
                  spellcheck={false}
                  autocomplete="off"
                />
                <IconButton icon="bin" danger label={t("admin.pb.ruleRemove", { n: i + 1 })} onClick={() => setRules(rules.filter((_, j) => j !== i))} class="pb-rule-remove" />
              </li>
            );
          })}
        </ol>
        <button type="button" class="adm-btn" onClick={() => setRules([...rules, { match: "contains", value: "" }])} disabled={rules.length >= 50}>
          {t("admin.pb.ruleAdd")}
        </button>
      </fieldset>
      <div class="adm-grid">
        <TextField
          label={t("admin.pb.delay")}
          type="number"
          min={0}
          max={3600}
          value={String(value.delay_seconds)}
          onValue={(v) => props.onChange({ ...value, delay_seconds: int(v) })}
          hint={t("admin.pb.delayHint")}
          error={fieldError(problems, "delay_seconds")}
        />
        <TextField
          label={t("admin.pb.priority")}
          type="number"
          min={-1000}
          max={1000}
          value={String(value.priority)}
          onValue={(v) => props.onChange({ ...value, priority: int(v) })}
          hint={t("admin.pb.priorityHint")}
          error={fieldError(problems, "priority")}
        />
      </div>
      <div class="adm-field">
        <span class="adm-label" id="pb-active-label">
          {t("admin.pb.activeLabel")}
        </span>
        <button type="button" role="switch" aria-checked={props.active} aria-labelledby="pb-active-label" class="adm-switch" onClick={props.onToggleActive}>
          <span class="adm-switch-knob" aria-hidden="true" />
          <span class="adm-switch-text">{props.active ? t("admin.pb.active") : t("admin.pb.inactive")}</span>
        </button>
        <p class="adm-hint">{t("admin.pb.activeHint")}</p>
      </div>
    </div>
  );
}
