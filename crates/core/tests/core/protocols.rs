//! The shipped protocols encode what their seed text requires.

use escalate_core::protocol::{Anchor, FormId, RecordField, Requirement};
use escalate_core::{builtin_protocols, Limit, Sector};

use crate::protocol;

#[test]
fn exactly_the_five_seed_protocols_ship() {
    let ids: Vec<_> = builtin_protocols()
        .unwrap()
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "western-bay",
            "london",
            "four-stage",
            "doncaster",
            "south-gloucestershire"
        ]
    );
}

#[test]
fn every_stage_of_every_protocol_has_a_written_record_form() {
    for p in builtin_protocols().unwrap() {
        for s in &p.stages {
            assert!(
                s.forms.iter().any(|f| f.form == FormId::STAGE_RECORD),
                "{} stage {} has no stage-record form",
                p.id,
                s.number
            );
            assert!(!s.actions.is_empty() && !s.next_step.is_empty());
        }
    }
}

#[test]
fn western_bay() {
    let p = protocol("western-bay");
    assert_eq!(p.stages.len(), 6);
    assert!(!p.immediate_risk.higher_stage);
    assert!(p
        .smaller_organisations
        .as_deref()
        .unwrap()
        .contains("corresponding levels of seniority"));
    // Stage 3 gets a copy of the Stage 2 record.
    let s3 = p.stage(3).unwrap();
    let copy = s3
        .notifications
        .iter()
        .find(|n| n.id == "stage-2-record-copy")
        .unwrap();
    assert_eq!(copy.on, Anchor::StageStart);
    assert!(copy.what.contains("written record from Stage 2"));
    // Stage 3 -> 4 needs the risk analysis.
    assert_eq!(
        s3.escalate_requires,
        [
            Requirement::Record,
            Requirement::Field(RecordField::new("risk-analysis").unwrap())
        ]
    );
    assert!(s3
        .next_step
        .contains("analysis identifying the perceived risk to the child"));
    // Stage 4 may hold a professionals meeting.
    assert!(p
        .stage(4)
        .unwrap()
        .actions
        .iter()
        .any(|a| a.contains("professionals meeting may be held")));
    // Stage 5: the Report, a copy to the Board administrator; unresolved goes to the Chair.
    let s5 = p.stage(5).unwrap();
    assert!(s5
        .forms
        .iter()
        .any(|f| f.form == FormId::new("rpd-report").unwrap()
            && f.send_to.iter().any(|t| t == "WBSCB Administrator")));
    assert!(s5.notifications.iter().any(|n| n
        .to
        .contains("Chair of the WBSCB, via the WBSCB Administrator")
        && n.on == Anchor::Escalation));
    // Stage 6: the Board Chair via the administrator; the Board completes the Report.
    let s6 = p.stage(6).unwrap();
    assert!(s6.contact.contains("via the WBSCB Administrator"));
    assert!(s6
        .forms
        .iter()
        .any(|f| f.form == FormId::new("rpd-report").unwrap() && f.on == Anchor::Resolution));
    // Five exclusions, each redirected to the procedure the seed names.
    let ex: Vec<_> = p
        .exclusions
        .iter()
        .map(|e| (e.id.as_str(), e.redirect.as_str()))
        .collect();
    assert_eq!(ex.len(), 5);
    assert!(ex[0].1.contains("internal disagreements"));
    assert!(ex[1].1.contains("complaints procedure"));
    assert!(ex[2].1.contains("SCB complaints procedure"));
    assert!(ex[3].1.contains("3.14.16"));
    assert!(ex[4].1.contains("3.23"));
}

#[test]
fn london() {
    let p = protocol("london");
    assert_eq!(p.stages.len(), 5);
    for n in [1, 2] {
        let t = p.stage(n).unwrap().timescale.as_ref().unwrap();
        assert_eq!(t.within, Limit::WorkingDays(5));
        assert!(
            t.shorter_if_child_needs,
            "stage {n} must take the shorter child-protective timescale"
        );
        assert!(t.words.contains("whichever is less"));
    }
    assert!(p.stage(3).unwrap().also_involve[0].contains("doctor or nurse"));
    assert!(p.stage(3).unwrap().led_by.contains("service manager"));
    assert!(p.stage(4).unwrap().led_by.contains("heads of service"));
    assert!(p.stage(5).unwrap().led_by.contains("Partnership"));
    assert!(p.record_keeping.contains("contemporaneously record"));
    assert!(p.record_keeping.contains("approve and date the record"));
    assert!(p.record_keeping.contains("child's file"));
}

