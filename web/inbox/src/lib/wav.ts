// The notification sounds, made here rather than shipped as audio files: each is a few decaying
// sine notes. The inbox plays them through Web Audio (sound.ts); wav() makes the same as a WAV file
// for browsers without it (the page's CSP allows media from data: URLs).
import type { SoundName } from "./notify";

interface Note {
  f: number; // Hz
  from: number; // s
  len: number; // s
  gain: number;
  /** partials: overtones as multiples of f with their gains (a bell rings with inharmonic ones) */
  partials?: [number, number][];
  decay?: number;
}

const sounds: Record<SoundName, { len: number; notes: Note[] }> = {
  // Two soft rising notes: one more message.
  chime: {
    len: 0.32,
    notes: [
      { f: 880, from: 0, len: 0.16, gain: 0.3 },
      { f: 1318.5, from: 0.12, len: 0.2, gain: 0.3 },
    ],
  },
  // A struck bell with its overtones: someone needs you.
  bell: {
    len: 0.9,
    notes: [
      { f: 659.3, from: 0, len: 0.9, gain: 0.28, decay: 4, partials: [[2.0, 0.35], [2.76, 0.2], [5.4, 0.08]] },
      { f: 987.8, from: 0.18, len: 0.7, gain: 0.18, decay: 5, partials: [[2.0, 0.3], [2.76, 0.15]] },
    ],
  },
  // Two short low knocks.
  knock: {
    len: 0.34,
    notes: [
      { f: 196, from: 0, len: 0.09, gain: 0.55, decay: 9, partials: [[2.3, 0.4], [3.9, 0.2]] },
      { f: 196, from: 0.16, len: 0.09, gain: 0.55, decay: 9, partials: [[2.3, 0.4], [3.9, 0.2]] },
    ],
  },
};

/** samples renders a sound as mono samples in [-1, 1]. */
export function samples(name: SoundName, rate: number): Float32Array {
  const s = sounds[name] || sounds.chime;
  const n = Math.round(rate * s.len);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (const note of s.notes) {
      const u = t - note.from;
      if (u < 0 || u > note.len) continue;
      const attack = Math.min(1, u / 0.008);
      const decay = Math.exp((-(note.decay || 5) * u) / note.len);
      let w = Math.sin(2 * Math.PI * note.f * u);
      for (const [k, g] of note.partials || []) w += g * Math.sin(2 * Math.PI * note.f * k * u);
      v += w * attack * decay * note.gain;
    }
    out[i] = Math.max(-1, Math.min(1, v));
  }
  return out;
}

/** wav returns a sound as a mono 16-bit PCM WAV file. */
export function wav(name: SoundName, rate = 16000): Uint8Array {
  const pcm = samples(name, rate);
  const n = pcm.length;
  const out = new Uint8Array(44 + n * 2);
  const d = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  d.setUint32(4, 36 + n * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  d.setUint32(16, 16, true); // fmt chunk size
  d.setUint16(20, 1, true); // PCM
  d.setUint16(22, 1, true); // mono
  d.setUint32(24, rate, true);
  d.setUint32(28, rate * 2, true); // bytes per second
  d.setUint16(32, 2, true); // block align
  d.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  d.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) d.setInt16(44 + i * 2, Math.round(pcm[i] * 32767), true);
  return out;
}

/** chime is the default sound as a WAV file. */
export function chime(rate = 16000): Uint8Array {
  return wav("chime", rate);
}

/** dataURI encodes bytes as a data: URL. */
export function dataURI(bytes: Uint8Array, type: string): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  return "data:" + type + ";base64," + btoa(bin);
}
