//! The signed manifest: a package or bundle is believed only when its manifest was
//! signed by the key it names, over exactly these bytes, for this id, and every file it
//! holds is the one the manifest names.

use escalate_trust::{
    new_id, new_recipient, FileHash, Manifest, SignedManifest, SigningKey, TrustError,
    BUNDLE_FORMAT, MAX_FILES, MAX_MANIFEST, PACKAGE_FORMAT,
};

use crate::at;

pub const MONITORING: &[u8] = br#"{"case":"RPD-0042","stage":2}"#;
pub const PROTOCOL: &[u8] = b"id = \"rpd\"\nversion = 3\n";

/// A package's manifest from Northshire, sealed to one recipient.
pub fn package(key: &SigningKey) -> Manifest {
    let (_, board) = new_recipient();
    Manifest::new(
        PACKAGE_FORMAT,
        "Northshire Children's Services",
        key.public(),
        &[board],
        false,
        at(2026, 4, 14),
        &[("monitoring.json", MONITORING), ("protocol.toml", PROTOCOL)],
    )
    .unwrap()
}

fn refused_on_read(json: &[u8], sig: &str) -> TrustError {
    match SignedManifest::parse(json, sig.as_bytes()) {
        Ok(m) => panic!(
            "a manifest that should be refused was read: {:?}",
            m.manifest
        ),
        Err(e) => e,
    }
}

/// `manifest` as its signer would sign it, without [`Manifest::new`]'s checks: what a
/// hostile or broken sender can write.
fn signed_anyway(manifest: &Manifest, key: &SigningKey) -> (Vec<u8>, String) {
    let mut json = serde_json::to_vec_pretty(manifest).unwrap();
    json.push(b'\n');
    let sig = key.sign(&json, &manifest.trusted_comment()).unwrap();
    (json, sig)
}

