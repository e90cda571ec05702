//! Agencies' signing keys for tests: one key and card per agency name, made the first
//! time a test asks, the same for the whole test binary. A test that seals a package in
//! an agency's name signs it with that agency's key, and adds `cards()` to the Board's
//! directory before it imports, as a Board administrator would.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use escalate_trust::{new_recipient, Card, SigningKey};

#[derive(Debug)]
pub struct Signer {
    pub key: SigningKey,
    pub card: Card,
}

fn all() -> &'static Mutex<BTreeMap<String, Arc<Signer>>> {
    static ALL: OnceLock<Mutex<BTreeMap<String, Arc<Signer>>>> = OnceLock::new();
    ALL.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// The key and card of `agency`.
pub fn signer(agency: &str) -> Arc<Signer> {
    let mut all = all().lock().unwrap_or_else(|e| e.into_inner());
    all.entry(agency.to_owned())
        .or_insert_with(|| {
            let key = SigningKey::generate().unwrap();
            let created = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap();
            let card =
                Card::make(agency, "schools", &key, &new_recipient().1, created, None).unwrap();
            Arc::new(Signer { key, card })
        })
        .clone()
}

/// Every agency's card made so far.
pub fn cards() -> Vec<Card> {
    let all = all().lock().unwrap_or_else(|e| e.into_inner());
    all.values().map(|s| s.card.clone()).collect()
}
