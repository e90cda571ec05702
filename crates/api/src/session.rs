//! A store's session: where the data folder is, which secret opens the store (the
//! keyring first, the recovery passphrase when the keyring has no key or is switched
//! off), creating a store, closing it, and the demo store. Both front ends open a
//! store here, so they unlock alike.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use escalate_core::ErrorCode;
use escalate_store::{KeyStore, NoKeyring, OsKeyring, Passphrase, Profile, Store, StoreError};

use crate::demo;
use crate::files::{self, PASSPHRASE_FILE};
use crate::{ApiError, ApiResult};

/// The data folder: the one given, or the platform's (`~/.local/share/escalate` on
/// Linux). Without either, refused naming `data_dir`.
pub fn data_dir(given: Option<&Path>) -> ApiResult<PathBuf> {
    match given {
        Some(d) => Ok(d.to_owned()),
        None => dirs::data_dir().map(|d| d.join("escalate")).ok_or_else(|| {
            ApiError::field(
                "data_dir",
                "there is no platform data folder here: give --data-dir or ESCALATE_DATA_DIR",
            )
        }),
    }
}

/// `dir` holds a store (its key file), so it is to be unlocked rather than created.
pub fn exists(dir: &Path) -> bool {
    dir.join(escalate_store::key::KEY_FILE).exists()
}

/// Where data keys are kept: the OS keyring, or none at all (every open then needs the
/// recovery passphrase, and no key is left behind).
pub fn keyring(use_os_keyring: bool) -> Box<dyn KeyStore> {
    if use_os_keyring {
        Box::new(OsKeyring::default())
    } else {
        Box::new(NoKeyring)
    }
}

/// Open the store in `dir`: with the key in the keyring first; when the keyring has no
/// key for it (or cannot be reached) and a recovery passphrase is given, with that
/// (which puts the key back in the keyring). Anything the person should know about the
/// open (the keyring could not keep the key, say) is in the store's `notices`.
pub async fn open(
    dir: &Path,
    passphrase: Option<&Passphrase>,
    keys: &dyn KeyStore,
) -> ApiResult<Store> {
    match Store::open(dir, None, keys).await {
        Ok(store) => Ok(store),
        Err(StoreError::PassphraseNeeded | StoreError::Keyring { .. }) if passphrase.is_some() => {
            Ok(Store::open(dir, passphrase, keys).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Unlock the store in `dir` from an unlock screen, with what the person gave there:
/// the recovery passphrase they typed, used as typed (a wrong one is refused even where
/// the keyring holds the key, and a right one puts the key back in the keyring); with
/// nothing typed (a blank is nothing), the key in the keyring, refused with
/// `key.passphrase_needed` when it has none.
pub async fn unlock(dir: &Path, typed: Option<&str>, keys: &dyn KeyStore) -> ApiResult<Store> {
    let passphrase = typed.filter(|p| !p.is_empty()).map(Passphrase::new);
    Ok(Store::open(dir, passphrase.as_ref(), keys).await?)
}

/// Create a store in `dir` for `profile`, its key sealed by the recovery passphrase and
/// kept in `keys`. `confirm` is the passphrase typed back where a front end asks for it
/// (the app's first run): one that differs is refused naming `confirm`, and nothing is
/// made.
pub async fn create(
    dir: &Path,
    profile: Profile,
    passphrase: &Passphrase,
    confirm: Option<&str>,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
) -> ApiResult<Store> {
    if let Some(typed) = confirm {
        if Passphrase::new(typed).expose() != passphrase.expose() {
            return Err(ApiError::field(
                "confirm",
                "does not match the recovery passphrase shown: type it again exactly as you wrote it down",
            ));
        }
    }
    Ok(Store::create(dir, profile, passphrase, keys, now).await?)
}

/// `create`, installing a protocol file (read through its 1 MiB bound) beside the
/// shipped protocols, and making it the profile's protocol for new cases. A file that
/// does not install (`file:line: field: message`) makes no store.
pub async fn create_with_protocol_file(
    dir: &Path,
    mut profile: Profile,
    passphrase: &Passphrase,
    protocol_file: &Path,
    keys: &dyn KeyStore,
    now: NaiveDateTime,
) -> ApiResult<Store> {
    let text = files::read_text(protocol_file, &files::PROTOCOL_FILE)?;
    let file_name = protocol_file.display().to_string();
    profile.protocol_id = escalate_store::check_install(&text, &file_name)?.id;
    Ok(Store::create_with(
        dir,
        profile,
        passphrase,
        keys,
        now,
        &[escalate_store::ProtocolFile { file_name, text }],
    )
    .await?)
}

/// A fresh recovery passphrase to show once at first run.
pub fn new_passphrase() -> ApiResult<Passphrase> {
    Ok(Passphrase::generate()?)
}

/// Lock: close the store, its key gone from memory with its connections.
pub async fn close(store: Store) {
    store.close().await;
}

/// A new demo store in `dir`, filled with sample cases dated up to `now`. It is made
/// anew each time, so its deadlines stay realistic; it asks for no passphrase, lives in
/// no keyring, and has nothing to tell (no notices).
pub async fn open_demo(dir: &Path, now: NaiveDateTime) -> ApiResult<Store> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("{}: could not clear the old demo store: {e}", dir.display()),
            )
        })?;
    }
    let mut store = Store::create(
        dir,
        demo::profile(),
        &Passphrase::new(demo::PASSPHRASE),
        &NoKeyring,
        demo::began(now)?,
    )
    .await?;
    if let Err(e) = demo::populate(&store, now).await {
        store.close().await;
        return Err(e);
    }
    store.notices.clear();
    Ok(store)
}

