//! Who said it. Each store holds an agency identity: an Ed25519 signing key in
//! minisign's format and an age X25519 identity for what is sent to it. Its public half
//! travels as a [`Card`]. Every export package and partnership bundle carries a
//! [`Manifest`] (the SHA-256 of every other file it holds) signed with minisign, so
//! Debian's `minisign -V` verifies what Escalate signs and Escalate verifies what it
//! reads before anything of it is believed.
//!
//! age encrypts, minisign signs: age's own advice (FiloSottile/age issues 38, 51, 59).
//!
//! Pure: nothing here reads a file or a store. Randomness is drawn for new keys and
//! package ids only.

mod archive;
mod card;
mod keys;
mod manifest;

pub use archive::{read_archive, write_archive, Entry, Limits};
pub use card::{Card, Endorsement, CARD_FORMAT, MAX_CARD};
pub use keys::{
    check_recipient, fingerprint, new_id, new_recipient, recipient_of, PublicKey, Signature,
    SigningKey, MAX_SIGNATURE,
};
pub use manifest::{
    FileHash, Manifest, Sender, SignedManifest, BUNDLE_FORMAT, EXCHANGE_FORMAT, MANIFEST_NAME,
    MAX_FILES, MAX_MANIFEST, PACKAGE_FORMAT, SIGNATURE_NAME,
};

/// Why something could not be signed, read or believed. `field` names the part at
/// fault (a card's `signing_key`, a manifest's `files`, the `signature`); the message
/// says what is wrong and what to do, and never carries the bytes it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TrustError {
    pub field: &'static str,
    pub message: String,
}

impl TrustError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> TrustError {
        TrustError {
            field,
            message: message.into(),
        }
    }
}

/// A one-line name (an agency, a sector) as a card or manifest may carry it: 1 to 200
/// characters, none of them a control, bidi-override or zero-width character, and no
/// space at either end. What would show another name than it is, is refused rather than
/// cleaned: a name is compared with the directory's byte for byte.
pub(crate) fn check_name(field: &'static str, s: &str, what: &str) -> Result<(), TrustError> {
    let n = s.chars().count();
    if n == 0 || n > 200 {
        return Err(TrustError::new(
            field,
            format!("{what} must be 1 to 200 characters"),
        ));
    }
    if s.trim() != s {
        return Err(TrustError::new(
            field,
            format!("{what} begins or ends with a space"),
        ));
    }
    if s.chars().any(hidden) {
        return Err(TrustError::new(
            field,
            format!("{what} holds a control, bidi or zero-width character"),
        ));
    }
    Ok(())
}

/// Characters that change how text shows without showing themselves.
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}
