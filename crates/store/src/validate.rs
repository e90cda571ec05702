//! Field checks shared by every operation: each error names the field and the fix.

use crate::error::StoreError;

/// Required text: trimmed, not empty, at most `max` characters, no control characters
/// other than line breaks and tabs.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> Result<String, StoreError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(StoreError::invalid(
            field,
            "is required: it must not be empty",
        ));
    }
    optional_text(field, t, max)
}

/// Optional text with the same limits; empty is allowed.
pub(crate) fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, StoreError> {
    let t = value.trim();
    let n = t.chars().count();
    if n > max {
        return Err(StoreError::invalid(
            field,
            format!(
                "is {n} characters long; the limit is {max}: shorten it or attach the full text"
            ),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(StoreError::invalid(
            field,
            "contains control characters: remove them",
        ));
    }
    Ok(t.to_owned())
}

pub(crate) fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, StoreError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => optional_text(field, v, max).map(Some),
        None => Ok(None),
    }
}

pub(crate) const NAME: usize = 200;
pub(crate) const SHORT: usize = 500;
pub(crate) const LONG: usize = 20_000;
