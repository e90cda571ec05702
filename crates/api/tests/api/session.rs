//! Opening a store the one way both front ends do (the real OS keyring first, then the
//! recovery passphrase), creating one with the app's confirmation, the demo store, and
//! which secret a command line's options and environment give, read through bounds.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use escalate_api::session::{self, Secrets};
use escalate_api::{cases, ApiError};
use escalate_core::ErrorCode;
use escalate_store::{NoKeyring, OsKeyring, Passphrase, Profile};

use crate::*;

const PASS: &str = "correct horse battery staple";

fn require_keyring() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests use the real OS keyring: run `make test` or `scripts/with-keyring cargo test`"
    );
}

fn profile() -> Profile {
    Profile {
        name: "Alex Morgan".into(),
        designation: "Designated Safeguarding Lead".into(),
        agency: "Ysgol Gyfun Bryn".into(),
        sector: Sector::Schools,
        protocol_id: "western-bay".into(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: escalate_api::settings::DEFAULT_AUTO_LOCK_MINUTES,
    }
}

fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

fn code_and_field(e: &ApiError) -> (ErrorCode, Option<&str>) {
    (e.code, e.field.as_deref())
}

#[tokio::test]
async fn the_keyring_opens_first_and_the_passphrase_when_it_has_no_key() {
    require_keyring();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let keyring = OsKeyring::default();
    let s = session::create(
        &dir,
        profile(),
        &Passphrase::new(PASS),
        None,
        &keyring,
        now(),
    )
    .await
    .unwrap();
    let reference = cases::create(&s, new_case("Keyring"), now()).await.unwrap();
    session::close(s).await;

    // The keyring has the key: no passphrase is asked for, and a wrong one given
    // beside it is never tried.
    let s = session::open(&dir, None, &keyring).await.unwrap();
    assert!(s.notices.is_empty(), "{:?}", s.notices);
    session::close(s).await;
    let wrong = Passphrase::new("not the passphrase at all");
    let s = session::open(&dir, Some(&wrong), &keyring).await.unwrap();
    session::close(s).await;

    // No key where the store is opened (a new laptop, or the keyring switched off):
    // the passphrase opens it, and without one the refusal names it.
    let none = session::keyring(false);
    let e = session::open(&dir, None, none.as_ref()).await.unwrap_err();
    assert_eq!(
        code_and_field(&e),
        (ErrorCode::KeyPassphraseNeeded, Some("passphrase"))
    );
    let e = session::open(&dir, Some(&wrong), none.as_ref())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    let s = session::open(&dir, Some(&Passphrase::new(PASS)), none.as_ref())
        .await
        .unwrap();
    assert_eq!(
        cases::list(&s, true, None, now()).await.unwrap()[0].reference,
        reference
    );
    session::close(s).await;
    assert!(session::exists(&dir));
    assert!(!session::exists(tmp.path()));
}

/// The app's unlock screen: what the lead typed is used as typed, even where the
/// keyring holds the key; nothing typed is the keyring.
#[tokio::test]
async fn an_unlock_uses_the_passphrase_typed_and_the_keyring_without_one() {
    require_keyring();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let keyring = OsKeyring::default();
    let s = session::create(
        &dir,
        profile(),
        &Passphrase::new(PASS),
        None,
        &keyring,
        now(),
    )
    .await
    .unwrap();
    session::close(s).await;

    // Nothing typed, or a blank: the keyring's key.
    for typed in [None, Some("")] {
        let s = session::unlock(&dir, typed, &keyring).await.unwrap();
        session::close(s).await;
    }
    // A wrong passphrase typed is refused though the keyring could open the store.
    let e = session::unlock(&dir, Some("not the passphrase at all"), &keyring)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::KeyWrongPassphrase);
    // Without a key in the keyring, nothing typed asks for the passphrase, and the
    // right one opens.
    let none = session::keyring(false);
    let e = session::unlock(&dir, None, none.as_ref())
        .await
        .unwrap_err();
    assert_eq!(
        code_and_field(&e),
        (ErrorCode::KeyPassphraseNeeded, Some("passphrase"))
    );
    let s = session::unlock(&dir, Some(PASS), none.as_ref())
        .await
        .unwrap();
    session::close(s).await;
}

