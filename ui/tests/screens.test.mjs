// Every screen of the built UI in Debian's Chromium, with the shell's IPC faked from
// real demo-store fixtures; each screen is checked with axe-core (no serious or
// critical violations) and driven by keyboard where a lead would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { installFakeBackend } from "./fake-backend.js";
import { COMMAND_NAMES, PLUGIN_COMMANDS } from "./command-names.mjs";

const require = createRequire(import.meta.url);
const dist = new URL("../dist/", import.meta.url).pathname;
const fixturesPath = process.env.ESCALATE_UI_FIXTURES;
assert.ok(fixturesPath, "ESCALATE_UI_FIXTURES is not set: run these through `make ui-test`");
const fixtures = JSON.parse(fs.readFileSync(fixturesPath, "utf8"));
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png" };
let server;
let base;
let browser;

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const file = path.join(dist, url.pathname === "/" ? "index.html" : url.pathname);
    if (!file.startsWith(dist) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(mode, { clock = false, locale = "en-GB" } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale });
  if (clock) await page.clock.install();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(installFakeBackend, { fixtures, mode, known: [...COMMAND_NAMES, ...PLUGIN_COMMANDS] });
  await page.goto(base);
  page.errors = errors;
  return page;
}

async function calls(page, cmd) {
  return (await page.evaluate(() => window.__calls)).filter((c) => c.cmd === cmd);
}

async function accessible(page, screen) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    [],
    `${screen} has serious or critical accessibility violations`,
  );
  assert.deepEqual(page.errors, [], `${screen} threw in the page`);
}

const caseFor = (child) => Object.values(fixtures.case_detail).find((c) => c.child_name === child);

test("first run: profile, then the passphrase shown once and confirmed", async () => {
  const page = await open("first-run");
  await page.getByRole("heading", { name: "Welcome to Escalate" }).waitFor();
  await accessible(page, "first run");
  await page.getByLabel("Your name").fill("Ann Lead");
  await page.getByLabel("Designation").fill("DSL");
  await page.getByLabel("Agency", { exact: true }).fill("Hill School");
  await page.getByLabel("Your partnership's protocol").selectOption("london");
  await page.getByRole("button", { name: "Continue" }).click();
  const shown = await page.locator(".passphrase").textContent();
  assert.equal(shown, "ABCDE-FGHJK-MNPQR-STUVW-XYZ23-45678-9ABCD-EFGHJ");
  await accessible(page, "recovery passphrase");
  await page.getByLabel(/Type the passphrase again/).fill("ABCDE-WRONG");
  await page.getByRole("button", { name: "Create my encrypted store" }).click();
  await page.getByRole("alert").filter({ hasText: "confirm:" }).waitFor();
  // The field the error names has focus and is marked invalid.
  assert.equal(await page.evaluate(() => document.activeElement?.id), "confirm");
  assert.equal(await page.locator("#confirm").getAttribute("aria-invalid"), "true");
  await page.getByLabel(/Type the passphrase again/).fill(shown);
  await page.getByRole("button", { name: "Create my encrypted store" }).click();
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  const [create] = await calls(page, "create_store");
  assert.equal(create.args.profile.protocol_id, "london");
  assert.equal(create.args.profile.calendar, "england-and-wales");
  await page.close();
});

test("unlock asks for the recovery passphrase only when the keyring cannot help", async () => {
  const page = await open("needs-passphrase");
  await page.getByRole("heading", { name: "Escalate is locked" }).waitFor();
  await accessible(page, "unlock");
  await page.getByLabel("Recovery passphrase").fill("wrong one");
  await page.getByRole("button", { name: "Unlock with passphrase" }).click();
  await page.getByRole("alert").filter({ hasText: "wrong" }).waitFor();
  await page.getByLabel("Recovery passphrase").fill("right passphrase");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  const unlocks = await calls(page, "unlock");
  assert.deepEqual(unlocks.map((c) => c.args.passphrase), [null, "wrong one", "right passphrase"]);
  await page.close();
});

test("dashboard: most urgent first, status in words, filters and search", async () => {
  const page = await open("unlocked");
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  await accessible(page, "dashboard");
  const rows = page.locator("table.cases tbody tr");
  assert.equal(await rows.count(), fixtures.list_cases.open.length);
  const first = fixtures.list_cases.open[0];
  assert.match(await rows.first().textContent(), new RegExp(first.child_name));
  assert.match(await rows.first().textContent(), /Overdue by \d+ working days?/);
  // The deadline in the words the shell's one formatter made (dd/mm/yyyy), not redone here.
  const dated = fixtures.list_cases.open.findIndex((c) => /^\d\d\/\d\d\/\d{4}/.test(c.next_due_text ?? ""));
  assert.ok(dated >= 0, "a case with a dated next deadline");
  assert.ok((await rows.nth(dated).textContent()).includes(fixtures.list_cases.open[dated].next_due_text));
  // A case on another route than the standard one says which, from the shell's data.
  const routed = fixtures.list_cases.open.findIndex((c) => c.route);
  assert.ok(routed >= 0, "a case on an alternative route");
  assert.ok((await rows.nth(routed).textContent()).includes(`on the route “${fixtures.list_cases.open[routed].route}”`));
  const standard = fixtures.list_cases.open.findIndex((c) => !c.route);
  assert.ok(!(await rows.nth(standard).textContent()).includes("on the route"));
  await page.getByLabel("Status").selectOption("overdue");
  const overdue = fixtures.list_cases.open.filter((c) => c.urgency.status === "overdue").length;
  assert.equal(await rows.count(), overdue);
  await page.getByLabel("Status").selectOption("all");
  await page.getByLabel("Search by child or reference").fill("Carys");
  await page.waitForFunction(() => document.querySelectorAll("table.cases tbody tr").length === 1);
  const searches = await calls(page, "list_cases");
  assert.equal(searches.at(-1).args.search, "Carys");
  await page.close();
});

