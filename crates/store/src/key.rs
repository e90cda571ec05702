//! The store's data key and the recovery passphrase that wraps it.
//!
//! The data key is 32 random bytes, given to SQLCipher in raw form so opening costs
//! milliseconds. It lives in the OS keyring for daily use and, wrapped by a key that
//! Argon2id derives from the recovery passphrase, in `key.json` beside the store, so a
//! wiped keyring or a reimaged laptop never locks the lead out.

use std::fmt;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::StoreError;

/// Shortest recovery passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(b)
}

/// The 256-bit key SQLCipher encrypts the store with. Zeroed on drop, never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub fn generate() -> Result<DataKey, StoreError> {
        Ok(DataKey(random::<32>()?))
    }

    /// The key as lower-case hex, for SQLCipher's `x'…'` form and the keyring. The
    /// caller must not log it.
    pub fn expose_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    pub fn from_hex(s: &str) -> Option<DataKey> {
        let mut b = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(s.trim(), &mut b[..]).ok()?;
        Some(DataKey(*b))
    }

    /// A value that tells whether a key is the store's without revealing the key.
    pub(crate) fn check_value(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"escalate key check v1");
        h.update(self.0);
        hex::encode(&h.finalize()[..16])
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The recovery passphrase. Zeroed on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    /// A passphrase as typed. Trailing newlines (from a file) are dropped.
    pub fn new(s: impl Into<String>) -> Passphrase {
        let mut s: String = s.into();
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
        Passphrase(s)
    }

    /// A new recovery passphrase: eight groups of five letters and digits (about 200
    /// bits), without the look-alikes 0/O and 1/I/L, so it can be written down and typed.
    pub fn generate() -> Result<Passphrase, StoreError> {
        const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
        let mut out = String::with_capacity(47);
        let mut byte = [0u8; 1];
        let mut count = 0;
        while count < 40 {
            getrandom::fill(&mut byte).map_err(|e| StoreError::Random(e.to_string()))?;
            // Rejection sampling keeps every letter equally likely.
            if usize::from(byte[0]) >= 256 - 256 % ALPHABET.len() {
                continue;
            }
            if count > 0 && count % 5 == 0 {
                out.push('-');
            }
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
            count += 1;
        }
        Ok(Passphrase(out))
    }

    /// A passphrase good enough to protect the store: checked when one is set.
    pub fn check_strength(&self, field: &'static str) -> Result<(), StoreError> {
        if self.0.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::Invalid {
                field,
                message: format!(
                    "the recovery passphrase must be at least {MIN_PASSPHRASE_CHARS} characters: a few unrelated words work well"
                ),
            });
        }
        Ok(())
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The passphrase itself, for handing to another cipher (an export package). The
    /// caller must not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// Argon2id parameters, stored so they can be raised later without breaking old files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    /// OWASP's first recommended Argon2id configuration (m = 46 MiB, t = 1, p = 1)
    /// raised to t = 2: about a quarter of a second here, paid only on recovery.
    pub const DEFAULT: KdfParams = KdfParams {
        m_cost_kib: 47_104,
        t_cost: 2,
        p_cost: 1,
    };
}

/// `key.json`: everything needed to recover the data key from the passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub format: u32,
    /// The store's id: the keyring entry's name.
    pub store_id: String,
    pub kdf: String,
    pub params: KdfParams,
    pub salt: String,
    pub cipher: String,
    pub nonce: String,
    pub ciphertext: String,
    /// Tells a stale keyring key from the right one before the database is touched.
    pub key_check: String,
}

pub const KEY_FILE: &str = "key.json";

fn derive(pass: &Passphrase, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32)).map_err(|e| {
        StoreError::KeyFile(format!("key.json has unusable Argon2id parameters: {e}"))
    })?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pass.as_bytes(), salt, &mut out[..])
        .map_err(|e| StoreError::KeyFile(format!("could not derive the key: {e}")))?;
    Ok(out)
}

fn aad(store_id: &str) -> Vec<u8> {
    format!("escalate key.json v1 {store_id}").into_bytes()
}

