//! Files that are not what they should be: crafted key files and backups are refused
//! from their fields and lengths before any key derivation; an empty, plain SQLite or
//! foreign `escalate.db` is refused without a byte written to it.

use std::path::Path;

use escalate_store::backup::{check_container, restore};
use escalate_store::{NoKeyring, Store};
use sha2::{Digest, Sha256};

use crate::support::*;

/// Rewrite one field of `key.json` in place.
fn craft_key_json(dir: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let path = dir.join("key.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// The crafted parameters the hostile review used, and their neighbours. Each of the
/// first two would abort (a 4 TiB allocation) or run for days if derivation started,
/// so a test that finishes with the error proves the check comes first.
const HOSTILE_PARAMS: &[(&str, u64, &str)] = &[
    (
        "m_cost_kib",
        4_294_967_295,
        "params.m_cost_kib is 4294967295",
    ),
    ("t_cost", 1_000_000, "params.t_cost is 1000000"),
    ("p_cost", 0, "params.p_cost is 0"),
    ("m_cost_kib", 8, "params.m_cost_kib is 8"),
    ("p_cost", 255, "params.p_cost is 255"),
];

#[tokio::test]
async fn a_key_json_with_absurd_argon2_costs_is_refused_before_derivation() {
    for (field, value, expect) in HOSTILE_PARAMS {
        let f = fixture().await;
        let dir = f.path();
        f.store.close().await;
        craft_key_json(&dir, |v| v["params"][*field] = (*value).into());
        let before = fingerprint(&dir);
        let e = Store::open(&dir, Some(&pass()), &NoKeyring)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "key.file", "{field}");
        let msg = e.to_string();
        assert!(
            msg.contains("key.json")
                && msg.contains(expect)
                && msg.contains("restore it from a backup"),
            "{msg}"
        );
        assert_eq!(fingerprint(&dir), before, "{field}");
    }
}

#[tokio::test]
async fn a_key_json_with_wrong_lengths_or_a_huge_size_is_refused() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let original = std::fs::read(dir.join("key.json")).unwrap();
    let cases: [(&str, serde_json::Value); 5] = [
        ("salt", "QUFB".into()),
        ("nonce", "QUFBQUFB".into()),
        ("ciphertext", "A".repeat(4000).into()),
        ("key_check", "zz".into()),
        ("store_id", "../../etc".into()),
    ];
    for (field, value) in cases {
        std::fs::write(dir.join("key.json"), &original).unwrap();
        craft_key_json(&dir, |v| v[field] = value.clone());
        let e = Store::open(&dir, Some(&pass()), &NoKeyring)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "key.file", "{field}: {e}");
        assert!(e.to_string().contains(&format!("key.json: {field}")), "{e}");
    }
    // A key file of a megabyte is refused from its size, unread.
    let mut big = original.clone();
    big.extend(std::iter::repeat_n(b' ', 1 << 20));
    std::fs::write(dir.join("key.json"), &big).unwrap();
    let e = Store::open(&dir, Some(&pass()), &NoKeyring)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("larger than the 16384"), "{e}");
    // And a file that is not JSON says where, never what.
    std::fs::write(
        dir.join("key.json"),
        "{\"format\": 1, \"store_id\": \"Siân\" ...",
    )
    .unwrap();
    let e = Store::open(&dir, Some(&pass()), &NoKeyring)
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("line 1, column"), "{msg}");
    assert!(!msg.contains("Siân"), "{msg}");
}

/// A backup container around `key_json` and `db`, checksum and all, as anyone can
/// make one: the checksum is not keyed.
fn container(key_json: &[u8], db: &[u8]) -> Vec<u8> {
    let mut b = b"ESCALATE-BACKUP\n1\n".to_vec();
    b.extend_from_slice(&(key_json.len() as u32).to_be_bytes());
    b.extend_from_slice(key_json);
    b.extend_from_slice(&(db.len() as u64).to_be_bytes());
    b.extend_from_slice(db);
    let d = Sha256::digest(&b);
    b.extend_from_slice(&d);
    b
}

