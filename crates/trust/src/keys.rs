//! Keys: the agency's minisign signing key, its public half, a minisign signature, and
//! the age identity packages are sealed to.

use std::io::Cursor;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::TrustError;

/// The most a `.minisig` file may be: four short lines (minisign's own are under 400
/// bytes with a long trusted comment).
pub const MAX_SIGNATURE: usize = 2 * 1024;

/// The agency's signing key. Its secret bytes are kept zeroed on drop; minisign's own
/// `SecretKey` is made from them only for the moment of signing.
pub struct SigningKey {
    bytes: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(<secret>, public {})", self.public.key_id())
    }
}

fn secret_of(bytes: &[u8]) -> Result<minisign::SecretKey, TrustError> {
    minisign::SecretKey::from_bytes(bytes)
        .map_err(|_| TrustError::new("signing_key", "the stored signing key is damaged"))
}

impl SigningKey {
    /// A new key pair.
    pub fn generate() -> Result<SigningKey, TrustError> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(|e| {
            TrustError::new("signing_key", format!("no signing key could be made: {e}"))
        })?;
        let public = PublicKey::of(pair.pk)?;
        Ok(SigningKey {
            bytes: Zeroizing::new(pair.sk.to_bytes()),
            public,
        })
    }

    /// The key as [`SigningKey::secret_text`] wrote it. Refused when it is not a
    /// minisign secret key, is encrypted, or its checksum does not match.
    pub fn from_secret_text(text: &str) -> Result<SigningKey, TrustError> {
        let bytes =
            Zeroizing::new(hex::decode(text.trim()).map_err(|_| {
                TrustError::new("signing_key", "the stored signing key is damaged")
            })?);
        let sk = secret_of(&bytes)?;
        if sk.is_encrypted() {
            return Err(TrustError::new(
                "signing_key",
                "the stored signing key is damaged (its checksum does not match)",
            ));
        }
        let pk = minisign::PublicKey::from_secret_key(&sk)
            .map_err(|_| TrustError::new("signing_key", "the stored signing key is damaged"))?;
        Ok(SigningKey {
            bytes,
            public: PublicKey::of(pk)?,
        })
    }

    /// The secret key as text to keep inside the encrypted store: minisign's
    /// unencrypted secret-key bytes in hex. Never written outside the store.
    pub fn secret_text(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&*self.bytes))
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Sign `data`: a prehashed minisign signature (what `minisign -S` makes by
    /// default) with `trusted_comment`, as the text of a `.minisig` file.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String, TrustError> {
        let sk = secret_of(&self.bytes)?;
        let untrusted = format!("signature from Escalate key {}", self.public.key_id());
        let sig = minisign::sign(
            Some(&self.public.inner),
            &sk,
            Cursor::new(data),
            Some(trusted_comment),
            Some(&untrusted),
        )
        .map_err(|e| TrustError::new("signature", format!("it could not be signed: {e}")))?;
        Ok(sig.into_string())
    }
}

/// A minisign public key (Ed25519 with its 8-byte key id).
#[derive(Clone)]
pub struct PublicKey {
    inner: minisign::PublicKey,
    base64: String,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.base64 == other.base64
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    fn of(inner: minisign::PublicKey) -> Result<PublicKey, TrustError> {
        let base64 = inner.to_base64();
        Ok(PublicKey { inner, base64 })
    }

    /// The base64 line of a minisign public-key file (`RW…`, 56 characters).
    pub fn from_base64(text: &str) -> Result<PublicKey, TrustError> {
        let t = text.trim();
        let malformed = || {
            TrustError::new(
                "signing_key",
                "not a minisign public key: give the base64 line of a minisign public-key file (56 characters, beginning RW)",
            )
        };
        if t.len() != 56
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            return Err(malformed());
        }
        let inner = minisign::PublicKey::from_base64(t).map_err(|_| malformed())?;
        // Written back the same, or it was not minisign's canonical encoding: two texts
        // for one key would let one key pass as two. The minisign crate neither checks
        // the algorithm tag nor uses it when verifying, so a text with another tag is a
        // second text for the same key: only Ed25519's ("Ed", the `RW` lines) is one.
        if inner.to_base64() != t || !inner.to_bytes().starts_with(b"Ed") {
            return Err(malformed());
        }
        PublicKey::of(inner)
    }

    pub fn base64(&self) -> &str {
        &self.base64
    }

    /// minisign's key id as it prints it: 16 upper-case hex digits.
    pub fn key_id(&self) -> String {
        key_id_of(self.inner.keynum())
    }

    /// The two-line public-key file `minisign -V -p FILE` reads.
    pub fn public_key_file(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.key_id(),
            self.base64
        )
    }

    /// Whether `signature` is this key's over `data`. The trusted comment is checked by
    /// the caller, which knows what it must say.
    pub fn verify(&self, data: &[u8], signature: &Signature) -> Result<(), TrustError> {
        if signature.key_id != self.key_id() {
            return Err(TrustError::new(
                "signature",
                format!(
                    "it was made by key {}, not by key {}",
                    signature.key_id,
                    self.key_id()
                ),
            ));
        }
        minisign::verify(
            &self.inner,
            &signature.boxed,
            Cursor::new(data),
            true,
            false,
            false,
        )
        .map_err(|_| {
            TrustError::new(
                "signature",
                "it does not verify: the signed file was changed after signing, or the signature is not over it",
            )
        })
    }
}

