// The playbook endpoints (/api/v1/playbooks…), in one place.
import { useEffect } from "preact/hooks";
import { api } from "../../api";
import { type Problem, problemsOf } from "../flow";
import type { Playbook, PlaybookInput, PlaybookVersion, Template } from "../types";

export async function listPlaybooks(websiteId?: number): Promise<Playbook[]> {
  const r = await api<{ playbooks: Playbook[] | null }>("GET", "playbooks" + (websiteId ? `?website_id=${websiteId}` : ""));
  return r.playbooks || [];
}

export async function getPlaybook(id: number): Promise<Playbook> {
  return (await api<{ playbook: Playbook }>("GET", `playbooks/${id}`)).playbook;
}

/**
 * useInstalled reads again, every 10 s and when the window gets the focus, whether playbooks still
 * shown as "offline only" are: a page with the widget may load one at any moment, and then the
 * badge goes without a reload. onLoaded gets each one that changed.
 */
export function useInstalled(waiting: number[], onLoaded: (p: Playbook) => void): void {
  const key = waiting.join(",");
  useEffect(() => {
    if (!waiting.length) return;
    let live = true;
    const check = async () => {
      for (const id of waiting) {
        try {
          const p = await getPlaybook(id);
          if (live && !p.offline_only) onLoaded(p);
        } catch {
          /* asked again on the next tick */
        }
      }
    };
    const timer = window.setInterval(check, 10000);
    addEventListener("focus", check);
    return () => {
      live = false;
      clearInterval(timer);
      removeEventListener("focus", check);
    };
  }, [key]);
}

export async function createPlaybook(input: PlaybookInput): Promise<Playbook> {
  return (await api<{ playbook: Playbook }>("POST", "playbooks", input)).playbook;
}

export async function savePlaybook(id: number, input: PlaybookInput): Promise<Playbook> {
  return (await api<{ playbook: Playbook }>("PUT", `playbooks/${id}`, input)).playbook;
}

export async function deletePlaybook(id: number): Promise<void> {
  await api("DELETE", `playbooks/${id}`);
}

export async function setActive(id: number, active: boolean): Promise<Playbook> {
  return (await api<{ playbook: Playbook }>("POST", `playbooks/${id}/${active ? "activate" : "deactivate"}`)).playbook;
}

/** validate asks the server whether input could be saved: the problems, none when it could. */
export async function validate(input: PlaybookInput): Promise<Problem[]> {
  return problemsOf(await api<{ problems?: Problem[] | null; valid?: boolean }>("POST", "playbooks/validate", input));
}

export async function templates(lang: string): Promise<Template[]> {
  return (await api<{ templates: Template[] }>("GET", `playbooks/templates?language=${encodeURIComponent(lang)}`)).templates || [];
}

export async function versions(id: number): Promise<PlaybookVersion[]> {
  return (await api<{ versions: PlaybookVersion[] | null }>("GET", `playbooks/${id}/versions`)).versions || [];
}

export async function version(id: number, n: number): Promise<PlaybookVersion> {
  const r = await api<{ version: PlaybookVersion } | PlaybookVersion>("GET", `playbooks/${id}/versions/${n}`);
  return "version" in r && typeof r.version === "object" ? r.version : (r as PlaybookVersion);
}

/** exportDocument returns the playbook as its file (format "parley-playbook"). */
export async function exportDocument(id: number): Promise<unknown> {
  const r = await api<Record<string, unknown>>("GET", `playbooks/${id}/export`);
  return r && typeof r.document === "object" && r.format === undefined ? r.document : r;
}

/** importDocument saves a file as a new playbook on a website, or as a new version of playbookId. */
export async function importDocument(document: unknown, target: { websiteId?: number; playbookId?: number }): Promise<Playbook> {
  const body: Record<string, unknown> = { document };
  if (target.websiteId) body.website_id = target.websiteId;
  if (target.playbookId) body.playbook_id = target.playbookId;
  return (await api<{ playbook: Playbook }>("POST", "playbooks/import", body)).playbook;
}

/** One card's funnel figures (GET /api/v1/reports/funnel; docs/reports.md). */
export interface CardFunnel {
  card_id: string;
  type: string;
  seen: number;
  answered: number;
  dropped_off: number;
  taken?: number;
  offline?: number;
}

export interface VersionFunnel {
  version: number;
  conversations: number;
  reached_live_chat: number;
  taken: number;
  offline: number;
  leads: number;
  deals: number;
  cards: CardFunnel[];
}

/** funnel reads how visitors went down a playbook's cards, per version (admins). */
export async function funnel(playbookId: number): Promise<VersionFunnel[]> {
  return (await api<{ versions: VersionFunnel[] }>("GET", `reports/funnel?playbook_id=${playbookId}`)).versions || [];
}
