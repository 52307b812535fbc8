// Custom fields: per record type, the extra fields records carry (admins only; the API refuses
// others). A field's record type, key and type are fixed once made; its label, options and place
// in the list can change.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { Confirm, Field, IconButton, Loading, SelectField, Status, TextField, useLoad, useSubmit } from "./ui";

type RecordType = "person" | "organization" | "lead" | "deal" | "activity";
type FieldType = "text" | "number" | "date" | "option" | "options" | "money";

interface CustomField {
  id: number;
  record_type: RecordType;
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  position: number;
}

const recordTypes: RecordType[] = ["person", "organization", "lead", "deal", "activity"];
const fieldTypes: FieldType[] = ["text", "number", "date", "option", "options", "money"];
const hasOptions = (ft: FieldType) => ft === "option" || ft === "options";

/** keyOf derives a field key from a label: lower-case letters, digits and _, from a letter. */
export function keyOf(label: string): string {
  const k = label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "");
  return k.slice(0, 40);
}

const lines = (s: string) =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);

function OptionsField({ value, onValue, required }: { value: string; onValue: (v: string) => void; required?: boolean }) {
  return (
    <Field label={t("admin.fields.options")} hint={t("admin.fields.optionsHint")}>
      {(id, desc) => <textarea id={id} name="options" aria-describedby={desc} rows={4} required={required} value={value} onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)} />}
    </Field>
  );
}

