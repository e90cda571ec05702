//! What a lead may do next: the stages an escalation may go to (and what each leaves
//! out and needs), the deadlines that may be extended (and who agrees), the routes a
//! case may switch to, and the stages a new case may open at.
//!
//! Each answer asks the very functions the state machine's moves ask before they
//! accept or refuse (`escalation_path`, `opening_path`, `jump_rule`, `switch_stage`,
//! `extension_candidates` in `case`), so a front end offers exactly what
//! [`Case::apply`] accepts and never re-codes a rule of the protocol.

use serde::Serialize;

use crate::case::{escalation_path, jump_rule, opening_path, switch_stage, Case, JumpRule};
use crate::engine::{route_of, EngineError};
use crate::protocol::{ExtensionRule, Protocol, RouteView, Stage};

/// A stage named in an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageRef {
    pub number: u8,
    pub title: String,
    /// The protocol lets this stage be left out on a recorded decision.
    pub optional: bool,
}

impl StageRef {
    fn of(stage: &Stage) -> StageRef {
        StageRef {
            number: stage.number,
            title: stage.title.clone(),
            optional: stage.optional,
        }
    }
}

/// What a recorded decision to leave stages out needs: always why, and who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DecisionNeeds {
    /// Their role is needed too: a stage left out is not optional, so the move relies
    /// on the protocol's rule on skipping, which names who decides.
    pub role_needed: bool,
    /// The role the protocol names as deciding, where it has a rule on skipping (to
    /// ask for, even where it is not needed).
    pub role: Option<String>,
    /// The protocol's words on skipping, where the move relies on them; `None` where
    /// every stage left out is optional.
    pub words: Option<String>,
}

/// What immediate risk needs to take a case past stages, where the protocol lets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RiskNeeds {
    /// The immediate risk to the child must be given as the reason: the case has none
    /// recorded yet.
    pub reason_needed: bool,
    /// The protocol's words on immediate risk.
    pub words: String,
}

/// A stage a case may move to (an escalation) or open at, what the move leaves out,
/// and what it needs. A stage the protocol does not let the case reach is not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StageTarget {
    pub stage: u8,
    pub title: String,
    /// The formal stages the move goes past, in order. Empty: the next stage (or, for an
    /// opening, the route's first), which needs nothing more.
    pub leaves_out: Vec<StageRef>,
    /// Where stages are left out and a recorded decision may do it: what it needs.
    pub decision: Option<DecisionNeeds>,
    /// Where stages are left out and immediate risk may do it: what it needs.
    pub risk: Option<RiskNeeds>,
}

/// A deadline of the case that may be extended now, by agreement, and the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExtendableDeadline {
    /// What an extension names: `timescale` (the current stage's) or a limit's id; the
    /// `id` of the deadline in the case's status.
    pub deadline: String,
    /// The stage, for a timescale (the `stage` of the deadline in the status).
    pub stage: Option<u8>,
    /// The protocol's words for the deadline.
    pub what: String,
    /// Who may agree, in the protocol's words.
    pub rule: ExtensionRule,
}

/// Where a switch to a route may put the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SwitchTargets {
    /// The route has the stage the case is at: the case may stay at it (its clock runs
    /// on), giving no stage.
    pub stay: bool,
    /// The stages of the route the case may be put at, in order.
    pub stages: Vec<StageRef>,
}

/// One route of the case's protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouteChoice {
    pub id: String,
    pub name: String,
    /// The protocol's standard route (a case on it keeps no route id).
    pub standard: bool,
    /// The route the case is on.
    pub current: bool,
    /// Where the open case may switch to this route; `None` for the route it is on,
    /// and when the case is closed.
    pub switch: Option<SwitchTargets>,
}

/// What a lead may do next with a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NextSteps {
    /// The stages an escalation may go to now, the next one first. Empty when the case
    /// is closed, at its route's last stage, or its stage record still lacks something
    /// (the status's `escalation_blockers` say what).
    pub escalation: Vec<StageTarget>,
    /// The deadlines that may be extended now, the stage's timescale first.
    pub extendable: Vec<ExtendableDeadline>,
    /// Every route of the protocol, the standard one first.
    pub routes: Vec<RouteChoice>,
}

/// One route as intake offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IntakeRoute {
    pub id: String,
    pub name: String,
    /// The standard route: a new case on it names no route.
    pub standard: bool,
    /// The yes/no question intake asks: yes takes this route (the first yes, in this
    /// order). `None`: not asked (the standard route, or one only switched to).
    pub question: Option<String>,
    /// The stages a case on this route may open at, the route's first first.
    pub openings: Vec<StageTarget>,
}

