//! Exchange packages (`escalate-exchange/1`): what one agency's store sends another.
//! Each kind goes round trip word for word; every refusal names its part; a package
//! changed behind its signature, or signed by another key, is refused; hostile bytes
//! never panic; and the real tools (age, tar, Debian's minisign) open and verify what
//! Escalate seals. The tools must be installed: without them the interop test fails.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use escalate_report::exchange::{
    open_exchange, seal_exchange, Answer, Destination, EventKind, Exchange, ExchangeBody,
    ExchangeParty, ExchangeProtocol, ExchangeSigner, NotificationRef, OpenedExchange, Origin,
    SharedCase, SharedEvent, EXCHANGE_NAME, PROTOCOL_NAME,
};
use escalate_report::ReportError;
use escalate_trust::{
    new_recipient, read_archive, write_archive, Limits, Manifest, SigningKey, EXCHANGE_FORMAT,
    MANIFEST_NAME, PACKAGE_FORMAT, SIGNATURE_NAME,
};
use proptest::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::t;

const SCHOOL: &str = "Northshire Primary School";
const SOCIAL_CARE: &str = "Northshire Children's Social Care";
const PROTOCOL: &str =
    "[protocol]\nid = \"northshire-rpd\"\nversion = \"2026.1\"\n# the text the case runs under\n";

fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// This store's age identity and recipient.
fn receiver() -> (String, String) {
    let (identity, recipient) = new_recipient();
    (identity.to_string(), recipient)
}

fn common(body: ExchangeBody, from: &str, to: &str, reference: &str) -> Exchange {
    Exchange {
        format: EXCHANGE_FORMAT.to_owned(),
        exchange: "0123456789abcdef0123456789abcdef".to_owned(),
        sequence: 1,
        from: Origin {
            agency: from.to_owned(),
            reference: reference.to_owned(),
        },
        to: Destination {
            agency: to.to_owned(),
        },
        sent_at: t("2026-11-20T16:30"),
        body,
    }
}

fn share() -> Exchange {
    common(
        ExchangeBody::Share {
            protocol: ExchangeProtocol {
                id: "northshire-rpd".to_owned(),
                version: "2026.1".to_owned(),
                sha256: sha(PROTOCOL.as_bytes()),
            },
            case: SharedCase {
                child_name: "Siân Ó Briain".to_owned(),
                child_date_of_birth: NaiveDate::from_ymd_opt(2016, 3, 4),
                child_identifiers: Some("NHS 943 476 5919".to_owned()),
                raising: ExchangeParty {
                    agency: SCHOOL.to_owned(),
                    sector: Some("Education".to_owned()),
                },
                receiving: ExchangeParty {
                    agency: SOCIAL_CARE.to_owned(),
                    sector: None,
                },
                category: "Threshold for children's social care".to_owned(),
                opened_at: t("2026-11-02T09:15"),
                immediate_risk: false,
                route: Some("standard".to_owned()),
            },
            events: vec![
                SharedEvent {
                    at: t("2026-11-02T09:20"),
                    event: EventKind::StageRecord,
                    stage: Some(1),
                    record: Some(
                        json!({"concern": "Referral closed without a visit.\nSecond line.", "discussed_with": "DSL"}),
                    ),
                    words: None,
                },
                SharedEvent {
                    at: t("2026-11-09T11:00"),
                    event: EventKind::Escalate,
                    stage: Some(2),
                    record: None,
                    words: Some("No agreement at stage 1 — escalating.".to_owned()),
                },
            ],
        },
        SCHOOL,
        SOCIAL_CARE,
        "RPD-2026-0001",
    )
}

fn response(answer: Answer, reason: Option<&str>) -> Exchange {
    let mut x = common(
        ExchangeBody::Response {
            in_reply_to: 1,
            answer,
            reason: reason.map(str::to_owned),
            record: Some(json!({"position": "Threshold not met on the information held."})),
        },
        SOCIAL_CARE,
        SCHOOL,
        "RPD-2026-0417",
    );
    x.sent_at = t("2026-11-21T10:05");
    x
}

