// The frame's storage (Parley's origin; browsers partition it per embedding site). Falls back to
// memory when the browser blocks storage, so the chat still works for this page view.

const memory = new Map<string, string>();
let only = false;

/** memoryOnly keeps everything in memory ("Try it": nothing of a sandbox run outlives its page). */
export function memoryOnly(): void {
  only = true;
}

function ls(): Storage | null {
  if (only) return null;
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function load(key: string): string | null {
  try {
    const s = ls();
    if (s) return s.getItem(key);
  } catch {
    // blocked
  }
  return memory.has(key) ? memory.get(key)! : null;
}

export function save(key: string, value: string | null): void {
  if (value === null) memory.delete(key);
  else memory.set(key, value);
  try {
    const s = ls();
    if (s) value === null ? s.removeItem(key) : s.setItem(key, value);
  } catch {
    // full or blocked: memory keeps it for now
  }
}
