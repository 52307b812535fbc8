// What the agent API answers for the admin screens (docs/openapi.yaml).
import type { Flow } from "./flow";

export type Role = "owner" | "admin" | "agent";

export interface Me {
  id: number;
  name: string;
  email: string;
  role: Role;
  avatar_url?: string;
  time_zone?: string;
  [k: string]: unknown;
}

export interface User {
  id: number;
  email: string;
  name: string;
  avatar_url: string;
  time_zone: string;
  role: Role;
  deactivated: boolean;
  /** invited by email, no password set yet */
  invited?: boolean;
  created_at: number;
  updated_at: number;
}

/** How an invitation went out (POST /api/v1/users without a password). */
export interface Invitation {
  emailed: boolean;
  /** the one-time link itself, when the installation's mail is not set up */
  url?: string;
  expires_at?: number;
}

/** A device subscribed to web push (GET /api/v1/me/push-subscriptions). */
export interface PushDevice {
  id: number;
  service: string;
  user_agent: string;
  device: string;
  created_at: number;
  last_sent_at: number;
}

export interface Team {
  id: number;
  name: string;
  member_ids: number[] | null;
  created_at: number;
  updated_at: number;
}

export interface Inbox {
  id: number;
  kind: "web" | "email" | "messenger" | "whatsapp";
  name: string;
  visibility: "private" | "shared";
  reopen_policy: "final" | "reopen";
  /** what its messages are written in (search stems by it) */
  language?: string;
  installer_id: number;
  member_ids: number[] | null;
}

export interface Website {
  id: number;
  kind: "web";
  name: string;
  visibility: "private" | "shared";
  reopen_policy: "final" | "reopen";
  installer_id: number;
  public_key: string;
  allowed_domains: string[] | null;
  time_zone: string;
  follow_up?: boolean;
  follow_up_seconds?: number;
  transcript_on_close?: boolean;
  email_inbox_id?: number;
}

export interface SMTPServer {
  host: string;
  port?: number;
  security: string;
  username?: string;
  /** Write-only: never shown; empty keeps the stored one. */
  password?: string;
  password_set?: boolean;
  helo_name?: string;
}

export interface IMAPServer extends SMTPServer {
  folder?: string;
}

export interface EmailInbox {
  id: number;
  kind: "email";
  name: string;
  visibility: "private" | "shared";
  reopen_policy: "final" | "reopen";
  installer_id: number;
  member_ids: number[] | null;
  address: string;
  from_name?: string;
  signature?: string;
  receive: "imap" | "listener";
  smtp: SMTPServer;
  imap: IMAPServer;
}

export interface MailSettings {
  smtp: SMTPServer;
  from_address: string;
  from_name?: string;
  reply_domain?: string;
  receive: "" | "listener" | "imap";
  imap: IMAPServer;
  fixed?: boolean;
  updated_at?: number;
}

export interface TestStep {
  ok: boolean;
  code?: string;
  message?: string;
}

export interface Session {
  id: number;
  ip: string;
  user_agent: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  current: boolean;
}

export interface ApiToken {
  id: number;
  name: string;
  hint: string;
  created_at: number;
  last_used_at?: number;
}

export type RuleMatch = "equals" | "contains" | "starts_with" | "regex";

export interface Rule {
  match: RuleMatch;
  value: string;
}

export interface Appearance {
  color: string;
  text_color: string;
  icon: string;
  bot_name: string;
  avatar: string;
  language: string;
  side: string;
}

export interface Playbook {
  id: number;
  website_id: number;
  name: string;
  active: boolean;
  priority: number;
  delay_seconds: number;
  targeting: Rule[] | null;
  appearance: Appearance;
  version: number;
  flow?: Flow | null;
  loaded_at: number | null;
  offline_only: boolean;
  created_by: number;
  created_at: number;
  updated_at: number;
}

export interface PlaybookVersion {
  playbook_id: number;
  version: number;
  flow?: Flow | null;
  appearance: Appearance;
  created_by: number;
  created_at: number;
}

export interface Template {
  name: string;
  title: string;
  description: string;
  offline_only: boolean;
  flow: Flow;
}

/** PlaybookInput is what saving sends: the whole playbook (internal/playbook Input). */
export interface PlaybookInput {
  website_id?: number;
  name: string;
  active?: boolean;
  priority: number;
  delay_seconds: number;
  targeting: Rule[];
  appearance: Appearance;
  flow?: Flow;
  template?: string;
  base_version?: number;
}

/** Webhook is an endpoint subscribed to events (internal/webhook Endpoint). */
export interface Webhook {
  id: number;
  url: string;
  description: string;
  event_types: string[] | null;
  active: boolean;
  disabled_reason?: "gone" | "failing";
  disabled_at?: number;
  last_success_at?: number;
  failing_since?: number;
  previous_secret_until?: number;
  created_by?: number;
  created_at: number;
  updated_at: number;
}

export type DeliveryState = "pending" | "succeeded" | "failed";

export interface WebhookDelivery {
  id: number;
  endpoint_id: number;
  message_id: string;
  event_type: string;
  position: number;
  payload?: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at?: number;
  deadline_at: number;
  last_status?: number;
  last_error?: string;
  created_at: number;
  finished_at?: number;
}

export interface WebhookAttempt {
  id: number;
  delivery_id: number;
  attempt: number;
  url: string;
  request_headers: Record<string, string>;
  status: number;
  response_body: string;
  error?: string;
  duration_ms: number;
  started_at: number;
}
