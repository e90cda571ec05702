//! Debian's minisign and Escalate read each other's signatures: anyone can check a
//! package's manifest without Escalate, and Escalate's checks are minisign's. minisign
//! must be installed (/usr/bin/minisign, Debian package `minisign`): without it these
//! tests fail, they do not skip.

use escalate_trust::{new_recipient, Card, PublicKey, Signature, SignedManifest, SigningKey};

use crate::manifests::package;
use crate::{at, run, Scratch};

const MINISIGN: &str = "minisign";

#[test]
fn debian_minisign_verifies_a_manifest_escalate_signed_with_the_cards_key_file() {
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
    let m = package(&key);
    let (json, sig) = m.sign(&key).unwrap();

    let dir = Scratch::make();
    std::fs::write(dir.join("manifest.json"), &json).unwrap();
    std::fs::write(dir.join("manifest.json.minisig"), &sig).unwrap();
    // The public-key file a Board member builds from the card they were given.
    let pub_file = card.public_key().unwrap().public_key_file();
    std::fs::write(dir.join("northshire.pub"), &pub_file).unwrap();

    let out = run(
        MINISIGN,
        &["-V", "-p", "northshire.pub", "-m", "manifest.json"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "minisign -V refused Escalate's signature: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout
            .lines()
            .any(|l| l == format!("Trusted comment: escalate-package/1 {}", m.id)),
        "minisign prints the trusted comment naming the package: {stdout}"
    );

    // -Q prints the trusted comment alone: what a script compares.
    let out = run(
        MINISIGN,
        &["-V", "-Q", "-p", "northshire.pub", "-m", "manifest.json"],
        dir.path(),
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        format!("escalate-package/1 {}", m.id)
    );

    // And minisign refuses what Escalate refuses: one byte changed, or another key.
    let mut changed = json.clone();
    let i = changed.iter().position(|&b| b == b'{').unwrap();
    changed.insert(i + 1, b' ');
    std::fs::write(dir.join("manifest.json"), &changed).unwrap();
    let out = run(
        MINISIGN,
        &["-V", "-p", "northshire.pub", "-m", "manifest.json"],
        dir.path(),
    );
    assert!(
        !out.status.success(),
        "minisign must refuse a changed manifest"
    );
    std::fs::write(dir.join("manifest.json"), &json).unwrap();
    let other = SigningKey::generate().unwrap();
    std::fs::write(dir.join("other.pub"), other.public().public_key_file()).unwrap();
    let out = run(
        MINISIGN,
        &["-V", "-p", "other.pub", "-m", "manifest.json"],
        dir.path(),
    );
    assert!(!out.status.success(), "minisign must refuse another key");
}

#[test]
fn the_public_key_file_is_minisigns_two_lines() {
    let key = SigningKey::generate().unwrap();
    let file = key.public().public_key_file();
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines.len(), 2, "{file}");
    assert_eq!(
        lines[0],
        format!(
            "untrusted comment: minisign public key {}",
            key.public().key_id()
        )
    );
    assert_eq!(lines[1], key.public().base64());
    assert!(lines[1].starts_with("RW") && lines[1].len() == 56);
    assert_eq!(PublicKey::from_base64(lines[1]).unwrap(), *key.public());
}

#[test]
fn escalate_verifies_what_debian_minisign_signed() {
    let dir = Scratch::make();
    let out = run(
        MINISIGN,
        &["-G", "-W", "-p", "agency.pub", "-s", "agency.key"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "minisign -G -W: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = b"{\"hello\": \"board\"}\n";
    std::fs::write(dir.join("manifest.json"), data).unwrap();
    let out = run(
        MINISIGN,
        &[
            "-S",
            "-s",
            "agency.key",
            "-t",
            "escalate-package/1 0123456789abcdef0123456789abcdef",
            "-m",
            "manifest.json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "minisign -S: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pub_text = std::fs::read_to_string(dir.join("agency.pub")).unwrap();
    let line = pub_text
        .lines()
        .nth(1)
        .expect("a minisign .pub has two lines");
    let key = PublicKey::from_base64(line).unwrap();
    // minisign's own key file names the key id Escalate computes. Debian's minisign
    // prints it without leading zeros (`%llX`), Escalate always with 16 digits: the same
    // number.
    let printed = pub_text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("untrusted comment: minisign public key "))
        .expect("minisign's first line names the key id");
    assert_eq!(
        u64::from_str_radix(printed.trim(), 16).unwrap(),
        u64::from_str_radix(&key.key_id(), 16).unwrap(),
        "{pub_text}"
    );
    let sig_text = std::fs::read(dir.join("manifest.json.minisig")).unwrap();
    let sig = Signature::parse(&sig_text).unwrap();
    assert_eq!(sig.key_id(), key.key_id());
    assert_eq!(
        sig.trusted_comment(),
        "escalate-package/1 0123456789abcdef0123456789abcdef"
    );
    key.verify(data, &sig).unwrap();
    // Not over other bytes.
    assert_eq!(key.verify(b"{}", &sig).unwrap_err().field, "signature");
    // Not as another key.
    let other = SigningKey::generate().unwrap();
    assert_eq!(
        other.public().verify(data, &sig).unwrap_err().field,
        "signature"
    );

    // minisign's legacy (non-prehashed) signature is refused by name.
    let out = run(
        MINISIGN,
        &[
            "-S",
            "-l",
            "-s",
            "agency.key",
            "-x",
            "legacy.minisig",
            "-m",
            "manifest.json",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let legacy = std::fs::read(dir.join("legacy.minisig")).unwrap();
    let e = Signature::parse(&legacy).unwrap_err();
    assert_eq!(e.field, "signature");
    assert!(e.message.contains("legacy"), "{e}");
}

#[test]
fn a_manifest_signed_by_debian_minisign_reads_as_a_signed_manifest() {
    // An agency with no Escalate at hand can still sign a manifest with minisign; the
    // package is then checked exactly as Escalate's own.
    let dir = Scratch::make();
    let out = run(
        MINISIGN,
        &["-G", "-W", "-p", "a.pub", "-s", "a.key"],
        dir.path(),
    );
    assert!(out.status.success());
    let pub_text = std::fs::read_to_string(dir.join("a.pub")).unwrap();
    let key = PublicKey::from_base64(pub_text.lines().nth(1).unwrap()).unwrap();

    // Escalate writes the manifest for that key (Manifest::new takes only the public
    // half), minisign signs it.
    let m = escalate_trust::Manifest::new(
        escalate_trust::PACKAGE_FORMAT,
        "Northshire",
        &key,
        &[],
        true,
        at(2026, 4, 14),
        &[("monitoring.json", b"{}")],
    )
    .unwrap();
    let mut json = serde_json::to_vec_pretty(&m).unwrap();
    json.push(b'\n');
    std::fs::write(dir.join("manifest.json"), &json).unwrap();
    let comment = m.trusted_comment();
    let out = run(
        MINISIGN,
        &["-S", "-s", "a.key", "-t", &comment, "-m", "manifest.json"],
        dir.path(),
    );
    assert!(out.status.success());
    let sig = std::fs::read(dir.join("manifest.json.minisig")).unwrap();
    let read = SignedManifest::parse(&json, &sig).unwrap();
    assert_eq!(read.verify(&key).unwrap(), &m);
    assert_eq!(read.verify_self().unwrap(), key);
}
