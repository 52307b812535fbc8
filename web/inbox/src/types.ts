// What the agent API (/api/v1, docs/openapi.yaml) and the agent's socket
// (docs/widget-protocol.md section 3) send. Only the fields the inbox uses.

export type Role = "owner" | "admin" | "agent";
export type Channel = "web" | "email" | "messenger" | "whatsapp";
export type Folder = "unassigned" | "mine" | "others" | "open" | "closed" | "all" | "spam";

/** A conversation tag. */
export interface Tag {
  id: number;
  name: string;
  color: string;
}

/** A tag as the tag list shows it, with how many conversations carry it. */
export interface TagInfo extends Tag {
  conversations: number;
}

/** A saved view: named filters (the list's query string), one's own or shared. */
export interface View {
  id: number;
  name: string;
  filters: string;
  shared: boolean;
  owner_id?: number;
  position: number;
  count?: number;
}

/** One hit of a search (GET /api/v1/search). */
export interface SearchHit {
  type: string;
  id: number;
  conversation_id?: number;
  seq?: number;
  note?: boolean;
  status?: string;
  title: string;
  /** HTML: matches in <mark>, the rest escaped by the server */
  snippet: string;
  at: number;
}

export interface SearchGroup {
  type: "message" | "contact" | "person" | "organization" | "lead" | "deal";
  hits: SearchHit[];
  more: boolean;
}

export interface User {
  id: number;
  email: string;
  name: string;
  avatar_url?: string;
  time_zone?: string;
  role: Role;
  deactivated?: boolean;
}

export interface Team {
  id: number;
  name: string;
  member_ids?: number[] | null;
}

/** What the user may do with a conversation now (conversation.Allowed). */
export interface Allowed {
  reply: boolean;
  note: boolean;
  assign: boolean;
  assign_to_me: boolean;
  /** Not available now, but could take it once available (the inbox offers to do both). */
  assign_to_me_if_available?: boolean;
  /** The inbox's reopen policy is final: no Reopen; the contact's next message starts a new conversation. */
  closed_is_final?: boolean;
  close: boolean;
  reopen: boolean;
  delete: boolean;
  /** In the Spam view and releasable. */
  release?: boolean;
}

export interface Conversation {
  id: number;
  inbox_id: number;
  channel: Channel;
  contact_id: number;
  visitor_id?: number;
  status: "open" | "closed";
  assignee_id?: number;
  team_id?: number;
  last_seq: number;
  contact_read_seq: number;
  with_bot?: boolean;
  preview: string;
  rating?: number;
  created_at: number;
  updated_at: number;
  last_message_at: number;
  first_response_at?: number;
  joined_at?: number;
  closed_at?: number;
  tags?: Tag[];
  contact_name?: string;
  /** Folder rows: the website visitor's country (ISO code), when known. */
  contact_country?: string;
  unread: number;
  /** The contact has the website open now (a widget socket on any node); live changes come as `visitor` frames. */
  visitor_online?: boolean;
  /** Present on folder rows and after GET /conversations/{id}; live frames lack it. */
  allowed?: Allowed;
  /** Email: the thread's latest subject. */
  subject?: string;
  /** In the Spam view (out of every folder) until released. */
  spam?: boolean;
  /** Messenger and WhatsApp: until when replies go out freely, and how after that (GET only). */
  reply_window?: ReplyWindow;
  /** The contact's picture from their Messenger profile (GET only). */
  contact_picture?: string;
}

/** Where a Messenger or WhatsApp conversation stands on its 24-hour window (conversation.ReplyWindow). */
export interface ReplyWindow {
  last_inbound_at?: number;
  closes_at: number;
  open: boolean;
  /** Messenger, outside the window: the tag replies go with (HUMAN_AGENT), until tag_until. */
  tag?: string;
  tag_until?: number;
  /** WhatsApp, outside the session: only approved templates go out. */
  templates_only?: boolean;
}

/** What a Messenger or WhatsApp message carries besides its text. */
export interface ChannelMeta {
  echo?: boolean;
  quick_reply?: string;
  postback?: string;
  sticker?: string;
  tag?: string;
  template?: TemplateRef;
  refused?: string[] | null;
}

/** An approved WhatsApp template and its variables, as a reply sends it. */
export interface TemplateRef {
  sid: string;
  name?: string;
  variables?: Record<string, string>;
}

export interface Counts {
  unassigned: number;
  mine: number;
  others: number;
  open: number;
  spam?: number;
}

export interface LogEvent {
  type: string;
  actor_id?: number;
  actor_name?: string;
  user_id?: number;
  user_name?: string;
  team_id?: number;
  rating?: number;
  /** rated: what the contact wrote with the rating */
  comment?: string;
  auto?: boolean;
  item_type?: string;
  item_id?: number;
  title?: string;
}

export interface FileInfo {
  id: number;
  name: string;
  content_type: string;
  size: number;
  width?: number;
  height?: number;
}

/** A bot card (docs/widget-protocol.md section 4). */
export interface Card {
  id: string;
  type: string;
  html?: string;
  text?: string;
  answers?: { id: string; label: string }[];
  field?: { type: string; key: string; label?: string };
  state?: string;
  reason?: string;
  user_name?: string;
  checkbox_label?: string;
}

export interface Message {
  id: number;
  conversation_id: number;
  seq: number;
  sender_kind: "visitor" | "agent" | "bot" | "system";
  sender_id?: number;
  sender_name?: string;
  sender_avatar?: string;
  kind: string;
  body?: string;
  html?: string;
  event?: LogEvent;
  client_id?: string;
  attachment_id?: number;
  attachment?: FileInfo;
  card?: Card;
  response?: Record<string, unknown>;
  created_at: number;
  external_id?: string;
  /** The mail side of a message that came or went by email. */
  email?: EmailMeta;
  /** The channel's text had NUL bytes or invalid UTF-8, cleaned. */
  repaired?: boolean;
  /** Where a reply stands on its channel. */
  delivery?: Delivery;
  /** Messenger and WhatsApp: what the message carries besides its text. */
  channel_meta?: ChannelMeta;
}

