//! The envelope level: event names (the `event` key) and [`Event`], which pairs a family with
//! its typed `data`.

#[cfg(feature = "schema")]
use schemars::{Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::family::{data_object, fast, raw, to_json_value};
use super::{
    InteractionEvent, MESSENGER_PREFIX, OutboundEvent, RawEventData, StateEvent, SystemEvent,
};
use crate::open_enum::UnknownValue;
use crate::scapi::error::DecodeError;

/// An event name: what clients subscribe to and what the `event` key carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EventName {
    /// `agent`
    Agent,
    /// `interaction`
    Interaction,
    /// `media`
    Media,
    /// `system`
    System,
    /// `markdone`
    Markdone,
    /// `outbound`
    Outbound,
    /// `messenger:<channel>` (the channel may be any string, even empty).
    Messenger(String),
    /// Any other name, kept verbatim.
    Other(UnknownValue),
}

impl EventName {
    /// The fixed family names (messenger channels excluded).
    pub const FAMILIES: [&'static str; 6] = [
        "agent",
        "interaction",
        "media",
        "system",
        "markdone",
        "outbound",
    ];

    /// Parses a wire name.
    pub fn parse(name: &str) -> Self {
        match name {
            "agent" => Self::Agent,
            "interaction" => Self::Interaction,
            "media" => Self::Media,
            "system" => Self::System,
            "markdone" => Self::Markdone,
            "outbound" => Self::Outbound,
            other => match other.strip_prefix(MESSENGER_PREFIX) {
                Some(channel) => Self::Messenger(channel.to_owned()),
                None => Self::Other(UnknownValue::new(other.to_owned())),
            },
        }
    }

    /// The wire name.
    pub fn as_string(&self) -> String {
        match self {
            Self::Agent => "agent".into(),
            Self::Interaction => "interaction".into(),
            Self::Media => "media".into(),
            Self::System => "system".into(),
            Self::Markdone => "markdone".into(),
            Self::Outbound => "outbound".into(),
            Self::Messenger(channel) => format!("{MESSENGER_PREFIX}{channel}"),
            Self::Other(other) => other.as_str().to_owned(),
        }
    }

    /// Whether a service can deliver events under this name.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

/// An event: its family (the `event` key) and typed `data`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Messages are decoded, handled once and dropped: boxing the large variant would add an
// allocation to every message for no saving.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// `agent`
    Agent(StateEvent),
    /// `media`
    Media(StateEvent),
    /// `interaction`
    Interaction(InteractionEvent),
    /// `system`
    System(SystemEvent),
    /// `markdone`: no documented payload, kept verbatim.
    Markdone(RawEventData),
    /// `outbound`
    Outbound(OutboundEvent),
    /// `messenger:<channel>`: the broadcast payload, verbatim (any JSON value).
    Messenger {
        /// The channel.
        channel: String,
        /// The payload.
        payload: Value,
    },
    /// An unknown family, kept verbatim.
    Other {
        /// The `event` value.
        event: UnknownValue,
        /// The `data` value (`null` when absent).
        data: Value,
    },
}

impl Event {
    /// Decodes an event from its `event` name and `data` (`$.data` in errors).
    pub fn decode(event: &str, data: Option<&Value>) -> Result<Self, DecodeError> {
        let path = "$.data";
        let require = || {
            data.ok_or_else(|| {
                DecodeError::missing("$", "data", "every event carries a `data` object")
            })
        };
        Ok(match EventName::parse(event) {
            EventName::Agent => Self::Agent(StateEvent::decode(require()?, path)?),
            EventName::Media => Self::Media(StateEvent::decode(require()?, path)?),
            EventName::Interaction => {
                Self::Interaction(InteractionEvent::decode(require()?, path)?)
            }
            EventName::System => Self::System(SystemEvent::decode(require()?, path)?),
            EventName::Outbound => Self::Outbound(OutboundEvent::decode(require()?, path)?),
            EventName::Markdone => Self::Markdone(raw(data_object(require()?, path)?)),
            EventName::Messenger(channel) => Self::Messenger {
                channel,
                payload: data.cloned().unwrap_or(Value::Null),
            },
            EventName::Other(event) => Self::Other {
                event,
                data: data.cloned().unwrap_or(Value::Null),
            },
        })
    }

