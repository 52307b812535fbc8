import { render } from "preact";
import { App, langKey } from "./app";
import { pickLang, setLang, type Lang, langs } from "./i18n";
import "./app.css";

// The language: the one chosen in the inbox (per browser), else the browser's.
let chosen: string | null = null;
try {
  chosen = localStorage.getItem(langKey);
} catch {
  /* storage off */
}
setLang(chosen && (langs as string[]).includes(chosen) ? (chosen as Lang) : pickLang(navigator.languages || [navigator.language]));

render(<App />, document.getElementById("app")!);
