//! Commands over the encrypted store.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use escalate_core::protocol::RecordField;
use escalate_core::{Sector, TransitionError};
use escalate_store::{
    backup, CaseFilter, KeyStore, NewCase, NoKeyring, OsKeyring, Participant, Passphrase, Profile,
    StageRecordInput, Store, StoreError, MAX_STAGE_RECORD_JSON_BYTES,
};

use crate::args::{
    AuditCommand, CaseCommand, Command, KeyCommand, PassphraseCommand, StageCommand, StoreArgs,
};
use crate::commands::{parse_calendar, parse_date, parse_moment};
use crate::error::CliError;
use crate::term::clean;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)
}

/// The clock: the one place Escalate asks the time, unless `--now` says otherwise.
#[allow(clippy::disallowed_methods)]
pub(crate) fn now(args: &StoreArgs) -> Result<NaiveDateTime, CliError> {
    match &args.now {
        Some(s) => Ok(parse_moment("--now", s)?.0),
        None => Ok(chrono::Local::now().naive_local()),
    }
}

fn data_dir(args: &StoreArgs) -> Result<PathBuf, CliError> {
    match &args.data_dir {
        Some(d) => Ok(d.clone()),
        None => dirs::data_dir()
            .map(|d| d.join("escalate"))
            .ok_or(CliError::Invalid {
                option: "--data-dir",
                message:
                    "there is no platform data folder here: give --data-dir or ESCALATE_DATA_DIR"
                        .to_owned(),
            }),
    }
}

/// The recovery passphrase from `--passphrase-file` or ESCALATE_PASSPHRASE, if given.
fn passphrase(args: &StoreArgs) -> Result<Option<Passphrase>, CliError> {
    read_secret(
        args.passphrase_file.as_deref(),
        "ESCALATE_PASSPHRASE",
        "--passphrase-file",
    )
}

fn read_secret(
    file: Option<&Path>,
    env: &str,
    option: &'static str,
) -> Result<Option<Passphrase>, CliError> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|source| CliError::Io {
            path: f.display().to_string(),
            source,
        })?;
        return Ok(Some(Passphrase::new(text)));
    }
    match std::env::var(env) {
        Ok(v) if !v.is_empty() => Ok(Some(Passphrase::new(v))),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Invalid {
            option,
            message: format!("{env} is not valid text"),
        }),
    }
}

fn keys(args: &StoreArgs) -> Box<dyn KeyStore> {
    if args.no_keyring {
        Box::new(NoKeyring)
    } else {
        Box::new(OsKeyring::default())
    }
}

/// Open: the keyring first, then the recovery passphrase if one was given.
async fn open(args: &StoreArgs, keys: &dyn KeyStore) -> Result<Store, CliError> {
    let dir = data_dir(args)?;
    let pass = passphrase(args)?;
    let store = match Store::open(&dir, None, keys).await {
        Ok(s) => s,
        Err(StoreError::PassphraseNeeded | StoreError::Keyring { .. }) if pass.is_some() => {
            Store::open(&dir, pass.as_ref(), keys).await?
        }
        Err(e) => return Err(e.into()),
    };
    report_notices(&store);
    Ok(store)
}

fn report_notices(store: &Store) {
    for n in &store.notices {
        let _ = writeln!(std::io::stderr(), "escalate: note: {n}");
    }
}

fn sector(option: &'static str, s: Option<&str>) -> Result<Option<Sector>, CliError> {
    s.map(|s| {
        s.parse::<Sector>().map_err(|e| CliError::Invalid {
            option,
            message: e.to_string(),
        })
    })
    .transpose()
}

fn need_passphrase(p: Option<Passphrase>, why: &str) -> Result<Passphrase, CliError> {
    p.ok_or_else(|| CliError::Invalid {
        option: "--passphrase-file",
        message: format!(
            "{why} needs the recovery passphrase: give ESCALATE_PASSPHRASE or --passphrase-file"
        ),
    })
}

