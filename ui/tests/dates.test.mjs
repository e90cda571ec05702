// The date and time parser behind DateField and DateTimeField, checked over every day
// from 1900 to 2100, every day/month pair, every hour/minute pair, and seeded random
// text: a whole, possible date or time comes back as ISO, anything else is refused with
// words to show, and nothing throws.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import ts from "typescript";

const source = fs.readFileSync(new URL("../src/lib/dates.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { parseUkDate, parseTime24, formatUkDate, timeOf } = await import(
  `data:text/javascript;base64,${Buffer.from(js).toString("base64")}`
);

const pad = (n) => String(n).padStart(2, "0");
const realDay = (y, m, d) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

test("every day from 1900 to 2100 reads back from dd/mm/yyyy, d/m/yyyy, dots, dashes and spaces", () => {
  let days = 0;
  for (let t = Date.UTC(1900, 0, 1); t <= Date.UTC(2100, 11, 31); t += 86400000) {
    const d = new Date(t);
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const iso = `${y}-${pad(m)}-${pad(day)}`;
    assert.equal(formatUkDate(iso), `${pad(day)}/${pad(m)}/${y}`);
    for (const text of [formatUkDate(iso), `${day}/${m}/${y}`, `${day}.${m}.${y}`, `${pad(day)}-${pad(m)}-${y}`, ` ${day} ${m} ${y} `, iso]) {
      assert.deepEqual(parseUkDate(text), { ok: true, value: iso }, text);
    }
    days++;
  }
  assert.equal(days, 73414);
});

test("a day and month that make no date are refused, with words, for leap and common years", () => {
  for (const y of [2024, 2026, 2000, 1900]) {
    for (let m = 0; m <= 40; m++) {
      for (let d = 0; d <= 40; d++) {
        const r = parseUkDate(`${pad(d)}/${pad(m)}/${y}`);
        if (m >= 1 && m <= 12 && realDay(y, m, d)) {
          assert.deepEqual(r, { ok: true, value: `${y}-${pad(m)}-${pad(d)}` });
        } else {
          assert.equal(r.ok, false, `${d}/${m}/${y}`);
          assert.ok(r.message.length > 10, r.message);
        }
      }
    }
  }
  assert.equal(parseUkDate("29/02/2024").ok, true);
  assert.equal(parseUkDate("29/02/1900").message, "February 1900 has 28 days: check the day");
  assert.equal(parseUkDate("11/21/2026").message, "There is no month 21: write the day first, then the month, as 21/11/2026");
  assert.equal(parseUkDate("21/11/26").message, "Write the year in full, for example 21/11/2026");
  assert.deepEqual(parseUkDate(""), { ok: true, value: "" });
});

test("every hour and minute pair: 00:00 to 23:59 taken, the rest and am/pm refused", () => {
  for (let h = 0; h <= 99; h++) {
    for (let m = 0; m <= 99; m++) {
      const want = h <= 23 && m <= 59 ? { ok: true, value: `${pad(h)}:${pad(m)}` } : null;
      for (const text of [`${pad(h)}:${pad(m)}`, `${h}:${pad(m)}`, `${pad(h)}${pad(m)}`, `${h}.${pad(m)}`]) {
        const r = parseTime24(text);
        if (want) assert.deepEqual(r, want, text);
        else assert.equal(r.ok, false, text);
      }
    }
  }
  assert.equal(parseTime24("1:25 pm").message, "Use the 24-hour clock, for example 13:25 for 1:25 pm");
  assert.equal(timeOf("2026-11-21T13:25:00"), "13:25");
  assert.equal(timeOf("2026-11-21"), "");
});

test("random text never throws: it is a date or a refusal with words", () => {
  // A fixed seed, so a failure is reproducible.
  let seed = 20261121;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const alphabet = "0123456789/.-: apmAPM\u00a0\u202e\u0000x";
  for (let i = 0; i < 20000; i++) {
    const len = Math.floor(next() * 14);
    let text = "";
    for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    for (const r of [parseUkDate(text), parseTime24(text)]) {
      if (r.ok) assert.match(r.value, /^(\d{4}-\d\d-\d\d|\d\d:\d\d|)$/, JSON.stringify(text));
      else assert.ok(typeof r.message === "string" && r.message.length > 10, JSON.stringify(text));
    }
  }
});
