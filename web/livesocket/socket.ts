// The WebSocket both apps keep open (docs/widget-protocol.md 1.2, 1.7, 3): an optional first frame
// (the visitor's auth), keepalive pings, and reconnecting with jittered back-off; "up" once the
// server's greeting frame arrives (`ready` for a visitor, `hello` for an agent). What the frames
// mean is each app's business.

import { backoff, soon } from "./backoff";

export interface LiveFrame {
  t?: unknown;
}

export interface LiveSocketEvents<F extends LiveFrame> {
  frame(f: F): void;
  /** up: the greeting arrived; down: the socket is gone and a retry is planned */
  state(up: boolean): void;
  /** The socket closed before the greeting (refused, or the server is away). Resolve true to retry later. */
  refused(): Promise<boolean>;
}

export interface LiveSocketOptions {
  url: string;
  /** the frame type that says the server has taken the socket: "ready" or "hello" */
  greeting: string;
  /** first returns the frame to send on open (a visitor's auth), or null not to connect now; absent: none */
  first?: () => object | null;
}

/** parseFrames reads one WebSocket message: one frame or an array of frames (1.2); junk is none. */
export function parseFrames<F extends LiveFrame>(data: string): F[] {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return [];
  }
  const list = Array.isArray(v) ? v : [v];
  return list.filter((f): f is F => !!f && typeof f === "object" && typeof (f as LiveFrame).t === "string");
}

const quietMs = 25000;
const pongMs = 10000;
const stableMs = 30000;

export class LiveSocket<F extends LiveFrame> {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retry = 0;
  private quiet = 0;
  private pong = 0;
  private stable = 0;
  private up = false;
  private running = false;
  private resync = false;

  constructor(
    private o: LiveSocketOptions,
    private on: LiveSocketEvents<F>,
  ) {
    addEventListener("online", () => this.kick());
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.kick());
  }

  get ready(): boolean {
    return this.up;
  }

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retry);
    this.drop();
  }

  /** restart opens a new socket at once (a new identity). */
  restart(): void {
    this.stop();
    this.start();
  }

  send(f: object): boolean {
    if (!this.up || !this.ws) return false;
    try {
      this.ws.send(JSON.stringify(f));
      return true;
    } catch {
      return false;
    }
  }

  /** kick reconnects soon when the socket is down (page visible again, back online). */
  private kick(): void {
    if (!this.running || this.ws) return;
    this.later(soon());
  }

  private connect(): void {
    clearTimeout(this.retry);
    if (!this.running) return;
    const first = this.o.first ? this.o.first() : undefined;
    if (first === null) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.o.url);
    } catch {
      this.later(backoff(this.attempt++));
      return;
    }
    this.ws = ws;
    this.resync = false;
    ws.onopen = () => {
      if (first) ws.send(JSON.stringify(first));
      this.alive();
    };
    ws.onmessage = (e: MessageEvent) => {
      if (ws !== this.ws) return;
      this.alive();
      for (const f of parseFrames<F>(String(e.data))) this.frame(f);
    };
    ws.onclose = () => ws === this.ws && this.lost();
  }

  private frame(f: F): void {
    if (f.t === this.o.greeting) {
      this.up = true;
      clearTimeout(this.stable);
      this.stable = window.setTimeout(() => (this.attempt = 0), stableMs);
      this.on.state(true);
    } else if (f.t === "pong") {
      clearTimeout(this.pong);
    } else if (f.t === "resync") {
      this.resync = true;
    }
    this.on.frame(f);
  }

  private lost(): void {
    const wasUp = this.up;
    this.drop();
    if (!this.running) return;
    this.on.state(false);
    if (this.resync) {
      this.later(soon());
    } else if (wasUp) {
      this.later(backoff(this.attempt++));
    } else {
      void this.on.refused().then((again) => {
        if (again && this.running && !this.ws) this.later(backoff(this.attempt++));
      });
    }
  }

  /** alive restarts the quiet timer: after 25 s without a frame, ping; no pong in 10 s means dead. */
  private alive(): void {
    clearTimeout(this.quiet);
    this.quiet = window.setTimeout(() => {
      if (!this.ws) return;
      try {
        this.ws.send('{"t":"ping"}');
      } catch {
        // closing anyway
      }
      this.pong = window.setTimeout(() => this.ws && this.lost(), pongMs);
    }, quietMs);
  }

  private drop(): void {
    clearTimeout(this.quiet);
    clearTimeout(this.pong);
    clearTimeout(this.stable);
    this.up = false;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  private later(ms: number): void {
    clearTimeout(this.retry);
    this.retry = window.setTimeout(() => this.connect(), ms);
  }
}
