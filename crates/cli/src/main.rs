//! `escalate`: the command line over Escalate's use cases (escalate-api). It parses what
//! it is given, calls one use case, and prints the answer; it decides nothing.

mod args;
mod cmd;
mod error;
mod parse;
mod term;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{
    AuditCommand, CalendarCommand, Cli, Command, KeyCommand, PassphraseCommand, ProtocolCommand,
    StageCommand,
};
use crate::cmd::Ctx;
use crate::error::CliError;

fn main() -> ExitCode {
    // Before anything is read or written: owner-only files, no core dumps. Best
    // effort: a system that refuses one of them still gets the others.
    let _ = escalate_api::process::harden();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let stderr = std::io::stderr();
            let mut err = stderr.lock();
            // Messages can quote what a file or store holds (a protocol's version, say):
            // shown safe for the terminal like any output, line by line, since a message
            // may list several problems one to a line.
            let message = e.to_string();
            for line in message.lines() {
                let _ = writeln!(err, "{}", term::clean(line));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Every command, in one place. Each writes to `out`, so a command's output is all in
/// one stream.
fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    let ctx = Ctx::new(cli.store);
    dispatch(cli.command, &ctx, out).map_err(|e| ctx.now_option(e))
}

fn dispatch(command: Command, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    match command {
        Command::Deadline(a) => cmd::calendar::deadline(a, out),
        Command::Holidays(a) => cmd::calendar::holidays(a, ctx, out),
        Command::Calendar(CalendarCommand::Check { file }) => cmd::calendar::check(&file, out),
        Command::Calendar(CalendarCommand::Import { file }) => {
            cmd::calendar::import(&file, ctx, out)
        }
        Command::Calendars => cmd::calendar::calendars(out),
        Command::Protocols => cmd::protocol::list(ctx, out),
        Command::Protocol(ProtocolCommand::Show { protocol, json }) => {
            cmd::protocol::show(&protocol, json, ctx, out)
        }
        Command::Protocol(ProtocolCommand::Check { files }) => cmd::protocol::check(&files, out),
        Command::Protocol(ProtocolCommand::New) => cmd::protocol::new(out),
        Command::Protocol(ProtocolCommand::Install {
            file,
            replace_shipped,
        }) => cmd::protocol::install(&file, replace_shipped, ctx, out),
        Command::Protocol(ProtocolCommand::Remove { id, version }) => {
            cmd::protocol::remove(&id, version.as_deref(), ctx, out)
        }
        Command::Protocol(ProtocolCommand::Current { id, version }) => {
            cmd::protocol::current(&id, &version, ctx, out)
        }
        Command::Plan(a) => cmd::protocol::plan(a, ctx, out),
        Command::Protocol(ProtocolCommand::Form {
            protocol,
            form,
            out: file,
        }) => cmd::protocol::specimen(&protocol, &form, &file, ctx, out),
        Command::Init(a) => cmd::store::init(a, ctx, out),
        Command::Case(c) => cmd::case::run(c, ctx, out),
        Command::Stage(StageCommand::Record(a)) => cmd::stage::record(a, ctx, out),
        Command::Audit(AuditCommand::Verify { json }) => cmd::audit::verify(json, ctx, out),
        Command::Backup { out: file } => cmd::store::backup(&file, ctx, out),
        Command::Restore { file } => cmd::store::restore(&file, ctx, out),
        Command::Passphrase(PassphraseCommand::Change {
            new_passphrase_file,
        }) => cmd::keys::change_passphrase(new_passphrase_file, ctx, out),
        Command::Key(KeyCommand::Rotate) => cmd::keys::rotate(ctx, out),
        Command::Report(a) => cmd::report::report(a, ctx, out),
        Command::Export(a) => cmd::export::run(a, ctx, out),
        Command::Board(b) => cmd::board::run(b, ctx, out),
        Command::Identity(a) => cmd::trust::identity(a, ctx, out),
        Command::Directory(d) => cmd::trust::directory(d, ctx, out),
        Command::Partnership(p) => cmd::trust::partnership(p, ctx, out),
    }
}
