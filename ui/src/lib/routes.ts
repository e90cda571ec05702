// A protocol's routes as the case screen and intake read them: which stages a route
// takes, which may be left out on a recorded decision, which deadlines may be extended.
// The engine decides (and refuses what the protocol does not allow); these only choose
// what to offer.
import type { ExtensionRule, PlanDue, Protocol, Route, Stage } from "./bindings";
import { day, dayTime } from "./format";

/** The route `id` names; `undefined` for the standard route (or an unknown id). */
export function routeOf(p: Protocol | undefined, id: string | null | undefined): Route | undefined {
  return id ? p?.routes?.find((r) => r.id === id) : undefined;
}

export function standardRouteId(p: Protocol | undefined): string {
  return p?.standard_route?.id ?? "standard";
}

/** Every route of the protocol, the standard one first: id and name. */
export function allRoutes(p: Protocol | undefined): { id: string; name: string }[] {
  if (!p) return [];
  return [
    { id: standardRouteId(p), name: p.standard_route?.name ?? "Standard route" },
    ...(p.routes ?? []).map((r) => ({ id: r.id, name: r.name })),
  ];
}

/** The stages a route takes, in order: those it takes of the protocol's, then its own. */
export function stagesOf(p: Protocol | undefined, route: Route | undefined): Stage[] {
  const own = p?.stages ?? [];
  if (!route) return own;
  const taken = route.use_stages
    ? route.use_stages.flatMap((n) => own.filter((s) => s.number === n))
    : (route.stages ?? []).length
      ? []
      : own;
  return [...taken, ...(route.stages ?? [])];
}

/** The stage may be gone past on a recorded decision: optional, or under `[skipping]`. */
export function skippable(p: Protocol | undefined, route: Route | undefined, n: number): boolean {
  const stage = stagesOf(p, route).find((s) => s.number === n);
  if (!stage || stage.informal) return false;
  if (stage.optional) return true;
  const rule = p?.skipping;
  return rule != null && ((rule.stages ?? []).length === 0 || (rule.stages ?? []).includes(n));
}

/** The stages a case at `current` may move to: the next, and any later one whose
 * stages in between may all be gone past. */
export function reachable(p: Protocol | undefined, route: Route | undefined, current: number): Stage[] {
  const formal = stagesOf(p, route).filter((s) => !s.informal);
  const at = formal.findIndex((s) => s.number === current);
  const out: Stage[] = [];
  for (let i = at + 1; i < formal.length; i++) {
    out.push(formal[i]);
    if (!skippable(p, route, formal[i].number)) break;
  }
  return out;
}

/** The stages strictly between `from` and `to` on the route: those a move goes past. */
export function between(p: Protocol | undefined, route: Route | undefined, from: number, to: number): Stage[] {
  const formal = stagesOf(p, route).filter((s) => !s.informal);
  const a = formal.findIndex((s) => s.number === from);
  const b = formal.findIndex((s) => s.number === to);
  return a >= 0 && b > a ? formal.slice(a + 1, b) : [];
}

/** Who may agree to extend the deadline `id` (`timescale` at `stage`, or a limit's id),
 * where the protocol allows it. */
export function extensionRule(
  p: Protocol | undefined,
  route: Route | undefined,
  id: string,
  stage: number | null,
): ExtensionRule | undefined {
  if (id === "timescale") {
    const override = route?.timescales?.find((t) => t.stage === stage);
    if (override) return override.extension ?? undefined;
    return stagesOf(p, route).find((s) => s.number === stage)?.timescale?.extension ?? undefined;
  }
  const limits = route ? (route.limits ?? []) : (p?.limits ?? []);
  return limits.find((l) => l.id === id)?.extension ?? undefined;
}

/** When a stage or limit not yet reached would fall due, had every stage run to its limit. */
export function planDue(d: PlanDue): string {
  switch (d.kind) {
    case "date":
      return `due by ${day(d.at)} at the latest`;
    case "at":
      return `due by ${dayTime(d.at)} at the latest`;
    case "without-delay":
      return "to be reached without delay";
    case "no-limit":
      return "no time limit";
    case "after-stage":
      return `timed from the end of Stage ${d.at}`;
  }
}
