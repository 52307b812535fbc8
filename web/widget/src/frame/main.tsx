// The chat frame's entry: served by Parley at /widget/v1/{key}/frame, inside the host page's
// iframe. It talks only to the parent origin the loader named in the URL fragment, and only when
// that origin is on the website's allowed domains (the server's frame-ancestors says the same).

import "./frame.css";
import { render } from "preact";
import { App } from "./app";
import { Chat, type Config } from "./chat";
import { allowsOrigin } from "../lib/domains";

function start(): void {
  const root = document.getElementById("parley");
  if (!root || window.parent === window) return;
  let domains: string[] = [];
  try {
    domains = JSON.parse(root.getAttribute("data-domains") || "[]");
  } catch {
    return;
  }
  const cfg: Config = { key: root.getAttribute("data-key") || "", name: root.getAttribute("data-name") || "", domains };
  try {
    cfg.lazy = JSON.parse(root.getAttribute("data-lazy") || "{}");
  } catch {
    // no forms chunk and no emoji picker then
  }
  let parentOrigin = "";
  try {
    parentOrigin = decodeURIComponent(location.hash.slice(1));
  } catch {
    return;
  }
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== parentOrigin) return;
  if (!cfg.key || !allowsOrigin(domains, parentOrigin)) return;
  render(<App chat={new Chat(cfg, parentOrigin)} />, root);
}

start();
