//! An agency's card: what a Board adds to its directory after comparing the fingerprint
//! over the phone. Every field is covered by the card's own signature, and what would
//! make a name look like another is refused with the field named.

use escalate_trust::{
    fingerprint, new_recipient, Card, PublicKey, Signature, SigningKey, TrustError, CARD_FORMAT,
    MAX_CARD,
};
use serde_json::Value;

use crate::at;

fn card_for(agency: &str, key: &SigningKey) -> Card {
    let (_, recipient) = new_recipient();
    Card::make(agency, "Health", key, &recipient, at(2026, 3, 2), None).unwrap()
}

fn made() -> (SigningKey, Card) {
    let key = SigningKey::generate().unwrap();
    let card = card_for("Northshire Children's Services", &key);
    (key, card)
}

/// The card file with one key's value replaced, as an attacker would edit it.
fn edited(card: &Card, key: &str, value: Value) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(&card.to_json()).unwrap();
    v[key] = value;
    serde_json::to_vec_pretty(&v).unwrap()
}

/// What a card's signatures are over, rebuilt by hand as docs/export-format.md says:
/// the compact JSON of format, agency, sector, signing_key, recipient and created_at, in
/// that order (names here hold nothing JSON escapes).
fn body_of(card: &Card) -> String {
    format!(
        r#"{{"format":"{}","agency":"{}","sector":"{}","signing_key":"{}","recipient":"{}","created_at":"{}"}}"#,
        card.format,
        card.agency,
        card.sector,
        card.signing_key,
        card.recipient,
        card.created_at.format("%Y-%m-%dT%H:%M:%S"),
    )
}

fn refused(bytes: &[u8]) -> TrustError {
    match Card::parse(bytes) {
        Ok(card) => panic!("a card that should be refused was read: {card:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_card_as_exported_reads_back_the_same_and_verifies() {
    let (key, card) = made();
    let file = card.to_json();
    assert!(file.ends_with('\n'), "a card file ends with a newline");
    let read = Card::parse(file.as_bytes()).unwrap();
    assert_eq!(read, card);
    assert_eq!(read.format, CARD_FORMAT);
    assert_eq!(read.public_key().unwrap(), *key.public());
    assert_eq!(read.key_id().unwrap(), key.public().key_id());
    assert_eq!(read.endorsing_key().unwrap(), None);
    read.verify().unwrap();
}

#[test]
fn the_self_signature_is_minisigns_over_the_documented_compact_json() {
    // docs/export-format.md says what the signature is over; anyone checking a card by
    // hand rebuilds these bytes.
    let (key, card) = made();
    let body = body_of(&card);
    let sig = Signature::parse(card.signature.as_bytes()).unwrap();
    key.public().verify(body.as_bytes(), &sig).unwrap();
    assert_eq!(
        sig.trusted_comment(),
        format!("escalate-card/1 {}", key.public().key_id())
    );
}

#[test]
fn the_fingerprint_is_stable_short_and_the_keys_alone() {
    let (key, card) = made();
    let f = card.fingerprint().unwrap();
    assert_eq!(f, fingerprint(key.public()));
    assert_eq!(
        f,
        Card::parse(card.to_json().as_bytes())
            .unwrap()
            .fingerprint()
            .unwrap()
    );
    // Five groups of four upper-case hex digits: 80 bits, read aloud over the phone.
    let groups: Vec<&str> = f.split(' ').collect();
    assert_eq!(groups.len(), 5, "{f}");
    assert!(groups
        .iter()
        .all(|g| g.len() == 4 && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))));
    // The same key read back from its base64 line gives the same fingerprint; another
    // card of the same key (other name, other recipient) shows the same one.
    let again = PublicKey::from_base64(key.public().base64()).unwrap();
    assert_eq!(fingerprint(&again), f);
    assert_eq!(card_for("Another Name", &key).fingerprint().unwrap(), f);
    // Another key, another fingerprint.
    let other = SigningKey::generate().unwrap();
    assert_ne!(fingerprint(other.public()), f);
}

