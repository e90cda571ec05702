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
use crate::fsx;

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
#[serde(deny_unknown_fields)]
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

    /// Memory accepted, in KiB: 8 MiB (below that the passphrase is cheap to guess) to
    /// 1 GiB (what a laptop can give without swapping). The parameters come from
    /// `key.json` or a backup, which anyone can craft: unbounded, `m_cost_kib =
    /// 4294967295` asks for 4 TiB and aborts the process.
    pub const M_COST_KIB: std::ops::RangeInclusive<u32> = 8 * 1024..=1024 * 1024;
    /// Passes accepted: 1 to 10. `t_cost = 1000000` would run for days.
    pub const T_COST: std::ops::RangeInclusive<u32> = 1..=10;
    /// Lanes accepted: 1 to 4, what a laptop has cores for.
    pub const P_COST: std::ops::RangeInclusive<u32> = 1..=4;

    /// Refuse parameters outside the ranges above, naming the file and the field. Runs
    /// before any key derivation, so a crafted file costs nothing.
    pub fn check(&self, source: &str) -> Result<(), StoreError> {
        let field = |name: &str, value: u32, range: &std::ops::RangeInclusive<u32>, unit: &str| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(StoreError::KeyFile(format!(
                    "{source}: params.{name} is {value}, outside the {}..={} {unit} Escalate accepts: the file is damaged or was not written by Escalate; {}",
                    range.start(),
                    range.end(),
                    remedy(source)
                )))
            }
        };
        field(
            "m_cost_kib",
            self.m_cost_kib,
            &Self::M_COST_KIB,
            "KiB (8 MiB to 1 GiB)",
        )?;
        field("t_cost", self.t_cost, &Self::T_COST, "passes")?;
        field("p_cost", self.p_cost, &Self::P_COST, "lanes")?;
        Ok(())
    }
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
/// The wrapped new key during a rotation; see `Store::rotate_key`.
pub const NEXT_KEY_FILE: &str = "key.json.next";

/// Largest key file read. Escalate writes about 500 bytes; the bound is checked from
/// the file's size before it is read.
pub const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

/// Salt lengths accepted (Escalate writes 16 bytes; Argon2 needs at least 8).
const SALT_BYTES: std::ops::RangeInclusive<usize> = 16..=64;
const NONCE_BYTES: usize = 24;
/// The 32-byte key and the 16-byte Poly1305 tag.
const CIPHERTEXT_BYTES: usize = 32 + 16;

/// The decoded binary fields of a checked key file.
struct Sealed {
    salt: Vec<u8>,
    nonce: [u8; NONCE_BYTES],
    ciphertext: Vec<u8>,
}

/// What to do about a damaged key file: from a backup, use another one.
fn remedy(source: &str) -> &'static str {
    if source.starts_with("the backup") {
        "use another backup"
    } else {
        "restore it from a backup"
    }
}