/// What intake offers under one protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Intake {
    pub protocol: String,
    /// Every route, the standard one first.
    pub routes: Vec<IntakeRoute>,
}

/// A target from the stages a move goes past, by the same rule its check reads.
fn target(
    protocol: &Protocol,
    route: &RouteView<'_>,
    stage: &Stage,
    skipped: &[u8],
    risk_recorded: bool,
) -> Option<StageTarget> {
    let leaves_out: Vec<StageRef> = skipped
        .iter()
        .filter_map(|n| route.stage(*n))
        .map(StageRef::of)
        .collect();
    let (decision, risk) = if skipped.is_empty() {
        (None, None)
    } else {
        let rule: JumpRule<'_> = jump_rule(protocol, route, skipped);
        let decision = rule.decision_allowed().then(|| DecisionNeeds {
            role_needed: rule.role_needed(),
            role: rule.skipping.map(|s| s.by.clone()),
            words: rule
                .skipping
                .filter(|_| rule.relies_on_rule)
                .map(|s| s.words.clone()),
        });
        let risk = rule.by_risk_allowed.then(|| RiskNeeds {
            reason_needed: !risk_recorded,
            words: protocol.immediate_risk.words.clone(),
        });
        if decision.is_none() && risk.is_none() {
            return None;
        }
        (decision, risk)
    };
    Some(StageTarget {
        stage: stage.number,
        title: stage.title.clone(),
        leaves_out,
        decision,
        risk,
    })
}

/// The stages a case on `route` may open at: each stage of the route that an opening
/// accepts by some means (directly, on a recorded decision, or on immediate risk).
pub fn openings(protocol: &Protocol, route: &RouteView<'_>) -> Vec<StageTarget> {
    route
        .stages()
        .filter_map(|stage| {
            let skipped = opening_path(protocol, route, stage.number).ok()?;
            target(protocol, route, stage, &skipped, false)
        })
        .collect()
}

/// What intake offers under `protocol`: its routes, their questions, and where a case
/// on each may open.
pub fn intake(protocol: &Protocol) -> Intake {
    Intake {
        protocol: protocol.id.clone(),
        routes: protocol
            .all_routes()
            .map(|route| IntakeRoute {
                id: route.id().to_owned(),
                name: route.name().to_owned(),
                standard: route.is_standard(),
                question: route.definition().and_then(|r| r.question.clone()),
                openings: openings(protocol, &route),
            })
            .collect(),
    }
}

impl Case {
    /// What a lead may do next with this case under `protocol` (the version it runs
    /// under): where it may escalate to, which deadlines may be extended, and the routes
    /// it may switch to.
    pub fn next_steps(&self, protocol: &Protocol) -> Result<NextSteps, EngineError> {
        let route = route_of(protocol, self.route.as_deref())?;
        let open = self.is_open();
        let current = self.current_stage();
        let escalation = if open && self.escalation_blockers(protocol).is_empty() {
            route
                .stages()
                .filter_map(|stage| {
                    let (to, skipped) =
                        escalation_path(protocol, &route, current, Some(stage.number)).ok()?;
                    let stage = route.stage(to)?;
                    target(
                        protocol,
                        &route,
                        stage,
                        &skipped,
                        self.immediate_risk.is_some(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let extendable = if open {
            self.extension_candidates(&route, current)
                .into_iter()
                .filter_map(|c| {
                    Some(ExtendableDeadline {
                        deadline: c.deadline.to_owned(),
                        stage: c.stage,
                        what: c.words.to_owned(),
                        rule: c.rule?.clone(),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let routes = protocol
            .all_routes()
            .map(|r| {
                let is_current = r.id() == route.id();
                RouteChoice {
                    id: r.id().to_owned(),
                    name: r.name().to_owned(),
                    standard: r.is_standard(),
                    current: is_current,
                    switch: (open && !is_current).then(|| SwitchTargets {
                        stay: switch_stage(&r, current, None).is_ok(),
                        stages: r
                            .stages()
                            .filter(|s| switch_stage(&r, current, Some(s.number)).is_ok())
                            .map(StageRef::of)
                            .collect(),
                    }),
                }
            })
            .collect();
        Ok(NextSteps {
            escalation,
            extendable,
            routes,
        })
    }
}
