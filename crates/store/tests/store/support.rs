//! Shared helpers: a store in a temporary folder, fixed times, file fingerprints, and
//! a lead's moves (lead.rs).

pub use crate::lead::Lead;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDateTime;
use escalate_core::{CalendarId, Sector};
use escalate_store::{
    CaseDetail, DataKey, KeyStore, NewCase, Passphrase, Profile, Store, StoreError,
};
use sha2::{Digest, Sha256};

pub const PASS: &str = "correct horse battery staple";
/// A name that must never appear in plain text anywhere on disk.
pub const CANARY: &str = "Siân Llŷr Ŵyn Canarywhistle";

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub fn now() -> NaiveDateTime {
    t("2026-11-23T17:00")
}

pub fn pass() -> Passphrase {
    Passphrase::new(PASS)
}

pub fn profile() -> Profile {
    Profile {
        name: "Alex Morgan".into(),
        designation: "Designated Safeguarding Lead".into(),
        agency: "Ysgol Gyfun Bryn".into(),
        sector: Sector::Schools,
        protocol_id: "western-bay".into(),
        calendar: CalendarId::EnglandAndWales,
        auto_lock_minutes: 10,
    }
}

/// An in-memory key store: a stand-in for the OS keyring where the keyring is not
/// what a test is about. The real keyring has its own tests (keys.rs).
#[derive(Default)]
pub struct MemoryKeys(Mutex<HashMap<String, String>>);

impl KeyStore for MemoryKeys {
    fn get(&self, id: &str) -> Result<Option<DataKey>, StoreError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .get(id)
            .and_then(|h| DataKey::from_hex(h)))
    }
    fn set(&self, id: &str, key: &DataKey) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap()
            .insert(id.to_owned(), key.expose_hex().to_string());
        Ok(())
    }
    fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.0.lock().unwrap().remove(id);
        Ok(())
    }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub keys: MemoryKeys,
    pub store: Store,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Close the store and open it again from its files, as the next start does.
    pub async fn reopen(self) -> Fixture {
        let path = self.path();
        let key = key_of(&path);
        let Fixture { dir, keys, store } = self;
        drop(store);
        let store = Store::open_with_key(&path, &key).await.unwrap();
        Fixture { dir, keys, store }
    }
}

pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = MemoryKeys::default();
    let store = Store::create(
        &dir.path().join("data"),
        profile(),
        &pass(),
        &keys,
        t("2026-09-01T09:00"),
    )
    .await
    .unwrap();
    Fixture { dir, keys, store }
}

/// A whole case as the front ends see it: built from the store's one load of it.
pub async fn detail(store: &Store, reference: &str, now: NaiveDateTime) -> CaseDetail {
    store
        .case_file(reference)
        .await
        .unwrap()
        .detail(store.calendar(), now)
        .unwrap()
}

pub fn new_case(child: &str) -> NewCase {
    NewCase {
        child_name: child.into(),
        child_dob: Some("2015-04-02".parse().unwrap()),
        child_identifiers: "WCCIS 448812".into(),
        category: "Threshold for assessment".into(),
        summary: "School believes the referral meets the threshold for a section 47 enquiry."
            .into(),
        raising_agency: "Ysgol Gyfun Bryn".into(),
        raising_professional: Some("Alex Morgan".into()),
        receiving_agency: "Swansea Children's Services".into(),
        receiving_sector: Some(Sector::LocalAuthority),
        receiving_professional: Some("Jo Evans".into()),
        opened_at: Some(t("2026-11-23T08:30")),
        ..NewCase::default()
    }
}

/// Every file in a folder, with its SHA-256, as the folder is now. Nothing is waited
/// for: `Store::close` returns only once SQLite has folded its log into escalate.db
/// and removed the -wal and -shm files, so a closed store's folder has nothing left to
/// change (folders.rs checks that close).
pub fn fingerprint(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            let bytes = std::fs::read(e.path()).unwrap();
            out.insert(
                e.file_name().to_string_lossy().into_owned(),
                hex::encode(Sha256::digest(&bytes)),
            );
        }
    }
    out
}

/// Whether `needle` occurs in any file under `dir`, in UTF-8 or UTF-16.
pub fn plaintext_found(dir: &Path, needle: &str) -> Vec<String> {
    let utf8 = needle.as_bytes().to_vec();
    let utf16: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut hits = Vec::new();
    for e in walk(dir) {
        let bytes = std::fs::read(&e).unwrap_or_default();
        for pat in [&utf8, &utf16] {
            if bytes.windows(pat.len()).any(|w| w == pat.as_slice()) {
                hits.push(e.display().to_string());
            }
        }
    }
    hits
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The data key recovered the way a lead would: from key.json with the passphrase.
pub fn key_of(dir: &Path) -> DataKey {
    escalate_store::KeyFile::read(dir)
        .unwrap()
        .unwrap_key(&pass())
        .unwrap()
}

/// Run Python's independent SQLCipher 4 reader on `db`.
pub fn python_sqlcipher(db: &Path, key_hex: Option<&str>, sql: &str) -> Result<String, String> {
    let script = r#"
import sys
try:
    import sqlcipher3
except ImportError:
    print("MISSING sqlcipher3: run `make test`, which installs sqlcipher3-binary", file=sys.stderr)
    sys.exit(3)
path, key, sql = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlcipher3.connect(path)
if key:
    con.execute("PRAGMA key = \"x'%s'\"" % key)
try:
    rows = con.execute(sql).fetchall()
except Exception as e:
    print("ERROR " + str(e))
    sys.exit(1)
print(repr(rows))
"#;
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            db.to_str().unwrap(),
            key_hex.unwrap_or(""),
            sql,
        ])
        .output()
        .expect("python3 runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Ok(text),
        Some(3) => panic!("{text}"),
        _ => Err(text),
    }
}

/// A key store in a JSON file, so a child process and the test share one "keyring"
/// without D-Bus: for the rotation crash tests, which are about the order of writes,
/// not about the OS keyring (keys.rs tests that).
pub struct FileKeys(pub PathBuf);

impl FileKeys {
    fn load(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.0)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
    fn save(&self, m: &BTreeMap<String, String>) {
        std::fs::write(&self.0, serde_json::to_vec(m).unwrap()).unwrap();
    }
    /// The entries, for comparing before and after.
    pub fn entries(&self) -> BTreeMap<String, String> {
        self.load()
    }
}

impl KeyStore for FileKeys {
    fn get(&self, id: &str) -> Result<Option<DataKey>, StoreError> {
        Ok(self.load().get(id).and_then(|h| DataKey::from_hex(h)))
    }
    fn set(&self, id: &str, key: &DataKey) -> Result<(), StoreError> {
        let mut m = self.load();
        m.insert(id.to_owned(), key.expose_hex().to_string());
        self.save(&m);
        Ok(())
    }
    fn delete(&self, id: &str) -> Result<(), StoreError> {
        let mut m = self.load();
        m.remove(id);
        self.save(&m);
        Ok(())
    }
}

/// Copy the files of a data folder (it has no subfolders) into a new one.
pub fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The permission bits of a file or folder.
pub fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The names in a folder, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// What a parent test passed its child in `var`. A child is a test of this binary
/// that its parent runs with `--ignored --exact`; run any other way (a plain
/// `--ignored` run, say) it fails rather than passing having done nothing.
#[track_caller]
pub fn from_parent(var: &str, parent: &str) -> String {
    match std::env::var(var) {
        Ok(v) => v,
        Err(_) => panic!("this test is run as a child by {parent}, which sets {var}: run {parent}"),
    }
}
