//! The export package for the Board administrator: one file holding the report PDF,
//! `monitoring.json` (schema in docs/export-format.md and docs/export-schema.json), one
//! CSV row and, from `escalate-monitoring/2`, the protocol file the case ran under, in a
//! tar, encrypted with age to the Board's public key or a passphrase.

use std::io::{Read, Write};

use chrono::{Datelike, NaiveDateTime, Timelike};
use escalate_core::engine::due_after;
use escalate_core::model::{CaseDetail, PackageProtocol, Profile};
use escalate_core::protocol::{Anchor, MAX_PROTOCOL_FILE_BYTES};
use escalate_core::{Calendar, DeadlineId, Due, Limit, Protocol, StateKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use escalate_trust::{
    Manifest, PublicKey, SignedManifest, SigningKey, MANIFEST_NAME, MAX_MANIFEST, MAX_SIGNATURE,
    PACKAGE_FORMAT, SIGNATURE_NAME,
};

use crate::schema::{self, Violation};
use crate::ReportError;

/// The version of `monitoring.json` this build writes. It reads this and [`SCHEMA_1`].
pub const SCHEMA: &str = "escalate-monitoring/2";
/// The first version, which carried no protocol file: still read.
pub const SCHEMA_1: &str = "escalate-monitoring/1";
pub const PDF_NAME: &str = "report.pdf";
pub const JSON_NAME: &str = "monitoring.json";
pub const CSV_NAME: &str = "monitoring.csv";
/// The protocol file the case ran under (`escalate-monitoring/2` packages).
pub const PROTOCOL_NAME: &str = "protocol.toml";
/// Largest package `open` (and the Board's import) will take: a report and a few KB of
/// JSON. Whoever reads a package file checks its size from the metadata before reading
/// and reads through this bound (escalate-api's `export::read_package_file`).
pub const MAX_PACKAGE: u64 = 64 * 1024 * 1024;
/// The largest each file inside a package may declare, checked from its tar header
/// before a byte of it is read. `monitoring.json` at its schema's limits is under
/// 200 KB; the CSV row under 20 KB.
pub const MAX_PDF: u64 = 60 * 1024 * 1024;
pub const MAX_JSON: u64 = 1024 * 1024;
pub const MAX_CSV: u64 = 256 * 1024;
/// A protocol file's own limit (the shipped ones are under 20 KiB).
pub const MAX_PROTOCOL: u64 = MAX_PROTOCOL_FILE_BYTES as u64;
/// scrypt work factor (N = 2^18: 256 MiB, about a second) for passphrase packages, and
/// the most `open` accepts (2^20: 1 GiB). age's own default is whatever takes a second
/// on the sealing machine, up to 16 times more to open: a hostile package could ask
/// for gigabytes.
const SCRYPT_LOG_N: u8 = 18;
const SCRYPT_MAX_LOG_N: u8 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    pub schema: String,
    pub exported_at: NaiveDateTime,
    pub exported_by: Person,
    pub reference: String,
    pub protocol: ProtocolRef,
    /// The route the case is on (its id; the standard route's for a protocol without
    /// routes). `escalate-monitoring/2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Child's name as initials and date of birth as a year.
    pub minimised: bool,
    pub child: Child,
    pub category: String,
    pub raising: Party,
    pub receiving: Party,
    pub opened_at: NaiveDateTime,
    pub status: StateKind,
    /// The highest stage the case reached.
    pub stage_reached: u8,
    pub stage_resolved: Option<u8>,
    pub closed_at: Option<NaiveDateTime>,
    /// From the outset to resolution; absent while unresolved.
    pub calendar_days: Option<i64>,
    pub working_days: Option<u32>,
    pub immediate_risk: bool,
    pub stages: Vec<StageTiming>,
    /// Stages gone past by a recorded decision. `escalate-monitoring/2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Vec<SkipTiming>>,
    pub outcome: Option<String>,
    pub effectiveness: String,
}

