//! Versions and ids a lead cannot be misled by: a version that looks like an installed
//! one is refused; a shipped id with another text needs `replace_shipped`, and the
//! shipped version can be made current again; one unused version can be removed; the
//! same bank-holiday file twice is kept once. Each change replays from the log.

use std::path::Path;

use escalate_store::Store;

use crate::protocols::{west_yorkshire, west_yorkshire_revised};
use crate::support::*;

fn shipped_text(file: &str) -> String {
    escalate_core::builtin_texts()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| t.to_owned())
        .unwrap()
}

/// Doncaster's id with another partnership's text and version.
fn not_doncaster() -> (String, String) {
    let text = shipped_text("doncaster.toml");
    let line = text
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap()
        .to_owned();
    let shipped = line
        .trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_owned();
    (
        text.replacen(&line, "version = \"Neighbours 2030\"", 1),
        shipped,
    )
}

async fn entries(store: &Store) -> Vec<String> {
    store
        .audit_lines(1000)
        .await
        .unwrap()
        .into_iter()
        .map(|l| format!("{} {}", l.action, l.entity_id))
        .collect()
}

async fn current_version(store: &Store, id: &str) -> String {
    store.protocol(id).await.unwrap().version.clone()
}

#[tokio::test]
async fn a_shipped_id_is_replaced_only_when_asked_and_the_shipped_version_comes_back() {
    let f = fixture().await;
    let s = &f.store;
    let (text, shipped) = not_doncaster();
    let before = entries(s).await.len();
    let e = s
        .install_protocol("neighbours.toml", &text, now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "protocol.shipped");
    assert_eq!(e.field(), Some("replace_shipped"));
    let said = e.to_string();
    for says in [
        "'doncaster' is a protocol Escalate ships",
        "makes it the version new 'doncaster' cases use",
        "The shipped version stays installed",
        "escalate protocol current doncaster VERSION",
        "--replace-shipped",
    ] {
        assert!(said.contains(says), "{said}");
    }
    assert_eq!(entries(s).await.len(), before, "a refusal writes nothing");
    assert_eq!(current_version(s, "doncaster").await, shipped);

    let installed = s
        .install_protocol_replacing("neighbours.toml", &text, true, now())
        .await
        .unwrap();
    assert!(installed.current && !installed.shipped);
    assert_eq!(current_version(s, "doncaster").await, "Neighbours 2030");

    // The shipped version is still there, and becomes current again.
    let made = s
        .make_protocol_current("doncaster", &shipped, now())
        .await
        .unwrap();
    assert!(made.current && made.shipped);
    assert_eq!(current_version(s, "doncaster").await, shipped);
    let e = s
        .make_protocol_current("doncaster", &shipped, now())
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("version"));
    let e = s
        .make_protocol_current("doncaster", "No such version", now())
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("version"));
    assert!(e.to_string().contains("Neighbours 2030"), "{e}");

    // The shipped version cannot be removed; the other, unused, can.
    let e = s
        .remove_protocol_version("doncaster", &shipped, now())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.field()),
        ("protocol.shipped", Some("version"))
    );
    let removed = s
        .remove_protocol_version("doncaster", "Neighbours 2030", now())
        .await
        .unwrap();
    assert_eq!(removed.version, "Neighbours 2030");
    let left: Vec<_> = s
        .installed_protocols()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.id == "doncaster")
        .map(|p| (p.version, p.shipped, p.current))
        .collect();
    assert_eq!(left, [(shipped.clone(), true, true)]);
    let log = entries(s).await;
    assert!(
        log.contains(&"protocol.current doncaster".to_owned()),
        "{log:?}"
    );
    assert!(
        log.contains(&"protocol.remove doncaster".to_owned()),
        "{log:?}"
    );

    // The tables are what the log replays to, and stay so across a reopen.
    assert!(s.check_caches().await.unwrap().ok());
    let f = f.reopen().await;
    assert!(f.store.check_caches().await.unwrap().ok());
    assert_eq!(current_version(&f.store, "doncaster").await, shipped);
}

#[tokio::test]
async fn a_version_in_use_or_current_is_not_removed() {
    let f = fixture().await;
    let s = &f.store;
    s.install_protocol("wy.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    let case = s
        .create_case(
            escalate_store::NewCase {
                protocol: Some("west-yorkshire".into()),
                opened_at: Some(t("2026-11-02T09:00")),
                ..new_case("A")
            },
            now(),
        )
        .await
        .unwrap();
    s.install_protocol("wy2.toml", &west_yorkshire_revised(), now())
        .await
        .unwrap();
    let e = s
        .remove_protocol_version(
            "west-yorkshire",
            "Amended December 2019 (as retrieved)",
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.field()),
        ("protocol.in_use", Some("version"))
    );
    assert!(e.to_string().contains(&case), "{e}");
    // The current version goes only with the protocol's last.
    let e = s
        .remove_protocol_version("west-yorkshire", "Revised 2026", now())
        .await
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.field()),
        ("protocol.in_use", Some("version"))
    );
    assert!(
        e.to_string()
            .contains("escalate protocol current west-yorkshire VERSION"),
        "{e}"
    );
    s.make_protocol_current(
        "west-yorkshire",
        "Amended December 2019 (as retrieved)",
        now(),
    )
    .await
    .unwrap();
    s.remove_protocol_version("west-yorkshire", "Revised 2026", now())
        .await
        .unwrap();
    assert!(s.check_caches().await.unwrap().ok());
}

#[tokio::test]
async fn a_version_that_looks_like_an_installed_one_is_refused() {
    let f = fixture().await;
    let s = &f.store;
    s.install_protocol("wy.toml", &west_yorkshire(), now())
        .await
        .unwrap();
    let v1 = "version = \"Amended December 2019 (as retrieved)\"";
    for look_alike in [
        "version = \"Amended\u{a0}December 2019 (as retrieved)\"",
        "version = \"amended december 2019 (AS RETRIEVED)\"",
        "version = \"Amended  December 2019 (as retrieved)\"",
    ] {
        let text = west_yorkshire().replacen(v1, look_alike, 1);
        let e = s
            .install_protocol("wy-again.toml", &text, now())
            .await
            .unwrap_err();
        assert_eq!(
            (e.code().as_str(), e.field()),
            ("protocol.version_exists", Some("version")),
            "{look_alike}: {e}"
        );
        assert!(
            e.to_string()
                .contains("looks the same as the installed version"),
            "{e}"
        );
    }
    // Hidden characters are refused as the file is checked, before any comparison.
    let text = west_yorkshire().replacen(v1, "version = \"Amended December 2019\u{200B}\"", 1);
    let e = s
        .install_protocol("wy-zw.toml", &text, now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "protocol.invalid");
    assert!(
        e.to_string()
            .contains("version: contains the invisible character U+200B"),
        "{e}"
    );
}

#[tokio::test]
async fn the_same_bank_holiday_file_twice_is_kept_once() {
    let mut f = fixture().await;
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/calendars/bank-holidays.json"),
    )
    .unwrap();
    let first = f
        .store
        .import_holidays("bank-holidays.json", &text, now())
        .await
        .unwrap();
    let log = entries(&f.store).await.len();
    let again = f
        .store
        .import_holidays("copy.json", &text, t("2026-12-01T09:00"))
        .await
        .unwrap();
    assert_eq!(again, first, "the import it already was");
    assert_eq!(f.store.holiday_imports().await.unwrap().len(), 1);
    assert_eq!(entries(&f.store).await.len(), log, "no second entry");
}
