// The UI and its fake shell may name only commands the shell registers: the list is
// generated from the shell's command table into src/lib/commands.ts (a Rust test keeps
// that file current). A command renamed or removed in the shell, and still answered by
// the fake backend, its fixtures or called from the UI, fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { installFakeBackend } from "./fake-backend.js";
import { COMMAND_NAMES, PLUGIN_COMMANDS, commandsSource } from "./command-names.mjs";

const src = new URL("../src/", import.meta.url).pathname;
const GENERATED = ["lib/commands.ts", "lib/bindings.ts"];

function sources(dir = src) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|svelte|js)$/.test(e.name) ? [[path.relative(src, p), fs.readFileSync(p, "utf8")]] : [];
  });
}

test("the generated list is the shell's commands", () => {
  assert.ok(COMMAND_NAMES.length >= 30, "src/lib/commands.ts lists the commands");
  assert.ok(COMMAND_NAMES.includes("app_status") && COMMAND_NAMES.includes("board_import"));
  for (const name of COMMAND_NAMES) {
    const method = name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    assert.ok(commandsSource.includes(`  ${method}: (`), `commands.${method} calls ${name}`);
  }
});

test("the fake backend answers only commands the shell registers", () => {
  globalThis.window = {};
  installFakeBackend({ fixtures: {}, mode: "unlocked", known: [...COMMAND_NAMES, ...PLUGIN_COMMANDS] });
  const answered = window.__fakeCommands;
  delete globalThis.window;
  assert.ok(answered.length >= COMMAND_NAMES.length, "the fake backend lists what it answers");
  const unknown = answered.filter((c) => !COMMAND_NAMES.includes(c) && !PLUGIN_COMMANDS.includes(c));
  assert.deepEqual(unknown, [], "tests/fake-backend.js answers commands the shell does not register");
});

test("the fixtures answer only commands the shell registers", () => {
  const file = process.env.ESCALATE_UI_FIXTURES;
  assert.ok(file, "ESCALATE_UI_FIXTURES is not set: run these through `make ui-test`");
  const keys = Object.keys(JSON.parse(fs.readFileSync(file, "utf8")));
  assert.ok(keys.includes("list_cases") && keys.includes("board_overview"), `fixtures keyed by command: ${keys}`);
  assert.deepEqual(keys.filter((k) => !COMMAND_NAMES.includes(k)), [], "fixtures for commands the shell does not register");
});

test("the UI reaches the shell only through the generated commands", () => {
  const all = sources();
  assert.ok(all.some(([f]) => f === "lib/commands.ts"));
  for (const [file, text] of all) {
    if (GENERATED.includes(file)) continue;
    assert.ok(!text.includes("invoke("), `${file} calls invoke( itself: use commands.* from lib/commands`);
    assert.ok(!text.includes("@tauri-apps/api"), `${file} imports Tauri itself: use lib/commands`);
    assert.ok(!text.includes("__TAURI"), `${file} reaches Tauri's internals`);
  }
  // Any command named by its string, anywhere in the UI, is one the shell registers.
  const methods = new Set(COMMAND_NAMES.map((n) => n.replace(/_([a-z])/g, (_, c) => c.toUpperCase())));
  for (const [file, text] of all) {
    for (const m of text.matchAll(/\b(?:invoke|call)\s*(?:<[^>]*>)?\(\s*["'`]([^"'`]+)["'`]/g)) {
      assert.ok(COMMAND_NAMES.includes(m[1]), `${file} calls "${m[1]}", which the shell does not register`);
    }
    for (const m of text.matchAll(/\bcommands\s*(?:\.\s*|\[\s*["'`])([A-Za-z_]+)/g)) {
      assert.ok(methods.has(m[1]), `${file} calls commands.${m[1]}, which the shell does not have`);
    }
  }
});

// Issue 15: the engine answers "what may I do next" (the case's `next`, `intake_options`,
// each plan due's `due_text`); the UI offers those answers and re-codes no rule of a
// protocol, and neither does its fake shell. Reading one of the protocol's rule-bearing
// keys (which stages a route takes, who may skip, which deadline may be extended, when
// immediate risk opens a higher stage, a route's own timescales, the standard route's
// name or id) outside the generated files would be re-coding the engine.
const RULE_KEYS = [
  [/\buse_stages\b/, "a route's stages (RouteView::stages)"],
  [/\.skipping\b/, "the rule on skipping (check_jump)"],
  [/\bhigher_stage\b/, "immediate risk's higher stage (check_jump)"],
  [/\.extension\b/, "an extension rule (the engine's extendable deadlines)"],
  [/\btimescales\b/, "a route's own timescales (RouteView::timescale)"],
  [/\bstandard_route\b/, "the standard route (RouteView::name, Protocol::route)"],
  [/["'`]standard["'`]/, "the standard route's default id"],
  [/\.informal\b/, "which stages are formal (the plan, the targets)"],
];

test("the UI and its fake shell re-code no rule of the engine", () => {
  assert.ok(!fs.existsSync(path.join(src, "lib/routes.ts")), "src/lib/routes.ts re-coded the engine's routes: it must stay gone");
  const fake = fs.readFileSync(new URL("./fake-backend.js", import.meta.url), "utf8");
  const all = [...sources().filter(([f]) => !GENERATED.includes(f)), ["../tests/fake-backend.js", fake]];
  assert.ok(all.some(([f]) => f === "screens/CaseView.svelte") && all.some(([f]) => f === "screens/NewCase.svelte"));
  for (const [file, text] of all) {
    assert.ok(!/lib\/routes/.test(text), `${file} imports lib/routes`);
    for (const [pattern, rule] of RULE_KEYS) {
      const hit = text.match(pattern);
      assert.equal(hit, null, `${file} reads ${hit?.[0]}: ${rule} is the engine's answer, not the UI's`);
    }
  }
  // The screens offer the engine's answers.
  const caseView = all.find(([f]) => f === "screens/CaseView.svelte")[1];
  for (const answer of ["next.escalation", "next.extendable", "next.routes", "due_text"]) {
    assert.ok(caseView.includes(answer), `CaseView offers the engine's ${answer}`);
  }
  assert.ok(all.find(([f]) => f === "screens/NewCase.svelte")[1].includes("intakeOptions()"));
  // The fake shell refuses nothing a command's rules would: its refusals of case moves,
  // intake and closure days are the real commands', kept in the fixtures.
  for (const cmd of ["create_case", "escalate_skipping", "switch_route", "extend_deadline", "add_closure_day", "intake_options"]) {
    const handler = fake.match(new RegExp(`\\n    ${cmd}: ([^\\n]*)`));
    assert.ok(handler, `the fake backend answers ${cmd}`);
    assert.ok(handler[1].includes("fixtures.") || cmd === "add_closure_day", `${cmd} answers from the fixtures: ${handler[1]}`);
    assert.ok(!handler[1].includes("fail("), `${cmd} decides a refusal itself: ${handler[1]}`);
  }
});
