//! `escalate`: the command-line front end over Escalate's crates.

mod args;
mod commands;
mod error;
mod store_commands;
mod term;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before anything is read or written: owner-only files, no core dumps. Best
    // effort: a system that refuses one of them still gets the others.
    let _ = escalate_store::process::harden();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match commands::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(error::CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = out.flush();
            let stderr = std::io::stderr();
            let mut err = stderr.lock();
            let _ = writeln!(err, "{e}");
            ExitCode::from(e.exit_code())
        }
    }
}
