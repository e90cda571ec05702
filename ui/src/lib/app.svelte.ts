// The app's shared state: where the lead is, and what the shell last said about the
// session. Screens change `nav.route`; App.svelte shows the matching screen.
import type { AppError, AppStatus, Protocol, RecordFieldDef } from "./bindings";
import { asAppError, commands } from "./commands";

export type Route =
  | { name: "dashboard" }
  | { name: "new-case" }
  | { name: "case"; reference: string }
  | { name: "stage-record"; reference: string }
  | { name: "reports"; reference: string }
  | { name: "settings" }
  | { name: "audit" }
  | { name: "board" };

export const nav = $state<{ route: Route }>({ route: { name: "dashboard" } });

export const session = $state<{
  status: AppStatus | null;
  protocols: Protocol[];
  /** A line for the live region: what just happened. */
  announcement: string;
}>({ status: null, protocols: [], announcement: "" });

export function go(route: Route) {
  nav.route = route;
}

export function announce(text: string) {
  session.announcement = text;
}

export async function refreshStatus(): Promise<AppStatus> {
  const s = await commands.appStatus();
  session.status = s;
  return s;
}

/**
 * A command's failure, as the AppError to show. When the shell answers that no store
 * is open (auto-lock, or the lead locked it) or that the other kind is, the session
 * changed under the screen: the status is fetched again, so App shows the lock screen
 * or the right store's screens.
 */
export function failure(e: unknown): AppError {
  const error = asAppError(e);
  if (error.code === "store.locked" || error.code === "store.wrong_kind") {
    refreshStatus().catch(() => {});
  }
  return error;
}

export async function loadReference() {
  if (session.protocols.length === 0) session.protocols = await commands.protocols();
}

export function protocolById(id: string): Protocol | undefined {
  return session.protocols.find((p) => p.id === id);
}

/** A record field as the case's protocol declares it: label, help, one line or paragraphs. */
export function fieldDef(protocolId: string | undefined, field: string): RecordFieldDef | undefined {
  return protocolId ? protocolById(protocolId)?.record_fields.find((f) => f.id === field) : undefined;
}

/** A record field's label in the case's protocol's words (its id where it has none). */
export function fieldLabel(protocolId: string | undefined, field: string): string {
  return fieldDef(protocolId, field)?.label ?? field;
}
