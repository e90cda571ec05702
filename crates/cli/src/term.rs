//! Printing: data made safe for a terminal, values in their JSON spelling, JSON
//! itself, and a store's notices.
//!
//! Text from a store or an export package can carry escape sequences: OSC 52 writes the
//! clipboard, `ESC [2J` clears the screen, others retitle the window or fake earlier
//! output, and bidi overrides make a line read differently from what it holds. Every
//! value the CLI prints in its line formats goes through `clean`; the JSON outputs are
//! escaped by serde_json instead.

use std::borrow::Cow;
use std::io::Write;

use escalate_api::store::Store;

use crate::error::CliError;

/// `s` with every control character (C0 including tab and line breaks, DEL, C1) shown as
/// a visible symbol, and the bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069)
/// as U+FFFD. The line formats use tabs and newlines between values, so a value never
/// carries a real one.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                // The Control Pictures block: ␀ … ␟ for C0, ␡ for DEL.
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
                '\u{7f}' => '\u{2421}',
                c if unsafe_char(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// A block of text laid out by the CLI itself (tabs between values, line breaks
/// between lines) whose values come from a protocol or store, with every control
/// character but those two, and every bidi override, made visible as `clean` does.
/// For long layouts such as `protocol show`, where cleaning each of dozens of values
/// by hand would miss the next one added; a value's own tab or line break stays, which
/// in a multi-paragraph protocol text is what its author wrote.
pub fn clean_layout(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && c != '\t' && unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.split_inclusive(['\n', '\t'])
            .map(|part| match part.strip_suffix(['\n', '\t']) {
                Some(value) => format!("{}{}", clean(value), &part[value.len()..]),
                None => clean(part).into_owned(),
            })
            .collect(),
    )
}

/// A value's serde name (`both`, `overdue`), as the JSON output spells it.
pub fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// `value` as pretty JSON and a line break.
pub fn json<T: serde::Serialize>(out: &mut impl Write, value: &T) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// What the person should know about an open store (the keyring could not keep its
/// key, say), on stderr.
pub fn notices(store: &Store) {
    for n in &store.notices {
        let _ = writeln!(std::io::stderr(), "escalate: note: {n}");
    }
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible_and_plain_text_is_untouched() {
        assert!(matches!(clean("Siân Llŷr Ŵyn"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{1b}]52;c;aGk=\u{7}b"), "a␛]52;c;aGk=␇b");
        assert_eq!(clean("\u{1b}[2J"), "␛[2J");
        assert_eq!(
            clean_layout("a\tb\u{1b}]52;c;aGk=\u{7}\nc\u{202E}d\n"),
            "a\tb␛]52;c;aGk=␇\nc\u{FFFD}d\n"
        );
        assert!(matches!(clean_layout("a\tb\nc"), Cow::Borrowed(_)));
        assert_eq!(clean("x\ty\nz\r"), "x␉y␊z␍");
        assert_eq!(
            clean("\u{7f}\u{9b}\u{202E}abc\u{2066}"),
            "␡\u{FFFD}\u{FFFD}abc\u{FFFD}"
        );
    }
}
