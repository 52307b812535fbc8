// The inbox's top-level places: Conversations, Contacts (persons and organisations), Leads, Deals
// and Activities — in the sidebar on a desk, and as a tab bar along the bottom on a phone.
import { t } from "../i18n";
import type { Route } from "../lib/router";
import { Icon } from "../ui/common";

export type Section = "conversations" | "contacts" | "leads" | "deals" | "activities";

/** sectionOf is the place a route belongs to (null: admin, visitors). */
export function sectionOf(r: Route): Section | null {
  switch (r.kind) {
    case "folder":
    case "conversation":
      return "conversations";
    case "crm":
      return r.list === "persons" || r.list === "organizations" ? "contacts" : r.list;
    case "record":
      return r.type === "person" || r.type === "organization" ? "contacts" : r.type === "activity" ? "activities" : r.type === "lead" ? "leads" : "deals";
  }
  return null;
}

const places: { section: Section; icon: string; href: (folder: string) => string }[] = [
  // The last folder; written with a trailing slash (the same place) so that it is not taken for
  // the folder's own link in the list below it.
  { section: "conversations", icon: "chat", href: (f) => "#/f/" + f + "/" },
  { section: "contacts", icon: "users", href: () => "#/crm/persons" },
  { section: "leads", icon: "target", href: () => "#/crm/leads" },
  { section: "deals", icon: "deal", href: () => "#/crm/deals" },
  { section: "activities", icon: "calendar", href: () => "#/crm/activities" },
];

/** Places is the sidebar's list of top-level places. */
export function Places({ active, folder, onNavigate }: { active: Section | null; folder: string; onNavigate: () => void }) {
  return (
    <ul class="folders places" aria-label={t("cs.nav.places")}>
      {places.map((p) => (
        <li key={p.section}>
          <a href={p.href(folder)} class="folder place" aria-current={active === p.section ? "page" : undefined} onClick={onNavigate}>
            <Icon name={p.icon} />
            <span>{t("cs.nav." + p.section)}</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

/** TabBar is the phone's bottom bar of the same places. */
export function TabBar({ active, folder }: { active: Section | null; folder: string }) {
  return (
    <nav class="tabbar phone-only" aria-label={t("cs.nav.places")}>
      {places.map((p) => (
        <a key={p.section} href={p.href(folder)} class="tab" aria-current={active === p.section ? "page" : undefined}>
          <Icon name={p.icon} />
          <span>{t(p.section === "conversations" ? "cs.tab.conversations" : "cs.nav." + p.section)}</span>
        </a>
      ))}
    </nav>
  );
}