fn notification(child_name: Option<&str>) -> Exchange {
    common(
        ExchangeBody::Notification {
            notification: NotificationRef {
                id: "business-unit-copy".to_owned(),
                title: "Copy to the Business Unit".to_owned(),
            },
            stage: 3,
            next_deadline: Some("2026-11-27".to_owned()),
            child_name: child_name.map(str::to_owned),
        },
        SCHOOL,
        "Northshire Safeguarding Partnership Board",
        "RPD-2026-0001",
    )
}

fn signer<'a>(key: &'a SigningKey, agency: &'a str) -> ExchangeSigner<'a> {
    ExchangeSigner { key, agency }
}

fn seal(x: &Exchange, protocol: Option<&str>, key: &SigningKey, to: &str) -> Vec<u8> {
    seal_exchange(x, protocol, &[to.to_owned()], signer(key, &x.from.agency)).unwrap()
}

/// The refusal's message, after checking it is the exchange's.
fn refusal<T: std::fmt::Debug>(r: Result<T, ReportError>) -> String {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => {
            assert_eq!(e.field(), Some("exchange"), "{e}");
            assert_eq!(e.code(), "export.invalid");
            e.to_string()
        }
    }
}

fn assert_refused<T: std::fmt::Debug>(r: Result<T, ReportError>, part: &str) {
    let m = refusal(r);
    assert!(m.contains(part), "the refusal should name {part:?}: {m}");
}

fn round_trip(x: &Exchange, protocol: Option<&str>) -> OpenedExchange {
    let key = SigningKey::generate().unwrap();
    let (identity, recipient) = receiver();
    let sealed = seal(x, protocol, &key, &recipient);
    let opened = open_exchange(&sealed, &identity).unwrap();
    assert_eq!(&opened.exchange, x);
    assert_eq!(opened.exchange_json, x.to_json().unwrap());
    assert_eq!(opened.protocol.as_deref(), protocol);
    assert_eq!(opened.manifest.format, EXCHANGE_FORMAT);
    assert_eq!(opened.manifest.sender.agency, x.from.agency);
    assert_eq!(opened.manifest.recipients, vec![recipient]);
    assert!(!opened.manifest.passphrase);
    assert_eq!(opened.manifest.created_at, x.sent_at);
    assert_eq!(&opened.signer, key.public());
    assert_eq!(
        opened.fingerprint,
        escalate_trust::fingerprint(key.public())
    );
    // What the receiver keeps verifies again later, as received.
    let again = escalate_trust::SignedManifest::parse(
        opened.manifest_json.as_bytes(),
        opened.signature.as_bytes(),
    )
    .unwrap();
    again.verify(key.public()).unwrap();
    opened
}

#[test]
fn a_share_goes_round_trip_with_its_protocol_text_and_records() {
    let x = share();
    let opened = round_trip(&x, Some(PROTOCOL));
    let names: Vec<&str> = opened
        .manifest
        .files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, [EXCHANGE_NAME, PROTOCOL_NAME]);
    let v: serde_json::Value = serde_json::from_slice(&opened.exchange_json).unwrap();
    assert_eq!(v["kind"], "share");
    assert_eq!(v["from"]["reference"], "RPD-2026-0001");
    assert_eq!(v["sent_at"], "2026-11-20T16:30:00");
    assert_eq!(v["events"][0]["event"], "stage.record");
    assert_eq!(v["case"]["child_date_of_birth"], "2016-03-04");
    // A share carries no other kind's fields.
    for f in [
        "answer",
        "in_reply_to",
        "notification",
        "child_name",
        "stage",
    ] {
        assert!(v.get(f).is_none(), "{f}");
    }
}

