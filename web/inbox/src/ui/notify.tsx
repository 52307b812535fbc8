// Desktop notifications with a sound: the settings dialog the bell opens, the banner that asks for
// the browser's permission (a button, not a prompt at load), and the notifier the store calls.
// One tab of the browser notifies (it holds a Web Lock); the others stay quiet.
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { notifyEvents, type NotifyEvent, type NotifySettings } from "../lib/notify";
import { chime, dataURI } from "../lib/wav";
import type { Notifier } from "../state/inbox";
import type { Conversation } from "../types";
import { contactName, Dialog, Icon, useInbox } from "./common";

const askedKey = "parley.notify.asked";

export function permission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export class BrowserNotifier implements Notifier {
  private leader = false;
  private sound: HTMLAudioElement | null = null;

  constructor() {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (locks && locks.request) {
      // Held until the tab closes; the next tab in line takes over then.
      void locks.request("parley-notify", () => {
        this.leader = true;
        return new Promise<void>(() => {});
      });
    } else {
      this.leader = true;
    }
  }

  fire(ev: NotifyEvent, c: Conversation, text: string, s: NotifySettings): void {
    if (!this.leader) return;
    const way = s[ev];
    if (way.sound) this.play();
    if (way.desktop && permission() === "granted" && (document.visibilityState !== "visible" || !document.hasFocus())) {
      try {
        const n = new Notification(t("notify.title." + ev, { name: contactName(c) }), { body: text, tag: "parley-" + c.id, lang: document.documentElement.lang });
        n.onclick = () => {
          window.focus();
          location.hash = "#/c/" + c.id;
          n.close();
        };
      } catch {
        /* some browsers only notify from a service worker */
      }
    }
  }

  play(): void {
    try {
      if (!this.sound) this.sound = new Audio(dataURI(chime(), "audio/wav"));
      this.sound.currentTime = 0;
      void this.sound.play().catch(() => {});
    } catch {
      /* no audio here */
    }
  }
}

export function NotifyDialog({ onClose, notifier }: { onClose: () => void; notifier: BrowserNotifier }) {
  const inbox = useInbox("settings");
  const [perm, setPerm] = useState(permission());
  const s = inbox.settings;
  const set = (ev: NotifyEvent, way: "desktop" | "sound", on: boolean) => {
    inbox.saveSettings({ ...s, [ev]: { ...s[ev], [way]: on } });
  };
  return (
    <Dialog title={t("notify.title")} onClose={onClose} class="dlg-wide">
      <p class="hint">{t("notify.intro")}</p>
      <table class="notify-table">
        <thead>
          <tr>
            <th scope="col">{t("notify.event")}</th>
            <th scope="col">{t("notify.desktop")}</th>
            <th scope="col">{t("notify.sound")}</th>
          </tr>
        </thead>
        <tbody>
          {notifyEvents.map((ev) => (
            <tr key={ev}>
              <th scope="row">{t("notify.ev." + ev)}</th>
              {(["desktop", "sound"] as const).map((way) => (
                <td key={way}>
                  <input type="checkbox" checked={s[ev][way]} aria-label={t("notify.cell", { event: t("notify.ev." + ev), way: t("notify." + way) })} onChange={(e) => set(ev, way, (e.target as HTMLInputElement).checked)} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small">
        {perm === "granted" && t("notify.perm.granted")}
        {perm === "denied" && t("notify.perm.denied")}
        {perm === "unsupported" && t("notify.perm.unsupported")}
        {perm === "default" && (
          <>
            {t("notify.perm.default")}{" "}
            <button type="button" class="link-btn" onClick={async () => setPerm(await Notification.requestPermission())}>
              {t("notify.allow")}
            </button>
          </>
        )}
      </p>
      <p class="small muted">{t("notify.email")}</p>
      <div class="dlg-actions">
        <button type="button" class="btn" onClick={() => notifier.play()}>
          {t("notify.test")}
        </button>
        <button type="button" class="btn btn-primary" onClick={onClose}>
          {t("done")}
        </button>
      </div>
    </Dialog>
  );
}

/** PermissionBanner asks once for permission to notify, with a button (browsers ignore prompts at load). */
export function PermissionBanner() {
  const [show, setShow] = useState(() => permission() === "default" && !safeGet(askedKey));
  if (!show) return null;
  const done = () => {
    try {
      localStorage.setItem(askedKey, "1");
    } catch {
      /* asked again next time */
    }
    setShow(false);
  };
  return (
    <div class="banner" role="region" aria-label={t("notify.bannerLabel")}>
      <Icon name="bell" />
      <p>{t("notify.banner")}</p>
      <button
        type="button"
        class="btn btn-primary btn-s"
        onClick={async () => {
          await Notification.requestPermission();
          done();
        }}
      >
        {t("notify.allow")}
      </button>
      <button type="button" class="btn btn-s" onClick={done}>
        {t("notify.later")}
      </button>
    </div>
  );
}

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