#[test]
fn a_signed_manifest_reads_back_and_verifies_by_its_key() {
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    let (json, sig) = m.sign(&key).unwrap();
    assert!(json.ends_with(b"\n"));
    let read = SignedManifest::parse(&json, sig.as_bytes()).unwrap();
    assert_eq!(read.manifest, m);
    assert_eq!(read.key_id(), key.public().key_id());
    assert_eq!(read.json(), &json[..]);
    assert_eq!(read.signature_text(), sig);
    assert_eq!(read.verify(key.public()).unwrap(), &m);
    assert_eq!(read.verify_self().unwrap(), *key.public());
    // What the manifest says, as docs/export-format.md says it.
    assert_eq!(m.format, "escalate-package/1");
    assert_eq!(m.id.len(), 32);
    assert_eq!(m.trusted_comment(), format!("escalate-package/1 {}", m.id));
    assert_eq!(m.sender.key_id, key.public().key_id());
    assert_eq!(m.sender.signing_key, key.public().base64());
    assert_eq!(
        m.files[0],
        FileHash {
            name: "monitoring.json".into(),
            size: MONITORING.len() as u64,
            sha256: sha256_hex(MONITORING),
        }
    );
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "format",
        "id",
        "sender",
        "recipients",
        "passphrase",
        "created_at",
        "files",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    // Two manifests, two ids: a signature cannot be moved from one to another.
    assert_ne!(package(&key).id, m.id);
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[test]
fn one_byte_of_the_manifest_changed_is_refused() {
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    let (json, sig) = m.sign(&key).unwrap();
    // A byte of a file's hash: still a well-formed manifest, but not the one signed.
    let text = String::from_utf8(json.clone()).unwrap();
    let at_hash = text.find(&m.files[0].sha256).unwrap();
    let mut changed = json.clone();
    changed[at_hash] = if changed[at_hash] == b'0' { b'1' } else { b'0' };
    let read = SignedManifest::parse(&changed, sig.as_bytes()).unwrap();
    let e = read.verify(key.public()).unwrap_err();
    assert_eq!(e.field, "signature", "{e}");
    assert!(read.verify_self().is_err());
    // Only whitespace changed: the same manifest to a JSON reader, other bytes to the
    // signature.
    let mut spaced = json.clone();
    spaced.insert(1, b' ');
    let read = SignedManifest::parse(&spaced, sig.as_bytes()).unwrap();
    assert_eq!(read.manifest, m);
    assert_eq!(read.verify(key.public()).unwrap_err().field, "signature");
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let key = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let m = package(&key);
    // Manifest::sign will not sign with a key other than the one the manifest names.
    assert_eq!(m.sign(&other).unwrap_err().field, "sender");
    // Signed by another key anyway: refused when read.
    let (json, _) = m.sign(&key).unwrap();
    let sig = other.sign(&json, &m.trusted_comment()).unwrap();
    let e = refused_on_read(&json, &sig);
    assert_eq!(e.field, "signature", "{e}");
    // Genuinely signed, but checked against another key (the directory's, say).
    let (json, sig) = m.sign(&key).unwrap();
    let read = SignedManifest::parse(&json, sig.as_bytes()).unwrap();
    let e = read.verify(other.public()).unwrap_err();
    assert_eq!(e.field, "signature", "{e}");
    // A manifest naming another sender's key with its key id, signed by the key it names
    // (the impersonator's own): it verifies only as that key, never as the real one.
    let mut imposter = m.clone();
    imposter.sender.key_id = other.public().key_id();
    imposter.sender.signing_key = other.public().base64().to_owned();
    let (json, sig) = imposter.sign(&other).unwrap();
    let read = SignedManifest::parse(&json, sig.as_bytes()).unwrap();
    assert_eq!(read.verify_self().unwrap(), *other.public());
    assert!(read.verify(key.public()).is_err());
}

#[test]
fn a_signature_over_the_same_bytes_for_another_id_is_refused() {
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    let (json, _) = m.sign(&key).unwrap();
    for comment in [
        format!("{PACKAGE_FORMAT} {}", new_id().unwrap()),
        format!("{BUNDLE_FORMAT} {}", m.id),
        String::new(),
    ] {
        let sig = key.sign(&json, &comment).unwrap();
        let read = SignedManifest::parse(&json, sig.as_bytes()).unwrap();
        let e = read.verify(key.public()).unwrap_err();
        assert_eq!(e.field, "signature", "{comment:?}: {e}");
        assert!(e.message.contains("trusted comment"), "{e}");
    }
}

#[test]
fn a_manifest_that_names_files_wrongly_is_refused_when_made_and_when_read() {
    let key = SigningKey::generate().unwrap();
    let new_with = |files: &[(&str, &[u8])]| {
        Manifest::new(
            PACKAGE_FORMAT,
            "Northshire",
            key.public(),
            &[],
            false,
            at(2026, 4, 14),
            files,
        )
    };
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("named twice", vec!["monitoring.json", "monitoring.json"]),
        ("parent folder", vec!["../monitoring.json"]),
        ("parent inside", vec!["protocols/../../etc/passwd"]),
        ("absolute", vec!["/etc/passwd"]),
        ("dot only", vec!["."]),
        ("empty part", vec!["protocols//a.toml"]),
        ("backslash", vec!["..\\monitoring.json"]),
        ("space", vec!["monitoring .json"]),
        ("itself", vec!["manifest.json"]),
        ("its signature", vec!["manifest.json.minisig"]),
        ("empty", vec![""]),
    ];
    for (what, names) in cases {
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, MONITORING)).collect();
        let e = new_with(&files).unwrap_err();
        assert_eq!(e.field, "files", "{what}: {e}");
        // The same, written by a sender who skipped the checks: refused when read.
        let mut m = package(&key);
        m.files = names
            .iter()
            .map(|n| FileHash {
                name: (*n).to_owned(),
                size: 1,
                sha256: sha256_hex(b"x"),
            })
            .collect();
        let (json, sig) = signed_anyway(&m, &key);
        let e = refused_on_read(&json, &sig);
        assert_eq!(e.field, "files", "{what}: {e}");
    }
}

#[test]
fn a_file_named_twice_is_refused_with_its_name() {
    let key = SigningKey::generate().unwrap();
    let mut m = package(&key);
    m.files.push(m.files[0].clone());
    let (json, sig) = signed_anyway(&m, &key);
    let e = refused_on_read(&json, &sig);
    assert_eq!(e.field, "files");
    assert!(e.message.contains("monitoring.json twice"), "{e}");
}