pub fn run(command: Command, args: &StoreArgs, out: &mut impl Write) -> Result<(), CliError> {
    let rt = runtime()?;
    let keys = keys(args);
    rt.block_on(async {
        let now = now(args)?;
        match command {
            Command::Init(a) => {
                let profile = Profile {
                    name: a.name,
                    designation: a.designation,
                    agency: a.agency,
                    sector: sector("--sector", Some(&a.sector))?.unwrap_or(Sector::Other),
                    protocol_id: a.protocol,
                    calendar: parse_calendar("--calendar", &a.calendar)?,
                    auto_lock_minutes: 10,
                };
                let pass = need_passphrase(passphrase(args)?, "creating a store")?;
                let dir = data_dir(args)?;
                let store = Store::create(&dir, profile, &pass, keys.as_ref(), now).await?;
                report_notices(&store);
                writeln!(out, "{}", dir.display())?;
                store.close().await;
                Ok(())
            }
            Command::Case(c) => case(c, args, keys.as_ref(), now, out).await,
            Command::Stage(StageCommand::Record(a)) => {
                let input = match &a.file {
                    Some(f) => stage_record_file(f)?,
                    None => StageRecordInput {
                        discussed_at: a.discussed.as_deref().map(|d| parse_moment("--discussed", d).map(|m| m.0)).transpose()?,
                        participants: a
                            .participants
                            .iter()
                            .map(|p| Participant::parse(p))
                            .collect::<Result<_, _>>()?,
                        summary: a.summary.clone().unwrap_or_default(),
                        agreed: a.agreed.clone().unwrap_or_default(),
                        resolved: a.resolved,
                        extra: record_fields(&a.fields)?,
                        ..StageRecordInput::default()
                    },
                };
                let store = open(args, keys.as_ref()).await?;
                let id = store.record_stage(&a.reference, input, now).await;
                store.close().await;
                let id = id.map_err(|e| field_not_used(e, !a.fields.is_empty()))?;
                writeln!(out, "recorded {id}")?;
                Ok(())
            }
            Command::Audit(AuditCommand::Verify { json }) => {
                let store = open(args, keys.as_ref()).await?;
                let report = store.verify_audit().await;
                let caches = escalate_api::cases::check_caches(&store).await;
                store.close().await;
                let report = report?;
                let caches = caches?;
                if json {
                    serde_json::to_writer_pretty(&mut *out, &report)?;
                    writeln!(out)?;
                }
                if let Some(b) = &report.first_broken {
                    return Err(CliError::AuditBroken(format!(
                        "the audit trail is broken at entry {} (seq {}): {}",
                        b.position, b.seq, b.reason
                    )));
                }
                if !json {
                    writeln!(out, "ok: {} entries, head {}", report.entries, report.head)?;
                }
                // Each case's cached state must be the replay of its log.
                match &caches.first_mismatch {
                    None => {
                        if !json {
                            writeln!(out, "caches: ok")?;
                        }
                        Ok(())
                    }
                    Some(m) => Err(CliError::AuditBroken(format!(
                        "caches: case {} differs from its log: {}",
                        clean(&m.reference),
                        clean(&m.reason)
                    ))),
                }
            }
            Command::Backup { out: file } => {
                let store = open(args, keys.as_ref()).await?;
                let size = store.backup(&file).await;
                store.close().await;
                writeln!(out, "{}\t{} bytes", file.display(), size?)?;
                Ok(())
            }
            Command::Restore { file } => {
                let pass = need_passphrase(passphrase(args)?, "restoring a backup")?;
                let dir = data_dir(args)?;
                let store = backup::restore(&file, &dir, &pass, keys.as_ref()).await?;
                store.close().await;
                writeln!(out, "{}", dir.display())?;
                Ok(())
            }
            Command::Passphrase(PassphraseCommand::Change { new_passphrase_file }) => {
                let current = need_passphrase(passphrase(args)?, "changing the passphrase")?;
                let new = read_secret(new_passphrase_file.as_deref(), "ESCALATE_NEW_PASSPHRASE", "--new-passphrase-file")?
                    .ok_or(CliError::Invalid {
                        option: "--new-passphrase-file",
                        message: "give the new passphrase with ESCALATE_NEW_PASSPHRASE or --new-passphrase-file".to_owned(),
                    })?;
                let store = open(args, keys.as_ref()).await?;
                let r = store.change_passphrase(&current, &new, now).await;
                store.close().await;
                r?;
                writeln!(out, "ok")?;
                Ok(())
            }
            Command::Key(KeyCommand::Rotate) => {
                let pass = need_passphrase(passphrase(args)?, "rotating the key")?;
                let mut store = open(args, keys.as_ref()).await?;
                let r = store.rotate_key(&pass, keys.as_ref(), now).await;
                report_notices(&store);
                store.close().await;
                r?;
                writeln!(out, "ok")?;
                Ok(())
            }
            Command::Report(a) => {
                let form = parse_form(&a.form)?;
                let store = open(args, keys.as_ref()).await?;
                let made = report(&store, &a, form, now).await;
                store.close().await;
                let pdf = made?;
                save(&a.out, &pdf)?;
                writeln!(out, "{}\t{} bytes", a.out.display(), pdf.len())?;
                Ok(())
            }
            Command::Export(a) => export(a, args, keys.as_ref(), now, out).await,
            Command::Board(b) => board(b, args, keys.as_ref(), now, out).await,
            _ => Ok(()),
        }
    })
}

