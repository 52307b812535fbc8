// Importing persons or organisations from a CSV file: choose the file, map its columns (guessed
// from the header), check it — a dry run reports every bad row and every duplicate before anything
// is written — then import the good rows.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import { Icon, useId, useInbox } from "../ui/common";
import type { ListName } from "./model";
import "./crm.css";

interface Report {
  dry_run: boolean;
  columns: string[];
  mapping: Record<string, string>;
  targets: { key: string; label: string; multiple?: boolean }[];
  rows: number;
  valid: number;
  created: number;
  skipped: number;
  errors: { row: number; column?: string; code: string; message: string }[];
  duplicates: { row: number; value: string; existing_id?: number; same_as_row?: number }[];
  sample: string[][];
}

const targetNames: Record<string, string> = {
  name: "cs.col.name",
  email: "crm.personEmail",
  phone: "crm.personPhone",
  organization: "crm.organization",
  address: "cs.col.address",
  owner: "cs.col.owner",
  labels: "cs.col.labels",
};

export function ImportScreen({ list, onMenu }: { list: "persons" | "organizations"; onMenu: () => void }) {
  const inbox = useInbox();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [mapping, setMapping] = useState<Record<string, string> | null>(null);
  const [dups, setDups] = useState<"skip" | "create">("skip");
  const [report, setReport] = useState<Report | null>(null);
  const [done, setDone] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const ids = { file: useId("imf"), head: useId("imh"), dup: useId("imd") };
  const type = list === "persons" ? "person" : "organization";

  const check = async (text: string, m: Record<string, string> | null) => {
    setBusy(true);
    setError("");
    try {
      const r = await api<Report>("POST", list + "/import", { csv: text, mapping: m || undefined, dry_run: true, duplicates: dups });
      setReport(r);
      setMapping(r.mapping);
    } catch (e) {
      setError(errText(e));
      setReport(null);
    } finally {
      setBusy(false);
    }
  };

  const choose = async (f: File | undefined) => {
    setDone(null);
    setReport(null);
    setMapping(null);
    if (!f) return;
    const text = await f.text();
    setFile({ name: f.name, text });
    await check(text, null);
  };

  const run = async () => {
    if (!file || !mapping) return;
    setBusy(true);
    setError("");
    try {
      const r = await api<Report>("POST", list + "/import", { csv: file.text, mapping, duplicates: dups });
      setDone(r);
      inbox.toast(t("cs.import.done", { n: r.created }));
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };

  const targetLabel = (key: string, label: string) => (key.startsWith("fields.") ? label : t(targetNames[key] || key));

  return (
    <section class="crm crm-import" aria-labelledby={ids.head}>
      <header class="pane-head crm-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id={ids.head}>{t("cs.import.title." + type)}</h1>
        <div class="crm-actions">
          <a class="btn btn-s" href={"#/crm/" + list}>
            {t("cs.import.back")}
          </a>
        </div>
      </header>
      <div class="import-body">
        <ol class="import-steps">
          <li>
            <h2>{t("cs.import.step1")}</h2>
            <p class="hint">{t("cs.import.fileHint")}</p>
            <div class="field">
              <label for={ids.file}>{t("cs.import.file")}</label>
              <input id={ids.file} type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void choose((e.target as HTMLInputElement).files?.[0])} />
            </div>
          </li>
          {report && mapping && (
            <li>
              <h2>{t("cs.import.step2")}</h2>
              <p class="hint">{t("cs.import.mapHint")}</p>
              <table class="import-map">
                <thead>
                  <tr>
                    <th scope="col">{t("cs.import.column")}</th>
                    <th scope="col">{t("cs.import.example")}</th>
                    <th scope="col">{t("cs.import.into")}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.columns.map((col, i) => (
                    <tr key={col + i}>
                      <th scope="row">{col}</th>
                      <td class="muted small">{report.sample.map((r) => r[i] || "").filter(Boolean).slice(0, 2).join(" · ")}</td>
                      <td>
                        <select
                          aria-label={t("cs.import.mapOf", { column: col })}
                          value={mapping[col] || ""}
                          onChange={(e) => {
                            const v = (e.target as HTMLSelectElement).value;
                            const next = { ...mapping };
                            if (v) next[col] = v;
                            else delete next[col];
                            setMapping(next);
                          }}
                        >
                          <option value="">{t("cs.import.skipColumn")}</option>
                          {report.targets.map((tg) => (
                            <option key={tg.key} value={tg.key}>
                              {targetLabel(tg.key, tg.label)}
                            </option>
                          ))}
                        </select>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="field field-s">
                <label for={ids.dup}>{t("cs.import.duplicates")}</label>
                <select id={ids.dup} value={dups} onChange={(e) => setDups((e.target as HTMLSelectElement).value as "skip")}>
                  <option value="skip">{t("cs.import.dupSkip")}</option>
                  <option value="create">{t("cs.import.dupCreate")}</option>
                </select>
              </div>
              <div class="dlg-actions">
                <button type="button" class="btn" disabled={busy} onClick={() => file && void check(file.text, mapping)}>
                  {t("cs.import.check")}
                </button>
              </div>
            </li>
          )}
          {report && (
            <li>
              <h2>{t("cs.import.step3")}</h2>
              <p class="import-summary" role="status">
                {t("cs.import.summary", { rows: report.rows, valid: report.valid, errors: report.errors.length, dups: report.duplicates.length })}
              </p>
              {report.errors.length > 0 && (
                <table class="import-errors">
                  <caption>{t("cs.import.errors")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("cs.import.line")}</th>
                      <th scope="col">{t("cs.import.column")}</th>
                      <th scope="col">{t("cs.import.problem")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.errors.map((e, i) => (
                      <tr key={i} class="import-error">
                        <td>{e.row}</td>
                        <td>{e.column || "—"}</td>
                        <td>{t("err." + e.code) !== "err." + e.code ? t("err." + e.code) : e.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {report.duplicates.length > 0 && (
                <table class="import-dups">
                  <caption>{t("cs.import.dups." + type)}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("cs.import.line")}</th>
                      <th scope="col">{t(type === "person" ? "crm.personEmail" : "cs.col.name")}</th>
                      <th scope="col">{t("cs.import.dupOf")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.duplicates.map((d, i) => (
                      <tr key={i} class="import-dup">
                        <td>{d.row}</td>
                        <td>{d.value}</td>
                        <td>
                          {d.existing_id ? (
                            <a href={"#/crm/" + type + "/" + d.existing_id}>{t("cs.import.existing")}</a>
                          ) : (
                            t("cs.import.sameAs", { n: d.same_as_row || 0 })
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {!done && (
                <div class="dlg-actions">
                  <button type="button" class="btn btn-primary" disabled={busy || report.valid === 0} onClick={() => void run()}>
                    {t("cs.import.run", { n: report.rows - report.errors.map((e) => e.row).filter((r, i, a) => a.indexOf(r) === i).length - (dups === "skip" ? new Set(report.duplicates.map((d) => d.row)).size : 0) })}
                  </button>
                </div>
              )}
            </li>
          )}
        </ol>
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {busy && (
          <p class="muted" role="status">
            {t("loading")}
          </p>
        )}
        {done && (
          <p class="import-done" role="status">
            {t("cs.import.result", { n: done.created, skipped: done.skipped })} <a href={"#/crm/" + list}>{t("cs.import.see." + type)}</a>
          </p>
        )}
      </div>
    </section>
  );
}

export type { ListName };
