//! The partnership bundle the Board signs for its agencies: protocol versions, a GOV.UK
//! bank-holidays file, the directory's cards and the Board's own card, in a tar with a
//! signed manifest. Not encrypted: it holds nothing about a child, and an agency must
//! be able to read it before it knows anyone's key. Signed, so that what a lead
//! installs is what the Board sent.

use chrono::NaiveDateTime;
use escalate_core::protocol::MAX_PROTOCOL_FILE_BYTES;
use escalate_trust::{
    read_archive, write_archive, Card, Limits, Manifest, PublicKey, SignedManifest, SigningKey,
    BUNDLE_FORMAT, MANIFEST_NAME, MAX_CARD, MAX_MANIFEST, MAX_SIGNATURE, SIGNATURE_NAME,
};

use crate::ReportError;

/// The Board's own card in a bundle.
pub const BOARD_CARD: &str = "board.card.json";
/// The bank holidays, as GOV.UK publishes them.
pub const CALENDAR: &str = "bank-holidays.json";
/// The largest bank-holidays file a bundle may carry (GOV.UK's is about 20 KiB).
pub const MAX_CALENDAR: u64 = 1024 * 1024;
/// The largest bundle file read.
pub const MAX_BUNDLE: u64 = 32 * 1024 * 1024;

fn bad(message: impl Into<String>) -> ReportError {
    ReportError::Export {
        field: "bundle",
        message: message.into(),
    }
}

fn limit(name: &str) -> Option<u64> {
    if name == MANIFEST_NAME {
        return Some(MAX_MANIFEST as u64);
    }
    if name == SIGNATURE_NAME {
        return Some(MAX_SIGNATURE as u64);
    }
    if name == BOARD_CARD {
        return Some(MAX_CARD as u64);
    }
    if name == CALENDAR {
        return Some(MAX_CALENDAR);
    }
    let simple = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
            && s.bytes().any(|b| b != b'.')
    };
    if let Some(rest) = name.strip_prefix("protocols/") {
        if rest.ends_with(".toml") && simple(rest) {
            return Some(MAX_PROTOCOL_FILE_BYTES as u64);
        }
    }
    if let Some(rest) = name.strip_prefix("cards/") {
        if rest.ends_with(".card.json") && simple(rest) {
            return Some(MAX_CARD as u64);
        }
    }
    None
}

const LIMITS: Limits = Limits {
    max_entries: 200,
    max_total: MAX_BUNDLE,
    limit,
};

/// What a bundle holds.
#[derive(Debug, Clone, Default)]
pub struct BundleContent {
    /// Each protocol version: its file's name in the bundle (`ID@VERSION.toml`, kept to
    /// letters, digits and `._-@`) and its text as installed in the Board's store.
    pub protocols: Vec<(String, String)>,
    pub calendar: Option<String>,
    /// The directory's cards, as JSON.
    pub cards: Vec<String>,
}

/// A file name made of a protocol's id and version: characters a bundle's names may not
/// hold become `_`. The text inside says the id and version; the name only tells a
/// person reading the tar which file is which.
pub fn protocol_file_name(id: &str, version: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(40)
            .collect()
    };
    format!("{}@{}.toml", clean(id), clean(version))
}

/// Write a bundle signed by the Board's key, whose card is `board` (its own, as JSON).
pub fn write_bundle(
    content: &BundleContent,
    board: &Card,
    key: &SigningKey,
    now: NaiveDateTime,
) -> Result<Vec<u8>, ReportError> {
    if board.signing_key != key.public().base64() {
        return Err(bad(
            "the Board's card is not the card of the key signing the bundle",
        ));
    }
    let board_json = board.to_json();
    let mut named: Vec<(String, &[u8])> = vec![(BOARD_CARD.to_owned(), board_json.as_bytes())];
    for (name, text) in &content.protocols {
        let path = format!("protocols/{name}");
        if named.iter().any(|(n, _)| *n == path) {
            return Err(bad(format!(
                "two protocol versions would both be named {name}"
            )));
        }
        named.push((path, text.as_bytes()));
    }
    if let Some(c) = &content.calendar {
        named.push((CALENDAR.to_owned(), c.as_bytes()));
    }
    for (i, card) in content.cards.iter().enumerate() {
        named.push((format!("cards/{:03}.card.json", i + 1), card.as_bytes()));
    }
    for (name, data) in &named {
        match limit(name) {
            Some(max) if data.len() as u64 <= max => {}
            _ => return Err(bad(format!("{name} is larger than a bundle may carry"))),
        }
    }
    let files: Vec<(&str, &[u8])> = named.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    let manifest = Manifest::new(
        BUNDLE_FORMAT,
        &board.agency,
        key.public(),
        &[],
        false,
        now,
        &files,
    )
    .map_err(|e| bad(e.to_string()))?;
    let (json, sig) = manifest.sign(key).map_err(|e| bad(e.to_string()))?;
    let mut all = vec![
        (MANIFEST_NAME, json.as_slice()),
        (SIGNATURE_NAME, sig.as_bytes()),
    ];
    all.extend(files);
    let tar = write_archive(&all, now.and_utc().timestamp()).map_err(|e| bad(e.to_string()))?;
    if tar.len() as u64 > MAX_BUNDLE {
        return Err(bad(format!(
            "the bundle would be larger than {MAX_BUNDLE} bytes"
        )));
    }
    Ok(tar)
}

