// Client message ids (docs/widget-protocol.md 1.6): unique per conversation, so a retried send
// is stored once. "a-" + random base36 + "-" + a counter.
let counter = 0;
const prefix = "a-" + Math.random().toString(36).slice(2, 10);

export function clientID(): string {
  counter++;
  return prefix + "-" + counter.toString(36);
}
