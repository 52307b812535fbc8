// The admin area (#/admin/…): users, teams, inboxes, websites, email, Messenger and WhatsApp,
// playbooks, webhooks, CRM pipelines and custom fields for admins and owners;
// every user's own profile and API tokens. The app's router renders <Admin> for hashes starting
// with #/admin and passes the segments after "admin".
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import "./admin.css";
import { EmailScreen } from "./email";
import { FieldsScreen } from "./fields";
import { MessagingScreen } from "../channels/admin";
import { InboxesScreen } from "./inboxes";
import { CompanyNotificationsScreen } from "./notifications";
import { PipelinesScreen } from "./pipelines";
import { PlaybooksArea } from "./playbooks";
import { ProfileScreen } from "./profile";
import { SavedRepliesScreen } from "../replies/screen";
import { TeamsScreen } from "./teams";
import { TagsScreen } from "../find/tags";
import { TokensScreen } from "./tokens";
import type { Me } from "./types";
import { UsersScreen } from "./users";
import { WebhooksArea } from "./webhooks";
import { WebsitesScreen } from "./websites";

export interface AdminProps {
  path: string[];
  me: Me;
  navigate: (hash: string) => void;
  /** the company's in-app notifications were switched on or off here */
  onInApp?: (on: boolean) => void;
}

interface Section {
  id: string;
  label: string;
  admin: boolean;
}

function sections(): Section[] {
  return [
    { id: "users", label: t("admin.nav.users"), admin: true },
    { id: "teams", label: t("admin.nav.teams"), admin: true },
    { id: "tags", label: t("admin.nav.tags"), admin: true },
    { id: "inboxes", label: t("admin.nav.inboxes"), admin: true },
    { id: "websites", label: t("admin.nav.websites"), admin: true },
    { id: "email", label: t("admin.nav.email"), admin: true },
    { id: "messaging", label: t("channels.nav"), admin: true },
    { id: "playbooks", label: t("admin.nav.playbooks"), admin: true },
    { id: "webhooks", label: t("admin.nav.webhooks"), admin: true },
    { id: "pipelines", label: t("admin.nav.pipelines"), admin: true },
    { id: "fields", label: t("admin.nav.fields"), admin: true },
    { id: "notifications", label: t("admin.nav.notifications"), admin: true },
    { id: "replies", label: t("replies.title"), admin: false },
    { id: "profile", label: t("admin.nav.profile"), admin: false },
    { id: "tokens", label: t("admin.nav.tokens"), admin: false },
  ];
}

export function isAdmin(me: Me): boolean {
  return me.role === "owner" || me.role === "admin";
}

export function Admin({ path, me, navigate, onInApp }: AdminProps) {
  const nav = useRef<HTMLElement>(null);
  // On a phone the menu is one row that scrolls sideways: the current screen's entry is shown.
  useEffect(() => {
    const cur = nav.current && nav.current.querySelector<HTMLElement>("[aria-current=page]");
    if (cur && nav.current!.scrollWidth > nav.current!.clientWidth) nav.current!.scrollLeft = cur.offsetLeft - 8;
  }, [path[0]]);
  const admin = isAdmin(me);
  const visible = sections().filter((s) => admin || !s.admin);
  const section = path[0] || (admin ? "users" : "profile");
  const current = visible.find((s) => s.id === section);
  const go = (hash: string) => navigate(hash);
  let body;
  if (!current) {
    const known = sections().some((s) => s.id === section);
    body = (
      <div class="adm-screen">
        <h1>{known ? t("admin.forbidden.title") : t("admin.notFound.title")}</h1>
        <p>{known ? t("admin.forbidden.text") : t("admin.notFound.text")}</p>
        <p>
          <a href="#/admin/profile">{t("admin.nav.profile")}</a>
        </p>
      </div>
    );
  } else {
    switch (section) {
      case "users":
        body = <UsersScreen me={me} />;
        break;
      case "teams":
        body = <TeamsScreen />;
        break;
      case "tags":
        body = <TagsScreen />;
        break;
      case "inboxes":
        body = <InboxesScreen me={me} />;
        break;
      case "websites":
        body = <WebsitesScreen me={me} navigate={go} />;
        break;
      case "email":
        body = <EmailScreen me={me} />;
        break;
      case "messaging":
        body = <MessagingScreen me={me} />;
        break;
      case "playbooks":
        body = <PlaybooksArea path={path.slice(1)} me={me} navigate={go} />;
        break;
      case "webhooks":
        body = <WebhooksArea path={path.slice(1)} me={me} navigate={go} />;
        break;
      case "pipelines":
        body = <PipelinesScreen />;
        break;
      case "fields":
        body = <FieldsScreen />;
        break;
      case "notifications":
        body = <CompanyNotificationsScreen onInApp={onInApp} />;
        break;
      case "replies":
        body = <SavedRepliesScreen me={me} />;
        break;
      case "profile":
        body = <ProfileScreen me={me} />;
        break;
      case "tokens":
        body = <TokensScreen me={me} />;
        break;
    }
  }
  return (
    <div class="adm">
      <nav class="adm-nav" ref={nav} aria-label={t("admin.nav.label")}>
        <p class="adm-nav-title">{t("admin.title")}</p>
        <ul>
          <li class="adm-nav-back">
            <a href="#/f/unassigned">← {t("admin.nav.inbox")}</a>
          </li>
          {visible.map((s) => (
            <li key={s.id}>
              <a href={"#/admin/" + s.id} aria-current={s.id === section ? "page" : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main class="adm-main" id="admin-main">
        {body}
      </main>
    </div>
  );
}

export default Admin;
