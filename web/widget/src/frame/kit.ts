// The frame's own Preact, as the forms chunk (dist/forms.js) sees it. The chunk's build (build/main.go)
// resolves "preact", "preact/hooks" and "preact/jsx-runtime" to this file, so the chunk carries no
// second Preact: the frame hands over its own when the chunk announces itself (frame/forms.tsx), and
// the chunk's components and hooks run in the frame's tree. A name the chunk imports that is not
// here fails the build.
import type { Fragment as F } from "preact";
import type { useEffect as E, useRef as R, useState as S } from "preact/hooks";
import type { jsx as J } from "preact/jsx-runtime";

export interface Kit {
  jsx: typeof J;
  Fragment: typeof F;
  useState: typeof S;
  useEffect: typeof E;
  useRef: typeof R;
}

export let jsx: typeof J;
export let jsxs: typeof J;
export let Fragment: typeof F;
export let useState: typeof S;
export let useEffect: typeof E;
export let useRef: typeof R;

/** use takes the frame's Preact, before the chunk draws anything. */
export function use(k: Kit): void {
  jsx = jsxs = k.jsx;
  Fragment = k.Fragment;
  useState = k.useState;
  useEffect = k.useEffect;
  useRef = k.useRef;
}
