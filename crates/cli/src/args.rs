//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use escalate_core::DeadlineId;

/// Escalate: Resolution of Professional Differences, stage by stage, on time.
///
/// Works out deadlines in UK working days, lists bank holidays, shows and checks
/// protocols, and plans each stage's due date.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// When a deadline falls: N working days (the Nth working day strictly after the
    /// start, to the end of that day), N calendar days (the end of the Nth day, whatever
    /// day it is) or N wall-clock hours after it.
    Deadline(DeadlineArgs),
    /// The bank holidays of a calendar in one year, one "YYYY-MM-DD<TAB>name" a line;
    /// on stderr, how far ahead official data confirms them (a warning when it does not
    /// cover the next 12 months from --now).
    Holidays(HolidaysArgs),
    /// Official bank-holiday files (GOV.UK's bank-holidays.json).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The calendars Escalate knows, one "id<TAB>name" a line.
    Calendars,
    /// The protocols installed in the store, one version a line:
    /// "id<TAB>version<TAB>SHA-256 (first 12)<TAB>cases using it<TAB>current or older<TAB>name".
    /// Without a store, the protocols shipped with Escalate (what a new store installs),
    /// one "id<TAB>name" a line.
    Protocols,
    /// Show, check, install or remove a protocol.
    #[command(subcommand)]
    Protocol(ProtocolCommand),
    /// Each stage's due date if every stage runs to its limit, one
    /// "<stage><TAB><due date, 'without delay' or 'no limit'><TAB><title>" a line; then
    /// one "limit<TAB><due date><TAB><the limit's words>" line per limit over several
    /// stages; then, for a protocol with routes, "route<TAB><id><TAB><name>".
    Plan(PlanArgs),
    /// Create an encrypted store for your records (the recovery passphrase comes from
    /// ESCALATE_PASSPHRASE or --passphrase-file; keep it safe).
    Init(InitArgs),
    /// Professional differences.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Stage records.
    #[command(subcommand)]
    Stage(StageCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent, encrypted backup of the store while it is in use.
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into an empty data folder (needs the recovery passphrase).
    Restore { file: PathBuf },
    /// The recovery passphrase.
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// The store's data key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Print a form as PDF, filled from the store.
    Report(ReportArgs),
    /// Export a case for the Board administrator as an encrypted package (age), or
    /// open one. Here --passphrase-file (or ESCALATE_EXPORT_PASSPHRASE) is the
    /// package's passphrase; the store unlocks from the keyring or ESCALATE_PASSPHRASE.
    Export(ExportArgs),
    /// Board administrator mode: import agencies' export packages into this store
    /// (use a data folder of its own) and report on them. Here --passphrase-file (or
    /// ESCALATE_EXPORT_PASSPHRASE) is the packages' passphrase.
    #[command(subcommand)]
    Board(BoardCommand),
    /// This agency's identity: its card (name, sector, signing key, age recipient and
    /// the fingerprint to compare over the phone). `identity export` writes the card to
    /// send; `identity rotate` makes a new signing key.
    Identity(IdentityArgs),
    /// The directory of agencies this store trusts: their cards.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// The partnership: install the bundle its Board signs (protocols, bank holidays,
    /// the directory's cards, and the Board packages go to).
    #[command(subcommand)]
    Partnership(PartnershipCommand),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct IdentityArgs {
    #[command(subcommand)]
    pub action: Option<IdentityCommand>,
    /// Print the card as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Write this agency's card (JSON) to a new file, to give to the Board and other
    /// agencies.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Make a new signing key. The new card is endorsed by the old key, which is kept
    /// so that packages it signed still verify.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Trust an agency's card: shows its fingerprint to compare with the agency's own
    /// (over the phone), and asks; --yes when you have compared it (in scripts).
    Add {
        #[arg(value_name = "CARD")]
        card: PathBuf,
        /// The fingerprint has been compared with the agency's: do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// The agencies trusted: agency, sector, role, key id, fingerprint, added, revoked.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop trusting an agency's keys for anything signed from DATE on, and list the
    /// counted packages they signed from then (`board list` shows them).
    Revoke {
        #[arg(value_name = "AGENCY")]
        agency: String,
        /// The first day not trusted (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Only this key of the agency (its key id, as `directory list` shows it).
        #[arg(long, value_name = "KEYID")]
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PartnershipCommand {
    /// Install a bundle signed by the partnership's Board: its protocols (each a new
    /// version; open cases keep theirs), bank holidays and cards, and the Board as
    /// where packages go. The first time, give the Board's card with --board and
    /// compare its fingerprint; later bundles verify against the Board key held.
    Install {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The Board's card (the first time).
        #[arg(long, value_name = "CARD")]
        board: Option<PathBuf>,
        /// The Board's fingerprint has been compared: do not ask.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct DeadlineArgs {
    /// england-and-wales, scotland or northern-ireland.
    #[arg(long)]
    pub calendar: String,
    /// The start: YYYY-MM-DD, or YYYY-MM-DDTHH:MM for hours.
    #[arg(long)]
    pub from: String,
    /// Count this many working days: from 0 up to as many as the calendar has left
    /// before its end, 2100-12-31.
    // Negative numbers are taken as values so that clap's refusal names the option.
    #[arg(long, group = "limit", value_name = "N", allow_negative_numbers = true)]
    pub working_days: Option<u32>,
    /// Count this many clock hours: from 1 to 8784 (a year).
    #[arg(long, group = "limit", value_name = "N", allow_negative_numbers = true)]
    pub hours: Option<u32>,
    /// Count this many calendar days: due at the end of the Nth day after the start,
    /// whatever day that is (no roll-forward); from 0 up to the calendar's end, 2100-12-31.
    #[arg(long, group = "limit", value_name = "N", allow_negative_numbers = true)]
    pub days: Option<u32>,
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
    #[arg(long, allow_negative_numbers = true)]
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
    /// Print a commented starter protocol file (format 2) that passes `check`:
    /// `escalate protocol new > mine.toml`, then replace its words with your own.
    New,
    /// Install a protocol file in the store: checked first (prints "file:line: field:
    /// what is wrong" and exits with status 2; nothing is installed), then kept whole
    /// with its hash and audited. New cases of its id use it; open cases keep the
    /// version they were opened under (`escalate case move-protocol` moves one).
    Install {
        /// The protocol file (.toml).
        file: PathBuf,
        /// Install a file whose id is one Escalate ships, with another text: it becomes
        /// the version new cases of that id use. The shipped version stays installed;
        /// `escalate protocol current ID VERSION` makes it current again.
        #[arg(long)]
        replace_shipped: bool,
    },
    /// Remove a protocol no case uses (every installed version of it), or with
    /// --version one version no case uses. The protocols shipped with Escalate, and
    /// their shipped versions, cannot be removed.
    // Its own `--version` names the protocol's version, not Escalate's.
    #[command(disable_version_flag = true)]
    Remove {
        /// The protocol's id.
        id: String,
        /// Remove only this version (or the start of its SHA-256, as `escalate
        /// protocols` lists it).
        #[arg(long)]
        version: Option<String>,
    },
    /// Make an installed version of a protocol the one new cases use (again): cases
    /// already open keep theirs. Audited.
    #[command(disable_version_flag = true)]
    Current {
        /// The protocol's id.
        id: String,
        /// The version, or the start of its SHA-256 (`escalate protocols` lists them).
        #[arg(value_name = "VERSION")]
        version: String,
    },
    /// Print a blank specimen of one of a protocol's own forms, to check its layout:
    /// every box empty, room to write where the lead writes, no case data.
    Form {
        /// A shipped protocol's id, or the path of a protocol file (.toml).
        protocol: String,
        /// The form's id (`escalate protocol show` lists them).
        form: String,
        /// Where to write the PDF (a new file).
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Check an official bank-holiday file in GOV.UK's format (bank-holidays.json) and
    /// print what it would change: per nation the years it covers, each bank holiday
    /// it adds or removes, and how far ahead the data would then be confirmed. Prints
    /// "file:line: field: what is wrong" and exits with status 2 for a malformed file.
    Check {
        /// The file, e.g. a copy of https://www.gov.uk/bank-holidays.json.
        file: PathBuf,
    },
    /// Import an official bank-holiday file into the store: for every year it lists a
    /// nation's bank holidays, its list replaces the built-in one for every deadline
    /// the store counts. Audited. A malformed file is refused with "file:line: field:
    /// what is wrong" (exit status 2) and changes nothing.
    Import {
        /// The file, e.g. a copy of https://www.gov.uk/bank-holidays.json.
        file: PathBuf,
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
    /// Plan this route of the protocol (see `escalate protocol show`); default: its
    /// standard route.
    #[arg(long, value_name = "ID")]
    pub route: Option<String>,
    /// Print the plan as JSON: the stage rows, then one row per limit.
    #[arg(long)]
    pub json: bool,
}

/// Where the store is and how to unlock it; shared by every store command.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The data folder (default: the platform's data folder, e.g. ~/.local/share/escalate).
    #[arg(long, env = "ESCALATE_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Read the recovery passphrase from this file (or set ESCALATE_PASSPHRASE).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Do not use the OS keyring: every open needs the recovery passphrase.
    #[arg(long, global = true)]
    pub no_keyring: bool,
    /// Work as if it were this moment (YYYY-MM-DDTHH:MM), e.g. to see what will be overdue on Monday.
    #[arg(long, global = true, value_name = "WHEN")]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your name.
    #[arg(long)]
    pub name: String,
    /// Your designation, e.g. "Designated Safeguarding Lead".
    #[arg(long)]
    pub designation: String,
    /// Your agency.
    #[arg(long)]
    pub agency: String,
    /// local-authority, schools, health-secondary, health-primary, voluntary, police or other.
    #[arg(long)]
    pub sector: String,
    /// The protocol new cases use: a shipped protocol's id (see `escalate protocols`),
    /// or the path of a protocol file (.toml), which is installed in the new store.
    #[arg(long)]
    pub protocol: String,
    /// england-and-wales, scotland or northern-ireland.
    #[arg(long)]
    pub calendar: String,
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a new professional difference; prints its reference alone.
    New(Box<CaseNewArgs>),
    /// Cases with their status and next deadline, most urgent first.
    List {
        /// Include resolved, withdrawn and redirected cases.
        #[arg(long)]
        all: bool,
        /// Only cases whose reference or child's name contains this.
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One case: details, stage records and what the protocol requires now.
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Every stage, record, notification and deadline in date order.
    Chronology {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Escalate to the next stage (or, with immediate risk where the protocol allows, a
    /// higher one; or past stages the protocol lets be skipped, with a recorded decision).
    Escalate {
        reference: String,
        #[arg(long, value_name = "N")]
        to_stage: Option<u8>,
        /// Why (required to jump stages on immediate risk: the immediate risk to the child).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        skip: SkipArgs,
    },
    /// Move the case to another route of its protocol, with the reason: it stays at its
    /// stage where the new route has it, or goes to --to-stage on the new route.
    SwitchRoute {
        reference: String,
        /// The route's id (see `escalate protocol show`).
        #[arg(long, value_name = "ID")]
        route: String,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "N")]
        to_stage: Option<u8>,
    },
    /// Extend a deadline where the protocol allows it, by agreement of the role it names.
    Extend {
        reference: String,
        /// "timescale" (the current stage's own) or a limit's id (see `escalate case show`).
        #[arg(long, value_name = "ID")]
        deadline: DeadlineId,
        /// The new due: YYYY-MM-DD (the end of that day) or YYYY-MM-DDTHH:MM.
        #[arg(long, value_name = "DUE")]
        to: String,
        /// Who agreed, with their role.
        #[arg(long, value_name = "NAME")]
        agreed_by: String,
        /// The day they agreed: YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        agreed_on: String,
        #[arg(long)]
        reason: String,
    },
    /// Each stage's and limit's due date on the case's route, had every stage run to its
    /// limit from the outset: the lines of `escalate plan`.
    Plan {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Move an open case to another installed version of its protocol. Prints each
    /// deadline before and after; moves only with --yes.
    MoveProtocol {
        reference: String,
        /// The version to move to (see `escalate protocols`), or the start of its SHA-256.
        #[arg(long, value_name = "VERSION")]
        to: String,
        /// Move it (without this, only the table of deadlines is printed).
        #[arg(long)]
        yes: bool,
    },
    /// The difference is resolved at the current stage.
    Resolve {
        reference: String,
        #[arg(long)]
        outcome: String,
    },
    /// Withdraw the difference.
    Withdraw {
        reference: String,
        #[arg(long)]
        reason: String,
    },
    /// Out of the protocol's scope: record which exclusion applies.
    Redirect {
        reference: String,
        /// The exclusion's id (see `escalate protocol show`).
        #[arg(long)]
        exclusion: String,
    },
    /// Mark a notification the protocol requires as sent.
    Notified {
        reference: String,
        /// The notification's id (see `escalate case show`).
        #[arg(long)]
        notification: String,
        /// The stage it belongs to; leave out for the protocol's on-resolution notifications.
        #[arg(long)]
        stage: Option<u8>,
        /// When it was sent (default: now).
        #[arg(long)]
        sent: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Set a shorter deadline for the current stage because the child's safety needs it.
    Shorten {
        reference: String,
        /// YYYY-MM-DDTHH:MM.
        #[arg(long)]
        due: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct CaseNewArgs {
    #[arg(long)]
    pub child_name: String,
    /// YYYY-MM-DD.
    #[arg(long)]
    pub child_dob: Option<String>,
    /// Local identifiers, e.g. a social care or NHS number.
    #[arg(long, default_value = "")]
    pub child_identifiers: String,
    #[arg(long)]
    pub raising_agency: String,
    #[arg(long)]
    pub raising_sector: Option<String>,
    #[arg(long)]
    pub raising_professional: Option<String>,
    #[arg(long)]
    pub receiving_agency: String,
    #[arg(long)]
    pub receiving_sector: Option<String>,
    #[arg(long)]
    pub receiving_professional: Option<String>,
    /// Category of disagreement, e.g. "Threshold for assessment".
    #[arg(long)]
    pub category: String,
    #[arg(long)]
    pub summary: String,
    /// Default: your profile's protocol.
    #[arg(long)]
    pub protocol: Option<String>,
    /// When the concern arose: YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now).
    #[arg(long)]
    pub opened: Option<String>,
    /// The immediate risk to the child (lets the case start at a higher stage where the protocol allows).
    #[arg(long, value_name = "REASON")]
    pub immediate_risk: Option<String>,
    /// Start at this stage (above the first only with --immediate-risk, or with a
    /// recorded decision where the protocol lets the stages before it be skipped).
    #[arg(long, value_name = "N")]
    pub stage: Option<u8>,
    /// The route, where the protocol has more than one (see `escalate protocol show`).
    #[arg(long, value_name = "ID")]
    pub route: Option<String>,
    #[command(flatten)]
    pub skip: SkipArgs,
}

/// A recorded decision to go past stages.
#[derive(Debug, Args)]
pub struct SkipArgs {
    /// Why the stages in between are skipped.
    #[arg(long, value_name = "TEXT", requires = "decided_by")]
    pub skip_reason: Option<String>,
    /// Who decided (name).
    #[arg(long, value_name = "NAME", requires = "skip_reason")]
    pub decided_by: Option<String>,
    /// Their role, where the protocol names the role that decides (e.g. "The IRO").
    #[arg(long, value_name = "ROLE", requires = "skip_reason")]
    pub role: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StageCommand {
    /// Record a discussion or meeting at the case's current stage.
    Record(StageRecordArgs),
}

#[derive(Debug, Args)]
pub struct StageRecordArgs {
    pub reference: String,
    /// Every field as JSON (see docs/data-model.md; at most 1 MiB); the other options are
    /// then not used.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["summary", "agreed", "participants", "discussed", "fields"])]
    pub file: Option<PathBuf>,
    #[arg(long, required_unless_present = "file")]
    pub summary: Option<String>,
    /// The agreed outcome and actions.
    #[arg(long, required_unless_present = "file")]
    pub agreed: Option<String>,
    /// 'Name|Role|Agency'; repeat for each participant.
    #[arg(long = "participant", value_name = "NAME|ROLE|AGENCY")]
    pub participants: Vec<String>,
    /// When the discussion took place: YYYY-MM-DDTHH:MM (default: now).
    #[arg(long)]
    pub discussed: Option<String>,
    /// The difference was resolved at this discussion.
    #[arg(long)]
    pub resolved: bool,
    /// A field the stage's record asks for beyond the common ones, e.g.
    /// risk-analysis="…" (`escalate protocol show` lists each stage's record fields);
    /// repeat for each field.
    #[arg(long = "field", value_name = "ID=TEXT")]
    pub fields: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit trail's hash chain; names the first broken entry.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Change the recovery passphrase. The current one comes from ESCALATE_PASSPHRASE or
    /// --passphrase-file, the new one from ESCALATE_NEW_PASSPHRASE or --new-passphrase-file.
    Change {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Replace the data key and re-encrypt the store (needs the recovery passphrase).
    Rotate,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub reference: String,
    /// The form's id: one the case's protocol declares (`escalate protocol show` lists
    /// them), stage-record or chronology.
    #[arg(long)]
    pub form: String,
    /// For a stage record: which stage (default: the current one).
    #[arg(long, value_name = "N")]
    pub stage: Option<u8>,
    /// Where to write the PDF.
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// How effective the protocol was, with suggestions (printed by forms that ask).
    #[arg(long, default_value = "")]
    pub effectiveness: String,
    /// Additional notes (printed by forms that ask).
    #[arg(long, default_value = "")]
    pub notes: String,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub open: Option<ExportCommand>,
    /// The case to export.
    #[arg(required = true)]
    pub reference: Option<String>,
    /// Where to write the package.
    #[arg(long, value_name = "FILE", required = true)]
    pub out: Option<PathBuf>,
    /// The Board's age public key (age1…); repeat for more. Or, instead, a passphrase
    /// (--passphrase-file or ESCALATE_EXPORT_PASSPHRASE): giving both is refused.
    #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
    pub recipients: Vec<String>,
    /// Replace the child's name with initials and the date of birth with the year, and leave out local identifiers.
    #[arg(long)]
    pub minimise: bool,
    /// The form to include (default: the protocol's Board form, else the chronology).
    #[arg(long)]
    pub form: Option<String>,
    /// How effective the protocol was, with suggestions.
    #[arg(long, default_value = "")]
    pub effectiveness: String,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Decrypt a package, check it and list what it holds.
    Open {
        file: PathBuf,
        /// An age identity file (AGE-SECRET-KEY-1…). Or use --passphrase-file.
        #[arg(long, value_name = "KEY_FILE")]
        identity: Option<PathBuf>,
        /// Also write the files into this folder (which must not exist yet).
        #[arg(long, value_name = "DIR")]
        extract: Option<PathBuf>,
        /// Print monitoring.json.
        #[arg(long)]
        json: bool,
    },
    /// Make a key pair for a Board administrator: writes the secret identity file
    /// (keep it safe) and prints the public key (age1…) to give to agencies.
    Keygen {
        #[arg(long, value_name = "KEY_FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Import export packages (files, or folders of them). Each is decrypted and
    /// checked; a refused file is named with its reason and the rest still import.
    Import {
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        paths: Vec<PathBuf>,
        /// An age identity file (AGE-SECRET-KEY-1…) for packages sealed to a key other
        /// than this store's own. Or use --passphrase-file.
        #[arg(long, value_name = "KEY_FILE")]
        identity: Option<PathBuf>,
    },
    /// Packages held apart and not counted: from a signer the directory does not
    /// hold (with its key's fingerprint), or unsigned (an earlier release).
    Held {
        #[arg(long)]
        json: bool,
    },
    /// Count a held package (by the id `board held` shows), once you have checked with
    /// its agency that it is theirs.
    Accept {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Discard a held package (by the id `board held` shows) that will not be counted.
    /// Counted packages are untouched; the audit trail keeps what it claimed.
    Discard {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// Write the partnership bundle, signed by this Board: protocol versions, bank
    /// holidays, the directory's cards and the Board's own card. Name it
    /// `*.escalate-bundle`: the app's open dialog looks for that.
    Bundle {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A protocol to include: ID (the version new cases open under) or ID@VERSION;
        /// repeat for more.
        #[arg(long = "protocol", value_name = "ID[@VERSION]")]
        protocols: Vec<String>,
        /// GOV.UK's bank-holidays.json to include.
        #[arg(long, value_name = "FILE")]
        calendar: Option<PathBuf>,
    },
    /// List every imported package: id, agency, reference, export time, whether it is
    /// the current version of its case, when it was imported, the key id that signed it
    /// ("unsigned" for one counted before signing or accepted unsigned), and its file.
    List {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an imported package (by the id `board list` shows). If it was the current
    /// version of its case, the newest version left becomes current. The audit trail
    /// keeps what was removed.
    Remove {
        #[arg(value_name = "ID")]
        id: i64,
    },
    /// The monitoring figures for cases opened in a period.
    Report {
        /// First day of the period (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day of the period (YYYY-MM-DD).
        #[arg(long)]
        to: String,
        /// Print every figure as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the tables as CSV to this file.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Also write the report, with charts, as PDF to this file.
        #[arg(long, value_name = "FILE.pdf")]
        out: Option<PathBuf>,
    },
}