test("new difference: an excluded case is redirected in the protocol's words", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "New difference" }).first().click();
  await page.getByRole("heading", { name: "Is this for the protocol?" }).waitFor();
  await accessible(page, "scope check");
  const wb = fixtures.protocols.find((p) => p.id === "western-bay");
  const x = wb.exclusions[1];
  await page.getByRole("group", { name: x.question }).getByLabel("Yes").check();
  await page.getByRole("alert").filter({ hasText: x.redirect }).waitFor();
  assert.match(await page.getByRole("alert").textContent(), new RegExp(x.words.slice(0, 40).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.equal(await page.getByRole("button", { name: "Continue" }).count(), 0);
  for (const q of wb.exclusions) await page.getByRole("group", { name: q.question }).getByLabel("No").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Child's name").waitFor();
  await accessible(page, "intake");
  await page.getByLabel("Child's name").fill("Test Child");
  await page.getByLabel("Category of disagreement").fill("Threshold");
  await page.getByLabel(/Summary of the concern/).fill("Summary.");
  await page.getByLabel("Agency").nth(1).fill("Children's Services");
  await page.getByLabel(/immediate risk/).check();
  await page.getByLabel("Reason").fill("Disclosure today.");
  await page.getByRole("button", { name: "Open the difference" }).click();
  await page.getByRole("heading", { name: new RegExp(fixtures.list_cases.open[0].child_name) }).waitFor();
  const [create] = await calls(page, "create_case");
  assert.equal(create.args.case.protocol, "western-bay");
  assert.equal(create.args.case.immediate_risk, "Disclosure today.");
  assert.match(create.args.case.opened_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00$/);
  await page.close();
});

test("new difference: a field error from the shell marks the input it names, by its code and field", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "New difference" }).first().click();
  for (const q of fixtures.protocols.find((p) => p.id === "western-bay").exclusions) {
    await page.getByRole("group", { name: q.question }).getByLabel("No").check();
  }
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Child's name").fill("Test Child");
  await page.getByLabel("Category of disagreement").fill("Threshold");
  await page.getByLabel(/Summary of the concern/).fill("Summary.");
  // The same agency on both sides: the shell refuses it, naming receiving_agency (the
  // real command's refusal, from the fixtures).
  const raising = await page.locator("#raising_agency").inputValue();
  await page.locator("#receiving_agency").fill(raising.toUpperCase());
  await page.evaluate((error) => (window.__refuseNext = { cmd: "create_case", error }), fixtures.create_case.refused_same_agency);
  await page.getByRole("button", { name: "Open the difference" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "must differ from the raising agency" });
  await alert.waitFor();
  assert.equal(await alert.getAttribute("data-code"), "field.invalid");
  assert.equal(await alert.getAttribute("data-field"), "receiving_agency");
  const input = page.locator("#receiving_agency");
  assert.equal(await input.getAttribute("aria-invalid"), "true");
  assert.ok((await input.getAttribute("aria-describedby")).split(" ").includes(await alert.getAttribute("id")), "described by the error");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "receiving_agency");
  for (const other of ["#raising_agency", "#child_name", "#category"]) {
    assert.equal(await page.locator(other).getAttribute("aria-invalid"), null, `${other} is not marked`);
  }
  await accessible(page, "intake with a field error");

  // The field comes from `field`, not from the words: a message that names no input
  // still marks the one the error names, and the earlier mark goes.
  await page.evaluate(() => {
    window.__refuseNext = { cmd: "create_case", error: { code: "field.invalid", field: "category", message: "Escalate cannot record that." } };
  });
  await page.locator("#receiving_agency").fill("Children's Services");
  await page.getByRole("button", { name: "Open the difference" }).click();
  await page.getByRole("alert").filter({ hasText: "Escalate cannot record that." }).waitFor();
  assert.equal(await page.locator("#category").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "category");
  assert.equal(await input.getAttribute("aria-invalid"), null, "the corrected input is no longer marked");
  assert.equal(await input.getAttribute("aria-describedby"), null, "nor described by an error that has gone");

  await page.getByRole("button", { name: "Open the difference" }).click();
  await page.getByRole("heading", { name: new RegExp(fixtures.list_cases.open[0].child_name) }).waitFor();
  await page.close();
});

test("a store closed behind the UI: the code store.locked brings the lock screen, with no child data", async () => {
  const page = await open("unlocked");
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  await page.evaluate(() => window.__lockBehindTheUi());
  // The screen is gone once the shell answers, so a click, not a check that waits on it.
  await page.getByLabel("Include resolved and closed").click();
  await page.getByRole("heading", { name: "Escalate is locked" }).waitFor();
  const refused = (await calls(page, "list_cases")).length;
  assert.ok(refused >= 2, "the dashboard asked again and was refused");
  assert.equal(await page.getByText(fixtures.list_cases.open[0].child_name).count(), 0, "no child data on the lock screen");
  await page.close();
});

