// The sidebar: folders with live counts, the bell, Admin, the language, and at the bottom the
// agent's avatar with the availability toggle and how many agents are online.
import { langs, lang, t, type Lang } from "../i18n";
import type { Channel, Folder } from "../types";
import { folders } from "../lib/router";
import { Places, type Section } from "../crm/nav";
import { Avatar, Icon, useId, useInbox } from "./common";
import { ViewLinks } from "../find/filters";

const channels: (Channel | "")[] = ["", "web", "email", "messenger", "whatsapp"];

const langNames: Record<Lang, string> = { en: "English", de: "Deutsch", nl: "Nederlands", tr: "Türkçe", hu: "Magyar" };

interface Props {
  active: Folder | "admin" | "visitors" | "reports" | null;
  section: Section | null;
  /** the saved view shown, 0 for none */
  activeView?: number;
  onBell: () => void;
  onLang: (l: Lang) => void;
  onSignOut: () => void;
  onNavigate: () => void;
  onHelp: () => void;
}

export function Sidebar({ active, section, activeView = 0, onBell, onLang, onSignOut, onNavigate, onHelp }: Props) {
  const inbox = useInbox("counts", "presence");
  const me = inbox.me;
  const admin = me.role === "owner" || me.role === "admin";
  const langId = useId("lang");
  const chanId = useId("channel");
  const counts = inbox.counts;
  return (
    <nav class="side" aria-label={t("nav.label")}>
      <div class="side-top">
        <span class="brand">Parley</span>
        <button type="button" class="icon-btn" onClick={onBell} aria-label={t("notify.open")} title={t("notify.open")}>
          <Icon name="bell" />
        </button>
      </div>
      <Places active={section} folder={inbox.folder} onNavigate={onNavigate} />
      <ul class="folders folders-of" aria-label={t("cs.nav.folders")}>
        {folders.map((f) => {
          const n = counts && f !== "closed" && f !== "all" ? (counts[f] ?? null) : null;
          return (
            <li key={f}>
              <a href={"#/f/" + f} class="folder" aria-current={active === f ? "page" : undefined} onClick={onNavigate}>
                <span>{t("folder." + f)}</span>
                {n !== null && (
                  <span class="count" aria-label={t("folder.count", { n })}>
                    {n}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
      <ViewLinks active={activeView} onNavigate={onNavigate} />
      <div class="side-channel">
        <label for={chanId}>{t("nav.channel")}</label>
        <select id={chanId} value={inbox.channel} onChange={(e) => inbox.setChannel((e.target as HTMLSelectElement).value as Channel | "")}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {c ? t("channel.name." + c) : t("channel.all")}
            </option>
          ))}
        </select>
      </div>
      <ul class="folders side-links">
        <li>
          <a href="#/visitors" class="folder" aria-current={active === "visitors" ? "page" : undefined} onClick={onNavigate}>
            <Icon name="eye" />
            <span>{t("visitors.title")}</span>
          </a>
        </li>
        <li>
          <a href="#/reports" class="folder" aria-current={active === "reports" ? "page" : undefined} onClick={onNavigate}>
            <Icon name="chart" />
            <span>{t("rep.title")}</span>
          </a>
        </li>
        <li>
          <a href="#/admin" class="folder" aria-current={active === "admin" ? "page" : undefined} onClick={onNavigate}>
            <Icon name="gear" />
            <span>{admin ? t("nav.admin") : t("nav.profile")}</span>
          </a>
        </li>
        <li>
          <button type="button" class="folder" onClick={onHelp}>
            <Icon name="keyboard" />
            <span>{t("keys.title")}</span>
          </button>
        </li>
      </ul>
      <div class="side-lang">
        <label for={langId}>{t("nav.language")}</label>
        <select id={langId} value={lang()} onChange={(e) => onLang((e.target as HTMLSelectElement).value as Lang)}>
          {langs.map((l) => (
            <option key={l} value={l} lang={l}>
              {langNames[l]}
            </option>
          ))}
        </select>
      </div>
      <div class="side-me">
        <div class="me-row">
          <Avatar name={me.name} url={me.avatar_url} dot={inbox.available ? "on" : "off"} />
          <div class="me-name">
            <span class="me-n">{me.name}</span>
            <span class="muted small">{inbox.available ? t("presence.available") : t("presence.away")}</span>
          </div>
          <button type="button" class="icon-btn" onClick={onSignOut} aria-label={t("nav.signout")} title={t("nav.signout")}>
            <Icon name="logout" />
          </button>
        </div>
        <button
          type="button"
          role="switch"
          class="toggle"
          aria-checked={inbox.available ? "true" : "false"}
          onClick={() => void inbox.setAvailable(!inbox.available)}
        >
          <span class="track" aria-hidden="true">
            <span class="knob" />
          </span>
          <span>{t("presence.toggle")}</span>
        </button>
        <p class="muted small online" aria-live="polite">
          {t("presence.online", { n: inbox.online })}
        </p>
      </div>
    </nav>
  );
}
