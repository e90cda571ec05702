//! Sealing and opening packages on bytes alone: bad keys and weak passphrases named.
//! (Packages made from a real case are escalate-api's tests.)

use escalate_report::export::{self, Key, Seal};

use crate::*;

#[test]
fn bad_keys_and_weak_passphrases_are_named() {
    let e = export::seal(
        b"%PDF-",
        &dummy(),
        Seal::Recipients(&["age1nope".to_owned()]),
    )
    .unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(
        e.to_string()
            .starts_with("recipient: 'age1nope' is not an age public key"),
        "{e}"
    );
    let e = export::seal(b"%PDF-", &dummy(), Seal::Passphrase("short")).unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(e
        .to_string()
        .starts_with("passphrase: a package passphrase must be at least 12 characters"));
    // Bytes that are not a package are named as such, before any key is tried.
    let e = export::open(b"x", Key::Identity("not a key"), t("2026-11-20T17:00")).unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(
        e.to_string()
            .starts_with("package: it is not an Escalate export package"),
        "{e}"
    );
    // A real package with an identity that is not an age key: the identity is named.
    let (_, public) = export::keygen(t("2026-11-20T17:00"));
    let sealed = export::seal(b"%PDF-", &dummy(), Seal::Recipients(&[public])).unwrap();
    let e = export::open(&sealed, Key::Identity("not a key"), t("2026-11-20T17:00")).unwrap_err();
    assert_eq!(e.code(), "export.invalid");
    assert!(
        e.to_string().starts_with("identity: not an age identity"),
        "{e}"
    );
}

pub fn dummy() -> export::Monitoring {
    serde_json::from_value(serde_json::json!({
        "schema": "escalate-monitoring/1", "exported_at": "2026-11-20T17:00:00",
        "exported_by": {"name": "A", "designation": "B", "agency": "C"}, "reference": "RPD-2026-0001",
        "protocol": {"id": "london", "version": "September 2021", "partnership": "P"}, "minimised": false,
        "child": {"name": "X", "date_of_birth": null, "identifiers": null}, "category": "c",
        "raising": {"agency": "A", "sector": null}, "receiving": {"agency": "B", "sector": null},
        "opened_at": "2026-11-02T09:00:00", "status": "open", "stage_reached": 1, "stage_resolved": null,
        "closed_at": null, "calendar_days": null, "working_days": null, "immediate_risk": false,
        "stages": [], "outcome": null, "effectiveness": ""
    }))
    .unwrap()
}
