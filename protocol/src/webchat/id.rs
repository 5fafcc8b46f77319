//! [`WireId`]: an id the back end sends as a JSON number or a string.

use std::fmt;

#[cfg(feature = "schema")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// An id that arrives as a JSON number or a string (GMS sends `"alias": 117` as well as
/// `"alias": "117"`; `getSessionData` documents `sessionID`, `alias` and `userId` as
/// number/string). It is kept in its wire form: a number re-encodes as the same number, a
/// string as the same string. [`WireId::as_str`] is the text sent in forms and paths.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireId {
    text: String,
    number: bool,
}

impl WireId {
    /// A string id.
    pub fn string(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            number: false,
        }
    }

    /// A numeric id.
    pub fn number(value: i64) -> Self {
        Self {
            text: value.to_string(),
            number: true,
        }
    }

    /// The id as text (a number in its decimal form).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it arrived as a JSON number.
    pub fn is_number(&self) -> bool {
        self.number
    }
}

impl fmt::Display for WireId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for WireId {
    fn from(text: String) -> Self {
        Self::string(text)
    }
}

impl From<&str> for WireId {
    fn from(text: &str) -> Self {
        Self::string(text)
    }
}

impl From<i64> for WireId {
    fn from(value: i64) -> Self {
        Self::number(value)
    }
}

impl PartialEq<str> for WireId {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for WireId {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for WireId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text.parse::<serde_json::Number>() {
            Ok(number) if self.number => number.serialize(serializer),
            _ => serializer.serialize_str(&self.text),
        }
    }
}

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Self::string(text)),
            Value::Number(number) => Ok(Self {
                text: number.to_string(),
                number: true,
            }),
            other => Err(serde::de::Error::custom(format!(
                "expected an id (a number or a string), found {other}"
            ))),
        }
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for WireId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WireId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An id sent as a number or a string.",
            "type": ["string", "number"]
        })
    }
}
