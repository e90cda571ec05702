//! Installed, versioned protocols on real stores: install, upgrade and pin; a refused
//! install changes no byte; a move to another version changes the deadlines it should,
//! is audited and replays; a closed case never moves; an imported bank-holiday file
//! changes exactly the deadlines it should, and a malformed one changes nothing.

use std::path::Path;

use escalate_core::engine::DeadlineKind;
use escalate_core::{CalendarId, Due};
use escalate_store::{NewCase, Store};
use proptest::prelude::*;

use crate::support::*;

/// A partnership's protocol a lead installs from a file (not one Escalate ships).
pub fn west_yorkshire() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/protocols/west-yorkshire.toml"),
    )
    .unwrap()
}

/// The same protocol revised: a new version whose steps 1-5 have 7 working days.
pub fn west_yorkshire_revised() -> String {
    let v1 = west_yorkshire();
    let v2 = v1
        .replace(
            "version = \"Amended December 2019 (as retrieved)\"",
            "version = \"Revised 2026\"",
        )
        .replace(
            "within = \"5 working days\"\nfrom = \"case-start\"",
            "within = \"7 working days\"\nfrom = \"case-start\"",
        );
    assert_ne!(v1, v2);
    assert_eq!(v2.matches("7 working days").count(), 1);
    v2
}

fn wy_case(child: &str, opened: &str) -> NewCase {
    NewCase {
        protocol: Some("west-yorkshire".into()),
        opened_at: Some(t(opened)),
        ..new_case(child)
    }
}

/// The due of the case's steps 1-5 limit, as the store counts it now.
async fn limit_due(store: &Store, reference: &str) -> Due {
    let d = detail(store, reference, now()).await;
    d.status
        .deadlines
        .iter()
        .find(|x| x.kind == DeadlineKind::Limit && x.id == "steps-1-5")
        .unwrap_or_else(|| panic!("no steps-1-5 limit: {:?}", d.status.deadlines))
        .due
}

fn day(s: &str) -> Due {
    Due::EndOfDay(s.parse().unwrap())
}

async fn actions(store: &Store) -> Vec<String> {
    store
        .audit_lines(1000)
        .await
        .unwrap()
        .into_iter()
        .map(|l| format!("{} {}", l.action, l.entity_id))
        .collect()
}