/// `stage record --file`: read through a bound, parsed in the store's one place, and
/// refused by field path and position, never with a value.
fn stage_record_file(f: &Path) -> Result<StageRecordInput, CliError> {
    let text = crate::commands::read_text_file(
        f,
        MAX_STAGE_RECORD_JSON_BYTES as u64,
        "a stage record file (JSON)",
        "1 MiB",
    )?;
    StageRecordInput::from_json(&text).map_err(|e| CliError::Invalid {
        option: "--file",
        message: format!("{} is not a stage record: {e}", f.display()),
    })
}

/// `--field ID=TEXT`, each ID a record field and given once. The text is never
/// echoed: it is about a child.
fn record_fields(given: &[String]) -> Result<BTreeMap<RecordField, String>, CliError> {
    let invalid = |message: String| CliError::Invalid {
        option: "--field",
        message,
    };
    let ids = || RecordField::ALL.map(RecordField::as_str).join(", ");
    let mut fields = BTreeMap::new();
    for (i, g) in given.iter().enumerate() {
        let nth = i + 1;
        let Some((id, text)) = g.split_once('=') else {
            return Err(invalid(format!(
                "field {nth} has no '=': give ID=TEXT, e.g. --field risk-analysis=\"…\""
            )));
        };
        let Some(field) = RecordField::ALL
            .into_iter()
            .find(|f| f.as_str() == id.trim())
        else {
            return Err(invalid(format!(
                "field {nth}: the ID before '=' is not a record field: use one of {} (`escalate protocol show` lists the fields each stage's record uses)",
                ids()
            )));
        };
        if text.trim().is_empty() {
            return Err(invalid(format!(
                "{field} has no text: give it after '=', e.g. --field {field}=\"…\""
            )));
        }
        if fields.insert(field, text.to_owned()).is_some() {
            return Err(invalid(format!(
                "{field} is given twice: give each field once"
            )));
        }
    }
    Ok(fields)
}

/// A `--field` the stage's record does not use is the option's fault.
fn field_not_used(e: StoreError, from_option: bool) -> CliError {
    match e {
        StoreError::Transition(TransitionError::FieldNotInRecord { field, allowed })
            if from_option =>
        {
            CliError::Invalid {
                option: "--field",
                message: format!("this stage's record does not use '{field}': it uses {allowed}"),
            }
        }
        e => e.into(),
    }
}

/// What opens export packages: the Board's age identity file (--identity), or the
/// packages' passphrase (--passphrase-file or ESCALATE_EXPORT_PASSPHRASE).
struct PackageSecret {
    identity: Option<String>,
    passphrase: Option<Passphrase>,
}

impl PackageSecret {
    fn read(identity: Option<&Path>, args: &StoreArgs) -> Result<PackageSecret, CliError> {
        let identity = identity
            .map(|p| {
                std::fs::read_to_string(p).map_err(|source| CliError::Io {
                    path: p.display().to_string(),
                    source,
                })
            })
            .transpose()?;
        Ok(PackageSecret {
            identity,
            passphrase: package_passphrase(args)?,
        })
    }

    fn key(&self) -> Result<escalate_report::export::Key<'_>, CliError> {
        use escalate_report::export::Key;
        match (&self.identity, &self.passphrase) {
            (Some(t), _) => Ok(Key::Identity(t)),
            (None, Some(p)) => Ok(Key::Passphrase(p.expose())),
            (None, None) => Err(CliError::Invalid {
                option: "--identity",
                message: "give the Board's age identity file with --identity, or the packages' passphrase with --passphrase-file".to_owned(),
            }),
        }
    }
}

/// The package passphrase: --passphrase-file or ESCALATE_EXPORT_PASSPHRASE.
fn package_passphrase(args: &StoreArgs) -> Result<Option<Passphrase>, CliError> {
    read_secret(
        args.passphrase_file.as_deref(),
        "ESCALATE_EXPORT_PASSPHRASE",
        "--passphrase-file",
    )
}

