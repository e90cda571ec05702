//! The one renderer of the forms protocols declare (`[[forms]]`): each section's
//! heading and items laid out in order, every label the protocol's own, every value
//! taken from the concept its item names ([`Source`]).

use chrono::NaiveDateTime;
use escalate_core::form::{Fact, FormDef, FormSection, ItemKind, Piece, Template, Value};
use escalate_core::format::count;
use escalate_core::model::ChronologyKind;
use escalate_core::model::{CaseDetail, Participant, StageRecord};
use escalate_core::protocol::{Source, TickSource};
use escalate_core::StateKind;

use crate::forms::ReportInput;
use crate::layout::{Sheet, BODY};
use crate::ReportOptions;

/// What fills a form: a case, or nothing at all (a blank specimen for checking the
/// layout, where every box is empty and every tick-box unticked).
#[derive(Clone, Copy)]
pub enum Fill<'a> {
    Case {
        input: &'a ReportInput<'a>,
        opts: &'a ReportOptions,
    },
    Specimen {
        protocol: &'a escalate_core::Protocol,
    },
}

/// Lay out `form` on `s`.
pub fn lay_out(s: &mut Sheet, form: &FormDef, fill: Fill<'_>) {
    if let Some(intro) = &form.intro {
        s.paragraph(intro, BODY);
    }
    for section in &form.sections {
        if section.keep_together {
            // Measured on a page of its own: a section longer than a page flows on.
            let need = measure(s, form, section, fill);
            if need <= s.empty_page_room() {
                s.keep(need);
            }
        }
        lay_out_section(s, form, section, fill);
    }
}

fn lay_out_section(s: &mut Sheet, form: &FormDef, section: &FormSection, fill: Fill<'_>) {
    if let Some(h) = &section.heading {
        s.heading(h);
    }
    for item in &section.items {
        let stages: &[u8] = if item.stages.is_empty() {
            &form.stages
        } else {
            &item.stages
        };
        match item.kind() {
            ItemKind::Paragraph(words) => s.paragraph(words, BODY),
            ItemKind::Ticks { label, tick } => {
                let boxes = tick_boxes(fill, tick, &item.options, &item.labels);
                let refs: Vec<(&str, bool)> = boxes.iter().map(|(l, t)| (l.as_str(), *t)).collect();
                s.ticks(label, &refs);
            }
            ItemKind::Field {
                label,
                value,
                space,
            } => {
                let mut text = match value {
                    Value::From(source) => fill.value(source, stages),
                    Value::Text(template) => fill.template(template, stages),
                    Value::Blank => String::new(),
                };
                // An empty box for a stage the case went past reads as a record never
                // written: say the stage was left out, on a recorded decision.
                if text.is_empty() && !matches!(value, Value::Blank) {
                    if let Some(words) = left_out(fill, stages) {
                        text = words;
                    }
                }
                s.field(label, &text, space.mm());
            }
        }
    }
    s.gap(section.space_after.mm());
}

/// `Stage 3 left out` (`Stages 2, 3 left out`) where every one of `stages` (a form's or
/// item's own, never empty here) was gone past on a recorded decision.
fn left_out(fill: Fill<'_>, stages: &[u8]) -> Option<String> {
    let Fill::Case { input, .. } = fill else {
        return None;
    };
    let skipped = |n: &u8| input.case.engine.skips.iter().any(|k| k.stages.contains(n));
    if stages.is_empty() || !stages.iter().all(skipped) {
        return None;
    }
    let numbers: Vec<String> = stages.iter().map(u8::to_string).collect();
    Some(format!(
        "{} {} left out",
        if stages.len() == 1 { "Stage" } else { "Stages" },
        numbers.join(", ")
    ))
}

