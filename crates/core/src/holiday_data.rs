//! Official bank-holiday lists in GOV.UK's format (`https://www.gov.uk/bank-holidays.json`):
//!
//! ```json
//! { "england-and-wales": { "division": "england-and-wales",
//!     "events": [ { "title": "New Year’s Day", "date": "2026-01-01", "notes": "", "bunting": true } ] },
//!   "scotland": { … }, "northern-ireland": { … } }
//! ```
//!
//! Escalate ships the published list (`assets/calendars/bank-holidays.json`) and a lead
//! or Board may import a newer one, so that a day proclaimed after a release needs no
//! new build. A year a file lists replaces the rules for that year in that nation, so a
//! year listed with fewer days than the nation always has is refused: a half-typed file
//! must not quietly drop bank holidays.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::holiday_rules::{usual_count, CalendarId, Holiday, FIRST_YEAR, LAST_YEAR};
use crate::json_error::json_message;

/// The largest file read: GOV.UK's, with ten years of three nations, is about 20 KiB.
pub const MAX_HOLIDAY_FILE_BYTES: usize = 1024 * 1024;
/// The most events one nation may list: fifteen a year over the calendar's 111 years.
pub const MAX_EVENTS_PER_DIVISION: usize = 2000;
const MAX_TITLE_CHARS: usize = 200;
const MAX_NOTES_CHARS: usize = 500;

/// Official bank holidays for some years of some nations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayData {
    divisions: BTreeMap<CalendarId, BTreeMap<i32, Vec<Holiday>>>,
}

/// What is wrong with a bank-holiday file: `file:line: field: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct HolidayFileError {
    pub file: String,
    /// 1-based line, where it can be found.
    pub line: Option<usize>,
    /// Path of the field, e.g. `scotland.events[3].date`.
    pub field: String,
    pub message: String,
}

impl HolidayFileError {
    pub fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::CalendarFileInvalid
    }
}

impl fmt::Display for HolidayFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.file, line, self.field, self.message
            ),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

/// The most bank holidays a nation has had in one year (England and Wales had 10 in
/// 2022, with the Jubilee and the State Funeral): more than this is not a year's list.
pub const MAX_HOLIDAYS_A_YEAR: usize = 15;

/// Why `days` cannot be `id`'s official list for `year`, where it cannot: too many
/// days, a day at a weekend (a bank holiday is a weekday; a weekend one has a
/// substitute), or a fixed-date day the nation always has missing. Such a list would
/// quietly move every deadline counted over it.
fn implausible(id: CalendarId, year: i32, days: &[Holiday]) -> Option<String> {
    let nation = id.name();
    if days.len() > MAX_HOLIDAYS_A_YEAR {
        return Some(format!(
            "{year} lists {} bank holidays for {nation}; no year has more than {MAX_HOLIDAYS_A_YEAR}: give GOV.UK's bank-holidays.json as published",
            days.len()
        ));
    }
    if let Some(h) = days
        .iter()
        .find(|h| crate::holiday_rules::is_weekend(h.date))
    {
        return Some(format!(
            "{year} lists {} ({}) for {nation}, a {}: a bank holiday is a weekday (a weekend one has a substitute day), so give GOV.UK's bank-holidays.json as published",
            h.date,
            h.name,
            h.date.format("%A")
        ));
    }
    let listed: BTreeSet<NaiveDate> = days.iter().map(|h| h.date).collect();
    crate::holiday_rules::fixed_days(id, year)
        .into_iter()
        .find(|(_, date)| !listed.contains(date))
        .map(|(what, date)| {
            format!(
                "{year} does not list {what} ({date}), which {nation} has every year: give the year's whole list, as GOV.UK's bank-holidays.json does"
            )
        })
}

const SHIPPED_JSON: &str = include_str!("../../../assets/calendars/bank-holidays.json");

static SHIPPED: std::sync::OnceLock<HolidayData> = std::sync::OnceLock::new();