#[test]
fn each_field_changed_after_signing_is_refused() {
    let (_, card) = made();
    let (_, other_recipient) = new_recipient();
    let other_key = SigningKey::generate().unwrap();
    let changes: Vec<(&str, Value)> = vec![
        ("agency", Value::from("Northshire Childrens Services")),
        ("sector", Value::from("Education")),
        ("recipient", Value::from(other_recipient)),
        ("created_at", Value::from("2026-03-02T10:30:01")),
        ("signing_key", Value::from(other_key.public().base64())),
    ];
    for (field, value) in changes {
        let e = refused(&edited(&card, field, value));
        assert_eq!(e.field, "signature", "{field} changed: {e}");
    }
    // The card's signature replaced by one its key made over something else.
    let (key, card) = made();
    let stray = key.sign(
        b"something else",
        &format!("escalate-card/1 {}", key.public().key_id()),
    );
    let e = refused(&edited(&card, "signature", Value::from(stray.unwrap())));
    assert_eq!(e.field, "signature", "{e}");
    // Another format: not a card this Escalate reads.
    let e = refused(&edited(&card, "format", Value::from("escalate-card/2")));
    assert_eq!(e.field, "format", "{e}");
}

#[test]
fn a_signature_over_the_fields_with_another_trusted_comment_is_refused() {
    let (key, card) = made();
    let body = body_of(&card);
    // Over the same bytes, but as an endorsement of itself: its comment is not the
    // card's own.
    let sig = key
        .sign(
            body.as_bytes(),
            &format!("escalate-card/1 endorses {}", key.public().key_id()),
        )
        .unwrap();
    let e = refused(&edited(&card, "signature", Value::from(sig)));
    assert_eq!(e.field, "signature", "{e}");
    assert!(e.message.contains("trusted comment"), "{e}");
}

#[test]
fn unknown_or_repeated_keys_and_oversized_files_are_refused() {
    let (_, card) = made();
    let e = refused(&edited(
        &card,
        "website",
        Value::from("https://example.org"),
    ));
    assert_eq!(e.field, "card");
    assert!(e.message.contains("website is not a key of a card"), "{e}");

    // A second "agency" key: JSON readers disagree on which wins, so neither does.
    let file = card.to_json();
    let twice = file.replacen(
        "\"agency\":",
        "\"agency\": \"Someone Else\",\n  \"agency\":",
        1,
    );
    assert_ne!(twice, file);
    let e = refused(twice.as_bytes());
    assert_eq!(e.field, "card");
    assert!(e.message.contains("agency is given more than once"), "{e}");

    // Over the bound: refused on its size, before it is read.
    let mut big = file.clone().into_bytes();
    big.truncate(big.len() - 2);
    big.extend(std::iter::repeat_n(b' ', MAX_CARD));
    big.extend(b"}\n");
    let e = refused(&big);
    assert_eq!(e.field, "card");
    assert!(e.message.contains("bytes"), "{e}");

    let e = refused(b"not json");
    assert_eq!(e.field, "card");
    assert!(
        e.message.contains("identity export"),
        "the fix is named: {e}"
    );
}

#[test]
fn malformed_keys_are_refused_with_the_field_named() {
    let (_, card) = made();
    for bad in [
        "",
        "RWQ",
        "not a key at all, not a key at all, not a key at all, x",
        // The right length and alphabet, but not a minisign key (wrong algorithm tag).
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        // The card's own key with its algorithm tag changed: the minisign crate would
        // verify the key's signatures under this text too, making one key two.
        &format!("AA{}", &card.signing_key[2..]),
    ] {
        let e = refused(&edited(&card, "signing_key", Value::from(bad)));
        assert_eq!(e.field, "signing_key", "{bad:?}: {e}");
        assert!(e.message.contains("minisign"), "{e}");
    }
    for bad in [
        "",
        "age1",
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        // An age recipient with its last character changed: the checksum fails.
        &{
            let (_, r) = new_recipient();
            let mut r = r.into_bytes();
            let last = r.len() - 1;
            r[last] = if r[last] == b'q' { b'p' } else { b'q' };
            String::from_utf8(r).unwrap()
        },
        // Upper case: age reads it, but it is not how age writes it.
        &card.recipient.to_uppercase(),
    ] {
        let e = refused(&edited(&card, "recipient", Value::from(bad)));
        assert_eq!(e.field, "recipient", "{bad:?}: {e}");
        assert!(e.message.contains("age1"), "the fix is named: {e}");
    }
}

