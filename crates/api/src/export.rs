//! Export packages for the Board: the one rule for how a package is sealed, making a
//! case's package, opening a package file, and the Board's key pair.

use std::path::Path;

use chrono::NaiveDateTime;
use escalate_core::{ErrorCode, FormId};
use escalate_report::export::{self, Key, Package, Seal, Signer, MAX_PACKAGE};
use escalate_report::{ReportError, ReportOptions};
use escalate_store::{Passphrase, Store};
use zeroize::Zeroizing;

use crate::files::Unread;
use crate::files::{self, IDENTITY_FILE};
use crate::reports::{save, sources};
use crate::{ApiError, ApiResult};

/// Who a package is sealed to.
#[derive(Debug)]
pub enum SealTo<'a> {
    /// What the lead gave.
    Given(Seal<'a>),
    /// The Board the partnership bundle named (its age recipient).
    Board,
}

/// Who can open a package, from what the lead gave: one of the Board's public keys
/// (`age1…`, any number) or a passphrase agreed with the Board; neither seals it to the
/// Board the partnership bundle named. Both are refused naming `recipient`. Blank
/// entries count as not given. The passphrase's length and each key's form are checked
/// when the package is sealed.
pub fn seal_with<'a>(
    recipients: &'a [String],
    passphrase: Option<&'a str>,
) -> ApiResult<SealTo<'a>> {
    let keys = recipients.iter().any(|r| !r.trim().is_empty());
    let pass = passphrase.filter(|p| !p.is_empty());
    match (keys, pass) {
        (true, None) => Ok(SealTo::Given(Seal::Recipients(recipients))),
        (false, Some(p)) => Ok(SealTo::Given(Seal::Passphrase(p))),
        (true, Some(_)) => Err(ApiError::field(
            "recipient",
            "give either the Board's public key (age1…) or a passphrase agreed with the Board, not both",
        )),
        (false, None) => Ok(SealTo::Board),
    }
}

/// What goes into a Board package.
#[derive(Debug)]
pub struct PackageRequest<'a> {
    /// Defaults to the protocol's report form.
    pub form: Option<FormId>,
    pub effectiveness: &'a str,
    /// Initials and age band instead of the child's name and date of birth.
    pub minimise: bool,
    /// From `seal_with`.
    pub seal: SealTo<'a>,
    pub now: NaiveDateTime,
}

/// A case's encrypted export package for the Board administrator: its form as PDF,
/// `monitoring.json` (`escalate-monitoring/2`), the CSV row and the protocol file the
/// case runs under (the installed version's text, as installed), with a manifest signed
/// by this agency's key, sealed.
pub async fn package(
    store: &Store,
    reference: &str,
    request: PackageRequest<'_>,
) -> ApiResult<Vec<u8>> {
    let mut src = sources(store, reference, request.now).await?;
    let form = request.form.unwrap_or_else(|| src.protocol.board_form());
    let monitoring = export::monitoring(
        store.profile(),
        &src.case,
        &src.protocol,
        store.calendar(),
        request.effectiveness,
        request.minimise,
        request.now,
    );
    if request.minimise {
        // The PDF carries the same minimised identity as monitoring.json.
        let full = std::mem::replace(&mut src.case.child_name, monitoring.child.name.clone());
        src.case.child_dob = None;
        src.case.child_identifiers.clear();
        for e in &mut src.chronology {
            e.text = e.text.replace(&full, &monitoring.child.name);
        }
    }
    let options = ReportOptions {
        form,
        stage: None,
        effectiveness: request.effectiveness.to_owned(),
        notes: String::new(),
        generated_at: request.now,
    };
    let pdf = escalate_report::render(&src.input(store), &options)?;
    let protocol = store.protocol_text(&src.case.protocol_sha256).await?;
    let board;
    let seal = match request.seal {
        SealTo::Given(seal) => seal,
        SealTo::Board => {
            let Some(entry) = crate::trust::board(store).await? else {
                return Err(ApiError::field(
                    "recipient",
                    "say who can open it: the Board's public key (age1…) or a passphrase agreed with the Board; or install the partnership's bundle, and packages go to its Board",
                ));
            };
            board = [entry.recipient];
            Seal::Recipients(&board)
        }
    };
    let identity = store.identity().await?;
    let signer = Signer {
        key: &identity.signing,
        agency: &store.profile().agency,
    };
    Ok(export::seal_package(
        &pdf,
        &monitoring,
        Some(&protocol),
        seal,
        Some(signer),
    )?)
}

