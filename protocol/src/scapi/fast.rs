//! Decoding straight from JSON text, for well-formed messages.
//!
//! The precise decoders in [`super::envelope`] work on a parsed `serde_json::Value`, which
//! costs a tree of allocations before any typing happens. Here the message is read once: the
//! keys the protocol knows are kept as borrowed raw JSON and decoded into their typed fields
//! directly. Every function returns `None` as soon as anything is off, and the caller then
//! runs the precise decoder, which produces the same message or the error that explains why
//! not. So this path may be stricter than the precise one, never more lenient; a property
//! test holds the two to the same results.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::envelope::{
    ClientMessage, Envelope, EventMessage, FailureResponse, FrameIdMessage, RequestMessage,
    SUBSCRIBE, ServiceMessage, SubscribeMessage, SubscriptionNames, SuccessResponse, UNSUBSCRIBE,
    UnsubscribeMessage, truthy,
};
use super::events::Event;
use super::payload::Payload;
use super::requests::Request;
use super::types::Extra;

/// The keys any message kind reads; everything else goes to `extra`.
const KNOWN: [&str; 10] = [
    "event",
    "data",
    "request",
    "parameters",
    "referenceId",
    "userAgent",
    "protocolVersion",
    "frameId",
    "errorMessage",
    "subscriptionId",
];

/// A message's known keys as raw JSON, and its other keys decoded.
struct RawFields<'a> {
    known: [Option<&'a RawValue>; KNOWN.len()],
    extra: Extra,
}

impl<'a> RawFields<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    fn slot(key: &str) -> Option<usize> {
        KNOWN.iter().position(|known| *known == key)
    }

    fn peek(&self, key: &str) -> Option<&'a RawValue> {
        self.known[Self::slot(key)?]
    }

    fn take(&mut self, key: &str) -> Option<&'a RawValue> {
        self.known[Self::slot(key)?].take()
    }

    /// Takes `key` when its value is truthy; a falsy value stays (and ends in `extra`).
    fn take_truthy(&mut self, key: &str) -> Option<Option<Value>> {
        let Some(raw) = self.peek(key) else {
            return Some(None);
        };
        let value: Value = decode(raw)?;
        if !truthy(&value) {
            return Some(None);
        }
        self.take(key);
        Some(Some(value))
    }

    /// `Some(None)` when absent, `None` when present but not a string.
    fn take_string(&mut self, key: &str) -> Option<Option<String>> {
        match self.take(key) {
            None => Some(None),
            Some(raw) => decode(raw).map(Some),
        }
    }

    fn take_value(&mut self, key: &str) -> Option<Option<Value>> {
        match self.take(key) {
            None => Some(None),
            Some(raw) => decode(raw).map(Some),
        }
    }

    /// The envelope: `userAgent`, `protocolVersion`, and every key nobody took.
    fn finish(mut self) -> Option<Envelope> {
        let user_agent = self.take_string("userAgent")?;
        let protocol_version = match self.take("protocolVersion") {
            None => None,
            Some(raw) => Some(decode::<i64>(raw)?),
        };
        let mut extra = self.extra;
        for (key, raw) in KNOWN.iter().zip(self.known) {
            if let Some(raw) = raw {
                extra.insert((*key).to_owned(), decode(raw)?);
            }
        }
        Some(Envelope {
            user_agent: user_agent.map(Cow::Owned),
            protocol_version,
            extra,
        })
    }
}

fn decode<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

impl<'de> Deserialize<'de> for RawFields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = RawFields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = RawFields {
                    known: [None; KNOWN.len()],
                    extra: Extra::new(),
                };
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    // A repeated key replaces the earlier one, as in a parsed `Value`.
                    match RawFields::slot(&key.0) {
                        Some(i) => fields.known[i] = Some(map.next_value()?),
                        None => {
                            fields.extra.insert(key.0.into_owned(), map.next_value()?);
                        }
                    }
                }
                Ok(fields)
            }
        }

        d.deserialize_map(FieldsVisitor)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        d.deserialize_str(KeyVisitor)
    }
}

