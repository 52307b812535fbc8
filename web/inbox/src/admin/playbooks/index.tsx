// Playbooks: the list per website (with the active switch and the "offline only" badge), the new
// playbook's two steps (the bot's look, then a template), the editor, and "Configure live chat".
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import { lang, t } from "../../i18n";
import type { Me, Playbook, Template, Website } from "../types";
import { Dialog, Icon, Loading, SelectField, Status, TextField, useLoad, useSubmit } from "../ui";
import * as pbapi from "./api";
import { AppearanceForm, defaultAppearance } from "./appearance";
import { Editor, ImportDialog } from "./editor";
import { Preview } from "./preview";

export function PlaybooksArea({ path, me, navigate }: { path: string[]; me: Me; navigate: (hash: string) => void }) {
  if (path[0] === "new") {
    return <NewPlaybook websiteId={Number(path[1]) || 0} template={path[2] || ""} navigate={navigate} />;
  }
  if (path[0] && /^\d+$/.test(path[0])) {
    return <Editor id={Number(path[0])} me={me} navigate={navigate} />;
  }
  return <PlaybookList navigate={navigate} />;
}

function PlaybookList({ navigate }: { navigate: (hash: string) => void }) {
  const sites = useLoad(() => api<{ websites: Website[] }>("GET", "websites").then((r) => r.websites));
  const books = useLoad(() => pbapi.listPlaybooks());
  const [configure, setConfigure] = useState<Website | null>(null);
  const [importTo, setImportTo] = useState<Website | null>(null);
  const replace = (p: Playbook) => books.set((books.data || []).map((x) => (x.id === p.id ? p : x)));
  pbapi.useInstalled((books.data || []).filter((p) => p.offline_only).map((p) => p.id), replace);
  if (!sites.data || !books.data) return <Loading error={sites.error || books.error} />;
  return (
    <div class="adm-screen">
      <div class="adm-head">
        <h1>{t("admin.pb.title")}</h1>
        <a class="adm-btn adm-primary" href="#/admin/playbooks/new">
          {t("admin.pb.new")}
        </a>
      </div>
      <p class="adm-lead">{t("admin.pb.lead")}</p>
      {sites.data.length === 0 && (
        <p>
          {t("admin.pb.noWebsites")} <a href="#/admin/websites">{t("admin.nav.websites")}</a>
        </p>
      )}
      {sites.data.map((w) => {
        const mine = books.data!.filter((p) => p.website_id === w.id);
        return (
          <section class="adm-panel pb-site" key={w.id} aria-labelledby={"pb-site-" + w.id}>
            <div class="adm-head">
              <h2 id={"pb-site-" + w.id}>{w.name}</h2>
              <div class="adm-actions adm-actions-inline">
                <button type="button" class="adm-btn adm-primary" onClick={() => setConfigure(w)}>
                  {t("admin.livechat.configure")}
                </button>
                <a class="adm-btn" href={`#/admin/playbooks/new/${w.id}`}>
                  {t("admin.pb.new")}
                  <span class="adm-visually-hidden"> ({w.name})</span>
                </a>
                <button type="button" class="adm-btn" onClick={() => setImportTo(w)}>
                  <Icon name="upload" /> {t("admin.pb.import")}
                  <span class="adm-visually-hidden"> ({w.name})</span>
                </button>
              </div>
            </div>
            {mine.length === 0 ? (
              <p class="adm-muted">{t("admin.pb.noneForSite")}</p>
            ) : (
              <ul class="adm-list pb-list">
                {mine.map((p) => (
                  <PlaybookRow key={p.id} p={p} onChange={replace} />
                ))}
              </ul>
            )}
          </section>
        );
      })}
      {configure && <ConfigureLiveChat website={configure} websites={sites.data} navigate={navigate} onClose={() => setConfigure(null)} />}
      {importTo && (
        <ImportDialog
          target={{ websiteId: importTo.id }}
          text={t("admin.pb.importNewText", { site: importTo.name })}
          onClose={() => setImportTo(null)}
          onDone={(p) => {
            setImportTo(null);
            navigate(`#/admin/playbooks/${p.id}`);
          }}
        />
      )}
    </div>
  );
}

