// The options of the CRM's pickers that several forms share: a deal's stage (grouped by pipeline)
// and an activity's type.
import { t } from "../i18n";

/** The kinds of activity, as the API names them. */
export const activityTypes = ["call", "meeting", "task", "email", "deadline"];

/** StageOptions lists every pipeline's stages, grouped under the pipeline's name. */
export function StageOptions({ pipelines }: { pipelines: { id: number; name: string; stages: { id: number; name: string }[] }[] }) {
  return (
    <>
      {pipelines.map((p) => (
        <optgroup key={p.id} label={p.name}>
          {p.stages.map((s) => (
            <option key={s.id} value={String(s.id)}>
              {s.name}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

/** ActivityTypeOptions lists the kinds of activity by their names in the inbox's language. */
export function ActivityTypeOptions() {
  return (
    <>
      {activityTypes.map((k) => (
        <option key={k} value={k}>
          {t("act." + k)}
        </option>
      ))}
    </>
  );
}
