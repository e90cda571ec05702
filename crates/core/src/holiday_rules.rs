//! The UK's bank-holiday rules and the calendar's range, below the calendar and the
//! official holiday data that both build on them: which nation, which years, the rules
//! and proclaimed changes a year no official list covers is projected from, and the
//! calendar's errors.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::format::count;

/// First year a calendar covers.
pub const FIRST_YEAR: i32 = 1990;
/// Last year a calendar covers.
pub const LAST_YEAR: i32 = 2100;

/// The three UK bank-holiday calendars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum CalendarId {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
}

impl CalendarId {
    pub const ALL: [CalendarId; 3] = [
        CalendarId::EnglandAndWales,
        CalendarId::Scotland,
        CalendarId::NorthernIreland,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CalendarId::EnglandAndWales => "england-and-wales",
            CalendarId::Scotland => "scotland",
            CalendarId::NorthernIreland => "northern-ireland",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CalendarId::EnglandAndWales => "England and Wales",
            CalendarId::Scotland => "Scotland",
            CalendarId::NorthernIreland => "Northern Ireland",
        }
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CalendarId {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CalendarId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| CalendarError::UnknownCalendar(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown calendar '{0}': use england-and-wales, scotland or northern-ireland")]
    UnknownCalendar(String),
    #[error("{date} is outside the calendar's range: use a date from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31")]
    OutOfRange { date: NaiveDate },
    #[error(
        "year {year} is outside the calendar's range: use a year from {FIRST_YEAR} to {LAST_YEAR}"
    )]
    YearOutOfRange { year: i32 },
    /// The start is in range but counting on from it runs past the calendar's last day.
    #[error("{} after {from} is outside the calendar's range, which ends on {LAST_YEAR}-12-31: give at most {} from that date", count(i64::from(*n), "working day"), count(i64::from(*max), "working day"))]
    TooManyWorkingDays { from: NaiveDate, n: u32, max: u32 },
    #[error("{} after {} is outside the calendar's range, which ends on {LAST_YEAR}-12-31: give at most {} from that time", count(i64::from(*hours), "hour"), from.format("%Y-%m-%dT%H:%M"), count(i64::from(*max), "hour"))]
    TooManyHours {
        from: NaiveDateTime,
        hours: u32,
        max: u32,
    },
    #[error("{} after {from} is outside the calendar's range, which ends on {LAST_YEAR}-12-31: give at most {} from that date", count(i64::from(*n), "day"), count(i64::from(*max), "day"))]
    TooManyDays { from: NaiveDate, n: u32, max: u32 },
}

impl CalendarError {
    /// Stable code a front end can branch on.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            CalendarError::UnknownCalendar(_) => crate::ErrorCode::CalendarUnknown,
            CalendarError::OutOfRange { .. }
            | CalendarError::YearOutOfRange { .. }
            | CalendarError::TooManyWorkingDays { .. }
            | CalendarError::TooManyHours { .. }
            | CalendarError::TooManyDays { .. } => crate::ErrorCode::CalendarOutOfRange,
        }
    }
}

