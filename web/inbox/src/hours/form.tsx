// A website's business hours (its settings in Admin → Websites): weekly hours in the website's time
// zone, holidays, and the away message the widget shows outside them.
import { useState } from "preact/hooks";
import { api } from "../api";
import { lang, t } from "../i18n";
import type { Website } from "../admin/types";
import { Field, IconButton, Status, useSubmit } from "../admin/ui";
import "./hours.css";

export interface Span {
  from: string;
  to: string;
}

export interface Holiday {
  date: string;
  name?: string;
}

export interface BusinessHours {
  enabled: boolean;
  weekly: Record<string, Span[]>;
  holidays: Holiday[];
  away_message: string;
}

export const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** dayName is the weekday in the inbox's language (2024-01-01 was a Monday). */
function dayName(i: number): string {
  return new Intl.DateTimeFormat(lang(), { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i)));
}

/** openAt says whether the hours are open at instant `at` in time zone tz (as the server's OpenAt). */
export function openAt(h: BusinessHours, tz: string, at: Date): boolean {
  if (!h.enabled) return true;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(at);
  } catch {
    return true;
  }
  const p = (k: string) => (parts.find((x) => x.type === k) || { value: "" }).value;
  const date = p("year") + "-" + p("month") + "-" + p("day");
  if (h.holidays.some((x) => x.date === date)) return false;
  const day = p("weekday").slice(0, 3).toLowerCase();
  const now = p("hour") + ":" + p("minute");
  return (h.weekly[day] || []).some((s) => now >= s.from && (now < s.to || s.to === "24:00"));
}

const defaults: BusinessHours = {
  enabled: false,
  weekly: { mon: [{ from: "09:00", to: "17:00" }], tue: [{ from: "09:00", to: "17:00" }], wed: [{ from: "09:00", to: "17:00" }], thu: [{ from: "09:00", to: "17:00" }], fri: [{ from: "09:00", to: "17:00" }] },
  holidays: [],
  away_message: "",
};

export function BusinessHoursForm({ site, onChange }: { site: Website; onChange: (w: Website) => void }) {
  const stored = (site as Website & { business_hours?: BusinessHours }).business_hours;
  const first = stored && (stored.enabled || Object.keys(stored.weekly || {}).length) ? stored : defaults;
  const [h, setH] = useState<BusinessHours>({ enabled: !!first.enabled, weekly: { ...(first.weekly || {}) }, holidays: [...(first.holidays || [])], away_message: first.away_message || "" });
  const s = useSubmit();
  const headingId = `hours-${site.id}`;
  const setDay = (day: string, spans: Span[]) => setH({ ...h, weekly: { ...h.weekly, [day]: spans } });
  const open = openAt(h, site.time_zone, new Date());
  return (
    <form
      class="adm-form hours"
      aria-labelledby={headingId}
      onSubmit={async (e) => {
        e.preventDefault();
        await s.run(async () => {
          const r = await api<{ website: Website }>("PATCH", `websites/${site.id}`, { business_hours: h });
          onChange(r.website);
        }, t("admin.saved"));
      }}
    >
      <h3 id={headingId}>{t("hours.title")}</h3>
      <p class="adm-hint">{t("hours.lead", { tz: site.time_zone })}</p>
      <label class="hours-enable">
        <input type="checkbox" name="enabled" checked={h.enabled} onChange={(e) => setH({ ...h, enabled: (e.currentTarget as HTMLInputElement).checked })} /> {t("hours.enabled")}
      </label>
      {h.enabled && (
        <>
          <p class="hours-now" role="status">
            {t("hours.now", { state: open ? t("hours.nowOpen") : t("hours.nowClosed") })}
          </p>
          <ul class="hours-days">
            {days.map((day, i) => {
              const spans = h.weekly[day] || [];
              const name = dayName(i);
              return (
                <li key={day} class="hours-day" data-day={day}>
                  <span class="hours-name">{name}</span>
                  <div class="hours-spans">
                    {spans.length === 0 && <span class="adm-muted">{t("hours.closed")}</span>}
                    {spans.map((sp, j) => (
                      <span class="hours-span" key={j}>
                        <input
                          type="time"
                          aria-label={name + " " + t("hours.from")}
                          value={sp.from}
                          required
                          onInput={(e) => setDay(day, spans.map((x, k) => (k === j ? { ...x, from: (e.currentTarget as HTMLInputElement).value } : x)))}
                        />
                        <span aria-hidden="true">–</span>
                        <input
                          type="time"
                          aria-label={name + " " + t("hours.to")}
                          value={sp.to === "24:00" ? "23:59" : sp.to}
                          required
                          onInput={(e) => setDay(day, spans.map((x, k) => (k === j ? { ...x, to: (e.currentTarget as HTMLInputElement).value } : x)))}
                        />
                        <IconButton icon="bin" label={t("hours.removeSpan", { day: name, from: sp.from, to: sp.to })} onClick={() => setDay(day, spans.filter((_, k) => k !== j))} />
                      </span>
                    ))}
                  </div>
                  <IconButton icon="plus" label={t("hours.addSpan", { day: name })} onClick={() => setDay(day, [...spans, spans.length ? { from: spans[spans.length - 1].to, to: "23:59" } : { from: "09:00", to: "17:00" }])} />
                </li>
              );
            })}
          </ul>
          <fieldset class="hours-holidays">
            <legend>{t("hours.holidays")}</legend>
            {h.holidays.length === 0 && <p class="adm-muted">{t("hours.noHolidays")}</p>}
            {h.holidays.map((x, j) => (
              <div class="hours-holiday" key={j}>
                <input type="date" aria-label={t("hours.date")} required value={x.date} onInput={(e) => setH({ ...h, holidays: h.holidays.map((y, k) => (k === j ? { ...y, date: (e.currentTarget as HTMLInputElement).value } : y)) })} />
                <input type="text" aria-label={t("hours.holidayName")} placeholder={t("hours.holidayName")} value={x.name || ""} maxLength={100} onInput={(e) => setH({ ...h, holidays: h.holidays.map((y, k) => (k === j ? { ...y, name: (e.currentTarget as HTMLInputElement).value } : y)) })} />
                <IconButton icon="bin" label={t("hours.removeHoliday", { date: x.date || "?" })} onClick={() => setH({ ...h, holidays: h.holidays.filter((_, k) => k !== j) })} />
              </div>
            ))}
            <button type="button" class="adm-btn" onClick={() => setH({ ...h, holidays: [...h.holidays, { date: new Date().toISOString().slice(0, 10), name: "" }] })}>
              {t("hours.addHoliday")}
            </button>
          </fieldset>
          <Field label={t("hours.away")} hint={t("hours.awayHint")}>
            {(id, desc) => <textarea id={id} name="away" aria-describedby={desc} rows={2} maxLength={1000} value={h.away_message} onInput={(e) => setH({ ...h, away_message: (e.currentTarget as HTMLTextAreaElement).value })} />}
          </Field>
        </>
      )}
      <Status s={s} />
      <div class="adm-actions">
        <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
          {t("hours.save")}
        </button>
      </div>
    </form>
  );
}
