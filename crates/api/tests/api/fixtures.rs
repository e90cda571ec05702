//! Packages as agencies (and hostile senders) make them: records that follow the
//! schema, tars and age envelopes made by hand. The same fixtures as escalate-report's
//! own hostile tests, for imports into a real store.

use std::io::Write;
use std::path::{Path, PathBuf};

use escalate_report::export::{self, Seal};
use serde_json::{json, Value};

pub const TIB: u64 = 1 << 40;

/// A record that follows the schema: a resolved case with every field filled.
pub fn good_record() -> Value {
    json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "Alex Morgan", "designation": "DSL", "agency": "Ysgol Gyfun Bryn"},
        "reference": "RPD-2026-0001",
        "protocol": {"id": "western-bay", "version": "2021", "partnership": "Western Bay"},
        "minimised": false,
        "child": {"name": "Siân Llŷr Ŵyn", "date_of_birth": "2015-04-02", "identifiers": "WCCIS 448812"},
        "category": "Threshold for assessment",
        "raising": {"agency": "Ysgol Gyfun Bryn", "sector": "schools"},
        "receiving": {"agency": "Swansea Children’s Services", "sector": "local-authority"},
        "opened_at": "2026-11-02T09:00:00", "status": "resolved", "stage_reached": 2, "stage_resolved": 2,
        "closed_at": "2026-11-05T10:00:00", "calendar_days": 3, "working_days": 3, "immediate_risk": true,
        "stages": [
            {"stage": 1, "started_at": "2026-11-02T09:00:00", "ended_at": "2026-11-03T10:00:00", "due": "2026-11-03", "within_timescale": true},
            {"stage": 2, "started_at": "2026-11-03T10:00:00", "ended_at": "2026-11-05T10:00:00", "due": "2026-11-04T17:00", "within_timescale": false}
        ],
        "outcome": "Agreed at Stage 2", "effectiveness": "Useful.\nQuick."
    })
}

/// A record that follows the schema with every optional field null.
pub fn open_record() -> Value {
    json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "A", "designation": "B", "agency": "C"}, "reference": "RPD-2026-0002",
        "protocol": {"id": "london", "version": "", "partnership": ""}, "minimised": true,
        "child": {"name": "X. Y.", "date_of_birth": null, "identifiers": null}, "category": "c",
        "raising": {"agency": "A", "sector": null}, "receiving": {"agency": "B", "sector": null},
        "opened_at": "2026-11-02T09:00:00", "status": "open", "stage_reached": 0, "stage_resolved": null,
        "closed_at": null, "calendar_days": null, "working_days": null, "immediate_risk": false,
        "stages": [{"stage": 0, "started_at": "2026-11-02T09:00:00", "ended_at": null, "due": null, "within_timescale": null}],
        "outcome": null, "effectiveness": ""
    })
}

/// One ustar entry: a header of `kind` named `name` declaring `declared` bytes, then
/// `data` padded to a block.
pub fn entry(kind: tar::EntryType, name: &str, declared: u64, data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    h.set_path(name).unwrap();
    h.set_mode(0o600);
    h.set_entry_type(kind);
    h.set_size(declared);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

pub fn regular(name: &str, data: &[u8]) -> Vec<u8> {
    entry(tar::EntryType::Regular, name, data.len() as u64, data)
}

/// The end of an archive: two zero blocks.
pub const END: [u8; 1024] = [0; 1024];

/// A tar holding the three files of a good package.
pub fn good_files(json: &[u8]) -> [Vec<u8>; 3] {
    [
        regular("report.pdf", b"%PDF-1.3 test"),
        regular("monitoring.json", json),
        regular("monitoring.csv", b"reference\r\nRPD-2026-0001\r\n"),
    ]
}

pub fn tar_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = parts.concat();
    out.extend_from_slice(&END);
    out
}

/// Encrypt any bytes to the Board's key, as a hostile sender can.
pub fn sealed_plain(plain: &[u8], public: &str) -> Vec<u8> {
    let r: age::x25519::Recipient = public.parse().unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

/// The sparse-entry bomb from the issue: `report.pdf` as a GNU sparse entry holding one
/// 512-byte block at the end of a 1 TiB file, then the two other files.
pub fn sparse_bomb_tar() -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("report.pdf").unwrap();
    h.set_mode(0o600);
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(512);
    let gnu = h.as_gnu_mut().unwrap();
    gnu.sparse[0].set_offset(TIB - 512);
    gnu.sparse[0].set_length(512);
    gnu.set_real_size(TIB);
    h.set_cksum();
    let mut bomb = h.as_bytes().to_vec();
    bomb.extend_from_slice(&[b'%'; 512]);
    let json = serde_json::to_vec(&good_record()).unwrap();
    let [_, json, csv] = good_files(&json);
    tar_of(&[&bomb, &json, &csv])
}

/// `v` with the value at the dotted `path` replaced.
pub fn with(mut v: Value, path: &str, value: Value) -> Value {
    let mut at = &mut v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    at[parts[parts.len() - 1]] = value;
    v
}

/// A record sealed to the Board's key as a genuine export, written to `dir/name`.
pub fn package_file(dir: &Path, name: &str, record: &Value, public: &str) -> PathBuf {
    let m: export::Monitoring = serde_json::from_value(record.clone()).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        export::seal(b"%PDF-1.3 test", &m, Seal::Recipients(&[public.to_owned()])).unwrap(),
    )
    .unwrap();
    path
}
