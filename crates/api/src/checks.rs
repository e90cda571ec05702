//! The checks a case operation makes on what a lead gave, before the store is asked:
//! each text within its limit, moments inside the calendar and not in the future, two
//! different agencies, a child's date of birth that can be right. What passes is the
//! store's typed input ([`CheckedCase`], [`CheckedRecord`]) with its event built.
//! Every refusal names the field and the fix, and never echoes the value.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDateTime};
use escalate_core::input::{
    date_in_calendar, in_calendar, optional, optional_text, required, LONG, NAME, SHORT,
};
use escalate_core::model::{NewCase, Participant, Profile, StageRecordInput};
use escalate_core::protocol::RecordField;
use escalate_core::{FieldError, Opening, RecordSummary, Sector, SkipDecision};
use escalate_store::{CheckedCase, CheckedRecord};

/// A skip decision's words, within their limits.
pub(crate) fn skip(d: &SkipDecision) -> Result<SkipDecision, FieldError> {
    Ok(SkipDecision {
        reason: required("skip.reason", &d.reason, LONG)?,
        decided_by: required("skip.decided_by", &d.decided_by, NAME)?,
        role: optional("skip.role", d.role.as_deref(), NAME)?,
    })
}

/// Moments a few minutes ahead of `now` are accepted: two clocks rarely agree exactly.
pub(crate) fn not_in_future(
    field: &'static str,
    at: NaiveDateTime,
    now: NaiveDateTime,
    fix: &str,
) -> Result<(), FieldError> {
    if at > now + Duration::minutes(5) {
        return Err(FieldError::new(field, format!("is in the future: {fix}")));
    }
    Ok(())
}

/// A new case, checked, with how it opens. Where intake does not say, the case runs
/// under the store's protocol, and the raising agency's sector is the lead's own when
/// it is the lead's agency.
pub(crate) fn new_case(
    new: NewCase,
    profile: &Profile,
    now: NaiveDateTime,
) -> Result<CheckedCase, FieldError> {
    in_calendar("now", now)?;
    let child_name = required("child_name", &new.child_name, NAME)?;
    let category = required("category", &new.category, NAME)?;
    let summary = required("summary", &new.summary, LONG)?;
    let identifiers = optional_text("child_identifiers", &new.child_identifiers, SHORT)?;
    let raising = required("raising_agency", &new.raising_agency, NAME)?;
    let receiving = required("receiving_agency", &new.receiving_agency, NAME)?;
    if raising.to_lowercase() == receiving.to_lowercase() {
        return Err(FieldError::new(
            "receiving_agency",
            "must differ from the raising agency: a disagreement inside one agency follows that agency's own arrangements",
        ));
    }
    let raising_prof = optional(
        "raising_professional",
        new.raising_professional.as_deref(),
        NAME,
    )?;
    let receiving_prof = optional(
        "receiving_professional",
        new.receiving_professional.as_deref(),
        NAME,
    )?;
    let risk = optional("immediate_risk", new.immediate_risk.as_deref(), LONG)?;
    let protocol_id = new
        .protocol
        .clone()
        .unwrap_or_else(|| profile.protocol_id.clone());
    // A route given but empty is a mistake (a blank variable, say), not a choice of the
    // standard route: that is chosen by giving none.
    if new.route.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return Err(FieldError::new(
            "route",
            "is empty: give a route id (`escalate protocol show` lists them), or leave it out for the standard route",
        ));
    }
    let route = optional("route", new.route.as_deref(), NAME)?;
    let skip = new.skip.as_ref().map(skip).transpose()?;
    let opened = new.opened_at.unwrap_or(now);
    not_in_future("opened", opened, now, "give when the concern arose")?;
    if opened.year() < escalate_core::calendar::FIRST_YEAR {
        return Err(FieldError::new("opened", "is before 1990: check the year"));
    }
    in_calendar("opened", opened)?;
    if let Some(dob) = new.child_dob {
        // Unborn children (pre-birth concerns) may have an expected date up to a year ahead.
        if dob > now.date() + Duration::days(366) || dob < now.date() - Duration::days(366 * 26) {
            return Err(FieldError::new(
                "child_dob",
                "must be within the last 26 years (or an expected date within the next year): check the year",
            ));
        }
        date_in_calendar("child_dob", dob)?;
    }
    let raising_sector =
        new.raising_sector
            .unwrap_or(if raising.eq_ignore_ascii_case(&profile.agency) {
                profile.sector
            } else {
                Sector::Other
            });
    let receiving_sector = new.receiving_sector.unwrap_or(Sector::Other);
    Ok(CheckedCase {
        protocol: protocol_id,
        opened,
        opening: Opening {
            at: None,
            stage: new.stage,
            immediate_risk: risk.clone(),
            raising_sector: Some(raising_sector),
            receiving_sector: Some(receiving_sector),
            route,
            skip,
        },
        child_name,
        child_dob: new.child_dob,
        child_identifiers: identifiers,
        category,
        summary,
        raising_agency: raising,
        raising_sector,
        raising_professional: raising_prof,
        receiving_agency: receiving,
        receiving_sector,
        receiving_professional: receiving_prof,
        immediate_risk: risk,
    })
}

/// A stage record, checked, with its `Record` event: when the discussion took place
/// (now when not said), whether it resolved the difference, and which extra record
/// fields it fills in (those with text).
pub(crate) fn stage_record(
    input: StageRecordInput,
    now: NaiveDateTime,
) -> Result<CheckedRecord, FieldError> {
    in_calendar("now", now)?;
    let discussed = input.discussed_at.unwrap_or(now);
    not_in_future(
        "discussed_at",
        discussed,
        now,
        "record a discussion once it has happened",
    )?;
    let summary = required("summary", &input.summary, LONG)?;
    let agreed = required("agreed", &input.agreed, LONG)?;
    let raising_view = optional_text("raising_view", &input.raising_view, LONG)?;
    let receiving_view = optional_text("receiving_view", &input.receiving_view, LONG)?;
    let next_step = optional_text("next_step", &input.next_step, LONG)?;
    let approved_by = optional("approved_by", input.approved_by.as_deref(), NAME)?;
    if let Some(day) = input.approved_on {
        date_in_calendar("approved_on", day)?;
    }
    let mut participants = Vec::new();
    for p in &input.participants {
        participants.push(Participant {
            name: required("participant", &p.name, NAME)?,
            role: required("participant", &p.role, NAME)?,
            agency: required("participant", &p.agency, NAME)?,
        });
    }
    let mut extra = BTreeMap::new();
    for (field, text) in &input.extra {
        let t = optional_text("extra", text, LONG)?;
        if !t.is_empty() {
            extra.insert(field.clone(), t);
        }
    }
    let fields: BTreeSet<RecordField> = extra.keys().cloned().collect();
    Ok(CheckedRecord {
        event: RecordSummary {
            record: None,
            discussed_at: discussed,
            resolved: input.resolved,
            fields,
        },
        participants,
        raising_view,
        receiving_view,
        summary,
        agreed,
        extra,
        next_step,
        approved_by,
        approved_on: input.approved_on,
    })
}
