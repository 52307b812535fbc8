// Loading a lazily loaded chunk (a script and its styles, e.g. dist/emoji.js and emoji.css) from an
// app's main bundle: the few lines the main bundles carry of their chunks. A chunk hands over what
// it offers on its own script element, as a CustomEvent's detail.

const loading = new Map<string, Promise<unknown>>();

/**
 * loadChunk loads a chunk once and resolves with what it announces (event: the event's name) when
 * its styles are in too, so nothing it draws shows unstyled. A chunk that fails to load rejects,
 * and the next call tries again.
 */
export function loadChunk<T>(script: string, styles: string, event: string): Promise<T> {
  let p = loading.get(script) as Promise<T> | undefined;
  if (!p) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = styles;
    const s = document.createElement("script");
    s.src = script;
    const failed = (e: Event) => {
      loading.delete(script);
      s.remove();
      link.remove();
      throw e;
    };
    p = Promise.all([
      new Promise<T>((resolve, reject) => {
        s.addEventListener("error", reject);
        s.addEventListener(event, (e) => resolve((e as CustomEvent).detail as T));
      }),
      // A stylesheet that fails leaves the chunk unstyled rather than unusable.
      new Promise((resolve) => {
        link.onload = link.onerror = resolve;
      }),
    ]).then(([v]) => v, failed);
    loading.set(script, p);
    document.head.append(link, s);
  }
  return p;
}
