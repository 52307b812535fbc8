// Playing the notification sounds within the browsers' autoplay rules: a page may start audio only
// after the person has interacted with it. The player makes its Web Audio context on the first
// click or key press (or resumes a suspended one then), and until that has happened it says it is
// blocked, so the inbox can ask for a click instead of failing silently.
import type { SoundName } from "./notify";
import { dataURI, samples, wav } from "./wav";

type Ctx = AudioContext;

export class SoundPlayer {
  private ctx: Ctx | null = null;
  private buffers = new Map<SoundName, AudioBuffer>();
  private unlocked = false;
  private listeners = new Set<() => void>();

  constructor() {
    const unlock = () => {
      this.unlocked = true;
      const c = this.context();
      if (c && c.state === "suspended") void c.resume().catch(() => {});
      removeEventListener("pointerdown", unlock, true);
      removeEventListener("keydown", unlock, true);
      for (const fn of this.listeners) fn();
    };
    addEventListener("pointerdown", unlock, true);
    addEventListener("keydown", unlock, true);
  }

  /** blocked: the browser will not play a sound before the person interacts with the page. */
  get blocked(): boolean {
    if (this.unlocked) return false;
    const c = this.context();
    return !c || c.state !== "running";
  }

  /** onUnlock calls fn once sounds may play. */
  onUnlock(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private context(): Ctx | null {
    if (this.ctx) return this.ctx;
    const AC = (window as unknown as { AudioContext?: typeof AudioContext; webkitAudioContext?: typeof AudioContext }).AudioContext ||
      (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!AC) return null;
    try {
      this.ctx = new AC();
    } catch {
      return null;
    }
    return this.ctx;
  }

  /**
   * play plays a sound at a volume from 0 to 100; it returns false when the browser would not. The
   * document hears a "parley-sound" event naming what was played (browser tests listen to it).
   */
  play(name: SoundName, volume: number): boolean {
    if (volume <= 0) return true;
    const played = this.start(name, volume);
    document.dispatchEvent(new CustomEvent("parley-sound", { detail: { name, volume, played } }));
    return played;
  }

  private start(name: SoundName, volume: number): boolean {
    const c = this.context();
    if (!c) return this.playElement(name, volume);
    if (c.state !== "running") {
      if (!this.unlocked) return false;
      void c.resume().catch(() => {});
    }
    try {
      let buf = this.buffers.get(name);
      if (!buf) {
        const pcm = samples(name, c.sampleRate);
        buf = c.createBuffer(1, pcm.length, c.sampleRate);
        buf.getChannelData(0).set(pcm);
        this.buffers.set(name, buf);
      }
      const src = c.createBufferSource();
      src.buffer = buf;
      const gain = c.createGain();
      gain.gain.value = (volume / 100) * (volume / 100); // loudness is heard about squared
      src.connect(gain).connect(c.destination);
      src.start();
      return true;
    } catch {
      return false;
    }
  }

  private playElement(name: SoundName, volume: number): boolean {
    try {
      const a = new Audio(dataURI(wav(name), "audio/wav"));
      a.volume = Math.min(1, volume / 100);
      void a.play().catch(() => {});
      return true;
    } catch {
      return false;
    }
  }
}
