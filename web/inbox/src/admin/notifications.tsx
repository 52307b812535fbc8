// Notifications in the admin area: the company's switch for in-app notifications (admins), and in
// every user's profile the devices that get their web pushes (docs/notifications.md).
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { deviceID, forgetDevice, unsubscribe } from "../lib/push";
import { device } from "./text";
import type { Me, PushDevice } from "./types";
import { Confirm, fmtTime, Loading, Status, useLoad, useSubmit } from "./ui";

interface Company {
  in_app_notifications: boolean;
}

/** CompanyNotificationsScreen: what an admin sets for everyone (the agents choose the rest with the bell). */
export function CompanyNotificationsScreen({ onInApp }: { onInApp?: (on: boolean) => void }) {
  const company = useLoad(() => api<Company>("GET", "company-settings"));
  const s = useSubmit();
  return (
    <div class="adm-screen">
      <h1>{t("admin.notifications.title")}</h1>
      <p class="adm-lead">{t("admin.notifications.lead")}</p>
      {!company.data ? (
        <Loading error={company.error} />
      ) : (
        <section class="adm-panel" aria-labelledby="adm-inapp-h">
          <h2 id="adm-inapp-h">{t("admin.notifications.inApp")}</h2>
          <button
            type="button"
            role="switch"
            class="adm-switch"
            aria-checked={company.data.in_app_notifications}
            aria-label={t("admin.notifications.inAppLabel")}
            disabled={s.busy}
            onClick={() => {
              const on = !company.data!.in_app_notifications;
              void s.run(async () => {
                company.set(await api<Company>("PATCH", "company-settings", { in_app_notifications: on }));
                if (onInApp) onInApp(on);
              }, t("admin.saved"));
            }}
          >
            <span class="adm-switch-knob" aria-hidden="true" />
            <span class="adm-switch-text">{company.data.in_app_notifications ? t("admin.webhooks.on") : t("admin.webhooks.off")}</span>
          </button>
          <p class="adm-hint">{t("admin.notifications.inAppHint")}</p>
          <Status s={s} />
        </section>
      )}
    </div>
  );
}

/** Devices lists the devices that get the user's web pushes, each removable. */
export function Devices({ me }: { me: Me }) {
  const list = useLoad(() => api<{ devices: PushDevice[] }>("GET", "me/push-subscriptions").then((r) => r.devices));
  const [remove, setRemove] = useState<PushDevice | null>(null);
  const s = useSubmit();
  const here = deviceID();
  const name = (d: PushDevice) => d.device || device(d.user_agent) || t("admin.sessions.unknown");
  return (
    <section class="adm-panel" aria-labelledby="adm-devices-h">
      <h2 id="adm-devices-h">{t("admin.devices.title")}</h2>
      <p class="adm-hint">{t("admin.devices.lead")}</p>
      {!list.data ? (
        <Loading error={list.error} />
      ) : list.data.length === 0 ? (
        <p class="adm-muted">{t("admin.devices.none")}</p>
      ) : (
        <ul class="adm-list adm-devices">
          {list.data.map((d) => (
            <li class="adm-row" key={d.id}>
              <div class="adm-row-main">
                <p class="adm-name">
                  {name(d)}
                  {d.id === here && <span class="adm-badge">{t("admin.devices.this")}</span>}
                </p>
                <p class="adm-muted">
                  {d.service} · {t("admin.sessions.since", { time: fmtTime(d.created_at, me.time_zone as string) })}
                  {d.last_sent_at > 0 && " · " + t("admin.devices.lastPush", { time: fmtTime(d.last_sent_at, me.time_zone as string) })}
                </p>
              </div>
              <div class="adm-row-side">
                <button type="button" class="adm-btn adm-danger-outline" onClick={() => setRemove(d)}>
                  {t("admin.devices.remove")}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Status s={s} />
      {remove && (
        <Confirm
          title={t("admin.devices.removeTitle")}
          text={t("admin.devices.removeText", { device: name(remove) })}
          action={t("admin.devices.remove")}
          danger
          onClose={() => setRemove(null)}
          onConfirm={async () => {
            if (remove.id === here) {
              await unsubscribe(); // this browser: its own subscription goes too
            } else {
              await api("DELETE", `me/push-subscriptions/${remove.id}`);
              forgetDevice(remove.id);
            }
            list.set((list.data || []).filter((x) => x.id !== remove.id));
            s.clear();
          }}
        />
      )}
    </section>
  );
}
