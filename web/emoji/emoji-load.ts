// Loading the emoji picker's chunk (dist/emoji.js and emoji.css) from an app's main bundle: these
// few lines are all the main bundles carry of the picker (web/emoji/emoji-picker.ts).

import type { OpenPicker } from "./emoji-picker";

/**
 * loadPicker loads the picker's chunk (script and styles) once and resolves with its open function.
 * It lives in the apps' main bundles: a few lines, and nothing of the picker itself.
 */
let loading: Promise<OpenPicker> | null = null;
export function loadPicker(script: string, styles: string): Promise<OpenPicker> {
  if (!loading) {
    loading = new Promise<OpenPicker>((resolve) => {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = styles;
      const s = document.createElement("script");
      s.src = script;
      s.addEventListener("parley-emoji", (e) => resolve((e as CustomEvent).detail as OpenPicker));
      // A chunk that does not load leaves the button doing nothing until the page is reloaded.
      document.head.append(link, s);
    });
  }
  return loading;
}