#[test]
fn a_response_goes_round_trip_for_each_answer() {
    for (answer, reason) in [
        (Answer::Acknowledge, None),
        (Answer::Agree, None),
        (
            Answer::Dispute,
            Some("The referral meets the threshold: see our record.\n\tThree incidents."),
        ),
    ] {
        let opened = round_trip(&response(answer, reason), None);
        let v: serde_json::Value = serde_json::from_slice(&opened.exchange_json).unwrap();
        assert_eq!(v["kind"], "response");
        assert_eq!(v["in_reply_to"], 1);
        assert!(v.get("case").is_none() && v.get("events").is_none());
    }
}

#[test]
fn a_notification_goes_round_trip_and_carries_a_childs_name_only_when_given() {
    let opened = round_trip(&notification(None), None);
    let v: serde_json::Value = serde_json::from_slice(&opened.exchange_json).unwrap();
    assert_eq!(v["kind"], "notification");
    assert_eq!(v["stage"], 3);
    assert!(v.get("child_name").is_none() && v.get("case").is_none());
    assert!(!String::from_utf8_lossy(&opened.exchange_json).contains("Siân"));

    let opened = round_trip(&notification(Some("Siân Ó Briain")), None);
    let v: serde_json::Value = serde_json::from_slice(&opened.exchange_json).unwrap();
    assert_eq!(v["child_name"], "Siân Ó Briain");
}

#[test]
fn sealing_refuses_what_would_not_be_believed_naming_the_part() {
    let key = SigningKey::generate().unwrap();
    let (_, recipient) = receiver();
    let to = [recipient.clone()];

    // Signed in another agency's name than the exchange's sender.
    assert_refused(
        seal_exchange(&share(), Some(PROTOCOL), &to, signer(&key, SOCIAL_CARE)),
        "from.agency",
    );
    // A share without its protocol text, or with another text.
    assert_refused(
        seal_exchange(&share(), None, &to, signer(&key, SCHOOL)),
        "protocol.toml",
    );
    assert_refused(
        seal_exchange(
            &share(),
            Some("[protocol]\nid = \"other\"\n"),
            &to,
            signer(&key, SCHOOL),
        ),
        "protocol.sha256",
    );
    // A response or notification with a protocol text.
    assert_refused(
        seal_exchange(
            &response(Answer::Agree, None),
            Some(PROTOCOL),
            &to,
            signer(&key, SOCIAL_CARE),
        ),
        "a response carries no protocol text",
    );
    assert_refused(
        seal_exchange(
            &notification(None),
            Some(PROTOCOL),
            &to,
            signer(&key, SCHOOL),
        ),
        "a notification carries no protocol text",
    );
    // No recipient; a recipient that is not age1….
    assert_refused(
        seal_exchange(&share(), Some(PROTOCOL), &[], signer(&key, SCHOOL)),
        "recipients",
    );
    let m = refusal(seal_exchange(
        &share(),
        Some(PROTOCOL),
        &["AGE-SECRET-KEY-1QQQQ".to_owned()],
        signer(&key, SCHOOL),
    ));
    assert!(
        m.contains("recipients: recipient 1 is not an age public key"),
        "{m}"
    );
    assert!(
        !m.contains("QQQQ"),
        "the refusal repeats what it was given: {m}"
    );
}

