//! Packages as agencies (and hostile senders) make them: records that follow the
//! schema, tars and age envelopes made by hand. The same fixtures as escalate-report's
//! own hostile tests, for imports into a real store.

use std::path::{Path, PathBuf};

use escalate_report::export::{self, Seal};
use serde_json::Value;

pub use escalate_testkit::package::*;
pub use escalate_testkit::record::*;

/// A record sealed to the Board's key as a genuine export, written to `dir/name`.
pub fn package_file(dir: &Path, name: &str, record: &Value, public: &str) -> PathBuf {
    let m: export::Monitoring = serde_json::from_value(record.clone()).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        export::seal(b"%PDF-1.3 test", &m, Seal::Recipients(&[public.to_owned()])).unwrap(),
    )
    .unwrap();
    path
}
