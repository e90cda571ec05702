//! The check every imported package passes: bytes in, a package ready to keep out.
//! Reading the file (through a bound) and writing the store are escalate-api's.

use chrono::NaiveDateTime;
use escalate_core::model::BoardPackage;
use sha2::{Digest, Sha256};

use crate::export::{self, Key, Signed};
use crate::ReportError;

/// Decrypt and check one package as received in the file `file_name`: the age
/// envelope, the tar's shape and bounds, `monitoring.json` against the schema and the
/// rules it cannot say (`exported_at` at most a day after `now`), with control and
/// bidi-override characters stripped, and the protocol file an
/// `escalate-monitoring/2` package carries against the version its record names. A
/// package that fails any of these is refused with the reason.
///
/// A signed package's manifest is checked too (its signature by the key it names, every
/// file's SHA-256, the agency): whether the Board trusts that key, and is among its
/// recipients, is the Board's to decide with its directory.
#[derive(Debug)]
pub struct CheckedPackage {
    pub package: BoardPackage,
    /// `None` for a package from a release before signing.
    pub signed: Option<Signed>,
}

pub fn check_package(
    file_name: &str,
    bytes: &[u8],
    key: Key<'_>,
    now: NaiveDateTime,
) -> Result<CheckedPackage, ReportError> {
    let sha = hex::encode(Sha256::digest(bytes));
    let package = export::open(bytes, key, now)?;
    // The checked, cleaned record is what is kept, never the bytes as received.
    let monitoring =
        serde_json::to_string(&package.monitoring).map_err(|e| ReportError::Export {
            field: "monitoring",
            message: e.to_string(),
        })?;
    let package_ = BoardPackage {
        file_name: file_name.to_owned(),
        file_sha256: sha,
        source_agency: package.monitoring.exported_by.agency.clone(),
        reference: package.monitoring.reference.clone(),
        exported_at: package.monitoring.exported_at,
        monitoring,
        pdf: package.pdf,
        protocol: package.protocol,
    };
    Ok(CheckedPackage {
        package: package_,
        signed: package.signed,
    })
}