/// One bank holiday as proclaimed or computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// The rules a nation's holidays come from; a proclaimed change may move one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    NewYear,
    SecondJanuary,
    StPatrick,
    GoodFriday,
    EasterMonday,
    EarlyMay,
    Spring,
    Summer,
    Boyne,
    StAndrew,
    Christmas,
    Boxing,
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::NewYear => "New Year's Day",
            Rule::SecondJanuary => "2nd January",
            Rule::StPatrick => "St Patrick's Day",
            Rule::GoodFriday => "Good Friday",
            Rule::EasterMonday => "Easter Monday",
            Rule::EarlyMay => "Early May bank holiday",
            Rule::Spring => "Spring bank holiday",
            Rule::Summer => "Summer bank holiday",
            Rule::Boyne => "Battle of the Boyne (Orangemen's Day)",
            Rule::StAndrew => "St Andrew's Day",
            Rule::Christmas => "Christmas Day",
            Rule::Boxing => "Boxing Day",
        }
    }

    /// Fixed-date holidays that move to the next free weekday when they fall on a weekend:
    /// the days a nation always has ([`fixed_days`]).
    fn substitutable(self) -> bool {
        matches!(
            self,
            Rule::NewYear
                | Rule::SecondJanuary
                | Rule::StPatrick
                | Rule::Boyne
                | Rule::StAndrew
                | Rule::Christmas
                | Rule::Boxing
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    /// The rule's holiday is moved to this date this year.
    Moves(Rule),
    /// An extra, one-off bank holiday.
    Adds,
}

#[derive(Debug, Clone, Copy)]
struct Proclaimed {
    date: (i32, u32, u32),
    change: Change,
    name: &'static str,
    /// The one nation it was proclaimed for; `None`: every UK nation.
    only: Option<CalendarId>,
}

/// One-off changes proclaimed under the Banking and Financial Dealings Act 1971, for the
/// years before the official data in `assets/calendars/` and for projecting past it.
/// A day proclaimed after a release needs no new build: import GOV.UK's file.
const PROCLAIMED: &[Proclaimed] = &[
    Proclaimed {
        date: (1995, 5, 8),
        change: Change::Moves(Rule::EarlyMay),
        name: "Early May bank holiday (VE Day)",
        only: None,
    },
    Proclaimed {
        date: (1999, 12, 31),
        change: Change::Adds,
        name: "Millennium celebrations",
        only: None,
    },
    Proclaimed {
        date: (2002, 6, 3),
        change: Change::Adds,
        name: "Golden Jubilee of Queen Elizabeth II",
        only: None,
    },
    Proclaimed {
        date: (2002, 6, 4),
        change: Change::Moves(Rule::Spring),
        name: "Spring bank holiday",
        only: None,
    },
    Proclaimed {
        date: (2011, 4, 29),
        change: Change::Adds,
        name: "Wedding of Prince William and Catherine Middleton",
        only: None,
    },
    Proclaimed {
        date: (2012, 6, 4),
        change: Change::Moves(Rule::Spring),
        name: "Spring bank holiday",
        only: None,
    },
    Proclaimed {
        date: (2012, 6, 5),
        change: Change::Adds,
        name: "Diamond Jubilee of Queen Elizabeth II",
        only: None,
    },
    Proclaimed {
        date: (2020, 5, 8),
        change: Change::Moves(Rule::EarlyMay),
        name: "Early May bank holiday (VE Day)",
        only: None,
    },
    Proclaimed {
        date: (2022, 6, 2),
        change: Change::Moves(Rule::Spring),
        name: "Spring bank holiday",
        only: None,
    },
    Proclaimed {
        date: (2022, 6, 3),
        change: Change::Adds,
        name: "Platinum Jubilee of Queen Elizabeth II",
        only: None,
    },
    Proclaimed {
        date: (2022, 9, 19),
        change: Change::Adds,
        name: "State Funeral of Queen Elizabeth II",
        only: None,
    },
    Proclaimed {
        date: (2023, 5, 8),
        change: Change::Adds,
        name: "Coronation of King Charles III",
        only: None,
    },
    // Proclaimed on 4 February 2026 for Scotland only, the day after the men's team's
    // first World Cup match since 1998.
    Proclaimed {
        date: (2026, 6, 15),
        change: Change::Adds,
        name: "Extra bank holiday (FIFA World Cup)",
        only: Some(CalendarId::Scotland),
    },
];

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with constants and computed month days that are valid by construction.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1).unwrap_or(NaiveDate::MIN)
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    // The fifth Monday if there is one, else the fourth.
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 4))
        .unwrap_or(NaiveDate::MIN)
}