async fn export(
    a: crate::args::ExportArgs,
    args: &StoreArgs,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use escalate_api::export;
    if let Some(crate::args::ExportCommand::Keygen { out: path }) = &a.open {
        let public = export::keygen(path, now).map_err(out_option)?;
        writeln!(out, "{public}")?;
        return Ok(());
    }
    if let Some(crate::args::ExportCommand::Open {
        file,
        identity,
        extract,
        json,
    }) = a.open
    {
        let secret = PackageSecret::read(identity.as_deref(), args)?;
        let key = secret.key()?;
        let package = export::open_package(&file, key, now)?;
        if let Some(dir) = extract {
            export::extract(&package, &dir).map_err(out_option)?;
        }
        if json {
            serde_json::to_writer_pretty(&mut *out, &package.monitoring)?;
            writeln!(out)?;
        } else {
            let m = &package.monitoring;
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                clean(&m.reference),
                clean(&m.protocol.id),
                clean(m.status.as_str()),
                clean(&m.child.name)
            )?;
            for (name, size) in &package.files {
                writeln!(out, "{}\t{size} bytes", clean(name))?;
            }
        }
        return Ok(());
    }
    let (Some(reference), Some(file)) = (a.reference, a.out) else {
        return Err(CliError::Invalid {
            option: "export",
            message: "give the case reference and --out FILE".to_owned(),
        });
    };
    let pass = package_passphrase(args)?;
    let seal = export::seal_with(&a.recipients, pass.as_ref().map(|p| p.expose()))
        .map_err(|e| as_option(e, "recipient", "--recipient"))?;
    // --passphrase-file is the package's here, so the store unlocks without it.
    let store_args = StoreArgs {
        passphrase_file: None,
        ..args.clone()
    };
    let store = open(&store_args, keys).await?;
    let form = a.form.as_deref().map(parse_form).transpose()?;
    let made = export::package(
        &store,
        &reference,
        export::PackageRequest {
            form,
            effectiveness: &a.effectiveness,
            minimise: a.minimise,
            seal,
            now,
        },
    )
    .await;
    store.close().await;
    let package = made?;
    save(&file, &package)?;
    writeln!(out, "{}\t{} bytes", file.display(), package.len())?;
    Ok(())
}

fn parse_form(s: &str) -> Result<escalate_core::FormId, CliError> {
    escalate_core::FormId::ALL
        .into_iter()
        .find(|f| f.as_str() == s)
        .ok_or_else(|| CliError::Invalid {
            option: "--form",
            message: format!("'{s}' is not a form: use rpd-report, monitoring-form, escalation-form, stage-record or chronology"),
        })
}

async fn report(
    store: &Store,
    a: &crate::args::ReportArgs,
    form: escalate_core::FormId,
    now: NaiveDateTime,
) -> Result<Vec<u8>, CliError> {
    let opts = escalate_report::ReportOptions {
        form,
        stage: a.stage,
        effectiveness: a.effectiveness.clone(),
        notes: a.notes.clone(),
        generated_at: now,
    };
    Ok(escalate_api::reports::render(store, &a.reference, &opts).await?)
}

/// A refusal of the field the command line gives as `option`, named as the option, as
/// every other refusal of an option reads (`escalate: --to: …`).
fn as_option(e: escalate_api::ApiError, field: &str, option: &'static str) -> CliError {
    if e.field.as_deref() != Some(field) {
        return CliError::Api(e);
    }
    let message = e
        .message
        .strip_prefix(field)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(&e.message)
        .to_owned();
    CliError::Invalid { option, message }
}

/// A file the CLI writes is named by `--out` (or the option that names it).
fn out_option(e: escalate_api::ApiError) -> CliError {
    as_option(e, "out", "--out")
}

/// Write a file the user named: a new file, readable by the user alone, never over an
/// existing one (reports, packages and extracts carry case data).
fn save(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    escalate_api::reports::save(path, bytes).map_err(out_option)
}

async fn case(
    c: CaseCommand,
    args: &StoreArgs,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
    out: &mut impl Write,
) -> Result<(), CliError> {
    // Parse everything before the store is opened: bad input never reaches it.
    let store = match &c {
        CaseCommand::New(_) => None,
        _ => Some(open(args, keys).await?),
    };
    let result = case_on(c, store.as_ref(), args, keys, now, out).await;
    if let Some(s) = store {
        s.close().await;
    }
    result
}