/// A bundle as read: signed by the key it was checked against, every file as its
/// manifest lists it, every card verified.
#[derive(Debug, Clone)]
pub struct OpenedBundle {
    pub manifest: Manifest,
    pub board: Card,
    pub protocols: Vec<(String, String)>,
    pub calendar: Option<String>,
    pub cards: Vec<Card>,
}

/// The key a bundle claims to be signed by (its manifest's), to compare with the Board
/// key already trusted, or to show before its card is given. Nothing in the bundle is
/// believed from this.
pub fn claimed_signer(bytes: &[u8]) -> Result<String, ReportError> {
    let entries = read_archive(bytes, &LIMITS).map_err(|e| bad(e.to_string()))?;
    let find = |n: &str| {
        entries
            .iter()
            .find(|e| e.name == n)
            .map(|e| e.data.as_slice())
    };
    let (Some(json), Some(sig)) = (find(MANIFEST_NAME), find(SIGNATURE_NAME)) else {
        return Err(bad(
            "it holds no signed manifest: it is not a partnership bundle",
        ));
    };
    let signed = SignedManifest::parse(json, sig).map_err(|e| bad(e.to_string()))?;
    Ok(signed.manifest.sender.signing_key.clone())
}

/// Read a bundle and check it against `board_key`, the Board key the lead trusts: its
/// tar's shape and bounds, its manifest's signature by that key, every file's SHA-256,
/// the Board's card in it (the signer's own), and every card's signatures. Any fault
/// refuses the whole bundle.
pub fn open_bundle(bytes: &[u8], board_key: &PublicKey) -> Result<OpenedBundle, ReportError> {
    if bytes.len() as u64 > MAX_BUNDLE {
        return Err(bad(format!(
            "it is larger than any bundle ({MAX_BUNDLE} bytes)"
        )));
    }
    let entries = read_archive(bytes, &LIMITS).map_err(|e| bad(e.to_string()))?;
    let find = |n: &str| {
        entries
            .iter()
            .find(|e| e.name == n)
            .map(|e| e.data.as_slice())
    };
    let (Some(json), Some(sig)) = (find(MANIFEST_NAME), find(SIGNATURE_NAME)) else {
        return Err(bad(
            "it holds no signed manifest: it is not a partnership bundle",
        ));
    };
    let signed = SignedManifest::parse(json, sig).map_err(|e| bad(e.to_string()))?;
    if signed.manifest.format != BUNDLE_FORMAT {
        return Err(bad(format!(
            "its manifest says {}, not {BUNDLE_FORMAT}",
            signed.manifest.format
        )));
    }
    if signed.manifest.sender.signing_key != board_key.base64() {
        return Err(bad(format!(
            "it is signed by key {}, not by the Board's key {}: it did not come from your Board",
            signed.manifest.sender.key_id,
            board_key.key_id()
        )));
    }
    let manifest = signed
        .verify(board_key)
        .map_err(|e| bad(format!("{e}: it is not the bundle the Board signed")))?
        .clone();
    let files: Vec<(&str, &[u8])> = entries
        .iter()
        .filter(|e| e.name != MANIFEST_NAME && e.name != SIGNATURE_NAME)
        .map(|e| (e.name.as_str(), e.data.as_slice()))
        .collect();
    manifest
        .check_files(&files)
        .map_err(|e| bad(format!("{e}: it is not the bundle the Board signed")))?;
    let Some(board_json) = find(BOARD_CARD) else {
        return Err(bad("it holds no Board card (board.card.json)"));
    };
    let board = Card::parse(board_json).map_err(|e| bad(format!("board.card.json: {e}")))?;
    if board.signing_key != board_key.base64() {
        return Err(bad(
            "board.card.json is not the card of the key that signed the bundle",
        ));
    }
    let text = |name: &str, data: &[u8]| {
        String::from_utf8(data.to_vec()).map_err(|_| bad(format!("{name} is not UTF-8 text")))
    };
    let mut protocols = Vec::new();
    let mut cards = Vec::new();
    let mut calendar = None;
    for e in &entries {
        if let Some(name) = e.name.strip_prefix("protocols/") {
            protocols.push((name.to_owned(), text(&e.name, &e.data)?));
        } else if e.name.starts_with("cards/") {
            cards.push(Card::parse(&e.data).map_err(|x| bad(format!("{}: {x}", e.name)))?);
        } else if e.name == CALENDAR {
            calendar = Some(text(&e.name, &e.data)?);
        }
    }
    Ok(OpenedBundle {
        manifest,
        board,
        protocols,
        calendar,
        cards,
    })
}