#[tokio::test]
async fn a_protocol_is_installed_upgraded_and_each_case_stays_pinned_to_its_version() {
    let f = fixture().await;
    let s = &f.store;
    // The shipped protocols are installed when the store is made.
    let shipped = s.installed_protocols().await.unwrap();
    assert!(shipped.len() >= 5, "{shipped:?}");
    assert!(shipped
        .iter()
        .all(|p| p.shipped && p.current && p.cases == 0));
    // A protocol not installed is refused, naming the option and the fix.
    let e = s
        .create_case(wy_case("A", "2026-11-02T09:00"), now())
        .await
        .unwrap_err();
    assert_eq!(e.code, "protocol.unknown");
    assert!(
        e.to_string().contains("escalate protocol install FILE"),
        "{e}"
    );

    let v1 = s
        .install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    assert_eq!(
        (v1.id.as_str(), v1.version.as_str(), v1.shipped, v1.current),
        (
            "west-yorkshire",
            "Amended December 2019 (as retrieved)",
            false,
            true
        )
    );
    assert_eq!(v1.sha256.len(), 64);
    let a = s
        .create_case(wy_case("A", "2026-11-02T09:00"), now())
        .await
        .unwrap();
    // Mon 2 Nov + 5 working days.
    assert_eq!(limit_due(s, &a).await, day("2026-11-09"));

    let v2 = s
        .install_protocol("west-yorkshire-2026.toml", &west_yorkshire_revised(), now())
        .await
        .unwrap();
    assert_ne!(v1.sha256, v2.sha256);
    let b = s
        .create_case(wy_case("B", "2026-11-02T09:00"), now())
        .await
        .unwrap();
    // New cases use the newer version; the open one keeps its own.
    assert_eq!(limit_due(s, &b).await, day("2026-11-11"));
    assert_eq!(limit_due(s, &a).await, day("2026-11-09"));
    let da = detail(s, &a, now()).await;
    assert_eq!(
        (da.protocol_version.as_str(), da.protocol_sha256.as_str()),
        (v1.version.as_str(), v1.sha256.as_str())
    );

    let listed = s.installed_protocols().await.unwrap();
    let wy: Vec<_> = listed
        .iter()
        .filter(|p| p.id == "west-yorkshire")
        .map(|p| (p.version.as_str(), p.current, p.cases))
        .collect();
    assert_eq!(
        wy,
        [
            ("Amended December 2019 (as retrieved)", false, 1),
            ("Revised 2026", true, 1)
        ]
    );
    let log = actions(s).await;
    assert_eq!(
        log.iter()
            .filter(|a| *a == "protocol.install west-yorkshire")
            .count(),
        2,
        "{log:?}"
    );

    // The pins and the versions survive the store being closed and opened again.
    let f = f.reopen().await;
    assert_eq!(limit_due(&f.store, &a).await, day("2026-11-09"));
    assert_eq!(limit_due(&f.store, &b).await, day("2026-11-11"));
    // Removal is refused while a case uses it, and for a shipped protocol.
    let e = f
        .store
        .remove_protocol("west-yorkshire", now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "protocol.in_use");
    assert!(e.to_string().contains(&a), "{e}");
    let e = f
        .store
        .remove_protocol("western-bay", now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "protocol.shipped");
    assert!(f.store.verify_audit().await.unwrap().ok());
    assert!(f.store.check_caches().await.unwrap().ok());
}

#[tokio::test]
async fn a_refused_install_changes_no_byte_of_the_store() {
    let f = fixture().await;
    f.store
        .install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    let before = fingerprint(&dir);
    let broken = west_yorkshire().replace(
        "within = \"5 working days\"\nfrom = \"case-start\"",
        "within = \"5 fortnights\"\nfrom = \"case-start\"",
    );
    let other_text_same_version = west_yorkshire().replace("# West Yorkshire", "# Changed");
    let s = Store::open_with_key(&dir, &key).await.unwrap();
    for (file, text, code, says) in [
        (
            "mine.toml",
            broken.as_str(),
            "protocol.invalid",
            "mine.toml:37: limits[0].within",
        ),
        (
            "again.toml",
            &west_yorkshire(),
            "protocol.version_exists",
            "already installed",
        ),
        (
            "edited.toml",
            &other_text_same_version,
            "protocol.version_exists",
            "give the revised file a new `version`",
        ),
        ("empty.toml", "", "protocol.invalid", "empty.toml"),
    ] {
        let e = s.install_protocol(file, text, now()).await.unwrap_err();
        assert_eq!(e.code(), code, "{file}: {e}");
        assert!(e.to_string().contains(says), "{file}: {e}");
    }
    s.close().await;
    assert_eq!(fingerprint(&dir), before);
}

