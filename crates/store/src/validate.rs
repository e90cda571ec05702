//! Field checks shared by every operation: each error names the field and the fix.
//! The checks are escalate-core's (`escalate_core::input`), the api's too.

use escalate_core::input;

use crate::error::StoreError;

pub(crate) use escalate_core::input::{LONG, NAME, SHORT};

/// Required text: trimmed, not empty, at most `max` characters, no control characters
/// other than line breaks and tabs.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> Result<String, StoreError> {
    Ok(input::required(field, value, max)?)
}

/// Optional text with the same limits; empty is allowed.
pub(crate) fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, StoreError> {
    Ok(input::optional_text(field, value, max)?)
}