impl HolidayData {
    /// The official lists shipped with this build (`assets/calendars/bank-holidays.json`).
    /// A test checks that the file parses; were it ever not to, the rules alone apply.
    pub fn shipped() -> &'static HolidayData {
        SHIPPED.get_or_init(|| {
            HolidayData::from_govuk_json(SHIPPED_JSON, "assets/calendars/bank-holidays.json")
                .unwrap_or_default()
        })
    }

    /// Read GOV.UK's `bank-holidays.json`. Every problem names the line and the field
    /// (`scotland.events[3].date`); nothing in the file can make this panic or hold
    /// more than [`MAX_HOLIDAY_FILE_BYTES`] of it.
    pub fn from_govuk_json(src: &str, file: &str) -> Result<HolidayData, HolidayFileError> {
        HolidayData::read_govuk(src, file, true)
    }

    /// A file a store already holds, read as it was accepted: the year rules of
    /// [`HolidayData::from_govuk_json`] (at most 15 weekdays, the fixed days kept) came
    /// after some stores imported theirs, and a store must still open and count with
    /// what it holds.
    pub fn as_kept(src: &str, file: &str) -> Result<HolidayData, HolidayFileError> {
        HolidayData::read_govuk(src, file, false)
    }

    fn read_govuk(src: &str, file: &str, checked: bool) -> Result<HolidayData, HolidayFileError> {
        let fail = |line: Option<usize>, field: String, message: String| HolidayFileError {
            file: file.to_owned(),
            line,
            field,
            message,
        };
        if src.len() > MAX_HOLIDAY_FILE_BYTES {
            return Err(fail(
                None,
                "(file)".to_owned(),
                format!(
                    "is {} bytes; a bank-holiday file may be at most 1 MiB ({MAX_HOLIDAY_FILE_BYTES} bytes): give GOV.UK's bank-holidays.json (about 20 KiB)",
                    src.len()
                ),
            ));
        }
        // Saved by Windows Notepad, the file starts with a byte-order mark: not JSON, but
        // plainly the same file.
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let mut de = serde_json::Deserializer::from_str(src);
        let parsed: FileIn = match serde_path_to_error::deserialize(&mut de) {
            Ok(p) => p,
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let line = (inner.line() > 0).then_some(inner.line());
                let field = if path == "." || path.is_empty() {
                    "(top level)".to_owned()
                } else {
                    path
                };
                return Err(fail(line, field, json_message(&inner, str::to_owned)));
            }
        };
        if let Err(e) = de.end() {
            let line = (e.line() > 0).then_some(e.line());
            return Err(fail(
                line,
                "(file)".to_owned(),
                json_message(&e, str::to_owned),
            ));
        }

        let mut data = HolidayData::default();
        let divisions = [
            (CalendarId::EnglandAndWales, parsed.england_and_wales),
            (CalendarId::Scotland, parsed.scotland),
            (CalendarId::NorthernIreland, parsed.northern_ireland),
        ];
        if divisions.iter().all(|(_, d)| d.is_none()) {
            return Err(fail(
                Some(1),
                "(top level)".to_owned(),
                "lists no nation: expected \"england-and-wales\", \"scotland\" and \"northern-ireland\", as in GOV.UK's bank-holidays.json".to_owned(),
            ));
        }
        for (id, division) in divisions {
            let Some(division) = division else { continue };
            // GOV.UK's division keys are the calendar ids Escalate already uses.
            let name = id.as_str();
            if let Some(d) = &division.division {
                if d != name {
                    return Err(fail(
                        locate(src, &[Step::Key(name), Step::Key("division")]),
                        format!("{name}.division"),
                        format!(
                            "'{d}' is listed under \"{name}\": the two must be the same nation"
                        ),
                    ));
                }
            }
            let mut years: BTreeMap<i32, Vec<Holiday>> = BTreeMap::new();
            let mut seen = BTreeSet::new();
            let mut first_of_year: BTreeMap<i32, usize> = BTreeMap::new();
            for (i, event) in division.events.0.iter().enumerate() {
                let date = event.date.0;
                if !seen.insert(date) {
                    return Err(fail(
                        locate(src, &[Step::Key(name), Step::Key("events"), Step::Index(i)]),
                        format!("{name}.events[{i}].date"),
                        format!("{date} is listed twice: list each bank holiday once"),
                    ));
                }
                first_of_year.entry(date.year()).or_insert(i);
                years.entry(date.year()).or_default().push(Holiday {
                    date,
                    name: event.name(),
                });
            }
            for (year, days) in &mut years {
                let usual = usual_count(id, *year);
                if days.len() < usual {
                    let i = first_of_year.get(year).copied().unwrap_or(0);
                    return Err(fail(
                        locate(src, &[Step::Key(name), Step::Key("events"), Step::Index(i)]),
                        format!("{name}.events[{i}]"),
                        format!(
                            "{year} lists {} bank holiday{} where {} has at least {usual} every year: give the year's whole list, as GOV.UK's file does, or leave the year out",
                            days.len(),
                            if days.len() == 1 { "" } else { "s" },
                            id.name()
                        ),
                    ));
                }
                days.sort_by_key(|h| h.date);
                let at = || {
                    let i = first_of_year.get(year).copied().unwrap_or(0);
                    (
                        locate(src, &[Step::Key(name), Step::Key("events"), Step::Index(i)]),
                        format!("{name}.events[{i}]"),
                    )
                };
                if let Some(reason) = implausible(id, *year, days).filter(|_| checked) {
                    let (line, field) = at();
                    return Err(fail(line, field, reason));
                }
            }
            data.divisions.insert(id, years);
        }
        Ok(data)
    }

    /// The years a nation's list covers.
    pub fn years(&self, id: CalendarId) -> BTreeSet<i32> {
        self.divisions
            .get(&id)
            .map(|years| years.keys().copied().collect())
            .unwrap_or_default()
    }

    /// A nation's bank holidays in one year, where the data covers the year.
    pub fn holidays(&self, id: CalendarId, year: i32) -> Option<&[Holiday]> {
        self.divisions
            .get(&id)
            .and_then(|years| years.get(&year))
            .map(Vec::as_slice)
    }

    /// The nations the data lists.
    pub fn nations(&self) -> impl Iterator<Item = CalendarId> + '_ {
        self.divisions.keys().copied()
    }

    /// The last day of the last year the data covers for a nation.
    pub fn confirmed_until(&self, id: CalendarId) -> Option<NaiveDate> {
        self.years(id)
            .last()
            .and_then(|y| NaiveDate::from_ymd_opt(*y, 12, 31))
    }

    pub(crate) fn division(&self, id: CalendarId) -> BTreeMap<i32, Vec<Holiday>> {
        self.divisions.get(&id).cloned().unwrap_or_default()
    }

    /// Official lists for `years` of every nation, as the given source computes them.
    pub fn from_lists(
        lists: impl IntoIterator<Item = (CalendarId, i32, Vec<Holiday>)>,
    ) -> HolidayData {
        let mut data = HolidayData::default();
        for (id, year, days) in lists {
            data.divisions.entry(id).or_default().insert(year, days);
        }
        data
    }

    /// The data in GOV.UK's format: a substitute day is written as GOV.UK writes it,
    /// the holiday's title with the note "Substitute day".
    pub fn to_govuk_json(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
        let mut divisions = Vec::new();
        for (id, years) in &self.divisions {
            let events: Vec<String> = years
                .values()
                .flatten()
                .map(|h| {
                    let (title, notes) = match h.name.strip_suffix(" (substitute day)") {
                        Some(title) => (title, "Substitute day"),
                        None => (h.name.as_str(), ""),
                    };
                    // GOV.UK's order of keys, one event a line.
                    format!(
                        "      {{\"title\": {}, \"date\": \"{}\", \"notes\": {}, \"bunting\": true}}",
                        quote(title),
                        h.date.format("%Y-%m-%d"),
                        quote(notes)
                    )
                })
                .collect();
            let name = id.as_str();
            divisions.push(format!(
                "  \"{name}\": {{\n    \"division\": \"{name}\",\n    \"events\": [\n{}\n    ]\n  }}",
                events.join(",\n")
            ));
        }
        format!("{{\n{}\n}}\n", divisions.join(",\n"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(rename = "england-and-wales", default)]
    england_and_wales: Option<DivisionIn>,
    #[serde(default)]
    scotland: Option<DivisionIn>,
    #[serde(rename = "northern-ireland", default)]
    northern_ireland: Option<DivisionIn>,
}

/// Keys GOV.UK may add later are passed over, so a newer official file still reads.
#[derive(Deserialize)]
struct DivisionIn {
    #[serde(default)]
    division: Option<String>,
    events: Events,
}

struct Events(Vec<EventIn>);

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Events, D::Error> {
        struct Bounded;
        impl<'de> Visitor<'de> for Bounded {
            type Value = Events;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of events")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Events, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = seq.next_element::<EventIn>()? {
                    if out.len() == MAX_EVENTS_PER_DIVISION {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_EVENTS_PER_DIVISION} events: a nation has about ten a year"
                        )));
                    }
                    out.push(e);
                }
                Ok(Events(out))
            }
        }
        d.deserialize_seq(Bounded)
    }
}