#[tokio::test]
async fn a_confirmation_that_differs_is_refused_and_nothing_is_made() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let pass = Passphrase::new(PASS);
    let e = session::create(
        &dir,
        profile(),
        &pass,
        Some("correct horse battery stapel"),
        &NoKeyring,
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        code_and_field(&e),
        (ErrorCode::FieldInvalid, Some("confirm"))
    );
    assert!(e.message.starts_with("confirm: does not match"), "{e}");
    assert!(!dir.exists(), "a refused creation makes nothing");
    // The command line gives no confirmation; the app's typed back matches.
    let s = session::create(&dir, profile(), &pass, Some(PASS), &NoKeyring, now())
        .await
        .unwrap();
    assert_eq!(s.profile(), &profile());
    session::close(s).await;
    let e = session::create(&dir, profile(), &pass, None, &NoKeyring, now())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::StoreExists);
    let short = Passphrase::new("short");
    let e = session::create(
        &tmp.path().join("other"),
        profile(),
        &short,
        None,
        &NoKeyring,
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("passphrase"));
    assert_eq!(session::new_passphrase().unwrap().expose().len(), 47);
}

#[tokio::test]
async fn the_demo_store_is_made_anew_each_time_with_sample_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let s = session::open_demo(&dir, now()).await.unwrap();
    assert!(s.notices.is_empty());
    assert_eq!(s.profile(), &escalate_api::demo::profile());
    let first = cases::list(&s, true, None, now()).await.unwrap();
    assert!(first.len() >= 5, "{first:?}");
    // A case added by hand is gone when the demo is made again.
    cases::create(&s, new_case("Added by hand"), now())
        .await
        .unwrap();
    session::close(s).await;
    let s = session::open_demo(&dir, now()).await.unwrap();
    let again = cases::list(&s, true, None, now()).await.unwrap();
    assert_eq!(again.len(), first.len());
    assert!(again.iter().all(|c| c.child_name != "Added by hand"));
    session::close(s).await;
    // It opens with its own passphrase and lives in no keyring.
    let s = session::open(
        &dir,
        Some(&Passphrase::new(escalate_api::demo::PASSPHRASE)),
        &NoKeyring,
    )
    .await
    .unwrap();
    session::close(s).await;
}

#[test]
fn the_data_folder_is_the_one_given_or_the_platforms() {
    let given = Path::new("/tmp/somewhere");
    assert_eq!(session::data_dir(Some(given)).unwrap(), given);
    let default = session::data_dir(None).unwrap();
    assert!(default.ends_with("escalate"), "{}", default.display());
}

fn os(s: &str) -> Option<OsString> {
    Some(OsString::from(s))
}

fn written(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_command_lines_secrets_come_from_its_file_then_its_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let file = written(tmp.path(), "pass.txt", b"from the file\n");
    let secrets = Secrets {
        passphrase_file: Some(file.clone()),
        recovery_env: os("from the environment"),
        package_env: os("the package's, from the environment"),
        ..Secrets::default()
    };
    // The file wins, without its line break.
    assert_eq!(
        secrets.recovery().unwrap().unwrap().expose(),
        "from the file"
    );
    assert_eq!(
        secrets.package().unwrap().unwrap().expose(),
        "from the file"
    );
    // Where the command seals or opens packages, the file is the packages'; the store's
    // passphrase comes from its own variable.
    let packages = Secrets {
        packages: true,
        ..secrets
    };
    assert_eq!(
        packages.recovery().unwrap().unwrap().expose(),
        "from the environment"
    );
    assert_eq!(
        packages.package().unwrap().unwrap().expose(),
        "from the file"
    );
    let env_only = Secrets {
        passphrase_file: None,
        ..packages
    };
    assert_eq!(
        env_only.package().unwrap().unwrap().expose(),
        "the package's, from the environment"
    );

    // An empty variable is none; a missing one, when needed, names the option.
    let none = Secrets {
        recovery_env: os(""),
        ..Secrets::default()
    };
    assert!(none.recovery().unwrap().is_none());
    let e = none.require_recovery("creating a store").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("passphrase_file"));
    assert_eq!(
        e.message,
        "passphrase_file: creating a store needs the recovery passphrase: give ESCALATE_PASSPHRASE or --passphrase-file"
    );
    let e = none.new_recovery().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("new_passphrase_file"));
    let new = Secrets {
        new_recovery_env: os("the new one"),
        ..Secrets::default()
    };
    assert_eq!(new.new_recovery().unwrap().expose(), "the new one");
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_text_is_refused_naming_its_option() {
    use std::os::unix::ffi::OsStringExt;
    let secrets = Secrets {
        recovery_env: Some(OsString::from_vec(vec![0x66, 0xff, 0x6f])),
        ..Secrets::default()
    };
    let e = secrets.recovery().unwrap_err();
    assert_eq!(
        (e.field.as_deref(), e.message.as_str()),
        (
            Some("passphrase_file"),
            "passphrase_file: ESCALATE_PASSPHRASE is not valid text"
        )
    );
}

