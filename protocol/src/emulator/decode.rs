//! Tag-first decoding of the emulator's tagged messages, and its error.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A message of the emulator's protocols that cannot be decoded.
///
/// The text names the message kind, the tag it carried, the field that is wrong and what to
/// send instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {problem}")]
pub struct DecodeError {
    /// What was being decoded, e.g. `relay frame` or `action "incoming-call"`.
    pub what: String,
    /// What is wrong with it.
    pub problem: String,
}

impl DecodeError {
    fn new(what: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            problem: problem.into(),
        }
    }
}

/// Decodes `text` as a `T` tagged by field `tag` with one of `known`, reading the tag first.
pub(crate) fn from_str_tagged<T: DeserializeOwned>(
    text: &str,
    what: &str,
    tag: &str,
    known: &[&str],
) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|error| DecodeError::new(what, format!("not JSON: {error}")))?;
    from_value_tagged(value, what, tag, known)
}

/// As [`from_str_tagged`], from a parsed value.
pub(crate) fn from_value_tagged<T: DeserializeOwned>(
    value: Value,
    what: &str,
    tag: &str,
    known: &[&str],
) -> Result<T, DecodeError> {
    let expected = || {
        known
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match value.get(tag) {
        _ if !value.is_object() => {
            return Err(DecodeError::new(
                what,
                format!("must be a JSON object with `{tag}` (one of {})", expected()),
            ));
        }
        None => {
            return Err(DecodeError::new(
                what,
                format!("`{tag}` is missing; send one of {}", expected()),
            ));
        }
        Some(Value::String(name)) => name.clone(),
        Some(other) => {
            return Err(DecodeError::new(
                what,
                format!(
                    "`{tag}` must be a string, one of {}; got {other}",
                    expected()
                ),
            ));
        }
    };
    if !known.contains(&name.as_str()) {
        return Err(DecodeError::new(
            what,
            format!("`{tag}` {name:?} is unknown; send one of {}", expected()),
        ));
    }
    serde_json::from_value(value)
        .map_err(|error| DecodeError::new(format!("{what} {name:?}"), error.to_string()))
}