#[tokio::test]
async fn a_version_move_changes_the_deadlines_it_should_is_audited_and_replays() {
    let f = fixture().await;
    let s = &f.store;
    s.install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    let a = s
        .create_case(wy_case("A", "2026-11-02T09:00"), now())
        .await
        .unwrap();
    let other = s
        .create_case(wy_case("Other", "2026-11-02T09:00"), now())
        .await
        .unwrap();
    let v2 = s
        .install_protocol("west-yorkshire-2026.toml", &west_yorkshire_revised(), now())
        .await
        .unwrap();
    assert_eq!(limit_due(s, &a).await, day("2026-11-09"));
    let entries = s.verify_audit().await.unwrap().entries;
    let moved = s.move_protocol(&a, "Revised 2026", now()).await.unwrap();
    assert!(moved.moved, "{moved:?}");
    assert_eq!(limit_due(s, &a).await, day("2026-11-11"));
    // Only the case moved changes.
    assert_eq!(limit_due(s, &other).await, day("2026-11-09"));
    let d = detail(s, &a, now()).await;
    assert_eq!(d.protocol_sha256, v2.sha256);
    assert_eq!(d.protocol_version, "Revised 2026");
    // One entry, in the case's log and the audit trail.
    assert_eq!(s.verify_audit().await.unwrap().entries, entries + 1);
    assert!(actions(s)
        .await
        .contains(&format!("case.move_protocol {a}")));
    let file = s.case_file(&a).await.unwrap();
    assert!(file
        .events
        .iter()
        .any(|e| e.event.kind() == "move-protocol"));
    // A second move to where it is now is refused naming `to`.
    let e = s
        .move_protocol(&a, &v2.sha256[..12], now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to"), "{e}");
    let e = s
        .move_protocol(&a, "no such version", now())
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("to"), "{e}");
    assert!(e.to_string().contains("Revised 2026"), "{e}");

    // Replay reproduces it: from the log alone, after the store is opened again.
    let f = f.reopen().await;
    assert_eq!(limit_due(&f.store, &a).await, day("2026-11-11"));
    let caches = f.store.check_caches().await.unwrap();
    assert!(caches.ok(), "{caches:?}");
    assert_eq!(caches.cases, 2);
    assert!(f.store.verify_audit().await.unwrap().ok());
}

#[test]
fn a_version_move_never_changes_a_closed_case() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(fixture());
    let s = &f.store;
    rt.block_on(async {
        s.install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
            .await
            .unwrap();
        s.install_protocol("west-yorkshire-2026.toml", &west_yorkshire_revised(), now())
            .await
            .unwrap();
    });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let steps = (0u8..5, any::<bool>(), 1u32..20, any::<bool>());
    // Each run's history follows the last one's: the log never goes back.
    let clock = std::cell::Cell::new(now());
    runner
        .run(&steps, |(escalations, resolve, hours, to_old)| {
            rt.block_on(async {
                let mut at = clock.get();
                let r = s
                    .create_case(wy_case("Closed", "2026-11-02T09:00"), at)
                    .await
                    .unwrap();
                at += chrono::Duration::hours(1);
                for _ in 0..escalations {
                    at += chrono::Duration::hours(i64::from(hours));
                    s.escalate(&r, None, None, at).await.unwrap();
                }
                at += chrono::Duration::hours(1);
                if resolve {
                    s.resolve(&r, "Agreed", at).await.unwrap();
                } else {
                    s.withdraw(&r, "No longer needed", at).await.unwrap();
                }
                let before = s.case_file(&r).await.unwrap();
                let entries = s.verify_audit().await.unwrap().entries;
                let to = if to_old {
                    "Amended December 2019 (as retrieved)"
                } else {
                    "Revised 2026"
                };
                clock.set(at);
                let refused = s.move_protocol(&r, to, at).await;
                prop_assert!(refused.is_err(), "a closed case moved");
                // Refused as closed; or, asked for the version it already runs under,
                // refused naming `to` before its state is looked at.
                let e = refused.unwrap_err();
                let expected = if before.protocol.version == to {
                    "field.invalid"
                } else {
                    "case.closed"
                };
                prop_assert_eq!(e.code, expected, "{}", e);
                let after = s.case_file(&r).await.unwrap();
                prop_assert_eq!(&before.events, &after.events);
                prop_assert_eq!(&before.engine, &after.engine);
                prop_assert_eq!(&before.case.protocol_sha256, &after.case.protocol_sha256);
                prop_assert_eq!(s.verify_audit().await.unwrap().entries, entries);
                Ok(())
            })
        })
        .unwrap();
    rt.block_on(async {
        assert!(s.check_caches().await.unwrap().ok());
    });
}

