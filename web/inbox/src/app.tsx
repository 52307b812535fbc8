// The app's root: first-run setup, sign-in, or the inbox, and the language.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, ApiError, onSignedOut } from "./api";
import { lang, setLang, t, type Lang } from "./i18n";
import { Inbox } from "./state/inbox";
import type { User } from "./types";
import { setTimeZone } from "./ui/common";
import { Shell } from "./ui/shell";
import { SetPassword, Setup, SignIn } from "./ui/signin";

export const langKey = "parley.lang";

type State =
  | { kind: "loading" }
  | { kind: "setup" }
  | { kind: "signin" }
  | { kind: "password"; token: string }
  | { kind: "in"; me: User }
  | { kind: "error"; message: string };

/** linkToken is the token of a one-time link's page (#/password/TOKEN), if the page is one. */
function linkToken(): string {
  const m = /^#\/password\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  return m ? m[1] : "";
}

export function App() {
  const [state, setState] = useState<State>({ kind: "loading" });
  const [language, setLanguage] = useState<Lang>(lang());

  const boot = async () => {
    // An invitation or reset link shows its page whoever is signed in here.
    const token = linkToken();
    if (token) {
      setState({ kind: "password", token });
      return;
    }
    try {
      const r = await api<{ user: User }>("GET", "me");
      setState({ kind: "in", me: r.user });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) {
        setState({ kind: "error", message: e instanceof Error ? e.message : String(e) });
        return;
      }
      try {
        const s = await api<{ needs_setup: boolean }>("GET", "setup");
        setState({ kind: s.needs_setup ? "setup" : "signin" });
      } catch (e2) {
        setState({ kind: "error", message: e2 instanceof Error ? e2.message : String(e2) });
      }
    }
  };

  useEffect(() => {
    onSignedOut(() => setState({ kind: "signin" }));
    void boot();
  }, []);

  useEffect(() => {
    document.title = state.kind === "signin" ? t("signin.title") + " · Parley" : state.kind === "setup" ? t("setup.title") + " · Parley" : "Parley";
  }, [state.kind, language]);

  const me = state.kind === "in" ? state.me : null;
  const inbox = useMemo(() => (me ? new Inbox(me) : null), [me && me.id]);
  useEffect(() => {
    if (!inbox) return;
    setTimeZone(inbox.me.time_zone);
    inbox.start();
    return () => inbox.stop();
  }, [inbox]);

  const chooseLang = (l: Lang) => {
    try {
      localStorage.setItem(langKey, l);
    } catch {
      /* for this page only */
    }
    setLang(l);
    setLanguage(l);
  };

  switch (state.kind) {
    case "loading":
      return <p class="boot muted">{t("loading")}</p>;
    case "error":
      return (
        <main class="signin">
          <div class="card">
            <h1>{t("boot.error")}</h1>
            <p class="err" role="alert">
              {state.message}
            </p>
            <button type="button" class="btn btn-primary" onClick={() => void boot()}>
              {t("retry")}
            </button>
          </div>
        </main>
      );
    case "setup":
      return <Setup onDone={(u) => setState({ kind: "in", me: u })} />;
    case "signin":
      return <SignIn onDone={(u) => setState({ kind: "in", me: u })} />;
    case "password":
      return <SetPassword token={state.token} onDone={(u) => setState({ kind: "in", me: u })} />;
    case "in":
      return (
        <Shell
          key={language}
          inbox={inbox!}
          onLang={chooseLang}
          onSignOut={async () => {
            try {
              await api("DELETE", "session");
            } catch {
              /* signed out locally anyway */
            }
            setState({ kind: "signin" });
          }}
        />
      );
  }
}
