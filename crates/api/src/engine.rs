//! The questions answered without a store: when a deadline falls, a calendar's bank
//! holidays and how far ahead official data confirms them, what an official bank-holiday
//! file would change, the calendars and protocols there are, a protocol (shipped, or a
//! file read through its bound) and its check, the starter protocol file, and a plan of
//! every stage's and limit's due date on a route.
//!
//! Refusals name the input at fault (`from`, `working_days`, `closure_day`, …), so a
//! front end can point at it: the command line shows each as its option.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::calendar::{bank_holidays, LAST_YEAR};
use escalate_core::protocol::{MAX_LIMIT_HOURS, STARTER};
use escalate_core::{
    Calendar, CalendarError, CalendarId, EngineError, ErrorCode, Holiday, HolidayData,
    PlannedLimit, PlannedStage, Protocol, ProtocolErrors, Route,
};
use serde::Serialize;

use crate::files::{self, HOLIDAY_FILE, PROTOCOL_FILE};
use crate::{ApiError, ApiResult};

/// A calendar's refusal, as the fault of `field`.
fn calendar_error(field: &str, e: &CalendarError) -> ApiError {
    ApiError::field(field, e).with_code(e.code())
}

/// The calendars Escalate knows.
pub fn calendars() -> [CalendarId; 3] {
    CalendarId::ALL
}

/// A nation's calendar with the agency's closure days, which are not working days.
pub fn calendar(id: CalendarId, closure_days: &[NaiveDate]) -> ApiResult<Calendar> {
    calendar_with(id, closure_days, None)
}

/// `calendar`, with official bank-holiday data imported into a store where there is
/// any (`Store::holiday_data`). Refused naming `closure_day`.
pub fn calendar_with(
    id: CalendarId,
    closure_days: &[NaiveDate],
    imported: Option<&HolidayData>,
) -> ApiResult<Calendar> {
    Calendar::with_data(id, closure_days.iter().copied(), imported)
        .map_err(|e| calendar_error("closure_day", &e))
}

/// How long until a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// The Nth working day strictly after the start, to the end of that day.
    WorkingDays(u32),
    /// N wall-clock hours after the start, holidays or not.
    Hours(u32),
    /// The end of the Nth calendar day after the start, whatever day that is: no
    /// roll-forward past a weekend or holiday.
    CalendarDays(u32),
    /// The start's own day, or the next working day if it is not one.
    SameWorkingDay,
}

/// When a deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum Deadline {
    /// The end of this day.
    EndOfDay(NaiveDate),
    At(NaiveDateTime),
}

/// The deadline `count` after `from`. A start outside the calendar is refused naming
/// `from`; a count that runs past the calendar's end names the count (`working_days`,
/// `hours` or `days`), as does a number of hours outside 1 to a year.
pub fn deadline(calendar: &Calendar, from: NaiveDateTime, count: Count) -> ApiResult<Deadline> {
    let fault = |count: &'static str| {
        move |e: CalendarError| {
            let field = match e {
                CalendarError::TooManyWorkingDays { .. }
                | CalendarError::TooManyHours { .. }
                | CalendarError::TooManyDays { .. } => count,
                _ => "from",
            };
            calendar_error(field, &e)
        }
    };
    match count {
        Count::WorkingDays(n) => calendar
            .add_working_days(from.date(), n)
            .map(Deadline::EndOfDay)
            .map_err(fault("working_days")),
        Count::Hours(h) => {
            if !(1..=MAX_LIMIT_HOURS).contains(&h) {
                return Err(ApiError::field(
                    "hours",
                    format!(
                        "give a number of hours from 1 to {MAX_LIMIT_HOURS} (a year); for longer, count in --working-days"
                    ),
                ));
            }
            calendar
                .add_hours(from, h)
                .map(Deadline::At)
                .map_err(fault("hours"))
        }
        Count::SameWorkingDay => calendar
            .same_working_day(from.date())
            .map(Deadline::EndOfDay)
            .map_err(fault("from")),
        Count::CalendarDays(n) => calendar
            .add_calendar_days(from.date(), n)
            .map(Deadline::EndOfDay)
            .map_err(fault("days")),
    }
}

/// The days that are not working days in `year`: the calendar's bank holidays, and the
/// agency's closure days when there are any. A year outside the calendar is refused
/// naming `year`.
pub fn holidays(id: CalendarId, year: i32, closure_days: &[NaiveDate]) -> ApiResult<Vec<Holiday>> {
    holidays_with(id, year, closure_days, None)
}

/// `holidays`, with official bank-holiday data imported into a store where there is any.
pub fn holidays_with(
    id: CalendarId,
    year: i32,
    closure_days: &[NaiveDate],
    imported: Option<&HolidayData>,
) -> ApiResult<Vec<Holiday>> {
    let days = match (closure_days.is_empty(), imported) {
        // No calendar to build: the year's list alone.
        (true, None) => bank_holidays(id, year),
        (true, Some(_)) => calendar_with(id, &[], imported)?.bank_holidays(year),
        (false, _) => calendar_with(id, closure_days, imported)?.non_working_days(year),
    };
    days.map_err(|e| calendar_error("year", &e))
}

