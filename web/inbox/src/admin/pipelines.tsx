// Pipelines: the deal pipelines and their stages in order (admins only; the API refuses others).
// A pipeline's edits (name, stages added, renamed, moved or removed) are saved together: the API
// takes the whole new list of stages and refuses to remove one that still holds deals.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { Confirm, Field, IconButton, Loading, Status, TextField, useLoad, useSubmit } from "./ui";

interface Stage {
  id: number;
  name: string;
  probability: number;
}

interface Pipeline {
  id: number;
  name: string;
  default: boolean;
  stages: Stage[];
}

/** A stage being edited: key tells rows apart before a new stage has an id. */
interface DraftStage {
  key: string;
  id: number;
  name: string;
}

let seq = 0;
const draft = (st: Stage[]): DraftStage[] => st.map((s) => ({ key: "s" + s.id, id: s.id, name: s.name }));

export function PipelinesScreen() {
  const list = useLoad(() => api<{ pipelines: Pipeline[] }>("GET", "pipelines").then((r) => r.pipelines));
  const [name, setName] = useState("");
  const [stages, setStages] = useState("");
  const s = useSubmit();
  const all = list.data || [];
  return (
    <div class="adm-screen">
      <h1>{t("admin.pipelines.title")}</h1>
      <p class="adm-lead">{t("admin.pipelines.lead")}</p>
      <form
        class="adm-panel"
        aria-labelledby="adm-pipeline-new"
        onSubmit={async (e) => {
          e.preventDefault();
          const names = stages
            .split("\n")
            .map((x) => x.trim())
            .filter(Boolean);
          await s.run(async () => {
            const r = await api<{ pipeline: Pipeline }>("POST", "pipelines", { name, stages: names.map((n) => ({ name: n })) });
            list.set([...all, r.pipeline]);
            setName("");
            setStages("");
          }, t("admin.pipelines.created", { name: name.trim() }));
        }}
      >
        <h2 id="adm-pipeline-new">{t("admin.pipelines.new")}</h2>
        <TextField label={t("admin.pipelines.name")} name="pipeline" value={name} onValue={setName} required autocomplete="off" />
        <Field label={t("admin.pipelines.newStages")} hint={t("admin.pipelines.newStagesHint")}>
          {(id, desc) => (
            <textarea id={id} name="stages" aria-describedby={desc} rows={4} required value={stages} onInput={(e) => setStages((e.currentTarget as HTMLTextAreaElement).value)} />
          )}
        </Field>
        <Status s={s} />
        <div class="adm-actions">
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
            {t("admin.pipelines.create")}
          </button>
        </div>
      </form>
      {!list.data ? (
        <Loading error={list.error} />
      ) : all.length === 0 ? (
        <p class="adm-muted">{t("admin.pipelines.none")}</p>
      ) : (
        <ul class="adm-cards">
          {all.map((p) => (
            <PipelineItem
              key={p.id}
              p={p}
              onChange={(n) => list.set(all.map((x) => (x.id === n.id ? n : x)))}
              onDefault={list.reload}
              onDelete={() => list.set(all.filter((x) => x.id !== p.id))}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function PipelineItem({ p, onChange, onDefault, onDelete }: { p: Pipeline; onChange: (p: Pipeline) => void; onDefault: () => void; onDelete: () => void }) {
  const [name, setName] = useState(p.name);
  const [stages, setStages] = useState<DraftStage[]>(draft(p.stages));
  const [added, setAdded] = useState("");
  const [confirm, setConfirm] = useState(false);
  const s = useSubmit();
  const d = useSubmit();
  const headingId = `adm-pipeline-${p.id}`;
  const dirty = name.trim() !== p.name || JSON.stringify(stages.map((x) => [x.id, x.name.trim()])) !== JSON.stringify(p.stages.map((x) => [x.id, x.name]));
  const move = (i: number, by: number) => {
    const n = stages.slice();
    const [x] = n.splice(i, 1);
    n.splice(i + by, 0, x);
    setStages(n);
    // Keep the keyboard where it was: focus follows the moved stage's button.
    requestAnimationFrame(() => {
      const row = document.querySelector<HTMLElement>(`[data-stage-key="${x.key}"]`);
      const b = row && row.querySelector<HTMLButtonElement>(by < 0 ? "[data-move=up] button:not([disabled])" : "[data-move=down] button:not([disabled])");
      const other = row && row.querySelector<HTMLButtonElement>("[data-move] button:not([disabled])");
      (b || other)?.focus();
    });
  };
  return (
    <li class="adm-panel" data-pipeline={p.name}>
      <form
        aria-labelledby={headingId}
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            const r = await api<{ pipeline: Pipeline }>("PATCH", `pipelines/${p.id}`, { name, stages: stages.map((x) => (x.id ? { id: x.id, name: x.name } : { name: x.name })) });
            onChange(r.pipeline);
            setStages(draft(r.pipeline.stages));
            setName(r.pipeline.name);
          }, t("admin.saved"));
        }}
      >
        <h2 id={headingId}>
          {p.name} {p.default && <span class="adm-badge">{t("admin.pipelines.default")}</span>}
        </h2>
        <TextField label={t("admin.pipelines.name")} value={name} onValue={setName} required autocomplete="off" />
        <h3>{t("admin.pipelines.stages")}</h3>
        <ol class="adm-list">
          {stages.map((st, i) => (
            <li class="adm-row" key={st.key} data-stage-key={st.key} data-stage={st.name}>
              <div class="adm-row-main">
                <TextField
                  label={t("admin.pipelines.stageName", { n: String(i + 1) })}
                  value={st.name}
                  onValue={(v) => setStages(stages.map((x) => (x.key === st.key ? { ...x, name: v } : x)))}
                  required
                  autocomplete="off"
                />
              </div>
              <div class="adm-row-side">
                <span data-move="up">
                  <IconButton icon="up" label={t("admin.pipelines.up", { name: st.name })} disabled={i === 0} onClick={() => move(i, -1)} />
                </span>
                <span data-move="down">
                  <IconButton icon="down" label={t("admin.pipelines.down", { name: st.name })} disabled={i === stages.length - 1} onClick={() => move(i, 1)} />
                </span>
                <IconButton icon="bin" danger label={t("admin.pipelines.removeStage", { name: st.name })} disabled={stages.length === 1} onClick={() => setStages(stages.filter((x) => x.key !== st.key))} />
              </div>
            </li>
          ))}
        </ol>
        <div class="adm-inline-form">
          <TextField label={t("admin.pipelines.addStage")} value={added} onValue={setAdded} autocomplete="off" />
          <button
            type="button"
            class="adm-btn"
            disabled={!added.trim()}
            onClick={() => {
              setStages([...stages, { key: "n" + ++seq, id: 0, name: added.trim() }]);
              setAdded("");
            }}
          >
            {t("admin.pipelines.add")}
          </button>
        </div>
        <p class="adm-hint">{t("admin.pipelines.saveHint")}</p>
        <Status s={s} />
        <Status s={d} />
        <div class="adm-actions">
          {!p.default && (
            <button
              type="button"
              class="adm-btn"
              disabled={d.busy}
              onClick={() => d.run(async () => {
                await api("PATCH", `pipelines/${p.id}`, { default: true });
                onDefault();
              })}
            >
              {t("admin.pipelines.makeDefault")}
            </button>
          )}
          <button type="button" class="adm-btn adm-danger-outline" onClick={() => setConfirm(true)}>
            {t("admin.pipelines.delete")}
          </button>
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy || !dirty}>
            {t("admin.save")}
          </button>
        </div>
      </form>
      {confirm && (
        <Confirm
          title={t("admin.pipelines.deleteTitle", { name: p.name })}
          text={t("admin.pipelines.deleteText")}
          action={t("admin.pipelines.delete")}
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api("DELETE", `pipelines/${p.id}`);
            onDelete();
          }}
        />
      )}
    </li>
  );
}