fn refused(message: impl Into<String>) -> ReportError {
    ReportError::Export {
        field: "package",
        message: message.into(),
    }
}

/// Read a package file through a bound: refused from its metadata when it is not a
/// regular file or is larger than any package, before a byte is read.
pub fn read_package_file(path: &Path) -> ApiResult<Vec<u8>> {
    Ok(read_bounded(path)?)
}

/// `read_package_file` with the report crate's error, whose words (`package: …`) the
/// Board's import gives as a refused file's reason.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, ReportError> {
    crate::files::read_within(path, MAX_PACKAGE, Vec::new()).map_err(|e| match e {
        Unread::Io(e) => refused(format!("it could not be read: {e}")),
        Unread::NotRegular => refused("it is not a regular file: give an export package"),
        Unread::TooLarge(n) => refused(format!(
            "it is {n} bytes, larger than any export package (the limit is {MAX_PACKAGE} bytes)"
        )),
    })
}

/// Open a package file: read through the bound, decrypt and check it. `now` is this
/// computer's clock, which bounds the package's `exported_at`.
pub fn open_package(path: &Path, key: Key<'_>, now: NaiveDateTime) -> ApiResult<Package> {
    let bytes = read_bounded(path)?;
    Ok(export::open(&bytes, key, now)?)
}

/// Write an opened package's files into `dir`, a new folder: the PDF, the checked
/// `monitoring.json` and the CSV row made again from it (never the package's own
/// copies), and the protocol file it carried (checked against the record), each
/// readable by its owner alone.
pub fn extract(package: &Package, dir: &Path) -> ApiResult<()> {
    std::fs::create_dir(dir).map_err(|e| ApiError::io(dir, &e))?;
    let json = serde_json::to_vec_pretty(&package.monitoring).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!("monitoring.json could not be written: {e}"),
        )
    })?;
    let mut files = vec![
        (export::PDF_NAME, package.pdf.as_slice()),
        (export::JSON_NAME, json.as_slice()),
        (export::CSV_NAME, package.csv.as_bytes()),
    ];
    if let Some(p) = &package.protocol {
        files.push((export::PROTOCOL_NAME, p.text.as_bytes()));
    }
    for (name, data) in files {
        if let Err(e) = save(&dir.join(name), data) {
            // The folder is new and ours: a failed extract leaves nothing behind.
            let _ = std::fs::remove_dir_all(dir);
            return Err(e);
        }
    }
    Ok(())
}

/// Make the Board's key pair and write its identity file (`AGE-SECRET-KEY-1…`) to
/// `out`, a new file readable by its owner alone. Gives the public key (`age1…`) that
/// agencies seal packages to.
pub fn keygen(out: &Path, now: NaiveDateTime) -> ApiResult<String> {
    let (identity, public) = export::keygen(now);
    save(out, identity.as_bytes())?;
    Ok(public)
}

/// What opens export packages, owned, so that a front end can open each package on a
/// thread of its own: the text of the Board's identity file, or the passphrase agreed
/// with the agencies. Zeroed when dropped.
pub enum Opener {
    /// The Board's identity (`AGE-SECRET-KEY-1…`).
    Identity(Zeroizing<String>),
    Passphrase(Passphrase),
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opener(<redacted>)")
    }
}

impl Opener {
    pub fn key(&self) -> Key<'_> {
        match self {
            Opener::Identity(text) => Key::Identity(text),
            Opener::Passphrase(p) => Key::Passphrase(p.expose()),
        }
    }
}

/// The Board's identity file, through the secrets' bound (64 KiB, regular files only):
/// an identity holds a line or two, and a wrong choice must not fill memory. Refused
/// naming `identity`.
pub fn read_identity(path: &Path) -> ApiResult<Zeroizing<String>> {
    files::read_secret(path, &IDENTITY_FILE).map_err(|e| e.with_field(Some("identity")))
}

/// What opens the packages, from what was given: the identity when there is one, else
/// the passphrase. Neither is refused naming `identity`.
pub fn opener(
    identity: Option<Zeroizing<String>>,
    passphrase: Option<Passphrase>,
) -> ApiResult<Opener> {
    match (identity, passphrase) {
        (Some(text), _) => Ok(Opener::Identity(text)),
        (None, Some(p)) => Ok(Opener::Passphrase(p)),
        (None, None) => Err(ApiError::field(
            "identity",
            "give the Board's age identity file with --identity, or the packages' passphrase with --passphrase-file",
        )),
    }
}
