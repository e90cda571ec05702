//! The five forms. Labels are the protocols' own words; values come from the case.

use chrono::NaiveDateTime;
use escalate_core::engine::DeadlineKind;
use escalate_core::model::{CaseDetail, ChronologyEntry, Participant, Profile, StageRecord};
use escalate_core::protocol::RecordField;
use escalate_core::{Calendar, Due, FormId, Protocol};

use crate::layout::{fonts, Sheet, BODY};
use crate::pdf::{write, PdfProperties};
use crate::ReportError;

/// Everything a form is filled from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub profile: &'a Profile,
    pub case: &'a CaseDetail,
    pub chronology: &'a [ChronologyEntry],
    pub protocol: &'a Protocol,
    pub calendar: &'a Calendar,
}

/// Which form, and what the lead adds when printing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    pub form: FormId,
    /// For a stage record: which stage (default: the current one).
    pub stage: Option<u8>,
    /// How effective the protocol was, and suggestions (RPD Report, Monitoring Form).
    pub effectiveness: String,
    /// Additional notes (RPD Report).
    pub notes: String,
    /// When the form is made: printed, and the PDF's creation date.
    pub generated_at: NaiveDateTime,
}

/// Fill and lay out a form; returns the PDF.
pub fn render(input: &ReportInput<'_>, opts: &ReportOptions) -> Result<Vec<u8>, ReportError> {
    let (pages, props) = lay_out(input, opts)?;
    write(pages, &props)
}

/// The text of each page of the form, in the order it is laid out: the app's preview,
/// from the very layout the PDF is written from.
pub fn preview(
    input: &ReportInput<'_>,
    opts: &ReportOptions,
) -> Result<Vec<Vec<String>>, ReportError> {
    let (pages, _) = lay_out(input, opts)?;
    Ok(pages
        .iter()
        .map(|ops| {
            ops.iter()
                .filter_map(|op| match op {
                    printpdf::Op::ShowText { items } => Some(
                        items
                            .iter()
                            .filter_map(|i| match i {
                                printpdf::TextItem::Text(t) => Some(t.as_str()),
                                _ => None,
                            })
                            .collect::<String>(),
                    ),
                    _ => None,
                })
                .collect()
        })
        .collect())
}

fn lay_out(
    input: &ReportInput<'_>,
    opts: &ReportOptions,
) -> Result<(Vec<Vec<printpdf::Op>>, PdfProperties), ReportError> {
    check_form(input.protocol, opts.form)?;
    let f = fonts().ok_or_else(|| ReportError::Font("DejaVu Sans".to_owned()))?;
    let c = input.case;
    let (org, title) = match opts.form {
        FormId::RpdReport => ("Western Bay Safeguarding Children Board".to_owned(), FormId::RpdReport.title().to_owned()),
        FormId::MonitoringForm => (
            input.protocol.partnership.clone(),
            "Monitoring Form - a tool to record decisions and to monitor the Resolution of Professional Differences policy".to_owned(),
        ),
        f => (input.protocol.partnership.clone(), f.title().to_owned()),
    };
    let mut sheet = Sheet::new(f, &org, &title, &format!("Case reference: {}", c.reference));
    match opts.form {
        FormId::RpdReport => rpd_report(&mut sheet, input, opts),
        FormId::MonitoringForm => monitoring_form(&mut sheet, input, opts),
        FormId::EscalationForm => escalation_form(&mut sheet, input, opts),
        FormId::StageRecord => stage_record(&mut sheet, input, opts)?,
        FormId::Chronology => chronology(&mut sheet, input, opts),
    }
    let props = PdfProperties {
        title: format!("{title} — {}", c.reference),
        author: input.profile.agency.clone(),
        subject: format!(
            "Resolution of Professional Differences, {} ({})",
            c.reference, input.protocol.name
        ),
        created: opts.generated_at,
    };
    Ok((sheet.finish(), props))
}

