// Words for the engine's values, as a lead reads them.
import type { Sector, Urgency } from "./bindings";
import { formatUkDate, timeOf } from "./dates";

// Dates read as everywhere else in Escalate (the forms, the chronology, the alerts, all
// written by escalate_core::format): dd/mm/yyyy and the 24-hour clock. Deadlines come
// from the shell already in words (`due_text`, `next_due_text`), made by that formatter.

export function day(s: string | null | undefined): string {
  return s ? formatUkDate(s) : "";
}

export function dayTime(s: string | null | undefined): string {
  if (!s) return "";
  const time = timeOf(s);
  return time ? `${formatUkDate(s)} ${time}` : formatUkDate(s);
}

export function urgencyWords(u: Urgency): string {
  switch (u.status) {
    case "on-track":
      return "On track";
    case "due-soon":
      return "Due within a working day";
    case "overdue":
      return u.working_days === 1
        ? "Overdue by 1 working day"
        : `Overdue by ${u.working_days} working days`;
  }
}

export const SECTORS: [Sector, string][] = [
  ["schools", "Schools and education"],
  ["health-primary", "Health: GP and community"],
  ["health-secondary", "Health: hospitals"],
  ["police", "Police"],
  ["local-authority", "Local authority / children's social care"],
  ["voluntary", "Voluntary sector"],
  ["other", "Other"],
];

export const CALENDARS: [string, string][] = [
  ["england-and-wales", "England and Wales"],
  ["scotland", "Scotland"],
  ["northern-ireland", "Northern Ireland"],
];



/** `YYYY-MM-DDTHH:MM` for a date-and-time field (lib/DateTimeField), in local time. */
export function localInputNow(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * 86400000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A date-and-time field's value as the NaiveDateTime the shell expects. */
export function toNaive(v: string): string | null {
  if (!v) return null;
  return v.length === 16 ? `${v}:00` : v;
}

/** "Stage 2: First line managers", without doubling titles that already say "Stage". */
export function stageHeading(n: number, title: string): string {
  return /^(stage|informal)/i.test(title.trim()) ? title : `Stage ${n}: ${title}`;
}

/** Today's date (local) as the ISO date a date field binds. */
export function todayIso(): string {
  return localInputNow().slice(0, 10);
}
