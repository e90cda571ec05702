//! UK working-day calendars.
//!
//! Convention (see `docs/protocol-format.md`): *N working days from D* is the Nth
//! working day strictly after D, and *0 working days from D* is D itself. A working
//! day is Monday to Friday and neither a bank holiday of the calendar's nation nor a
//! closure day the agency has added. A deadline in working days falls at the end of
//! that day. Hours are wall-clock hours: 24 hours from 15:30 is 15:30 the next day,
//! whatever the day, because that is how a lead reads "within 24 hours".

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use crate::holiday_data::HolidayData;
use crate::holiday_rules::{date, is_weekend};
pub use crate::holiday_rules::{
    easter_sunday, projected_bank_holidays, CalendarError, CalendarId, Holiday, FIRST_YEAR,
    LAST_YEAR,
};

/// The bank holidays of `id` in `year`, in date order: the official list shipped in
/// `assets/calendars/bank-holidays.json` for the years it covers, otherwise the
/// nation's rules and the proclaimed changes (see [`projected_bank_holidays`]).
pub fn bank_holidays(id: CalendarId, year: i32) -> Result<Vec<Holiday>, CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::YearOutOfRange { year });
    }
    match HolidayData::shipped().holidays(id, year) {
        Some(days) => Ok(days.to_vec()),
        None => projected_bank_holidays(id, year),
    }
}

/// A nation's working-day calendar with the agency's closure days.
///
/// Built once (about 40,000 days) and then answers every question by index, so the
/// engine can work out deadlines for 100,000 cases in milliseconds.
#[derive(Clone)]
pub struct Calendar {
    id: CalendarId,
    closures: BTreeSet<NaiveDate>,
    /// Imported official bank holidays of this nation, by year: they replace the
    /// shipped data and the rules for the years they cover.
    imported: BTreeMap<i32, Vec<Holiday>>,
    /// Years covered by official data, shipped or imported.
    confirmed: BTreeSet<i32>,
    /// `working_before[i]` is the number of working days in `[epoch, epoch + i)`.
    /// One entry more than there are days, so differences answer range questions.
    working_before: Vec<u32>,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("id", &self.id)
            .field("closures", &self.closures)
            .field("imported_years", &self.imported.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn epoch() -> NaiveDate {
    date(FIRST_YEAR, 1, 1)
}

fn last_day() -> NaiveDate {
    date(LAST_YEAR, 12, 31)
}

/// The last instant the calendar covers: the end of its last day.
fn last_moment() -> NaiveDateTime {
    last_day()
        .and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap_or(NaiveTime::MIN))
}

impl Calendar {
    /// The nation's calendar with no closure days.
    pub fn new(id: CalendarId) -> Calendar {
        Calendar::build(id, BTreeSet::new(), BTreeMap::new())
    }

    /// The nation's calendar plus the agency's closure days.
    pub fn with_closures(
        id: CalendarId,
        closures: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Calendar, CalendarError> {
        Calendar::with_data(id, closures, None)
    }

    /// The nation's calendar with the agency's closure days and official bank holidays
    /// imported from GOV.UK's `bank-holidays.json` ([`HolidayData::from_govuk_json`]):
    /// for each year the import covers, its list replaces the shipped one and the
    /// rules; other years are as before.
    pub fn with_data(
        id: CalendarId,
        closures: impl IntoIterator<Item = NaiveDate>,
        imported: Option<&HolidayData>,
    ) -> Result<Calendar, CalendarError> {
        let closures: BTreeSet<NaiveDate> = closures.into_iter().collect();
        if let Some(d) = closures.iter().find(|d| !in_range(**d)) {
            return Err(CalendarError::OutOfRange { date: *d });
        }
        let imported = imported.map(|data| data.division(id)).unwrap_or_default();
        Ok(Calendar::build(id, closures, imported))
    }

    fn build(
        id: CalendarId,
        closures: BTreeSet<NaiveDate>,
        imported: BTreeMap<i32, Vec<Holiday>>,
    ) -> Calendar {
        let days = (last_day() - epoch()).num_days() as usize + 1;
        let mut off = vec![false; days];
        for year in FIRST_YEAR..=LAST_YEAR {
            let listed = match imported.get(&year) {
                Some(days) => days.clone(),
                None => bank_holidays(id, year).unwrap_or_default(),
            };
            for h in listed {
                if in_range(h.date) {
                    off[index(h.date)] = true;
                }
            }
        }
        for d in &closures {
            off[index(*d)] = true;
        }
        let mut working_before = Vec::with_capacity(days + 1);
        let mut count = 0u32;
        working_before.push(0);
        let mut d = epoch();
        for is_off in off {
            if !is_off && !is_weekend(d) {
                count += 1;
            }
            working_before.push(count);
            d += Duration::days(1);
        }
        let mut confirmed = HolidayData::shipped().years(id);
        confirmed.extend(imported.keys().copied());
        Calendar {
            id,
            closures,
            imported,
            confirmed,
            working_before,
        }
    }

    pub fn id(&self) -> CalendarId {
        self.id
    }

    pub fn closures(&self) -> &BTreeSet<NaiveDate> {
        &self.closures
    }

    /// The last day covered by official bank-holiday data (shipped or imported): dates
    /// after it are counted on holidays projected from the usual rules, which a newly
    /// proclaimed day would change.
    pub fn confirmed_until(&self) -> Option<NaiveDate> {
        self.confirmed
            .last()
            .and_then(|y| NaiveDate::from_ymd_opt(*y, 12, 31))
    }

    /// Whether official data covers every day from `from` to `to`.
    pub fn is_confirmed(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year()..=to.year()).all(|y| self.confirmed.contains(&y))
    }

