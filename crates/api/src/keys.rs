//! The store's keys and copies: the recovery passphrase changed, the data key rotated,
//! a backup written while the store is in use, and a backup restored into an empty
//! folder. Each leaves the store as it was when it fails.

use std::path::Path;

use chrono::NaiveDateTime;
use escalate_store::{KeyStore, Passphrase, Store};

use crate::ApiResult;

/// Seal the data key with a new recovery passphrase (`current` proves the right to).
pub async fn change_passphrase(
    store: &Store,
    current: &Passphrase,
    new: &Passphrase,
    now: NaiveDateTime,
) -> ApiResult<()> {
    Ok(store.change_passphrase(current, new, now).await?)
}

/// Replace the data key and re-encrypt the store; the new key goes to `keys`. Anything
/// the person should know (the keyring could not keep the new key) is added to the
/// store's `notices`.
pub async fn rotate(
    store: &mut Store,
    passphrase: &Passphrase,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
) -> ApiResult<()> {
    Ok(store.rotate_key(passphrase, keys, now).await?)
}

/// A consistent, encrypted backup of the store written to `out`, a new file. Gives its
/// size in bytes.
pub async fn backup(store: &Store, out: &Path) -> ApiResult<u64> {
    Ok(store.backup(out).await?)
}

/// Restore the backup `file` into `dir`, which must be empty, checking it is whole and
/// opens with `passphrase` first. Gives the restored store, open.
pub async fn restore(
    file: &Path,
    dir: &Path,
    passphrase: &Passphrase,
    keys: &dyn KeyStore,
) -> ApiResult<Store> {
    Ok(escalate_store::backup::restore(file, dir, passphrase, keys).await?)
}