#[test]
fn one_key_has_one_text() {
    let key = SigningKey::generate().unwrap();
    let text = key.public().base64();
    assert!(text.starts_with("RW"));
    for other in [
        format!("AA{}", &text[2..]),
        format!("RX{}", &text[2..]),
        format!(" {text}x").trim().to_owned(),
    ] {
        let e = PublicKey::from_base64(&other).unwrap_err();
        assert_eq!(e.field, "signing_key", "{other}: {e}");
    }
    // Spaces around the line, as a copied line may carry, are not another key.
    assert_eq!(
        PublicKey::from_base64(&format!(" {text}\n")).unwrap(),
        *key.public()
    );
}

#[test]
fn names_that_would_show_as_another_name_are_refused() {
    let (key, card) = made();
    let (_, recipient) = new_recipient();
    let tricks = [
        ("bidi override", "Northshire \u{202E}secivreS"),
        ("bidi isolate", "Northshire \u{2066}Services\u{2069}"),
        ("zero-width space", "North\u{200B}shire"),
        ("zero-width joiner", "North\u{200D}shire"),
        ("byte order mark", "\u{FEFF}Northshire"),
        ("soft hyphen", "North\u{00AD}shire"),
        ("control", "Northshire\u{0007}"),
        ("newline", "Northshire\nServices"),
        ("tab", "Northshire\tServices"),
        ("leading space", " Northshire"),
        ("trailing space", "Northshire "),
        ("empty", ""),
    ];
    for (what, name) in tricks {
        // Refused when a card is made with it...
        let e = Card::make(name, "Health", &key, &recipient, at(2026, 3, 2), None).unwrap_err();
        assert_eq!(e.field, "agency", "{what}: {e}");
        // ...and when a card file carrying it is read, before its signature is looked at.
        let e = refused(&edited(&card, "agency", Value::from(name)));
        assert_eq!(e.field, "agency", "{what}: {e}");
        // The sector too.
        let e = refused(&edited(&card, "sector", Value::from(name)));
        assert_eq!(e.field, "sector", "{what}: {e}");
    }
    let long = "N".repeat(201);
    assert_eq!(
        Card::make(&long, "Health", &key, &recipient, at(2026, 3, 2), None)
            .unwrap_err()
            .field,
        "agency"
    );
    // Names in any script are fine: only what hides itself is refused.
    let ok = Card::make(
        "Gwasanaethau Plant — Ceredigion",
        "Iechyd",
        &key,
        &recipient,
        at(2026, 3, 2),
        None,
    )
    .unwrap();
    assert_eq!(Card::parse(ok.to_json().as_bytes()).unwrap(), ok);
}

#[test]
fn a_date_outside_the_years_a_card_can_have_is_refused() {
    let (key, _) = made();
    let (_, recipient) = new_recipient();
    let old = Card::make(
        "Northshire",
        "Health",
        &key,
        &recipient,
        at(1989, 12, 31),
        None,
    )
    .unwrap();
    assert_eq!(old.verify().unwrap_err().field, "created_at");
    assert_eq!(
        Card::parse(old.to_json().as_bytes()).unwrap_err().field,
        "created_at"
    );
}

