//! serde_json's errors reworded for a person, without the value they found.
//!
//! serde_json quotes the value it found ("invalid type: string \"Aled\", expected …"),
//! and that value may be child data, so each message is rebuilt from its parts that
//! come from Escalate's own types. The bank-holiday file and the stage record file both
//! read JSON, and both say it the same way.

use serde_json::error::Category;

/// serde_json's message without its " at line N column M" tail (callers give the
/// position on their own) and without the value found: what was expected and the kind
/// of value found. Data messages other than a wrong type or value go to `other_data`,
/// which knows the file's own fields.
pub(crate) fn json_message(
    e: &serde_json::Error,
    other_data: impl FnOnce(&str) -> String,
) -> String {
    let full = e.to_string();
    let text = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    match e.classify() {
        // Syntax messages are fixed texts ("expected `,` or `}`", "EOF while parsing a
        // string") and never hold input.
        Category::Syntax | Category::Eof => format!("not valid JSON: {text}"),
        Category::Io => "could not be read".to_owned(),
        Category::Data => {
            if let Some(rest) = text.strip_prefix("invalid type: ") {
                let exp = expected(rest).unwrap_or("another type");
                format!("wrong type: expected {exp}, found {}", found_kind(rest))
            } else if let Some(rest) = text.strip_prefix("invalid value: ") {
                let exp = expected(rest).unwrap_or("another value");
                format!("invalid value: expected {exp}")
            } else {
                other_data(text)
            }
        }
    }
}

/// What serde expected: Escalate's types' own words, after the value found.
fn expected(message: &str) -> Option<&str> {
    message
        .rfind(", expected ")
        .map(|i| &message[i + ", expected ".len()..])
}

/// The kind of value found, never the value.
fn found_kind(unexpected: &str) -> &'static str {
    const KINDS: [(&str, &str); 8] = [
        ("string", "text"),
        ("integer", "a number"),
        ("floating point", "a number"),
        ("boolean", "true or false"),
        ("null", "null"),
        // serde_json reports a JSON null as a unit value.
        ("unit", "null"),
        ("sequence", "a list"),
        ("map", "an object"),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| unexpected.starts_with(prefix))
        .map_or("another kind of value", |(_, word)| word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let e = serde_json::from_str::<T>(json).expect_err("the JSON is refused");
        json_message(&e, |m| format!("other: {m}"))
    }

    #[test]
    fn the_value_found_is_never_repeated() {
        let m = message::<bool>("\"Aled Jones\"");
        assert_eq!(m, "wrong type: expected a boolean, found text");
        assert_eq!(
            message::<String>("null"),
            "wrong type: expected a string, found null"
        );
        assert_eq!(
            message::<Vec<u8>>("[1,"),
            "not valid JSON: EOF while parsing a value"
        );
    }
}
