//! Words for people, made from the store's data: the store returns data, never
//! sentences. Dates and deadlines go through `escalate_core::format`. The case's words
//! are built by `escalate_core::CaseFile` (so the forms crate can build the same ones
//! from the same file); these are the functions the front ends call.

use chrono::NaiveDateTime;
use escalate_core::format;
use escalate_core::model::{Alert, AlertLevel, CaseDetail, ChronologyEntry};
use escalate_core::{Calendar, CaseFile};

use crate::ApiResult;

/// The whole case from its file, with the engine's answer (deadlines, next step,
/// contacts, forms) and plan at `now`.
pub fn case_detail(
    file: &CaseFile,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> ApiResult<CaseDetail> {
    Ok(file.detail(calendar, now)?)
}

/// A case's chronology from its file: a line for each event of its log (opened,
/// escalated from and to, each stage record, notifications sent, shortened deadlines,
/// resolved, withdrawn or redirected with the words given) and for each deadline the
/// engine still counts, dates and dues in `escalate_core::format`'s words, oldest first.
pub fn chronology(
    file: &CaseFile,
    calendar: &Calendar,
    now: NaiveDateTime,
) -> ApiResult<Vec<ChronologyEntry>> {
    Ok(file.chronology(calendar, now)?)
}

/// A desktop notification's words. The reference only, never a name: notifications
/// show on locked screens.
pub fn alert_text(alert: &Alert) -> String {
    match alert.level {
        AlertLevel::Overdue => format!(
            "{}: a deadline has passed ({}). Open Escalate to see the next step.",
            alert.reference,
            format::due(&alert.due)
        ),
        AlertLevel::DueSoon => format!(
            "{}: a deadline is due within one working day ({}).",
            alert.reference,
            format::due(&alert.due)
        ),
    }
}
