//! The "Login Request with Configuration" body: a JSON array of `{name, value}` items.

#[cfg(feature = "schema")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A DN and the switch object it belongs to, as configured in Genesys Configuration Server.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Device {
    /// The DN, for example `"7101"`.
    pub dn: String,
    /// The switch object's name, for example `"SIP_Main"`.
    pub switch: String,
}

impl Device {
    /// A device from its DN and switch name.
    pub fn new(dn: impl Into<String>, switch: impl Into<String>) -> Self {
        Self {
            dn: dn.into(),
            switch: switch.into(),
        }
    }
}

/// Names SRS documents for the configuration array.
#[cfg(feature = "schema")]
const KNOWN_NAMES: [&str; 4] = ["server", "peer_server", "place", "devices"];

/// One element of the login configuration array.
///
/// On the wire every element is an object with exactly the keys `name` and `value`; the
/// decoder reads `name` first and then decodes `value` as that name requires. Names SRS does
/// not document are kept as [`ConfigItem::Other`] so nothing is lost in a round trip.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigItem {
    /// `server`: URL (scheme, host, port) of the RWS that SRS must use.
    Server(String),
    /// `peer_server`: URL of the backup RWS in the disaster-recovery data centre.
    PeerServer(String),
    /// `place`: the place the agent selected (hot seating).
    Place(String),
    /// `devices`: the DNs of the place the agent uses.
    Devices(Vec<Device>),
    /// A name this version does not know, with its value as received.
    Other {
        /// The item's `name`.
        name: String,
        /// The item's `value`.
        value: Value,
    },
}

impl ConfigItem {
    /// The item's `name` on the wire.
    pub fn name(&self) -> &str {
        match self {
            Self::Server(_) => "server",
            Self::PeerServer(_) => "peer_server",
            Self::Place(_) => "place",
            Self::Devices(_) => "devices",
            Self::Other { name, .. } => name,
        }
    }

    /// Decodes one array element; errors name the position (when inside an array), the item
    /// and the expected shape.
    fn from_json(position: Option<usize>, element: Value) -> Result<Self, String> {
        let position = match position {
            Some(index) => format!("item {index}"),
            None => "config item".to_owned(),
        };
        let Value::Object(mut object) = element else {
            return Err(format!(
                "{position}: expected an object {{\"name\": ..., \"value\": ...}}, got {}",
                kind_of(&element)
            ));
        };
        if let Some(extra) = object.keys().find(|key| *key != "name" && *key != "value") {
            return Err(format!(
                "{position}: unexpected key `{extra}`; an item has only `name` and `value`"
            ));
        }
        let name = match object.remove("name") {
            Some(Value::String(name)) => name,
            Some(other) => {
                return Err(format!(
                    "{position}: `name` must be a string, got {}",
                    kind_of(&other)
                ));
            }
            None => return Err(format!("{position}: missing `name`")),
        };
        let Some(value) = object.remove("value") else {
            return Err(format!("{position} (`{name}`): missing `value`"));
        };
        let text = |value: Value| match value {
            Value::String(text) => Ok(text),
            other => Err(format!(
                "{position} (`{name}`): `value` must be a string, got {}",
                kind_of(&other)
            )),
        };
        Ok(match name.as_str() {
            "server" => Self::Server(text(value)?),
            "peer_server" => Self::PeerServer(text(value)?),
            "place" => Self::Place(text(value)?),
            "devices" => {
                let devices = Vec::<Device>::deserialize(value).map_err(|err| {
                    format!(
                        "{position} (`devices`): `value` must be an array of \
                         {{\"dn\": string, \"switch\": string}} objects: {err}"
                    )
                })?;
                Self::Devices(devices)
            }
            _ => Self::Other { name, value },
        })
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Serialize for ConfigItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("name", self.name())?;
        match self {
            Self::Server(url) | Self::PeerServer(url) => map.serialize_entry("value", url)?,
            Self::Place(place) => map.serialize_entry("value", place)?,
            Self::Devices(devices) => map.serialize_entry("value", devices)?,
            Self::Other { value, .. } => map.serialize_entry("value", value)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ConfigItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let element = Value::deserialize(deserializer)?;
        Self::from_json(None, element).map_err(D::Error::custom)
    }
}

#[cfg(feature = "schema")]
fn item_schema(name: Value, value: Value) -> Value {
    serde_json::json!({
        "type": "object",
        "properties": { "name": name, "value": value },
        "required": ["name", "value"],
        "additionalProperties": false
    })
}

#[cfg(feature = "schema")]
impl JsonSchema for ConfigItem {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ConfigItem".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let device = generator.subschema_for::<Device>().to_value();
        let url = serde_json::json!({ "type": "string", "description": "URL such as https://rws.example.com:443" });
        let branches = vec![
            item_schema(serde_json::json!({ "const": "server" }), url.clone()),
            item_schema(serde_json::json!({ "const": "peer_server" }), url),
            item_schema(
                serde_json::json!({ "const": "place" }),
                serde_json::json!({ "type": "string" }),
            ),
            item_schema(
                serde_json::json!({ "const": "devices" }),
                serde_json::json!({ "type": "array", "items": device }),
            ),
            item_schema(
                serde_json::json!({ "type": "string", "not": { "enum": KNOWN_NAMES } }),
                serde_json::json!(true),
            ),
        ];
        json_schema!({
            "description": "A {name, value} pair; `value`'s type depends on `name`. Unknown names carry any value.",
            "oneOf": branches
        })
    }
}

/// The body of "Login Request with Configuration" (`POST /api/v2/me`).
///
/// Items keep their order; decoding errors name the item's position.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct LoginConfiguration {
    /// The items in wire order.
    pub items: Vec<ConfigItem>,
}

impl LoginConfiguration {
    /// A configuration from its items.
    pub fn new(items: Vec<ConfigItem>) -> Self {
        Self { items }
    }

    /// Decodes a configuration from an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<Self, String> {
        let Value::Array(elements) = value else {
            return Err(format!(
                "the login configuration must be a JSON array of {{name, value}} items, got {}",
                kind_of(&value)
            ));
        };
        elements
            .into_iter()
            .enumerate()
            .map(|(position, element)| ConfigItem::from_json(Some(position), element))
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }
}

impl Serialize for LoginConfiguration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LoginConfiguration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for LoginConfiguration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LoginConfiguration".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let item = generator.subschema_for::<ConfigItem>().to_value();
        json_schema!({
            "description": "Login Request with Configuration: array of {name, value} items",
            "type": "array",
            "items": item
        })
    }
}
