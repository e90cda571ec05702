//! No protocol lives in Rust: the name, partnership, form titles, headings and labels of
//! every shipped protocol and every fixture are data, and none of them appears in a
//! `.rs` file of the product (crates/ and src-tauri/). Excepted, because they check or
//! exercise the data: integration tests and their fixtures (any `tests/` folder),
//! benchmarks (`benches/`), the UI fixtures' generator (`examples/`) and the unit-test
//! modules at the end of a source file (from `#[cfg(test)]` on).

use std::path::{Path, PathBuf};

use escalate_core::form::ItemKind;
use escalate_core::protocol::default_record_fields;
use escalate_core::{builtin_protocols, Protocol};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every protocol Escalate ships and every fixture of a real one.
fn protocols() -> Vec<Protocol> {
    let mut out: Vec<Protocol> = builtin_protocols().unwrap().to_vec();
    let dir = root().join("tests/protocols");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the fixtures are in {}", dir.display());
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        out.push(Protocol::from_toml(&src, &f.display().to_string()).unwrap());
    }
    out
}

/// The words that are a protocol's own: short generic labels ("Name:", "Date:") are
/// words any form uses, so a form's item labels count from twenty characters.
fn protocol_words(p: &Protocol) -> Vec<String> {
    let mut words = vec![p.name.clone(), p.partnership.clone()];
    words.extend(p.record_fields.iter().map(|f| f.label.clone()));
    for f in &p.forms {
        words.push(f.title.clone());
        words.extend(f.organisation.clone());
        words.extend(f.intro.clone());
        for s in &f.sections {
            words.extend(s.heading.clone());
            for item in &s.items {
                let text = match item.kind() {
                    ItemKind::Paragraph(w) => w,
                    ItemKind::Ticks { label, .. } | ItemKind::Field { label, .. } => label,
                };
                if text.chars().count() >= 20 {
                    words.push(text.to_owned());
                }
            }
        }
    }
    words
}

/// The product's Rust files, with what is excepted left out.
fn product_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if ![
                    "tests",
                    "benches",
                    "examples",
                    "target",
                    "gen",
                    "node_modules",
                ]
                .contains(&name)
                {
                    walk(&path, out);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let product = match text.find("#[cfg(test)]") {
                    Some(at) => text[..at].to_owned(),
                    None => text,
                };
                out.push((path, product));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("crates"), &mut out);
    walk(&root().join("src-tauri"), &mut out);
    out
}

#[test]
fn no_protocols_name_or_wording_is_in_rust() {
    let sources = product_sources();
    assert!(
        sources
            .iter()
            .any(|(p, _)| p.ends_with("crates/report/src/declared.rs")),
        "the renderer is scanned"
    );
    let mut words: Vec<(String, String)> = Vec::new();
    for p in protocols() {
        for w in protocol_words(&p) {
            words.push((p.id.clone(), w));
        }
    }
    for f in default_record_fields() {
        words.push(("format 1 record fields".to_owned(), f.label.clone()));
    }
    assert!(words.len() > 60, "{} words", words.len());
    let mut found = Vec::new();
    for (file, text) in &sources {
        for (protocol, w) in &words {
            if text.contains(w.as_str()) {
                found.push(format!("{}: {protocol}: {w}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "protocol words in Rust:\n{}",
        found.join("\n")
    );
}

/// The check can fail: a source that names a protocol is caught.
#[test]
fn the_check_finds_a_protocol_named_in_rust() {
    let p = &builtin_protocols().unwrap()[0];
    let words = protocol_words(p);
    let source = format!("const TITLE: &str = \"{}\";", p.forms[0].title);
    assert!(words.iter().any(|w| source.contains(w.as_str())));
}
