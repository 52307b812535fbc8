// The notification sound: a short two-note chime made here as a WAV file, so the inbox ships no
// audio asset (the page's CSP allows media from data: URLs).

/** chime returns a mono 16-bit PCM WAV: two soft notes, 0.32 s in all. */
export function chime(rate = 16000): Uint8Array {
  const notes = [
    { f: 880, from: 0, len: 0.16 },
    { f: 1318.5, from: 0.12, len: 0.2 },
  ];
  const n = Math.round(rate * 0.32);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (const note of notes) {
      const u = t - note.from;
      if (u < 0 || u > note.len) continue;
      const attack = Math.min(1, u / 0.008);
      const decay = Math.exp((-5 * u) / note.len);
      v += Math.sin(2 * Math.PI * note.f * u) * attack * decay * 0.3;
    }
    samples[i] = Math.max(-32767, Math.min(32767, Math.round(v * 32767)));
  }
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
  for (let i = 0; i < n; i++) d.setInt16(44 + i * 2, samples[i], true);
  return out;
}

/** dataURI encodes bytes as a data: URL. */
export function dataURI(bytes: Uint8Array, type: string): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 0x8000)));
  return "data:" + type + ";base64," + btoa(bin);
}
