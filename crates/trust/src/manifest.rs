//! The manifest every export package and partnership bundle carries: who sent it, to
//! whom, when, and the SHA-256 of every other file; signed with minisign before the
//! package is encrypted.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{check_recipient, PublicKey, Signature, SigningKey};
use crate::{check_name, TrustError};

pub const PACKAGE_FORMAT: &str = "escalate-package/1";
pub const BUNDLE_FORMAT: &str = "escalate-bundle/1";
/// What one agency's store sends another (or the Board) about a case they share: a
/// share, a response or a notification.
pub const EXCHANGE_FORMAT: &str = "escalate-exchange/1";
pub const MANIFEST_NAME: &str = "manifest.json";
pub const SIGNATURE_NAME: &str = "manifest.json.minisig";
/// The most a manifest may be: a package's lists five files, a bundle's a few dozen.
pub const MAX_MANIFEST: usize = 64 * 1024;
/// The most files a manifest may name.
pub const MAX_FILES: usize = 200;
/// The most recipients a manifest may name.
const MAX_RECIPIENTS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`PACKAGE_FORMAT`], [`BUNDLE_FORMAT`] or [`EXCHANGE_FORMAT`].
    pub format: String,
    /// The package's (or bundle's) id: 32 hex digits, new for each.
    pub id: String,
    pub sender: Sender,
    /// The age recipients it is sealed to (`age1…`): so that a package re-encrypted to
    /// someone else no longer looks addressed to them. Empty for a passphrase package
    /// and for a bundle, which is not encrypted.
    pub recipients: Vec<String>,
    /// Sealed with a passphrase agreed with the Board rather than to recipients.
    #[serde(default)]
    pub passphrase: bool,
    pub created_at: NaiveDateTime,
    /// Every other file, once each, with its size and SHA-256.
    pub files: Vec<FileHash>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    pub agency: String,
    /// The minisign key id of the key that signs the manifest.
    pub key_id: String,
    /// That key's base64 line: so that a package from a signer not (yet) in the
    /// directory can be checked and shown with its fingerprint, and counted once the
    /// signer's card is added.
    pub signing_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub name: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A file name a manifest may list: 1 to 120 characters of letters, digits, `.`, `_`,
/// `-`, `@` and `/`, no empty or dot-only part, not absolute.
fn check_file_name(name: &str) -> Result<(), TrustError> {
    let ok = !name.is_empty()
        && name.len() <= 120
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@' | b'/'))
        && name
            .split('/')
            .all(|part| !part.is_empty() && part.bytes().any(|b| b != b'.'));
    if ok {
        Ok(())
    } else {
        Err(TrustError::new(
            "files",
            "a file name in the manifest is not one Escalate writes (letters, digits, . _ - @ / only, no empty or dot-only part)",
        ))
    }
}

impl Manifest {
    /// A manifest for `files`, from `agency` signing with `key`.
    pub fn new(
        format: &str,
        agency: &str,
        key: &PublicKey,
        recipients: &[String],
        passphrase: bool,
        created_at: NaiveDateTime,
        files: &[(&str, &[u8])],
    ) -> Result<Manifest, TrustError> {
        let m = Manifest {
            format: format.to_owned(),
            id: crate::keys::new_id()?,
            sender: Sender {
                agency: agency.to_owned(),
                key_id: key.key_id(),
                signing_key: key.base64().to_owned(),
            },
            recipients: recipients.iter().map(|r| r.trim().to_owned()).collect(),
            passphrase,
            created_at,
            files: files
                .iter()
                .map(|(name, data)| FileHash {
                    name: (*name).to_owned(),
                    size: data.len() as u64,
                    sha256: sha256_hex(data),
                })
                .collect(),
        };
        m.check()?;
        Ok(m)
    }

    /// What the signature's trusted comment says: the format and the id.
    pub fn trusted_comment(&self) -> String {
        format!("{} {}", self.format, self.id)
    }