test("case: next step, checklist and deadlines in the protocol's words; notifications to mark", async () => {
  const c = caseFor("Carys Evans");
  const page = await open("unlocked");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("heading", { name: /Carys Evans/ }).waitFor();
  await accessible(page, "case");
  const text = await page.locator("article").textContent();
  assert.ok(text.includes(c.status.next_step), "next step in the protocol's words");
  for (const a of c.status.actions) assert.ok(text.includes(a), `checklist item: ${a}`);
  for (const n of c.status.deadlines.filter((d) => d.kind === "notification")) {
    assert.ok(text.includes(n.what), `owed: ${n.what}`);
  }
  const owed = c.status.deadlines.filter((d) => d.kind === "notification");
  if (owed.length) {
    await page.getByRole("button", { name: "Mark as sent" }).first().click();
    await page.getByRole("button", { name: "Save" }).click();
    const [mark] = await calls(page, "mark_sent");
    assert.equal(mark.args.notification, owed[0].id);
    assert.match(mark.args.sentAt, /T\d\d:\d\d:00$/);
  }
  await page.close();
});

test("case: the stage timeline gives each stage not yet reached its latest due date from the engine", async () => {
  const c = Object.values(fixtures.case_detail).find((x) => x.protocol_id === "doncaster");
  const page = await open("unlocked");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("heading", { name: "Stage timeline" }).waitFor();
  const future = c.plan.filter((p) => p.stage > c.status.stage && p.due.kind === "date");
  assert.ok(future.length > 0, "the fixture has stages still to come");
  const items = page.locator("ol.timeline li.future");
  assert.equal(await items.count(), future.length);
  for (const [i, p] of future.entries()) {
    // Dates read as escalate_core::format writes them everywhere: dd/mm/yyyy.
    const [y, m, d] = p.due.at.split("-");
    const words = `${d}/${m}/${y}`;
    assert.match(await items.nth(i).textContent(), new RegExp(`due by ${words} at the latest`));
  }
  await page.close();
});

test("stage record: the protocol's fields, a draft kept as typed and restored", async () => {
  const c = caseFor("Carys Evans");
  const page = await open("with-draft");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("button", { name: `Record Stage ${c.status.stage}` }).click();
  await page.getByRole("heading", { name: new RegExp(`Stage ${c.status.stage} record`) }).waitFor();
  await page.getByText("Your unsaved draft was restored.").waitFor();
  assert.equal(await page.getByLabel("Summary of the discussion").inputValue(), "Draft kept from before the crash.");
  await accessible(page, "stage record");
  const protocol = fixtures.protocols.find((p) => p.id === c.protocol_id);
  const stage = protocol.stages.find((s) => s.number === c.status.stage);
  for (const f of stage.record.fields) {
    const label = protocol.record_fields.find((x) => x.id === f).label;
    await page.getByLabel(label).fill(`Text for ${f}`);
  }
  await page.getByLabel("What was agreed (outcome and actions)").fill("Agreed.");
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "save_draft" && c.args.body.includes("Agreed.")));
  await page.getByRole("button", { name: "Save the stage record" }).click();
  await page.getByRole("heading", { name: /Carys Evans/ }).waitFor();
  const [rec] = await calls(page, "record_stage");
  assert.equal(rec.args.record.summary, "Draft kept from before the crash.");
  for (const f of stage.record.fields) assert.equal(rec.args.record.extra[f], `Text for ${f}`);
  assert.match(rec.args.record.discussed_at, /:00$/);
  await page.close();
});

test("reports: preview, save through the shell, open for printing, export to the Board", async () => {
  const c = caseFor("Carys Evans");
  const page = await open("unlocked");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("button", { name: "Reports and export" }).click();
  await page.getByRole("heading", { name: `Reports for ${c.reference}` }).waitFor();
  await page.locator("#form option").first().waitFor({ state: "attached" });
  // The forms and their printed titles come from the shell, not from the UI.
  assert.deepEqual(
    await page.locator("#form option").allTextContents(),
    fixtures.report_forms[c.reference].map((f) => f.title),
  );
  await page.getByRole("button", { name: "Preview" }).click();
  await page.getByRole("group", { name: /Page 1 of/ }).waitFor();
  const firstLine = fixtures.preview_report[c.reference][0][0];
  assert.ok((await page.locator(".preview").textContent()).includes(firstLine));
  await accessible(page, "reports");
  await page.getByRole("button", { name: "Save as PDF…" }).click();
  await page.getByText(`${c.reference}-`).first().waitFor();
  await page.getByRole("button", { name: "Open for printing" }).click();
  assert.deepEqual((await calls(page, "open_saved"))[0].args, { id: 0 });
  // The webview never sends a path: only what to render.
  for (const call of await page.evaluate(() => window.__calls)) {
    assert.ok(!JSON.stringify(call.args).includes("/home/"), `${call.cmd} carries no path`);
  }
  await page.getByLabel(/public key/).fill("age1qqqq");
  await page.getByLabel(/Or a passphrase/).fill("also a passphrase");
  await page.getByRole("button", { name: "Export package…" }).click();
  await page.getByRole("alert").filter({ hasText: "not both" }).waitFor();
  await page.getByLabel(/Or a passphrase/).fill("");
  await page.getByRole("button", { name: "Export package…" }).click();
  await page.getByText("Export saved:").waitFor();
  const exp = (await calls(page, "export_package")).at(-1);
  assert.equal(exp.args.request.minimise, true, "minimised by default");
  await page.close();
});

