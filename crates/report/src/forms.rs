//! A case's forms: the ones its protocol declares, laid out by the one renderer in
//! `declared.rs` from the protocol's own words, and the two every protocol has, the
//! stage record and the chronology.

use chrono::NaiveDateTime;
use escalate_core::engine::DeadlineKind;
use escalate_core::model::{CaseDetail, ChronologyEntry, Profile, StageRecord};
use escalate_core::protocol::RecordField;
use escalate_core::{Calendar, Due, FormId, Protocol, StateKind};

use crate::declared::{self, Fill};
use crate::layout::{fonts, Sheet};
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
    /// How effective the protocol was, and suggestions: printed where the form reads
    /// `form.effectiveness`.
    pub effectiveness: String,
    /// Further notes: printed where the form reads `form.notes`.
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

/// A blank specimen of one of `protocol`'s own forms: every box empty, every tick-box
/// unticked, room to write where the lead writes, for checking the layout.
pub fn specimen(
    protocol: &Protocol,
    form: &FormId,
    generated_at: NaiveDateTime,
) -> Result<Vec<u8>, ReportError> {
    let def = protocol.form(form).ok_or_else(|| ReportError::NoSpecimen {
        form: form.clone(),
        protocol: protocol.id.clone(),
        allowed: protocol
            .forms
            .iter()
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let f = fonts().ok_or_else(|| ReportError::Font("DejaVu Sans".to_owned()))?;
    let org = def.organisation.as_deref().unwrap_or(&protocol.partnership);
    let mut sheet = Sheet::new(f, org, &def.title, "Specimen: not filled in");
    declared::lay_out(&mut sheet, def, Fill::Specimen { protocol });
    let props = PdfProperties {
        title: format!("{} — specimen", def.title),
        author: protocol.partnership.clone(),
        subject: format!("A blank specimen of a form of {}", protocol.name),
        created: generated_at,
    };
    write(sheet.finish(), &props)
}

fn lay_out(
    input: &ReportInput<'_>,
    opts: &ReportOptions,
) -> Result<(Vec<Vec<printpdf::Op>>, PdfProperties), ReportError> {
    check_form(input.protocol, &opts.form)?;
    let f = fonts().ok_or_else(|| ReportError::Font("DejaVu Sans".to_owned()))?;
    let c = input.case;
    let declared = input.protocol.form(&opts.form);
    let (org, title) = match declared {
        Some(def) => (
            def.organisation
                .clone()
                .unwrap_or_else(|| input.protocol.partnership.clone()),
            def.title.clone(),
        ),
        None => (
            input.protocol.partnership.clone(),
            opts.form.built_in_title().unwrap_or_default().to_owned(),
        ),
    };
    let mut sheet = Sheet::new(f, &org, &title, &format!("Case reference: {}", c.reference));
    match declared {
        Some(def) => declared::lay_out(&mut sheet, def, Fill::Case { input, opts }),
        None if opts.form == FormId::STAGE_RECORD => stage_record(&mut sheet, input, opts)?,
        None => chronology(&mut sheet, input, opts),
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

/// A form is available when the protocol declares it; every protocol keeps stage
/// records and a chronology.
fn check_form(p: &Protocol, form: &FormId) -> Result<(), ReportError> {
    if form.is_built_in() || p.form(form).is_some() {
        return Ok(());
    }
    Err(ReportError::FormNotInProtocol {
        form: form.clone(),
        protocol: p.id.clone(),
        allowed: p
            .form_ids()
            .iter()
            .map(FormId::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn date_time(t: NaiveDateTime) -> String {
    escalate_core::format::date_time(t)
}

fn extra(r: &StageRecord, f: &RecordField) -> String {
    r.extra.get(f).cloned().unwrap_or_default()
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
        s.field(input.protocol.field_label(field), &extra(r, field), 14.0);
    }
    let deadline = if stage == current && c.state == StateKind::Open {
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
            .map(escalate_core::format::date)
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
