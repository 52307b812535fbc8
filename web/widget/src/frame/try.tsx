// "Try it" in the playbook editor (the inbox's admin area): the chat frame's own app, in a frame the
// editor puts where its preview was, running the playbook being edited through the real engine in
// a sandbox conversation (internal/sandbox). Instead of a visitor's token it sends the editor's
// draft as its socket's first frame, to /api/v1/playbooks/try (signed in as the admin), and keeps
// everything in memory: nothing of a run outlives the page, on the server or in the browser.
//
// The editor (same origin) sends {parley:"try", start:{t:"try", website_id, online, playbook}} and
// then the frame's usual init; the frame tells the editor what the run would have done
// ({parley:"try", frame:{t:"try_action", action}}).

import "./frame.css";
import { render } from "preact";
import { App } from "./app";
import { Chat } from "./chat";
import { memoryOnly, save } from "./storage";

function start(): void {
  const root = document.getElementById("parley");
  if (!root || window.parent === window) return;
  memoryOnly();
  const origin = location.origin;
  const key = "try";
  let draft: object | null = null;
  let lazy: Record<string, string> = {};
  try {
    lazy = JSON.parse(root.getAttribute("data-lazy") || "{}");
  } catch {
    // no forms chunk and no emoji picker then
  }
  save("parley:" + key + ":token", "try"); // the chat connects once it has a "visitor"; the run is one
  addEventListener("message", (e: MessageEvent) => {
    const m = e.data as { parley?: string; start?: object };
    if (e.source === window.parent && e.origin === origin && m && m.parley === "try" && m.start) draft = m.start;
  });
  const chat = new Chat({ key, name: root.getAttribute("data-name") || "", domains: [], lazy }, origin, {
    ws: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/playbooks/try",
    first: () => draft!,
    other: (f) => f.t === "try_action" && window.parent.postMessage({ parley: "try", frame: f }, origin),
  });
  render(<App chat={chat} />, root);
}

start();