/// A form is available when the protocol names it at some stage; every protocol
/// keeps stage records and a chronology.
fn check_form(p: &Protocol, form: FormId) -> Result<(), ReportError> {
    if matches!(form, FormId::StageRecord | FormId::Chronology) {
        return Ok(());
    }
    let used: std::collections::BTreeSet<FormId> = p
        .stages
        .iter()
        .flat_map(|s| s.forms.iter().map(|f| f.form))
        .chain([FormId::Chronology])
        .collect();
    if used.contains(&form) {
        return Ok(());
    }
    Err(ReportError::FormNotInProtocol {
        form,
        protocol: p.id.clone(),
        allowed: used
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn date(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y").to_string()
}

fn date_time(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// The stage a resolved case was resolved at.
fn resolved_stage(c: &CaseDetail) -> Option<u8> {
    if c.state != "resolved" {
        return None;
    }
    Some(c.status.stage)
}

/// Calendar and working days from the outset to resolution.
fn time_taken(input: &ReportInput<'_>) -> Option<(i64, u32)> {
    let c = input.case;
    let end = c.closed_at.filter(|_| c.state == "resolved")?;
    let days = (end.date() - c.opened_at.date()).num_days();
    let working = input
        .calendar
        .working_days_between(c.opened_at.date(), end.date())
        .ok()?;
    Some((days, working))
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The reason for dispute with the views of all agencies, from the case and its records.
fn dispute_summary(c: &CaseDetail) -> String {
    let mut out = c.summary.clone();
    for r in &c.records {
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
fn agreed_outcomes(input: &ReportInput<'_>) -> String {
    let c = input.case;
    let mut lines: Vec<(NaiveDateTime, String)> = c
        .records
        .iter()
        .map(|r| (r.discussed_at, format!("Stage {}: {}", r.stage, r.agreed)))
        .collect();
    for e in input.chronology.iter().filter(|e| e.kind == "escalated") {
        lines.push((e.at, e.text.clone()));
    }
    lines.sort_by_key(|l| l.0);
    let mut out: Vec<String> = lines.into_iter().map(|l| l.1).collect();
    match (c.state.as_str(), &c.outcome) {
        ("resolved", Some(o)) => out.push(format!("Resolved: {o}")),
        ("open", _) => out.push(format!(
            "Not yet resolved: the case is at Stage {}.",
            c.status.stage
        )),
        (_, Some(o)) => out.push(format!("{}: {o}", c.state)),
        _ => {}
    }
    out.join("\n")
}

/// Someone from `agency` at the latest of `stages` who took part, as (name, role).
fn participant(c: &CaseDetail, agency: &str, stages: &[u8]) -> Option<Participant> {
    c.records
        .iter()
        .rev()
        .filter(|r| stages.contains(&r.stage))
        .flat_map(|r| r.participants.iter())
        .find(|p| p.agency.eq_ignore_ascii_case(agency))
        .cloned()
}

fn rpd_report(s: &mut Sheet, input: &ReportInput<'_>, opts: &ReportOptions) {
    let c = input.case;
    s.field(
        "Summary of reason for dispute – include views of all agencies concerned",
        &dispute_summary(c),
        40.0,
    );
    s.field(
        "Agreed outcomes or actions if satisfactorily resolved – includes escalation to next stage if unresolved",
        &agreed_outcomes(input),
        40.0,
    );
    s.gap(3.0);
    s.heading("Please complete for monitoring purposes");
    let at = resolved_stage(c);
    s.ticks(
        "Stage at which resolution achieved- 5 and 6",
        &[("Stage 5", at == Some(5)), ("Stage 6", at == Some(6))],
    );
    let taken = match time_taken(input) {
        Some((days, working)) => format!(
            "{} ({}), from {} to {}",
            plural(days, "calendar day", "calendar days"),
            plural(i64::from(working), "working day", "working days"),
            date(c.opened_at),
            c.closed_at.map(date).unwrap_or_default()
        ),
        None => "Not resolved".to_owned(),
    };
    s.field("Time taken to reach resolution-", &taken, 10.0);
    s.field(
        "Please note how effective this Protocol was in resolving the issue and please make suggestions as to how the protocol can be improved:",
        &opts.effectiveness,
        30.0,
    );
    s.field("Additional Notes:", &opts.notes, 30.0);
    s.gap(3.0);
    let own = input.profile.agency.eq_ignore_ascii_case(&c.raising_agency);
    let raising = participant(c, &c.raising_agency, &[5, 6]);
    let (r_name, r_role) = match (&raising, own) {
        (Some(p), _) => (p.name.clone(), p.role.clone()),
        (None, true) => (
            input.profile.name.clone(),
            input.profile.designation.clone(),
        ),
        (None, false) => (
            c.raising_professional.clone().unwrap_or_default(),
            String::new(),
        ),
    };
    signature(
        s,
        "Agency/Organisation raising the professional difference",
        &r_name,
        &r_role,
        &c.raising_agency,
        "Designation:",
    );
    let receiving = participant(c, &c.receiving_agency, &[5, 6]);
    let (v_name, v_role) = match receiving {
        Some(p) => (p.name, p.role),
        None => (
            c.receiving_professional.clone().unwrap_or_default(),
            String::new(),
        ),
    };
    signature(
        s,
        "Agency/Organisation receiving the professional difference",
        &v_name,
        &v_role,
        &c.receiving_agency,
        "Designation:",
    );
}

/// A signing block: who, and a blank box to sign in by hand.
fn signature(s: &mut Sheet, heading: &str, name: &str, role: &str, agency: &str, role_label: &str) {
    s.keep(75.0);
    s.heading(heading);
    s.field("Name:", name, 8.0);
    s.field(role_label, role, 8.0);
    s.field("Agency:", agency, 8.0);
    s.field("Date:", "", 8.0);
    s.field("Signature:", "", 18.0);
    s.gap(2.0);
}

fn monitoring_form(s: &mut Sheet, input: &ReportInput<'_>, opts: &ReportOptions) {
    let c = input.case;
    s.paragraph(
        "This form is to be used at stage three and stage four of the resolution of professional differences policy, must be stored on file and submitted to the Strategic Safeguarding Service Manager.",
        BODY,
    );
    s.field("Full Name of Child", &c.child_name, 8.0);
    s.field(
        "Summary of reason for dispute. Include views of all agencies involved.",
        &dispute_summary(c),
        35.0,
    );
    s.field(
        "Agreed outcomes or actions if satisfactorily resolved – includes escalation to next stage if unresolved",
        &agreed_outcomes(input),
        35.0,
    );
    s.gap(2.0);
    s.paragraph(
        "Action Note: Copy of this form to be held on child/family file in all agencies involved in resolution of professional difference, if escalating to next stage use as basis of report to manager at next stage, send a copy to the SGCP for monitoring purposes.",
        BODY,
    );
    for (heading, agency, fallback) in [
        (
            "Initiating Manager",
            &c.raising_agency,
            c.raising_professional.clone(),
        ),
        (
            "Receiving Manager",
            &c.receiving_agency,
            c.receiving_professional.clone(),
        ),
    ] {
        let who = participant(c, agency, &[3, 4]);
        s.keep(50.0);
        s.field(&format!("{heading} Signature"), "", 16.0);
        s.field(
            "Name",
            &who.as_ref()
                .map(|p| p.name.clone())
                .or(fallback)
                .unwrap_or_default(),
            8.0,
        );
        s.field("Role", &who.map(|p| p.role).unwrap_or_default(), 8.0);
        s.field("Organisation", agency, 8.0);
        s.gap(2.0);
    }
    s.heading("Please complete for monitoring purposes:");
    let at = resolved_stage(c);
    s.ticks(
        "Stage at which Resolution reached",
        &[("Stage 3", at == Some(3)), ("Stage 4", at == Some(4))],
    );
    let days = time_taken(input)
        .map(|(d, w)| {
            format!(
                "{} ({})",
                plural(d, "day", "days"),
                plural(i64::from(w), "working day", "working days")
            )
        })
        .unwrap_or_else(|| "Not resolved".to_owned());
    s.field("Number of days taken to resolve", &days, 8.0);
    s.field(
        "Please note how effective this policy was in resolving the issue and please make suggestions as to how the policy can be improved",
        &opts.effectiveness,
        30.0,
    );
}

fn extra(r: &StageRecord, f: RecordField) -> String {
    r.extra.get(&f).cloned().unwrap_or_default()
}

fn escalation_form(s: &mut Sheet, input: &ReportInput<'_>, opts: &ReportOptions) {
    let c = input.case;
    let first = c
        .records
        .iter()
        .filter(|r| r.stage <= 1)
        .collect::<Vec<_>>();
    let pick = |f: RecordField| {
        first
            .iter()
            .map(|r| extra(r, f))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let sent = |id: &str| {
        c.notifications_sent
            .iter()
            .find(|n| n.stage == Some(1) && n.notification == id)
            .map(|n| date(n.sent_at))
            .unwrap_or_default()
    };
    s.paragraph(
        "The disagreement should be raised in writing following advice being taken, where applicable, from the safeguarding lead in the agency raising the complaint. A copy of the completed form should be shared with the relevant worker in the agency that the disagreement is being lodged with and a copy sent to the DSCP Business Unit on the same working day.",
        BODY,
    );
    s.field("Complainant agency", &c.raising_agency, 8.0);
    s.field(
        "Complainant worker",
        c.raising_professional.as_deref().unwrap_or_default(),
        8.0,
    );
    s.field(
        "Agency the disagreement is being lodged with",
        &c.receiving_agency,
        8.0,
    );
    s.field(
        "Relevant worker in that agency",
        c.receiving_professional.as_deref().unwrap_or_default(),
        8.0,
    );
    s.field("Child or young person", &c.child_name, 8.0);
    s.field(
        "Date of birth",
        &c.child_dob
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        8.0,
    );
    s.field("Local identifiers", &c.child_identifiers, 8.0);
    let mut nature = c.summary.clone();
    let evidence = pick(RecordField::Evidence);
    if !evidence.is_empty() {
        nature.push_str("\nEvidence: ");
        nature.push_str(&evidence);
    }
    s.field(
        "Nature of the disagreement, with clear evidence based reasons",
        &nature,
        35.0,
    );
    s.field(
        "Advice taken from the safeguarding lead in the agency raising the complaint",
        &pick(RecordField::LeadAdvice),
        18.0,
    );
    s.field(
        "What the complainant would like to happen",
        &pick(RecordField::DesiredOutcome),
        18.0,
    );
    s.field(
        "Date sent to the relevant worker in the receiving agency",
        &sent("form-to-receiving-worker"),
        8.0,
    );
    s.field(
        "Date sent to the DSCP Business Unit",
        &sent("form-to-business-unit"),
        8.0,
    );
    s.field("Date completed", &date(opts.generated_at), 8.0);
    s.gap(2.0);
    signature(
        s,
        "Complainant",
        c.raising_professional.as_deref().unwrap_or_default(),
        "",
        &c.raising_agency,
        "Role:",
    );
}

fn record_label(f: RecordField) -> &'static str {
    f.label()
}

fn stage_record(
    s: &mut Sheet,
    input: &ReportInput<'_>,
    opts: &ReportOptions,
) -> Result<(), ReportError> {
    let c = input.case;
    let current = c.status.stage;
    let stage = opts.stage.unwrap_or(current);
    let def = input.protocol.stage(stage).ok_or_else(|| {
        ReportError::Stage(format!(
            "protocol '{}' has no Stage {stage}",
            input.protocol.id
        ))
    })?;
    let r = c
        .records
        .iter()
        .rev()
        .find(|r| r.stage == stage)
        .ok_or_else(|| {
            ReportError::Stage(format!(
                "there is no record of Stage {stage} yet: record it first"
            ))
        })?;
    s.field("Child", &c.child_name, 8.0);
    s.field("Stage", &def.title, 8.0);
    s.field(
        "Date and time of the discussion or meeting",
        &date_time(r.discussed_at),
        8.0,
    );
    s.heading("Participants");
    let rows: Vec<Vec<(String, bool)>> = r
        .participants
        .iter()
        .map(|p| {
            vec![
                (p.name.clone(), false),
                (p.role.clone(), false),
                (p.agency.clone(), false),
            ]
        })
        .collect();
    s.table(&[("Name", 1.0), ("Role", 1.0), ("Agency", 1.2)], &rows);
    s.gap(3.0);
    s.field(
        &format!("The difference as {} sees it", c.raising_agency),
        &r.raising_view,
        14.0,
    );
    s.field(
        &format!("The difference as {} sees it", c.receiving_agency),
        &r.receiving_view,
        14.0,
    );
    s.field("Summary of the discussion", &r.summary, 20.0);
    s.field("What was agreed", &r.agreed, 20.0);
    s.ticks("Resolved", &[("Yes", r.resolved), ("No", !r.resolved)]);
    for field in &def.record.fields {
        s.field(record_label(*field), &extra(r, *field), 14.0);
    }
    let deadline = if stage == current && c.state == "open" {
        c.status
            .deadlines
            .iter()
            .find(|x| matches!(x.kind, DeadlineKind::Stage | DeadlineKind::Cumulative))
            .map(|d| {
                let due = match d.due {
                    Due::EndOfDay(day) => day.format("%Y-%m-%d").to_string(),
                    Due::At(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    Due::WithoutDelay | Due::NoLimit => "without delay".to_owned(),
                };
                format!("\nDeadline: {due} — {}", d.what)
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let next = if r.next_step.is_empty() {
        def.next_step.clone()
    } else {
        r.next_step.clone()
    };
    s.field(
        "Next step and its deadline",
        &format!("{next}{deadline}"),
        14.0,
    );
    s.field(
        "Approved by",
        r.approved_by.as_deref().unwrap_or_default(),
        8.0,
    );
    s.field(
        "Date approved",
        &r.approved_on
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        8.0,
    );
    s.field(
        "Recorded by",
        &format!("{}, {}", r.recorded_by, date_time(r.recorded_at)),
        8.0,
    );
    s.paragraph(&format!("The protocol: {}", def.record.words), 8.0);
    Ok(())
}

fn chronology(s: &mut Sheet, input: &ReportInput<'_>, opts: &ReportOptions) {
    let c = input.case;
    s.field("Child", &c.child_name, 8.0);
    s.field("Protocol", &input.protocol.name, 8.0);
    s.field(
        "Status",
        &format!(
            "{} — Stage {} on {}",
            c.state,
            c.status.stage,
            date_time(opts.generated_at)
        ),
        8.0,
    );
    s.gap(3.0);
    let rows: Vec<Vec<(String, bool)>> = input
        .chronology
        .iter()
        .map(|e| {
            let kind = if e.overdue {
                format!("OVERDUE {}", e.kind)
            } else {
                e.kind.to_string()
            };
            vec![
                (date_time(e.at), e.overdue),
                (
                    e.stage.map(|s| s.to_string()).unwrap_or_default(),
                    e.overdue,
                ),
                (kind, e.overdue),
                (e.text.clone(), e.overdue),
            ]
        })
        .collect();
    s.table(
        &[
            ("Date and time", 1.3),
            ("Stage", 0.7),
            ("Event", 1.3),
            ("Detail", 3.4),
        ],
        &rows,
    );
}
