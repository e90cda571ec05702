//! The commands, one module per group. Each parses its options, calls escalate-api and
//! prints; `Ctx` holds what every store command shares: the clock, the data folder,
//! the keyring and the secrets it was given.

pub mod audit;
pub mod board;
pub mod calendar;
pub mod case;
pub mod export;
pub mod keys;
pub mod protocol;
pub mod report;
pub mod stage;
pub mod store;
pub mod trust;

use std::future::Future;
use std::path::PathBuf;

use chrono::NaiveDateTime;
use escalate_api::session::{self, Secrets};
use escalate_api::store::{KeyStore, Store};

use crate::args::StoreArgs;
use crate::error::{options, CliError};
use crate::{parse, term};

/// Run a store command's future to its end on a runtime of its own.
pub fn block_on<T>(f: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Output)?
        .block_on(f)
}

/// What the store commands share.
pub struct Ctx {
    args: StoreArgs,
    keys: Box<dyn KeyStore>,
}

impl Ctx {
    pub fn new(args: StoreArgs) -> Ctx {
        let keys = session::keyring(!args.no_keyring);
        Ctx { args, keys }
    }

    pub fn keys(&self) -> &dyn KeyStore {
        self.keys.as_ref()
    }

    /// The clock: the one place Escalate asks the time, unless `--now` says otherwise.
    #[allow(clippy::disallowed_methods)]
    pub fn now(&self) -> Result<NaiveDateTime, CliError> {
        match &self.args.now {
            Some(s) => parse::moment("--now", s),
            None => Ok(chrono::Local::now().naive_local()),
        }
    }

    pub fn data_dir(&self) -> Result<PathBuf, CliError> {
        session::data_dir(self.args.data_dir.as_deref()).map_err(options(&["data_dir"]))
    }

    /// The secrets this command was given. `packages`: the command seals or opens
    /// export packages, so `--passphrase-file` is the packages' passphrase.
    pub fn secrets(&self, packages: bool) -> Secrets {
        Secrets {
            passphrase_file: self.args.passphrase_file.clone(),
            packages,
            recovery_env: std::env::var_os("ESCALATE_PASSPHRASE"),
            package_env: std::env::var_os("ESCALATE_EXPORT_PASSPHRASE"),
            new_passphrase_file: None,
            new_recovery_env: std::env::var_os("ESCALATE_NEW_PASSPHRASE"),
        }
    }

    /// Open the store, and say what the person should know about the open.
    pub async fn open(&self, secrets: &Secrets) -> Result<Store, CliError> {
        let dir = self.data_dir()?;
        let passphrase = secrets.recovery().map_err(options(&["passphrase_file"]))?;
        let store = session::open(&dir, passphrase.as_ref(), self.keys()).await?;
        term::notices(&store);
        Ok(store)
    }

    /// `op` on the open store, which is closed afterwards whatever `op` gave.
    pub async fn with_store<T, E>(
        &self,
        secrets: &Secrets,
        op: impl AsyncFnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, CliError>
    where
        CliError: From<E>,
    {
        let store = self.open(secrets).await?;
        let result = op(&store).await;
        session::close(store).await;
        Ok(result?)
    }

    /// Every store command takes its time from `--now` when given: a refusal of that
    /// time (a write dated before the store's last entry) names the option.
    /// `--now` was given: the moment of a change is the one typed, not the clock's.
    pub fn now_given(&self) -> bool {
        self.args.now.is_some()
    }

    pub fn now_option(&self, e: CliError) -> CliError {
        match e {
            CliError::Api(a) if self.args.now.is_some() && a.field.as_deref() == Some("now") => {
                crate::error::option_named_as(a, "--now")
            }
            other => other,
        }
    }
}