fn key_id_of(keynum: &[u8]) -> String {
    let mut le = [0u8; 8];
    for (d, s) in le.iter_mut().zip(keynum) {
        *d = *s;
    }
    format!("{:016X}", u64::from_le_bytes(le))
}

/// A minisign signature as read from a `.minisig` file: not yet verified.
#[derive(Clone)]
pub struct Signature {
    text: String,
    boxed: minisign::SignatureBox,
    key_id: String,
    trusted_comment: String,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature(by {})", self.key_id)
    }
}

impl Signature {
    /// Read a `.minisig` file's text: at most [`MAX_SIGNATURE`] bytes, prehashed (the
    /// legacy form is refused), with a trusted comment.
    pub fn parse(bytes: &[u8]) -> Result<Signature, TrustError> {
        if bytes.len() > MAX_SIGNATURE {
            return Err(TrustError::new(
                "signature",
                format!(
                    "it is {} bytes; a minisign signature is under {MAX_SIGNATURE}",
                    bytes.len()
                ),
            ));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            TrustError::new("signature", "it is not a minisign signature (not text)")
        })?;
        let boxed = minisign::SignatureBox::from_string(text)
            .map_err(|_| TrustError::new("signature", "it is not a minisign signature"))?;
        // The minisign crate's reader is lenient where its verifier is not: a global
        // signature line of other than 64 bytes is read, and then panics `verify`; a
        // base64 line with a changed padding or trailing character reads as the same
        // bytes, a second text for one signature. So the text must be minisign's own
        // writing of what was read, with a global signature of exactly 64 bytes (88
        // base64 digits ending `==`; 66 bytes would also be 88 digits, and verify).
        let global_line = text.lines().nth(3).unwrap_or_default();
        if global_line.len() != 88 || !global_line.ends_with("==") || boxed.to_string() != text {
            return Err(TrustError::new(
                "signature",
                "it is not a minisign signature (not four lines as minisign writes them)",
            ));
        }
        if !boxed.is_prehashed() {
            return Err(TrustError::new(
                "signature",
                "it is a legacy minisign signature: sign again with a current minisign",
            ));
        }
        let trusted_comment = boxed
            .trusted_comment()
            .map_err(|_| TrustError::new("signature", "it carries no trusted comment"))?;
        let key_id = key_id_of(boxed.keynum());
        Ok(Signature {
            text: text.to_owned(),
            boxed,
            key_id,
            trusted_comment,
        })
    }

    /// The signing key's id, as the signature claims it (true only once verified).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The `.minisig` file's text, as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The trusted comment (true only once verified).
    pub fn trusted_comment(&self) -> &str {
        &self.trusted_comment
    }
}

/// A new age X25519 identity: its secret (`AGE-SECRET-KEY-1…`, to keep inside the
/// encrypted store) and its recipient (`age1…`, to give out).
pub fn new_recipient() -> (Zeroizing<String>, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    (
        Zeroizing::new(id.to_string().expose_secret().to_owned()),
        recipient,
    )
}

/// The recipient of an age identity, or why it is not one.
pub fn recipient_of(identity: &str) -> Result<String, TrustError> {
    let id: age::x25519::Identity = identity
        .trim()
        .parse()
        .map_err(|_| TrustError::new("identity", "the stored age identity is damaged"))?;
    Ok(id.to_public().to_string())
}

/// Whether `recipient` is an age X25519 recipient (`age1…`), written as age writes it.
pub fn check_recipient(recipient: &str) -> Result<(), TrustError> {
    let bad = || {
        TrustError::new(
            "recipient",
            "not an age public key: give the age1… line, 62 characters",
        )
    };
    if recipient.len() != 62 || !recipient.starts_with("age1") {
        return Err(bad());
    }
    let r: age::x25519::Recipient = recipient.parse().map_err(|_| bad())?;
    if r.to_string() != recipient {
        return Err(bad());
    }
    Ok(())
}

/// A short fingerprint of an agency's signing key to compare over the phone: the
/// SHA-256 of the key's base64 line, its first 80 bits as five groups of four hex digits
/// (`7F3A 91C2 0B44 E1D9 5A60`). The key alone: the card's recipient, name and sector
/// are signed by it, so comparing the key's fingerprint checks the whole card, and a
/// package (whose manifest carries the key) shows the same fingerprint as its card.
pub fn fingerprint(signing_key: &PublicKey) -> String {
    let mut h = Sha256::new();
    h.update(b"escalate-signing-key\n");
    h.update(signing_key.base64().as_bytes());
    let digest = h.finalize();
    let hexed = hex::encode_upper(&digest[..10]);
    hexed
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new random id (a package's, a bundle's): 32 lower-case hex digits.
pub fn new_id() -> Result<String, TrustError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| TrustError::new("id", format!("no random id could be made: {e}")))?;
    Ok(hex::encode(b))
}
