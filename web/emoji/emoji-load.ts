// Loading the emoji picker's chunk (dist/emoji.js and emoji.css) from an app's main bundle: these
// few lines are all the main bundles carry of the picker (web/emoji/emoji-picker.ts).

import { loadChunk } from "../chunk/load";
import type { OpenPicker } from "./emoji-picker";

/** loadPicker loads the picker's chunk (script and styles) once and resolves with its open function. */
export function loadPicker(script: string, styles: string): Promise<OpenPicker> {
  return loadChunk<OpenPicker>(script, styles, "parley-emoji");
}