fn non_empty(id: String) -> Option<String> {
    (!id.is_empty()).then_some(id)
}

/// [`ClientMessage::decode`] for well-formed text.
pub(crate) fn client_message(text: &str) -> Option<ClientMessage> {
    let mut fields = RawFields::parse(text)?;
    if let Some(event) = fields.take("event") {
        let event: String = decode(event)?;
        return match event.as_str() {
            SUBSCRIBE => {
                let data = fields.take("data")?;
                let names = match data.get().as_bytes().first() {
                    Some(b'"') => SubscriptionNames::One(decode(data)?),
                    Some(b'[') => SubscriptionNames::Many(decode(data)?),
                    _ => return None,
                };
                let reference_id = non_empty(decode(fields.take("referenceId")?)?)?;
                let frame_id = fields.take_value("frameId")?;
                let envelope = fields.finish()?;
                Some(ClientMessage::Subscribe(SubscribeMessage {
                    names,
                    reference_id,
                    frame_id,
                    envelope,
                }))
            }
            UNSUBSCRIBE => {
                let subscription_id = decode(fields.take("data")?)?;
                let reference_id = fields.take_string("referenceId")?;
                let frame_id = fields.take_value("frameId")?;
                let envelope = fields.finish()?;
                Some(ClientMessage::Unsubscribe(UnsubscribeMessage {
                    subscription_id,
                    reference_id,
                    frame_id,
                    envelope,
                }))
            }
            _ => None,
        };
    }
    let name: String = decode(fields.take("request")?)?;
    let parameters: Option<Vec<&RawValue>> = match fields.take("parameters") {
        None => None,
        Some(raw) => Some(serde_json::from_str(raw.get()).ok()?),
    };
    let slots = parameters.as_deref().unwrap_or_default();
    let request = Request::decode_raw(&name, slots)?;
    let declared = match &request {
        Request::Unknown(_) => slots.len(),
        known => known.to_parameters().len(),
    };
    let surplus_parameters = slots
        .get(declared..)
        .unwrap_or_default()
        .iter()
        .map(|raw| decode(raw))
        .collect::<Option<_>>()?;
    let reference_id = non_empty(decode(fields.take("referenceId")?)?)?;
    let frame_id = fields.take_value("frameId")?;
    let envelope = fields.finish()?;
    Some(ClientMessage::Request(RequestMessage {
        request,
        reference_id,
        frame_id,
        parameters_sent: parameters.as_ref().map(Vec::len),
        surplus_parameters,
        envelope,
    }))
}

/// [`ServiceMessage::decode`] for well-formed text.
pub(crate) fn service_message(text: &str) -> Option<ServiceMessage> {
    let mut fields = RawFields::parse(text)?;
    if let Some(event) = fields.take_truthy("event")? {
        let Value::String(event) = event else {
            return None;
        };
        let data = fields.take("data");
        let event = Event::decode_raw(&event, data)?;
        return Some(ServiceMessage::Event(EventMessage {
            event,
            envelope: fields.finish()?,
        }));
    }
    if let Some(reference_id) = fields.take_truthy("referenceId")? {
        let Value::String(reference_id) = reference_id else {
            return None;
        };
        if let Some(error_message) = fields.take("errorMessage") {
            let error_message = decode(error_message)?;
            let request = fields.take_string("request")?;
            return Some(ServiceMessage::Failure(FailureResponse {
                reference_id,
                error_message,
                request,
                envelope: fields.finish()?,
            }));
        }
        let data = fields.take_value("data")?.map(Payload::new);
        let subscription_id = fields.take_string("subscriptionId")?;
        return Some(ServiceMessage::Success(SuccessResponse {
            reference_id,
            data,
            subscription_id,
            envelope: fields.finish()?,
        }));
    }
    let frame_id = fields.take_value("frameId")??;
    Some(ServiceMessage::FrameId(FrameIdMessage {
        frame_id,
        envelope: fields.finish()?,
    }))
}