/// A recovery passphrase from a file, through the secrets' bound (64 KiB, regular files
/// only). Trailing line breaks are not part of it.
pub fn read_passphrase_file(path: &Path) -> ApiResult<Passphrase> {
    let text = files::read_secret(path, &PASSPHRASE_FILE)?;
    Ok(Passphrase::new(text.as_str()))
}

/// The secrets a command line was given: files named by options and environment
/// variables, each read only when the command needs it. Which one a command uses is
/// decided here.
#[derive(Debug, Default)]
pub struct Secrets {
    /// `--passphrase-file`.
    pub passphrase_file: Option<PathBuf>,
    /// The command seals or opens export packages (`export`, `board`): its
    /// `--passphrase-file` is then the packages' passphrase, and the store's recovery
    /// passphrase comes from ESCALATE_PASSPHRASE alone.
    pub packages: bool,
    /// ESCALATE_PASSPHRASE.
    pub recovery_env: Option<OsString>,
    /// ESCALATE_EXPORT_PASSPHRASE.
    pub package_env: Option<OsString>,
    /// `--new-passphrase-file`.
    pub new_passphrase_file: Option<PathBuf>,
    /// ESCALATE_NEW_PASSPHRASE.
    pub new_recovery_env: Option<OsString>,
}

impl Secrets {
    /// The store's recovery passphrase, if one was given.
    pub fn recovery(&self) -> ApiResult<Option<Passphrase>> {
        let file = if self.packages {
            None
        } else {
            self.passphrase_file.as_deref()
        };
        given(
            file,
            self.recovery_env.as_ref(),
            "ESCALATE_PASSPHRASE",
            "passphrase_file",
        )
    }

    /// The recovery passphrase, which `why` ("creating a store") cannot do without.
    pub fn require_recovery(&self, why: &str) -> ApiResult<Passphrase> {
        self.recovery()?.ok_or_else(|| {
            ApiError::field(
                "passphrase_file",
                format!(
                    "{why} needs the recovery passphrase: give ESCALATE_PASSPHRASE or --passphrase-file"
                ),
            )
        })
    }

    /// The new recovery passphrase for a change of passphrase.
    pub fn new_recovery(&self) -> ApiResult<Passphrase> {
        given(
            self.new_passphrase_file.as_deref(),
            self.new_recovery_env.as_ref(),
            "ESCALATE_NEW_PASSPHRASE",
            "new_passphrase_file",
        )?
        .ok_or_else(|| {
            ApiError::field(
                "new_passphrase_file",
                "give the new passphrase with ESCALATE_NEW_PASSPHRASE or --new-passphrase-file",
            )
        })
    }

    /// The packages' passphrase, agreed between an agency and the Board, if one was given.
    pub fn package(&self) -> ApiResult<Option<Passphrase>> {
        given(
            self.passphrase_file.as_deref(),
            self.package_env.as_ref(),
            "ESCALATE_EXPORT_PASSPHRASE",
            "passphrase_file",
        )
    }
}

/// A file wins over the environment; an empty variable is no passphrase.
fn given(
    file: Option<&Path>,
    env: Option<&OsString>,
    name: &str,
    field: &str,
) -> ApiResult<Option<Passphrase>> {
    if let Some(f) = file {
        return read_passphrase_file(f).map(Some);
    }
    match env {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => match v.to_str() {
            Some(text) => Ok(Some(Passphrase::new(text))),
            None => Err(ApiError::field(field, format!("{name} is not valid text"))),
        },
    }
}
