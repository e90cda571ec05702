//! Export packages as a hostile sender makes them: tars and age envelopes by hand.

use std::io::Write;

use crate::record::good_record;

pub const TIB: u64 = 1 << 40;

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