async fn case_on(
    c: CaseCommand,
    store: Option<&Store>,
    args: &StoreArgs,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let need = || {
        store.ok_or(CliError::Invalid {
            option: "case",
            message: "no store".to_owned(),
        })
    };
    match c {
        CaseCommand::New(a) => {
            let a = *a;
            let new = NewCase {
                child_name: a.child_name,
                child_dob: a
                    .child_dob
                    .as_deref()
                    .map(|d| parse_date("--child-dob", d))
                    .transpose()?,
                child_identifiers: a.child_identifiers,
                category: a.category,
                summary: a.summary,
                raising_agency: a.raising_agency,
                raising_sector: sector("--raising-sector", a.raising_sector.as_deref())?,
                raising_professional: a.raising_professional,
                receiving_agency: a.receiving_agency,
                receiving_sector: sector("--receiving-sector", a.receiving_sector.as_deref())?,
                receiving_professional: a.receiving_professional,
                protocol: a.protocol,
                opened_at: a
                    .opened
                    .as_deref()
                    .map(|o| parse_moment("--opened", o).map(|m| m.0))
                    .transpose()?,
                immediate_risk: a.immediate_risk,
                stage: a.stage,
            };
            let store = open(args, keys).await?;
            let r = store.create_case(new, now).await;
            store.close().await;
            writeln!(out, "{}", r?)?;
        }
        CaseCommand::List { all, search, json } => {
            let filter = if all {
                CaseFilter::All
            } else {
                CaseFilter::Open
            };
            let list = need()?.list_cases(filter, search.as_deref(), now).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list)?;
                writeln!(out)?;
            } else {
                for c in list {
                    let due = c.next_due.map_or("-".to_owned(), |d| d.to_string());
                    let status = if c.state == "open" {
                        c.urgency.words()
                    } else {
                        c.state.to_string()
                    };
                    writeln!(
                        out,
                        "{}\t{}\t{}\tStage {}\t{}\t{} → {}",
                        clean(&c.reference),
                        clean(&status),
                        due,
                        c.stage,
                        clean(&c.child_name),
                        clean(&c.raising_agency),
                        clean(&c.receiving_agency)
                    )?;
                }
            }
        }
        CaseCommand::Show { reference, json } => {
            let d = escalate_api::cases::detail(need()?, &reference, now).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &d)?;
                writeln!(out)?;
            } else {
                show_case(&d, out)?;
            }
        }
        CaseCommand::Chronology { reference, json } => {
            let entries = escalate_api::cases::chronology(need()?, &reference, now).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &entries)?;
                writeln!(out)?;
            } else {
                for e in entries {
                    writeln!(
                        out,
                        "{}\t{}\t{}{}",
                        e.at.format("%Y-%m-%d %H:%M"),
                        clean(e.kind.as_str()),
                        clean(&e.text),
                        if e.overdue { "\tOVERDUE" } else { "" }
                    )?;
                }
            }
        }
        CaseCommand::Escalate {
            reference,
            to_stage,
            reason,
        } => {
            let stage = need()?
                .escalate(&reference, to_stage, reason.as_deref(), now)
                .await
                .map_err(|e| CliError::escalation(&reference, e))?;
            writeln!(out, "{reference}\tStage {stage}")?;
        }
        CaseCommand::Resolve { reference, outcome } => {
            need()?.resolve(&reference, &outcome, now).await?;
            writeln!(out, "{reference}\tresolved")?;
        }
        CaseCommand::Withdraw { reference, reason } => {
            need()?.withdraw(&reference, &reason, now).await?;
            writeln!(out, "{reference}\twithdrawn")?;
        }
        CaseCommand::Redirect {
            reference,
            exclusion,
        } => {
            let to = need()?.redirect(&reference, &exclusion, now).await?;
            writeln!(out, "{reference}\tredirected\t{to}")?;
        }
        CaseCommand::Notified {
            reference,
            notification,
            stage,
            sent,
            note,
        } => {
            let sent = match sent {
                Some(s) => parse_moment("--sent", &s)?.0,
                None => now,
            };
            need()?
                .mark_sent(&reference, stage, &notification, sent, &note, now)
                .await?;
            writeln!(out, "{reference}\t{notification}\tsent")?;
        }
        CaseCommand::Shorten {
            reference,
            due,
            reason,
        } => {
            let (due, _) = parse_moment("--due", &due)?;
            need()?
                .shorten_deadline(&reference, due, &reason, now)
                .await?;
            writeln!(out, "{reference}\tdue {}", due.format("%Y-%m-%dT%H:%M"))?;
        }
    }
    Ok(())
}