pub(crate) fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn rules_for(id: CalendarId, year: i32) -> Vec<(Rule, NaiveDate)> {
    let easter = easter_sunday(year);
    let mut rules = vec![(Rule::NewYear, date(year, 1, 1))];
    if id == CalendarId::Scotland {
        rules.push((Rule::SecondJanuary, date(year, 1, 2)));
    }
    if id == CalendarId::NorthernIreland {
        rules.push((Rule::StPatrick, date(year, 3, 17)));
    }
    rules.push((Rule::GoodFriday, easter - Duration::days(2)));
    if id != CalendarId::Scotland {
        rules.push((Rule::EasterMonday, easter + Duration::days(1)));
    }
    rules.push((Rule::EarlyMay, first_monday(year, 5)));
    rules.push((Rule::Spring, last_monday(year, 5)));
    if id == CalendarId::NorthernIreland {
        rules.push((Rule::Boyne, date(year, 7, 12)));
    }
    let summer = if id == CalendarId::Scotland {
        first_monday(year, 8)
    } else {
        last_monday(year, 8)
    };
    rules.push((Rule::Summer, summer));
    // St Andrew's Day Bank Holiday (Scotland) Act 2007.
    if id == CalendarId::Scotland && year >= 2007 {
        rules.push((Rule::StAndrew, date(year, 11, 30)));
    }
    rules.push((Rule::Christmas, date(year, 12, 25)));
    rules.push((Rule::Boxing, date(year, 12, 26)));
    rules
}

/// How many bank holidays `id` has in `year` by its usual rules alone, before any
/// proclaimed change: an official list for the year has at least this many.
pub(crate) fn usual_count(id: CalendarId, year: i32) -> usize {
    rules_for(id, year).len()
}

/// The days `id` has every `year` on a fixed date, each on its date or, where that
/// falls at a weekend, on its substitute day, with its name: an official list for the
/// year has every one of them (a list that lacks one is not the year's list).
pub(crate) fn fixed_days(id: CalendarId, year: i32) -> Vec<(&'static str, NaiveDate)> {
    let fixed: Vec<Rule> = rules_for(id, year)
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r.substitutable())
        .collect();
    let usual = projected_bank_holidays(id, year).unwrap_or_default();
    fixed
        .into_iter()
        .filter_map(|rule| {
            let substitute = format!("{} (substitute day)", rule.name());
            usual
                .iter()
                .find(|h| h.name == rule.name() || h.name == substitute)
                .map(|h| (rule.name(), h.date))
        })
        .collect()
}

/// The bank holidays of `id` in `year` by the nation's rules (Easter, first and last
/// Mondays, substitute days) and the proclaimed changes known to this build: what
/// Escalate projects for a year no official data covers.
pub fn projected_bank_holidays(id: CalendarId, year: i32) -> Result<Vec<Holiday>, CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::YearOutOfRange { year });
    }
    let mut rules = rules_for(id, year);
    let mut extra: Vec<Holiday> = Vec::new();
    for p in PROCLAIMED
        .iter()
        .filter(|p| p.date.0 == year && p.only.is_none_or(|only| only == id))
    {
        let on = date(p.date.0, p.date.1, p.date.2);
        match p.change {
            Change::Moves(rule) => {
                // The rule's usual day is no holiday this year; the proclaimed day is.
                rules.retain(|(r, _)| *r != rule);
                extra.push(Holiday {
                    date: on,
                    name: p.name.to_owned(),
                });
            }
            Change::Adds => extra.push(Holiday {
                date: on,
                name: p.name.to_owned(),
            }),
        }
    }

    // Weekday holidays take their own days first; weekend ones then move, in date order,
    // to the next weekday not already a holiday. This reproduces the proclaimed
    // substitute days (e.g. Christmas on a Sunday: Boxing Day Monday 26th, Christmas
    // substitute Tuesday 27th).
    let mut taken: BTreeSet<NaiveDate> = extra.iter().map(|h| h.date).collect();
    let mut out = extra;
    rules.sort_by_key(|(_, d)| *d);
    let mut weekend: Vec<(Rule, NaiveDate)> = Vec::new();
    for (rule, d) in rules {
        if is_weekend(d) && rule.substitutable() {
            weekend.push((rule, d));
        } else {
            taken.insert(d);
            out.push(Holiday {
                date: d,
                name: rule.name().to_owned(),
            });
        }
    }
    for (rule, d) in weekend {
        let mut s = d;
        while is_weekend(s) || taken.contains(&s) {
            s += Duration::days(1);
        }
        taken.insert(s);
        out.push(Holiday {
            date: s,
            name: format!("{} (substitute day)", rule.name()),
        });
    }
    out.sort_by_key(|h| h.date);
    Ok(out)
}
