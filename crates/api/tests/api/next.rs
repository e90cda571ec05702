//! "What may I do next" through the use cases on a real store: intake's routes and the
//! stages a case may open at (`next::intake_options`), and a case's escalation targets,
//! extendable deadlines and route switches (`CaseDetail::next`), each taken as offered
//! and accepted by the move, and plan dues in the one formatter's words.

use std::path::{Path, PathBuf};

use escalate_api::{cases, next, settings};
use escalate_core::{format, Due, ErrorCode, SkipDecision};

use crate::*;

fn copy_of(dir: &Path, name: &str) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(format!("{name}.toml"));
    let to = dir.join(format!("{name}.toml"));
    std::fs::copy(from, &to).unwrap();
    to
}

fn under(protocol: &str) -> NewCase {
    NewCase {
        protocol: Some(protocol.into()),
        opened_at: Some(t("2026-11-02T09:00")),
        ..new_case("Summary")
    }
}

#[tokio::test]
async fn intake_offers_a_later_start_with_the_role_the_protocol_names_and_the_store_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let lead = store(dir.path(), "western-bay").await;
    let now = t("2026-11-02T09:30");
    settings::install_protocol(&lead, &copy_of(dir.path(), "iro-handbook-style"), now)
        .await
        .unwrap();
    let all = next::intake_options(&lead).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|i| i.protocol.as_str()).collect();
    let listed: Vec<String> = cases::protocols(&lead)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(
        ids, listed,
        "one answer per protocol a case can be opened under"
    );
    let iro = all
        .iter()
        .find(|i| i.protocol == "iro-handbook-style")
        .unwrap();
    let standard = &iro.routes[0];
    assert!(standard.standard && standard.question.is_none());
    // The informal step and the first formal stage need nothing to open at.
    let direct: Vec<u8> = standard
        .openings
        .iter()
        .filter(|t| t.leaves_out.is_empty())
        .map(|t| t.stage)
        .collect();
    assert_eq!(direct, vec![0, 1]);
    let three = standard.openings.iter().find(|t| t.stage == 3).unwrap();
    let left: Vec<u8> = three.leaves_out.iter().map(|s| s.number).collect();
    assert_eq!(left, vec![1, 2]);
    let d = three.decision.as_ref().unwrap();
    assert!(d.role_needed);
    assert_eq!(d.role.as_deref(), Some("The IRO"));

    // Without the role the answer says is needed: refused naming it, nothing opened.
    let decision = |role: Option<&str>| SkipDecision {
        reason: "The matter needs a senior decision now.".into(),
        decided_by: "Ann Ward".into(),
        role: role.map(str::to_owned),
    };
    let e = cases::create(
        &lead,
        NewCase {
            stage: Some(3),
            skip: Some(decision(None)),
            ..under("iro-handbook-style")
        },
        now,
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::FieldInvalid, Some("skip.role"))
    );
    // As offered: opened at Stage 3, leaving out Stages 1 and 2.
    let r = cases::create(
        &lead,
        NewCase {
            stage: Some(3),
            skip: Some(decision(d.role.as_deref())),
            ..under("iro-handbook-style")
        },
        now,
    )
    .await
    .unwrap();
    let c = cases::detail(&lead, &r, now).await.unwrap();
    assert_eq!(c.status.stage, 3);
    assert_eq!(c.engine.skips[0].stages, vec![1, 2]);
    // From Stage 3 the next stage, 4, needs nothing; the IRO's rule offers none beyond.
    let targets: Vec<u8> = c.next.escalation.iter().map(|t| t.stage).collect();
    assert_eq!(targets[0], 4);
    assert!(c.next.escalation[0].leaves_out.is_empty());
    // Plan dues come in the one formatter's words.
    assert!(!c.plan.is_empty());
    for p in &c.plan {
        assert_eq!(p.due_text, format::plan_due(&p.due));
    }
    let plan = cases::plan(&lead, &r).await.unwrap();
    for l in &plan.limits {
        assert_eq!(l.due_text, format::plan_due(&l.due));
        assert!(l.due_text.starts_with("due by "), "{}", l.due_text);
    }
}