impl Monitoring {
    /// The version this record follows: [`SCHEMA`] or [`SCHEMA_1`].
    pub fn version(&self) -> &'static str {
        if self.schema == SCHEMA {
            SCHEMA
        } else {
            SCHEMA_1
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub designation: String,
    pub agency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolRef {
    pub id: String,
    pub version: String,
    pub partnership: String,
    /// SHA-256 of the protocol file the package carries (`protocol.toml`), lower-case
    /// hex. `escalate-monitoring/2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    pub name: String,
    /// `YYYY-MM-DD`, or `YYYY` when minimised.
    pub date_of_birth: Option<String>,
    /// Left out when minimised.
    pub identifiers: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub agency: String,
    pub sector: Option<String>,
}

/// One stage the case was at, and whether it kept to the protocol's timescale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageTiming {
    pub stage: u8,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    /// The stage's deadline (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`), where it has one.
    pub due: Option<String>,
    /// Ended by its deadline; `null` when it has none or has not ended.
    pub within_timescale: Option<bool>,
    /// Its timescale was extended by agreement (`escalate-monitoring/2`; left out when
    /// it was not): the Board counts these apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionTiming>,
}

/// A stage's timescale extended by agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionTiming {
    /// The agreed new due (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`).
    pub due: String,
    /// Ended by the agreed due; `null` while it has not ended.
    pub within: Option<bool>,
}

/// Stages a case went past by a recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipTiming {
    pub at: NaiveDateTime,
    /// The stage left; `null` when the case opened above its route's first stage.
    pub from: Option<u8>,
    pub to: u8,
    /// The stages gone past, in order.
    pub stages: Vec<u8>,
    /// The role of who decided, where the protocol names one.
    pub role: Option<String>,
}

/// Initials of a name: "Siân Llŷr Ŵyn" becomes "S. L. Ŵ.".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// To the second: the schema's times are `YYYY-MM-DDTHH:MM:SS`, and the clock gives
/// nanoseconds.
fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Build `monitoring.json` for a case.
pub fn monitoring(
    profile: &Profile,
    case: &CaseDetail,
    protocol: &Protocol,
    calendar: &Calendar,
    effectiveness: &str,
    minimise: bool,
    now: NaiveDateTime,
) -> Monitoring {
    let resolved = case.state == "resolved";
    let end = case.closed_at.filter(|_| resolved);
    let engine = &case.engine;
    let ended_by = |ended: Option<NaiveDateTime>, due: Option<Due>| match (due, ended) {
        (Some(Due::EndOfDay(d)), Some(x)) => Some(x.date() <= d),
        (Some(Due::At(t)), Some(x)) => Some(x <= t),
        _ => None,
    };
    let stages = engine
        .stages
        .iter()
        .map(|e| {
            let ended = e.left_at.or(if e.stage == engine.current_stage() {
                case.closed_at
            } else {
                None
            });
            // The stage's timescale on the route it was on.
            let due = protocol
                .route(e.route.as_deref())
                .and_then(|r| r.timescale(e.stage))
                .and_then(|t| {
                    if t.within == Limit::None {
                        return None;
                    }
                    let from = match t.from {
                        Anchor::CaseStart => engine.opened_at,
                        Anchor::Receipt => e.received_at.unwrap_or(e.started_at),
                        _ => e.started_at,
                    };
                    due_after(t.within, from, calendar).ok()
                });
            let extension = engine
                .extensions
                .iter()
                .rev()
                .find(|x| {
                    x.deadline == DeadlineId::Timescale
                        && x.stage == Some(e.stage)
                        && x.route == e.route
                })
                .filter(|x| x.to.date().is_some())
                .map(|x| ExtensionTiming {
                    due: x.to.to_string(),
                    within: ended_by(ended, Some(x.to)),
                });
            StageTiming {
                stage: e.stage,
                started_at: whole_seconds(e.started_at),
                ended_at: ended.map(whole_seconds),
                due: due.filter(|d| d.date().is_some()).map(|d| d.to_string()),
                within_timescale: ended_by(ended, due),
                extension,
            }
        })
        .collect();
    let skipped = engine
        .skips
        .iter()
        .map(|k| SkipTiming {
            at: whole_seconds(k.at),
            from: k.from,
            to: k.to,
            stages: k.stages.clone(),
            role: k.decision.role.clone(),
        })
        .collect();
    let route = protocol
        .route(engine.route.as_deref())
        .map_or_else(|| protocol.standard_route_id(), |r| r.id())
        .to_owned();
    Monitoring {
        schema: SCHEMA.to_owned(),
        exported_at: whole_seconds(now),
        exported_by: Person {
            name: profile.name.clone(),
            designation: profile.designation.clone(),
            agency: profile.agency.clone(),
        },
        reference: case.reference.clone(),
        protocol: ProtocolRef {
            id: protocol.id.clone(),
            version: case.protocol_version.clone(),
            partnership: protocol.partnership.clone(),
            sha256: Some(case.protocol_sha256.clone()),
        },
        route: Some(route),
        minimised: minimise,
        child: Child {
            name: if minimise {
                initials(&case.child_name)
            } else {
                case.child_name.clone()
            },
            date_of_birth: case.child_dob.map(|d| {
                if minimise {
                    d.year().to_string()
                } else {
                    d.to_string()
                }
            }),
            identifiers: if minimise || case.child_identifiers.is_empty() {
                None
            } else {
                Some(case.child_identifiers.clone())
            },
        },
        category: case.category.clone(),
        raising: Party {
            agency: case.raising_agency.clone(),
            sector: engine.raising_sector.map(|s| s.as_str().to_owned()),
        },
        receiving: Party {
            agency: case.receiving_agency.clone(),
            sector: engine.receiving_sector.map(|s| s.as_str().to_owned()),
        },
        opened_at: whole_seconds(case.opened_at),
        status: case.state,
        stage_reached: engine.stages.iter().map(|e| e.stage).max().unwrap_or(0),
        stage_resolved: if resolved {
            Some(engine.current_stage())
        } else {
            None
        },
        closed_at: case.closed_at.map(whole_seconds),
        calendar_days: end.map(|e| (e.date() - case.opened_at.date()).num_days()),
        working_days: end.and_then(|e| {
            calendar
                .working_days_between(case.opened_at.date(), e.date())
                .ok()
        }),
        immediate_risk: case.immediate_risk.is_some(),
        stages,
        skipped: Some(skipped),
        outcome: case.outcome.clone(),
        effectiveness: effectiveness.trim().to_owned(),
    }
}

