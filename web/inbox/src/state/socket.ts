// The agent's WebSocket (GET /api/v1/events, docs/widget-protocol.md section 3): signed in by the
// session cookie; up once `hello` arrives. Keepalive and reconnecting are the shared LiveSocket's;
// what the frames mean is the store's business.
import { LiveSocket, type LiveSocketEvents } from "../../../livesocket/socket";
import type { Frame } from "../types";

export type SocketEvents = LiveSocketEvents<Frame>;

export class AgentSocket extends LiveSocket<Frame> {
  constructor(url: string, on: SocketEvents) {
    super({ url, greeting: "hello" }, on);
  }
}