/// The height `section` takes laid out from the top of a page.
fn measure(s: &Sheet, form: &FormDef, section: &FormSection, fill: Fill<'_>) -> f32 {
    let mut scratch = s.blank_like();
    let top = scratch.y();
    lay_out_section(&mut scratch, form, section, fill);
    if scratch.pages() > 1 {
        f32::INFINITY
    } else {
        scratch.y() - top
    }
}

/// Each box of a tick-box group, with whether it is ticked.
fn tick_boxes(
    fill: Fill<'_>,
    tick: TickSource,
    options: &[u8],
    labels: &[String],
) -> Vec<(String, bool)> {
    let (case, protocol) = match fill {
        Fill::Case { input, .. } => (Some(input), input.protocol),
        Fill::Specimen { protocol } => (None, protocol),
    };
    let mut boxes: Vec<(String, bool)> = if tick.by_stage() {
        let stages: Vec<u8> = if options.is_empty() {
            // Every formal stage of the protocol, in order.
            formal_stages(protocol)
        } else {
            options.to_vec()
        };
        let at = case.and_then(|i| match tick {
            TickSource::StageResolved => resolved_stage(i.case),
            _ => i.case.engine.stages.iter().map(|e| e.stage).max(),
        });
        stages
            .iter()
            .map(|n| (format!("Stage {n}"), at == Some(*n)))
            .collect()
    } else {
        let yes = case.map(|i| match tick {
            TickSource::ImmediateRisk => i.case.immediate_risk.is_some(),
            _ => i.case.state == StateKind::Resolved,
        });
        vec![
            ("Yes".to_owned(), yes == Some(true)),
            ("No".to_owned(), yes == Some(false)),
        ]
    };
    for (b, l) in boxes.iter_mut().zip(labels) {
        b.0.clone_from(l);
    }
    boxes
}

/// The protocol's formal stages, in order, for a stage tick-box group without options.
pub fn formal_stages(p: &escalate_core::Protocol) -> Vec<u8> {
    p.stages
        .iter()
        .filter(|s| !s.informal)
        .map(|s| s.number)
        .collect()
}

/// The stage a resolved case was resolved at.
pub fn resolved_stage(c: &CaseDetail) -> Option<u8> {
    (c.state == StateKind::Resolved).then_some(c.status.stage)
}

/// Calendar and working days from the outset to resolution.
fn time_taken(input: &ReportInput<'_>) -> Option<(i64, u32)> {
    let c = input.case;
    let end = c.closed_at.filter(|_| c.state == StateKind::Resolved)?;
    let days = (end.date() - c.opened_at.date()).num_days();
    let working = input
        .calendar
        .working_days_between(c.opened_at.date(), end.date())
        .ok()?;
    Some((days, working))
}

pub fn date(t: NaiveDateTime) -> String {
    escalate_core::format::date(t.date())
}

fn in_stages(stages: &[u8], stage: u8) -> bool {
    stages.is_empty() || stages.contains(&stage)
}

/// The records of `stages` (every record when empty), oldest first.
fn records<'c>(c: &'c CaseDetail, stages: &'c [u8]) -> impl Iterator<Item = &'c StageRecord> {
    c.records.iter().filter(move |r| in_stages(stages, r.stage))
}

/// The summary, then each record's two views.
fn dispute_views(c: &CaseDetail, stages: &[u8]) -> String {
    let mut out = c.summary.clone();
    for r in records(c, stages) {
        if !r.raising_view.is_empty() {
            out.push_str(&format!(
                "\nStage {} — view of {}: {}",
                r.stage, c.raising_agency, r.raising_view
            ));
        }
        if !r.receiving_view.is_empty() {
            out.push_str(&format!(
                "\nStage {} — view of {}: {}",
                r.stage, c.receiving_agency, r.receiving_view
            ));
        }
    }
    out
}