#[derive(Deserialize)]
struct EventIn {
    title: Text<MAX_TITLE_CHARS, false>,
    date: EventDate,
    #[serde(default)]
    notes: Option<Text<MAX_NOTES_CHARS, true>>,
    // GOV.UK's flag for flags and bunting: read so a wrong type is named, not used.
    #[serde(default)]
    #[allow(dead_code)]
    bunting: Option<bool>,
}

impl EventIn {
    fn name(&self) -> String {
        let notes = self.notes.as_ref().map_or("", |n| n.0.trim());
        if notes.is_empty() {
            return self.title.0.trim().to_owned();
        }
        // "Substitute day" reads as "Christmas Day (substitute day)".
        let mut chars = notes.chars();
        let lowered: String = chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default();
        format!("{} ({lowered})", self.title.0.trim())
    }
}

/// A bounded line of text without control characters.
struct Text<const MAX: usize, const EMPTY_OK: bool>(String);

impl<'de, const MAX: usize, const EMPTY_OK: bool> Deserialize<'de> for Text<MAX, EMPTY_OK> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !EMPTY_OK && s.trim().is_empty() {
            return Err(de::Error::custom(
                "must not be empty: give the holiday's name",
            ));
        }
        if s.chars().count() > MAX {
            return Err(de::Error::custom(format!(
                "is longer than {MAX} characters: give the name only"
            )));
        }
        if s.chars().any(char::is_control) {
            return Err(de::Error::custom(
                "holds a control character (a line break or tab): give one line of text",
            ));
        }
        Ok(Text(s))
    }
}