#[test]
fn four_stage() {
    let p = protocol("four-stage");
    let titles: Vec<_> = p.stages.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Stage One: Preventing Disputes",
            "Stage Two: Informal Dispute Procedure",
            "Stage Three: Formal Dispute Procedure",
            "Stage Four: Where Disagreements Remain"
        ]
    );
    let s1 = p.stage(1).unwrap();
    assert_eq!(s1.timescale.as_ref().unwrap().within, Limit::WorkingDays(1));
    let lm = &s1.deadlines[0];
    assert_eq!(
        (lm.within, lm.from),
        (Limit::Hours(24), Anchor::UnresolvedDiscussion)
    );
    let s2 = p.stage(2).unwrap();
    assert_eq!(s2.entry, Limit::WithoutDelay);
    assert!(s2
        .also_involve
        .iter()
        .any(|a| a.contains("CAF/TAC Implementation Officer")));
    assert!(p.stage(3).unwrap().led_by.contains("Head of Service"));
    let s4 = p.stage(4).unwrap();
    assert!(s4.led_by.contains("Head of Safeguarding"));
    assert!(s4
        .actions
        .iter()
        .any(|a| a.contains("Safeguarding Children Board Chair")));
    assert!(s4
        .actions
        .iter()
        .any(|a| a.contains("multi-agency case review")));
    assert!(s4
        .notifications
        .iter()
        .any(|n| n.to == "SCB/SAB Learning Group"));
    assert!(p.immediate_risk.higher_stage);
}

#[test]
fn doncaster() {
    let p = protocol("doncaster");
    let s0 = p.stage(0).unwrap();
    assert!(s0.informal);
    assert!(s0
        .record
        .fields
        .contains(&RecordField::new("minutes").unwrap()));
    assert_eq!(p.first_stage(), 1);
    let s1 = p.stage(1).unwrap();
    assert!(s1
        .forms
        .iter()
        .any(|f| f.form == FormId::new("escalation-form").unwrap() && f.on == Anchor::StageStart));
    let t = s1.timescale.as_ref().unwrap();
    assert_eq!((t.within, t.from), (Limit::WorkingDays(5), Anchor::Receipt));
    let same_day: Vec<_> = s1
        .notifications
        .iter()
        .filter(|n| n.on == Anchor::StageStart && n.within == Limit::SameWorkingDay)
        .map(|n| n.to.as_str())
        .collect();
    assert_eq!(same_day.len(), 2);
    assert!(same_day.contains(&"DSCP Business Unit"));
    assert!(s1
        .notifications
        .iter()
        .any(|n| n.id == "acknowledgement" && n.on == Anchor::Receipt));
    let outcome = s1
        .notifications
        .iter()
        .find(|n| n.id == "outcome-in-writing")
        .unwrap();
    assert_eq!(
        (outcome.on, outcome.within),
        (Anchor::Resolution, Limit::WorkingDays(2))
    );
    for n in [2, 3] {
        let s = p.stage(n).unwrap();
        assert_eq!(s.timescale.as_ref().unwrap().within, Limit::WorkingDays(5));
        for on in [Anchor::Escalation, Anchor::Resolution] {
            assert!(
                s.notifications
                    .iter()
                    .any(|x| x.to == "DSCP Business Unit" && x.on == on),
                "stage {n}: Business Unit must be notified on {on}"
            );
        }
    }
    let s4 = p.stage(4).unwrap();
    assert!(s4
        .notifications
        .iter()
        .any(|n| n.to == "DSCP Independent Convenor"
            && n.by.as_deref() == Some("The DSCP Business Unit Manager")));
    assert_eq!(s4.timescale.as_ref().unwrap().within, Limit::WorkingDays(5));
    let ends: Vec<_> = p.on_resolution.iter().map(|n| n.what.as_str()).collect();
    assert!(ends.iter().any(|w| w.contains("notified in writing")));
    assert!(ends.iter().any(|w| w.contains("Lessons learned")));
}