/// Decode one base64 field, refusing anything longer than `max` bytes before decoding.
fn decode_field(
    source: &str,
    field: &str,
    text: &str,
    len: std::ops::RangeInclusive<usize>,
) -> Result<Vec<u8>, StoreError> {
    let bad = || {
        StoreError::KeyFile(format!(
            "{source}: {field} is not {}..={} bytes of base64: the file is damaged; {}",
            len.start(),
            len.end(),
            remedy(source)
        ))
    };
    // Four base64 characters carry three bytes.
    if text.len() > len.end().div_ceil(3) * 4 {
        return Err(bad());
    }
    let bytes = B64.decode(text).map_err(|_| bad())?;
    if !len.contains(&bytes.len()) {
        return Err(bad());
    }
    Ok(bytes)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What serde says went wrong, without the value it choked on (a key file holds no
/// child data, but the rule is that errors carry no values).
fn json_error(source: &str, e: &serde_json::Error) -> StoreError {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io | Category::Eof => "it ends too early",
        Category::Syntax => "it is not valid JSON",
        Category::Data => "it does not have the fields Escalate writes",
    };
    StoreError::KeyFile(format!(
        "{source} could not be read: {what} (line {}, column {}): {}",
        e.line(),
        e.column(),
        remedy(source)
    ))
}

fn derive(pass: &Passphrase, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    // Every caller has checked already; checked again here because this is the call
    // that would allocate `m_cost_kib` and spin `t_cost` times.
    p.check("params")?;
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
        params.check("params")?;
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

    /// Check every field against what Escalate writes: format, algorithms, store id,
    /// Argon2id parameters within bounds, and the lengths of salt, nonce, ciphertext
    /// and key check. `source` names the file in the error ("key.json", "the backup's
    /// key.json"). Nothing is derived until this has passed.
    pub fn check(&self, source: &str) -> Result<(), StoreError> {
        self.sealed(source).map(|_| ())
    }

    fn sealed(&self, source: &str) -> Result<Sealed, StoreError> {
        if self.format != 1 || self.kdf != "argon2id" || self.cipher != "xchacha20poly1305" {
            return Err(StoreError::KeyFile(format!(
                "{source} is a format (format, kdf or cipher) this version of Escalate cannot read: update Escalate"
            )));
        }
        let id_ok = (1..=64).contains(&self.store_id.len())
            && self
                .store_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(StoreError::KeyFile(format!(
                "{source}: store_id is not 1 to 64 letters, digits, '-' or '_': the file is damaged; {}",
                remedy(source)
            )));
        }
        if !is_hex(&self.key_check, 32) {
            return Err(StoreError::KeyFile(format!(
                "{source}: key_check is not 32 hex digits: the file is damaged; {}",
                remedy(source)
            )));
        }
        self.params.check(source)?;
        let salt = decode_field(source, "salt", &self.salt, SALT_BYTES)?;
        let nonce = decode_field(source, "nonce", &self.nonce, NONCE_BYTES..=NONCE_BYTES)?;
        let ciphertext = decode_field(
            source,
            "ciphertext",
            &self.ciphertext,
            CIPHERTEXT_BYTES..=CIPHERTEXT_BYTES,
        )?;
        let nonce: [u8; NONCE_BYTES] = nonce.as_slice().try_into().map_err(|_| {
            StoreError::KeyFile(format!("{source}: nonce is not {NONCE_BYTES} bytes"))
        })?;
        Ok(Sealed {
            salt,
            nonce,
            ciphertext,
        })
    }

    /// Recover the data key. A wrong passphrase is `StoreError::WrongPassphrase`.
    pub fn unwrap_key(&self, pass: &Passphrase) -> Result<DataKey, StoreError> {
        let sealed = self.sealed(KEY_FILE)?;
        let kek = derive(pass, &sealed.salt, self.params)?;
        let cipher = XChaCha20Poly1305::new((&*kek).into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &aad(&self.store_id),
                    },
                )
                .map_err(|_| StoreError::WrongPassphrase)?,
        );
        let bad = |what: &str| {
            StoreError::KeyFile(format!(
                "key.json is damaged ({what}): restore it from a backup"
            ))
        };
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

    /// Parse and check a key file's bytes; `source` names it in errors.
    pub fn parse(bytes: &[u8], source: &str) -> Result<KeyFile, StoreError> {
        if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(StoreError::KeyFile(format!(
                "{source} is larger than {MAX_KEY_FILE_BYTES} bytes, so it is not a key file Escalate wrote: {}",
                remedy(source)
            )));
        }
        let file: KeyFile = serde_json::from_slice(bytes).map_err(|e| json_error(source, &e))?;
        file.check(source)?;
        Ok(file)
    }

    /// Read `key.json` from a data folder.
    pub fn read(dir: &Path) -> Result<KeyFile, StoreError> {
        match Self::read_named(dir, KEY_FILE)? {
            Some(f) => Ok(f),
            None => Err(StoreError::NoStore {
                dir: dir.display().to_string(),
            }),
        }
    }

    /// Read `dir/name`, `None` when there is no such file. The size is checked from the
    /// file's metadata before anything is read.
    pub(crate) fn read_named(dir: &Path, name: &str) -> Result<Option<KeyFile>, StoreError> {
        match Self::read_bytes(dir, name)? {
            Some(bytes) => Self::parse(&bytes, name).map(Some),
            None => Ok(None),
        }
    }

    /// The bytes of `dir/name` as they stand (a backup carries them whole), `None` when
    /// there is no such file; refused from its size before anything is read, and again
    /// if it grows past the limit while read.
    pub(crate) fn read_bytes(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        use std::io::Read;
        let path = dir.join(name);
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        let too_large = |len: u64| {
            StoreError::KeyFile(format!(
                "{name} is {len} bytes, larger than the {MAX_KEY_FILE_BYTES} a key file can be: restore it from a backup"
            ))
        };
        let f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let len = f.metadata().map_err(io)?.len();
        if len > MAX_KEY_FILE_BYTES {
            return Err(too_large(len));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        f.take(MAX_KEY_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        Ok(Some(bytes))
    }

    fn to_json(&self) -> Result<String, StoreError> {
        serde_json::to_string_pretty(self)
            .map_err(|e| StoreError::KeyFile(format!("could not write key.json: {e}")))
    }

    /// Write `key.json` atomically: a crash leaves the old file or the new one, never
    /// half of one. The file is owner-only and flushed, and so is the folder.
    pub fn write(&self, dir: &Path) -> Result<(), StoreError> {
        fsx::write_atomic(dir, KEY_FILE, self.to_json()?.as_bytes())
    }

    /// Write the rotation's `key.json.next`, the same way.
    pub(crate) fn write_next(&self, dir: &Path) -> Result<(), StoreError> {
        fsx::write_atomic(dir, NEXT_KEY_FILE, self.to_json()?.as_bytes())
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
        m_cost_kib: 8 * 1024,
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
        // The right passphrase does not open a key file moved to another store.
        assert!(matches!(
            f.unwrap_key(&pass),
            Err(StoreError::WrongPassphrase)
        ));
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
    fn costs_out_of_bounds_are_refused_before_any_derivation() {
        let key = DataKey::generate().unwrap();
        let pass = Passphrase::new("correct horse battery staple");
        for (p, field) in [
            (
                KdfParams {
                    m_cost_kib: u32::MAX,
                    ..FAST
                },
                "params.m_cost_kib is 4294967295",
            ),
            (
                KdfParams {
                    t_cost: 1_000_000,
                    ..FAST
                },
                "params.t_cost is 1000000",
            ),
            (KdfParams { p_cost: 0, ..FAST }, "params.p_cost is 0"),
        ] {
            // Wrapping would derive first: a 4 TiB allocation, or days of passes.
            let e = KeyFile::wrap("abc", &key, &pass, p).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
            let mut f = KeyFile::wrap("abc", &key, &pass, FAST).unwrap();
            f.params = p;
            let e = f.unwrap_key(&pass).unwrap_err();
            assert!(
                e.to_string().starts_with(&format!("key.json: {field}")),
                "{e}"
            );
        }
        // The default and the bounds' ends are accepted.
        for p in [
            KdfParams::DEFAULT,
            KdfParams {
                m_cost_kib: *KdfParams::M_COST_KIB.end(),
                t_cost: 10,
                p_cost: 4,
            },
        ] {
            p.check("key.json").unwrap();
        }
    }

    #[test]
    fn short_passphrases_are_refused() {
        let e = Passphrase::new("short")
            .check_strength("passphrase")
            .unwrap_err();
        assert!(e.to_string().contains("at least 12 characters"));
    }
}