#[test]
fn too_many_files_and_too_big_a_manifest_are_refused() {
    let key = SigningKey::generate().unwrap();
    let names: Vec<String> = (0..=MAX_FILES)
        .map(|i| format!("cards/{i:03}.card.json"))
        .collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"{}"[..])).collect();
    let e = Manifest::new(
        BUNDLE_FORMAT,
        "Board",
        key.public(),
        &[],
        false,
        at(2026, 4, 14),
        &files,
    )
    .unwrap_err();
    assert_eq!(e.field, "files", "{e}");
    // Exactly the limit is fine.
    let m = Manifest::new(
        BUNDLE_FORMAT,
        "Board",
        key.public(),
        &[],
        false,
        at(2026, 4, 14),
        &files[..MAX_FILES],
    )
    .unwrap();
    let (json, sig) = m.sign(&key).unwrap();
    SignedManifest::parse(&json, sig.as_bytes())
        .unwrap()
        .verify(key.public())
        .unwrap();
    // One more, written by a sender who skipped the checks: refused when read.
    let mut over = m.clone();
    over.files.push(FileHash {
        name: "cards/extra.card.json".into(),
        size: 2,
        sha256: sha256_hex(b"{}"),
    });
    let (json, sig) = signed_anyway(&over, &key);
    assert!(json.len() <= MAX_MANIFEST, "the count is what is refused");
    assert_eq!(refused_on_read(&json, &sig).field, "files");

    // Over 64 KiB: refused on its size, before it is parsed or its signature checked.
    let m = package(&key);
    let (mut json, _) = m.sign(&key).unwrap();
    json.extend(std::iter::repeat_n(b' ', MAX_MANIFEST));
    let sig = key.sign(&json, &m.trusted_comment()).unwrap();
    let e = refused_on_read(&json, &sig);
    assert_eq!(e.field, "manifest", "{e}");
    assert!(e.message.contains("limit"), "{e}");
}

#[test]
fn a_hash_that_is_not_lower_case_sha256_hex_is_refused() {
    let key = SigningKey::generate().unwrap();
    let good = sha256_hex(MONITORING);
    for bad in [
        good.to_uppercase(),
        good[..63].to_owned(),
        format!("{good}0"),
        format!("{}g", &good[..63]),
        String::new(),
    ] {
        let mut m = package(&key);
        m.files[0].sha256 = bad.clone();
        let (json, sig) = signed_anyway(&m, &key);
        let e = refused_on_read(&json, &sig);
        assert_eq!(e.field, "files", "{bad:?}: {e}");
        assert!(
            e.message.contains("monitoring.json"),
            "the file is named: {e}"
        );
    }
}

#[test]
fn other_rules_of_the_manifest_name_their_field() {
    let key = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let (_, r) = new_recipient();
    type Edit = fn(&mut Manifest, &SigningKey, &str);
    let edits: Vec<(&str, Edit)> = vec![
        ("format", |m, _, _| m.format = "escalate-package/2".into()),
        ("id", |m, _, _| m.id = "A".repeat(32)),
        ("sender.agency", |m, _, _| {
            m.sender.agency = "North\u{202E}shire".into()
        }),
        ("sender.key_id", |m, o, _| {
            m.sender.key_id = o.public().key_id()
        }),
        ("sender.signing_key", |m, _, _| {
            m.sender.signing_key = "RWQ".into()
        }),
        ("recipients", |m, _, _| {
            m.recipients = vec!["age1nope".into()]
        }),
        ("recipients", |m, _, r| {
            m.recipients = vec![r.into(), r.into()]
        }),
        ("recipients", |m, _, _| m.passphrase = true),
        ("created_at", |m, _, _| m.created_at = crate::at(2101, 1, 1)),
    ];
    for (field, edit) in edits {
        let mut m = package(&key);
        edit(&mut m, &other, &r);
        let (json, sig) = signed_anyway(&m, &key);
        let e = refused_on_read(&json, &sig);
        assert_eq!(e.field, field, "{e}");
    }
    // An unknown key in the manifest: not a manifest this Escalate reads.
    let m = package(&key);
    let mut v: serde_json::Value = serde_json::to_value(&m).unwrap();
    v["note"] = "hello".into();
    let json = serde_json::to_vec_pretty(&v).unwrap();
    let sig = key.sign(&json, &m.trusted_comment()).unwrap();
    assert_eq!(refused_on_read(&json, &sig).field, "manifest");
}