fn show_case(d: &escalate_store::CaseDetail, out: &mut impl Write) -> Result<(), CliError> {
    let s = &d.status;
    writeln!(out, "{}\t{}", clean(&d.reference), clean(&d.child_name))?;
    writeln!(
        out,
        "Protocol: {} (version {})",
        clean(&d.protocol_id),
        clean(&d.protocol_version)
    )?;
    writeln!(
        out,
        "Status: {} — Stage {}: {}",
        clean(d.state.as_str()),
        s.stage,
        clean(s.stage_title)
    )?;
    writeln!(
        out,
        "Raising: {}{}",
        clean(&d.raising_agency),
        d.raising_professional
            .as_deref()
            .map(|p| format!(" ({})", clean(p)))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "Receiving: {}{}",
        clean(&d.receiving_agency),
        d.receiving_professional
            .as_deref()
            .map(|p| format!(" ({})", clean(p)))
            .unwrap_or_default()
    )?;
    writeln!(out, "Category: {}", clean(&d.category))?;
    writeln!(out, "Opened: {}", d.opened_at.format("%Y-%m-%d %H:%M"))?;
    if let Some(r) = &d.immediate_risk {
        writeln!(out, "Immediate risk: {}", clean(r))?;
    }
    writeln!(out, "Summary: {}", clean(&d.summary))?;
    if let Some(o) = &d.outcome {
        writeln!(out, "Outcome: {}", clean(o))?;
    }
    writeln!(out, "Next step: {}", clean(s.next_step))?;
    for c in &s.contacts {
        writeln!(out, "Contact ({}): {}", kebab(&c.side), clean(c.who))?;
    }
    for dl in &s.deadlines {
        let due = match dl.due {
            escalate_core::Due::WithoutDelay => "without delay".to_owned(),
            escalate_core::Due::NoLimit => "no limit".to_owned(),
            escalate_core::Due::EndOfDay(day) => day.format("%Y-%m-%d").to_string(),
            escalate_core::Due::At(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        };
        let to = dl
            .to
            .map(|t| format!(" to {}", clean(t)))
            .unwrap_or_default();
        writeln!(
            out,
            "Due {due}\t{}{}\t{}\t[{}]",
            clean(dl.id),
            to,
            clean(dl.what),
            kebab(&dl.urgency)
        )?;
    }
    for f in &s.forms {
        writeln!(
            out,
            "Form: {} on {}{}",
            f.form.form,
            f.form.on.as_str(),
            if f.owed { " (owed)" } else { "" }
        )?;
    }
    for r in &d.records {
        writeln!(
            out,
            "Record {} — Stage {} — {}{}: {}",
            r.id,
            r.stage,
            r.discussed_at.format("%Y-%m-%d %H:%M"),
            if r.resolved { " (resolved)" } else { "" },
            clean(&r.summary)
        )?;
    }
    Ok(())
}

/// A value's serde name (`both`, `overdue`), as the JSON output spells it.
fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

async fn board(
    b: crate::args::BoardCommand,
    args: &StoreArgs,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
    out: &mut impl Write,
) -> Result<(), CliError> {
    use escalate_api::board;
    // --passphrase-file is the packages' here, so the store unlocks without it.
    let store_args = StoreArgs {
        passphrase_file: None,
        ..args.clone()
    };
    match b {
        crate::args::BoardCommand::Import { paths, identity } => {
            let secret = PackageSecret::read(identity.as_deref(), args)?;
            let key = secret.key()?;
            let mut files = Vec::new();
            for p in paths {
                if p.is_dir() {
                    let mut found: Vec<PathBuf> = std::fs::read_dir(&p)
                        .map_err(|source| CliError::Io {
                            path: p.display().to_string(),
                            source,
                        })?
                        .flatten()
                        .map(|e| e.path())
                        .filter(|f| f.is_file())
                        .collect();
                    found.sort();
                    files.extend(found);
                } else {
                    files.push(p);
                }
            }
            let store = open(&store_args, keys).await?;
            let summary = board::import_files(&store, &files, key, now, |done, all| {
                if all >= 1000 {
                    let _ = writeln!(std::io::stderr(), "escalate: imported {done} of {all}");
                }
            })
            .await;
            store.close().await;
            let summary = summary?;
            for r in &summary.files {
                let word = r
                    .outcome
                    .as_ref()
                    .map_or_else(|| "refused".to_owned(), kebab);
                // File names come from whoever filled the folder.
                match &r.refused {
                    Some(why) => writeln!(out, "{}\trefused: {}", clean(&r.file), clean(why))?,
                    None => writeln!(out, "{}\t{word}", clean(&r.file))?,
                }
            }
            writeln!(
                out,
                "{} files: {} new, {} replaced, {} duplicate, {} older, {} refused",
                summary.files.len(),
                summary.new,
                summary.replaced,
                summary.duplicate,
                summary.older,
                summary.refused
            )?;
            if summary.refused > 0 {
                return Err(CliError::Invalid {
                    option: "import",
                    message: "some packages were refused (listed above); the others were imported"
                        .to_owned(),
                });
            }
            Ok(())
        }
        crate::args::BoardCommand::List { json } => {
            let store = open(&store_args, keys).await?;
            let list = board::packages(&store).await;
            store.close().await;
            let list = list?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &list)?;
                writeln!(out)?;
            } else {
                for p in &list {
                    writeln!(
                        out,
                        "{}\t{}\t{}\texported {}\t{}\timported {}\t{}",
                        p.id,
                        clean(&p.source_agency),
                        clean(&p.reference),
                        p.exported_at.format("%Y-%m-%dT%H:%M:%S"),
                        if p.current { "current" } else { "older" },
                        p.imported_at.format("%Y-%m-%dT%H:%M:%S"),
                        clean(&p.file_name)
                    )?;
                }
            }
            Ok(())
        }
        crate::args::BoardCommand::Remove { id } => {
            let store = open(&store_args, keys).await?;
            let removed = board::remove(&store, id, now).await;
            store.close().await;
            let removed = removed?;
            writeln!(
                out,
                "removed {}\t{}\t{}\texported {}",
                removed.id,
                clean(&removed.source_agency),
                clean(&removed.reference),
                removed.exported_at.format("%Y-%m-%dT%H:%M:%S")
            )?;
            Ok(())
        }
        crate::args::BoardCommand::Report {
            from,
            to,
            json,
            csv,
            out: pdf_out,
        } => {
            let from = parse_date("--from", &from)?;
            let to = parse_date("--to", &to)?;
            board::period(from, to).map_err(|e| as_option(e, "to", "--to"))?;
            let selection = board::Selection {
                from,
                to,
                agency: None,
                protocol: None,
            };
            let store = open(&store_args, keys).await?;
            let made = match board::figures(&store, &selection, now).await {
                Ok(f) => match &pdf_out {
                    Some(_) => board::report_pdf(&store, &f, now).map(|pdf| (f, Some(pdf))),
                    None => Ok((f, None)),
                },
                Err(e) => Err(e),
            };
            store.close().await;
            let (f, pdf) = made?;
            if let Some(path) = &csv {
                save(path, board::report_csv(&f).as_bytes())?;
            }
            if let (Some(path), Some(pdf)) = (&pdf_out, &pdf) {
                save(path, pdf)?;
            }
            if json {
                serde_json::to_writer_pretty(&mut *out, &f)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "Cases opened {} to {}: {} ({} resolved)",
                    f.from, f.to, f.total, f.resolved
                )?;
                let med = f
                    .median_working_days
                    .map(|m| format!("{m}"))
                    .unwrap_or_else(|| "-".to_owned());
                writeln!(out, "Median working days to resolution: {med}")?;
                if let Some(share) = f.share_within_timescale {
                    writeln!(
                        out,
                        "Stages within timescale: {}/{} ({:.0}%)",
                        f.stages_within_timescale,
                        f.stages_with_timescale,
                        share * 100.0
                    )?;
                }
                for (title, map) in [
                    ("Raising agency", &f.by_raising_agency),
                    ("Receiving agency", &f.by_receiving_agency),
                    ("Stage resolved", &f.by_stage_resolved),
                ] {
                    writeln!(out, "{title}:")?;
                    for (k, v) in map {
                        writeln!(out, "  {}\t{v}", clean(k))?;
                    }
                }
            }
            Ok(())
        }
    }
}