    /// The event name (the `event` key).
    pub fn name(&self) -> EventName {
        match self {
            Self::Agent(_) => EventName::Agent,
            Self::Media(_) => EventName::Media,
            Self::Interaction(_) => EventName::Interaction,
            Self::System(_) => EventName::System,
            Self::Markdone(_) => EventName::Markdone,
            Self::Outbound(_) => EventName::Outbound,
            Self::Messenger { channel, .. } => EventName::Messenger(channel.clone()),
            Self::Other { event, .. } => EventName::Other(event.clone()),
        }
    }

    /// Decodes straight from the text of `data`; `None` sends the caller to [`Event::decode`].
    pub(crate) fn decode_raw(event: &str, data: Option<&RawValue>) -> Option<Self> {
        let any = |data: Option<&RawValue>| match data {
            None => Some(Value::Null),
            Some(raw) => fast(raw),
        };
        Some(match EventName::parse(event) {
            EventName::Agent => Self::Agent(StateEvent::decode_raw(data?)?),
            EventName::Media => Self::Media(StateEvent::decode_raw(data?)?),
            EventName::Interaction => Self::Interaction(InteractionEvent::decode_raw(data?)?),
            EventName::System => Self::System(SystemEvent::decode_raw(data?)?),
            EventName::Outbound => Self::Outbound(OutboundEvent::decode_raw(data?)?),
            EventName::Markdone => Self::Markdone(fast(data?)?),
            EventName::Messenger(channel) => Self::Messenger {
                channel,
                payload: any(data)?,
            },
            EventName::Other(event) => Self::Other {
                event,
                data: any(data)?,
            },
        })
    }

    /// The `event` key as written on the wire, without allocating for the fixed families.
    pub fn event_key(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Agent(_) => "agent".into(),
            Self::Media(_) => "media".into(),
            Self::Interaction(_) => "interaction".into(),
            Self::System(_) => "system".into(),
            Self::Markdone(_) => "markdone".into(),
            Self::Outbound(_) => "outbound".into(),
            Self::Messenger { channel, .. } => format!("{MESSENGER_PREFIX}{channel}").into(),
            Self::Other { event, .. } => event.as_str().into(),
        }
    }

    /// The `data` value.
    pub fn data(&self) -> Value {
        to_json_value(&EventData(self))
    }
}

/// Serialises an event's `data` without building a `Value`.
pub(crate) struct EventData<'a>(pub(crate) &'a Event);

impl Serialize for EventData<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Event::Agent(e) | Event::Media(e) => e.serialize(s),
            Event::Interaction(e) => e.serialize(s),
            Event::System(e) => e.serialize(s),
            Event::Markdone(raw) => raw.serialize(s),
            Event::Outbound(e) => e.serialize(s),
            Event::Messenger { payload, .. } => payload.serialize(s),
            Event::Other { data, .. } => data.serialize(s),
        }
    }
}

/// Schema of the `event` + `data` pair, one branch per family.
#[cfg(feature = "schema")]
pub(crate) fn event_pair_schema(generator: &mut SchemaGenerator) -> Vec<Value> {
    let family = |name: &str, data: Schema| serde_json::json!({ "properties": { "event": { "const": name }, "data": data }, "required": ["event", "data"] });
    vec![
        family("agent", generator.subschema_for::<StateEvent>()),
        family("media", generator.subschema_for::<StateEvent>()),
        family("interaction", generator.subschema_for::<InteractionEvent>()),
        family("system", generator.subschema_for::<SystemEvent>()),
        family("markdone", generator.subschema_for::<RawEventData>()),
        family("outbound", generator.subschema_for::<OutboundEvent>()),
        serde_json::json!({
            "properties": { "event": { "type": "string", "pattern": "^messenger:" } },
            "required": ["event"]
        }),
        serde_json::json!({
            "properties": { "event": {
                "type": "string",
                "minLength": 1,
                "not": { "anyOf": [{ "enum": EventName::FAMILIES }, { "pattern": "^messenger:" }] }
            } },
            "required": ["event"]
        }),
    ]
}