#[test]
fn the_rules_beyond_the_shape_are_checked_and_name_the_field() {
    let check = |x: Exchange, part: &str| assert_refused(x.check(), part);

    check(
        response(Answer::Dispute, None),
        "reason: a dispute must give its reason",
    );
    check(
        response(Answer::Dispute, Some("  \n ")),
        "reason: says nothing",
    );

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        events.swap(0, 1);
    }
    check(x, "events[1].at");

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        events[1].at = t("2026-11-21T09:00");
    }
    check(x, "events[1].at: is after sent_at");

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        let e = events[1].clone();
        events.resize(51, e);
    }
    check(x, "events: a share carries at most 50");

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        events[0].record = Some(json!(["not", "an", "object"]));
    }
    check(x, "events[0].record: must be a JSON object");

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        events[0].record = Some(json!({"concern": "x".repeat(300 * 1024)}));
    }
    check(x, "events[0].record: is larger than");

    let mut x = share();
    if let ExchangeBody::Share { case, .. } = &mut x.body {
        case.child_name = "Siân\u{202E}".to_owned();
    }
    check(
        x,
        "case.child_name: holds a control, bidi or zero-width character",
    );

    let mut x = share();
    if let ExchangeBody::Share { case, .. } = &mut x.body {
        case.category = "c".repeat(201);
    }
    check(x, "case.category: must be 1 to 200 characters");

    let mut x = share();
    if let ExchangeBody::Share { events, .. } = &mut x.body {
        events[1].words = Some("w".repeat(20_001));
    }
    check(x, "events[1].words: must be 1 to 20000 characters");

    let mut x = share();
    x.sent_at = t("1989-12-31T23:59");
    check(x, "sent_at: must be in 1990–2100");
    let mut x = notification(None);
    x.sent_at = t("2101-01-01T00:00");
    check(x, "sent_at: must be in 1990–2100");

    let mut x = share();
    x.exchange = "0123456789ABCDEF0123456789ABCDEF".to_owned();
    check(x, "exchange: must be 32 lower-case hex digits");
    let mut x = share();
    x.sequence = 0;
    check(x, "sequence");
    let mut x = share();
    x.from.reference = "RPD-2026-1".to_owned();
    check(x, "from.reference");
    let mut x = share();
    x.from.reference = format!("RPD-2026-{}", "1".repeat(32));
    check(x, "from.reference");
    let mut x = share();
    x.to.agency = SCHOOL.to_owned();
    check(x, "to.agency");
    let mut x = share();
    x.format = "escalate-exchange/2".to_owned();
    check(x, "format: must be escalate-exchange/1");

    let mut x = notification(None);
    if let ExchangeBody::Notification { next_deadline, .. } = &mut x.body {
        *next_deadline = Some("2026-02-30".to_owned());
    }
    check(x, "next_deadline");
    let mut x = notification(None);
    if let ExchangeBody::Notification { stage, .. } = &mut x.body {
        *stage = 21;
    }
    check(x, "stage: a stage is 0 to 20");
    let mut x = notification(None);
    if let ExchangeBody::Notification { next_deadline, .. } = &mut x.body {
        *next_deadline = Some("2026-11-27T14:30".to_owned());
    }
    x.check().unwrap();
}

#[test]
fn exchange_json_of_the_wrong_shape_is_refused_by_field_without_its_values() {
    let mut v = serde_json::to_value(notification(None)).unwrap();
    // A notification never carries the case, so never the child's other data.
    v["case"] = serde_json::to_value(match share().body {
        ExchangeBody::Share { case, .. } => case,
        _ => unreachable!(),
    })
    .unwrap();
    let m = refusal(Exchange::from_json(&serde_json::to_vec(&v).unwrap()));
    assert!(m.contains("case: a notification does not carry it"), "{m}");
    assert!(!m.contains("Siân"), "{m}");

    let mut v = serde_json::to_value(share()).unwrap();
    v["surprise"] = json!("Siân");
    assert_refused(
        Exchange::from_json(&serde_json::to_vec(&v).unwrap()),
        "surprise is not a field of escalate-exchange/1",
    );

    let mut v = serde_json::to_value(share()).unwrap();
    v["Siân \u{1b}[2J"] = json!(1);
    let m = refusal(Exchange::from_json(&serde_json::to_vec(&v).unwrap()));
    assert!(
        m.contains("it holds a key that is not a field of escalate-exchange/1"),
        "{m}"
    );
    assert!(!m.contains("Siân") && !m.contains('\u{1b}'), "{m}");

    let mut v = serde_json::to_value(share()).unwrap();
    v.as_object_mut().unwrap().remove("protocol");
    assert_refused(
        Exchange::from_json(&serde_json::to_vec(&v).unwrap()),
        "protocol: a share must carry it",
    );

    let mut v = serde_json::to_value(response(Answer::Agree, None)).unwrap();
    v["answer"] = json!("shrug");
    assert_refused(
        Exchange::from_json(&serde_json::to_vec(&v).unwrap()),
        "exchange.json does not follow escalate-exchange/1",
    );

    let text = String::from_utf8(share().to_json().unwrap()).unwrap();
    let twice = text.replacen(
        "\"sequence\": 1,",
        "\"sequence\": 1,\n  \"sequence\": 2,",
        1,
    );
    assert_refused(
        Exchange::from_json(twice.as_bytes()),
        "sequence is given more than once",
    );

    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_refused(Exchange::from_json(deep.as_bytes()), "exchange.json");
}

