//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Escalate: Resolution of Professional Differences, stage by stage, on time.
///
/// Works out deadlines in UK working days, lists bank holidays, shows and checks
/// protocols, and plans each stage's due date.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// When a deadline falls: N working days (the Nth working day strictly after the
    /// start, to the end of that day) or N wall-clock hours after it.
    Deadline(DeadlineArgs),
    /// The bank holidays of a calendar in one year, one "YYYY-MM-DD<TAB>name" a line.
    Holidays(HolidaysArgs),
    /// The calendars Escalate knows, one "id<TAB>name" a line.
    Calendars,
    /// The protocols shipped with Escalate, one "id<TAB>name" a line.
    Protocols,
    /// Show or check a protocol.
    #[command(subcommand)]
    Protocol(ProtocolCommand),
    /// Each stage's due date if every stage runs to its limit, one
    /// "<stage><TAB><due date, 'without delay' or 'no limit'><TAB><title>" a line.
    Plan(PlanArgs),
}

#[derive(Debug, Args)]
pub struct DeadlineArgs {
    /// england-and-wales, scotland or northern-ireland.
    #[arg(long)]
    pub calendar: String,
    /// The start: YYYY-MM-DD, or YYYY-MM-DDTHH:MM for hours.
    #[arg(long)]
    pub from: String,
    /// Count this many working days.
    #[arg(long, group = "limit", value_name = "N")]
    pub working_days: Option<u32>,
    /// Count this many clock hours.
    #[arg(long, group = "limit", value_name = "N")]
    pub hours: Option<u32>,
    /// The start's own day, or the next working day if it is not one.
    #[arg(long, group = "limit")]
    pub same_working_day: bool,
    /// An agency closure day (YYYY-MM-DD) that is not a working day; repeat for more.
    #[arg(long = "closure-day", value_name = "DATE")]
    pub closure_days: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HolidaysArgs {
    /// england-and-wales, scotland or northern-ireland.
    #[arg(long)]
    pub calendar: String,
    /// A year from 1990 to 2100.
    #[arg(long)]
    pub year: String,
    /// Also list this agency closure day (YYYY-MM-DD); repeat for more.
    #[arg(long = "closure-day", value_name = "DATE")]
    pub closure_days: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProtocolCommand {
    /// Show a protocol: stages, timescales, who to contact, records, notifications,
    /// forms and exclusions.
    Show {
        /// A shipped protocol's id, or the path of a protocol file (.toml).
        protocol: String,
        /// Print the whole protocol as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a protocol file: prints "ok", or each problem as
    /// "file:line: field: what is wrong" and exits with status 2.
    Check {
        /// Protocol files (.toml).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A shipped protocol's id, or the path of a protocol file (.toml).
    #[arg(long)]
    pub protocol: String,
    /// The outset of the concern: YYYY-MM-DD or YYYY-MM-DDTHH:MM.
    #[arg(long)]
    pub opened: String,
    /// Use this calendar instead of the protocol's own.
    #[arg(long)]
    pub calendar: Option<String>,
    /// An agency closure day (YYYY-MM-DD); repeat for more.
    #[arg(long = "closure-day", value_name = "DATE")]
    pub closure_days: Vec<String>,
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}
