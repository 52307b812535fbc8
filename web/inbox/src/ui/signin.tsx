// The first-run create-owner page, the sign-in page with "forgot password", and the page of a
// one-time link (an invitation or a reset) that sets the password.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { lang, t } from "../i18n";
import { errText } from "../state/inbox";
import type { User } from "../types";
import { useId } from "./common";

export function Field(props: { label: string; type?: string; value: string; onInput: (v: string) => void; autocomplete: string; hint?: string; minLength?: number }) {
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

export function Page({
  title,
  intro,
  error,
  children,
  onSubmit,
  busy,
  submit,
  after,
}: {
  title: string;
  intro?: string;
  error: string;
  children: any;
  onSubmit: () => void;
  busy: boolean;
  submit: string;
  after?: any;
}) {
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
        {after}
      </form>
    </main>
  );
}

export function SignIn({ onDone }: { onDone: (u: User) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [forgot, setForgot] = useState(false);
  if (forgot) return <Forgot email={email} onBack={() => setForgot(false)} />;
  return (
    <Page
      title={t("signin.title")}
      error={error}
      busy={busy}
      submit={t("signin.submit")}
      after={
        <p class="signin-more">
          <button type="button" class="link-btn" onClick={() => setForgot(true)}>
            {t("signin.forgot")}
          </button>
        </p>
      }
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

/** Forgot asks for a reset link; the answer is the same whether or not the address has an account. */
function Forgot({ email: initial, onBack }: { email: string; onBack: () => void }) {
  const [email, setEmail] = useState(initial);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const back = (
    <p class="signin-more">
      <button type="button" class="link-btn" onClick={onBack}>
        {t("forgot.back")}
      </button>
    </p>
  );
  if (sent) {
    return (
      <main class="signin">
        <div class="card">
          <p class="brand" aria-hidden="true">
            Parley
          </p>
          <h1>{t("forgot.title")}</h1>
          <p role="status">{t("forgot.sent", { email })}</p>
          {back}
        </div>
      </main>
    );
  }
  return (
    <Page
      title={t("forgot.title")}
      intro={t("forgot.intro")}
      error={error}
      busy={busy}
      submit={t("forgot.submit")}
      after={back}
      onSubmit={async () => {
        setBusy(true);
        setError("");
        try {
          await api("POST", "password/forgot", { email, language: lang() });
          setSent(true);
        } catch (e) {
          setError(errText(e));
        }
        setBusy(false);
      }}
    >
      <Field label={t("signin.email")} type="email" value={email} onInput={setEmail} autocomplete="username" />
    </Page>
  );
}

interface LinkInfo {
  purpose: "invite" | "reset";
  email: string;
  name: string;
}

/** SetPassword is the page of a one-time link (#/password/TOKEN): it sets the password and signs in. */
export function SetPassword({ token, onDone }: { token: string; onDone: (u: User) => void }) {
  const [info, setInfo] = useState<LinkInfo | null>(null);
  const [bad, setBad] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<{ link: LinkInfo }>("POST", "password/link", { token })
      .then((r) => setInfo(r.link))
      .catch((e) => setBad(errText(e)));
  }, [token]);
  if (!info) {
    return (
      <main class="signin">
        <div class="card">
          <p class="brand" aria-hidden="true">
            Parley
          </p>
          <h1>{bad ? t("password.invalidTitle") : t("password.checking")}</h1>
          {bad && (
            <>
              <p class="err" role="alert">
                {bad}
              </p>
              <p>
                <a href="#/">{t("forgot.back")}</a>
              </p>
            </>
          )}
        </div>
      </main>
    );
  }
  const invite = info.purpose === "invite";
  return (
    <Page
      title={invite ? t("password.title.invite", { name: info.name }) : t("password.title.reset")}
      intro={invite ? t("password.intro.invite", { email: info.email }) : t("password.intro.reset", { email: info.email })}
      error={error}
      busy={busy}
      submit={t("password.submit")}
      onSubmit={async () => {
        setBusy(true);
        setError("");
        try {
          const r = await api<{ user: User }>("POST", "password/reset", { token, password });
          history.replaceState(null, "", location.pathname + "#/");
          onDone(r.user);
        } catch (e) {
          setError(errText(e));
          setBusy(false);
        }
      }}
    >
      {/* The account's email lets password managers file the new password under it. */}
      <input type="email" autocomplete="username" value={info.email} readOnly hidden />
      <Field label={t("signin.password")} type="password" value={password} onInput={setPassword} autocomplete="new-password" minLength={10} hint={t("setup.passwordHint")} />
    </Page>
  );
}