export function FieldsScreen() {
  const [rt, setRt] = useState<RecordType>("person");
  const list = useLoad(() => api<{ fields: CustomField[] }>("GET", "custom-fields?record_type=" + rt).then((r) => r.fields), [rt]);
  const [label, setLabel] = useState("");
  const [key, setKey] = useState("");
  const [keyEdited, setKeyEdited] = useState(false);
  const [ft, setFt] = useState<FieldType>("text");
  const [options, setOptions] = useState("");
  const s = useSubmit();
  const r = useSubmit();
  const all = (list.data || []).filter((f) => f.record_type === rt);
  const move = (i: number, by: number) =>
    r.run(async () => {
      const n = all.slice();
      const [x] = n.splice(i, 1);
      n.splice(i + by, 0, x);
      const out: CustomField[] = [];
      for (let j = 0; j < n.length; j++) {
        if (n[j].position === j) out.push(n[j]);
        else out.push((await api<{ field: CustomField }>("PATCH", `custom-fields/${n[j].id}`, { position: j })).field);
      }
      list.set(out);
      requestAnimationFrame(() => {
        const row = document.querySelector<HTMLElement>(`[data-field-id="${x.id}"]`);
        const b = row && (row.querySelector<HTMLButtonElement>(`[data-move=${by < 0 ? "up" : "down"}] button:not([disabled])`) || row.querySelector<HTMLButtonElement>("[data-move] button:not([disabled])"));
        b?.focus();
      });
    });
  return (
    <div class="adm-screen">
      <h1>{t("admin.fields.title")}</h1>
      <p class="adm-lead">{t("admin.fields.lead")}</p>
      <SelectField<RecordType> label={t("admin.fields.recordType")} name="record_type" value={rt} options={recordTypes.map((x) => ({ value: x, label: t("admin.fields.rt." + x) }))} onValue={setRt} />
      <form
        class="adm-panel"
        aria-labelledby="adm-field-new"
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const body: Record<string, unknown> = { record_type: rt, key, label, type: ft, position: all.length };
            if (hasOptions(ft)) body.options = lines(options);
            const res = await api<{ field: CustomField }>("POST", "custom-fields", body);
            list.set([...all, res.field]);
            setLabel("");
            setKey("");
            setKeyEdited(false);
            setOptions("");
          }, t("admin.fields.created", { name: label.trim() }));
        }}
      >
        <h2 id="adm-field-new">{t("admin.fields.new", { type: t("admin.fields.rt." + rt) })}</h2>
        <TextField
          label={t("admin.fields.label")}
          name="label"
          value={label}
          onValue={(v) => {
            setLabel(v);
            if (!keyEdited) setKey(keyOf(v));
          }}
          required
          autocomplete="off"
        />
        <TextField
          label={t("admin.fields.key")}
          name="key"
          hint={t("admin.fields.keyHint")}
          value={key}
          onValue={(v) => {
            setKey(v);
            setKeyEdited(true);
          }}
          required
          autocomplete="off"
          spellcheck={false}
          maxLength={40}
        />
        <SelectField<FieldType> label={t("admin.fields.type")} name="type" value={ft} options={fieldTypes.map((x) => ({ value: x, label: t("admin.fields.type." + x) }))} onValue={setFt} />
        {hasOptions(ft) && <OptionsField value={options} onValue={setOptions} required />}
        <Status s={s} />
        <div class="adm-actions">
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
            {t("admin.fields.create")}
          </button>
        </div>
      </form>
      <Status s={r} />
      {!list.data ? (
        <Loading error={list.error} />
      ) : all.length === 0 ? (
        <p class="adm-muted">{t("admin.fields.none")}</p>
      ) : (
        <ul class="adm-cards">
          {all.map((f, i) => (
            <FieldItem
              key={f.id}
              f={f}
              first={i === 0}
              last={i === all.length - 1}
              busy={r.busy}
              onMove={(by) => move(i, by)}
              onChange={(n) => list.set(all.map((x) => (x.id === n.id ? n : x)))}
              onDelete={() => list.set(all.filter((x) => x.id !== f.id))}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function FieldItem(props: { f: CustomField; first: boolean; last: boolean; busy: boolean; onMove: (by: number) => void; onChange: (f: CustomField) => void; onDelete: () => void }) {
  const { f } = props;
  const [label, setLabel] = useState(f.label);
  const [options, setOptions] = useState((f.options || []).join("\n"));
  const [confirm, setConfirm] = useState(false);
  const s = useSubmit();
  const headingId = `adm-field-${f.id}`;
  const dirty = label.trim() !== f.label || (hasOptions(f.type) && lines(options).join("\n") !== (f.options || []).join("\n"));
  return (
    <li class="adm-panel" data-field={f.key} data-field-id={f.id}>
      <form
        aria-labelledby={headingId}
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const body: Record<string, unknown> = { label };
            if (hasOptions(f.type)) body.options = lines(options);
            const r = await api<{ field: CustomField }>("PATCH", `custom-fields/${f.id}`, body);
            props.onChange(r.field);
          }, t("admin.saved"));
        }}
      >
        <div class="adm-row">
          <div class="adm-row-main">
            <h2 id={headingId}>{f.label}</h2>
            <p class="adm-muted">
              {t("admin.fields.type." + f.type)} · <code>{f.key}</code>
            </p>
          </div>
          <div class="adm-row-side">
            <span data-move="up">
              <IconButton icon="up" label={t("admin.fields.up", { name: f.label })} disabled={props.first || props.busy} onClick={() => props.onMove(-1)} />
            </span>
            <span data-move="down">
              <IconButton icon="down" label={t("admin.fields.down", { name: f.label })} disabled={props.last || props.busy} onClick={() => props.onMove(1)} />
            </span>
          </div>
        </div>
        <TextField label={t("admin.fields.label")} value={label} onValue={setLabel} required autocomplete="off" />
        {hasOptions(f.type) && <OptionsField value={options} onValue={setOptions} required />}
        <Status s={s} />
        <div class="adm-actions">
          <button type="button" class="adm-btn adm-danger-outline" onClick={() => setConfirm(true)}>
            {t("admin.fields.delete")}
          </button>
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy || !dirty}>
            {t("admin.save")}
          </button>
        </div>
      </form>
      {confirm && (
        <Confirm
          title={t("admin.fields.deleteTitle", { name: f.label })}
          text={t("admin.fields.deleteText")}
          action={t("admin.fields.delete")}
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api("DELETE", `custom-fields/${f.id}`);
            props.onDelete();
          }}
        />
      )}
    </li>
  );
}
