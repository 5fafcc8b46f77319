//! Decode errors: where in the message the problem is, what it is, and how to fix it.

use std::fmt;

/// A message or value that does not have the Service Client API shape.
///
/// `path` is a JSON path into the decoded message (`$.parameters[1]`); `problem` says what
/// was wrong and `hint` how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}{}", hint_suffix(.hint))]
#[non_exhaustive]
pub struct DecodeError {
    /// JSON path of the offending value, starting at `$` (the message itself).
    pub path: String,
    /// What is wrong there.
    pub problem: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default()
}

impl DecodeError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            problem: problem.into(),
            hint: None,
        }
    }

    /// Adds a fix-it hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A required key is absent.
    pub fn missing(path: &str, key: &str, hint: &str) -> Self {
        Self::new(
            format!("{path}.{key}"),
            format!("missing required field `{key}`"),
        )
        .with_hint(hint)
    }

    /// A value has the wrong JSON type.
    pub fn wrong_type(path: impl Into<String>, expected: &str, found: &serde_json::Value) -> Self {
        Self::new(
            path,
            format!("expected {expected}, found {}", JsonKind(found)),
        )
    }

    /// Re-roots the error below `prefix` (used when a nested value was decoded on its own).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        if let Some(rest) = self.path.strip_prefix('$') {
            self.path = format!("{prefix}{rest}");
        }
        self
    }

    /// Wraps a serde error raised while decoding the value at `path`.
    pub fn from_serde(path: &str, err: &serde_json::Error) -> Self {
        Self::new(path, err.to_string())
    }
}

/// Displays the JSON type of a value ("a string", "null", ...).
pub(crate) struct JsonKind<'a>(pub(crate) &'a serde_json::Value);

impl fmt::Display for JsonKind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use serde_json::Value;
        f.write_str(match self.0 {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        })
    }
}
