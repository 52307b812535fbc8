// Merging two persons or two organisations: find the other one, see field by field which value
// the merged record keeps (and what follows it), then confirm. The record whose page this is
// stays; "Keep the other one" turns it round.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import { Dialog, useId, useInbox } from "../ui/common";
import { money } from "./data";
import { listOf, titleOf, type Rec } from "./model";

interface MergeField {
  field: string;
  into: unknown;
  from: unknown;
  result: unknown;
  winner: "into" | "from" | "both" | "none";
}

interface MergeResult {
  person?: Rec;
  organization?: Rec;
  fields: MergeField[];
  moved: Record<string, number>;
}

const names: Record<string, string> = {
  name: "cs.col.name",
  emails: "cs.col.emails",
  phones: "cs.col.phones",
  organization_id: "cs.col.organization",
  owner_user_id: "cs.col.owner",
  contact_id: "cs.contact",
  labels: "cs.col.labels",
  address: "cs.col.address",
};

export function MergeDialog({ type, into, onClose, onMerged }: { type: "person" | "organization"; into: Rec; onClose: () => void; onMerged: () => void }) {
  const inbox = useInbox();
  const list = listOf[type];
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Rec[] | null>(null);
  const [other, setOther] = useState<Rec | null>(null);
  const [keepOther, setKeepOther] = useState(false);
  const [preview, setPreview] = useState<MergeResult | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const ids = { q: useId("mq"), hint: useId("mh") };

  useEffect(() => {
    if (other) return;
    let live = true;
    const h = window.setTimeout(() => {
      api<Record<string, Rec[]>>("GET", `${list}?limit=10&q=${encodeURIComponent(q)}`).then(
        (r) => live && setFound((r[list] || []).filter((x) => x.id !== into.id)),
        (e) => live && setError(errText(e)),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [q, other]);

  const keep = keepOther && other ? other : into;
  const gone = keepOther && other ? into : other;

  useEffect(() => {
    if (!other || !gone) return;
    let live = true;
    setPreview(null);
    api<MergeResult>("POST", `${list}/${keep.id}/merge`, { from_id: gone.id, dry_run: true }).then(
      (r) => live && setPreview(r),
      (e) => live && setError(errText(e)),
    );
    return () => {
      live = false;
    };
  }, [other, keepOther]);

  const show = (field: string, v: unknown, r: Rec | undefined): string => {
    if (v === null || v === undefined || v === "") return "—";
    if (field === "owner_user_id") return inbox.users.get(v as number)?.name || "#" + v;
    if (field === "organization_id") return r && r.organization_id === v && r.organization_name ? r.organization_name : "#" + v;
    if (field === "contact_id") return t("cs.merge.contact", { n: v as number });
    if (Array.isArray(v)) return v.map((x) => (x && typeof x === "object" && "value" in x ? String((x as { value: unknown }).value) : String(x))).join(", ");
    if (typeof v === "object" && v && "value" in v) {
      const m = v as { value: number; currency: string };
      return money(m.value, m.currency);
    }
    return String(v);
  };
  const label = (f: string) => (f.startsWith("fields.") ? f.slice(7) : names[f] ? t(names[f]) : f);

  const merge = async () => {
    if (!gone) return;
    setBusy(true);
    setError("");
    try {
      await api("POST", `${list}/${keep.id}/merge`, { from_id: gone.id });
      inbox.toast(t("cs.merge.done", { name: titleOf(gone), into: titleOf(keep) }));
      onClose();
      if (keep.id !== into.id) location.hash = "#/crm/" + type + "/" + keep.id;
      else onMerged();
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };

  const rows = (preview?.fields || []).filter((f) => !["created_at", "updated_at", "id"].includes(f.field) && (f.into !== null || f.from !== null));
  return (
    <Dialog title={t("cs.merge.title." + type, { name: titleOf(into) })} onClose={onClose} class="dlg-crm dlg-merge">
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
      {!other ? (
        <>
          <div class="field">
            <label for={ids.q}>{t("cs.merge.find." + type)}</label>
            <input id={ids.q} type="search" value={q} autocomplete="off" aria-describedby={ids.hint} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </div>
          <p class="hint small" id={ids.hint}>
            {t("link.searchHint")}
          </p>
          {found && found.length === 0 && <p class="muted small">{t("link.none")}</p>}
          <ul class="plain-list link-results">
            {(found || []).map((r) => (
              <li key={r.id} class="link-result merge-candidate">
                <span>
                  <strong>{titleOf(r)}</strong>
                  {r.emails && r.emails.length > 0 && <span class="muted small"> · {r.emails[0].value}</span>}
                  {r.organization_name && <span class="muted small"> · {r.organization_name}</span>}
                </span>
                <button type="button" class="btn btn-s" onClick={() => setOther(r)}>
                  {t("cs.merge.choose")}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <p>{t("cs.merge.explain", { keep: titleOf(keep), gone: titleOf(gone!) })}</p>
          <label class="check">
            <input type="checkbox" checked={keepOther} onChange={(e) => setKeepOther((e.target as HTMLInputElement).checked)} /> {t("cs.merge.keepOther", { name: titleOf(other) })}
          </label>
          <p class="hint small">{t("cs.merge.rules")}</p>
          {!preview && <p class="muted">{t("loading")}</p>}
          {preview && (
            <>
              <table class="merge-table">
                <caption class="sr">{t("cs.merge.caption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("cs.merge.field")}</th>
                    <th scope="col">{titleOf(keep)}</th>
                    <th scope="col">{titleOf(gone!)}</th>
                    <th scope="col">{t("cs.merge.result")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((f) => (
                    <tr key={f.field}>
                      <th scope="row">{label(f.field)}</th>
                      <td class={f.winner === "into" || f.winner === "both" ? "wins" : undefined}>{show(f.field, f.into, keep)}</td>
                      <td class={f.winner === "from" || f.winner === "both" ? "wins" : undefined}>{show(f.field, f.from, gone!)}</td>
                      <td>
                        {show(f.field, f.result, preview.person || preview.organization)}
                        <span class="tag merge-winner">{t("cs.merge.winner." + f.winner)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="small">
                {t("cs.merge.moves", {
                  leads: preview.moved.leads || 0,
                  deals: preview.moved.deals || 0,
                  activities: preview.moved.activities || 0,
                })}
                {type === "organization" ? " " + t("cs.merge.movesPersons", { n: preview.moved.persons || 0 }) : " " + t("cs.merge.movesConversations")}
              </p>
            </>
          )}
          <div class="dlg-actions">
            <button type="button" class="btn" onClick={() => (setOther(null), setPreview(null), setKeepOther(false))}>
              {t("cs.merge.back")}
            </button>
            <button type="button" class="btn btn-primary" disabled={!preview || busy} onClick={() => void merge()}>
              {t("cs.merge.confirm")}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
