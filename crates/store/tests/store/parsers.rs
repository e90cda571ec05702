//! Robustness of the parsers the store owns, `key.json` and the backup container, over
//! arbitrary and mutated input: no panic, a clear error naming the file, and memory
//! bounded by a small constant, never by a length field.

use std::sync::OnceLock;

use escalate_store::backup::check_container;
use escalate_store::{DataKey, KdfParams, KeyFile, Passphrase};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// The cheapest parameters the bounds allow, so unwrapping in a property stays quick.
const CHEAP: KdfParams = KdfParams {
    m_cost_kib: 8 * 1024,
    t_cost: 1,
    p_cost: 1,
};

fn pass() -> Passphrase {
    Passphrase::new(crate::support::PASS)
}

/// A real key file, made once.
fn key_json() -> &'static [u8] {
    static K: OnceLock<Vec<u8>> = OnceLock::new();
    K.get_or_init(|| {
        let key = DataKey::generate().unwrap();
        let f = KeyFile::wrap("0123456789abcdef0123456789abcdef", &key, &pass(), CHEAP).unwrap();
        serde_json::to_vec_pretty(&f).unwrap()
    })
}

/// A backup container around `key` and `db`, with a correct checksum.
pub fn container(key: &[u8], db: &[u8]) -> Vec<u8> {
    let mut b = b"ESCALATE-BACKUP\n1\n".to_vec();
    b.extend_from_slice(&(key.len() as u32).to_be_bytes());
    b.extend_from_slice(key);
    b.extend_from_slice(&(db.len() as u64).to_be_bytes());
    b.extend_from_slice(db);
    let d = Sha256::digest(&b);
    b.extend_from_slice(&d);
    b
}

fn real_container() -> &'static [u8] {
    static C: OnceLock<Vec<u8>> = OnceLock::new();
    C.get_or_init(|| {
        let db: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 253) as u8).collect();
        container(key_json(), &db)
    })
}

/// Put the checksum right again after a mutation, so the mutation reaches the parts
/// behind it (anyone can: the checksum is not keyed).
fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    if b.len() >= 32 {
        let body = b.len() - 32;
        let d = Sha256::digest(&b[..body]);
        b[body..].copy_from_slice(&d);
    }
    b
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..64)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Overwrite(i, v)),
    ]
}

fn mutate(mut b: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let n = b.len().max(1);
        match m {
            Mutation::Flip(i, x) => {
                if let Some(byte) = b.get_mut(i % n) {
                    *byte ^= x;
                }
            }
            Mutation::Truncate(i) => b.truncate(i % n),
            Mutation::Insert(i, v) => {
                let at = (i % n).min(b.len());
                b.splice(at..at, v.iter().copied());
            }
            Mutation::Overwrite(i, v) => {
                for (k, x) in v.iter().enumerate() {
                    if let Some(byte) = b.get_mut((i + k) % n) {
                        *byte = *x;
                    }
                }
            }
        }
    }
    b
}

/// Unwrapping is only tried where the costs are small: the bounds allow up to 1 GiB and
/// ten passes, which is safe but too slow to repeat hundreds of times.
fn cheap(f: &KeyFile) -> bool {
    f.params.m_cost_kib <= 16 * 1024 && f.params.t_cost <= 2 && f.params.p_cost <= 2
}

fn check_key_file(bytes: &[u8]) -> Result<(), TestCaseError> {
    match KeyFile::parse(bytes, "key.json") {
        Ok(f) => {
            // Whatever parses has passed every bound.
            prop_assert!(KdfParams::M_COST_KIB.contains(&f.params.m_cost_kib));
            prop_assert!(KdfParams::T_COST.contains(&f.params.t_cost));
            prop_assert!(KdfParams::P_COST.contains(&f.params.p_cost));
            if cheap(&f) {
                if let Err(e) = f.unwrap_key(&pass()) {
                    prop_assert!(
                        matches!(e.code().as_str(), "key.wrong_passphrase" | "key.file"),
                        "{e}"
                    );
                }
            }
        }
        Err(e) => {
            prop_assert_eq!(e.code(), "key.file");
            prop_assert!(e.to_string().starts_with("key.json"), "{}", e);
        }
    }
    Ok(())
}

fn check_backup(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(e) = check_container(bytes) {
        prop_assert_eq!(e.code(), "backup.invalid", "{}", e);
    }
    Ok(())
}

/// JSON values of every kind, for replacing a key file's fields.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9+/=]{0,200}".prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(serde_json::Value::from),
    ]
}