/// What was agreed at each stage, the escalations, and the outcome.
fn dispute_agreed(input: &ReportInput<'_>, stages: &[u8]) -> String {
    let c = input.case;
    let mut lines: Vec<(NaiveDateTime, String)> = records(c, stages)
        .map(|r| (r.discussed_at, format!("Stage {}: {}", r.stage, r.agreed)))
        .collect();
    for e in input
        .chronology
        .iter()
        .filter(|e| e.kind == ChronologyKind::Escalated)
        .filter(|e| e.stage.is_none_or(|n| in_stages(stages, n)))
    {
        lines.push((e.at, e.text.clone()));
    }
    lines.sort_by_key(|l| l.0);
    let mut out: Vec<String> = lines.into_iter().map(|l| l.1).collect();
    match (c.state, &c.outcome) {
        (StateKind::Resolved, Some(o)) => out.push(format!("Resolved: {o}")),
        (StateKind::Open, _) => out.push(format!(
            "Not yet resolved: the case is at Stage {}.",
            c.status.stage
        )),
        (state, Some(o)) => out.push(format!("{state}: {o}")),
        _ => {}
    }
    out.join("\n")
}

/// Who signs for `agency`: its latest participant in the records of `stages`; else the
/// lead, where the lead is of that agency; else the professional named at intake.
fn signatory(
    input: &ReportInput<'_>,
    agency: &str,
    professional: Option<&str>,
    stages: &[u8],
) -> (String, String) {
    let c = input.case;
    let participant: Option<&Participant> = c
        .records
        .iter()
        .rev()
        .filter(|r| in_stages(stages, r.stage))
        .flat_map(|r| r.participants.iter())
        .find(|p| p.agency.eq_ignore_ascii_case(agency));
    match participant {
        Some(p) => (p.name.clone(), p.role.clone()),
        None if input.profile.agency.eq_ignore_ascii_case(agency) => (
            input.profile.name.clone(),
            input.profile.designation.clone(),
        ),
        None => (professional.unwrap_or_default().to_owned(), String::new()),
    }
}