/// GOV.UK's `bank-holidays.json` as a lead might download it, written for this test:
/// Scotland's 2026 with its 15 June (FIFA World Cup) day, and an extra day on Wednesday
/// 2 December 2026 that no shipped list has, so the import has something to change.
pub const BANK_HOLIDAYS: &str = r#"{"england-and-wales":{"division":"england-and-wales","events":[
{"title":"New Year’s Day","date":"2026-01-01","notes":"","bunting":true},
{"title":"Good Friday","date":"2026-04-03","notes":"","bunting":false},
{"title":"Easter Monday","date":"2026-04-06","notes":"","bunting":true},
{"title":"Early May bank holiday","date":"2026-05-04","notes":"","bunting":true},
{"title":"Spring bank holiday","date":"2026-05-25","notes":"","bunting":true},
{"title":"Summer bank holiday","date":"2026-08-31","notes":"","bunting":true},
{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true},
{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]},
"scotland":{"division":"scotland","events":[
{"title":"New Year’s Day","date":"2026-01-01","notes":"","bunting":true},
{"title":"2nd January","date":"2026-01-02","notes":"","bunting":true},
{"title":"Good Friday","date":"2026-04-03","notes":"","bunting":false},
{"title":"Early May bank holiday","date":"2026-05-04","notes":"","bunting":true},
{"title":"Spring bank holiday","date":"2026-05-25","notes":"","bunting":true},
{"title":"Extra bank holiday (FIFA World Cup)","date":"2026-06-15","notes":"","bunting":true},
{"title":"Summer bank holiday","date":"2026-08-03","notes":"","bunting":true},
{"title":"St Andrew’s Day","date":"2026-11-30","notes":"","bunting":true},
{"title":"Extra bank holiday","date":"2026-12-02","notes":"","bunting":true},
{"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true},
{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}]}}
"#;

