//! Packages as agencies (and hostile senders) make them: records that follow the
//! schema, tars and age envelopes made by hand. The same fixtures as escalate-report's
//! own hostile tests, for imports into a real store.

use std::path::{Path, PathBuf};

use escalate_api::export::Opener;
use escalate_report::export::{self, Key, Monitoring, Seal, Signer};
use escalate_store::{DirectoryRole, Passphrase, Store};
use serde_json::Value;

pub use escalate_testkit::package::*;
pub use escalate_testkit::record::*;

/// A record sealed to the Board's key as a genuine export, signed by its agency's test
/// key (testkit's signers), as an agency's Escalate signs it.
pub fn signed(m: &Monitoring, public: &str) -> Vec<u8> {
    let signer = escalate_testkit::signers::signer(&m.exported_by.agency);
    export::seal_package(
        b"%PDF-1.3 test",
        m,
        None,
        Seal::Recipients(&[public.to_owned()]),
        Some(Signer {
            key: &signer.key,
            agency: &m.exported_by.agency,
        }),
    )
    .unwrap()
}

/// A record sealed to the Board's key as a genuine export, written to `dir/name`.
pub fn package_file(dir: &Path, name: &str, record: &Value, public: &str) -> PathBuf {
    let m: export::Monitoring = serde_json::from_value(record.clone()).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, signed(&m, public)).unwrap();
    path
}

/// The Board trusts every agency the tests sign for: their cards in its directory.
pub async fn trust_agencies(store: &Store, now: chrono::NaiveDateTime) {
    for card in escalate_testkit::signers::cards() {
        store
            .directory_add(&card, DirectoryRole::Agency, now)
            .await
            .unwrap();
    }
}

/// What the tests gave as the packages' key, as the import takes it (beside the
/// store's own).
pub fn opener_of(key: Key<'_>) -> Option<Opener> {
    Some(match key {
        Key::Identity(text) => Opener::Identity(text.to_owned().into()),
        Key::Passphrase(p) => Opener::Passphrase(Passphrase::new(p)),
    })
}