test("settings and audit trail", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Settings" }).waitFor();
  await accessible(page, "settings");
  await page.getByLabel(/Lock after/).fill("5");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "update_profile"));
  assert.equal((await calls(page, "update_profile"))[0].args.profile.auto_lock_minutes, 5);
  await page.getByLabel("Day", { exact: true }).fill("31/12/1985");
  await page.evaluate((error) => (window.__refuseNext = { cmd: "add_closure_day", error }), fixtures.add_closure_day.refused_early);
  await page.getByRole("button", { name: "Add closure day" }).click();
  await page.getByRole("alert").filter({ hasText: "day: 1985-12-31" }).waitFor();
  assert.equal(await page.locator("#closure-day").getAttribute("aria-invalid"), "true");
  await page.getByLabel("Day", { exact: true }).fill("29/12/2026");
  await page.getByLabel("Note", { exact: true }).fill("INSET day");
  await page.getByRole("button", { name: "Add closure day" }).click();
  await page.getByRole("button", { name: /Remove closure day/ }).waitFor();
  assert.match(await page.locator("#cl-h + p + ul").textContent(), /29\/12\/2026: INSET day/);
  assert.equal(await page.locator("#closure-day").getAttribute("aria-invalid"), null, "corrected: no longer marked");
  await page.getByRole("button", { name: "Audit trail" }).click();
  await page.getByText("Verified:").waitFor();
  assert.ok((await page.locator("table").textContent()).includes(fixtures.audit_trail.lines[0].action));
  await accessible(page, "audit");
  await page.close();
});

test("keyboard only: reach New difference from the dashboard and open it", async () => {
  const page = await open("unlocked");
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === "New difference");
  }
  assert.ok(reached, "New difference is reachable with Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "New professional difference" }).waitFor();
  await page.close();
});

test("Board administrator: figures with charts, the cases behind a number, import, PDF", async () => {
  const page = await open("board");
  await page.getByRole("heading", { name: "Monitoring report" }).waitFor();
  const f = fixtures.board_overview.figures;
  await page.getByRole("heading", { name: "By raising agency" }).waitFor();
  await accessible(page, "board");
  // Charts are images with the numbers in words; tables beside them carry the same.
  const chart = page.getByRole("img", { name: /^By raising agency:/ });
  for (const [agency, n] of Object.entries(f.by_raising_agency)) {
    assert.match(await chart.getAttribute("aria-label"), new RegExp(`${agency.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} ${n}`));
  }
  await page.getByRole("img", { name: /^Quarterly trend/ }).waitFor();
  const [agency, n] = Object.entries(f.by_raising_agency).sort((a, b) => b[1] - a[1])[0];
  await page.getByRole("button", { name: `${n} ${n === 1 ? "case" : "cases"}: Raising agency ${agency}. List them` }).click();
  const list = page.locator("section.behind");
  await list.getByRole("heading", { name: new RegExp(`Raising agency: .*${n} case`) }).waitFor();
  assert.equal(await list.locator("tbody tr").count(), n);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "behind-h", "focus moves to the list");
  // Filters go to the shell as a typed Selection.
  await page.getByLabel("Agency", { exact: true }).selectOption(fixtures.board_overview.agencies[0]);
  const last = (await calls(page, "board_overview")).at(-1);
  assert.equal(last.args.selection.agency, fixtures.board_overview.agencies[0]);
  assert.match(last.args.selection.from, /^\d{4}-04-01$/);
  await page.getByLabel("Cases opened from").fill("01/01/2030");
  await page.getByLabel("Cases opened from").dispatchEvent("change");
  await page.getByRole("alert").filter({ hasText: "to:" }).waitFor();
  assert.equal((await calls(page, "board_overview")).at(-1).args.selection.from, "2030-01-01");
  await page.getByLabel("Cases opened from").fill("01/04/2026");
  await page.getByLabel("Cases opened from").dispatchEvent("change");
  await page.getByRole("button", { name: "Import packages…" }).click();
  await page.getByText("3 files: 1 new, 1 replaced").waitFor();
  assert.match(await page.locator(".refused").textContent(), /c\.escalate-export.*could not be decrypted/);
  const imported = (await calls(page, "board_import"))[0].args;
  assert.deepEqual(imported, { passphrase: null, identityFile: false }, "no passphrase, no identity file: the Board store's own key");
  await page.getByRole("button", { name: "Save report as PDF…" }).click();
  await page.locator(".path").filter({ hasText: /monitoring-report-2026-04-01-to-/ }).waitFor();
  await page.close();
});

test("Board: a long import shows its progress, and the figures answer meanwhile", async () => {
  const page = await open("board");
  const f = fixtures.board_overview.figures;
  await page.getByRole("heading", { name: "By raising agency" }).waitFor();
  await page.evaluate(() => (window.__holdImport = true));
  await page.getByRole("button", { name: "Import packages…" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "board_import"));
  const before = (await calls(page, "board_overview")).length;
  await page.evaluate(() => window.__emit("board-import-progress", { done: 120, total: 1000 }));
  await page.getByRole("status").filter({ hasText: "Imported 120 of 1,000…" }).waitFor();
  assert.equal(await page.locator("progress").getAttribute("value"), "120");
  assert.equal(await page.locator("progress").getAttribute("max"), "1000");
  assert.ok(await page.getByRole("button", { name: "Import packages…" }).isDisabled(), "one import at a time");
  // The figures follow the batches as they land, and every other control still works.
  await page.waitForFunction((n) => window.__calls.filter((c) => c.cmd === "board_overview").length > n, before);
  const [agency, n] = Object.entries(f.by_raising_agency).sort((a, b) => b[1] - a[1])[0];
  await page.getByRole("button", { name: `${n} ${n === 1 ? "case" : "cases"}: Raising agency ${agency}. List them` }).click();
  await page.locator("section.behind tbody tr").first().waitFor();
  assert.ok(await page.getByRole("button", { name: "Save report as PDF…" }).isEnabled());
  await accessible(page, "board during an import");
  await page.evaluate(() => window.__finishImport());
  await page.getByText("3 files: 1 new, 1 replaced").waitFor();
  assert.equal(await page.locator("progress").count(), 0);
  await page.close();
});