const CSV_HEADER: &[&str] = &[
    "reference",
    "protocol",
    "protocol_version",
    "partnership",
    "child",
    "raising_agency",
    "raising_sector",
    "receiving_agency",
    "receiving_sector",
    "category",
    "opened_at",
    "status",
    "stage_reached",
    "stage_resolved",
    "closed_at",
    "calendar_days",
    "working_days",
    "immediate_risk",
    "stages_with_timescale",
    "stages_within_timescale",
];

/// One CSV cell (RFC 4180 quoting). A cell a spreadsheet would run as a formula (it
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'` and
/// quotes, as OWASP advises, so `=HYPERLINK(…)` from a package shows as text.
pub fn csv_cell(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula {
        format!("\"'{}\"", s.replace('"', "\"\""))
    } else if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The CSV file: a header and one row.
pub fn csv(m: &Monitoring) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let timed = m
        .stages
        .iter()
        .filter(|s| s.within_timescale.is_some())
        .count();
    let within = m
        .stages
        .iter()
        .filter(|s| s.within_timescale == Some(true))
        .count();
    let row = [
        m.reference.clone(),
        m.protocol.id.clone(),
        m.protocol.version.clone(),
        m.protocol.partnership.clone(),
        m.child.name.clone(),
        m.raising.agency.clone(),
        opt(m.raising.sector.clone()),
        m.receiving.agency.clone(),
        opt(m.receiving.sector.clone()),
        m.category.clone(),
        m.opened_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        m.status.to_string(),
        m.stage_reached.to_string(),
        opt(m.stage_resolved.map(|s| s.to_string())),
        opt(m
            .closed_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())),
        opt(m.calendar_days.map(|d| d.to_string())),
        opt(m.working_days.map(|d| d.to_string())),
        m.immediate_risk.to_string(),
        timed.to_string(),
        within.to_string(),
    ];
    format!(
        "{}\r\n{}\r\n",
        CSV_HEADER.join(","),
        row.iter()
            .map(|f| csv_cell(f))
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// Who can open a package.
pub enum Seal<'a> {
    /// The Board's age public keys (`age1…`).
    Recipients(&'a [String]),
    /// A passphrase shared with the Board another way.
    Passphrase(&'a str),
}

impl std::fmt::Debug for Seal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seal::Recipients(r) => f.debug_tuple("Recipients").field(r).finish(),
            Seal::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
        }
    }
}

fn bad(field: &'static str, m: impl Into<String>) -> ReportError {
    ReportError::Export {
        field,
        message: m.into(),
    }
}

/// Put the files in a tar (fixed times and owners, so nothing about this laptop leaks)
/// and encrypt it: an `escalate-monitoring/1` record's package, which carries no
/// protocol file. A case's package is [`seal_package`].
/// A package the Board would refuse is refused here first, with the field to change.
pub fn seal(pdf: &[u8], m: &Monitoring, seal: Seal<'_>) -> Result<Vec<u8>, ReportError> {
    seal_package(pdf, m, None, seal, None)
}

/// Who signs a package: the agency's signing key and its name, which must be the
/// record's `exported_by.agency`.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub key: &'a SigningKey,
    pub agency: &'a str,
}