#[test]
fn a_rotated_card_endorsed_by_the_key_it_replaces_verifies() {
    let old = SigningKey::generate().unwrap();
    let new = SigningKey::generate().unwrap();
    let (_, recipient) = new_recipient();
    let rotated = Card::make(
        "Northshire Children's Services",
        "Health",
        &new,
        &recipient,
        at(2026, 9, 1),
        Some(&old),
    )
    .unwrap();
    let read = Card::parse(rotated.to_json().as_bytes()).unwrap();
    assert_eq!(read, rotated);
    assert_eq!(read.public_key().unwrap(), *new.public());
    assert_eq!(read.endorsing_key().unwrap(), Some(old.public().clone()));
    assert_ne!(read.fingerprint().unwrap(), fingerprint(old.public()));

    // The endorsement is over the same fields: change one and it, too, fails (the self
    // signature is checked first, so rebuild the self signature to reach it).
    let mut forged = rotated.clone();
    forged.agency = "Southshire".to_owned();
    let resigned = Card::make(
        "Southshire",
        "Health",
        &new,
        &recipient,
        at(2026, 9, 1),
        None,
    )
    .unwrap();
    forged.signature = resigned.signature;
    let e = forged.verify().unwrap_err();
    assert_eq!(e.field, "endorsed_by", "{e}");
}

#[test]
fn a_card_endorsed_by_its_own_key_is_refused() {
    let key = SigningKey::generate().unwrap();
    let (_, recipient) = new_recipient();
    let card = Card::make(
        "Northshire",
        "Health",
        &key,
        &recipient,
        at(2026, 9, 1),
        Some(&key),
    )
    .unwrap();
    let e = card.verify().unwrap_err();
    assert_eq!(e.field, "endorsed_by", "{e}");
    let e = refused(card.to_json().as_bytes());
    assert_eq!(e.field, "endorsed_by", "{e}");
}

#[test]
fn an_endorsement_lifted_from_another_card_is_refused() {
    let old = SigningKey::generate().unwrap();
    let (_, recipient) = new_recipient();
    // The old key endorsed one new card...
    let genuine_new = SigningKey::generate().unwrap();
    let genuine = Card::make(
        "Northshire",
        "Health",
        &genuine_new,
        &recipient,
        at(2026, 9, 1),
        Some(&old),
    )
    .unwrap();
    // ...and someone holding another key copies that endorsement onto their own card.
    let thief = SigningKey::generate().unwrap();
    let mut stolen = Card::make(
        "Northshire",
        "Health",
        &thief,
        &recipient,
        at(2026, 9, 1),
        None,
    )
    .unwrap();
    stolen.endorsed_by = genuine.endorsed_by.clone();
    let e = stolen.verify().unwrap_err();
    assert_eq!(e.field, "endorsed_by", "{e}");
    let e = refused(stolen.to_json().as_bytes());
    assert_eq!(e.field, "endorsed_by", "{e}");

    // An endorsement by the old key over these very fields but naming another new key
    // in its trusted comment is refused too.
    let body = body_of(&stolen);
    let mut misnamed = stolen.clone();
    misnamed.endorsed_by = Some(escalate_trust::Endorsement {
        signing_key: old.public().base64().to_owned(),
        signature: old
            .sign(
                body.as_bytes(),
                &format!("escalate-card/1 endorses {}", genuine_new.public().key_id()),
            )
            .unwrap(),
    });
    let e = misnamed.verify().unwrap_err();
    assert_eq!(e.field, "endorsed_by", "{e}");
    assert!(e.message.contains("trusted comment"), "{e}");
    // With the right comment the same signature is accepted: the comment was the fault.
    let mut right = stolen.clone();
    right.endorsed_by = Some(escalate_trust::Endorsement {
        signing_key: old.public().base64().to_owned(),
        signature: old
            .sign(
                body.as_bytes(),
                &format!("escalate-card/1 endorses {}", thief.public().key_id()),
            )
            .unwrap(),
    });
    right.verify().unwrap();
}
