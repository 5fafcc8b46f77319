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

use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::envelope::{
    CLIENT_USER_AGENT, ClientMessage, Envelope, EventMessage, FailureResponse, FrameIdMessage,
    RequestMessage, SERVICE_USER_AGENT, SUBSCRIBE, ServiceMessage, SubscribeMessage,
    SubscriptionNames, SuccessResponse, UNSUBSCRIBE, UnsubscribeMessage,
};
use super::events::{
    Event, EventName, FromEager, InteractionChange, InteractionEvent, StateChanged, StateEvent,
};
use super::payload::Payload;
use super::requests::Request;
use super::types::{Extra, Key};

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

// Positions in `KNOWN`.
const EVENT: usize = 0;
const DATA: usize = 1;
const REQUEST: usize = 2;
const PARAMETERS: usize = 3;
const REFERENCE_ID: usize = 4;
const USER_AGENT: usize = 5;
const PROTOCOL_VERSION: usize = 6;
const FRAME_ID: usize = 7;
const ERROR_MESSAGE: usize = 8;
const SUBSCRIPTION_ID: usize = 9;

/// The position of a known key.
fn slot(key: &str) -> Option<usize> {
    Some(match key {
        "event" => EVENT,
        "data" => DATA,
        "request" => REQUEST,
        "parameters" => PARAMETERS,
        "referenceId" => REFERENCE_ID,
        "userAgent" => USER_AGENT,
        "protocolVersion" => PROTOCOL_VERSION,
        "frameId" => FRAME_ID,
        "errorMessage" => ERROR_MESSAGE,
        "subscriptionId" => SUBSCRIPTION_ID,
        _ => return None,
    })
}

/// A known key's value, read in the same pass as the object. Keys every message kind reads
/// as a string are strings (anything else fails the fast path); `parameters` is split into
/// its slots; `data` and `frameId`, whose type depends on the rest of the message, stay raw.
enum Known<'a> {
    Raw(&'a RawValue),
    Text(Cow<'a, str>),
    Integer(i64),
}

/// How many `parameters` slots are kept without an allocation (no request declares more).
const INLINE_SLOTS: usize = 4;

/// The slots of a `parameters` array as raw JSON: inline up to [`INLINE_SLOTS`], so the
/// common request costs no allocation for them.
struct Slots<'a> {
    len: usize,
    inline: [&'a RawValue; INLINE_SLOTS],
    spilled: Vec<&'a RawValue>,
}

impl<'a> Slots<'a> {
    fn as_slice(&self) -> &[&'a RawValue] {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }
}

impl<'de> Deserialize<'de> for Slots<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SlotsVisitor;

        impl<'de> Visitor<'de> for SlotsVisitor {
            type Value = Slots<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut slots = Slots {
                    len: 0,
                    inline: [RawValue::NULL; INLINE_SLOTS],
                    spilled: Vec::new(),
                };
                while let Some(slot) = seq.next_element::<&'de RawValue>()? {
                    if slots.len < INLINE_SLOTS {
                        slots.inline[slots.len] = slot;
                    } else {
                        if slots.spilled.is_empty() {
                            slots.spilled.extend_from_slice(&slots.inline);
                        }
                        slots.spilled.push(slot);
                    }
                    slots.len += 1;
                }
                Ok(slots)
            }
        }

        d.deserialize_seq(SlotsVisitor)
    }
}

impl<'a> Known<'a> {
    fn read<A: MapAccess<'a>>(slot: usize, map: &mut A) -> Result<Self, A::Error> {
        Ok(match slot {
            DATA | FRAME_ID => Self::Raw(map.next_value()?),
            PROTOCOL_VERSION => Self::Integer(map.next_value()?),
            _ => Self::Text(map.next_value::<Key<'a>>()?.0),
        })
    }

    /// The value as it goes to `extra`.
    fn into_value(self) -> Option<Value> {
        Some(match self {
            Self::Raw(raw) => decode(raw)?,
            Self::Text(text) => Value::String(text.into_owned()),
            Self::Integer(n) => Value::from(n),
        })
    }
}

/// What an event's `data` is read as during the first pass, when the text names the family.
#[derive(Clone, Copy)]
enum Guess {
    /// An `interaction` change event.
    Change,
    /// A `STATE_CHANGED` of `agent` or `media`.
    State,
}

/// `data` read during the first pass.
// Boxed whole where it is kept (`RawFields::eager`), so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Eager {
    Change(InteractionChange),
    State(StateChanged),
}

/// The event family a service message's text names, found without parsing it: the last
/// `"event":"` (keys are often sorted, and `data` comes first). Only a guess: the decoded
/// message must confirm it, and the plain path runs when it does not.
fn guess(text: &str) -> Option<Guess> {
    const EVENT_KEY: &str = "\"event\":\"";
    let rest = &text[text.rfind(EVENT_KEY)? + EVENT_KEY.len()..];
    if rest.starts_with("interaction\"") && text.contains("\"interaction\":{") {
        Some(Guess::Change)
    } else if (rest.starts_with("agent\"") || rest.starts_with("media\""))
        && text.contains("\"mediaState\"")
    {
        Some(Guess::State)
    } else {
        None
    }
}

