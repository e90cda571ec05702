use chrono::NaiveDate;
use escalate_api::present::alert_text;
use escalate_core::model::{Alert, AlertLevel};
use escalate_core::Due;

#[test]
fn alerts_carry_the_reference_and_when_never_more() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let overdue = Alert {
        reference: "RPD-2026-0001".to_owned(),
        level: AlertLevel::Overdue,
        due: Due::EndOfDay(day),
    };
    assert_eq!(
        alert_text(&overdue),
        "RPD-2026-0001: a deadline has passed (30/11/2026). Open Escalate to see the next step."
    );
    let soon = Alert {
        level: AlertLevel::DueSoon,
        due: Due::At(day.and_hms_opt(15, 30, 0).unwrap()),
        ..overdue
    };
    assert_eq!(
        alert_text(&soon),
        "RPD-2026-0001: a deadline is due within one working day (30/11/2026 15:30)."
    );
}