#[tokio::test]
async fn a_case_offers_the_escalation_the_extension_and_the_switch_it_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let lead = store(dir.path(), "western-bay").await;
    let now = t("2026-11-02T09:30");
    settings::install_protocol(&lead, &copy_of(dir.path(), "south-ayrshire"), now)
        .await
        .unwrap();
    let r = cases::create(&lead, under("south-ayrshire"), now)
        .await
        .unwrap();
    let c = cases::detail(&lead, &r, now).await.unwrap();
    // At Stage 1: Stage 2 is the one place to go, and nothing may be extended (Stage 1
    // has no dated timescale).
    assert!(c.status.escalation_blockers.is_empty());
    let targets: Vec<u8> = c.next.escalation.iter().map(|t| t.stage).collect();
    assert_eq!(targets, vec![2]);
    assert!(c.next.extendable.is_empty());
    let e = cases::extend_deadline(
        &lead,
        &r,
        cases::ExtensionRequest {
            deadline: "timescale".into(),
            to: Due::EndOfDay("2026-12-31".parse().unwrap()),
            agreed_by: "Pat Lee".into(),
            agreed_on: "2026-11-02".parse().unwrap(),
            reason: "Late.".into(),
        },
        now,
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::DeadlineUnknown, Some("deadline"))
    );
    cases::record_stage(&lead, &r, record(1, 2, false), t("2026-11-02T10:30"))
        .await
        .unwrap();
    let stage = cases::escalate(&lead, &r, Some(2), None, t("2026-11-02T11:00"))
        .await
        .unwrap();
    assert_eq!(stage, 2);

    // At Stage 2 its 28 days may be extended by the role the protocol names.
    let c = cases::detail(&lead, &r, t("2026-11-02T12:00"))
        .await
        .unwrap();
    assert!(c.next.escalation.is_empty(), "Stage 2 is the last");
    let [x] = c.next.extendable.as_slice() else {
        panic!("one extendable deadline: {:?}", c.next.extendable)
    };
    assert_eq!((x.deadline.as_str(), x.stage), ("timescale", Some(2)));
    assert_eq!(x.rule.by, "The accountable senior manager");
    let row = c
        .status
        .deadlines
        .iter()
        .find(|d| d.id == x.deadline && d.stage == x.stage)
        .unwrap();
    assert_eq!(
        row.what, x.what,
        "the offer names the deadline the status shows"
    );
    let request = |deadline: &str| cases::ExtensionRequest {
        deadline: deadline.into(),
        to: Due::EndOfDay("2026-12-31".parse().unwrap()),
        agreed_by: "Pat Lee, accountable senior manager".into(),
        agreed_on: "2026-11-02".parse().unwrap(),
        reason: "The police report is late.".into(),
    };
    let e = cases::extend_deadline(&lead, &r, request("the-cap"), t("2026-11-02T12:00"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::DeadlineUnknown, Some("deadline"))
    );
    cases::extend_deadline(&lead, &r, request(&x.deadline), t("2026-11-02T12:00"))
        .await
        .unwrap();

    // The appeal route has a Stage 2 of its own: the case may stay at its stage.
    let c = cases::detail(&lead, &r, t("2026-11-02T13:00"))
        .await
        .unwrap();
    let current: Vec<&str> = c
        .next
        .routes
        .iter()
        .filter(|r| r.current)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        current,
        vec!["dissent"],
        "the standard route, by the id the protocol names it"
    );
    let appeal = c.next.routes.iter().find(|r| r.id == "appeal").unwrap();
    let switch = appeal.switch.as_ref().unwrap();
    assert!(switch.stay);
    let stages: Vec<u8> = switch.stages.iter().map(|s| s.number).collect();
    assert_eq!(stages, vec![1, 2]);
    let at = cases::switch_route(
        &lead,
        &r,
        "appeal",
        "A parent appeals.",
        None,
        t("2026-11-02T13:00"),
    )
    .await
    .unwrap();
    assert_eq!(at, 2);
    let c = cases::detail(&lead, &r, t("2026-11-02T14:00"))
        .await
        .unwrap();
    assert!(c
        .next
        .routes
        .iter()
        .any(|r| r.id == "appeal" && r.current && r.switch.is_none()));
}
