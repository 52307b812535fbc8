// The visitor's WebSocket: auth as the first frame (the token never travels in a URL), up once
// `ready` arrives. Keepalive and reconnecting are the shared LiveSocket's (docs/widget-protocol.md
// 1.2, 1.7); what the frames mean is the chat's business.

import { LiveSocket, type LiveSocketEvents } from "../../../livesocket/socket";
import { commands } from "../lib/commands";
import type { Frame } from "../lib/protocol";

export interface SocketEvents extends LiveSocketEvents<Frame> {
  token(): string | null;
  /** the browser's live id (src/live.ts), if it has one */
  live(): string | null;
}

export class Socket extends LiveSocket<Frame> {
  /** first, when given, is the first frame instead of the visitor's auth ("Try it": the draft to run) */
  constructor(url: string, on: SocketEvents, first?: () => object) {
    super(
      {
        url,
        greeting: "ready",
        first:
          first ||
          (() => {
            const token = on.token();
            return token ? commands.auth(token, on.live()) : null; // no visitor yet: nothing to connect as
          }),
      },
      on,
    );
  }
}