test("auto-lock: the profile's minutes without activity lock the store, activity postpones it", async () => {
  const page = await open("unlocked", { clock: true });
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  const minutes = fixtures.app_status.profile.auto_lock_minutes;
  await page.clock.runFor(`${String(minutes - 1).padStart(2, "0")}:00`);
  await page.keyboard.press("Shift");
  await page.clock.runFor(`${String(minutes - 1).padStart(2, "0")}:00`);
  assert.equal((await calls(page, "lock")).length, 0, "activity restarted the count");
  await page.clock.runFor("02:00");
  await page.getByRole("heading", { name: "Escalate is locked" }).waitFor();
  assert.equal((await calls(page, "lock")).length, 1);
  assert.equal(await page.getByText(fixtures.list_cases.open[0].child_name).count(), 0, "no child data on the lock screen");
  await page.close();
});

test("dates and times read dd/mm/yyyy and 24-hour in a browser set to en-US, and a US-order date is refused inline", async () => {
  const c = caseFor("Carys Evans");
  const page = await open("unlocked", { locale: "en-US" });
  // The browser really is American: its own formatting says 11/21/2026, 1:25 PM.
  assert.equal(await page.evaluate(() => navigator.language), "en-US");
  assert.match(await page.evaluate(() => new Date(2026, 10, 21, 13, 25).toLocaleString()), /^11\/21\/2026, 1:25:00\sPM$/);
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("button", { name: `Record Stage ${c.status.stage}` }).click();
  const date = page.getByRole("group", { name: "Date and time of the discussion or meeting" }).getByLabel("Date", { exact: true });
  const time = page.getByLabel("Time (24-hour)");
  await date.waitFor();
  // Filled with now, written the UK way whatever the locale.
  const today = await page.evaluate(() => {
    const d = new Date();
    const p = (n) => String(n).padStart(2, "0");
    return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;
  });
  assert.equal(await date.inputValue(), today);
  assert.match(await time.inputValue(), /^([01]\d|2[0-3]):[0-5]\d$/, "24-hour, no AM/PM");
  assert.equal(await date.getAttribute("placeholder"), "dd/mm/yyyy");
  assert.match(await page.locator(`#${await date.getAttribute("aria-describedby")}`).textContent(), /Day\/month\/year .*21\/11\/2026 and 13:25/);

  // Typed the American way: refused in place, with the UK spelling of the same day.
  await date.fill("11/21/2026");
  await time.fill("1:25 pm");
  await time.press("Tab");
  await date.focus();
  await date.press("Tab");
  const dateError = page.locator("#discussed_at-date-error");
  assert.equal(await dateError.textContent(), "Date: There is no month 21: write the day first, then the month, as 21/11/2026");
  assert.equal(await page.locator("#discussed_at-time-error").textContent(), "Time: Use the 24-hour clock, for example 13:25 for 1:25 pm");
  assert.equal(await date.getAttribute("aria-invalid"), "true");
  assert.deepEqual((await date.getAttribute("aria-describedby")).split(" "), ["discussed_at-hint", "discussed_at-date-error"]);
  await page.getByLabel("Summary of the discussion").fill("Met by phone.");
  await page.getByLabel("What was agreed (outcome and actions)").fill("Agreed to meet.");
  for (const role of await page.locator("input[id^=p-role-]").all()) await role.fill("Team Manager");
  await accessible(page, "stage record with date errors");
  await page.getByRole("button", { name: "Save the stage record" }).click();
  assert.equal((await calls(page, "record_stage")).length, 0, "an impossible date is never sent");

  // An impossible day in a real month names the month's length.
  await date.fill("31/02/2026");
  await date.press("Tab");
  assert.equal(await dateError.textContent(), "Date: February 2026 has 28 days: check the day");

  await date.fill("21/11/2026");
  await time.fill("13:25");
  await time.press("Tab");
  assert.equal(await page.locator(".field-error").count(), 0);
  assert.equal(await date.getAttribute("aria-invalid"), null);
  assert.ok(await page.locator("form").first().evaluate((f) => f.checkValidity()), "the form is whole now");
  await page.getByRole("button", { name: "Save the stage record" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "record_stage"));
  const [rec] = await calls(page, "record_stage");
  assert.equal(rec.args.record.discussed_at, "2026-11-21T13:25:00");
  await page.close();

  // The Board's period: 1 April shows as 01/04, not 04/01.
  const board = await open("board", { locale: "en-US" });
  await board.getByLabel("Cases opened from").waitFor();
  assert.match(await board.getByLabel("Cases opened from").inputValue(), /^01\/04\/\d{4}$/);
  assert.match(await board.getByLabel("to", { exact: true }).inputValue(), /^31\/03\/\d{4}$/);
  await board.close();
});

// Issue 12: a partnership's own protocol (the e2e test's Darlington copy, installed by
// the real commands in the fixtures), its routes, skips, extensions and versions.
const urgent = () => Object.values(fixtures.case_detail).find((c) => c.child_name === "Maya Lund");
const atFirstStage = () => Object.values(fixtures.case_detail).find((c) => c.child_name === "Noah Price");