/// A record field's (or common field's) text in the records of `stages`, one a line.
fn each_record(c: &CaseDetail, stages: &[u8], f: impl Fn(&StageRecord) -> String) -> String {
    records(c, stages)
        .map(f)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Fill<'_> {
    /// The text `source` gives for a case, counting records from `stages` (every stage
    /// when empty); nothing on a specimen.
    pub fn value(&self, source: &Source, stages: &[u8]) -> String {
        let Fill::Case { input, opts } = *self else {
            return String::new();
        };
        let c = input.case;
        match source {
            Source::Field(id) => each_record(c, stages, |r| {
                r.extra.get(id.as_str()).cloned().unwrap_or_default()
            }),
            Source::Sent(id) => c
                .notifications_sent
                .iter()
                .find(|n| n.notification == *id && n.stage.is_none_or(|s| in_stages(stages, s)))
                .map(|n| date(n.sent_at))
                .unwrap_or_default(),
            Source::Fact(fact) => self.fact(input, opts, *fact, stages),
        }
    }

    fn fact(
        &self,
        input: &ReportInput<'_>,
        opts: &ReportOptions,
        fact: Fact,
        stages: &[u8],
    ) -> String {
        let c = input.case;
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        match fact {
            Fact::CaseReference => c.reference.clone(),
            Fact::CaseCategory => c.category.clone(),
            Fact::CaseSummary => c.summary.clone(),
            Fact::CaseOpened => date(c.opened_at),
            Fact::CaseStage => format!("Stage {}", c.status.stage),
            Fact::CaseOutcome => opt(&c.outcome),
            Fact::ChildName => c.child_name.clone(),
            Fact::ChildDateOfBirth => c
                .child_dob
                .map(escalate_core::format::date)
                .unwrap_or_default(),
            Fact::ChildIdentifiers => c.child_identifiers.clone(),
            Fact::RaisingAgency => c.raising_agency.clone(),
            Fact::RaisingProfessional => opt(&c.raising_professional),
            Fact::RaisingSignatory => {
                signatory(
                    input,
                    &c.raising_agency,
                    c.raising_professional.as_deref(),
                    stages,
                )
                .0
            }
            Fact::RaisingSignatoryRole => {
                signatory(
                    input,
                    &c.raising_agency,
                    c.raising_professional.as_deref(),
                    stages,
                )
                .1
            }
            Fact::ReceivingAgency => c.receiving_agency.clone(),
            Fact::ReceivingProfessional => opt(&c.receiving_professional),
            Fact::ReceivingSignatory => {
                signatory(
                    input,
                    &c.receiving_agency,
                    c.receiving_professional.as_deref(),
                    stages,
                )
                .0
            }
            Fact::ReceivingSignatoryRole => {
                signatory(
                    input,
                    &c.receiving_agency,
                    c.receiving_professional.as_deref(),
                    stages,
                )
                .1
            }
            Fact::DisputeViews => dispute_views(c, stages),
            Fact::DisputeAgreed => dispute_agreed(input, stages),
            Fact::ResolutionStage => resolved_stage(c)
                .map(|n| format!("Stage {n}"))
                .unwrap_or_default(),
            Fact::ResolutionDate => c
                .closed_at
                .filter(|_| c.state == StateKind::Resolved)
                .map(date)
                .unwrap_or_default(),
            Fact::ResolutionTimeTaken => match time_taken(input) {
                Some((days, working)) => format!(
                    "{} ({}), from {} to {}",
                    count(days, "calendar day"),
                    count(i64::from(working), "working day"),
                    date(c.opened_at),
                    c.closed_at.map(date).unwrap_or_default()
                ),
                None => "Not resolved".to_owned(),
            },
            Fact::ResolutionDaysTaken => match time_taken(input) {
                Some((days, working)) => format!(
                    "{} ({})",
                    count(days, "day"),
                    count(i64::from(working), "working day")
                ),
                None => "Not resolved".to_owned(),
            },
            Fact::RecordSummary => each_record(c, stages, |r| r.summary.clone()),
            Fact::RecordAgreed => each_record(c, stages, |r| r.agreed.clone()),
            Fact::RecordRaisingView => each_record(c, stages, |r| r.raising_view.clone()),
            Fact::RecordReceivingView => each_record(c, stages, |r| r.receiving_view.clone()),
            Fact::RecordNextStep => each_record(c, stages, |r| r.next_step.clone()),
            Fact::RecordDiscussedAt => each_record(c, stages, |r| {
                escalate_core::format::date_time(r.discussed_at)
            }),
            Fact::RecordApprovedBy => {
                each_record(c, stages, |r| r.approved_by.clone().unwrap_or_default())
            }
            Fact::LeadName => input.profile.name.clone(),
            Fact::LeadDesignation => input.profile.designation.clone(),
            Fact::LeadAgency => input.profile.agency.clone(),
            Fact::FormDate => date(opts.generated_at),
            Fact::FormEffectiveness => opts.effectiveness.clone(),
            Fact::FormNotes => opts.notes.clone(),
            Fact::ProtocolName => input.protocol.name.clone(),
            Fact::ProtocolPartnership => input.protocol.partnership.clone(),
        }
    }

    /// A template's text: each line whose sources are all empty is left out.
    pub fn template(&self, t: &Template, stages: &[u8]) -> String {
        let mut out: Vec<String> = Vec::new();
        for line in t.lines() {
            let mut text = String::new();
            let mut sources = 0;
            let mut filled = 0;
            for piece in line {
                match piece {
                    Piece::Words(w) => text.push_str(w),
                    Piece::Value(source) => {
                        sources += 1;
                        let v = self.value(source, stages);
                        if !v.is_empty() {
                            filled += 1;
                        }
                        text.push_str(&v);
                    }
                }
            }
            if sources == 0 || filled > 0 {
                out.push(text);
            }
        }
        out.join("\n")
    }
}