// ---- packages changed or made by hand ------------------------------------------

const ANY: Limits = Limits {
    max_entries: 10,
    max_total: 64 * 1024 * 1024,
    limit: |_| Some(64 * 1024 * 1024),
};

fn age_seal(plain: &[u8], recipient: &str) -> Vec<u8> {
    let r: age::x25519::Recipient = recipient.parse().unwrap();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

fn age_open(bytes: &[u8], identity: &str) -> Vec<u8> {
    let id: age::x25519::Identity = identity.parse().unwrap();
    let dec = age::Decryptor::new_buffered(bytes).unwrap();
    let mut r = dec
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

/// The files of a sealed package, in their order.
fn files_of(sealed: &[u8], identity: &str) -> Vec<(String, Vec<u8>)> {
    read_archive(age_open(sealed, identity).as_slice(), &ANY)
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect()
}

fn reseal(files: &[(String, Vec<u8>)], recipient: &str) -> Vec<u8> {
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    age_seal(&write_archive(&named, 0).unwrap(), recipient)
}

/// A package whose manifest (made and signed by `key`, in `agency`'s name, at `at`,
/// with `format`) lists exactly `files`.
fn hand_made(
    files: &[(&str, &[u8])],
    key: &SigningKey,
    agency: &str,
    format: &str,
    at: chrono::NaiveDateTime,
    recipient: &str,
) -> Vec<u8> {
    let m = Manifest::new(
        format,
        agency,
        key.public(),
        &[recipient.to_owned()],
        false,
        at,
        files,
    )
    .unwrap();
    let (json, sig) = m.sign(key).unwrap();
    let mut all = vec![
        (MANIFEST_NAME, json.as_slice()),
        (SIGNATURE_NAME, sig.as_bytes()),
    ];
    all.extend_from_slice(files);
    age_seal(&write_archive(&all, 0).unwrap(), recipient)
}

#[test]
fn one_byte_changed_in_exchange_json_and_resealed_is_refused_for_its_hash() {
    let key = SigningKey::generate().unwrap();
    let (identity, recipient) = receiver();
    let sealed = seal(
        &response(Answer::Dispute, Some("Threshold met.")),
        None,
        &key,
        &recipient,
    );
    let mut files = files_of(&sealed, &identity);
    let json = &mut files
        .iter_mut()
        .find(|(n, _)| n == EXCHANGE_NAME)
        .unwrap()
        .1;
    // One byte of the reason, the same length, still valid JSON and a valid exchange.
    let text = String::from_utf8(json.clone()).unwrap();
    let at = text.find("Threshold met").unwrap();
    json[at] = b't';
    let changed = reseal(&files, &recipient);
    assert_refused(
        open_exchange(&changed, &identity),
        "exchange.json is not the file that was signed: its SHA-256 differs from the manifest's",
    );

    // The same for the protocol text a share carries.
    let sealed = seal(&share(), Some(PROTOCOL), &key, &recipient);
    let mut files = files_of(&sealed, &identity);
    files
        .iter_mut()
        .find(|(n, _)| n == PROTOCOL_NAME)
        .unwrap()
        .1[0] = b'#';
    assert_refused(
        open_exchange(&reseal(&files, &recipient), &identity),
        "protocol.toml is not the file that was signed",
    );

    // Unchanged and resealed by hand, it still opens: the refusal was for the byte.
    let files = files_of(&sealed, &identity);
    open_exchange(&reseal(&files, &recipient), &identity).unwrap();
}

#[test]
fn another_keys_signature_is_refused() {
    let key = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let (identity, recipient) = receiver();
    let sealed = seal(&share(), Some(PROTOCOL), &key, &recipient);
    let mut files = files_of(&sealed, &identity);
    let manifest = files
        .iter()
        .find(|(n, _)| n == MANIFEST_NAME)
        .unwrap()
        .1
        .clone();
    let m: Manifest = serde_json::from_slice(&manifest).unwrap();
    // The same manifest bytes, signed by another key with the right trusted comment.
    let forged = other.sign(&manifest, &m.trusted_comment()).unwrap();
    files
        .iter_mut()
        .find(|(n, _)| n == SIGNATURE_NAME)
        .unwrap()
        .1 = forged.into_bytes();
    assert_refused(
        open_exchange(&reseal(&files, &recipient), &identity),
        "manifest: signature",
    );

    // A manifest naming the other key, signed by it, over the first key's files: it
    // opens, signed by the other key, which is for the caller to judge against its
    // directory; what it can never do is pass for the first key.
    let files = files_of(&sealed, &identity);
    let plain: Vec<(&str, &[u8])> = files
        .iter()
        .filter(|(n, _)| n != MANIFEST_NAME && n != SIGNATURE_NAME)
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let x = share();
    let bytes = hand_made(
        &plain,
        &other,
        SCHOOL,
        EXCHANGE_FORMAT,
        x.sent_at,
        &recipient,
    );
    let opened = open_exchange(&bytes, &identity).unwrap();
    assert_eq!(&opened.signer, other.public());
    assert_ne!(&opened.signer, key.public());
}

#[test]
fn a_package_that_does_not_hold_together_is_refused_naming_the_part() {
    let key = SigningKey::generate().unwrap();
    let (identity, recipient) = receiver();
    let x = response(Answer::Agree, None);
    let json = x.to_json().unwrap();
    let files: [(&str, &[u8]); 1] = [(EXCHANGE_NAME, &json)];

    // Signed in another agency's name than exchange.json's.
    let bytes = hand_made(&files, &key, SCHOOL, EXCHANGE_FORMAT, x.sent_at, &recipient);
    assert_refused(open_exchange(&bytes, &identity), "sender.agency");
    // Signed at another time than sent_at.
    let bytes = hand_made(
        &files,
        &key,
        SOCIAL_CARE,
        EXCHANGE_FORMAT,
        t("2026-11-21T10:06"),
        &recipient,
    );
    assert_refused(open_exchange(&bytes, &identity), "created_at");
    // An export package's manifest.
    let bytes = hand_made(
        &files,
        &key,
        SOCIAL_CARE,
        PACKAGE_FORMAT,
        x.sent_at,
        &recipient,
    );
    assert_refused(open_exchange(&bytes, &identity), "escalate-exchange/1");
    // A protocol text beside a response, listed in its manifest.
    let with = [
        (EXCHANGE_NAME, json.as_slice()),
        (PROTOCOL_NAME, PROTOCOL.as_bytes()),
    ];
    let bytes = hand_made(
        &with,
        &key,
        SOCIAL_CARE,
        EXCHANGE_FORMAT,
        x.sent_at,
        &recipient,
    );
    assert_refused(
        open_exchange(&bytes, &identity),
        "a response carries no protocol text",
    );
    // A share without its protocol text.
    let s = share().to_json().unwrap();
    let bytes = hand_made(
        &[(EXCHANGE_NAME, &s)],
        &key,
        SCHOOL,
        EXCHANGE_FORMAT,
        share().sent_at,
        &recipient,
    );
    assert_refused(
        open_exchange(&bytes, &identity),
        "a share carries the protocol text",
    );
    // A manifest that says it was sealed with a passphrase, naming no recipients.
    let m = Manifest::new(
        EXCHANGE_FORMAT,
        SOCIAL_CARE,
        key.public(),
        &[],
        true,
        x.sent_at,
        &files,
    )
    .unwrap();
    let (mj, ms) = m.sign(&key).unwrap();
    let all = [
        (MANIFEST_NAME, mj.as_slice()),
        (SIGNATURE_NAME, ms.as_bytes()),
        files[0],
    ];
    let bytes = age_seal(&write_archive(&all, 0).unwrap(), &recipient);
    assert_refused(
        open_exchange(&bytes, &identity),
        "manifest: recipients: an exchange package is sealed to its recipients' age keys",
    );
    // An exchange.json over its bound, refused from its tar header.
    let big = vec![b' '; 2 * 1024 * 1024 + 1];
    let bytes = hand_made(
        &[(EXCHANGE_NAME, &big)],
        &key,
        SOCIAL_CARE,
        EXCHANGE_FORMAT,
        x.sent_at,
        &recipient,
    );
    assert_refused(
        open_exchange(&bytes, &identity),
        "exchange.json declares 2097153 bytes; the limit is 2097152",
    );
    // No signed manifest at all.
    let bytes = age_seal(&write_archive(&files, 0).unwrap(), &recipient);
    assert_refused(
        open_exchange(&bytes, &identity),
        "manifest: it holds no signed manifest",
    );
    // A file no exchange package holds.
    let sealed = seal(&x, None, &key, &recipient);
    let mut more = files_of(&sealed, &identity);
    more.push(("report.pdf".to_owned(), b"%PDF-1.7".to_vec()));
    assert_refused(
        open_exchange(&reseal(&more, &recipient), &identity),
        "package: archive: entry 4",
    );
    // Sealed for someone else.
    let (other_identity, _) = receiver();
    assert_refused(
        open_exchange(&sealed, &other_identity),
        "identity: this store's key cannot open the package",
    );
    // A passphrase package: no key derivation is attempted, it is not for this store.
    let mut r = age::scrypt::Recipient::new(age::secrecy::SecretString::from(
        "a long passphrase".to_owned(),
    ));
    r.set_work_factor(10);
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(&age_open(&sealed, &identity)).unwrap();
    w.finish().unwrap();
    assert_refused(open_exchange(&out, &identity), "identity");
    // Not an identity; not a package; too large.
    assert_refused(open_exchange(&sealed, "not a key"), "identity");
    assert_refused(open_exchange(b"hello", &identity), "package");
    assert_refused(
        open_exchange(&vec![0u8; 8 * 1024 * 1024 + 1], &identity),
        "package: it is larger than any exchange package",
    );
}

// ---- hostile bytes ----------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..300))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
    ]
}

