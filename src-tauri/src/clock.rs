//! The app's one reading of the clock: the crates below take `now` as an argument.

use chrono::NaiveDateTime;

/// Local wall-clock time: deadlines are working days in the lead's own time zone.
#[allow(clippy::disallowed_methods, reason = "the shell is where time enters")]
pub fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}