/// How far ahead official bank-holiday data (shipped, or imported) confirms a calendar:
/// dates past it are counted on holidays projected from the usual rules, which a day
/// proclaimed later would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub calendar: CalendarId,
    /// The last day official data covers; `None` when there is none, so every year is
    /// projected.
    pub confirmed_until: Option<NaiveDate>,
    /// Official data covers the whole of the year asked about.
    pub year_confirmed: bool,
    /// Official data covers the next twelve months from today. When it does not, a
    /// front end warns, gently, and suggests checking GOV.UK's latest list.
    pub next_twelve_months_confirmed: bool,
}

/// How far ahead official data confirms `id`'s bank holidays, for `year` and for the
/// twelve months from `today`.
pub fn coverage(id: CalendarId, year: i32, today: NaiveDate) -> Coverage {
    coverage_of(&Calendar::new(id), year, today)
}

/// `coverage` of a calendar as built (a store's, with its imported bank holidays).
pub fn coverage_of(cal: &Calendar, year: i32, today: NaiveDate) -> Coverage {
    let id = cal.id();
    let year_confirmed = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(first), Some(last)) => cal.is_confirmed(first, last),
        _ => false,
    };
    Coverage {
        calendar: id,
        confirmed_until: cal.confirmed_until(),
        year_confirmed,
        next_twelve_months_confirmed: cal.next_twelve_months_confirmed(today),
    }
}

/// What an official bank-holiday file would change for one nation, compared with the
/// bank holidays this build knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NationChange {
    pub calendar: CalendarId,
    /// The first and last year the file lists for the nation.
    pub first_year: i32,
    pub last_year: i32,
    /// Bank holidays the file lists that this build does not, in date order.
    pub added: Vec<Holiday>,
    /// Bank holidays this build has that the file does not list, in date order.
    pub removed: Vec<Holiday>,
    /// How far ahead official data would then confirm the nation's bank holidays.
    pub confirmed_until: Option<NaiveDate>,
}

/// Check an official bank-holiday file in GOV.UK's format (`bank-holidays.json`), read
/// through its bound, and say per nation what it would change. A malformed file is
/// refused with `file:line: field: message` (code `calendar.file_invalid`) and no field.
pub fn check_calendar_file(path: &Path) -> ApiResult<Vec<NationChange>> {
    let src = files::read_text(path, &HOLIDAY_FILE)?;
    let data = HolidayData::from_govuk_json(&src, &path.display().to_string())?;
    let mut nations = Vec::new();
    for id in data.nations() {
        let years = data.years(id);
        let (Some(&first_year), Some(&last_year)) = (years.first(), years.last()) else {
            continue;
        };
        let current = Calendar::new(id);
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for year in years {
            let new = data.holidays(id, year).unwrap_or_default();
            let old = current
                .bank_holidays(year)
                .map_err(|e| calendar_error("file", &e))?;
            added.extend(
                new.iter()
                    .filter(|h| !old.iter().any(|o| o.date == h.date))
                    .cloned(),
            );
            removed.extend(
                old.iter()
                    .filter(|o| !new.iter().any(|h| h.date == o.date))
                    .cloned(),
            );
        }
        let confirmed_until = [current.confirmed_until(), data.confirmed_until(id)]
            .into_iter()
            .flatten()
            .max();
        nations.push(NationChange {
            calendar: id,
            first_year,
            last_year,
            added,
            removed,
            confirmed_until,
        });
    }
    Ok(nations)
}

/// Whether the command line's protocol argument names a file (a name ending `.toml`,
/// or with a folder in it) rather than a protocol's id.
pub fn is_protocol_path(id_or_path: &str) -> bool {
    id_or_path.ends_with(".toml") || id_or_path.contains('/') || id_or_path.contains('\\')
}