test("settings → protocols: each version with its fingerprint and cases; a refused file line by line; an installed one", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByRole("heading", { name: "Protocols" }).waitFor();
  const rows = page.locator("table.protocols tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), fixtures.installed_protocols.length);
  const darlington = fixtures.installed_protocols.filter((p) => p.id === "darlington");
  assert.equal(darlington.length, 2, "two versions of the partnership's protocol");
  const older = darlington.find((p) => !p.current);
  const row = page.locator(`tr[data-protocol=darlington]`).filter({ hasText: "(older version)" });
  const text = await row.textContent();
  assert.ok(text.includes(older.version) && text.includes(older.sha256.slice(0, 12)), text);
  assert.match(text, /2 cases/);
  // In use: no way to remove it from here. Unused and installed: removed on request.
  assert.equal(await page.getByRole("button", { name: /Remove Darlington/ }).count(), 0);
  const unused = fixtures.installed_protocols.find((p) => !p.shipped && p.cases === 0 && p.id !== "darlington");
  await page.getByRole("button", { name: `Remove ${unused.name}` }).click();
  await page.locator("p.notice[role=status]").filter({ hasText: `Removed ${unused.name}` }).waitFor();
  assert.deepEqual((await calls(page, "remove_protocol")).map((c) => c.args.id), [unused.id]);
  // Refused: the shell's own file:line: field: message lines, and nothing listed anew.
  const refused = fixtures.install_protocol.refused;
  assert.equal(refused.code, "protocol.invalid");
  await page.evaluate((error) => (window.__refuseNext = { cmd: "install_protocol", error }), refused);
  await page.getByRole("button", { name: "Install a protocol file…" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Not installed" });
  await alert.waitFor();
  assert.match(await alert.locator(".problems li").first().textContent(), /darlington-broken\.toml:\d+: stages\[1\]\.timescale\.within: /);
  await accessible(page, "settings: a refused protocol file");
  await page.getByRole("button", { name: "Install a protocol file…" }).click();
  await page.locator("p.notice[role=status]").filter({ hasText: "Installed Darlington" }).waitFor();
  assert.equal(await page.getByRole("alert").count(), 0, "the refusal is gone");
  assert.equal((await calls(page, "install_protocol")).length, 2);
  // No path crosses from the webview: the shell's dialog chooses the file.
  assert.deepEqual((await calls(page, "install_protocol")).map((c) => c.args), [{}, {}]);
  await accessible(page, "settings: protocols");
  await page.close();
});

test("settings → partnership: a bundle previewed with the Board's fingerprint, installed once compared; the directory; this agency's card", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "Settings" }).click();
  const section = page.locator("section#partnership");
  await section.getByRole("heading", { name: "Partnership" }).waitFor();
  await section.locator("[data-no-board]").waitFor();
  const before = fixtures.partnership.lead_before;
  const own = section.locator("[data-own-card]");
  assert.match(await own.textContent(), new RegExp(before.card.fingerprint));
  await accessible(page, "settings: partnership, no bundle yet");
  // This agency's card, through the shell's save dialog: no path from the webview.
  await section.getByRole("button", { name: "Export card…" }).click();
  await section.locator(".path").filter({ hasText: "card.json" }).waitFor();
  assert.deepEqual((await calls(page, "export_card")).map((c) => c.args), [{}]);

  // The bundle: what it holds and the Board's fingerprint, before anything is installed.
  const preview = fixtures.preview_bundle;
  assert.ok(preview.first_time, "the demo store trusts no Board yet");
  await section.getByRole("button", { name: "Install a partnership bundle…" }).click();
  const form = section.locator("form.bundle-preview");
  await form.getByRole("heading", { name: `Bundle from ${preview.board.agency}` }).waitFor();
  assert.equal(await form.locator("[data-fingerprint]").textContent(), preview.board.fingerprint);
  assert.match(await form.textContent(), new RegExp(preview.protocols[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  const install = form.getByRole("button", { name: "Install", exact: true });
  assert.ok(await install.isDisabled(), "not before the lead says the fingerprint was compared");
  assert.equal((await calls(page, "install_bundle")).length, 0);
  await accessible(page, "settings: a bundle previewed");
  await form.getByLabel(/I have compared the fingerprint/).check();
  await install.click();
  await section.locator("p.notice[role=status]").filter({ hasText: `Installed the bundle from ${preview.board.agency}` }).waitFor();
  // The shell installs what it showed: the UI sends back the fingerprint it showed.
  assert.deepEqual((await calls(page, "install_bundle")).map((c) => c.args), [{ fingerprint: preview.board.fingerprint }]);
  assert.deepEqual((await calls(page, "preview_bundle")).map((c) => c.args), [{}]);
  const board = section.locator("[data-board]");
  await board.waitFor();
  assert.match(await board.textContent(), new RegExp(fixtures.partnership.lead_after.board.fingerprint));
  assert.match(await board.textContent(), new RegExp(preview.board.agency));
  await accessible(page, "settings: partnership installed");
  await page.close();
});

test("Board: held packages with their signer's fingerprint, accepted; a card added once compared; held beside the total", async () => {
  const page = await open("board");
  await page.getByRole("heading", { name: "Held packages" }).waitFor();
  const held = fixtures.board_held;
  assert.equal(held.length, 2);
  const rows = page.locator("table.held tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  const first = await rows.first().textContent();
  assert.ok(first.includes(held[0].source_agency) && first.includes(held[0].reference) && first.includes(held[0].fingerprint), first);
  assert.match(first, /Signer not in the directory/);
  assert.equal(await page.locator("[data-held-count]").textContent(), String(fixtures.board_overview.figures.held));
  await accessible(page, "board: held packages");
  await page.getByRole("button", { name: `Accept ${held[0].reference} from ${held[0].source_agency}` }).click();
  await page.locator("p.notice[role=status]").filter({ hasText: `Counted ${held[0].reference}` }).waitFor();
  assert.deepEqual((await calls(page, "board_accept")).map((c) => c.args), [{ id: held[0].id }]);
  await page.waitForFunction(() => document.querySelectorAll("table.held tbody tr").length === 1);

  // The agency's card: previewed with its fingerprint, added once compared.
  const card = fixtures.preview_card;
  await page.getByRole("button", { name: "Add card…" }).click();
  const form = page.locator("form.card-preview");
  await form.getByRole("heading", { name: `Card of ${card.agency}` }).waitFor();
  assert.equal(await form.locator("[data-fingerprint]").textContent(), card.fingerprint);
  const add = form.getByRole("button", { name: "Add to the directory" });
  assert.ok(await add.isDisabled(), "not before the administrator says it was compared");
  await accessible(page, "board: a card previewed");
  await form.getByLabel(/I have compared the fingerprint/).check();
  await add.click();
  await page.locator("p.notice[role=status]").filter({ hasText: `${card.agency} added to the directory. ${fixtures.add_card.counted} held package` }).waitFor();
  assert.deepEqual((await calls(page, "add_card")).map((c) => c.args), [{ fingerprint: card.fingerprint }]);
  await page.locator(`table.directory tr[data-agency="${card.agency}"]`).waitFor();
  await page.getByText("None.").first().waitFor();
  assert.equal(await page.locator("table.held").count(), 0, "the other held package is counted now");
  await accessible(page, "board: directory");
  await page.close();
});

test("settings → bank holidays: how far ahead, a gentle warning when the next 12 months are not covered, import", async () => {
  const page = await open("unlocked");
  await page.getByRole("heading", { name: "Professional differences" }).waitFor();
  await page.evaluate(() => (window.__coverage = { calendar: "england-and-wales", confirmed_until: "2026-12-31", next_twelve_months_confirmed: false, imports: [] }));
  await page.getByRole("button", { name: "Settings" }).click();
  await page.locator("#bh-warning").waitFor();
  assert.match(await page.locator("#bh-warning").textContent(), /next 12 months are not yet covered/);
  await accessible(page, "settings: bank holidays warned");
  // Quietly on the dashboard too.
  await page.getByRole("button", { name: "Dashboard" }).click();
  await page.locator("#holidays-quiet").waitFor();
  assert.match(await page.locator("#holidays-quiet").textContent(), /confirmed until 31\/12\/2026/);
  await accessible(page, "dashboard with the bank-holiday line");
  await page.getByRole("button", { name: "Import GOV.UK's latest list in Settings" }).click();
  await page.locator("#bh-warning").waitFor();
  await page.evaluate(() => (window.__coverage = null));
  await page.getByRole("button", { name: "Import bank holidays…" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "import_holidays"));
  const until = fixtures.calendar_coverage.confirmed_until.split("-").reverse().join("/");
  await page.locator("#bh-coverage").filter({ hasText: `until ${until}` }).waitFor();
  assert.equal(await page.locator("#bh-warning").count(), 0, "covered: no warning");
  await page.close();
});

test("new difference: the route's intake question chooses the urgent route", async () => {
  const page = await open("unlocked");
  await page.getByRole("button", { name: "New difference" }).first().click();
  await page.getByLabel("Protocol").selectOption("darlington");
  const question = fixtures.protocols.find((p) => p.id === "darlington").routes[0].question;
  await page.getByRole("group", { name: question }).getByLabel("Yes").check();
  await accessible(page, "new difference: route question");
  await page.getByRole("button", { name: "Continue" }).click();
  assert.match(await page.locator("#chosen-route").textContent(), /on the route “Urgent route \(test\)”/);
  await page.getByLabel("Child's name").fill("Ada Cole");
  await page.getByLabel("Category of disagreement").fill("Threshold");
  await page.getByLabel(/Summary of the concern/).fill("A summary.");
  await page.locator("#receiving_agency").fill("Children's Services");
  await page.getByRole("button", { name: "Open the difference" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "create_case"));
  const [create] = await calls(page, "create_case");
  assert.equal(create.args.case.route, "urgent");
  assert.equal(create.args.case.protocol, "darlington");
  await page.close();
});

test("case on an urgent route: the route, a stage left out, an extended deadline, the cap, a move to the newer version", async () => {
  const c = urgent();
  const page = await open("unlocked");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("heading", { name: /Maya Lund/ }).waitFor();
  assert.equal(await page.locator("#case-route").textContent(), c.status.route_name);
  await page.locator("ol.timeline li.skipped").waitFor();
  assert.match(await page.locator("ol.timeline li.skipped").textContent(), /left out .*No interagency meeting needed.*decided by Sam Patel/);
  const extended = c.status.deadlines.find((d) => d.extended);
  const row = page.locator(`tr[data-deadline=timescale]`);
  assert.ok((await row.textContent()).includes(`extended to ${extended.due_text} (agreed by ${extended.extended.agreed_by}`));
  assert.match(await page.locator(`tr[data-deadline=urgent-cap]`).textContent(), /Overall limit:/);
  // An "Extend…" button for each deadline the engine offers, and no other.
  assert.ok(c.next.extendable.length > 0);
  assert.equal(await page.getByRole("button", { name: /^Extend: / }).count(), c.next.extendable.length);
  assert.match(await page.locator("ul.limits").textContent(), /Overall limit/);
  await accessible(page, "case on an urgent route");
  // The newer version: each deadline before and after, then a confirmation.
  await page.getByRole("button", { name: "Compare the deadlines…" }).click();
  const move = fixtures.preview_protocol_move[c.reference];
  await page.locator("table.move").waitFor();
  assert.equal(await page.locator("table.move tbody tr").count(), move.deadlines.length);
  assert.equal(await page.locator("table.move tbody tr.changed").count(), 1, "only the cap moves");
  assert.equal((await calls(page, "move_protocol")).length, 0, "nothing moved before the confirmation");
  await accessible(page, "protocol version move");
  await page.getByRole("button", { name: /Move this case to version/ }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "move_protocol"));
  assert.equal((await calls(page, "move_protocol"))[0].args.version, move.to.version);
  // Extend again, by agreement: who, when, the new date, why.
  await page.getByRole("button", { name: /Extend: Stage 4/ }).click();
  await page.getByLabel("Who agreed (name and role)").fill("Jo Reed, Business Unit manager");
  await page.getByLabel("The new due date").fill("15/01/2027");
  await page.getByLabel("Why").fill("Still waiting.");
  await accessible(page, "extend a deadline");
  await page.getByRole("button", { name: "Record the extension" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "extend_deadline"));
  const [ext] = await calls(page, "extend_deadline");
  assert.deepEqual(ext.args.request.to, { kind: "end-of-day", at: "2027-01-15" });
  assert.equal(ext.args.request.deadline, "timescale");
  assert.match(ext.args.request.agreed_on, /^\d{4}-\d\d-\d\d$/);
  // Switch route, with the reason.
  await page.getByRole("button", { name: "Switch route" }).click();
  await page.getByLabel("Move to the route").selectOption({ index: 1 });
  await page.getByLabel("Why the route changes").fill("The risk has passed.");
  await accessible(page, "switch route");
  await page.locator("form.panel button.primary").click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "switch_route"));
  const [sw] = await calls(page, "switch_route");
  assert.equal(sw.args.route, fixtures.protocols.find((p) => p.id === "darlington").standard_route?.id ?? "standard");
  assert.equal(sw.args.reason, "The risk has passed.");
  await page.close();
});

