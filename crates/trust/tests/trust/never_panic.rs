//! Whatever bytes arrive, reading them ends in a value or an error, never a panic; and
//! a valid file with one byte changed is refused or reads as exactly what was signed.

use std::sync::LazyLock;

use escalate_trust::{
    new_recipient, read_archive, write_archive, Card, Limits, Manifest, SignedManifest, SigningKey,
};
use proptest::prelude::*;

use crate::at;
use crate::manifests::{package, MONITORING, PROTOCOL};

struct Valid {
    card: Card,
    card_file: Vec<u8>,
    manifest: Manifest,
    json: Vec<u8>,
    sig: Vec<u8>,
    archive: Vec<u8>,
}

static VALID: LazyLock<Valid> = LazyLock::new(|| {
    let key = SigningKey::generate().unwrap();
    let (_, recipient) = new_recipient();
    let card = Card::make(
        "Northshire",
        "Health",
        &key,
        &recipient,
        at(2026, 4, 1),
        None,
    )
    .unwrap();
    let manifest = package(&key);
    let (json, sig) = manifest.sign(&key).unwrap();
    let archive = write_archive(
        &[
            ("manifest.json", &json),
            ("manifest.json.minisig", sig.as_bytes()),
            ("monitoring.json", MONITORING),
            ("protocol.toml", PROTOCOL),
        ],
        1_776_000_000,
    )
    .unwrap();
    Valid {
        card_file: card.to_json().into_bytes(),
        card,
        manifest,
        json,
        sig: sig.into_bytes(),
        archive,
    }
});

fn package_limit(name: &str) -> Option<u64> {
    match name {
        "manifest.json" => Some(64 * 1024),
        "manifest.json.minisig" => Some(2 * 1024),
        "monitoring.json" | "protocol.toml" => Some(1024 * 1024),
        _ => None,
    }
}

const LIMITS: Limits = Limits {
    max_entries: 6,
    max_total: 4 * 1024 * 1024,
    limit: package_limit,
};

fn flipped(bytes: &[u8], at: usize, xor: u8) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let i = at % b.len();
    b[i] ^= xor;
    b
}

#[test]
fn the_valid_archive_reads_back_whole() {
    let entries = read_archive(&VALID.archive[..], &LIMITS).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "manifest.json.minisig",
            "monitoring.json",
            "protocol.toml"
        ]
    );
    assert_eq!(entries[0].data, VALID.json);
    // A name the limits do not allow, a file over its limit, too many files: refused.
    let extra = write_archive(&[("evil.sh", b"x")], 0).unwrap();
    assert_eq!(
        read_archive(&extra[..], &LIMITS).unwrap_err().field,
        "archive"
    );
    let big = vec![b'x'; 2 * 1024 + 1];
    let over = write_archive(&[("manifest.json.minisig", &big)], 0).unwrap();
    assert_eq!(
        read_archive(&over[..], &LIMITS).unwrap_err().field,
        "archive"
    );
    let twice = write_archive(&[("protocol.toml", b"a"), ("protocol.toml", b"b")], 0).unwrap();
    assert!(read_archive(&twice[..], &LIMITS)
        .unwrap_err()
        .message
        .contains("more than once"));
    let mut trailing = VALID.archive.clone();
    trailing.extend(b"hidden after the end");
    assert!(read_archive(&trailing[..], &LIMITS)
        .unwrap_err()
        .message
        .contains("after the end"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn card_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Card::parse(&bytes);
    }

    #[test]
    fn a_card_with_one_byte_changed_is_refused_or_the_same_card(at in any::<usize>(), xor in 1u8..=255) {
        match Card::parse(&flipped(&VALID.card_file, at, xor)) {
            // The first line of a minisign signature is its untrusted comment, which
            // is not signed: it may change; nothing else may.
            Ok(card) => {
                let signed_part = |c: &Card| c.signature.split_once('\n').map(|(_, rest)| rest.to_owned());
                prop_assert_eq!(signed_part(&card), signed_part(&VALID.card));
                prop_assert_eq!(Card { signature: String::new(), ..card }, Card { signature: String::new(), ..VALID.card.clone() });
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    #[test]
    fn signed_manifest_parse_never_panics(
        json in proptest::collection::vec(any::<u8>(), 0..2048),
        sig in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        if let Ok(read) = SignedManifest::parse(&json, &sig) {
            // Random bytes are never a manifest its own key signed.
            prop_assert!(read.verify_self().is_err());
        }
        let _ = SignedManifest::parse(&json, &VALID.sig);
        let _ = SignedManifest::parse(&VALID.json, &sig);
    }

    #[test]
    fn a_manifest_with_one_byte_changed_never_verifies(at in any::<usize>(), xor in 1u8..=255) {
        let json = flipped(&VALID.json, at, xor);
        if let Ok(read) = SignedManifest::parse(&json, &VALID.sig) {
            prop_assert!(read.verify_self().is_err(), "the signature is over exact bytes");
        }
    }

    #[test]
    fn a_signature_with_one_byte_changed_is_refused_or_the_same_manifest(at in any::<usize>(), xor in 1u8..=255) {
        // A byte of the untrusted comment is not signed, so it may change unnoticed; any
        // other change is refused.
        let sig = flipped(&VALID.sig, at, xor);
        match SignedManifest::parse(&VALID.json, &sig).and_then(|r| r.verify_self().map(|_| r)) {
            Ok(read) => prop_assert_eq!(&read.manifest, &VALID.manifest),
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    #[test]
    fn read_archive_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(entries) = read_archive(&bytes[..], &LIMITS) {
            for e in entries {
                prop_assert!(package_limit(&e.name).is_some_and(|max| e.data.len() as u64 <= max));
            }
        }
    }

    #[test]
    fn an_archive_with_one_byte_changed_stays_within_its_limits(at in any::<usize>(), xor in 1u8..=255) {
        let bytes = flipped(&VALID.archive, at, xor);
        if let Ok(entries) = read_archive(&bytes[..], &LIMITS) {
            prop_assert!(entries.len() <= LIMITS.max_entries);
            let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            prop_assert_eq!(names.len(), entries.len(), "no name twice");
            for e in &entries {
                prop_assert!(package_limit(&e.name).is_some_and(|max| e.data.len() as u64 <= max));
            }
            // What the archive carried either is the signed manifest's files or is
            // caught by it.
            let files: Vec<(&str, &[u8])> = entries
                .iter()
                .filter(|e| !e.name.starts_with("manifest.json"))
                .map(|e| (e.name.as_str(), &e.data[..]))
                .collect();
            let json = entries.iter().find(|e| e.name == "manifest.json");
            let sig = entries.iter().find(|e| e.name == "manifest.json.minisig");
            if let (Some(j), Some(s)) = (json, sig) {
                let believed = SignedManifest::parse(&j.data, &s.data)
                    .and_then(|r| r.verify_self().map(|_| r))
                    .and_then(|r| r.manifest.check_files(&files).map(|()| r));
                if let Ok(r) = believed {
                    prop_assert_eq!(&r.manifest, &VALID.manifest);
                    prop_assert_eq!(&files[..], &[("monitoring.json", MONITORING), ("protocol.toml", PROTOCOL)][..]);
                }
            }
        }
    }
}
