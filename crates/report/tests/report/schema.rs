//! The published schema (docs/export-schema.json) and the Rust checks agree: Python's
//! `jsonschema` (an independent validator, installed by make test) and
//! `schema_violations` give the same verdict on every document of a corpus of valid and
//! hostile records, made by changing each field of two good records of each version
//! (`escalate-monitoring/1` and `/2`) in every way that matters to a rule, and then at
//! random.

use std::path::{Path, PathBuf};

use escalate_report::schema::schema_violations;
use serde_json::{json, Value};

use crate::hostile::{good_record, good_record_v2, open_record, open_record_v2, SHA};

fn schema_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export-schema.json")
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every path in `v`, containers included, the root excepted.
fn paths(v: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                at.push(Seg::Key(k.clone()));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                at.push(Seg::Index(i));
                out.push(at.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

fn replaced(v: &Value, path: &[Seg], new: Value) -> Value {
    let mut v = v.clone();
    *at_mut(&mut v, path) = new;
    v
}

fn removed(v: &Value, path: &[Seg]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    let mut v = v.clone();
    match (at_mut(&mut v, parent), last) {
        (Value::Object(map), Seg::Key(k)) => {
            map.remove(k);
        }
        (Value::Array(list), Seg::Index(i)) => {
            list.remove(*i);
        }
        _ => return None,
    }
    Some(v)
}

/// Values that meet the edge of some rule: types, ranges, lengths, patterns, enums.
fn pool() -> Vec<Value> {
    let mut p = vec![
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(-1),
        json!(1),
        json!(2),
        json!(20),
        json!(21),
        json!(255),
        json!(1.0),
        json!(1.5),
        json!(-0.0),
        json!(1e300),
        json!(40999),
        json!(41000),
        json!(41001),
        json!(u64::MAX),
        json!({}),
        json!({"agency": "A", "sector": null}),
        json!([]),
        json!([1]),
    ];
    for s in [
        "",
        "x",
        " ",
        "open",
        "resolved",
        "withdrawn",
        "redirected",
        "pwned",
        "Open",
        "schools",
        "police ",
        "health-primary",
        "../../etc/passwd",
        "escalate-monitoring/1",
        "escalate-monitoring/2",
        "RPD-2026-0001",
        "RPD-2026-001",
        "RPD-2026-000000000001",
        "RPD-2026-0000000000001",
        "RPD-1989-0001",
        "RPD-1990-0001",
        "RPD-2100-9999",
        "RPD-2101-0001",
        "RPD-2026-0001\n",
        "RPD-2026-0001 ",
        "RPD-٢٠٢٦-0001",
        "rpd-2026-0001",
        "western-bay",
        "Western-Bay",
        "a--b",
        "-a",
        "a-",
        "a1-2b",
        "western-bay\n",
        "2026-11-20T17:00:00",
        "1990-01-01T00:00:00",
        "1989-12-31T23:59:59",
        "2100-12-31T23:59:59",
        "2101-01-01T00:00:00",
        "1800-01-01T09:00:00",
        "2099-01-01T00:00:00",
        "2026-02-30T10:00:00",
        "2026-13-01T00:00:00",
        "2026-00-10T00:00:00",
        "2026-11-00T00:00:00",
        "2026-11-32T00:00:00",
        "2026-11-20T24:00:00",
        "2026-11-20T17:60:00",
        "2026-11-20T17:00:60",
        "2026-11-20T17:00:00\n",
        "2026-11-20T17:00:00Z",
        "2026-11-20T17:00:00.5",
        "2026-11-20 17:00:00",
        "2026-11-20T17:00",
        "2026-11-20T17:00\n",
        "2026-11-20T7:00",
        "2026-11-20",
        "2026-11-20\n",
        "2026-1-20",
        "٢٠٢٦-11-20",
        "2015",
        "2015\n",
        "1989",
        "2101",
        "20150",
    ] {
        p.push(json!(s));
    }
    for n in [
        63, 64, 65, 199, 200, 201, 499, 500, 501, 19_999, 20_000, 20_001,
    ] {
        p.push(json!("x".repeat(n)));
    }
    // Characters beyond the BMP count once each, as JSON Schema counts them.
    for n in [200, 201] {
        p.push(json!("𝔘".repeat(n)));
    }
    p.push(json!("Ysgol\u{1b}]52;c;aGk=\u{7}\u{202E}"));
    // escalate-monitoring/2's own values: hashes, routes, skips and extensions.
    for sha in [
        SHA.to_owned(),
        SHA.to_uppercase(),
        SHA[..63].to_owned(),
        format!("{SHA}0"),
        format!("{}\n", &SHA[..63]),
        format!("{}g", &SHA[..63]),
    ] {
        p.push(json!(sha));
    }
    for v in [
        json!({"due": "2026-11-06", "within": true}),
        json!({"due": "2026-11-06T17:00", "within": null}),
        json!({"due": "2026-11-06"}),
        json!({"due": null, "within": false}),
        json!({"due": "2026-11-06", "within": true, "agreed_by": "x"}),
        json!([{"at": "2026-11-02T09:00:00", "from": 1, "to": 3, "stages": [2], "role": null}]),
        json!([{"at": "2026-11-02T09:00:00", "from": null, "to": 3, "stages": [1, 2]}]),
        json!({"at": "2026-11-02T09:00:00", "from": 1, "to": 3, "stages": [2], "role": "The IRO"}),
        json!([21]),
        json!([0, 20]),
    ] {
        p.push(v);
    }
    let stage = good_record()["stages"][0].clone();
    for n in [21, 22] {
        p.push(Value::Array(vec![stage.clone(); n]));
    }
    p
}

/// A small deterministic generator, so a failure names a document that comes back.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn corpus() -> Vec<Value> {
    let pool = pool();
    let bases = [
        good_record(),
        open_record(),
        good_record_v2(),
        open_record_v2(),
    ];
    let mut docs = bases.to_vec();
    for base in bases {
        let mut all = Vec::new();
        paths(&base, &mut Vec::new(), &mut all);
        for path in &all {
            for v in &pool {
                docs.push(replaced(&base, path, v.clone()));
            }
            docs.extend(removed(&base, path));
            if let Value::Object(m) = at_mut(&mut base.clone(), path) {
                let mut m = m.clone();
                m.insert("extra".into(), json!(1));
                docs.push(replaced(&base, path, Value::Object(m)));
            }
        }
        let mut extra = base.clone();
        extra["extra"] = json!("x");
        docs.push(extra);
        // Up to three changes at once, at random.
        let mut rng = Lcg(0x5eed_0000 + docs.len() as u64);
        for _ in 0..1500 {
            let mut doc = base.clone();
            for _ in 0..=rng.below(3) {
                let mut now = Vec::new();
                paths(&doc, &mut Vec::new(), &mut now);
                if now.is_empty() {
                    break;
                }
                let path = &now[rng.below(now.len())];
                doc = match rng.below(8) {
                    0 => removed(&doc, path).unwrap_or(doc),
                    _ => replaced(&doc, path, pool[rng.below(pool.len())].clone()),
                };
            }
            docs.push(doc);
        }
    }
    for root in [
        json!(null),
        json!([]),
        json!("escalate-monitoring/1"),
        json!("escalate-monitoring/2"),
        json!(1),
        json!({}),
    ] {
        docs.push(root);
    }
    docs
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 600 {
        format!(
            "{}… ({} bytes)",
            s.chars().take(600).collect::<String>(),
            s.len()
        )
    } else {
        s
    }
}

#[test]
fn python_jsonschema_and_the_rust_checks_agree_on_every_document() {
    let docs = corpus();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.json");
    let verdicts = dir.path().join("verdicts.json");
    std::fs::write(&input, serde_json::to_vec(&docs).unwrap()).unwrap();
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        v = jsonschema.Draft202012Validator(schema)\n\
        json.dump([v.is_valid(d) for d in json.load(open(sys.argv[2]))], open(sys.argv[3], 'w'))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .args([&schema_file(), &input, &verdicts])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("python3 is needed (make test installs it with jsonschema)");
    assert!(
        out.status.success(),
        "python jsonschema (make test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: Vec<bool> = serde_json::from_slice(&std::fs::read(&verdicts).unwrap()).unwrap();
    assert_eq!(python.len(), docs.len());
    let mut disagree = Vec::new();
    for (i, (doc, py)) in docs.iter().zip(&python).enumerate() {
        let rust = schema_violations(doc);
        if rust.is_empty() != *py {
            disagree.push(format!(
                "#{i}: python {} rust {:?}: {}",
                if *py { "valid" } else { "invalid" },
                rust.iter().map(ToString::to_string).collect::<Vec<_>>(),
                short(doc)
            ));
        }
    }
    assert!(
        disagree.is_empty(),
        "{} of {} documents get different verdicts:\n{}",
        disagree.len(),
        docs.len(),
        disagree[..disagree.len().min(10)].join("\n")
    );
    // The corpus tests both sides of the rules, not just one.
    let valid = python.iter().filter(|v| **v).count();
    assert!(
        valid > 300 && docs.len() - valid > 3000,
        "{valid} valid of {}",
        docs.len()
    );
}

#[test]
fn every_string_in_the_published_schema_has_a_length_limit() {
    fn walk(v: &Value, path: &str, missing: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let is_string = match map.get("type") {
                    Some(Value::String(t)) => t == "string",
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                    _ => false,
                };
                if is_string && !map.contains_key("maxLength") {
                    missing.push(path.to_owned());
                }
                for (k, child) in map {
                    walk(child, &format!("{path}/{k}"), missing);
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter().enumerate() {
                    walk(child, &format!("{path}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let schema: Value = serde_json::from_slice(&std::fs::read(schema_file()).unwrap()).unwrap();
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    assert!(missing.is_empty(), "strings without maxLength: {missing:?}");
}