test("case: escalating past an optional stage asks why and who decided", async () => {
  const c = atFirstStage();
  const page = await open("unlocked");
  await page.getByRole("button", { name: c.reference }).click();
  await page.getByRole("heading", { name: /Noah Price/ }).waitFor();
  await page.getByRole("button", { name: "Escalate", exact: true }).click();
  // The choices are the engine's targets: the next stage, then each later one a
  // recorded decision may reach.
  const offered = c.next.escalation.filter((t) => t.leaves_out.length === 0 || t.decision);
  assert.deepEqual(offered.map((t) => t.stage), [3, 4]);
  const values = await page.getByLabel("Escalate to").locator("option").evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(values, ["", "4"]);
  await page.getByLabel("Escalate to").selectOption("4");
  await page.getByLabel("Why they are left out").waitFor();
  assert.match(await page.locator("fieldset").filter({ hasText: "Leaving out Stage 3" }).textContent(), /The protocol makes these stages optional/);
  assert.equal(await page.getByLabel(/Their role/).count(), 0, "the protocol names no role that decides, and Stage 3 is optional");
  await accessible(page, "escalate past an optional stage");
  await page.getByLabel("Why they are left out").fill("No meeting needed.");
  await page.getByLabel("Who decided").fill("Sam Patel");
  await page.locator("form.panel button.primary").click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "escalate_skipping"));
  const [esc] = await calls(page, "escalate_skipping");
  assert.equal(esc.args.toStage, 4);
  assert.deepEqual(esc.args.skip, { reason: "No meeting needed.", decided_by: "Sam Patel", role: null });
  await page.close();
});

