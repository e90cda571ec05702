// Dates as a UK reader writes them (dd/mm/yyyy) and times on the 24-hour clock,
// whatever the system's locale: the browser's own date and time fields follow the
// locale, and many Linux laptops are set to en_US (mm/dd/yyyy, 1:25 PM). The shell
// still receives ISO values (YYYY-MM-DD, HH:MM).

export type Parsed = { ok: true; value: string } | { ok: false; message: string };

export const DATE_EXAMPLE = "21/11/2026";
export const TIME_EXAMPLE = "13:25";

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

const pad = (n: number) => String(n).padStart(2, "0");

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `YYYY-MM-DD` (or the date part of `YYYY-MM-DDTHH:MM`) as `dd/mm/yyyy`; "" stays "". */
export function formatUkDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}

/** The `HH:MM` of `YYYY-MM-DDTHH:MM[:SS]`; "" when there is none. */
export function timeOf(iso: string): string {
  const m = /T(\d{2}):(\d{2})/.exec(iso);
  return m ? `${m[1]}:${m[2]}` : "";
}

/**
 * A date typed as day/month/year (`/`, `.`, `-` or spaces between) into `YYYY-MM-DD`.
 * A pasted ISO date (`2026-11-21`) is taken too. An empty text is `ok` with "".
 */
export function parseUkDate(text: string): Parsed {
  const t = text.trim();
  if (t === "") return { ok: true, value: "" };
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const uk = /^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d+)$/.exec(t);
  let day: number, month: number, year: number;
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (uk) {
    if (uk[3].length !== 4) {
      return { ok: false, message: `Write the year in full, for example ${DATE_EXAMPLE}` };
    }
    [day, month, year] = [Number(uk[1]), Number(uk[2]), Number(uk[3])];
  } else {
    return { ok: false, message: `Write the date as day/month/year, for example ${DATE_EXAMPLE}` };
  }
  if (month < 1 || month > 12) {
    // 11/21/2026 is US order: say how to write it the UK way.
    if (!iso && day >= 1 && day <= 12 && month <= 31) {
      return {
        ok: false,
        message: `There is no month ${month}: write the day first, then the month, as ${pad(month)}/${pad(day)}/${year}`,
      };
    }
    return { ok: false, message: `There is no month ${month}: the month is 01 to 12` };
  }
  const most = daysIn(year, month);
  if (day < 1 || day > most) {
    return { ok: false, message: `${MONTHS[month - 1]} ${year} has ${most} days: check the day` };
  }
  return { ok: true, value: `${year}-${pad(month)}-${pad(day)}` };
}

/** A time on the 24-hour clock (`13:25`, `1325`, `9.05`) into `HH:MM`; "" is `ok` with "". */
export function parseTime24(text: string): Parsed {
  const t = text.trim();
  if (t === "") return { ok: true, value: "" };
  if (/[ap]\.?\s*m\.?$/i.test(t)) {
    return { ok: false, message: `Use the 24-hour clock, for example ${TIME_EXAMPLE} for 1:25 pm` };
  }
  const m = /^(\d{1,2})[:.]?(\d{2})$/.exec(t);
  if (!m) return { ok: false, message: `Write the time as hours:minutes, for example ${TIME_EXAMPLE}` };
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (h > 23) return { ok: false, message: `There is no hour ${h}: the hour is 00 to 23` };
  if (min > 59) return { ok: false, message: `There is no minute ${min}: the minutes are 00 to 59` };
  return { ok: true, value: `${pad(h)}:${pad(min)}` };
}