struct EventDate(NaiveDate);

impl<'de> Deserialize<'de> for EventDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        let date = shaped
            .then(|| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| de::Error::custom("is not a date: use YYYY-MM-DD, e.g. 2026-06-15"))?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
            return Err(de::Error::custom(format!(
                "{date} is outside the calendar's range: give dates from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
            )));
        }
        Ok(EventDate(date))
    }
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The line of the value at `path` in a JSON text already known to be valid: one pass
/// that follows strings, objects and arrays, so a problem found after parsing (a date
/// listed twice, a short year) is still reported at its line.
fn locate(src: &str, path: &[Step<'_>]) -> Option<usize> {
    #[derive(Debug)]
    enum Frame {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let bytes = src.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;
    // In an object, whether the next string is a key.
    let mut want_key = false;
    let matches = |stack: &[Frame]| {
        stack.len() == path.len()
            && stack.iter().zip(path).all(|(f, p)| match (f, p) {
                (Frame::Object { key: Some(k) }, Step::Key(want)) => k == want,
                (Frame::Array { index }, Step::Index(want)) => index == want,
                _ => false,
            })
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let text = src.get(start..i.min(src.len())).unwrap_or("");
                if want_key {
                    if let Some(Frame::Object { key }) = stack.last_mut() {
                        *key = Some(text.to_owned());
                    }
                    want_key = false;
                } else if matches(&stack) {
                    return Some(line);
                }
            }
            b'{' | b'[' => {
                if matches(&stack) {
                    return Some(line);
                }
                stack.push(if c == b'{' {
                    Frame::Object { key: None }
                } else {
                    Frame::Array { index: 0 }
                });
                want_key = c == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                want_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { .. }) => want_key = true,
                None => {}
            },
            b':' => {}
            c if c.is_ascii_whitespace() => {}
            _ => {
                // A number, true, false or null: the start of a scalar value.
                if matches(&stack) {
                    return Some(line);
                }
                while i + 1 < bytes.len()
                    && !matches!(
                        bytes[i + 1],
                        b',' | b'}' | b']' | b'\n' | b' ' | b'\t' | b'\r'
                    )
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_file_parses() {
        let data = HolidayData::from_govuk_json(SHIPPED_JSON, "shipped").unwrap();
        assert_eq!(data.nations().count(), 3);
        let scot = data.holidays(CalendarId::Scotland, 2026).unwrap();
        assert!(scot.iter().any(|h| h.date == d("2026-06-15")));
    }

    #[test]
    fn locate_finds_nested_values() {
        let src = "{\n \"a\": {\n  \"events\": [\n   {\"date\": \"x\"},\n   {\"date\": \"y\"}\n  ]\n }\n}";
        assert_eq!(
            locate(src, &[Step::Key("a"), Step::Key("events"), Step::Index(1)]),
            Some(5)
        );
        assert_eq!(
            locate(
                src,
                &[
                    Step::Key("a"),
                    Step::Key("events"),
                    Step::Index(0),
                    Step::Key("date")
                ]
            ),
            Some(4)
        );
    }
}