#[tokio::test]
async fn an_imported_bank_holiday_file_changes_exactly_the_deadlines_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let keys = MemoryKeys::default();
    let scottish = escalate_store::Profile {
        calendar: CalendarId::Scotland,
        ..profile()
    };
    let mut s = Store::create(&dir.path().join("data"), scottish, &pass(), &keys, now())
        .await
        .unwrap();
    s.install_protocol("west-yorkshire.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    // Opened Wed 10 June: Thu 11, Fri 12, (Mon 15 June is Scotland's), Tue 16, Wed 17, Thu 18.
    let june = s
        .create_case(wy_case("June", "2026-06-10T09:00"), now())
        .await
        .unwrap();
    // Opened Wed 25 Nov: Thu 26, Fri 27, (Mon 30 St Andrew's Day), Tue 1, Wed 2, Thu 3 Dec.
    let december = s
        .create_case(
            wy_case("December", "2026-11-25T09:00"),
            t("2026-11-27T17:00"),
        )
        .await
        .unwrap();
    // Opened Mon 2 Nov: due Mon 9 Nov, nowhere near a changed day.
    let november = s
        .create_case(
            wy_case("November", "2026-11-02T09:00"),
            t("2026-11-27T17:00"),
        )
        .await
        .unwrap();
    let before = [
        limit_due(&s, &june).await,
        limit_due(&s, &december).await,
        limit_due(&s, &november).await,
    ];
    assert_eq!(
        before,
        [day("2026-06-18"), day("2026-12-03"), day("2026-11-09")]
    );

    // A malformed file: refused with its line and field, and nothing changes.
    let malformed = BANK_HOLIDAYS.replace("\"2026-12-02\"", "\"2026-12-32\"");
    let entries = s.verify_audit().await.unwrap().entries;
    let e = s
        .import_holidays("bank-holidays.json", &malformed, t("2026-11-27T17:00"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "calendar.file_invalid");
    let msg = e.to_string();
    assert!(
        msg.contains("bank-holidays.json:19: scotland.events[8].date"),
        "{msg}"
    );
    assert_eq!(s.verify_audit().await.unwrap().entries, entries);
    assert!(s.holiday_imports().await.unwrap().is_empty());
    assert_eq!(limit_due(&s, &december).await, day("2026-12-03"));

    let imported = s
        .import_holidays("bank-holidays.json", BANK_HOLIDAYS, t("2026-11-27T17:00"))
        .await
        .unwrap();
    assert_eq!(imported.nations.len(), 2);
    // Only the deadline whose count runs over 2 December moves, by that one day.
    let after = [
        limit_due(&s, &june).await,
        limit_due(&s, &december).await,
        limit_due(&s, &november).await,
    ];
    assert_eq!(
        after,
        [day("2026-06-18"), day("2026-12-04"), day("2026-11-09")]
    );
    assert!(actions(&s)
        .await
        .contains(&"calendar.import bank-holidays".to_owned()));
    // Kept in the store: the next open counts the same.
    let data = s.dir().to_path_buf();
    s.close().await;
    let mut s = Store::open(&data, None, &keys).await.unwrap();
    assert_eq!(limit_due(&s, &december).await, day("2026-12-04"));
    assert_eq!(s.holiday_imports().await.unwrap().len(), 1);

    // A later file, imported on 10 December, lists a day already past (Thu 26 Nov) and
    // one ahead (Tue 15 Dec). The past is not rewritten: the December case, whose count
    // ran over 26 November, keeps its deadline; a case opened on 10 December counts the
    // new day ahead: Fri 11, Mon 14, (Tue 15), Wed 16, Thu 17, Fri 18.
    let later = BANK_HOLIDAYS.replace(
        "{\"title\":\"Extra bank holiday\",\"date\":\"2026-12-02\",\"notes\":\"\",\"bunting\":true},",
        "{\"title\":\"Extra bank holiday\",\"date\":\"2026-12-02\",\"notes\":\"\",\"bunting\":true},\n\
         {\"title\":\"Proclaimed after the day\",\"date\":\"2026-11-26\",\"notes\":\"\",\"bunting\":true},\n\
         {\"title\":\"Proclaimed ahead\",\"date\":\"2026-12-15\",\"notes\":\"\",\"bunting\":true},",
    );
    assert_ne!(later, BANK_HOLIDAYS);
    s.import_holidays("later.json", &later, t("2026-12-10T09:00"))
        .await
        .unwrap();
    let opened_later = s
        .create_case(wy_case("Later", "2026-12-10T09:00"), t("2026-12-10T09:30"))
        .await
        .unwrap();
    assert_eq!(limit_due(&s, &december).await, day("2026-12-04"));
    assert_eq!(limit_due(&s, &june).await, day("2026-06-18"));
    assert_eq!(limit_due(&s, &opened_later).await, day("2026-12-18"));
    // The same after a restart, when the imports are merged again from the store.
    s.close().await;
    let s = Store::open(&data, None, &keys).await.unwrap();
    assert_eq!(limit_due(&s, &december).await, day("2026-12-04"));
    assert_eq!(limit_due(&s, &opened_later).await, day("2026-12-18"));
    assert!(s.verify_audit().await.unwrap().ok());
    assert!(s.check_caches().await.unwrap().ok());
}

#[tokio::test]
async fn a_malformed_bank_holiday_file_changes_no_byte_of_the_store() {
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    let before = fingerprint(&dir);
    let mut s = Store::open_with_key(&dir, &key).await.unwrap();
    for text in [
        "",
        "{\"scotland\": {\"events\": [{\"title\": \"Day\", \"date\": \"15/06/2026\"}]}}",
        "[1, 2, 3]",
    ] {
        let e = s
            .import_holidays("bank-holidays.json", text, now())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "calendar.file_invalid", "{e}");
        assert!(e.to_string().starts_with("bank-holidays.json"), "{e}");
    }
    s.close().await;
    assert_eq!(fingerprint(&dir), before);
}