fn mutate(mut bytes: Vec<u8>, changes: &[Mutation]) -> Vec<u8> {
    for m in changes {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match m {
            Mutation::Set(i, b) => bytes[i % len] = *b,
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Insert(i, v) => {
                let at = i % len;
                bytes.splice(at..at, v.iter().copied());
            }
        }
    }
    bytes
}

struct Fixture {
    identity: String,
    recipient: String,
    sealed: Vec<u8>,
    plain: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let key = SigningKey::generate().unwrap();
        let (identity, recipient) = receiver();
        let sealed = seal(&share(), Some(PROTOCOL), &key, &recipient);
        let plain = age_open(&sealed, &identity);
        Fixture {
            identity,
            recipient,
            sealed,
            plain,
        }
    })
}

fn opens_or_refuses(bytes: &[u8]) -> Result<(), TestCaseError> {
    let f = fixture();
    match open_exchange(bytes, &f.identity) {
        Ok(o) => prop_assert!(o.exchange_json.len() <= bytes.len()),
        Err(e) => {
            prop_assert_eq!(e.field(), Some("exchange"));
            // No refusal repeats the child's name it may have read.
            prop_assert!(!e.to_string().contains("Siân"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn open_exchange_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        opens_or_refuses(&bytes)?;
    }

    #[test]
    fn open_exchange_never_panics_on_a_mutated_sealed_package(changes in proptest::collection::vec(mutation(), 1..4)) {
        opens_or_refuses(&mutate(fixture().sealed.clone(), &changes))?;
    }

    /// Behind age: the tar and the files inside changed, then sealed again, so the
    /// checks after decryption see the damage.
    #[test]
    fn open_exchange_never_panics_on_a_mutated_tar_resealed(changes in proptest::collection::vec(mutation(), 1..4)) {
        let f = fixture();
        opens_or_refuses(&age_seal(&mutate(f.plain.clone(), &changes), &f.recipient))?;
    }
}

// ---- the real tools -------------------------------------------------------------

/// Run `program` in `dir` under `timeout` (a minute), with no stdin: a tool that asks
/// for a password it should not need would otherwise hang the suite. A missing tool
/// fails the test with what to install.
fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    let start = Instant::now();
    let out = Command::new("timeout")
        .arg("60")
        .arg(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("timeout (coreutils) could not be run: {e}"));
    assert!(
        out.status.code() != Some(127),
        "{program} is not installed: `make test` installs the Debian packages age, minisign, tar and coreutils; these tests fail rather than skip without them"
    );
    assert!(
        out.status.code() != Some(124) && start.elapsed() < Duration::from_secs(60),
        "{program} took more than a minute"
    );
    out
}

#[test]
fn age_and_tar_open_it_and_debian_minisign_verifies_its_manifest() {
    let key = SigningKey::generate().unwrap();
    let (identity, recipient) = receiver();
    let x = share();
    let sealed = seal(&x, Some(PROTOCOL), &key, &recipient);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("share.escalate-exchange"), &sealed).unwrap();
    std::fs::write(
        d.join("store.key"),
        format!("# this store's age identity\n{identity}\n"),
    )
    .unwrap();
    std::fs::write(d.join("school.pub"), key.public().public_key_file()).unwrap();
    std::fs::create_dir(d.join("out")).unwrap();

    let out = run(
        "bash",
        &[
            "-c",
            "set -euo pipefail; age -d -i store.key share.escalate-exchange | tar -x -C out",
        ],
        d,
    );
    assert!(
        out.status.success(),
        "age -d | tar x: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = d.join("out");
    let mut names: Vec<String> = std::fs::read_dir(&o)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "exchange.json",
            "manifest.json",
            "manifest.json.minisig",
            "protocol.toml"
        ]
    );
    assert_eq!(
        std::fs::read(o.join(EXCHANGE_NAME)).unwrap(),
        x.to_json().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(o.join(PROTOCOL_NAME)).unwrap(),
        PROTOCOL
    );

    let out = run(
        "minisign",
        &["-V", "-p", "../school.pub", "-m", "manifest.json"],
        &o,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "minisign -V refused the exchange's manifest: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(o.join(MANIFEST_NAME)).unwrap()).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l == format!("Trusted comment: escalate-exchange/1 {}", manifest.id)),
        "{stdout}"
    );
    // And the hashes it lists are the files' own, as sha256sum sees them.
    for f in &manifest.files {
        let out = run("sha256sum", &[&f.name], &o);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(&f.sha256),
            "{}",
            f.name
        );
    }

    // minisign refuses another key.
    let other = SigningKey::generate().unwrap();
    std::fs::write(d.join("other.pub"), other.public().public_key_file()).unwrap();
    let out = run(
        "minisign",
        &["-V", "-p", "../other.pub", "-m", "manifest.json"],
        &o,
    );
    assert!(!out.status.success(), "minisign must refuse another key");
}