/// [`seal`] with the protocol file the case ran under (`protocol.toml`), which an
/// `escalate-monitoring/2` record must carry: its text must hash to the record's
/// `protocol.sha256` and be the version it names. A package the Board would refuse is
/// refused here first, with the field to change.
///
/// With a `signer`, the tar also holds `manifest.json` (the package's id, the sender,
/// the recipients, the time and the SHA-256 of every other file) and its minisign
/// signature `manifest.json.minisig`, signed before the tar is encrypted. Without one
/// it is a package as releases before signing wrote it, which a Board holds rather than
/// counts: only tests make those now.
pub fn seal_package(
    pdf: &[u8],
    m: &Monitoring,
    protocol: Option<&str>,
    seal: Seal<'_>,
    signer: Option<Signer<'_>>,
) -> Result<Vec<u8>, ReportError> {
    let value = serde_json::to_value(m).map_err(|e| bad("monitoring", e.to_string()))?;
    schema::check_value(&value)
        .and_then(|()| schema::check_record(m, None))
        .map_err(|v| {
            bad(
                "monitoring",
                format!(
                    "this case cannot be exported as {}: {}",
                    m.version(),
                    schema::describe(&v)
                ),
            )
        })?;
    match (m.version(), protocol) {
        (SCHEMA_1, Some(_)) => {
            return Err(bad(
                "protocol",
                format!("an {SCHEMA_1} package carries no protocol file"),
            ))
        }
        (SCHEMA_1, None) => {}
        (_, None) => {
            return Err(bad(
                "protocol",
                format!(
                    "an {SCHEMA} package carries the protocol file its case ran under: give it"
                ),
            ))
        }
        (_, Some(text)) => {
            check_protocol(m, text.as_bytes()).map_err(|why| bad("protocol", why))?;
        }
    }
    let json = serde_json::to_vec_pretty(m).map_err(|e| bad("monitoring", e.to_string()))?;
    let csv = csv(m);
    let mut tar = tar::Builder::new(Vec::new());
    let mut files = vec![
        (PDF_NAME, pdf),
        (JSON_NAME, json.as_slice()),
        (CSV_NAME, csv.as_bytes()),
    ];
    if let Some(text) = protocol {
        files.push((PROTOCOL_NAME, text.as_bytes()));
    }
    let signed;
    if let Some(signer) = signer {
        if signer.agency != m.exported_by.agency {
            return Err(bad(
                "agency",
                "the package is signed in this agency's name, which must be the agency in the lead's profile",
            ));
        }
        let (recipients, passphrase): (Vec<String>, bool) = match seal {
            Seal::Recipients(keys) => (keys.iter().map(|k| k.trim().to_owned()).collect(), false),
            Seal::Passphrase(_) => (Vec::new(), true),
        };
        let manifest = Manifest::new(
            PACKAGE_FORMAT,
            signer.agency,
            signer.key.public(),
            &recipients,
            passphrase,
            whole_seconds(m.exported_at),
            &files,
        )
        .map_err(|e| bad(e.field, e.message))?;
        signed = manifest
            .sign(signer.key)
            .map_err(|e| bad(e.field, e.message))?;
        files.push((MANIFEST_NAME, signed.0.as_slice()));
        files.push((SIGNATURE_NAME, signed.1.as_bytes()));
    }
    for (name, bytes) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(m.exported_at.and_utc().timestamp().max(0) as u64);
        h.set_cksum();
        tar.append_data(&mut h, name, bytes)
            .map_err(|e| bad("package", e.to_string()))?;
    }
    let plain = tar
        .into_inner()
        .map_err(|e| bad("package", e.to_string()))?;
    let encryptor = match seal {
        Seal::Recipients(keys) => {
            if keys.is_empty() {
                return Err(bad(
                    "recipient",
                    "give the Board's age public key (age1…) or a passphrase",
                ));
            }
            let parsed = keys
                .iter()
                .map(|k| {
                    k.trim().parse::<age::x25519::Recipient>().map_err(|e| {
                        bad(
                            "recipient",
                            format!("'{k}' is not an age public key (age1…): {e}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| bad("recipient", e.to_string()))?
        }
        Seal::Passphrase(p) => {
            if p.chars().count() < 12 {
                return Err(bad(
                    "passphrase",
                    "a package passphrase must be at least 12 characters",
                ));
            }
            let mut r = age::scrypt::Recipient::new(age::secrecy::SecretString::from(p.to_owned()));
            r.set_work_factor(SCRYPT_LOG_N);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map_err(|e| bad("passphrase", e.to_string()))?
        }
    };
    let mut out = Vec::new();
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| bad("package", e.to_string()))?;
    w.write_all(&plain)
        .map_err(|e| bad("package", e.to_string()))?;
    w.finish().map_err(|e| bad("package", e.to_string()))?;
    Ok(out)
}

/// A new Board key pair: (identity file text, public key).
pub fn keygen(now: NaiveDateTime) -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let text = format!(
        "# Escalate Board key, created {}\n# public key: {public}\n{}\n",
        now.format("%Y-%m-%dT%H:%M"),
        id.to_string().expose_secret()
    );
    (text, public)
}

/// How to open a package.
#[derive(Clone, Copy)]
pub enum Key<'a> {
    /// The text of an age identity file (`AGE-SECRET-KEY-1…`, comments allowed).
    Identity(&'a str),
    Passphrase(&'a str),
}

impl std::fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

/// An opened, checked package.
#[derive(Debug)]
pub struct Package {
    /// The files in the package, with their sizes.
    pub files: Vec<(String, u64)>,
    /// The record, checked against the schema, with control and bidi-override
    /// characters stripped from its text.
    pub monitoring: Monitoring,
    pub pdf: Vec<u8>,
    /// The CSV row made again from the checked record (with formula cells neutralised),
    /// not the package's own copy: nothing unchecked leaves `open`.
    pub csv: String,
    /// The protocol file an `escalate-monitoring/2` package carries, checked to be the
    /// version its record names and to read as a protocol; `None` for version 1.
    pub protocol: Option<PackageProtocol>,
    /// The signed manifest, checked: signed by the key it names, every other file's
    /// SHA-256 as it says, sent in the record's agency's name. `None` for a package
    /// from a release before signing. Whether that key is one the reader trusts is the
    /// reader's question (the Board's directory).
    pub signed: Option<Signed>,
}

/// A package's signed manifest, its signature verified against the key it names.
#[derive(Debug, Clone)]
pub struct Signed {
    pub manifest: Manifest,
    /// `manifest.json` and `manifest.json.minisig` as received, to keep and check again.
    pub manifest_json: String,
    pub signature: String,
    pub signer: PublicKey,
    /// The signer's fingerprint, as its card shows it.
    pub fingerprint: String,
}

/// Whether `text` is the protocol file the record names: its SHA-256, then a protocol
/// that reads, with the record's id and version. The reason names the part at fault,
/// never the file's words.
fn check_protocol(m: &Monitoring, text: &[u8]) -> Result<String, String> {
    let sha = hex::encode(Sha256::digest(text));
    if m.protocol.sha256.as_deref() != Some(sha.as_str()) {
        return Err(format!(
            "{PROTOCOL_NAME} is not the protocol file monitoring.json names: its SHA-256 differs from protocol.sha256"
        ));
    }
    let text =
        std::str::from_utf8(text).map_err(|_| format!("{PROTOCOL_NAME} is not UTF-8 text"))?;
    let p = Protocol::from_toml(text, PROTOCOL_NAME).map_err(|e| {
        let first = e.errors.first();
        format!(
            "{PROTOCOL_NAME} is not a protocol this Escalate reads (line {}, {})",
            first
                .and_then(|f| f.line)
                .map_or_else(|| "?".to_owned(), |l| l.to_string()),
            first.map_or("?", |f| f.field.as_str())
        )
    })?;
    if p.id != m.protocol.id || p.version != m.protocol.version {
        return Err(format!(
            "{PROTOCOL_NAME} is another protocol or version than monitoring.json names (protocol.id, protocol.version)"
        ));
    }
    // The figures plan the case on its route: one the protocol lacks would drop the case
    // from them without a word.
    let Some(route) = p.route(m.route.as_deref()) else {
        return Err(format!(
            "route: monitoring.json names a route that {PROTOCOL_NAME} does not have"
        ));
    };
    // A record the protocol cannot have produced would be counted as if it could.
    if p.partnership != m.protocol.partnership {
        return Err(format!(
            "protocol.partnership: monitoring.json names another partnership than {PROTOCOL_NAME}"
        ));
    }
    let missing = |field: &str| {
        format!("{field}: monitoring.json names a stage that {PROTOCOL_NAME} does not have")
    };
    if route.stage(m.stage_reached).is_none() {
        return Err(missing("stage_reached"));
    }
    if m.stage_resolved.is_some_and(|s| route.stage(s).is_none()) {
        return Err(missing("stage_resolved"));
    }
    if m.stages.iter().any(|s| route.stage(s.stage).is_none()) {
        return Err(missing("stages"));
    }
    let skipped_bad = m.skipped.iter().flatten().any(|s| {
        s.from.is_some_and(|f| route.stage(f).is_none())
            || route.stage(s.to).is_none()
            || s.stages.iter().any(|n| route.stage(*n).is_none())
    });
    if skipped_bad {
        return Err(missing("skipped"));
    }
    Ok(sha)
}

fn damaged(e: &dyn std::fmt::Display) -> ReportError {
    bad(
        "package",
        format!("it is not an Escalate export package, or it was changed or cut short ({e})"),
    )
}

/// The files of a package, read from its tar.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub files: Vec<(String, u64)>,
    pub pdf: Vec<u8>,
    pub json: Vec<u8>,
    pub csv: Vec<u8>,
    /// `protocol.toml`, in an `escalate-monitoring/2` package.
    pub protocol: Option<Vec<u8>>,
    /// `manifest.json` and `manifest.json.minisig`, in a signed package.
    pub manifest: Option<(Vec<u8>, Vec<u8>)>,
}

/// Read the package's tar: exactly one regular ustar entry named `report.pdf`,
/// `monitoring.json` and `monitoring.csv` each, at most one `protocol.toml`, and nothing
/// else. Each entry's type,
/// exact name and declared size are checked from its header before a byte of it is
/// read, and it is read through a bound; after the end-of-archive blocks only zeros
/// may follow. No long names, pax headers, links, folders or sparse files: Escalate
/// writes none, and each is a way to make a reader do something else.
pub fn unpack<R: Read>(plain: R) -> Result<Unpacked, ReportError> {
    const NAMES: [&str; 6] = [
        PDF_NAME,
        JSON_NAME,
        CSV_NAME,
        PROTOCOL_NAME,
        MANIFEST_NAME,
        SIGNATURE_NAME,
    ];
    const LIMITS: [u64; 6] = [
        MAX_PDF,
        MAX_JSON,
        MAX_CSV,
        MAX_PROTOCOL,
        MAX_MANIFEST as u64,
        MAX_SIGNATURE as u64,
    ];
    const MORE: &str = "it holds more than report.pdf, monitoring.json, monitoring.csv, protocol.toml and the signed manifest (manifest.json, manifest.json.minisig)";
    let mut archive = tar::Archive::new(plain);
    let mut slots: [Option<Vec<u8>>; 6] = [None, None, None, None, None, None];
    let mut files = Vec::new();
    {
        // raw: the tar crate would otherwise read long names and pax headers in full,
        // and expand sparse entries, before handing over the entry.
        let entries = archive.entries().map_err(|e| damaged(&e))?.raw(true);
        for (n, entry) in entries.enumerate() {
            let mut entry = entry.map_err(|e| damaged(&e))?;
            let ordinal = n + 1;
            if n >= NAMES.len() {
                return Err(bad("package", MORE));
            }
            let header = entry.header();
            if header.as_ustar().is_none() {
                return Err(bad(
                    "package",
                    format!("entry {ordinal} is not a plain ustar entry (GNU or old tar headers are not used in packages)"),
                ));
            }
            if header.entry_type() != tar::EntryType::Regular {
                return Err(bad(
                    "package",
                    format!(
                        "entry {ordinal} is not a regular file (a link, folder, sparse file, device or extended header): packages hold only regular files"
                    ),
                ));
            }
            let name = header.path_bytes();
            let Some(slot) = NAMES.iter().position(|x| x.as_bytes() == name.as_ref()) else {
                // A file beside the three a package always holds is one too many.
                if slots[..3].iter().all(Option::is_some) {
                    return Err(bad("package", MORE));
                }
                return Err(bad(
                    "package",
                    format!("entry {ordinal} is not named report.pdf, monitoring.json, monitoring.csv, protocol.toml, manifest.json or manifest.json.minisig"),
                ));
            };
            let declared = header.entry_size().map_err(|e| damaged(&e))?;
            if declared > LIMITS[slot] {
                return Err(bad(
                    "package",
                    format!(
                        "{} declares {declared} bytes; the limit is {}",
                        NAMES[slot], LIMITS[slot]
                    ),
                ));
            }
            if slots[slot].is_some() {
                return Err(bad(
                    "package",
                    format!("it holds {} more than once", NAMES[slot]),
                ));
            }
            let mut data = Vec::new();
            (&mut entry)
                .take(declared)
                .read_to_end(&mut data)
                .map_err(|e| damaged(&e))?;
            if data.len() as u64 != declared {
                return Err(damaged(&format!("{} is cut short", NAMES[slot])));
            }
            files.push((NAMES[slot].to_owned(), declared));
            slots[slot] = Some(data);
        }
    }
    let [Some(pdf), Some(json), Some(csv), protocol, manifest, signature] = slots else {
        return Err(bad(
            "package",
            "it is missing report.pdf, monitoring.json or monitoring.csv",
        ));
    };
    // Whatever follows the end of the archive must be its zero padding: data hidden
    // there would be seen by other tar readers and not by this one.
    let mut rest = archive.into_inner();
    let mut buf = [0u8; 8192];
    loop {
        let n = rest.read(&mut buf).map_err(|e| damaged(&e))?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            return Err(bad("package", "it holds data after the end of its archive"));
        }
    }
    let manifest = match (manifest, signature) {
        (None, None) => None,
        (Some(m), Some(s)) => Some((m, s)),
        _ => {
            return Err(bad(
                "package",
                "it holds manifest.json or manifest.json.minisig without the other: a signed package holds both",
            ))
        }
    };
    Ok(Unpacked {
        files,
        pdf,
        json,
        csv,
        protocol,
        manifest,
    })
}

fn not_schema(version: &str, v: &[Violation]) -> ReportError {
    bad(
        "monitoring",
        format!(
            "monitoring.json does not follow {version}: {}",
            schema::describe(v)
        ),
    )
}

/// Parse and check `monitoring.json`: the published schema (docs/export-schema.json),
/// then the rules it cannot say (`exported_at` at most a day after `now`, dates that
/// exist, closed after opened, no field twice), then strip control and bidi-override
/// characters from every text field. Errors name the field and the rule, never the
/// value.
pub fn check_json(json: &[u8], now: Option<NaiveDateTime>) -> Result<Monitoring, ReportError> {
    // serde_json stops at 128 levels of nesting, so a deep document cannot exhaust the
    // stack; its size is bounded by MAX_JSON before this.
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| {
        bad(
            "monitoring",
            format!(
                "monitoring.json is not JSON (line {}, column {}): it does not follow {SCHEMA_1} or {SCHEMA}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let version = schema::claimed(&value);
    schema::check_value(&value).map_err(|v| not_schema(version, &v))?;
    // Typed from the bytes, not the value: the value keeps the last of two same-named
    // fields, and serde refuses the second.
    let mut m: Monitoring = serde_json::from_slice(json).map_err(|e| {
        let text = e.to_string();
        let rule = match text
            .strip_prefix("duplicate field `")
            .and_then(|r| r.split('`').next())
        {
            Some(field) => format!("{field}: is given more than once"),
            None => format!(
                "a value cannot be read (line {}, column {})",
                e.line(),
                e.column()
            ),
        };
        bad(
            "monitoring",
            format!("monitoring.json does not follow {version}: {rule}"),
        )
    })?;
    schema::check_record(&m, now).map_err(|v| not_schema(version, &v))?;
    schema::clean(&mut m).map_err(|v| not_schema(version, &v))?;
    Ok(m)
}

fn decrypt<'a>(
    bytes: &'a [u8],
    key: Key<'_>,
) -> Result<age::stream::StreamReader<&'a [u8]>, ReportError> {
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| damaged(&e))?;
    match key {
        Key::Identity(text) => {
            let ids = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| {
                    l.parse::<age::x25519::Identity>().map_err(|e| {
                        bad(
                            "identity",
                            format!("not an age identity (AGE-SECRET-KEY-1…): {e}"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if ids.is_empty() {
                return Err(bad(
                    "identity",
                    "the identity file holds no AGE-SECRET-KEY-1… line",
                ));
            }
            decryptor
                .decrypt(ids.iter().map(|i| i as &dyn age::Identity))
                .map_err(|e| {
                    bad(
                        "identity",
                        format!("this key cannot open the package ({e})"),
                    )
                })
        }
        Key::Passphrase(p) => {
            let mut id = age::scrypt::Identity::new(age::secrecy::SecretString::from(p.to_owned()));
            id.set_max_work_factor(SCRYPT_MAX_LOG_N);
            decryptor
                .decrypt(std::iter::once(&id as &dyn age::Identity))
                .map_err(|e| {
                    bad(
                        "passphrase",
                        format!("this passphrase cannot open the package ({e})"),
                    )
                })
        }
    }
}

/// Decrypt and check a package. A changed, truncated, foreign or malformed file is
/// refused with the reason; `now` is the opening computer's clock, which bounds
/// `exported_at`. Memory stays within the package's size plus its files' limits: the
/// decrypted stream is read through a bound and never held whole.
pub fn open(bytes: &[u8], key: Key<'_>, now: NaiveDateTime) -> Result<Package, ReportError> {
    if bytes.len() as u64 > MAX_PACKAGE {
        return Err(bad("package", "it is larger than any export package"));
    }
    let reader = decrypt(bytes, key)?;
    // The plaintext is no longer than the ciphertext; the bound holds whatever age does.
    let mut bounded = reader.take(MAX_PACKAGE + 1);
    let unpacked = unpack(&mut bounded);
    if bounded.limit() == 0 {
        return Err(bad("package", "it is larger than any export package"));
    }
    let unpacked = unpacked?;
    // The signature and the files' hashes first: nothing of a changed package is read
    // as a record.
    let signed = match &unpacked.manifest {
        None => None,
        Some((json, sig)) => Some(check_signed(&unpacked, json, sig)?),
    };
    let monitoring = check_json(&unpacked.json, Some(now))?;
    if let Some(s) = &signed {
        if s.manifest.sender.agency != monitoring.exported_by.agency {
            return Err(bad(
                "package",
                "its signed manifest names another agency than monitoring.json's exported_by.agency",
            ));
        }
        // The time a revoked key is judged by is the manifest's: it must be the
        // record's own, or a package could claim to be signed before a revocation
        // while its record says after.
        if s.manifest.created_at != whole_seconds(monitoring.exported_at) {
            return Err(bad(
                "package",
                "its signed manifest's created_at is not monitoring.json's exported_at",
            ));
        }
    }
    if std::str::from_utf8(&unpacked.csv).is_err() {
        return Err(bad("package", "monitoring.csv is not UTF-8 text"));
    }
    if !unpacked.pdf.starts_with(b"%PDF-") {
        return Err(bad("package", "report.pdf is not a PDF"));
    }
    let protocol = match (monitoring.version(), unpacked.protocol) {
        (SCHEMA_1, None) => None,
        (SCHEMA_1, Some(_)) => {
            return Err(bad(
                "package",
                format!("an {SCHEMA_1} package holds no protocol.toml"),
            ))
        }
        (_, None) => {
            return Err(bad(
                "package",
                format!("it is missing protocol.toml, which an {SCHEMA} package carries"),
            ))
        }
        (_, Some(bytes)) => {
            let sha = check_protocol(&monitoring, &bytes).map_err(|why| bad("package", why))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| bad("package", format!("{PROTOCOL_NAME} is not UTF-8 text")))?;
            Some(PackageProtocol {
                id: monitoring.protocol.id.clone(),
                version: monitoring.protocol.version.clone(),
                sha256: sha,
                text,
            })
        }
    };
    Ok(Package {
        files: unpacked.files,
        csv: csv(&monitoring),
        monitoring,
        pdf: unpacked.pdf,
        protocol,
        signed,
    })
}

/// A package's signed manifest: its shape, its signature by the key it names, its
/// trusted comment, and every other file of the package as it lists them.
fn check_signed(unpacked: &Unpacked, json: &[u8], sig: &[u8]) -> Result<Signed, ReportError> {
    let refused = |e: escalate_trust::TrustError| bad("package", format!("manifest: {e}"));
    let signed = SignedManifest::parse(json, sig).map_err(refused)?;
    if signed.manifest.format != PACKAGE_FORMAT {
        return Err(bad(
            "package",
            format!("manifest: format: an export package's manifest says {PACKAGE_FORMAT}"),
        ));
    }
    let signer = signed.verify_self().map_err(refused)?;
    let mut files: Vec<(&str, &[u8])> = vec![
        (PDF_NAME, unpacked.pdf.as_slice()),
        (JSON_NAME, unpacked.json.as_slice()),
        (CSV_NAME, unpacked.csv.as_slice()),
    ];
    if let Some(p) = &unpacked.protocol {
        files.push((PROTOCOL_NAME, p.as_slice()));
    }
    signed.manifest.check_files(&files).map_err(refused)?;
    let manifest_json = String::from_utf8(json.to_vec())
        .map_err(|_| bad("package", "manifest: manifest.json is not UTF-8 text"))?;
    Ok(Signed {
        manifest: signed.manifest.clone(),
        manifest_json,
        signature: signed.signature_text().to_owned(),
        fingerprint: escalate_trust::fingerprint(&signer),
        signer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_keep_welsh_letters() {
        assert_eq!(initials("Siân Llŷr Ŵyn"), "S. L. Ŵ.");
        assert_eq!(initials("  ann  "), "A.");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("2026-11-02T09:00:00"), "2026-11-02T09:00:00");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(lead).starts_with("\"'"), "{lead:?}");
        }
    }
}
