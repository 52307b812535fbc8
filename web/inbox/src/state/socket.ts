// The agent's WebSocket (GET /api/v1/events, docs/widget-protocol.md section 3): signed in by the
// session cookie, keepalive pings, and reconnecting with jittered back-off (1.2, 1.7). What the
// frames mean is the store's business.
import { backoff, soon } from "../lib/backoff";
import type { Frame } from "../types";

export interface SocketEvents {
  frame(f: Frame): void;
  /** up: hello arrived; down: the socket is gone and a retry is planned. */
  state(up: boolean): void;
  /** The socket closed before hello (signed out, or the server is away). Resolve true to retry. */
  refused(): Promise<boolean>;
}

const quietMs = 25000;
const pongMs = 10000;
const stableMs = 30000;

export class AgentSocket {
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
    private url: string,
    private on: SocketEvents,
  ) {
    addEventListener("online", () => this.kick());
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.kick());
  }

  get ready(): boolean {
    return this.up;
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

  send(f: object): boolean {
    if (!this.up || !this.ws) return false;
    try {
      this.ws.send(JSON.stringify(f));
      return true;
    } catch {
      return false;
    }
  }

  private kick(): void {
    if (!this.running || this.ws) return;
    this.later(soon());
  }

  private connect(): void {
    clearTimeout(this.retry);
    if (!this.running) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.later(backoff(this.attempt++));
      return;
    }
    this.ws = ws;
    this.resync = false;
    ws.onopen = () => this.alive();
    ws.onmessage = (e: MessageEvent) => {
      if (ws !== this.ws) return;
      this.alive();
      let data: unknown;
      try {
        data = JSON.parse(String(e.data));
      } catch {
        return;
      }
      // One message is one frame or an array of frames (1.2).
      for (const f of Array.isArray(data) ? data : [data]) if (f && typeof f === "object") this.frame(f as Frame);
    };
    ws.onclose = () => ws === this.ws && this.lost();
  }

  private frame(f: Frame): void {
    if (f.t === "hello") {
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
