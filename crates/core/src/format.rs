//! How Escalate writes dates, times and deadlines for people to read: UK order and a
//! 24-hour clock, the same on a printed form, in a chronology, in a desktop alert and
//! on screen. This is the one place that decides it.
//!
//! Machine-readable output (JSON, CSV, the CLI's tab-separated columns) keeps ISO 8601
//! through `Display`/serde instead, so scripts and spreadsheets can sort it.

use chrono::{NaiveDate, NaiveDateTime};

use crate::engine::Due;

/// `30/11/2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `30/11/2026 15:30`.
pub fn date_time(t: NaiveDateTime) -> String {
    t.format("%d/%m/%Y %H:%M").to_string()
}

/// A deadline: `30/11/2026` (the end of that day), `30/11/2026 15:30`, `without delay`
/// or `no time limit`.
pub fn due(d: &Due) -> String {
    match d {
        Due::EndOfDay(day) => date(*day),
        Due::At(t) => date_time(*t),
        Due::WithoutDelay => "without delay".to_owned(),
        Due::NoLimit => "no time limit".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_order_and_the_24_hour_clock() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let at = day.and_hms_opt(15, 5, 59).unwrap_or_default();
        assert_eq!(date(day), "03/11/2026");
        assert_eq!(date_time(at), "03/11/2026 15:05");
        assert_eq!(due(&Due::EndOfDay(day)), "03/11/2026");
        assert_eq!(due(&Due::At(at)), "03/11/2026 15:05");
        assert_eq!(due(&Due::WithoutDelay), "without delay");
        assert_eq!(due(&Due::NoLimit), "no time limit");
    }
}
