// The lists of command names generated into src/lib/commands.ts, read from its text
// (the file imports Tauri, so it is not imported here).
import fs from "node:fs";

export const commandsSource = fs.readFileSync(new URL("../src/lib/commands.ts", import.meta.url), "utf8");

function list(name) {
  const m = commandsSource.match(new RegExp(`export const ${name} = (\\[[^\\]]*\\]) as const;`));
  if (!m) throw new Error(`src/lib/commands.ts declares no ${name}: run \`make bindings\``);
  return JSON.parse(m[1]);
}

/** Every command the shell registers. */
export const COMMAND_NAMES = list("COMMAND_NAMES");
/** Tauri's plugin commands the capability grants (listening for events). */
export const PLUGIN_COMMANDS = list("PLUGIN_COMMANDS");
