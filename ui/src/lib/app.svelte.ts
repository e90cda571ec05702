// The app's shared state: where the lead is, and what the shell last said about the
// session. Screens change `nav.route`; App.svelte shows the matching screen.
import type { AppStatus, Protocol, FieldLabel } from "./bindings";
import { api } from "./api";

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
  fields: FieldLabel[];
  /** A line for the live region: what just happened. */
  announcement: string;
}>({ status: null, protocols: [], fields: [], announcement: "" });

export function go(route: Route) {
  nav.route = route;
}

export function announce(text: string) {
  session.announcement = text;
}

export async function refreshStatus(): Promise<AppStatus> {
  const s = await api.appStatus();
  session.status = s;
  return s;
}

export async function loadReference() {
  if (session.protocols.length === 0) session.protocols = await api.protocols();
  if (session.fields.length === 0) session.fields = await api.recordFields();
}

export function protocolById(id: string): Protocol | undefined {
  return session.protocols.find((p) => p.id === id);
}

export function fieldLabel(field: string): string {
  return session.fields.find((f) => f.field === field)?.label ?? field;
}