    /// The manifest's file (pretty JSON, final newline) and its `.minisig`.
    pub fn sign(&self, key: &SigningKey) -> Result<(Vec<u8>, String), TrustError> {
        if key.public().key_id() != self.sender.key_id {
            return Err(TrustError::new(
                "sender",
                "the manifest names another key than the one signing it",
            ));
        }
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| TrustError::new("manifest", e.to_string()))?;
        json.push(b'\n');
        let sig = key.sign(&json, &self.trusted_comment())?;
        Ok((json, sig))
    }

    /// The rules beyond the JSON's shape.
    fn check(&self) -> Result<(), TrustError> {
        if ![PACKAGE_FORMAT, BUNDLE_FORMAT, EXCHANGE_FORMAT].contains(&self.format.as_str()) {
            return Err(TrustError::new(
                "format",
                format!("a manifest this Escalate reads says {PACKAGE_FORMAT}, {BUNDLE_FORMAT} or {EXCHANGE_FORMAT}"),
            ));
        }
        if self.id.len() != 32
            || !self
                .id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(TrustError::new(
                "id",
                "a package id is 32 lower-case hex digits",
            ));
        }
        check_name("sender.agency", &self.sender.agency, "the sender's agency")?;
        if self.sender.key_id.len() != 16
            || !self
                .sender
                .key_id
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
        {
            return Err(TrustError::new(
                "sender.key_id",
                "a key id is 16 upper-case hex digits",
            ));
        }
        let key = PublicKey::from_base64(&self.sender.signing_key)
            .map_err(|e| TrustError::new("sender.signing_key", e.message))?;
        if key.key_id() != self.sender.key_id {
            return Err(TrustError::new(
                "sender.key_id",
                "it is not the id of sender.signing_key",
            ));
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(TrustError::new(
                "recipients",
                format!("a manifest names at most {MAX_RECIPIENTS} recipients"),
            ));
        }
        let mut seen = BTreeSet::new();
        for r in &self.recipients {
            check_recipient(r).map_err(|e| TrustError::new("recipients", e.message))?;
            if !seen.insert(r.as_str()) {
                return Err(TrustError::new("recipients", "a recipient is named twice"));
            }
        }
        if self.passphrase && !self.recipients.is_empty() {
            return Err(TrustError::new(
                "recipients",
                "a passphrase package names no recipients",
            ));
        }
        let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let latest = NaiveDate::from_ymd_opt(2101, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        if earliest.is_some_and(|e| self.created_at < e)
            || latest.is_some_and(|l| self.created_at >= l)
        {
            return Err(TrustError::new(
                "created_at",
                "a manifest's date is in 1990–2100",
            ));
        }
        if self.files.len() > MAX_FILES {
            return Err(TrustError::new(
                "files",
                format!("a manifest names at most {MAX_FILES} files"),
            ));
        }
        let mut names = BTreeSet::new();
        for f in &self.files {
            check_file_name(&f.name)?;
            if f.name == MANIFEST_NAME || f.name == SIGNATURE_NAME {
                return Err(TrustError::new(
                    "files",
                    "the manifest lists itself or its signature",
                ));
            }
            if !names.insert(f.name.as_str()) {
                return Err(TrustError::new(
                    "files",
                    format!("the manifest names {} twice", f.name),
                ));
            }
            if f.sha256.len() != 64
                || !f
                    .sha256
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return Err(TrustError::new(
                    "files",
                    format!("the SHA-256 of {} is not 64 lower-case hex digits", f.name),
                ));
            }
        }
        Ok(())
    }

    /// Whether `files` are exactly the files the manifest names, each with its size and
    /// SHA-256. The error names the file at fault.
    pub fn check_files(&self, files: &[(&str, &[u8])]) -> Result<(), TrustError> {
        for (name, data) in files {
            let Some(listed) = self.files.iter().find(|f| f.name == *name) else {
                return Err(TrustError::new(
                    "files",
                    format!("{name} is in the package but not in its signed manifest"),
                ));
            };
            if listed.size != data.len() as u64 || listed.sha256 != sha256_hex(data) {
                return Err(TrustError::new(
                    "files",
                    format!("{name} is not the file that was signed: its SHA-256 differs from the manifest's"),
                ));
            }
        }
        for listed in &self.files {
            if !files.iter().any(|(n, _)| *n == listed.name) {
                return Err(TrustError::new(
                    "files",
                    format!(
                        "{} is named in the signed manifest but missing",
                        listed.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A manifest as read, with its signature: its shape and rules are checked, its
/// signature not yet (that needs the key the directory trusts for its signer).
#[derive(Debug, Clone)]
pub struct SignedManifest {
    pub manifest: Manifest,
    json: Vec<u8>,
    signature: Signature,
}

impl SignedManifest {
    /// Read `manifest.json` and its `.minisig`, each within its bound.
    pub fn parse(json: &[u8], signature: &[u8]) -> Result<SignedManifest, TrustError> {
        if json.len() > MAX_MANIFEST {
            return Err(TrustError::new(
                "manifest",
                format!(
                    "manifest.json is {} bytes; the limit is {MAX_MANIFEST}",
                    json.len()
                ),
            ));
        }
        let signature = Signature::parse(signature)?;
        let manifest: Manifest = serde_json::from_slice(json).map_err(|e| {
            let text = e.to_string();
            let why = match text
                .strip_prefix("duplicate field `")
                .and_then(|r| r.split('`').next())
            {
                Some(f) => format!("{f} is given more than once"),
                None => format!(
                    "it cannot be read at line {}, column {}",
                    e.line(),
                    e.column()
                ),
            };
            TrustError::new(
                "manifest",
                format!("manifest.json is not a manifest: {why}"),
            )
        })?;
        manifest.check()?;
        if signature.key_id() != manifest.sender.key_id {
            return Err(TrustError::new(
                "signature",
                "the signature was made by another key than the manifest's sender.key_id",
            ));
        }
        Ok(SignedManifest {
            manifest,
            json: json.to_vec(),
            signature,
        })
    }

    /// The signer's key id, as claimed (true once [`SignedManifest::verify`] passes).
    pub fn key_id(&self) -> &str {
        self.signature.key_id()
    }

    /// The key the manifest says signed it, checked to have signed it: a package from a
    /// signer not in the directory is still known to be whole and from this key, which
    /// the administrator compares with the signer's card.
    pub fn verify_self(&self) -> Result<PublicKey, TrustError> {
        let key = PublicKey::from_base64(&self.manifest.sender.signing_key)?;
        self.verify(&key)?;
        Ok(key)
    }

    /// The signature's text, to keep beside the manifest.
    pub fn signature_text(&self) -> &str {
        self.signature.text()
    }

    /// Whether `key` signed exactly these bytes, with the trusted comment naming this
    /// manifest's format and id.
    pub fn verify(&self, key: &PublicKey) -> Result<&Manifest, TrustError> {
        key.verify(&self.json, &self.signature)?;
        if self.signature.trusted_comment() != self.manifest.trusted_comment() {
            return Err(TrustError::new(
                "signature",
                "the signature's trusted comment does not name this manifest's format and id",
            ));
        }
        Ok(&self.manifest)
    }

    pub fn json(&self) -> &[u8] {
        &self.json
    }
}