test("new difference: a later start where the protocol's named role may skip stages takes why, who and their role", async () => {
  const iro = fixtures.protocols.find((p) => p.id === "iro-handbook-style");
  assert.ok(iro?.skipping, "the fixtures installed a protocol with [skipping]");
  const page = await open("unlocked");
  await page.getByRole("button", { name: "New difference" }).first().click();
  await page.getByLabel("Protocol").selectOption("iro-handbook-style");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Child's name").fill("Ada Cole");
  await page.getByLabel("Category of disagreement").fill("Care plan");
  await page.getByLabel(/Summary of the concern/).fill("A summary.");
  await page.locator("#receiving_agency").fill("Children's Services");
  await page.getByLabel("Start at").selectOption("3");
  assert.ok((await page.locator("fieldset").filter({ hasText: "Start at a later stage" }).textContent()).includes(iro.skipping.words));
  assert.equal(await page.getByLabel("Their role").getAttribute("required"), "", "the move relies on [skipping]: the role is asked");
  await accessible(page, "new difference: a later start");
  await page.getByLabel("Why the earlier stages are left out").fill("The IRO's view: the matter needs a senior decision now.");
  await page.getByLabel("Who decided").fill("Ann Ward");
  await page.getByLabel("Their role").fill(iro.skipping.by);
  await page.getByRole("button", { name: "Open the difference" }).click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === "create_case"));
  const [create] = await calls(page, "create_case");
  assert.equal(create.args.case.stage, 3);
  assert.deepEqual(create.args.case.skip, { reason: "The IRO's view: the matter needs a senior decision now.", decided_by: "Ann Ward", role: iro.skipping.by });
  await page.close();
});
