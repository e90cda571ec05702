//! The export package for the Board administrator: one file holding the report PDF,
//! `monitoring.json` (schema in docs/export-format.md and docs/export-schema.json) and
//! one CSV row, in a tar, encrypted with age to the Board's public key or a passphrase.

use std::io::{Read, Write};

use chrono::{Datelike, NaiveDateTime};
use escalate_core::engine::due_after;
use escalate_core::protocol::Anchor;
use escalate_core::{Calendar, Due, Limit, Protocol};
use escalate_store::{CaseDetail, Profile};
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// The version of `monitoring.json` this build writes and reads.
pub const SCHEMA: &str = "escalate-monitoring/1";
pub const PDF_NAME: &str = "report.pdf";
pub const JSON_NAME: &str = "monitoring.json";
pub const CSV_NAME: &str = "monitoring.csv";
/// Largest package `open` will read: a report and a few KB of JSON.
const MAX_PACKAGE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    pub schema: String,
    pub exported_at: NaiveDateTime,
    pub exported_by: Person,
    pub reference: String,
    pub protocol: ProtocolRef,
    /// Child's name as initials and date of birth as a year.
    pub minimised: bool,
    pub child: Child,
    pub category: String,
    pub raising: Party,
    pub receiving: Party,
    pub opened_at: NaiveDateTime,
    pub status: String,
    /// The highest stage the case reached.
    pub stage_reached: u8,
    pub stage_resolved: Option<u8>,
    pub closed_at: Option<NaiveDateTime>,
    /// From the outset to resolution; absent while unresolved.
    pub calendar_days: Option<i64>,
    pub working_days: Option<u32>,
    pub immediate_risk: bool,
    pub stages: Vec<StageTiming>,
    pub outcome: Option<String>,
    pub effectiveness: String,
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
}

/// Initials of a name: "Siân Llŷr Ŵyn" becomes "S. L. Ŵ.".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
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
    let stages = engine
        .stages
        .iter()
        .map(|e| {
            let ended = e.left_at.or(if e.stage == engine.current_stage() {
                case.closed_at
            } else {
                None
            });
            let due = protocol
                .stage(e.stage)
                .and_then(|s| s.timescale.as_ref())
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
            let within = match (due, ended) {
                (Some(Due::EndOfDay(d)), Some(x)) => Some(x.date() <= d),
                (Some(Due::At(t)), Some(x)) => Some(x <= t),
                _ => None,
            };
            StageTiming {
                stage: e.stage,
                started_at: e.started_at,
                ended_at: ended,
                due: due.filter(|d| d.date().is_some()).map(|d| d.to_string()),
                within_timescale: within,
            }
        })
        .collect();
    Monitoring {
        schema: SCHEMA.to_owned(),
        exported_at: now,
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
        },
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
        opened_at: case.opened_at,
        status: case.state.clone(),
        stage_reached: engine.stages.iter().map(|e| e.stage).max().unwrap_or(0),
        stage_resolved: if resolved {
            Some(engine.current_stage())
        } else {
            None
        },
        closed_at: case.closed_at,
        calendar_days: end.map(|e| (e.date() - case.opened_at.date()).num_days()),
        working_days: end.and_then(|e| {
            calendar
                .working_days_between(case.opened_at.date(), e.date())
                .ok()
        }),
        immediate_risk: case.immediate_risk.is_some(),
        stages,
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
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
        m.status.clone(),
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
            .map(|f| csv_field(f))
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
/// and encrypt it.
pub fn seal(pdf: &[u8], m: &Monitoring, seal: Seal<'_>) -> Result<Vec<u8>, ReportError> {
    let json = serde_json::to_vec_pretty(m).map_err(|e| bad("monitoring", e.to_string()))?;
    let csv = csv(m);
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        (PDF_NAME, pdf),
        (JSON_NAME, json.as_slice()),
        (CSV_NAME, csv.as_bytes()),
    ] {
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
            age::Encryptor::with_user_passphrase(age::secrecy::SecretString::from(p.to_owned()))
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
    pub files: Vec<(String, u64)>,
    pub monitoring: Monitoring,
    pub pdf: Vec<u8>,
    pub csv: String,
}

/// Decrypt and check a package. A changed, truncated or foreign file is refused.
pub fn open(bytes: &[u8], key: Key<'_>) -> Result<Package, ReportError> {
    let damaged = |e: &dyn std::fmt::Display| {
        bad(
            "package",
            format!("it is not an Escalate export package, or it was changed or cut short ({e})"),
        )
    };
    if bytes.len() as u64 > MAX_PACKAGE {
        return Err(bad("package", "it is larger than any export package"));
    }
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| damaged(&e))?;
    let mut reader = match key {
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
                })?
        }
        Key::Passphrase(p) => {
            let id = age::scrypt::Identity::new(age::secrecy::SecretString::from(p.to_owned()));
            decryptor
                .decrypt(std::iter::once(&id as &dyn age::Identity))
                .map_err(|e| {
                    bad(
                        "passphrase",
                        format!("this passphrase cannot open the package ({e})"),
                    )
                })?
        }
    };
    let mut plain = Vec::new();
    reader.read_to_end(&mut plain).map_err(|e| damaged(&e))?;
    let mut archive = tar::Archive::new(plain.as_slice());
    let mut files = Vec::new();
    let (mut pdf, mut json, mut csv) = (None, None, None);
    for entry in archive.entries().map_err(|e| damaged(&e))? {
        let mut entry = entry.map_err(|e| damaged(&e))?;
        let name = entry
            .path()
            .map_err(|e| damaged(&e))?
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| damaged(&e))?;
        files.push((name.clone(), data.len() as u64));
        match name.as_str() {
            PDF_NAME => pdf = Some(data),
            JSON_NAME => json = Some(data),
            CSV_NAME => csv = Some(String::from_utf8(data).map_err(|e| damaged(&e))?),
            other => {
                return Err(bad(
                    "package",
                    format!("it holds an unexpected file '{other}'"),
                ))
            }
        }
    }
    let (Some(pdf), Some(json), Some(csv)) = (pdf, json, csv) else {
        return Err(bad(
            "package",
            "it is missing report.pdf, monitoring.json or monitoring.csv",
        ));
    };
    let monitoring: Monitoring = serde_json::from_slice(&json).map_err(|e| {
        bad(
            "monitoring",
            format!("monitoring.json does not follow {SCHEMA}: {e}"),
        )
    })?;
    if monitoring.schema != SCHEMA {
        return Err(bad(
            "monitoring",
            format!(
                "monitoring.json is '{}', this version reads '{SCHEMA}': update Escalate",
                monitoring.schema
            ),
        ));
    }
    if !pdf.starts_with(b"%PDF-") {
        return Err(bad("package", "report.pdf is not a PDF"));
    }
    Ok(Package {
        files,
        monitoring,
        pdf,
        csv,
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
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