/// A message's known keys, and its other keys decoded.
struct RawFields<'a> {
    known: [Option<Known<'a>>; KNOWN.len()],
    /// `parameters` (`known` never has it).
    parameters: Option<Slots<'a>>,
    /// `data`, when read during the pass (then `known` has no `data`).
    eager: Option<Box<Eager>>,
    extra: Extra,
}

impl<'a> RawFields<'a> {
    fn new() -> Self {
        RawFields {
            known: Default::default(),
            parameters: None,
            eager: None,
            extra: Extra::new(),
        }
    }

    /// Reads `text` into these (empty) fields; they are filled in place, being too large to
    /// move cheaply.
    fn read(&mut self, text: &'a str, guess: Option<Guess>) -> Option<()> {
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(FieldsVisitor(self, guess)).ok()?;
        de.end().ok()
    }

    fn raw(&mut self, slot: usize) -> Option<&'a RawValue> {
        match self.known[slot].take()? {
            Known::Raw(raw) => Some(raw),
            _ => None,
        }
    }

    fn text(&mut self, slot: usize) -> Option<Cow<'a, str>> {
        match self.known[slot].take()? {
            Known::Text(text) => Some(text),
            _ => None,
        }
    }

    fn string(&mut self, slot: usize) -> Option<String> {
        self.text(slot).map(Cow::into_owned)
    }

    fn slots(&mut self) -> Option<Slots<'a>> {
        self.parameters.take()
    }

    /// Takes a string key when it is truthy (not empty); an empty one stays (and ends in
    /// `extra`).
    fn truthy_string(&mut self, slot: usize) -> Option<String> {
        match &self.known[slot] {
            Some(Known::Text(text)) if !text.is_empty() => self.string(slot),
            _ => None,
        }
    }

    /// `Some(None)` when absent, `None` when present but not JSON this path reads.
    fn value(&mut self, slot: usize) -> Option<Option<Value>> {
        match self.raw(slot) {
            None => Some(None),
            Some(raw) => decode(raw).map(Some),
        }
    }

    /// The envelope: `userAgent`, `protocolVersion`, and every key nobody took.
    fn finish(mut self) -> Option<Envelope> {
        let user_agent = self.text(USER_AGENT).map(user_agent);
        let protocol_version = match self.known[PROTOCOL_VERSION].take() {
            Some(Known::Integer(n)) => Some(n),
            _ => None,
        };
        let mut extra = self.extra;
        if let Some(slots) = self.parameters {
            let slots = slots.as_slice().iter().map(|raw| decode(raw));
            extra.insert(
                "parameters".to_owned(),
                Value::Array(slots.collect::<Option<_>>()?),
            );
        }
        for (key, known) in KNOWN.iter().zip(self.known) {
            if let Some(known) = known {
                extra.insert((*key).to_owned(), known.into_value()?);
            }
        }
        Some(Envelope {
            user_agent,
            protocol_version,
            extra,
        })
    }
}

fn decode<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// The two spellings every library sends are borrowed, so they cost no allocation.
fn user_agent(agent: Cow<'_, str>) -> Cow<'static, str> {
    match &*agent {
        CLIENT_USER_AGENT => Cow::Borrowed(CLIENT_USER_AGENT),
        SERVICE_USER_AGENT => Cow::Borrowed(SERVICE_USER_AGENT),
        _ => Cow::Owned(agent.into_owned()),
    }
}

/// Fills a [`RawFields`] in place (it is large, and moving it costs more than reading a
/// short message).
struct FieldsVisitor<'f, 'de>(&'f mut RawFields<'de>, Option<Guess>);

impl<'de> Visitor<'de> for FieldsVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (fields, guess) = (self.0, self.1);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            // A repeated key replaces the earlier one, as in a parsed `Value`.
            match (slot(&key.0), guess) {
                (Some(DATA), Some(guess)) => {
                    fields.eager = Some(Box::new(match guess {
                        Guess::Change => Eager::Change(map.next_value()?),
                        Guess::State => Eager::State(map.next_value()?),
                    }));
                }
                (Some(PARAMETERS), _) => fields.parameters = Some(map.next_value()?),
                (Some(i), _) => fields.known[i] = Some(Known::read(i, &mut map)?),
                (None, _) => {
                    fields.extra.insert(key.0.into_owned(), map.next_value()?);
                }
            }
        }
        Ok(())
    }
}

fn non_empty(id: String) -> Option<String> {
    (!id.is_empty()).then_some(id)
}