    /// Whether official data covers the twelve months from `today`: when it does not,
    /// a front end should suggest importing the latest file from GOV.UK.
    pub fn next_twelve_months_confirmed(&self, today: NaiveDate) -> bool {
        match today.checked_add_months(chrono::Months::new(12)) {
            Some(end) => self.is_confirmed(today, end),
            None => false,
        }
    }

    /// The bank holidays of this calendar's nation in `year` (imported, shipped or
    /// projected), in date order.
    pub fn bank_holidays(&self, year: i32) -> Result<Vec<Holiday>, CalendarError> {
        match self.imported.get(&year) {
            Some(days) if (FIRST_YEAR..=LAST_YEAR).contains(&year) => Ok(days.clone()),
            _ => bank_holidays(self.id, year),
        }
    }

    /// The end of the Nth calendar day after `from`: no roll-forward, whatever day it is.
    pub fn add_calendar_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.check(from)?;
        let max = u32::try_from((last_day() - from).num_days()).unwrap_or(0);
        match from.checked_add_days(Days::new(u64::from(n))) {
            Some(due) if in_range(due) => Ok(due),
            _ => Err(CalendarError::TooManyDays { from, n, max }),
        }
    }

    fn check(&self, d: NaiveDate) -> Result<usize, CalendarError> {
        if in_range(d) {
            Ok(index(d))
        } else {
            Err(CalendarError::OutOfRange { date: d })
        }
    }