const FIELDS: &[&str] = &[
    "format",
    "store_id",
    "kdf",
    "params",
    "params.m_cost_kib",
    "params.t_cost",
    "params.p_cost",
    "salt",
    "cipher",
    "nonce",
    "ciphertext",
    "key_check",
    "extra",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn key_file_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_key_file(&bytes)?;
    }

    #[test]
    fn key_file_mutated(ms in proptest::collection::vec(mutation(), 1..6)) {
        check_key_file(&mutate(key_json().to_vec(), &ms))?;
    }

    #[test]
    fn key_file_fields_replaced(
        edits in proptest::collection::vec((0..FIELDS.len(), json_value()), 1..4)
    ) {
        let mut v: serde_json::Value = serde_json::from_slice(key_json()).unwrap();
        for (field, value) in edits {
            match FIELDS[field].split_once('.') {
                Some((outer, inner)) => {
                    if let Some(o) = v.get_mut(outer).and_then(|o| o.as_object_mut()) {
                        o.insert(inner.to_owned(), value);
                    }
                }
                None => {
                    if let Some(o) = v.as_object_mut() {
                        o.insert(FIELDS[field].to_owned(), value);
                    }
                }
            }
        }
        check_key_file(&serde_json::to_vec(&v).unwrap())?;
    }

    #[test]
    fn backup_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_backup(&bytes)?;
        // With the magic in front, the parser goes on to the length fields.
        let mut b = b"ESCALATE-BACKUP\n1\n".to_vec();
        b.extend_from_slice(&bytes);
        check_backup(&b)?;
        check_backup(&reseal(b))?;
    }

    #[test]
    fn backup_mutated(ms in proptest::collection::vec(mutation(), 1..6), sealed in any::<bool>()) {
        let b = mutate(real_container().to_vec(), &ms);
        check_backup(&if sealed { reseal(b) } else { b })?;
    }

    #[test]
    fn backup_lengths_lie(key_len in any::<u32>(), db_len in any::<u64>()) {
        let mut b = real_container().to_vec();
        b[18..22].copy_from_slice(&key_len.to_be_bytes());
        let at = 22 + key_json().len();
        b[at..at + 8].copy_from_slice(&db_len.to_be_bytes());
        check_backup(&reseal(b))?;
    }
}

#[test]
fn a_real_container_passes() {
    let f = check_container(real_container()).unwrap();
    f.unwrap_key(&pass()).unwrap();
    check_key_file(key_json()).unwrap();
}

/// How much the parsers may allocate on top of what the process had: the backup's
/// 64 KiB read buffer, a key file (16 KiB at most) and its parsed fields, with room.
const BOUND: usize = 1024 * 1024;

/// The hostile inputs of the memory test: length fields claiming 4 GiB and 16 EiB,
/// a megabyte of database (which must be streamed, not held), a key file at its size
/// limit, and one a little over it.
fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let big_db: Vec<u8> = (0..4 * BOUND as u32).map(|i| (i % 251) as u8).collect();
    let mut huge_key = real_container().to_vec();
    huge_key[18..22].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut huge_db = real_container().to_vec();
    let at = 22 + key_json().len();
    huge_db[at..at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    let padded_key = |n: usize| {
        let mut k = key_json().to_vec();
        k.pop();
        k.extend(std::iter::repeat_n(
            b' ',
            n.saturating_sub(key_json().len()),
        ));
        k.push(b'}');
        k
    };
    vec![
        ("key length 4 GiB", reseal(huge_key)),
        ("database length 16 EiB", reseal(huge_db)),
        ("4 MiB database", container(key_json(), &big_db)),
        (
            "key file at its limit",
            container(&padded_key(16 * 1024), b"x"),
        ),
        (
            "key file over its limit",
            container(&padded_key(64 * 1024), b"x"),
        ),
    ]
}

/// The child: cap this process's allocations at what it has plus `BOUND`, parse
/// every hostile input, and say so. An allocation past the cap aborts the process.
/// `ESCALATE_MEMORY_CHILD=control` allocates 8 MiB under the cap instead, to show the
/// cap bites. Ignored so it only runs when the test below starts it.
#[test]
#[ignore = "run by parsers::parsers_use_bounded_memory_whatever_the_length_fields_say"]
fn memory_child() {
    let mode = crate::support::from_parent(
        "ESCALATE_MEMORY_CHILD",
        "parsers::parsers_use_bounded_memory_whatever_the_length_fields_say",
    );
    let inputs = hostile_inputs();
    let key_file = key_json().to_vec();
    let mut verdicts = Vec::with_capacity(inputs.len() + 1);
    crate::ALLOCATOR
        .set_limit(crate::ALLOCATOR.allocated() + BOUND)
        .unwrap();
    if mode == "control" {
        let v: Vec<u8> = vec![1u8; 8 * BOUND];
        std::hint::black_box(&v);
    }
    for (_, bytes) in &inputs {
        verdicts.push(check_container(bytes).is_ok());
    }
    verdicts.push(KeyFile::parse(&key_file, "key.json").is_ok());
    crate::ALLOCATOR.set_limit(usize::MAX).unwrap();
    for ((what, _), ok) in inputs.iter().zip(&verdicts) {
        println!(
            "parsed {what}: {}",
            if *ok { "accepted" } else { "refused" }
        );
    }
    println!("bounded");
}

fn run_memory_child(mode: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "parsers::memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ESCALATE_MEMORY_CHILD", mode)
        .output()
        .unwrap()
}

#[test]
fn parsers_use_bounded_memory_whatever_the_length_fields_say() {
    let out = run_memory_child("bounded");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("bounded"),
        "the parsers went past {BOUND} bytes: {said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The lies and the oversized key file are refused; the honest ones accepted.
    for (what, verdict) in [
        ("key length 4 GiB", "refused"),
        ("database length 16 EiB", "refused"),
        ("4 MiB database", "accepted"),
        ("key file at its limit", "accepted"),
        ("key file over its limit", "refused"),
    ] {
        assert!(
            said.contains(&format!("parsed {what}: {verdict}")),
            "{said}"
        );
    }
    // The cap is real: the same child allocating 8 MiB under it dies.
    let control = run_memory_child("control");
    let said = String::from_utf8_lossy(&control.stderr);
    assert!(
        !control.status.success()
            && said.contains(&format!("memory allocation of {} bytes failed", 8 * BOUND)),
        "the allocation cap did not stop an 8 MiB allocation: {said}"
    );
}