#[test]
fn secret_files_are_read_through_a_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let refused = |path: &Path| {
        let e = session::read_passphrase_file(path).unwrap_err();
        // The message names the file, so it is no one field's.
        assert_eq!(e.field, None, "{e}");
        e
    };
    // A device would never end; a folder is not a file.
    for path in [Path::new("/dev/zero"), tmp.path()] {
        let e = refused(path);
        assert_eq!(e.code, ErrorCode::FieldInvalid);
        assert_eq!(
            e.message,
            format!(
                "{}: is not a regular file: give a passphrase file of at most 64 KiB (65536 bytes)",
                path.display()
            )
        );
    }
    let big = written(tmp.path(), "big", &[b'a'; 64 * 1024 + 1]);
    let e = refused(&big);
    assert!(
        e.message
            .ends_with(": is 65537 bytes; a passphrase file may be at most 64 KiB (65536 bytes): give a smaller file"),
        "{e}"
    );
    let binary = written(tmp.path(), "binary", b"pass\xffword");
    let e = refused(&binary);
    assert!(
        e.message
            .ends_with("is not UTF-8 text (byte 4 is not): save it as UTF-8"),
        "{e}"
    );
    assert!(!e.message.contains("pass"), "never the content: {e}");
    let e = refused(&tmp.path().join("missing"));
    assert_eq!(e.code, ErrorCode::Io);
    // At the bound exactly, the whole file is the passphrase.
    let full = written(tmp.path(), "full", &[b'a'; 64 * 1024]);
    assert_eq!(
        session::read_passphrase_file(&full).unwrap().expose().len(),
        64 * 1024
    );
}

/// The desktop app awaits the use cases in Tauri commands, whose futures must be
/// `Send`: checked when this compiles.
#[allow(dead_code, clippy::too_many_arguments)]
fn the_use_cases_can_be_awaited_from_any_thread(
    dir: &Path,
    pass: &Passphrase,
    store: &mut escalate_store::Store,
    keys: &dyn escalate_store::KeyStore,
    profile: Profile,
    record: escalate_store::StageRecordInput,
    new: escalate_store::NewCase,
    day: chrono::NaiveDate,
) {
    fn is_send<T: Send>(_: T) {}
    let at = now();
    is_send(session::open(dir, Some(pass), keys));
    is_send(session::unlock(dir, Some("typed"), keys));
    is_send(session::create(dir, profile.clone(), pass, None, keys, at));
    is_send(session::open_demo(dir, at));
    is_send(escalate_api::keys::restore(dir, dir, pass, keys));
    is_send(escalate_api::keys::rotate(store, pass, keys, at));
    is_send(escalate_api::settings::update_profile(store, profile, at));
    is_send(escalate_api::settings::add_closure_day(store, day, "", at));
    is_send(escalate_api::settings::remove_closure_day(store, day, at));
    let store = &*store;
    is_send(cases::list(store, false, None, at));
    is_send(cases::create(store, new, at));
    is_send(cases::record_stage(store, "R", record, at));
    is_send(cases::escalate(store, "R", None, None, at));
    is_send(cases::mark_sent(store, "R", None, "n", None, "", at));
    is_send(escalate_api::drafts::save(store, "R", "{}", at));
    is_send(escalate_api::drafts::load(store, "R"));
    is_send(escalate_api::settings::audit_view(store, 200));
    is_send(escalate_api::keys::change_passphrase(store, pass, pass, at));
    is_send(escalate_api::keys::backup(store, dir));
}
