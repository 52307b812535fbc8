// Reconnect timing for both apps' sockets, as docs/widget-protocol.md 1.7 says: a random wait
// between 0 and min(30 s, 0.5 s × 2^attempt), so a restarted server is not hit by every widget and
// inbox at once.

export const maxDelayMs = 30000;
export const baseDelayMs = 500;

/** backoff returns how long to wait (ms) before reconnect number attempt (0 for the first retry). */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * Math.pow(2, Math.max(0, attempt)));
  return Math.floor(random() * cap);
}

/** soon is the wait for a reconnect that should happen at once (resync, back online): 0–1 s. */
export function soon(random: () => number = Math.random): number {
  return Math.floor(random() * 1000);
}