#[tokio::test]
async fn a_crafted_backup_is_refused_before_derivation_and_leaves_nothing() {
    let f = fixture().await;
    f.store.create_case(new_case(CANARY), now()).await.unwrap();
    let dir = f.path();
    let db = {
        let out = f.dir.path().join("real.escalate");
        f.store.backup(&out).await.unwrap();
        std::fs::read(&out).unwrap()
    };
    let real_key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("key.json")).unwrap()).unwrap();
    // The real backup's database part, re-wrapped with a crafted key file.
    let key_len = u32::from_be_bytes(db[18..22].try_into().unwrap()) as usize;
    let db_part = &db[18 + 4 + key_len + 8..db.len() - 32];
    for (field, value, expect) in HOSTILE_PARAMS {
        let mut k = real_key.clone();
        k["params"][*field] = (*value).into();
        let crafted = f
            .dir
            .path()
            .join(format!("crafted-{field}-{value}.escalate"));
        std::fs::write(
            &crafted,
            container(&serde_json::to_vec(&k).unwrap(), db_part),
        )
        .unwrap();
        let target = f.dir.path().join(format!("restored-{field}-{value}"));
        let e = restore(&crafted, &target, &pass(), &MemoryKeys::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "backup.invalid", "{e}");
        assert!(
            e.to_string().contains("the backup's key.json") && e.to_string().contains(expect),
            "{e}"
        );
        assert!(!target.exists(), "{field}: the target was left behind");
        let leftovers: Vec<String> = names(f.dir.path())
            .into_iter()
            .filter(|n| n.contains("restoring"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // Length fields that claim more than the file holds are refused from the file's
    // size, before anything is allocated or streamed.
    for (what, bytes, expect) in [
        (
            "key length",
            {
                let mut b = container(b"{}", b"");
                b[18..22].copy_from_slice(&u32::MAX.to_be_bytes());
                b
            },
            "key file's length",
        ),
        (
            "database length",
            {
                let mut b = container(b"{}", b"");
                let at = 18 + 4 + 2;
                b[at..at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
                b
            },
            "database's length",
        ),
    ] {
        let e = check_container(&bytes).unwrap_err();
        assert!(e.to_string().contains(expect), "{what}: {e}");
    }
}

#[tokio::test]
async fn an_empty_plain_or_foreign_database_is_refused_and_left_byte_identical() {
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let keys = f.keys;
    let plain = {
        // A plain SQLite file with a table in it, made by sqlx without any key.
        use sqlx::{ConnectOptions, Connection};
        let p = f.dir.path().join("plain.db");
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&p)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE cases (child_name TEXT)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
        std::fs::read(&p).unwrap()
    };
    let mut foreign = vec![0u8; 8192];
    for (i, b) in foreign.iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    for (what, bytes, expect) in [
        ("empty", Vec::new(), "is empty"),
        ("short", vec![1u8; 100], "too short"),
        ("plain", plain, "plain, unencrypted SQLite"),
        ("foreign", foreign, "cannot be read with this store's key"),
    ] {
        std::fs::write(dir.join("escalate.db"), &bytes).unwrap();
        let before = fingerprint(&dir);
        let listing = names(&dir);
        for (how, e) in [
            ("keyring", Store::open(&dir, None, &keys).await.unwrap_err()),
            (
                "passphrase",
                Store::open(&dir, Some(&pass()), &keys).await.unwrap_err(),
            ),
            (
                "key",
                Store::open_with_key(&dir, &key_of(&dir)).await.unwrap_err(),
            ),
        ] {
            assert_eq!(e.code(), "store.not_a_database", "{what} by {how}: {e}");
            assert!(e.to_string().contains(expect), "{what} by {how}: {e}");
            assert!(e.to_string().contains("Nothing was changed"), "{e}");
        }
        assert_eq!(fingerprint(&dir), before, "{what}: a file changed");
        assert_eq!(names(&dir), listing, "{what}: a file was made");
        assert_eq!(std::fs::read(dir.join("escalate.db")).unwrap(), bytes);
    }
}

#[tokio::test]
async fn a_folder_with_a_key_file_and_an_empty_database_gets_no_lock_file() {
    // What `inspect` must not do: make anything in a folder it then refuses.
    let f = fixture().await;
    let dir = f.path();
    f.store.close().await;
    let bare = f.dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(dir.join("key.json"), bare.join("key.json")).unwrap();
    std::fs::write(bare.join("escalate.db"), b"").unwrap();
    let e = Store::open(&bare, Some(&pass()), &NoKeyring)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.not_a_database");
    assert_eq!(names(&bare), ["escalate.db", "key.json"]);
}
