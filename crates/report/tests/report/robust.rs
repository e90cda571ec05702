//! Robustness of the package parsers: arbitrary and mutated tar bytes fed to the
//! tar-reading step, mutated sealed packages fed to `open`, and arbitrary or mutated
//! JSON fed to the monitoring check. Nothing panics, every refusal says which part is
//! wrong, nothing read is larger than what came in, and no error repeats a value.

use escalate_report::export::{self, check_json, unpack, Key};
use escalate_report::schema::schema_violations;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::hostile::{good_files, good_record, open_record, sealed_plain, tar_of};
use crate::t;

fn good_tar() -> Vec<u8> {
    let json = serde_json::to_vec(&good_record()).unwrap();
    tar_of(&good_files(&json).each_ref().map(Vec::as_slice))
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..600))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        1 => (any::<usize>(), 1usize..1024).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, changes: &[Mutation]) -> Vec<u8> {
    for m in changes {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match m {
            Mutation::Set(i, b) => bytes[i % len] = *b,
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Insert(i, v) => {
                let at = i % len;
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = i % len;
                bytes.drain(at..(at + n).min(len));
            }
        }
    }
    bytes
}

fn check_unpack(bytes: &[u8]) -> Result<(), TestCaseError> {
    match unpack(bytes) {
        Ok(u) => {
            let read = u.pdf.len() + u.json.len() + u.csv.len();
            prop_assert!(read <= bytes.len(), "{read} bytes from {}", bytes.len());
            prop_assert_eq!(u.files.len(), 3);
        }
        Err(e) => {
            prop_assert_eq!(e.code(), "export.invalid");
            prop_assert!(e.to_string().starts_with("package: "), "{}", e);
        }
    }
    Ok(())
}

/// JSON values of every kind, nested a few levels, with strings that include the
/// characters a rule cares about.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9 :T./\\-\u{1b}\u{202e}\n]{0,40}".prop_map(Value::String),
        "\\PC{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,16}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A field of a good record, by its path.
fn field_paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}/{k}")
                };
                out.push(p.clone());
                field_paths(child, p, out);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                field_paths(child, p, out);
            }
        }
        _ => {}
    }
}

const MARKER: &str = "Zebedee Quillfeather";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_to_the_tar_reader(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_unpack(&bytes)?;
    }

    #[test]
    fn mutated_package_tars_to_the_tar_reader(changes in proptest::collection::vec(mutation(), 1..8)) {
        check_unpack(&mutate(good_tar(), &changes))?;
    }

    #[test]
    fn arbitrary_json_to_the_monitoring_check(v in any_json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        match check_json(&bytes, Some(t("2026-11-20T17:00"))) {
            Ok(_) => prop_assert!(schema_violations(&v).is_empty()),
            Err(e) => prop_assert!(
                e.to_string().starts_with("monitoring: monitoring.json "),
                "{}", e
            ),
        }
    }

    #[test]
    fn mutated_records_are_refused_without_their_values(
        base in prop_oneof![Just(good_record()), Just(open_record())],
        picks in proptest::collection::vec((any::<usize>(), any_json(), any::<bool>()), 1..4),
    ) {
        let mut doc = base;
        for (pick, value, marked) in picks {
            let mut paths = Vec::new();
            field_paths(&doc, String::new(), &mut paths);
            let path = format!("/{}", paths[pick % paths.len()]);
            // A child's name where a value was: it must never come back in an error.
            let value = if marked { json!(MARKER) } else { value };
            if let Some(slot) = doc.pointer_mut(&path) {
                *slot = value;
            }
        }
        let bytes = serde_json::to_vec(&doc).unwrap();
        match check_json(&bytes, Some(t("2026-11-20T17:00"))) {
            Ok(m) => {
                prop_assert!(schema_violations(&doc).is_empty());
                prop_assert!(serde_json::to_vec(&m).unwrap().len() <= bytes.len() + 64);
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(text.starts_with("monitoring: monitoring.json "), "{}", text);
                prop_assert!(!text.contains(MARKER), "{}", text);
            }
        }
    }
}

proptest! {
    // Each case decrypts with X25519: fewer cases, still hundreds of packages.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sealed_packages_to_open(changes in proptest::collection::vec(mutation(), 1..4)) {
        let (identity, public) = export::keygen(t("2026-11-20T17:00"));
        let bytes = mutate(sealed_plain(&good_tar(), &public), &changes);
        match export::open(&bytes, Key::Identity(&identity), t("2026-11-20T17:00")) {
            // A change that age does not see (none should survive its tags).
            Ok(p) => prop_assert!(p.pdf.len() + p.csv.len() <= bytes.len()),
            Err(e) => prop_assert_eq!(e.code(), "export.invalid"),
        }
    }
}
