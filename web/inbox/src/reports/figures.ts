// The reports' figures as the API gives them (docs/openapi.yaml, ReportOverview) and how the screen
// writes them: durations in s, min and h, dates in the viewer's time zone.
import { t } from "../i18n";

export interface Durations {
  count: number;
  median: number;
  p90: number;
}

export interface Figures {
  conversations: number;
  answered: number;
  missed: number;
  closed: number;
  first_response: Durations;
  resolution: Durations;
  ratings: { count: number; sum: number; average: number; distribution: number[] };
}

export interface Range {
  from: string;
  to: string;
}

export interface Overview {
  time_zone: string;
  range: Range;
  previous_range: Range;
  current: Figures;
  previous: Figures;
  days: (Figures & { date: string })[];
  previous_days: (Figures & { date: string })[];
  hours: number[][];
  comments: { conversation_id: number; rating: number; comment: string; at: number }[];
}

export interface Breakdown {
  by: string;
  rows: { key: string; current: Figures; previous: Figures }[];
}

/** formatDuration writes ms as "45 s", "2 min 5 s" or "1 h 2 min" (whole seconds). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return t("rep.sec", { s });
  if (s < 3600) return s % 60 ? t("rep.minSec", { m: Math.floor(s / 60), s: s % 60 }) : t("rep.min", { m: s / 60 });
  const m = Math.floor((s % 3600) / 60);
  return t("rep.hourMin", { h: Math.floor(s / 3600), m });
}

/** today is today's date ("2006-01-02") in time zone tz. */
export function today(tz: string, now = new Date()): string {
  try {
    // en-CA writes dates as 2006-01-02.
    return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

/** addDays moves a date ("2006-01-02") by n calendar days. */
export function addDays(date: string, n: number): string {
  const d = new Date(date + "T12:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** dayX is a date's place on a chart's time axis (unix seconds, noon UTC so every zone shows the same day). */
export function dayX(date: string): number {
  return Date.parse(date + "T12:00:00Z") / 1000;
}
