//! Words for people, made from the store's data: the store returns data, never
//! sentences. Dates and deadlines go through `escalate_core::format`.

use escalate_core::format;
use escalate_core::model::{Alert, AlertLevel};

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