#[test]
fn check_files_finds_the_extra_the_missing_and_the_changed_file() {
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    m.check_files(&[("monitoring.json", MONITORING), ("protocol.toml", PROTOCOL)])
        .unwrap();
    // In another order: the same files.
    m.check_files(&[("protocol.toml", PROTOCOL), ("monitoring.json", MONITORING)])
        .unwrap();

    let e = m
        .check_files(&[
            ("monitoring.json", MONITORING),
            ("protocol.toml", PROTOCOL),
            ("evil.sh", b"rm -rf ~"),
        ])
        .unwrap_err();
    assert_eq!(e.field, "files");
    assert!(
        e.message.contains("evil.sh") && e.message.contains("not in its signed manifest"),
        "{e}"
    );

    let e = m
        .check_files(&[("monitoring.json", MONITORING)])
        .unwrap_err();
    assert_eq!(e.field, "files");
    assert!(
        e.message.contains("protocol.toml") && e.message.contains("missing"),
        "{e}"
    );

    let mut changed = MONITORING.to_vec();
    changed[10] ^= 1;
    let e = m
        .check_files(&[("monitoring.json", &changed), ("protocol.toml", PROTOCOL)])
        .unwrap_err();
    assert_eq!(e.field, "files");
    assert!(
        e.message.contains("monitoring.json") && e.message.contains("SHA-256"),
        "{e}"
    );

    // Same hash prefix is irrelevant; a file cut short is caught by its size and hash.
    let e = m
        .check_files(&[
            ("monitoring.json", &MONITORING[..5]),
            ("protocol.toml", PROTOCOL),
        ])
        .unwrap_err();
    assert!(e.message.contains("monitoring.json"), "{e}");
}

/// The `.minisig` with line `n` (0-based) replaced by `f` of it.
fn with_line(sig: &str, n: usize, f: impl Fn(&str) -> String) -> String {
    let mut lines: Vec<String> = sig.lines().map(str::to_owned).collect();
    lines[n] = f(&lines[n]);
    lines.join("\n") + "\n"
}

#[test]
fn a_short_global_signature_is_refused_not_a_crash() {
    // The minisign crate reads a global signature of any length and its verify then
    // indexes past the end: a hostile package's .minisig must be refused on reading.
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    let (json, sig) = m.sign(&key).unwrap();
    for cut in [0, 4, 40, 84] {
        let short = with_line(&sig, 3, |l| l[..cut].to_owned());
        let e = refused_on_read(&json, &short);
        assert_eq!(e.field, "signature", "{cut}: {e}");
        assert_eq!(
            escalate_trust::Signature::parse(short.as_bytes())
                .unwrap_err()
                .field,
            "signature"
        );
    }
}

#[test]
fn a_signature_has_one_text() {
    // A base64 line whose padding is replaced by a digit reads as the same bytes to the
    // minisign crate: a second text for one signature, which would let one package be
    // counted as two. Refused; so are CRLF line ends and a missing last line.
    let key = SigningKey::generate().unwrap();
    let m = package(&key);
    let (json, sig) = m.sign(&key).unwrap();
    let line2 = sig.lines().nth(1).unwrap();
    assert!(line2.ends_with('='), "{line2}");
    let respelled = with_line(&sig, 1, |l| format!("{}A", &l[..l.len() - 1]));
    assert_eq!(refused_on_read(&json, &respelled).field, "signature");
    let respelled = with_line(&sig, 3, |l| format!("{}AA", &l[..l.len() - 2]));
    assert_eq!(refused_on_read(&json, &respelled).field, "signature");
    assert_eq!(
        refused_on_read(&json, &sig.replace('\n', "\r\n")).field,
        "signature"
    );
    let three: String = sig.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert_eq!(refused_on_read(&json, &three).field, "signature");
    // The untrusted comment is not signed, and may say anything.
    let recommented = with_line(&sig, 0, |_| {
        "untrusted comment: from the Board's inbox".into()
    });
    let read = SignedManifest::parse(&json, recommented.as_bytes()).unwrap();
    assert_eq!(read.verify(key.public()).unwrap(), &m);
}