function PlaybookRow({ p, onChange }: { p: Playbook; onChange: (p: Playbook) => void }) {
  const s = useSubmit();
  const labelId = "pb-row-" + p.id;
  return (
    <li class="adm-row pb-row" data-playbook-id={p.id}>
      <div class="adm-row-main">
        <p class="adm-name">
          <a href={`#/admin/playbooks/${p.id}`} id={labelId}>
            {p.name}
          </a>
          {p.offline_only && <span class="adm-badge adm-badge-warn">{t("admin.pb.offlineOnly")}</span>}
        </p>
        <p class="adm-muted">
          {t("admin.pb.version", { n: p.version })} · {(p.targeting || []).length ? t("admin.pb.nRules", { n: (p.targeting || []).length }) : t("admin.pb.everyPage")} · {t("admin.pb.priorityN", { n: p.priority })}
        </p>
        {p.offline_only && <p class="adm-hint pb-offline-why">{t("admin.pb.offlineOnlyShort")}</p>}
      </div>
      <div class="adm-row-side">
        <button
          type="button"
          role="switch"
          class="adm-switch"
          aria-checked={p.active}
          aria-label={t("admin.pb.activeFor", { name: p.name })}
          disabled={s.busy}
          onClick={() => s.run(async () => onChange(await pbapi.setActive(p.id, !p.active)))}
        >
          <span class="adm-switch-knob" aria-hidden="true" />
          <span class="adm-switch-text">{p.active ? t("admin.pb.active") : t("admin.pb.inactive")}</span>
        </button>
      </div>
      <div class="adm-row-status">
        <Status s={s} />
      </div>
    </li>
  );
}

/**
 * NewPlaybook is the two steps of a new playbook: first the bot's look (colours, icon, language,
 * name, avatar, side), then the conversation template it starts with.
 */
function NewPlaybook({ websiteId, template, navigate }: { websiteId: number; template: string; navigate: (hash: string) => void }) {
  const sites = useLoad(() => api<{ websites: Website[] }>("GET", "websites").then((r) => r.websites));
  const [site, setSite] = useState(websiteId);
  const [step, setStep] = useState<1 | 2>(1);
  const [appearance, setAppearance] = useState(() => defaultAppearance(lang()));
  const [name, setName] = useState("");
  const [picked, setPicked] = useState(template || "live_chat");
  const tpls = useLoad(() => pbapi.templates(appearance.language || "en"), [appearance.language]);
  const s = useSubmit();
  useEffect(() => {
    if (!site && sites.data && sites.data.length) setSite(sites.data[0].id);
  }, [sites.data]);
  if (!sites.data) return <Loading error={sites.error} />;
  if (sites.data.length === 0)
    return (
      <div class="adm-screen">
        <h1>{t("admin.pb.new")}</h1>
        <p>
          {t("admin.pb.noWebsites")} <a href="#/admin/websites">{t("admin.nav.websites")}</a>
        </p>
      </div>
    );
  const chosen = (tpls.data || []).find((x) => x.name === picked);
  return (
    <div class="adm-screen pb-new">
      <p class="adm-back">
        <a href="#/admin/playbooks">
          <Icon name="back" /> {t("admin.pb.all")}
        </a>
      </p>
      <h1>{t("admin.pb.new")}</h1>
      <ol class="pb-steps" aria-label={t("admin.pb.steps")}>
        <li aria-current={step === 1 ? "step" : undefined}>{t("admin.pb.step1")}</li>
        <li aria-current={step === 2 ? "step" : undefined}>{t("admin.pb.step2")}</li>
      </ol>
      <div class="pb-layout">
        <form
          class="pb-work"
          onSubmit={async (e) => {
            e.preventDefault();
            if (step === 1) {
              setStep(2);
              requestAnimationFrame(() => document.getElementById("pb-step2-h")?.focus());
              return;
            }
            await s.run(async () => {
              const p = await pbapi.createPlaybook({ website_id: site, name: name.trim() || (chosen ? chosen.title : ""), priority: 0, delay_seconds: 0, targeting: [], appearance, template: picked });
              navigate(`#/admin/playbooks/${p.id}`);
            });
          }}
        >
          {step === 1 ? (
            <section class="adm-panel" aria-labelledby="pb-step1-h">
              <h2 id="pb-step1-h">{t("admin.pb.step1")}</h2>
              <p class="adm-hint">{t("admin.pb.step1Hint")}</p>
              {sites.data.length > 1 && (
                <SelectField label={t("admin.pb.website")} value={String(site)} options={sites.data.map((w) => ({ value: String(w.id), label: w.name }))} onValue={(v) => setSite(Number(v))} />
              )}
              <AppearanceForm value={appearance} onChange={setAppearance} />
              <div class="adm-actions">
                <a class="adm-btn" href="#/admin/playbooks">
                  {t("admin.cancel")}
                </a>
                <button type="submit" class="adm-btn adm-primary pb-next">
                  {t("admin.pb.next")}
                </button>
              </div>
            </section>
          ) : (
            <section class="adm-panel" aria-labelledby="pb-step2-h">
              <h2 id="pb-step2-h" tabIndex={-1}>
                {t("admin.pb.step2")}
              </h2>
              {!tpls.data ? (
                <Loading error={tpls.error} />
              ) : (
                <fieldset class="adm-radios pb-templates">
                  <legend>{t("admin.pb.template")}</legend>
                  {tpls.data.map((x: Template) => (
                    <label key={x.name} class={"pb-template" + (picked === x.name ? " adm-picked" : "")} data-template={x.name}>
                      <input type="radio" name="template" value={x.name} checked={picked === x.name} onChange={() => setPicked(x.name)} />
                      <span>
                        <strong>{x.title}</strong>
                        {x.offline_only && <span class="adm-badge adm-badge-warn">{t("admin.pb.offlineOnly")}</span>}
                        <span class="adm-hint">{x.description}</span>
                      </span>
                    </label>
                  ))}
                </fieldset>
              )}
              <TextField label={t("admin.pb.name")} value={name} onValue={setName} placeholder={chosen ? chosen.title : ""} hint={t("admin.pb.nameHint")} maxLength={100} autocomplete="off" />
              <Status s={s} />
              <div class="adm-actions">
                <button type="button" class="adm-btn" onClick={() => setStep(1)}>
                  {t("admin.pb.backStep")}
                </button>
                <button type="submit" class="adm-btn adm-primary pb-create" disabled={s.busy || !chosen}>
                  {t("admin.pb.create")}
                </button>
              </div>
            </section>
          )}
        </form>
        <aside class="pb-side" aria-label={t("admin.pb.preview")}>
          <Preview appearance={appearance} flow={step === 2 && chosen ? chosen.flow : { path: [] }} />
        </aside>
      </div>
    </div>
  );
}

