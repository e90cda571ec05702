// Words for the engine's values, as a lead reads them.
import type { Due, Sector, Urgency } from "./bindings";

const DAY = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
});
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });

/** A NaiveDate or NaiveDateTime string as a local date (no time-zone shift). */
function parse(s: string): Date {
  const [d, t = "00:00:00"] = s.split("T");
  const [y, m, day] = d.split("-").map(Number);
  const [h, min, sec] = t.split(":").map((x) => Number.parseInt(x, 10));
  return new Date(y, m - 1, day, h || 0, min || 0, sec || 0);
}

export function day(s: string | null | undefined): string {
  return s ? DAY.format(parse(s)) : "";
}

export function dayTime(s: string | null | undefined): string {
  if (!s) return "";
  const d = parse(s);
  return `${DAY.format(d)} ${TIME.format(d)}`;
}

export function due(d: Due | null | undefined): string {
  if (!d) return "No deadline";
  switch (d.kind) {
    case "end-of-day":
      return `${day(d.at)}, end of day`;
    case "at":
      return dayTime(d.at);
    case "without-delay":
      return "Without delay";
    case "no-limit":
      return "No time limit";
  }
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
