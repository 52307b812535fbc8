// Shapes of the visitor protocol (docs/widget-protocol.md). Unknown keys and frame types are
// ignored, as the protocol asks.

import { parseFrames } from "../../../livesocket/socket";

export type Sender = "visitor" | "agent" | "bot" | "system";

export interface ConvEvent {
  type: string;
  user_id?: number;
  user_name?: string;
  team_id?: number;
  auto?: boolean;
}

export interface Attachment {
  id: number;
  name: string;
  content_type: string;
  size?: number;
  width?: number;
  height?: number;
}

/** A bot card (docs/widget-protocol.md 4). Only the keys of its type are set. */
export interface Card {
  id: string;
  type: string; // message, question, capture, consent, live_chat
  html?: string;
  text?: string;
  /** question */
  answers?: { id: string; label: string }[];
  /** capture */
  field?: Field;
  /** consent */
  version?: string;
  checkbox_label?: string;
  required?: boolean;
  /** live_chat: waiting, joined or offline */
  state?: string;
  waiting_seconds?: number;
  deadline?: number;
  reason?: string;
  user_id?: number;
  user_name?: string;
  avatar?: string;
}

export interface Field {
  type: string; // name, email, phone, company, custom
  key?: string;
  label?: string;
  placeholder?: string;
  rules?: Rules;
}

export interface Rules {
  required?: boolean;
  min_length?: number;
  max_length?: number;
  pattern?: string;
  hint?: string;
}

/** The card a visitor's answer, capture or consent entry responds to. */
export interface CardResponse {
  card_id: string;
  answer_id?: string;
  value?: string;
  version?: string;
  accepted?: boolean;
}

export interface Message {
  id: number;
  seq: number;
  from: Sender;
  name?: string;
  avatar?: string;
  kind: string;
  body?: string;
  html?: string;
  event?: ConvEvent;
  client_id?: string;
  created_at: number;
  attachment_id?: number;
  attachment?: Attachment;
  card?: Card;
  response?: CardResponse;
}

export interface Conversation {
  id: number;
  status: "open" | "closed";
  last_seq: number;
  read_seq: number;
  rating?: number;
  closed_at?: number;
  agent_joined?: boolean;
}

/** Update is a ready frame, a conversation frame (live or resume answer) or an HTTP answer. */
export interface Update {
  conversation: Conversation | null;
  messages: Message[];
  from_seq?: number;
  to_seq?: number;
  agents_available?: number;
  /** present outside the website's business hours: its away message ("" for the widget's own) */
  away?: string;
}

export interface Frame extends Partial<Update> {
  t: string;
  [key: string]: unknown;
}

/** frames unwraps one WebSocket message: a frame or an array of frames. */
export function frames(data: string): Frame[] {
  return parseFrames<Frame>(data);
}
