//! How Escalate writes dates, times and deadlines for people to read: UK order and a
//! 24-hour clock, the same on a printed form, in a chronology, in a desktop alert and
//! on screen. This is the one place that decides it.
//!
//! Machine-readable output (JSON, CSV, the CLI's tab-separated columns) keeps ISO 8601
//! through `Display`/serde instead, so scripts and spreadsheets can sort it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::deadline::{Due, PlanDue};

// Written digit by digit rather than through chrono's format strings: the dashboard
// writes one of these for each of thousands of cases, and this is a tenth of the cost.
fn two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn push_date(out: &mut String, d: NaiveDate) {
    two(out, d.day());
    out.push('/');
    two(out, d.month());
    out.push('/');
    // The calendar covers 1990-2100; any year chrono holds still prints whole.
    let year = d.year();
    if (1000..=9999).contains(&year) {
        let y = year.unsigned_abs();
        two(out, y / 100);
        two(out, y % 100);
    } else {
        out.push_str(&year.to_string());
    }
}

/// `30/11/2026`.
pub fn date(d: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, d);
    out
}

/// `30/11/2026 15:30`.
pub fn date_time(t: NaiveDateTime) -> String {
    let mut out = String::with_capacity(16);
    push_date(&mut out, t.date());
    out.push(' ');
    two(&mut out, t.hour());
    out.push(':');
    two(&mut out, t.minute());
    out
}

/// A number of things: `1 working day`, `5 working days`. `unit` is the singular, and
/// every unit Escalate counts takes an s.
pub fn count(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
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

/// When a stage or limit not yet reached would fall due, had every stage run to its
/// limit: `due by 30/11/2026 at the latest`, `to be reached without delay`, `no time
/// limit`, `timed from the end of Stage 2`.
pub fn plan_due(d: &PlanDue) -> String {
    match d {
        PlanDue::Date(day) => format!("due by {} at the latest", date(*day)),
        PlanDue::At(t) => format!("due by {} at the latest", date_time(*t)),
        PlanDue::WithoutDelay => "to be reached without delay".to_owned(),
        PlanDue::NoLimit => "no time limit".to_owned(),
        PlanDue::AfterStage(n) => format!("timed from the end of Stage {n}"),
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
        assert_eq!(
            plan_due(&PlanDue::Date(day)),
            "due by 03/11/2026 at the latest"
        );
        assert_eq!(
            plan_due(&PlanDue::At(at)),
            "due by 03/11/2026 15:05 at the latest"
        );
        assert_eq!(
            plan_due(&PlanDue::WithoutDelay),
            "to be reached without delay"
        );
        assert_eq!(plan_due(&PlanDue::NoLimit), "no time limit");
        assert_eq!(
            plan_due(&PlanDue::AfterStage(2)),
            "timed from the end of Stage 2"
        );
    }

    #[test]
    fn the_hand_written_digits_agree_with_chrono_on_every_day_of_the_calendar() {
        let mut d = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or_default();
        let mut minute = 0u32;
        while d <= end {
            assert_eq!(date(d), d.format("%d/%m/%Y").to_string());
            let t = d
                .and_hms_opt(minute / 60 % 24, minute % 60, 7)
                .unwrap_or_default();
            assert_eq!(date_time(t), t.format("%d/%m/%Y %H:%M").to_string());
            minute += 37;
            d = d.succ_opt().unwrap_or(end);
            if d == end {
                break;
            }
        }
    }
}
