// Small building blocks of the admin screens: labelled fields, error and success lines, dialogs,
// copy buttons and the state of a form's submission. Styles live in admin.css (classes only: the
// inbox's CSP forbids style attributes).
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { lang, t } from "../i18n";

/** errorText is what a failed request shows: in the user's language when the code is known, else the server's message, or a generic line. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const k = "err." + e.code;
    const s = t(k);
    return s !== k ? s : e.message || t("admin.error.generic");
  }
  return t("admin.error.generic");
}

/** A form's submission: busy while it runs, then an error or a success line. */
export interface Submit {
  busy: boolean;
  error: string;
  ok: string;
  run: (fn: () => Promise<unknown>, okText?: string) => Promise<boolean>;
  clear: () => void;
  setError: (s: string) => void;
}

export function useSubmit(): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [ok, setOk] = useState("");
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  return {
    busy,
    error,
    ok,
    clear: () => {
      setError("");
      setOk("");
    },
    setError,
    run: async (fn, okText) => {
      setBusy(true);
      setError("");
      setOk("");
      try {
        await fn();
        if (alive.current && okText) setOk(okText);
        return true;
      } catch (e) {
        if (alive.current) setError(errorText(e));
        return false;
      } finally {
        if (alive.current) setBusy(false);
      }
    },
  };
}

/** useLoad fetches once (and again when reload is called or deps change). */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: string; reload: () => void; set: (v: T) => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState("");
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setError("");
    fn().then(
      (v) => live && setData(v),
      (e) => live && setError(errorText(e)),
    );
    return () => void (live = false);
  }, [n, ...deps]);
  return { data, error, reload: () => setN((x) => x + 1), set: setData };
}

/** Status shows a form's outcome: the error (announced assertively) or the success line. */
export function Status({ s }: { s: Pick<Submit, "error" | "ok"> }) {
  return (
    <>
      {s.error && (
        <p class="adm-err" role="alert">
          {s.error}
        </p>
      )}
      {s.ok && (
        <p class="adm-ok" role="status">
          {s.ok}
        </p>
      )}
    </>
  );
}

export function Loading({ error }: { error?: string }) {
  if (error)
    return (
      <p class="adm-err" role="alert">
        {error}
      </p>
    );
  return (
    <p class="adm-muted" role="status">
      {t("admin.loading")}
    </p>
  );
}

