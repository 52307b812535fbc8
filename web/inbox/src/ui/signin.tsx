// The first-run create-owner page and the sign-in page.
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { User } from "../types";
import { useId } from "./common";

function Field(props: { label: string; type?: string; value: string; onInput: (v: string) => void; autocomplete: string; hint?: string; minLength?: number }) {
  const id = useId("f");
  const hint = useId("h");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type={(props.type || "text") as "text"}
        value={props.value}
        required
        minLength={props.minLength}
        autocomplete={props.autocomplete}
        aria-describedby={props.hint ? hint : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.hint && (
        <p class="hint" id={hint}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

function Page({ title, intro, error, children, onSubmit, busy, submit }: { title: string; intro?: string; error: string; children: any; onSubmit: () => void; busy: boolean; submit: string }) {
  return (
    <main class="signin">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <p class="brand" aria-hidden="true">
          Parley
        </p>
        <h1>{title}</h1>
        {intro && <p class="hint">{intro}</p>}
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {children}
        <button type="submit" class="btn btn-primary btn-wide" disabled={busy}>
          {submit}
        </button>
      </form>
    </main>
  );
}

export function SignIn({ onDone }: { onDone: (u: User) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Page
      title={t("signin.title")}
      error={error}
      busy={busy}
      submit={t("signin.submit")}
      onSubmit={async () => {
        setBusy(true);
        setError("");
        try {
          const r = await api<{ user: User }>("POST", "session", { email, password });
          onDone(r.user);
        } catch (e) {
          setError(errText(e));
          setBusy(false);
        }
      }}
    >
      <Field label={t("signin.email")} type="email" value={email} onInput={setEmail} autocomplete="username" />
      <Field label={t("signin.password")} type="password" value={password} onInput={setPassword} autocomplete="current-password" />
    </Page>
  );
}

export function Setup({ onDone }: { onDone: (u: User) => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <Page
      title={t("setup.title")}
      intro={t("setup.intro")}
      error={error}
      busy={busy}
      submit={t("setup.submit")}
      onSubmit={async () => {
        setBusy(true);
        setError("");
        try {
          let zone = "";
          try {
            zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
          } catch {
            /* the server's default */
          }
          const r = await api<{ user: User }>("POST", "setup", { name, email, password, time_zone: zone });
          onDone(r.user);
        } catch (e) {
          setError(errText(e));
          setBusy(false);
        }
      }}
    >
      <Field label={t("setup.name")} value={name} onInput={setName} autocomplete="name" />
      <Field label={t("signin.email")} type="email" value={email} onInput={setEmail} autocomplete="email" />
      <Field label={t("signin.password")} type="password" value={password} onInput={setPassword} autocomplete="new-password" minLength={10} hint={t("setup.passwordHint")} />
    </Page>
  );
}
