// Notifications in the open inbox (docs/notifications.md): the settings dialog the bell opens (per
// event and per way, the sounds and their volume, push on this device), the banner that asks for
// the browser's permission on the first visit (a button: browsers ignore prompts at load), and the
// notifier the store calls. One tab of the browser notifies (it holds a Web Lock); the others stay
// quiet. While no tab of the agent is in use the server pushes instead, and this tab leaves the
// desktop notification to the push: never two of the same thing.
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { howToTell, notifyEvents, settingEvents, soundNames, ways, waysOf, type NotifyEvent, type SoundName, type WayName } from "../lib/notify";
import * as push from "../lib/push";
import { SoundPlayer } from "../lib/sound";
import type { Notifier, NotifyContext } from "../state/inbox";
import type { Conversation } from "../types";
import { contactName, Dialog, Icon, useInbox } from "./common";

const askedKey = "parley.notify.asked";

export function permission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export class BrowserNotifier implements Notifier {
  private leader = false;
  readonly sounds = new SoundPlayer();
  /** this browser has a push subscription the server knows */
  pushHere = false;
  /** tell is how an in-app notification is shown (the store's notice). */
  constructor(private tell: (title: string, text: string, conversationId: number) => void) {
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
    void push.refresh().then((on) => (this.pushHere = on));
  }

  fire(ev: NotifyEvent, c: Conversation, text: string, ctx: NotifyContext): void {
    if (!this.leader) return;
    const title = t("notify.title." + ev, { name: contactName(c) });
    const how = howToTell(ev, ctx.settings, {
      inAppAllowed: ctx.inAppAllowed,
      focused: document.visibilityState === "visible" && document.hasFocus(),
      attentive: ctx.attentive,
      pushHere: this.pushHere,
      permission: permission(),
    });
    if (how.inApp) this.tell(title, text, c.id);
    if (how.sound) this.sounds.play(ctx.settings.sounds[ev], ctx.settings.volume);
    if (how.desktop) {
      try {
        // The same tag as a push of this conversation: one conversation shows one notification.
        const n = new Notification(title, { body: text, tag: "parley-c" + c.id, lang: document.documentElement.lang, icon: "/inbox/assets/icon-192.png" });
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
}

/** SoundHint asks for a click when the browser holds sounds back until the page is used. */
function SoundHint({ notifier }: { notifier: BrowserNotifier }) {
  const [blocked, setBlocked] = useState(notifier.sounds.blocked);
  useEffect(() => notifier.sounds.onUnlock(() => setBlocked(false)), []);
  return blocked ? <p class="small muted">{t("notify.sound.blocked")}</p> : null;
}

export function NotifyDialog({ onClose, notifier }: { onClose: () => void; notifier: BrowserNotifier }) {
  const inbox = useInbox("settings");
  const [perm, setPerm] = useState(permission());
  const [pushOn, setPushOn] = useState(notifier.pushHere);
  const [pushBusy, setPushBusy] = useState(false);
  const [pushErr, setPushErr] = useState("");
  const s = inbox.settings;
  const set = (ev: (typeof settingEvents)[number], way: WayName, on: boolean) => {
    inbox.saveSettings({ ...s, notify: { ...s.notify, [ev]: { ...s.notify[ev], [way]: on } } });
  };
  const setSound = (ev: NotifyEvent, name: SoundName) => {
    inbox.saveSettings({ ...s, sounds: { ...s.sounds, [ev]: name } });
    notifier.sounds.play(name, s.volume);
  };
  const togglePush = async () => {
    setPushBusy(true);
    setPushErr("");
    try {
      if (pushOn) {
        await push.unsubscribe();
        notifier.pushHere = false;
        setPushOn(false);
      } else {
        const on = await push.subscribe();
        notifier.pushHere = on;
        setPushOn(on);
        if (!on) setPushErr(t("notify.push.refused"));
      }
    } catch {
      setPushErr(t("notify.push.failed"));
    }
    setPerm(permission());
    setPushBusy(false);
  };
  return (
    <Dialog title={t("notify.title")} onClose={onClose} class="dlg-wide">
      <p class="hint">{t("notify.intro")}</p>
      {!inbox.inAppAllowed && <p class="small notify-off">{t("notify.inAppOff")}</p>}
      <div class="notify-scroll">
        <table class="notify-table">
          <thead>
            <tr>
              <th scope="col">{t("notify.event")}</th>
              {ways.map((w) => (
                <th scope="col" key={w}>
                  {t("notify.way." + w)}
                </th>
              ))}
              <th scope="col">{t("notify.soundName")}</th>
            </tr>
          </thead>
          <tbody>
            {settingEvents.map((ev) => (
              <tr key={ev}>
                <th scope="row">{t("notify.ev." + ev)}</th>
                {ways.map((way) =>
                  waysOf(ev).includes(way) ? (
                    <td key={way} data-label={t("notify.way." + way)}>
                      <input
                        type="checkbox"
                        checked={s.notify[ev][way]}
                        disabled={way === "in_app" && !inbox.inAppAllowed}
                        aria-label={t("notify.cell", { event: t("notify.ev." + ev), way: t("notify.way." + way) })}
                        onChange={(e) => set(ev, way, (e.target as HTMLInputElement).checked)}
                      />
                    </td>
                  ) : (
                    <td key={way} class="muted" aria-hidden="true">
                      –
                    </td>
                  ),
                )}
                <td data-label={(notifyEvents as string[]).includes(ev) ? t("notify.soundName") : undefined}>
                  {(notifyEvents as string[]).includes(ev) ? (
                    <select
                      class="notify-sound"
                      value={s.sounds[ev as NotifyEvent]}
                      aria-label={t("notify.soundFor", { event: t("notify.ev." + ev) })}
                      onChange={(e) => setSound(ev as NotifyEvent, (e.target as HTMLSelectElement).value as SoundName)}
                    >
                      {soundNames.map((n) => (
                        <option key={n} value={n}>
                          {t("notify.sound." + n)}
                        </option>
                      ))}
                    </select>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="notify-volume">
        <label for="notify-volume">{t("notify.volume")}</label>
        <input
          id="notify-volume"
          type="range"
          min="0"
          max="100"
          step="5"
          value={s.volume}
          onChange={(e) => {
            const v = Number((e.target as HTMLInputElement).value);
            inbox.saveSettings({ ...s, volume: v });
            notifier.sounds.play("chime", v);
          }}
        />
        <span class="small muted">{s.volume}%</span>
      </div>
      <SoundHint notifier={notifier} />
      <section class="notify-push" aria-labelledby="notify-push-h">
        <h3 id="notify-push-h">{t("notify.push.title")}</h3>
        {!push.pushSupported() ? (
          <p class="small muted">{t("notify.push.unsupported")}</p>
        ) : (
          <>
            <p class="small">{pushOn ? t("notify.push.on") : t("notify.push.off")}</p>
            <button type="button" class="btn btn-s" disabled={pushBusy || perm === "denied"} onClick={() => void togglePush()}>
              {pushOn ? t("notify.push.disable") : t("notify.push.enable")}
            </button>
            {pushErr && (
              <p class="small err" role="alert">
                {pushErr}
              </p>
            )}
          </>
        )}
      </section>
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
        <button type="button" class="btn" onClick={() => notifier.sounds.play(s.sounds.new_unassigned, s.volume)}>
          {t("notify.test")}
        </button>
        <button type="button" class="btn btn-primary" onClick={onClose}>
          {t("done")}
        </button>
      </div>
    </Dialog>
  );
}

/**
 * PermissionBanner asks once for permission to notify, with a button (browsers, phones above all,
 * ignore a request nobody clicked); allowed, it turns web push on for this device too.
 */
export function PermissionBanner({ notifier }: { notifier: BrowserNotifier }) {
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
          if (push.pushSupported()) {
            notifier.pushHere = await push.subscribe().catch(() => false);
          } else if (typeof Notification !== "undefined") {
            await Notification.requestPermission();
          }
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
