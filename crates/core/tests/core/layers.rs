//! escalate-core's modules form layers: no module reaches, through `crate::` (or a
//! `super::` that leaves its file), a module that reaches back to it. A circle would
//! mean neither side can be read, tested or changed without the other.
//!
//! Read from the sources in `crates/core/src/*.rs`: every module file's product code
//! (up to `#[cfg(test)]`, where the unit tests begin, as `no_protocol_words` reads them),
//! with comments and the insides of string and character literals left out. A name
//! `lib.rs` re-exports (`crate::ErrorCode`) counts as the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The source with comments blanked out and the insides of string and character
/// literals emptied, so only code is searched.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(b.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            // Block comments nest in Rust.
            let mut depth = 0usize;
            while i < b.len() {
                if src[i..].starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if src[i..].starts_with("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br"…": ends at a quote followed by as many #.
            let open = rest.find('"').unwrap_or(0) + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..]
                .find(&close)
                .map_or(rest.len(), |n| open + n + close.len());
            out.push_str("\"\"");
            i += end;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A character literal ('x', '\n', '"'), or a lifetime ('a), kept as it is.
            let lit = if rest[1..].starts_with('\\') {
                rest[2..].find('\'').map(|n| n + 3)
            } else {
                let c = rest[1..].chars().next().map_or(0, char::len_utf8);
                rest[1 + c..].starts_with('\'').then_some(c + 2)
            };
            match lit {
                Some(len) => {
                    out.push_str("' '");
                    i += len;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Where a raw string literal starts here, how many `#` close it.
fn raw_string_start(rest: &str) -> Option<usize> {
    let after_r = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..].starts_with('"').then_some(hashes)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The path segments that start each item of a `use` group (`{a::B, c, d::{E}}`),
/// given the text just after its `{`.
fn group_heads(after_brace: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_item_start = true;
    let mut chars = after_brace.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                depth += 1;
                at_item_start = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if at_item_start && is_ident(c) => {
                let word: String = after_brace[i..]
                    .chars()
                    .take_while(|c| is_ident(*c))
                    .collect();
                for _ in 1..word.chars().count() {
                    chars.next();
                }
                heads.push(word);
                at_item_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// The first segment of each crate path in `code`: what follows `crate::`, or a
/// `super::` that climbs out of the file (the files are the crate root's modules, so
/// that is the root). Inside an inline `mod` block, one `super::` per block stays in
/// the file.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // For each open brace, whether it opened an inline module.
    let mut braces: Vec<bool> = Vec::new();
    let mut prev_words: [&str; 2] = ["", ""];
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c == '{' {
            braces.push(prev_words[0] == "mod" || prev_words[1] == "mod");
            prev_words = ["", ""];
            i += 1;
            continue;
        }
        if c == '}' {
            braces.pop();
            i += 1;
            continue;
        }
        let starts_word = is_ident(c) && (i == 0 || !is_ident(b[i - 1] as char));
        if !starts_word {
            if !c.is_whitespace() {
                prev_words = ["", ""];
            }
            i += 1;
            continue;
        }
        let word_len = code[i..]
            .find(|c: char| !is_ident(c))
            .unwrap_or(code.len() - i);
        let word = &code[i..i + word_len];
        let path_start = match word {
            "crate" => Some(0usize),
            "super" => Some(braces.iter().filter(|m| **m).count()),
            _ => None,
        };
        if let Some(inline_depth) = path_start {
            // Count the `super::` in a row; more than the inline modules around leaves the file.
            let mut j = i;
            let mut climbs = 0usize;
            let is_super = word == "super";
            if is_super {
                while code[j..].starts_with("super::") {
                    climbs += 1;
                    j += "super::".len();
                }
            } else if code[j..].starts_with("crate::") {
                j += "crate::".len();
            } else {
                j = usize::MAX;
            }
            let reaches_root = j != usize::MAX && (!is_super || climbs > inline_depth);
            if reaches_root {
                let rest = code[j..].trim_start();
                if let Some(group) = rest.strip_prefix('{') {
                    out.extend(group_heads(group));
                } else {
                    let head: String = rest.chars().take_while(|c| is_ident(*c)).collect();
                    if !head.is_empty() {
                        out.push(head);
                    }
                }
            }
        }
        prev_words = [word, prev_words[0]];
        i += word_len;
    }
    out
}

/// What `lib.rs` re-exports at the crate root, by name: the module each comes from.
fn root_exports(lib: &str) -> BTreeMap<String, String> {
    let code = code_only(lib);
    let mut out = BTreeMap::new();
    for stmt in code.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim();
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim();
        let names: Vec<&str> = match items.strip_prefix('{') {
            Some(group) => group.trim_end_matches('}').split(',').collect(),
            None => vec![items],
        };
        for name in names {
            let name = name.trim();
            // `a::B` exports B; `B as C` exports C.
            let name = name.rsplit(" as ").next().unwrap_or(name);
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            if !name.is_empty() {
                out.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    out
}

/// Each module and the modules its product code names. Errors name a path that is
/// neither a module nor a root re-export, so nothing is silently left out.
fn graph(
    modules: &BTreeMap<String, String>,
    lib: &str,
) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let exports = root_exports(lib);
    let mut edges = BTreeMap::new();
    for (name, src) in modules {
        let product = src.split("#[cfg(test)]").next().unwrap_or(src);
        let mut to = BTreeSet::new();
        for head in crate_paths(&code_only(product)) {
            let target = if modules.contains_key(&head) {
                head
            } else if let Some(m) = exports.get(&head) {
                m.clone()
            } else {
                return Err(format!(
                    "{name}.rs names crate::{head}, which is neither a module file nor re-exported by lib.rs"
                ));
            };
            if &target != name {
                to.insert(target);
            }
        }
        edges.insert(name.clone(), to);
    }
    Ok(edges)
}

/// A circle among the modules, as the modules in order with the first repeated at the
/// end, where there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(m.to_owned(), Mark::OnPath);
        path.push(m.to_owned());
        for next in edges.get(m).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::OnPath => {
                    let from = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut found = path[from..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Mark::New => {
                    if let Some(found) = visit(next, edges, marks, path) {
                        return Some(found);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(m.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for m in edges.keys() {
        if marks.get(m).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(found) = visit(m, edges, &mut marks, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

fn sources() -> (BTreeMap<String, String>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    let mut lib = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if name == "lib" {
            lib = text;
        } else {
            modules.insert(name, text);
        }
    }
    (modules, lib)
}

#[test]
fn core_modules_import_each_other_without_a_circle() {
    let (modules, lib) = sources();
    assert!(modules.len() >= 10, "read {} module files", modules.len());
    let edges = graph(&modules, &lib).unwrap_or_else(|e| panic!("{e}"));
    // The check reads what it should: the engine is built on the calendar and the case.
    for (from, to) in [
        ("engine", "calendar"),
        ("engine", "case"),
        ("calendar", "holiday_data"),
    ] {
        assert!(
            edges[from].contains(to),
            "{from} -> {to} not found: {edges:?}"
        );
    }
    if let Some(found) = circle(&edges) {
        panic!(
            "escalate-core's modules import each other in a circle: {}. Move what both need into the lower one (or a small module below both).",
            found.join(" -> ")
        );
    }
}

fn modules_of(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
        .collect()
}

#[test]
fn a_circle_is_found_and_named() {
    let lib = "pub mod a; pub mod b; pub mod c;\npub use c::{Gamma, Delta as D};";
    let modules = modules_of(&[
        ("a", "use crate::b::Beta;\npub struct Alpha;"),
        ("b", "use crate::{a::Alpha as _, c};\npub struct Beta;"),
        // Through a root re-export, in a signature.
        (
            "c",
            "pub struct Gamma;\npub fn f(_: crate::D) {}\npub struct Delta;",
        ),
    ]);
    let edges = graph(&modules, lib).unwrap();
    assert_eq!(circle(&edges).unwrap(), ["a", "b", "a"]);

    // A circle closed only through a name lib.rs re-exports is found too.
    let modules = modules_of(&[
        ("a", "pub struct Alpha(crate::b::Beta);"),
        ("b", "pub struct Beta(crate::c::Gamma);"),
        (
            "c",
            "pub struct Gamma;\nfn g(_: crate::Alpha) {}\npub use crate::a::Alpha;",
        ),
    ]);
    let lib = "pub use a::Alpha;";
    let edges = graph(&modules, lib).unwrap();
    assert_eq!(circle(&edges).unwrap(), ["a", "b", "c", "a"]);
}

#[test]
fn comments_strings_and_unit_tests_are_not_imports() {
    let modules = modules_of(&[
        ("a", "use crate::b::Beta;"),
        (
            "b",
            concat!(
                "/// See [`crate::a::Alpha`].\n",
                "// crate::a\n/* crate::a /* nested */ crate::a */\n",
                "const S: &str = \"crate::a::x\"; const R: &str = r#\"crate::a \"# ;\n",
                "const Q: char = '\"'; fn f<'x>(_: &'x str) {}\n",
                "pub struct Beta;\n",
                "mod inner { use super::Beta; }\n",
                "#[cfg(test)]\nmod tests { use crate::a::Alpha; }\n",
            ),
        ),
    ]);
    let edges = graph(&modules, "").unwrap();
    assert!(edges["b"].is_empty(), "{edges:?}");
    assert_eq!(circle(&edges), None);

    // A `super::` that leaves the file is a path from the crate root.
    let modules = modules_of(&[
        ("a", "use crate::b::Beta;"),
        ("b", "mod inner { use super::super::a::Alpha; }"),
    ]);
    let edges = graph(&modules, "").unwrap();
    assert_eq!(circle(&edges).unwrap(), ["a", "b", "a"]);
}

#[test]
fn a_path_the_check_cannot_place_fails_it() {
    let modules = modules_of(&[("a", "use crate::Nowhere;")]);
    let e = graph(&modules, "pub use b::Elsewhere;").unwrap_err();
    assert!(e.contains("crate::Nowhere"), "{e}");
}
