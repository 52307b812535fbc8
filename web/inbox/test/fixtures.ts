// Small builders for the unit tests.
import type { Conversation, Message } from "../src/types";

export function conv(id: number, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    inbox_id: 1,
    channel: "web",
    contact_id: id * 10,
    status: "open",
    last_seq: 1,
    contact_read_seq: 0,
    preview: "hi",
    created_at: 1000,
    updated_at: 1000,
    last_message_at: 1000,
    unread: 0,
    ...over,
  };
}

export function msg(seq: number, over: Partial<Message> = {}): Message {
  return { id: seq, conversation_id: 1, seq, sender_kind: "visitor", kind: "text", body: "m" + seq, created_at: 1000 + seq, ...over };
}