/** Field is a labelled control: the label, the control (given the id), a hint and an error line. */
export function Field(props: { label: string; hint?: string; error?: string; class?: string; children: (id: string, describedBy: string | undefined) => ComponentChildren }) {
  const id = useId();
  const hintId = props.hint ? id + "-hint" : "";
  const errId = props.error ? id + "-err" : "";
  const described = [hintId, errId].filter(Boolean).join(" ") || undefined;
  return (
    <div class={"adm-field " + (props.class || "")}>
      <label for={id}>{props.label}</label>
      {props.children(id, described)}
      {props.hint && (
        <p class="adm-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="adm-err" id={errId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

interface InputProps {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  error?: string;
  type?: "text" | "email" | "password" | "url" | "number" | "search";
  name?: string;
  placeholder?: string;
  required?: boolean;
  autocomplete?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  step?: string;
  list?: string;
  spellcheck?: boolean;
  readOnly?: boolean;
}

export function TextField(p: InputProps) {
  return (
    <Field label={p.label} hint={p.hint} error={p.error}>
      {(id, desc) => (
        <input
          id={id}
          aria-describedby={desc}
          aria-invalid={p.error ? "true" : undefined}
          // The typings tie attributes to each input type; these are all text-like inputs.
          type={(p.type || "text") as "text"}
          name={p.name}
          placeholder={p.placeholder}
          required={p.required}
          autocomplete={p.autocomplete}
          maxLength={p.maxLength}
          min={p.min}
          max={p.max}
          step={p.step}
          list={p.list}
          spellcheck={p.spellcheck}
          readOnly={p.readOnly}
          value={p.value}
          onInput={(e) => p.onValue((e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function SelectField<V extends string>(props: { label: string; value: V; options: { value: V; label: string }[]; onValue: (v: V) => void; hint?: string; disabled?: boolean; name?: string }) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id, desc) => (
        <select id={id} name={props.name} aria-describedby={desc} disabled={props.disabled} value={props.value} onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value as V)}>
          {props.options.map((o) => (
            <option value={o.value} key={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Dialog is a modal <dialog>: focus stays inside, Escape closes it, focus returns where it was. */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; class?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current!;
    const back = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    const first = d.querySelector<HTMLElement>("[autofocus], input, select, textarea, button:not(.adm-x)");
    if (first) first.focus();
    return () => {
      if (d.open) d.close();
      if (back && back.isConnected) back.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={"adm-dialog" + (props.wide ? " adm-wide" : "") + (props.class ? " " + props.class : "")}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <div class="adm-dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="adm-x" aria-label={t("admin.close")} title={t("admin.close")} onClick={props.onClose}>
          <Icon name="x" />
        </button>
      </div>
      <div class="adm-dialog-body">{props.children}</div>
    </dialog>
  );
}

/** Confirm asks before something that cannot be undone. */
export function Confirm(props: { title: string; text: string; action: string; danger?: boolean; onConfirm: () => Promise<unknown> | void; onClose: () => void }) {
  const s = useSubmit();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.text}</p>
      <Status s={s} />
      <div class="adm-actions">
        <button type="button" class="adm-btn" onClick={props.onClose}>
          {t("admin.cancel")}
        </button>
        <button
          type="button"
          class={"adm-btn " + (props.danger ? "adm-danger" : "adm-primary")}
          disabled={s.busy}
          onClick={async () => {
            if (await s.run(async () => props.onConfirm())) props.onClose();
          }}
        >
          {props.action}
        </button>
      </div>
    </Dialog>
  );
}

/** copyText puts text on the clipboard; where the Clipboard API is refused it copies a selection. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.className = "adm-offscreen";
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** CopyBox shows a value in a read-only code block with a Copy button and says when it is copied. */
export function CopyBox(props: { text: string; label: string; id?: string; class?: string }) {
  const [state, setState] = useState<"" | "ok" | "fail">("");
  const labelId = useId();
  return (
    <div class={"adm-copy " + (props.class || "")}>
      <span class="adm-visually-hidden" id={labelId}>
        {props.label}
      </span>
      <pre id={props.id} class="adm-code" tabIndex={0} aria-labelledby={labelId}>
        <code>{props.text}</code>
      </pre>
      <div class="adm-copy-row">
        <button
          type="button"
          class="adm-btn"
          onClick={async () => {
            setState((await copyText(props.text)) ? "ok" : "fail");
          }}
        >
          <Icon name="copy" /> {t("admin.copy")}
        </button>
        <span role="status" class={state === "fail" ? "adm-err-inline" : "adm-ok-inline"}>
          {state === "ok" ? t("admin.copied") : state === "fail" ? t("admin.copyFailed") : ""}
        </span>
      </div>
    </div>
  );
}

/** fmtTime formats unix milliseconds in the viewer's language and time zone. */
export function fmtTime(ms: number | null | undefined, tz?: string): string {
  if (!ms) return "—";
  try {
    // dateStyle and timeStyle are ES2020 options the es2018 typings do not know.
    const opts = { dateStyle: "medium", timeStyle: "short", timeZone: tz || undefined } as Intl.DateTimeFormatOptions;
    return new Intl.DateTimeFormat(lang(), opts).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleString();
  }
}

const paths: Record<string, string> = {
  pencil: "M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4",
  bin: "M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13M10 11v6M14 11v6",
  up: "M12 19V5M6 11l6-6 6 6",
  down: "M12 5v14M6 13l6 6 6-6",
  plus: "M12 5v14M5 12h14",
  x: "M6 6l12 12M18 6L6 18",
  copy: "M9 9h10v10H9zM5 15V5h10",
  back: "M15 6l-6 6 6 6",
  chat: "M4 5h16v11H9l-5 4z",
  help: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17.5v.01",
  wave: "M7 11V6.5a1.5 1.5 0 0 1 3 0V11m0-1V4.5a1.5 1.5 0 0 1 3 0V10m0 0V5.5a1.5 1.5 0 0 1 3 0V13c0 4-2.5 7-6 7-2.5 0-4-1.5-5.5-4L5 13.5a1.5 1.5 0 0 1 2.5-1.5L9 14",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  upload: "M12 20V9M7 14l5-5 5 5M5 4h14",
  check: "M5 12l5 5 9-10",
  link: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
  warn: "M12 4l9 16H3zM12 10v4M12 17v.01",
};

/** Icon draws a small line icon; it is decoration, so it is hidden from assistive technology. */
export function Icon({ name }: { name: string }) {
  return (
    <svg class="adm-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={paths[name] || ""} />
    </svg>
  );
}

/** IconButton is a button showing only an icon; label names it for everyone (aria-label and tooltip). */
export function IconButton(props: { icon: string; label: string; onClick: () => void; disabled?: boolean; danger?: boolean; class?: string }) {
  return (
    <button
      type="button"
      class={"adm-ibtn" + (props.danger ? " adm-ibtn-danger" : "") + (props.class ? " " + props.class : "")}
      aria-label={props.label}
      title={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <Icon name={props.icon} />
    </button>
  );
}

/** timeZones lists the IANA zones the browser knows, for a datalist. */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    if (intl.supportedValuesOf) return ["UTC", ...intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
  } catch {
    /* older browsers: free text only */
  }
  return ["UTC"];
}

/** TimeZoneField is a text field with the known zones to pick from. */
export function TimeZoneField(props: { label: string; value: string; onValue: (v: string) => void; hint?: string }) {
  const listId = useId();
  const [zones] = useState(timeZones);
  return (
    <>
      <TextField label={props.label} hint={props.hint} value={props.value} onValue={props.onValue} list={listId} autocomplete="off" spellcheck={false} />
      <datalist id={listId}>
        {zones.map((z) => (
          <option value={z} key={z} />
        ))}
      </datalist>
    </>
  );
}

/** browserTimeZone is the viewer's zone, as a sensible default for new users and websites. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
