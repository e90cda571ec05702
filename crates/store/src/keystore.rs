//! Where the data key lives for daily use: the OS keyring (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), one entry per store id.

use keyring::Entry;

use crate::error::StoreError;
use crate::key::DataKey;

/// The keyring service name entries are stored under.
pub const SERVICE: &str = "escalate";

/// A place to keep data keys. Implemented by the OS keyring; tests inject faults
/// through the keyring crate's own mock credentials.
pub trait KeyStore: Send + Sync {
    /// The key for a store, `None` when there is none here (a new laptop).
    fn get(&self, store_id: &str) -> Result<Option<DataKey>, StoreError>;
    fn set(&self, store_id: &str, key: &DataKey) -> Result<(), StoreError>;
    fn delete(&self, store_id: &str) -> Result<(), StoreError>;
}

type EntryFactory = Box<dyn Fn(&str) -> keyring::Result<Entry> + Send + Sync>;

/// The OS keyring.
pub struct OsKeyring {
    entry: EntryFactory,
}

impl std::fmt::Debug for OsKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OsKeyring")
    }
}

impl Default for OsKeyring {
    fn default() -> Self {
        OsKeyring {
            entry: Box::new(|id| Entry::new(SERVICE, id)),
        }
    }
}

impl OsKeyring {
    /// A keyring whose entries come from `entry` (tests: the keyring crate's mocks).
    pub fn with_entries(
        entry: impl Fn(&str) -> keyring::Result<Entry> + Send + Sync + 'static,
    ) -> OsKeyring {
        OsKeyring {
            entry: Box::new(entry),
        }
    }
}

/// Say why the keyring failed without echoing anything secret.
fn reason(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            format!("the keyring is locked or refused access: {inner}")
        }
        keyring::Error::PlatformFailure(inner) => {
            format!("no keyring service is available: {inner}")
        }
        keyring::Error::BadEncoding(_) => "the keyring entry is not text".to_owned(),
        other => other.to_string(),
    }
}

fn keyring_error(e: keyring::Error) -> StoreError {
    StoreError::Keyring { reason: reason(&e) }
}

impl KeyStore for OsKeyring {
    fn get(&self, store_id: &str) -> Result<Option<DataKey>, StoreError> {
        let entry = (self.entry)(store_id).map_err(keyring_error)?;
        match entry.get_password() {
            Ok(hex) => Ok(DataKey::from_hex(&zeroize::Zeroizing::new(hex))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, store_id: &str, key: &DataKey) -> Result<(), StoreError> {
        let entry = (self.entry)(store_id).map_err(keyring_error)?;
        entry.set_password(&key.expose_hex()).map_err(keyring_error)
    }

    fn delete(&self, store_id: &str) -> Result<(), StoreError> {
        let entry = (self.entry)(store_id).map_err(keyring_error)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// The keyring entry that holds a rotation's new key until the rotation has finished,
/// so a crash at any point still opens from the keyring.
pub(crate) fn next_entry(store_id: &str) -> String {
    format!("{store_id}.next")
}

/// No keyring: every open needs the recovery passphrase.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKeyring;

impl KeyStore for NoKeyring {
    fn get(&self, _: &str) -> Result<Option<DataKey>, StoreError> {
        Ok(None)
    }
    /// Keeping nothing is what the user asked for (`--no-keyring`), so it is not a
    /// failure worth a notice.
    fn set(&self, _: &str, _: &DataKey) -> Result<(), StoreError> {
        Ok(())
    }
    fn delete(&self, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
}