/**
 * ConfigureLiveChat is the inbox's "Configure live chat" entry: make a playbook from the "Chat
 * with your leads" template, or open one of the website's playbooks to add or change its live
 * chat card.
 */
export function ConfigureLiveChat({ website, websites, navigate, onClose }: { website: Website; websites: Website[]; navigate: (hash: string) => void; onClose: () => void }) {
  const [site, setSite] = useState(website.id);
  const books = useLoad(() => pbapi.listPlaybooks(site), [site]);
  const [pick, setPick] = useState(0);
  useEffect(() => setPick(books.data && books.data.length ? books.data[0].id : 0), [books.data]);
  return (
    <Dialog title={t("admin.livechat.configure")} onClose={onClose} class="pb-configure">
      <p>{t("admin.livechat.lead")}</p>
      {websites.length > 1 && (
        <SelectField label={t("admin.pb.website")} value={String(site)} options={websites.map((w) => ({ value: String(w.id), label: w.name }))} onValue={(v) => setSite(Number(v))} />
      )}
      <section class="adm-panel" aria-labelledby="lc-new-h">
        <h3 id="lc-new-h">{t("admin.livechat.fromTemplate")}</h3>
        <p class="adm-hint">{t("admin.livechat.fromTemplateHint")}</p>
        <button
          type="button"
          class="adm-btn adm-primary lc-template"
          onClick={() => {
            onClose();
            navigate(`#/admin/playbooks/new/${site}/live_chat`);
          }}
        >
          {t("admin.livechat.create")}
        </button>
      </section>
      <section class="adm-panel" aria-labelledby="lc-pick-h">
        <h3 id="lc-pick-h">{t("admin.livechat.existing")}</h3>
        {!books.data ? (
          <Loading error={books.error} />
        ) : books.data.length === 0 ? (
          <p class="adm-muted">{t("admin.pb.noneForSite")}</p>
        ) : (
          <>
            <p class="adm-hint">{t("admin.livechat.existingHint")}</p>
            <fieldset class="adm-radios">
              <legend class="adm-visually-hidden">{t("admin.livechat.existing")}</legend>
              {books.data.map((p) => (
                <label key={p.id}>
                  <input type="radio" name="lc-pick" checked={pick === p.id} onChange={() => setPick(p.id)} /> {p.name}{" "}
                  <span class="adm-muted">
                    ({p.active ? t("admin.pb.active") : t("admin.pb.inactive")}, {t("admin.pb.version", { n: p.version })})
                  </span>
                </label>
              ))}
            </fieldset>
            <button
              type="button"
              class="adm-btn"
              disabled={!pick}
              onClick={() => {
                onClose();
                navigate(`#/admin/playbooks/${pick}`);
              }}
            >
              {t("admin.livechat.open")}
            </button>
          </>
        )}
      </section>
    </Dialog>
  );
}

