//! The checks every input a lead gives passes before it is kept: text within its
//! limit and free of control characters, moments and dates inside the calendar. One
//! copy, used by escalate-api for the case operations and by escalate-store for its
//! own settings, so a limit cannot differ between them. Each refusal names the field
//! and the fix, and never echoes the value: it may be about a child.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::calendar::{FIRST_YEAR, LAST_YEAR};
use crate::model::FieldError;

/// A name: a person, an agency, a role, an id.
pub const NAME: usize = 200;
/// A short note.
pub const SHORT: usize = 500;
/// A summary, a view, a reason: paragraphs.
pub const LONG: usize = 20_000;

/// Required text: trimmed, not empty, at most `max` characters, no control characters
/// other than line breaks and tabs.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "is required: it must not be empty"));
    }
    optional_text(field, t, max)
}

/// Optional text with the same limits; empty is allowed.
pub fn optional_text(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let t = value.trim();
    let n = t.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!(
                "is {n} characters long; the limit is {max}: shorten it or attach the full text"
            ),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldError::new(
            field,
            "contains control characters: remove them",
        ));
    }
    Ok(t.to_owned())
}

/// Optional text that is absent when blank.
pub fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => optional_text(field, v, max).map(Some),
        None => Ok(None),
    }
}

/// A moment to be kept must lie inside the calendar (1990–2100): every deadline is
/// counted from kept moments, and none may be counted off its end.
pub fn in_calendar(field: &'static str, t: NaiveDateTime) -> Result<(), FieldError> {
    date_in_calendar(field, t.date())
}

pub fn date_in_calendar(field: &'static str, d: NaiveDate) -> Result<(), FieldError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{d} is outside the calendar's range: give a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
            ),
        ))
    }
}