/// [`ClientMessage::decode`] for well-formed text.
pub(crate) fn client_message(text: &str) -> Option<ClientMessage> {
    let mut fields = RawFields::new();
    fields.read(text, None)?;
    if let Some(event) = fields.known[EVENT].take() {
        let Known::Text(event) = event else {
            return None;
        };
        return match &*event {
            SUBSCRIBE => {
                let data = fields.raw(DATA)?;
                let names = match data.get().as_bytes().first() {
                    Some(b'"') => SubscriptionNames::One(decode(data)?),
                    Some(b'[') => SubscriptionNames::Many(decode(data)?),
                    _ => return None,
                };
                let reference_id = non_empty(fields.string(REFERENCE_ID)?)?;
                let frame_id = fields.value(FRAME_ID)?;
                let envelope = fields.finish()?;
                Some(ClientMessage::Subscribe(SubscribeMessage {
                    names,
                    reference_id,
                    frame_id,
                    envelope,
                }))
            }
            UNSUBSCRIBE => {
                let subscription_id = decode(fields.raw(DATA)?)?;
                let reference_id = fields.string(REFERENCE_ID);
                let frame_id = fields.value(FRAME_ID)?;
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
    let name = fields.text(REQUEST)?;
    let parameters = fields.slots();
    let slots = parameters.as_ref().map(Slots::as_slice).unwrap_or_default();
    let request = Request::decode_raw(&name, slots)?;
    let declared = match &request {
        Request::Unknown(_) => slots.len(),
        known => known.declared_parameters(),
    };
    let surplus_parameters = slots
        .get(declared..)
        .unwrap_or_default()
        .iter()
        .map(|raw| decode(raw))
        .collect::<Option<_>>()?;
    let reference_id = non_empty(fields.string(REFERENCE_ID)?)?;
    let frame_id = fields.value(FRAME_ID)?;
    let envelope = fields.finish()?;
    Some(ClientMessage::Request(RequestMessage {
        request,
        reference_id,
        frame_id,
        parameters_sent: parameters.as_ref().map(|slots| slots.len),
        surplus_parameters,
        coercions: Vec::new(),
        envelope,
    }))
}

/// [`ServiceMessage::decode`] for well-formed text.
pub(crate) fn service_message(text: &str) -> Option<ServiceMessage> {
    if let Some(message) = guess(text).and_then(|guess| guessed_event(text, guess)) {
        return Some(message);
    }
    let mut fields = RawFields::new();
    fields.read(text, None)?;
    if let Some(event) = fields.truthy_string(EVENT) {
        let data = fields.raw(DATA);
        let event = Event::decode_raw(&event, data)?;
        return Some(ServiceMessage::Event(EventMessage {
            event,
            envelope: fields.finish()?,
        }));
    }
    if let Some(reference_id) = fields.truthy_string(REFERENCE_ID) {
        if let Some(error_message) = fields.string(ERROR_MESSAGE) {
            let request = fields.string(REQUEST);
            return Some(ServiceMessage::Failure(FailureResponse {
                reference_id,
                error_message,
                request,
                envelope: fields.finish()?,
            }));
        }
        let data = fields.value(DATA)?.map(Payload::new);
        let subscription_id = fields.string(SUBSCRIPTION_ID);
        return Some(ServiceMessage::Success(SuccessResponse {
            reference_id,
            data,
            subscription_id,
            envelope: fields.finish()?,
        }));
    }
    let frame_id = fields.value(FRAME_ID)??;
    Some(ServiceMessage::FrameId(FrameIdMessage {
        frame_id,
        envelope: fields.finish()?,
    }))
}

/// An event whose `data` is read in the same pass as the message, as [`guess`] proposed;
/// `None` when the message is anything else than what [`service_message`] would make of it
/// that way.
fn guessed_event(text: &str, guess: Guess) -> Option<ServiceMessage> {
    let mut fields = RawFields::new();
    fields.read(text, Some(guess))?;
    let event = fields.truthy_string(EVENT)?;
    let event = match (EventName::parse(&event), *fields.eager.take()?) {
        (EventName::Interaction, Eager::Change(change)) => {
            Event::Interaction(InteractionEvent::from_eager(change)?)
        }
        (EventName::Agent, Eager::State(body)) => Event::Agent(StateEvent::from_eager(body)?),
        (EventName::Media, Eager::State(body)) => Event::Media(StateEvent::from_eager(body)?),
        _ => return None,
    };
    Some(ServiceMessage::Event(EventMessage {
        event,
        envelope: fields.finish()?,
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    /// Every fixture, compact as a relay carries it, decodes without the precise decoder:
    /// a fixture falling back would silently cost a parsed `Value` per message.
    #[test]
    fn every_fixture_takes_the_text_path() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scapi");
        let mut checked = 0;
        for dir in ["client", "service"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                let text = serde_json::from_str::<Value>(&text).unwrap().to_string();
                let decoded = if dir == "client" {
                    super::client_message(&text).is_some()
                } else {
                    super::service_message(&text).is_some()
                };
                assert!(decoded, "{} falls back", entry.path().display());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} fixtures");
    }
}
