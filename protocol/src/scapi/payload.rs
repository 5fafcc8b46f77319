//! [`Payload`]: the `data` of a success response, shared instead of copied.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A JSON result, reference-counted. A service that keeps an answer (the agent, a state
/// list, a configuration section) hands the same tree to every response; cloning a
/// `Payload` never copies the JSON. On the wire and in `Debug` it is the plain value.
#[derive(Clone, PartialEq, Default)]
pub struct Payload(Arc<Value>);

impl Payload {
    /// Wraps a value.
    pub fn new(value: Value) -> Self {
        Self(Arc::new(value))
    }

    /// The value.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// The value for changing, copied first when other payloads share it.
    pub fn make_mut(&mut self) -> &mut Value {
        Arc::make_mut(&mut self.0)
    }

    /// The value, copied only when other payloads share it.
    pub fn into_value(self) -> Value {
        Arc::unwrap_or_clone(self.0)
    }
}

impl Deref for Payload {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Self::new(value)
    }
}

impl From<Payload> for Value {
    fn from(payload: Payload) -> Self {
        payload.into_value()
    }
}

impl PartialEq<Value> for Payload {
    fn eq(&self, other: &Value) -> bool {
        *self.0 == *other
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn clones_share_the_tree_until_one_changes() {
        let mut first = Payload::new(json!({"a": 1}));
        let second = first.clone();
        assert!(Arc::ptr_eq(&first.0, &second.0));
        first.make_mut()["a"] = json!(2);
        assert_eq!(first, json!({"a": 2}));
        assert_eq!(second, json!({"a": 1}));
    }

    #[test]
    fn encodes_and_prints_as_the_plain_value() {
        let payload = Payload::new(json!({"k": [1, "x"]}));
        assert_eq!(
            serde_json::to_string(&payload).ok(),
            Some(r#"{"k":[1,"x"]}"#.to_owned())
        );
        assert_eq!(
            format!("{payload:?}"),
            format!("{:?}", json!({"k": [1, "x"]}))
        );
        let back: Result<Payload, _> = serde_json::from_str(r#"{"k":[1,"x"]}"#);
        assert_eq!(back.ok(), Some(payload));
    }
}