#[test]
fn south_gloucestershire() {
    let p = protocol("south-gloucestershire");
    let limits: Vec<_> = p
        .stages
        .iter()
        .map(|s| {
            let t = s.timescale.as_ref().unwrap();
            (t.within, t.from)
        })
        .collect();
    assert_eq!(
        limits,
        [1, 2, 3, 5].map(|n| (Limit::WorkingDays(n), Anchor::CaseStart))
    );
    let s1 = p.stage(1).unwrap();
    assert!(s1
        .deadlines
        .iter()
        .any(|x| x.id == "managers-contact" && x.within == Limit::Hours(24)));
    assert!(p.immediate_risk.higher_stage);
    for n in [3, 4] {
        let s = p.stage(n).unwrap();
        assert!(
            s.forms
                .iter()
                .any(|f| f.form == FormId::new("monitoring-form").unwrap()
                    && f.send_to
                        .iter()
                        .any(|t| t.starts_with("Strategic Safeguarding Service Manager"))),
            "stage {n} must send the Monitoring Form to the Strategic Safeguarding Service Manager"
        );
    }
    for n in [1, 2] {
        assert!(!p
            .stage(n)
            .unwrap()
            .forms
            .iter()
            .any(|f| f.form == FormId::new("monitoring-form").unwrap()));
    }
    let s4 = p.stage(4).unwrap();
    assert!(s4.outcome.as_deref().unwrap().contains("final and binding"));
    assert!(s4.actions.iter().any(|a| a.contains("mediation")));
    assert!(s4.actions.iter().any(|a| a.contains("Resolution Panel")));
    // Appendix Two: six sectors, four stages each.
    assert_eq!(p.sectors.len(), 6);
    for roles in &p.sectors {
        for stage in 1..=4 {
            assert!(roles.at(stage).is_some(), "{} stage {stage}", roles.sector);
        }
    }
    let police = p.sector_roles(Sector::Police).unwrap();
    assert_eq!(
        police.at(1),
        Some("Staff member /Police Officer and Detective Sergeant")
    );
    let schools = p.sector_roles(Sector::Schools).unwrap();
    assert_eq!(schools.at(2), Some("Line manager and Head Teacher"));
    assert_eq!(
        p.sector_roles(Sector::HealthPrimary).unwrap().at(3),
        Some("NHS England Clinical Governance")
    );
}

#[test]
fn protocols_round_trip_through_json() {
    for p in builtin_protocols().unwrap() {
        let json = serde_json::to_string(p).unwrap();
        let back: escalate_core::Protocol = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, p);
    }
}

/// The forms a protocol's cases use, and the one a Board package carries, come from
/// the protocol file alone.
#[test]
fn each_protocol_offers_its_own_forms() {
    let forms = |id: &str| protocol(id).form_ids();
    assert_eq!(
        forms("western-bay"),
        [
            FormId::new("rpd-report").unwrap(),
            FormId::STAGE_RECORD,
            FormId::CHRONOLOGY
        ]
    );
    assert_eq!(
        forms("doncaster"),
        [
            FormId::new("escalation-form").unwrap(),
            FormId::STAGE_RECORD,
            FormId::CHRONOLOGY
        ]
    );
    assert_eq!(forms("london"), [FormId::STAGE_RECORD, FormId::CHRONOLOGY]);
    let board = |id: &str| protocol(id).board_form();
    assert_eq!(board("western-bay"), FormId::new("rpd-report").unwrap());
    assert_eq!(
        board("south-gloucestershire"),
        FormId::new("monitoring-form").unwrap()
    );
    assert_eq!(board("doncaster"), FormId::CHRONOLOGY);
    assert_eq!(board("london"), FormId::CHRONOLOGY);
}