impl KeyFile {
    /// Wrap `key` with `pass`.
    pub fn wrap(
        store_id: &str,
        key: &DataKey,
        pass: &Passphrase,
        params: KdfParams,
    ) -> Result<KeyFile, StoreError> {
        let salt = random::<16>()?;
        let nonce = random::<24>()?;
        let kek = derive(pass, &salt, params)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &key.0,
                    aad: &aad(store_id),
                },
            )
            .map_err(|_| StoreError::KeyFile("could not wrap the data key".to_owned()))?;
        Ok(KeyFile {
            format: 1,
            store_id: store_id.to_owned(),
            kdf: "argon2id".to_owned(),
            params,
            salt: B64.encode(salt),
            cipher: "xchacha20poly1305".to_owned(),
            nonce: B64.encode(nonce),
            ciphertext: B64.encode(ciphertext),
            key_check: key.check_value(),
        })
    }

    /// Recover the data key. A wrong passphrase is `StoreError::WrongPassphrase`.
    pub fn unwrap_key(&self, pass: &Passphrase) -> Result<DataKey, StoreError> {
        if self.format != 1 || self.kdf != "argon2id" || self.cipher != "xchacha20poly1305" {
            return Err(StoreError::KeyFile(format!(
                "key.json is format {} ({}, {}), which this version of Escalate cannot read: update Escalate",
                self.format, self.kdf, self.cipher
            )));
        }
        let bad = |what: &str| {
            StoreError::KeyFile(format!(
                "key.json is damaged ({what}): restore it from a backup"
            ))
        };
        let salt = B64.decode(&self.salt).map_err(|_| bad("salt"))?;
        let nonce = B64.decode(&self.nonce).map_err(|_| bad("nonce"))?;
        let ct = B64
            .decode(&self.ciphertext)
            .map_err(|_| bad("ciphertext"))?;
        if nonce.len() != 24 {
            return Err(bad("nonce"));
        }
        let kek = derive(pass, &salt, self.params)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &ct,
                        aad: &aad(&self.store_id),
                    },
                )
                .map_err(|_| StoreError::WrongPassphrase)?,
        );
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| bad("key length"))?;
        let key = DataKey(bytes);
        if key.check_value() != self.key_check {
            return Err(bad("key check"));
        }
        Ok(key)
    }

    pub fn matches(&self, key: &DataKey) -> bool {
        key.check_value() == self.key_check
    }

    pub fn read(dir: &Path) -> Result<KeyFile, StoreError> {
        let path = dir.join(KEY_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NoStore {
                dir: dir.display().to_string(),
            },
            _ => StoreError::Io {
                path: path.display().to_string(),
                source: e,
            },
        })?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::KeyFile(format!("key.json could not be read: {e}")))
    }

    /// Write atomically: a crash leaves the old file or the new one, never half of one.
    pub fn write(&self, dir: &Path) -> Result<(), StoreError> {
        let path = dir.join(KEY_FILE);
        let tmp = dir.join("key.json.new");
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| StoreError::KeyFile(format!("could not write key.json: {e}")))?;
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// A fresh random store id.
pub fn new_store_id() -> Result<String, StoreError> {
    Ok(hex::encode(random::<16>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    };

    #[test]
    fn wrap_and_unwrap() {
        let key = DataKey::generate().unwrap();
        let pass = Passphrase::new("correct horse battery staple");
        let f = KeyFile::wrap("abc", &key, &pass, FAST).unwrap();
        assert_eq!(f.unwrap_key(&pass).unwrap(), key);
        assert!(matches!(
            f.unwrap_key(&Passphrase::new("wrong horse battery staple")),
            Err(StoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn the_store_id_is_bound_to_the_wrapped_key() {
        let key = DataKey::generate().unwrap();
        let pass = Passphrase::new("correct horse battery staple");
        let mut f = KeyFile::wrap("abc", &key, &pass, FAST).unwrap();
        f.store_id = "def".to_owned();
        assert!(f.unwrap_key(&pass).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let key = DataKey::generate().unwrap();
        let hex = key.expose_hex();
        assert!(!format!("{key:?}").contains(&hex[..8]));
        let p = Passphrase::new("correct horse battery staple\n");
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
        assert_eq!(p.as_bytes(), b"correct horse battery staple");
    }

    #[test]
    fn short_passphrases_are_refused() {
        let e = Passphrase::new("short")
            .check_strength("passphrase")
            .unwrap_err();
        assert!(e.to_string().contains("at least 12 characters"));
    }
}