/// A protocol by the path of a protocol file, read through its bound and checked, or by
/// the id of one Escalate ships (what a new store installs; a store's own protocols are
/// `cases::protocol`). An id Escalate does not ship is refused naming `protocol`.
pub fn protocol(id_or_path: &str) -> ApiResult<Protocol> {
    if is_protocol_path(id_or_path) {
        return Ok(protocol_file(Path::new(id_or_path))??);
    }
    let shipped = escalate_store::shipped_protocols()?;
    match shipped.iter().find(|p| p.id == id_or_path) {
        Some(p) => Ok((*p).clone()),
        None => Err(ApiError::field(
            "protocol",
            format!(
                "no shipped protocol is called '{id_or_path}': use one of {}, give the id of a protocol installed in your store, or the path of a .toml protocol file",
                shipped
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_code(ErrorCode::ProtocolUnknown)),
    }
}

/// The protocols Escalate ships, in the order they ship: what a new store installs.
pub fn shipped_protocols() -> ApiResult<Vec<Protocol>> {
    Ok(escalate_store::shipped_protocols()?
        .into_iter()
        .cloned()
        .collect())
}

/// A protocol file read through its bound and parsed: `Err` when it cannot be read,
/// `Ok(Err)` with every problem (`file:line: field: message`) when it is not a protocol.
fn protocol_file(path: &Path) -> ApiResult<Result<Protocol, ProtocolErrors>> {
    let src = files::read_text(path, &PROTOCOL_FILE)?;
    Ok(Protocol::from_toml(&src, &path.display().to_string()))
}

/// Check protocol files: every problem in every file, each on a line of its own as
/// `file:line: field: message` (code `protocol.invalid`). A file that cannot be read
/// stops the check.
pub fn check_protocol_files(paths: &[PathBuf]) -> ApiResult<()> {
    let mut problems = Vec::new();
    for path in paths {
        if let Err(e) = protocol_file(path)? {
            problems.push(e.to_string());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::ProtocolInvalid,
            problems.join("\n"),
        ))
    }
}

/// A commented starter protocol file (format 2) that passes the check, for a lead to
/// replace its words with their partnership's.
pub fn starter() -> &'static str {
    STARTER
}

/// The numbers of the protocol's own stages that `route` takes, rather than stages of
/// its own; empty when the route is not the protocol's.
pub fn stages_taken(protocol: &Protocol, route: &Route) -> Vec<u8> {
    match protocol.route(Some(&route.id)) {
        Some(view) => view
            .stages()
            .filter(|s| !route.stages.iter().any(|own| std::ptr::eq(own, *s)))
            .map(|s| s.number)
            .collect(),
        None => Vec::new(),
    }
}

/// Each stage's due date if every stage runs to its limit on the protocol's standard
/// route (see [`plan_route`]).
pub fn plan<'a>(
    protocol: &'a Protocol,
    opened: NaiveDateTime,
    calendar_id: Option<CalendarId>,
    closure_days: &[NaiveDate],
) -> ApiResult<Vec<PlannedStage<'a>>> {
    plan_route(protocol, opened, calendar_id, closure_days, None).map(|p| p.stages)
}

/// The route a plan is on, where the protocol has routes to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRoute<'a> {
    pub route: Cow<'a, str>,
    pub name: Cow<'a, str>,
}

/// A plan on one route: each stage, then each limit over several stages (and the cap),
/// then the route where the protocol has more than one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutePlan<'a> {
    pub stages: Vec<PlannedStage<'a>>,
    pub limits: Vec<PlannedLimit<'a>>,
    /// `None` for a protocol without routes, whose plan says nothing of them.
    pub route: Option<PlannedRoute<'a>>,
}

/// Each stage's and each limit's due date if every stage runs to its limit, on `route`
/// (`None`: the standard route), for a case opened at `opened`, in `calendar` (the
/// protocol's own unless another is given) with the agency's closure days. Refused
/// naming `opened` when the stages would fall due past the calendar's end, and `route`
/// when the protocol has no such route.
pub fn plan_route<'a>(
    protocol: &'a Protocol,
    opened: NaiveDateTime,
    calendar_id: Option<CalendarId>,
    closure_days: &[NaiveDate],
    route: Option<&str>,
) -> ApiResult<RoutePlan<'a>> {
    let cal = calendar(calendar_id.unwrap_or(protocol.calendar), closure_days)?;
    let plan = escalate_core::plan_route(protocol, &cal, opened, route).map_err(|e| match e {
        // The protocol's own limits ran past the calendar: only the date can change.
        EngineError::Calendar(
            e @ (CalendarError::TooManyWorkingDays { .. }
            | CalendarError::TooManyHours { .. }
            | CalendarError::TooManyDays { .. }),
        ) => ApiError::field(
            "opened",
            format!(
                "a stage opened on {} would fall due after the calendar's last day, {LAST_YEAR}-12-31: give an earlier date",
                opened.format("%Y-%m-%d")
            ),
        )
        .with_code(e.code()),
        EngineError::Calendar(e) => calendar_error("opened", &e),
        EngineError::UnknownRoute { route, known, .. } => ApiError::field(
            "route",
            format!(
                "'{route}' is not a route of protocol '{}': use one of {known}",
                protocol.id
            ),
        )
        .with_code(ErrorCode::RouteUnknown),
        e => ApiError::field("protocol", &e).with_code(e.code()),
    })?;
    Ok(RoutePlan {
        route: (!protocol.routes.is_empty()).then_some(PlannedRoute {
            route: plan.route,
            name: plan.route_name,
        }),
        stages: plan.stages,
        limits: plan.limits,
    })
}