export interface EmailMeta {
  subject?: string;
  from?: string;
  to?: string[] | null;
  cc?: string[] | null;
  quoted?: boolean;
  spf?: string;
  dkim?: string;
  dmarc?: string;
  spam?: string;
  auto_reply?: string;
  malformed?: string;
  refused?: string[] | null;
}

export interface Delivery {
  status: "queued" | "sent" | "delivered" | "read" | "failed";
  /** The channel when not the conversation's own ("email" for a website chat's follow-up). */
  via?: string;
  error?: string;
  at?: number;
}

export interface Visitor {
  id: number;
  os: string;
  browser: string;
  ip: string;
  country: string;
  referrer: string;
  locale: string;
  first_seen: number;
  last_seen: number;
  blocked: boolean;
}

export interface Contact {
  id: number;
  name: string;
  email: string;
  phone: string;
  notes: string;
  tags: string[] | null;
  attributes?: Record<string, string> | null;
  created_at: number;
  updated_at: number;
}

export interface ContactDetails {
  contact: Contact;
  visitors: Visitor[] | null;
  page_views: { url: string; title: string; at: number }[] | null;
  consents: { id: number; text: string; version: string; given_at: number }[] | null;
  conversations: Conversation[] | null;
  location_attribution?: string;
}

export interface Assignee {
  id: number;
  name: string;
  avatar_url?: string;
}

export type RecordType = "person" | "organization" | "lead" | "deal" | "activity";

/** CreatedItem is one of a conversation's Created items: a record made from it or linked to it. */
export interface CreatedItem {
  type: RecordType;
  id: number;
  title: string;
  value?: number;
  currency?: string;
  status?: string;
  source?: string;
  linked: boolean;
  created: boolean;
  created_at: number;
  created_by: { id: number; name: string } | null;
}

/** Draft is what the details panel captured for a lead or deal not made yet. */
export interface Draft {
  value: number;
  currency: string;
  expected_close_date: string;
  organization_name: string;
  organization_address: string;
  note: string;
}

/** Prefill is what Create lead and Create deal start with. */
export interface Prefill extends Draft {
  title: string;
  person_id?: number;
  person_name: string;
  person_email: string;
  person_phone: string;
  organization_id?: number;
}

export interface Stage {
  id: number;
  name: string;
  probability: number;
}

export interface Pipeline {
  id: number;
  name: string;
  default: boolean;
  stages: Stage[];
}

export interface ExcerptLine {
  seq: number;
  at: number;
  from: "visitor" | "agent" | "bot";
  name: string;
  text: string;
  subject?: string;
}

export interface Note {
  id: number;
  record_type: RecordType;
  record_id: number;
  body: string;
  html: string;
  conversation_id?: number;
  excerpt?: { conversation_id: number; url: string; status: string; assignee_name?: string; until: number; lines: ExcerptLine[] };
  hidden?: boolean;
  created_by_user_id?: number;
  created_by_name?: string;
  edited_by_name?: string;
  edited_at?: number;
  created_at: number;
  updated_at: number;
}

/** CRMRecord is what the read-only record page shows of any record type. */
export interface CRMRecord {
  id: number;
  name?: string;
  title?: string;
  subject?: string;
  value?: number;
  currency?: string;
  status?: string;
  stage_name?: string;
  expected_close_date?: string;
  emails?: { value: string; label?: string }[];
  phones?: { value: string; label?: string }[];
  address?: string;
  person_id?: number;
  person_name?: string;
  organization_id?: number;
  organization_name?: string;
  owner_name?: string;
  labels?: string[];
  fields?: Record<string, unknown>;
  source?: string;
  conversation_id?: number;
  due_date?: string;
  due_time?: string;
  time_zone?: string;
  type?: string;
  done?: boolean;
  deal_id?: number;
  lead_id?: number;
  created_at: number;
  created_by_name?: string;
}

export interface Activity {
  id: number;
  type: string;
  subject: string;
  due_date: string;
  due_time: string;
  due_at: number;
  done: boolean;
  owner_name?: string;
}

// ---- socket frames

export interface ConversationFrame {
  t: "conversation";
  conversation: Conversation;
  messages?: Message[];
  from_seq?: number;
  to_seq?: number;
}

export interface CRMFrame {
  t: "crm";
  event: string;
  id: number;
  record_type: string;
  record_id: number;
}

export type Frame =
  | CRMFrame
  | { t: "hello"; user_id: number; available: boolean; online_agents: number[] }
  | ConversationFrame
  | { t: "hidden"; conversation_id: number }
  | { t: "deleted"; conversation_id: number }
  | { t: "typing"; conversation_id: number; from: "visitor" | "agent" | "bot"; user_id?: number; name?: string; on: boolean }
  | { t: "presence"; user_id: number; available: boolean; online_agents: number }
  | { t: "visitor"; conversation_id: number; inbox_id: number; contact_id: number; online: boolean; page?: { at: number } }
  | { t: "read"; conversation_id: number; by: "visitor" | "agent"; user_id?: number; seq: number }
  | { t: "delivery"; conversation_id: number; message_id: number; seq: number; delivery: Delivery }
  | { t: "tagged"; conversation_id: number; tag: Tag; action: "added" | "removed" }
  | { t: "error"; ref?: string; code: string; message: string }
  | { t: "pong" }
  | { t: "resync" };