    /// Monday to Friday, not a bank holiday, not a closure day.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.check(d)?;
        Ok(self.working_before[i + 1] > self.working_before[i])
    }

    /// The Nth working day strictly after `from`; `from` itself when N is 0.
    ///
    /// Never earlier than `from`: a count that runs past the calendar's last day is
    /// an error that says how many working days are left, not a wrapped-around date.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let i = self.check(from)?;
        if n == 0 {
            return Ok(from);
        }
        let counted = self.working_before[i + 1];
        let total = self.working_before.last().copied().unwrap_or(counted);
        let too_many = CalendarError::TooManyWorkingDays {
            from,
            n,
            max: total.saturating_sub(counted),
        };
        // Working days up to and including `from`, plus n: the first day whose
        // inclusive count reaches that target is the answer.
        let target = match counted.checked_add(n) {
            Some(t) if t <= total => t,
            _ => return Err(too_many),
        };
        let j = self.working_before.partition_point(|&c| c < target);
        // working_before[j] == target means day j - 1 is the Nth working day; j >= 1
        // because working_before[0] is 0 and the target is at least 1.
        let days = u64::try_from(j).ok().and_then(|j| j.checked_sub(1));
        match days.and_then(|d| epoch().checked_add_days(Days::new(d))) {
            Some(due) if due > from && in_range(due) => Ok(due),
            _ => Err(too_many),
        }
    }

    /// `d` when it is a working day, otherwise the next working day.
    pub fn same_working_day(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        if self.is_working_day(d)? {
            Ok(d)
        } else {
            self.add_working_days(d, 1)
        }
    }

    /// Working days in `(after, up_to]`; zero when `up_to` is not after `after`.
    pub fn working_days_between(
        &self,
        after: NaiveDate,
        up_to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let a = self.check(after)?;
        let b = self.check(up_to)?;
        if b <= a {
            return Ok(0);
        }
        Ok(self.working_before[b + 1] - self.working_before[a + 1])
    }

    /// Wall-clock hours after `from` (see the module note on daylight saving).
    pub fn add_hours(
        &self,
        from: NaiveDateTime,
        hours: u32,
    ) -> Result<NaiveDateTime, CalendarError> {
        self.check(from.date())?;
        let last = last_moment();
        let left = (last - from).num_hours().clamp(0, i64::from(u32::MAX));
        let too_many = CalendarError::TooManyHours {
            from,
            hours,
            max: u32::try_from(left).unwrap_or(u32::MAX),
        };
        // chrono's `+` panics on overflow; the checked form cannot.
        match Duration::try_hours(i64::from(hours)).and_then(|d| from.checked_add_signed(d)) {
            Some(due) if due <= last => Ok(due),
            _ => Err(too_many),
        }
    }

    /// Bank holidays and closure days in `year`, with names, in date order.
    pub fn non_working_days(&self, year: i32) -> Result<Vec<Holiday>, CalendarError> {
        let mut days = self.bank_holidays(year)?;
        for d in self.closures.iter().filter(|d| d.year() == year) {
            if !days.iter().any(|h| h.date == *d) {
                days.push(Holiday {
                    date: *d,
                    name: "Agency closure day".to_owned(),
                });
            }
        }
        days.sort_by_key(|h| h.date);
        Ok(days)
    }
}

fn in_range(d: NaiveDate) -> bool {
    d >= epoch() && d <= last_day()
}

