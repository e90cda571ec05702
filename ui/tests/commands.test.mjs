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
