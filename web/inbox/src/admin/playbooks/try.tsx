// "Try it": the editor's preview turns into the real widget (the widget's own app, served at
// /inbox/try) running the draft through the real engine in a sandbox conversation
// (internal/sandbox): nothing is saved, no agent sees it. The admin picks whether an agent is
// online, so both branches of a live chat card can be walked; what the run would have done —
// the CRM records its action cards create, a captured email, the waiting timer — is listed below
// the widget.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { lang, t } from "../../i18n";
import type { PlaybookInput } from "../types";
import "./try.css";

interface Action {
  kind: string;
  field?: string;
  value?: string;
  title?: string;
  seconds?: number;
}

function actionText(a: Action): string {
  switch (a.kind) {
    case "person":
      return t("try.person.created");
    case "lead":
    case "deal":
    case "activity":
      return t("try." + a.kind + ".created", { title: a.title || "" });
    case "contact":
      return t("try.contact", { field: a.field || "", value: a.value || "" });
    case "attribute":
      return t("try.attribute", { field: a.field || "", value: a.value || "" });
    case "timer":
      return t("try.timer", { n: a.seconds || 0 });
    case "qualified":
    case "disqualified":
    case "handover":
      return t("try." + a.kind);
    case "consent":
      return t("try.consent", { value: a.value || "" });
  }
  return a.kind;
}

let runs = 0;

export function TryIt({ input, blocked, children }: { input: PlaybookInput; blocked: boolean; children: ComponentChildren }) {
  const [online, setOnline] = useState(true);
  const [run, setRun] = useState(0); // 0: the preview; otherwise the run's number (a new frame each)
  const [actions, setActions] = useState<Action[]>([]);
  const frame = useRef<HTMLIFrameElement>(null);
  const started = useRef({ input, online });

  useEffect(() => {
    if (!run) return;
    const origin = location.origin;
    const onMessage = (e: MessageEvent) => {
      const f = frame.current;
      if (!f || e.source !== f.contentWindow || e.origin !== origin) return;
      const m = e.data as { parley?: string; frame?: { t?: string; action?: Action } };
      if (!m || typeof m.parley !== "string") return;
      if (m.parley === "hello") {
        const s = started.current;
        const w = f.contentWindow!;
        w.postMessage({ parley: "try", start: { t: "try", website_id: s.input.website_id, online: s.online, playbook: s.input } }, origin);
        w.postMessage({ parley: "init", open: true, focus: false, full: false, locale: (s.input.appearance && s.input.appearance.language) || lang(),
          page: { url: origin + "/try", title: t("try.title") } }, origin);
      } else if (m.parley === "try" && m.frame && m.frame.t === "try_action" && m.frame.action) {
        const a = m.frame.action;
        setActions((xs) => [...xs, a]);
      }
    };
    addEventListener("message", onMessage);
    return () => removeEventListener("message", onMessage);
  }, [run]);

  const begin = () => {
    started.current = { input, online };
    setActions([]);
    setRun(++runs);
  };

  return (
    <section class="try" aria-labelledby="try-h">
      <h2 id="try-h" class="try-h">
        {t("try.title")}
      </h2>
      <p class="adm-hint">{t("try.lead")}</p>
      <fieldset class="try-branch" disabled={!!run}>
        <legend>{t("try.branch")}</legend>
        <label>
          <input type="radio" name="try-online" checked={online} onChange={() => setOnline(true)} /> {t("try.online")}
        </label>
        <label>
          <input type="radio" name="try-online" checked={!online} onChange={() => setOnline(false)} /> {t("try.offline")}
        </label>
      </fieldset>
      <div class="adm-actions try-actions">
        {run ? (
          <>
            <button type="button" class="adm-btn" onClick={() => setRun(0)}>
              {t("try.stop")}
            </button>
            <button type="button" class="adm-btn adm-primary" onClick={begin} disabled={blocked}>
              {t("try.restart")}
            </button>
          </>
        ) : (
          <button type="button" class="adm-btn adm-primary" onClick={begin} disabled={blocked}>
            {t("try.start")}
          </button>
        )}
      </div>
      {blocked && <p class="adm-muted">{t("try.blocked")}</p>}
      {run ? (
        <>
          <iframe key={run} ref={frame} class="try-frame" src={"/inbox/try#" + encodeURIComponent(location.origin)} title={t("try.frame")} />
          <h3 class="try-would">{t("try.would")}</h3>
          {actions.length === 0 ? (
            <p class="adm-muted">{t("try.nothing")}</p>
          ) : (
            <ul class="try-list" aria-live="polite">
              {actions.map((a, i) => (
                <li key={i} data-kind={a.kind}>
                  {actionText(a)}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        children
      )}
    </section>
  );
}