fn index(d: NaiveDate) -> usize {
    (d - epoch()).num_days() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(id: CalendarId, year: i32) -> Vec<String> {
        bank_holidays(id, year)
            .unwrap()
            .into_iter()
            .map(|h| h.date.to_string())
            .collect()
    }

    // Expected lists are the published GOV.UK bank holiday lists, typed in by hand.
    #[test]
    fn england_and_wales_published_years() {
        let e = CalendarId::EnglandAndWales;
        assert_eq!(
            dates(e, 2020),
            [
                "2020-01-01",
                "2020-04-10",
                "2020-04-13",
                "2020-05-08",
                "2020-05-25",
                "2020-08-31",
                "2020-12-25",
                "2020-12-28"
            ]
        );
        assert_eq!(
            dates(e, 2022),
            [
                "2022-01-03",
                "2022-04-15",
                "2022-04-18",
                "2022-05-02",
                "2022-06-02",
                "2022-06-03",
                "2022-08-29",
                "2022-09-19",
                "2022-12-26",
                "2022-12-27"
            ]
        );
        assert_eq!(
            dates(e, 2023),
            [
                "2023-01-02",
                "2023-04-07",
                "2023-04-10",
                "2023-05-01",
                "2023-05-08",
                "2023-05-29",
                "2023-08-28",
                "2023-12-25",
                "2023-12-26"
            ]
        );
        assert_eq!(
            dates(e, 2026),
            [
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        assert_eq!(
            dates(e, 2027),
            [
                "2027-01-01",
                "2027-03-26",
                "2027-03-29",
                "2027-05-03",
                "2027-05-31",
                "2027-08-30",
                "2027-12-27",
                "2027-12-28"
            ]
        );
    }

    #[test]
    fn scotland_published_years() {
        let s = CalendarId::Scotland;
        assert_eq!(
            dates(s, 2025),
            [
                "2025-01-01",
                "2025-01-02",
                "2025-04-18",
                "2025-05-05",
                "2025-05-26",
                "2025-08-04",
                "2025-12-01",
                "2025-12-25",
                "2025-12-26"
            ]
        );
        assert_eq!(
            dates(s, 2026),
            [
                "2026-01-01",
                "2026-01-02",
                "2026-04-03",
                "2026-05-04",
                "2026-05-25",
                // Proclaimed on 4 February 2026, for Scotland only.
                "2026-06-15",
                "2026-08-03",
                "2026-11-30",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        // 1 January on a Sunday: 2 January is a holiday in its own right, New Year's Day moves to the 3rd.
        assert_eq!(&dates(s, 2023)[..2], ["2023-01-02", "2023-01-03"]);
        // 1 January on a Saturday: both move, to Monday 3rd and Tuesday 4th.
        assert_eq!(&dates(s, 2022)[..2], ["2022-01-03", "2022-01-04"]);
    }

    #[test]
    fn northern_ireland_published_years() {
        let n = CalendarId::NorthernIreland;
        assert_eq!(
            dates(n, 2025),
            [
                "2025-01-01",
                "2025-03-17",
                "2025-04-18",
                "2025-04-21",
                "2025-05-05",
                "2025-05-26",
                "2025-07-14",
                "2025-08-25",
                "2025-12-25",
                "2025-12-26"
            ]
        );
        assert_eq!(
            dates(n, 2026),
            [
                "2026-01-01",
                "2026-03-17",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-07-13",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ]
        );
    }

    #[test]
    fn substitute_days_are_named() {
        let h = bank_holidays(CalendarId::EnglandAndWales, 2022).unwrap();
        let names: Vec<_> = h.iter().map(|h| h.name.as_str()).collect();
        assert!(names.contains(&"Boxing Day"));
        assert!(names.contains(&"Christmas Day (substitute day)"));
        assert!(names.contains(&"New Year's Day (substitute day)"));
    }

    #[test]
    fn easter_known_dates() {
        assert_eq!(easter_sunday(2024), d("2024-03-31"));
        assert_eq!(easter_sunday(2026), d("2026-04-05"));
        assert_eq!(easter_sunday(2038), d("2038-04-25"));
        assert_eq!(easter_sunday(2008), d("2008-03-23"));
    }

    #[test]
    fn brief_example_five_working_days_over_christmas() {
        let c = Calendar::new(CalendarId::EnglandAndWales);
        assert_eq!(
            c.add_working_days(d("2026-12-24"), 5).unwrap(),
            d("2027-01-05")
        );
    }

    #[test]
    fn closure_days_are_skipped() {
        let c = Calendar::with_closures(CalendarId::EnglandAndWales, [d("2026-11-24")]).unwrap();
        assert!(!c.is_working_day(d("2026-11-24")).unwrap());
        assert_eq!(
            c.add_working_days(d("2026-11-23"), 1).unwrap(),
            d("2026-11-25")
        );
    }

    #[test]
    fn working_days_between_counts_after_and_up_to() {
        let c = Calendar::new(CalendarId::EnglandAndWales);
        // Fri 27 Nov to Tue 1 Dec 2026: Mon 30, Tue 1.
        assert_eq!(
            c.working_days_between(d("2026-11-27"), d("2026-12-01"))
                .unwrap(),
            2
        );
        assert_eq!(
            c.working_days_between(d("2026-12-01"), d("2026-11-27"))
                .unwrap(),
            0
        );
    }

    #[test]
    fn out_of_range_is_an_error_not_a_panic() {
        let c = Calendar::new(CalendarId::Scotland);
        assert!(matches!(
            c.add_working_days(d("1989-12-31"), 1),
            Err(CalendarError::OutOfRange { .. })
        ));
        let e = c.add_working_days(d("2100-12-30"), 5).unwrap_err();
        assert!(
            matches!(e, CalendarError::TooManyWorkingDays { n: 5, .. }),
            "{e}"
        );
        assert_eq!(e.code(), "calendar.out_of_range");
        let e = bank_holidays(CalendarId::Scotland, 2101).unwrap_err();
        assert_eq!(e, CalendarError::YearOutOfRange { year: 2101 });
        assert_eq!(e.code(), "calendar.out_of_range");
        let e = Calendar::with_closures(CalendarId::Scotland, [d("2200-01-01")]).unwrap_err();
        assert_eq!(
            e,
            CalendarError::OutOfRange {
                date: d("2200-01-01")
            }
        );
        assert_eq!(e.code(), "calendar.out_of_range");
    }

    #[test]
    fn unknown_calendar_names_the_choices() {
        let e = "wales".parse::<CalendarId>().unwrap_err();
        assert!(e.to_string().contains("england-and-wales"));
    }
}
