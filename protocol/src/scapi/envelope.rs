//! The seven message shapes and the two decode entry points, one per direction.
//!
//! Client to service: [`ClientMessage`] (request, subscribe, unsubscribe), decoded by
//! [`ClientMessage::decode`]. Service to client: [`ServiceMessage`] (success, failure, event,
//! frame-id handshake), decoded by [`ServiceMessage::decode`] in the order Genesys's client
//! library uses: a truthy `event` makes an event; else a truthy `referenceId` makes a
//! response, a failure exactly when the key `errorMessage` is present; else a present
//! `frameId` makes a handshake.
//!
//! Every message keeps the keys it does not model in `extra`, and remembers how its
//! `parameters` were sent (omitted, shorter than the declared list, with surplus slots), so
//! decoding then encoding gives back an equal JSON value.

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::coerce::Coercion;
use super::error::DecodeError;
use super::events::{Event, EventData, EventName};
use super::payload::Payload;
use super::requests::{Request, ScapiRequest};
use super::types::Extra;

/// `userAgent` of every client message.
pub const CLIENT_USER_AGENT: &str = "WWE Client";
/// `userAgent` of every service message.
pub const SERVICE_USER_AGENT: &str = "WWE Server";
/// `protocolVersion` of every message (the only version any library has used).
pub const PROTOCOL_VERSION: i64 = 2;

/// The `event` value of a subscribe message.
pub const SUBSCRIBE: &str = "subscribe";
/// The `event` value of an unsubscribe message.
pub const UNSUBSCRIBE: &str = "unsubscribe";

/// Keys every message may carry besides its own.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Envelope {
    /// `userAgent`, as received (`None` when absent). Borrowed for the two constant
    /// spellings, so building a message costs no allocation for it.
    pub user_agent: Option<Cow<'static, str>>,
    /// `protocolVersion`, as received (`None` when absent).
    pub protocol_version: Option<i64>,
    /// Keys this version does not model, verbatim.
    pub extra: Extra,
}

impl Envelope {
    /// The envelope a client library sends.
    pub fn client() -> Self {
        Self {
            user_agent: Some(Cow::Borrowed(CLIENT_USER_AGENT)),
            protocol_version: Some(PROTOCOL_VERSION),
            extra: Extra::new(),
        }
    }

    /// The envelope a service sends.
    pub fn service() -> Self {
        Self {
            user_agent: Some(Cow::Borrowed(SERVICE_USER_AGENT)),
            protocol_version: Some(PROTOCOL_VERSION),
            extra: Extra::new(),
        }
    }

    /// Writes the unknown keys (except those the message writes itself), then `userAgent` and
    /// `protocolVersion`.
    fn serialize_into<M: SerializeMap>(
        &self,
        map: &mut M,
        written: &[&str],
    ) -> Result<(), M::Error> {
        for (key, value) in &self.extra {
            if !written.contains(&key.as_str()) && key != "userAgent" && key != "protocolVersion" {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(agent) = &self.user_agent {
            map.serialize_entry("userAgent", agent)?;
        }
        if let Some(version) = self.protocol_version {
            map.serialize_entry("protocolVersion", &version)?;
        }
        Ok(())
    }
}

impl Envelope {
    /// [`Envelope::serialize_into`] for the hand-written encoder.
    fn write_into(&self, w: &mut ObjectWriter<'_>, written: &[&str]) -> serde_json::Result<()> {
        for (key, value) in &self.extra {
            if !written.contains(&key.as_str()) && key != "userAgent" && key != "protocolVersion" {
                w.any_entry(key, value)?;
            }
        }
        if let Some(agent) = &self.user_agent {
            w.entry("userAgent", &**agent)?;
        }
        if let Some(version) = self.protocol_version {
            w.entry("protocolVersion", &version)?;
        }
        Ok(())
    }
}

/// Writes a JSON object entry by entry, byte for byte as `serde_json` writes the same map,
/// but with the protocol's own keys copied as they are (none needs escaping) instead of
/// going through the key serializer.
struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self { out, empty: true }
    }

    fn separator(&mut self) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
    }

    /// An entry under one of the protocol's keys (plain ASCII, nothing to escape).
    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.separator();
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        serde_json::to_writer(&mut *self.out, value)
    }

    /// An entry under any key (escaped as needed).
    fn any_entry(&mut self, key: &str, value: &Value) -> serde_json::Result<()> {
        self.separator();
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.push(b':');
        serde_json::to_writer(&mut *self.out, value)
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

/// Runs an encoder into a buffer sized for a typical message; empty text if it fails (it
/// cannot for these types), as `serde_json::to_string(..).unwrap_or_default()` would give.
fn to_json_text(write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) -> String {
    let mut out = Vec::with_capacity(256);
    match write(&mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The keys of a message object, consumed one by one so the rest becomes `extra`.
struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    fn new(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Object(map) => Ok(Self { map: map.clone() }),
            other => Err(
                DecodeError::wrong_type("$", "a message object", other).with_hint(
                    "Service Client API messages are objects posted with window.postMessage",
                ),
            ),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// Takes `key` only when its value is truthy; a falsy value stays (and ends in `extra`).
    fn take_truthy(&mut self, key: &str) -> Option<Value> {
        if self.map.get(key).is_some_and(truthy) {
            self.map.remove(key)
        } else {
            None
        }
    }

    fn take_string(&mut self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(DecodeError::wrong_type(
                format!("$.{key}"),
                "a string",
                &other,
            )),
        }
    }

    fn reference_id(&mut self, hint: &str) -> Result<String, DecodeError> {
        match self.take_string("referenceId")? {
            Some(id) if !id.is_empty() => Ok(id),
            Some(_) => Err(DecodeError::new("$.referenceId", "empty referenceId").with_hint(hint)),
            None => Err(DecodeError::missing("$", "referenceId", hint)),
        }
    }

    fn envelope(mut self) -> Result<Envelope, DecodeError> {
        let user_agent = self.take_string("userAgent")?;
        let protocol_version = match self.take("protocolVersion") {
            None => None,
            Some(value) => Some(value.as_i64().ok_or_else(|| {
                DecodeError::wrong_type("$.protocolVersion", "an integer", &value)
                    .with_hint(format!("send \"protocolVersion\": {PROTOCOL_VERSION}"))
            })?),
        };
        Ok(Envelope {
            user_agent: user_agent.map(Cow::Owned),
            protocol_version,
            extra: self.map.into_iter().collect(),
        })
    }
}

/// JavaScript truthiness, which the official client library's routing relies on.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// A request (`request` + `parameters`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RequestMessage {
    /// The typed request.
    pub request: Request,
    /// Correlates the response; the official library counts `"0"`, `"1"`, ...
    pub reference_id: String,
    /// Echo of the frame id from the service's handshake, if any.
    pub frame_id: Option<Value>,
    /// How many slots `parameters` had when received (`None`: key omitted). Encoding drops
    /// trailing `null` slots beyond this length, so received messages round-trip exactly.
    pub parameters_sent: Option<usize>,
    /// Slots beyond the declared parameters, kept verbatim.
    pub surplus_parameters: Vec<Value>,
    /// Parameter values received as another JSON type and converted, as a JavaScript
    /// Workspace would (see [`super::coerce`]); empty for a message that needed none and for
    /// one built here. Not encoded: the message encodes its converted values.
    pub coercions: Vec<Coercion>,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl RequestMessage {
    /// A request as the official client library sends it: the key `parameters` omitted for
    /// zero-argument requests, every declared slot present otherwise (`null` when omitted).
    pub fn new(reference_id: impl Into<String>, request: impl Into<Request>) -> Self {
        let request = request.into();
        let declared = request.to_parameters().len();
        Self {
            request,
            reference_id: reference_id.into(),
            frame_id: None,
            parameters_sent: (declared > 0).then_some(declared),
            surplus_parameters: Vec::new(),
            coercions: Vec::new(),
            envelope: Envelope::client(),
        }
    }

    fn decode(mut fields: Fields, name: Value) -> Result<Self, DecodeError> {
        let Value::String(name) = name else {
            return Err(DecodeError::wrong_type("$.request", "a string", &name)
                .with_hint("`request` names the call, e.g. \"agent.get\""));
        };
        let parameters = match fields.take("parameters") {
            None => None,
            Some(Value::Array(items)) => Some(items),
            Some(other) => {
                return Err(DecodeError::wrong_type("$.parameters", "an array", &other)
                    .with_hint("send positional arguments as an array, or omit the key for none"));
            }
        };
        let slots = parameters.as_deref().unwrap_or_default();
        let (request, coercions) = Request::decode_coerced(&name, slots)?;
        let declared = match &request {
            Request::Unknown(_) => slots.len(),
            known => known.to_parameters().len(),
        };
        let reference_id =
            fields.reference_id("every request carries a non-empty string referenceId")?;
        let frame_id = fields.take("frameId");
        Ok(Self {
            surplus_parameters: slots.get(declared..).unwrap_or_default().to_vec(),
            parameters_sent: parameters.as_ref().map(Vec::len),
            coercions,
            request,
            reference_id,
            frame_id,
            envelope: fields.envelope()?,
        })
    }

    /// How many declared slots are encoded: all of them, unless the message was received
    /// with fewer and the missing ones are all `null`.
    fn encoded_slots(&self) -> usize {
        let declared = self.request.declared_parameters();
        let sent = self.parameters_sent.unwrap_or(0);
        if sent < declared && (sent..declared).all(|i| self.request.is_slot_null(i)) {
            sent
        } else {
            declared
        }
    }

    /// Whether the `parameters` key is written at all.
    fn writes_parameters(&self) -> bool {
        self.parameters_sent.is_some()
            || self.encoded_slots() > 0
            || !self.surplus_parameters.is_empty()
    }

    /// The `parameters` array as it will be encoded (`None`: key omitted).
    pub fn parameters(&self) -> Option<Vec<Value>> {
        if !self.writes_parameters() {
            return None;
        }
        let mut slots = self.request.to_parameters();
        slots.truncate(self.encoded_slots());
        slots.extend(self.surplus_parameters.iter().cloned());
        Some(slots)
    }

    /// Encodes the message.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

/// The `data` of a subscribe message: one name or a list, kept in the form received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriptionNames {
    /// A single name.
    One(String),
    /// A list of names.
    Many(Vec<String>),
}

impl SubscriptionNames {
    /// The names as sent.
    pub fn raw(&self) -> Vec<&str> {
        match self {
            Self::One(one) => vec![one.as_str()],
            Self::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }

    /// The names, parsed.
    pub fn names(&self) -> Vec<EventName> {
        self.raw().into_iter().map(EventName::parse).collect()
    }
}

/// A subscription (`event: "subscribe"`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SubscribeMessage {
    /// What to subscribe to.
    pub names: SubscriptionNames,
    /// Correlates the acknowledgement.
    pub reference_id: String,
    /// Echoed frame id, if any.
    pub frame_id: Option<Value>,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl SubscribeMessage {
    /// A subscription to `names`, sent as a list (as the library does for arrays).
    pub fn new(reference_id: impl Into<String>, names: &[EventName]) -> Self {
        Self {
            names: SubscriptionNames::Many(names.iter().map(EventName::as_string).collect()),
            reference_id: reference_id.into(),
            frame_id: None,
            envelope: Envelope::client(),
        }
    }

    fn decode(mut fields: Fields) -> Result<Self, DecodeError> {
        let names = match fields.take("data") {
            Some(Value::String(one)) => SubscriptionNames::One(one),
            Some(Value::Array(items)) => SubscriptionNames::Many(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::String(name) => Ok(name),
                        other => Err(DecodeError::wrong_type(
                            format!("$.data[{i}]"),
                            "an event name string",
                            &other,
                        )),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => {
                return Err(DecodeError::wrong_type(
                    "$.data",
                    "an event name or an array of names",
                    &other,
                ));
            }
            None => {
                return Err(DecodeError::missing(
                    "$",
                    "data",
                    "name the events, e.g. \"data\": [\"agent\", \"interaction\"]",
                ));
            }
        };
        let reference_id =
            fields.reference_id("a subscribe message carries a non-empty string referenceId")?;
        let frame_id = fields.take("frameId");
        Ok(Self {
            names,
            reference_id,
            frame_id,
            envelope: fields.envelope()?,
        })
    }

    /// Encodes the message.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

/// An unsubscription (`event: "unsubscribe"`), fire-and-forget.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnsubscribeMessage {
    /// The `subscriptionId` of the acknowledgement.
    pub subscription_id: String,
    /// A fresh reference id (the library sends one though it expects no answer).
    pub reference_id: Option<String>,
    /// Echoed frame id, if any.
    pub frame_id: Option<Value>,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl UnsubscribeMessage {
    /// An unsubscription as the library sends it.
    pub fn new(reference_id: impl Into<String>, subscription_id: impl Into<String>) -> Self {
        Self {
            subscription_id: subscription_id.into(),
            reference_id: Some(reference_id.into()),
            frame_id: None,
            envelope: Envelope::client(),
        }
    }

    fn decode(mut fields: Fields) -> Result<Self, DecodeError> {
        let subscription_id = match fields.take("data") {
            Some(Value::String(id)) => id,
            Some(other) => {
                return Err(DecodeError::wrong_type(
                    "$.data",
                    "a subscriptionId string",
                    &other,
                ));
            }
            None => {
                return Err(DecodeError::missing(
                    "$",
                    "data",
                    "send the subscriptionId of the subscribe acknowledgement",
                ));
            }
        };
        let reference_id = fields.take_string("referenceId")?;
        let frame_id = fields.take("frameId");
        Ok(Self {
            subscription_id,
            reference_id,
            frame_id,
            envelope: fields.envelope()?,
        })
    }

    /// Encodes the message.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

/// A message from a client to the service.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Messages are decoded, handled once and dropped: boxing the large variant would add an
// allocation to every message for no saving.
#[allow(clippy::large_enum_variant)]
pub enum ClientMessage {
    /// A request.
    Request(RequestMessage),
    /// A subscription.
    Subscribe(SubscribeMessage),
    /// An unsubscription.
    Unsubscribe(UnsubscribeMessage),
}

impl ClientMessage {
    /// Decodes a client message: `event` (`subscribe`/`unsubscribe`) first, then `request`.
    pub fn decode(value: &Value) -> Result<Self, DecodeError> {
        let mut fields = Fields::new(value)?;
        if let Some(event) = fields.take("event") {
            return match event.as_str() {
                Some(SUBSCRIBE) => SubscribeMessage::decode(fields).map(Self::Subscribe),
                Some(UNSUBSCRIBE) => UnsubscribeMessage::decode(fields).map(Self::Unsubscribe),
                _ => Err(
                    DecodeError::new("$.event", format!("unknown client event {event}"))
                        .with_hint("clients send `event` only as \"subscribe\" or \"unsubscribe\""),
                ),
            };
        }
        match fields.take("request") {
            Some(name) => RequestMessage::decode(fields, name).map(Self::Request),
            None => Err(
                DecodeError::new("$", "neither `request` nor `event` is present")
                    .with_hint("a request needs \"request\": \"<namespace>.<method>\""),
            ),
        }
    }

    /// Decodes JSON text: straight into the typed message when it is well formed, through
    /// [`ClientMessage::decode`] (for the precise error) when it is not. Both give the same
    /// message for the same input.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        if let Some(message) = super::fast::client_message(text) {
            return Ok(message);
        }
        Self::decode(&parse(text)?)
    }

    /// Encodes the message as JSON text (the same text as `serde_json::to_string`).
    pub fn to_json(&self) -> String {
        to_json_text(|out| self.write_json(out))
    }

    /// Appends the message as JSON text to `out` (a buffer reused across messages saves an
    /// allocation per message); the same bytes as [`ClientMessage::to_json`].
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut w = ObjectWriter::new(out);
        match self {
            Self::Request(m) => {
                m.envelope
                    .write_into(&mut w, &["request", "parameters", "referenceId", "frameId"])?;
                w.entry("request", m.request.name())?;
                if m.writes_parameters() {
                    w.entry("parameters", &Slots(m))?;
                }
                w.entry("referenceId", &m.reference_id)?;
                if let Some(frame_id) = &m.frame_id {
                    w.entry("frameId", frame_id)?;
                }
            }
            Self::Subscribe(m) => {
                m.envelope
                    .write_into(&mut w, &["event", "data", "referenceId", "frameId"])?;
                w.entry("event", SUBSCRIBE)?;
                match &m.names {
                    SubscriptionNames::One(one) => w.entry("data", one)?,
                    SubscriptionNames::Many(many) => w.entry("data", many)?,
                }
                w.entry("referenceId", &m.reference_id)?;
                if let Some(frame_id) = &m.frame_id {
                    w.entry("frameId", frame_id)?;
                }
            }
            Self::Unsubscribe(m) => {
                m.envelope
                    .write_into(&mut w, &["event", "data", "referenceId", "frameId"])?;
                w.entry("event", UNSUBSCRIBE)?;
                w.entry("data", &m.subscription_id)?;
                if let Some(reference_id) = &m.reference_id {
                    w.entry("referenceId", reference_id)?;
                }
                if let Some(frame_id) = &m.frame_id {
                    w.entry("frameId", frame_id)?;
                }
            }
        }
        w.end();
        Ok(())
    }

    /// Encodes the message.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }

    /// The reference id, when the message has one.
    pub fn reference_id(&self) -> Option<&str> {
        match self {
            Self::Request(m) => Some(&m.reference_id),
            Self::Subscribe(m) => Some(&m.reference_id),
            Self::Unsubscribe(m) => m.reference_id.as_deref(),
        }
    }
}

/// A success response; a subscribe acknowledgement is one with `subscriptionId`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SuccessResponse {
    /// Echo of the request's reference id.
    pub reference_id: String,
    /// The result (`None`: key absent, as for requests that return nothing).
    pub data: Option<Payload>,
    /// Subscribe acknowledgements: the id to unsubscribe with.
    pub subscription_id: Option<String>,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl SuccessResponse {
    /// A success carrying `data` (`None` omits the key).
    pub fn new(reference_id: impl Into<String>, data: Option<Value>) -> Self {
        Self::shared(reference_id, data.map(Payload::new))
    }

    /// A success carrying a shared `data` (`None` omits the key).
    pub fn shared(reference_id: impl Into<String>, data: Option<Payload>) -> Self {
        Self {
            reference_id: reference_id.into(),
            data,
            subscription_id: None,
            envelope: Envelope::service(),
        }
    }

    /// The typed result of request `R`.
    pub fn result<R: ScapiRequest>(&self) -> Result<R::Result, DecodeError> {
        let data = self.data.as_deref().unwrap_or(&Value::Null);
        R::Result::deserialize(data).map_err(|err| {
            DecodeError::from_serde("$.data", &err).with_hint(format!(
                "{} answers {}",
                R::NAME,
                R::spec().result
            ))
        })
    }
}

/// A failure response: `errorMessage` is present.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FailureResponse {
    /// Echo of the request's reference id.
    pub reference_id: String,
    /// What went wrong, in the service's words.
    pub error_message: String,
    /// The request name (rate-limit failures carry it).
    pub request: Option<String>,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl FailureResponse {
    /// A failure with a message.
    pub fn new(reference_id: impl Into<String>, error_message: impl Into<String>) -> Self {
        Self {
            reference_id: reference_id.into(),
            error_message: error_message.into(),
            request: None,
            envelope: Envelope::service(),
        }
    }

    /// The failure of a request refused by a rate limit: it names the `request`.
    pub fn rate_limited(
        reference_id: impl Into<String>,
        error_message: impl Into<String>,
        request: impl Into<String>,
    ) -> Self {
        Self {
            request: Some(request.into()),
            ..Self::new(reference_id, error_message)
        }
    }
}

/// What a message that failed to decode still tells, so that a failure can be answered to
/// the call it belongs to: its `referenceId` (a non-empty string) and its `request` name (a
/// string), read from any JSON object. Text that is not a JSON object salvages nothing.
/// The service answers malformed requests with it and the client ends the call whose
/// answer it cannot read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Salvaged {
    /// `referenceId`, when it is a non-empty string.
    pub reference_id: Option<String>,
    /// `request`, when it is a string.
    pub request: Option<String>,
}

impl Salvaged {
    /// Reads `referenceId` and `request` from `text`, whatever else is wrong with it.
    pub fn from_json(text: &str) -> Self {
        let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(text) else {
            return Self::default();
        };
        let mut string = |key: &str| match object.remove(key) {
            Some(Value::String(text)) => Some(text),
            _ => None,
        };
        Self {
            reference_id: string("referenceId").filter(|id| !id.is_empty()),
            request: string("request"),
        }
    }
}

/// An event message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EventMessage {
    /// The event.
    pub event: Event,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl EventMessage {
    /// An event as a service sends it.
    pub fn new(event: Event) -> Self {
        Self {
            event,
            envelope: Envelope::service(),
        }
    }
}

/// The frame-id handshake: the client echoes `frameId` on every later request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FrameIdMessage {
    /// Opaque id (agentdesk sends a string).
    pub frame_id: Value,
    /// `userAgent`, `protocolVersion` and unknown keys.
    pub envelope: Envelope,
}

impl FrameIdMessage {
    /// A handshake as a service sends it.
    pub fn new(frame_id: impl Into<Value>) -> Self {
        Self {
            frame_id: frame_id.into(),
            envelope: Envelope::service(),
        }
    }
}

/// A message from the service to a client.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Messages are decoded, handled once and dropped: boxing the large variant would add an
// allocation to every message for no saving.
#[allow(clippy::large_enum_variant)]
pub enum ServiceMessage {
    /// A success response.
    Success(SuccessResponse),
    /// A failure response.
    Failure(FailureResponse),
    /// An event.
    Event(EventMessage),
    /// The frame-id handshake.
    FrameId(FrameIdMessage),
}

impl ServiceMessage {
    /// Whether the official client library accepts `value` at all: an object whose
    /// `userAgent` is a string containing `WWE`. It silently drops anything else, so a
    /// client should apply this filter before [`ServiceMessage::decode`].
    pub fn library_accepts(value: &Value) -> bool {
        value
            .get("userAgent")
            .and_then(Value::as_str)
            .is_some_and(|agent| agent.contains("WWE"))
    }

    /// Classifies and decodes a service message exactly as the official client library
    /// routes it: a truthy `event` first, then a truthy `referenceId` (a failure exactly when
    /// `errorMessage` is present), then a present `frameId`.
    ///
    /// This does not apply the `userAgent` filter (see [`ServiceMessage::library_accepts`]),
    /// so documentation examples that leave the envelope out still decode.
    pub fn decode(value: &Value) -> Result<Self, DecodeError> {
        let mut fields = Fields::new(value)?;
        if let Some(event) = fields.take_truthy("event") {
            let Value::String(event) = event else {
                return Err(DecodeError::wrong_type(
                    "$.event",
                    "an event name string",
                    &event,
                ));
            };
            let data = fields.take("data");
            let event = Event::decode(&event, data.as_ref())?;
            return Ok(Self::Event(EventMessage {
                event,
                envelope: fields.envelope()?,
            }));
        }
        if let Some(reference_id) = fields.take_truthy("referenceId") {
            let Value::String(reference_id) = reference_id else {
                return Err(
                    DecodeError::wrong_type("$.referenceId", "a string", &reference_id).with_hint(
                        "agentdesk reference ids are strings, as the client library sends them",
                    ),
                );
            };
            if let Some(error_message) = fields.take("errorMessage") {
                let error_message = match error_message {
                    Value::String(message) => message,
                    other => {
                        return Err(DecodeError::wrong_type(
                            "$.errorMessage",
                            "a string",
                            &other,
                        ));
                    }
                };
                let request = fields.take_string("request")?;
                return Ok(Self::Failure(FailureResponse {
                    reference_id,
                    error_message,
                    request,
                    envelope: fields.envelope()?,
                }));
            }
            let data = fields.take("data").map(Payload::new);
            let subscription_id = fields.take_string("subscriptionId")?;
            return Ok(Self::Success(SuccessResponse {
                reference_id,
                data,
                subscription_id,
                envelope: fields.envelope()?,
            }));
        }
        if let Some(frame_id) = fields.take("frameId") {
            return Ok(Self::FrameId(FrameIdMessage {
                frame_id,
                envelope: fields.envelope()?,
            }));
        }
        Err(DecodeError::new(
            "$",
            "no truthy `event`, no truthy `referenceId` and no `frameId`",
        )
        .with_hint(
            "a service message is an event, a response to a referenceId, or a frameId handshake",
        ))
    }

    /// Decodes JSON text: straight into the typed message when it is well formed, through
    /// [`ServiceMessage::decode`] (for the precise error) when it is not. Both give the same
    /// message for the same input.
    pub fn from_json(text: &str) -> Result<Self, DecodeError> {
        if let Some(message) = super::fast::service_message(text) {
            return Ok(message);
        }
        Self::decode(&parse(text)?)
    }

    /// Encodes the message as JSON text (the same text as `serde_json::to_string`).
    pub fn to_json(&self) -> String {
        to_json_text(|out| self.write_json(out))
    }

    /// Appends the message as JSON text to `out` (a buffer reused across messages saves an
    /// allocation per message); the same bytes as [`ServiceMessage::to_json`].
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut w = ObjectWriter::new(out);
        match self {
            Self::Success(m) => {
                m.envelope
                    .write_into(&mut w, &["referenceId", "data", "subscriptionId"])?;
                w.entry("referenceId", &m.reference_id)?;
                if let Some(data) = &m.data {
                    w.entry("data", data)?;
                }
                if let Some(id) = &m.subscription_id {
                    w.entry("subscriptionId", id)?;
                }
            }
            Self::Failure(m) => {
                m.envelope
                    .write_into(&mut w, &["referenceId", "errorMessage", "request"])?;
                w.entry("referenceId", &m.reference_id)?;
                w.entry("errorMessage", &m.error_message)?;
                if let Some(request) = &m.request {
                    w.entry("request", request)?;
                }
            }
            Self::Event(m) => {
                m.envelope.write_into(&mut w, &["event", "data"])?;
                w.entry("event", &*m.event.event_key())?;
                w.entry("data", &EventData(&m.event))?;
            }
            Self::FrameId(m) => {
                m.envelope.write_into(&mut w, &["frameId"])?;
                w.entry("frameId", &m.frame_id)?;
            }
        }
        w.end();
        Ok(())
    }

    /// Encodes the message.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

impl Serialize for RequestMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.envelope.serialize_into(
            &mut map,
            &["request", "parameters", "referenceId", "frameId"],
        )?;
        map.serialize_entry("request", self.request.name())?;
        if self.writes_parameters() {
            map.serialize_entry("parameters", &Slots(self))?;
        }
        map.serialize_entry("referenceId", &self.reference_id)?;
        if let Some(frame_id) = &self.frame_id {
            map.serialize_entry("frameId", frame_id)?;
        }
        map.end()
    }
}

/// The `parameters` array of a request, written from the typed arguments.
struct Slots<'a>(&'a RequestMessage);

impl Serialize for Slots<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let message = self.0;
        let mut seq = s.serialize_seq(None)?;
        message
            .request
            .serialize_slots(&mut seq, message.encoded_slots())?;
        for surplus in &message.surplus_parameters {
            seq.serialize_element(surplus)?;
        }
        seq.end()
    }
}

impl Serialize for SubscribeMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.envelope
            .serialize_into(&mut map, &["event", "data", "referenceId", "frameId"])?;
        map.serialize_entry("event", SUBSCRIBE)?;
        match &self.names {
            SubscriptionNames::One(one) => map.serialize_entry("data", one)?,
            SubscriptionNames::Many(many) => map.serialize_entry("data", many)?,
        }
        map.serialize_entry("referenceId", &self.reference_id)?;
        if let Some(frame_id) = &self.frame_id {
            map.serialize_entry("frameId", frame_id)?;
        }
        map.end()
    }
}

impl Serialize for UnsubscribeMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        self.envelope
            .serialize_into(&mut map, &["event", "data", "referenceId", "frameId"])?;
        map.serialize_entry("event", UNSUBSCRIBE)?;
        map.serialize_entry("data", &self.subscription_id)?;
        if let Some(reference_id) = &self.reference_id {
            map.serialize_entry("referenceId", reference_id)?;
        }
        if let Some(frame_id) = &self.frame_id {
            map.serialize_entry("frameId", frame_id)?;
        }
        map.end()
    }
}

impl Serialize for ClientMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Request(m) => m.serialize(s),
            Self::Subscribe(m) => m.serialize(s),
            Self::Unsubscribe(m) => m.serialize(s),
        }
    }
}

impl Serialize for ServiceMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self {
            Self::Success(m) => {
                m.envelope
                    .serialize_into(&mut map, &["referenceId", "data", "subscriptionId"])?;
                map.serialize_entry("referenceId", &m.reference_id)?;
                if let Some(data) = &m.data {
                    map.serialize_entry("data", data)?;
                }
                if let Some(id) = &m.subscription_id {
                    map.serialize_entry("subscriptionId", id)?;
                }
            }
            Self::Failure(m) => {
                m.envelope
                    .serialize_into(&mut map, &["referenceId", "errorMessage", "request"])?;
                map.serialize_entry("referenceId", &m.reference_id)?;
                map.serialize_entry("errorMessage", &m.error_message)?;
                if let Some(request) = &m.request {
                    map.serialize_entry("request", request)?;
                }
            }
            Self::Event(m) => {
                m.envelope.serialize_into(&mut map, &["event", "data"])?;
                map.serialize_entry("event", &m.event.event_key())?;
                map.serialize_entry("data", &EventData(&m.event))?;
            }
            Self::FrameId(m) => {
                m.envelope.serialize_into(&mut map, &["frameId"])?;
                map.serialize_entry("frameId", &m.frame_id)?;
            }
        }
        map.end()
    }
}

macro_rules! deserialize_via_decode {
    ($($ty:ident),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(d)?;
                Self::decode(&value).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

deserialize_via_decode!(ClientMessage, ServiceMessage);

fn parse(text: &str) -> Result<Value, DecodeError> {
    serde_json::from_str(text).map_err(|err| DecodeError::new("$", format!("not JSON: {err}")))
}

fn to_json_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn salvage_reads_the_reference_and_request_of_any_object() {
        let salvaged =
            Salvaged::from_json(r#"{"request":"voice.dial","parameters":7,"referenceId":"4"}"#);
        assert_eq!(salvaged.reference_id.as_deref(), Some("4"));
        assert_eq!(salvaged.request.as_deref(), Some("voice.dial"));
        for nothing in [r#"{"referenceId":""}"#, r#"{"referenceId":4}"#, "[1]", "{"] {
            assert_eq!(
                Salvaged::from_json(nothing),
                Salvaged::default(),
                "{nothing}"
            );
        }
    }

    /// Every fixture plus messages with unknown keys (one needing escapes), frame ids and
    /// odd parameter layouts.
    fn texts(dir: &str) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scapi");
        let mut texts: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|entry| std::fs::read_to_string(entry.path()).unwrap())
            .collect();
        let extra = if dir == "client" {
            vec![
                json!({"request": "voice.dial", "parameters": ["1", null, 7], "referenceId": "1",
                       "frameId": {"f": 1}, "a\"b\u{1}": [1, "é"], "userAgent": "custom", "zz": null}),
                json!({"request": "x.unknown", "parameters": [1, {"k": "v"}], "referenceId": "2"}),
                json!({"event": "subscribe", "data": "agent", "referenceId": "3", "frameId": "f"}),
                json!({"event": "unsubscribe", "data": "s", "extra": true}),
            ]
        } else {
            vec![
                json!({"referenceId": "1", "data": {"x": [1.5, "\n"]}, "subscriptionId": "s",
                       "event": "", "protocolVersion": 3, "\u{7f}k": "v"}),
                json!({"referenceId": "1", "errorMessage": "e", "request": "r", "data": 1}),
                json!({"frameId": 5, "userAgent": "WWE Server"}),
                json!({"event": "messenger:c", "data": [1, 2]}),
            ]
        };
        texts.extend(extra.iter().map(Value::to_string));
        texts
    }

    #[test]
    fn the_hand_written_encoder_writes_what_serde_json_writes() {
        for text in texts("client") {
            let message = ClientMessage::from_json(&text).unwrap();
            assert_eq!(
                message.to_json(),
                serde_json::to_string(&message).unwrap(),
                "{text}"
            );
        }
        for text in texts("service") {
            let message = ServiceMessage::from_json(&text).unwrap();
            assert_eq!(
                message.to_json(),
                serde_json::to_string(&message).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn write_json_appends_to_a_reused_buffer() {
        let mut out = b"[".to_vec();
        let message = ServiceMessage::FrameId(FrameIdMessage::new("f"));
        message.write_json(&mut out).unwrap();
        assert_eq!(out, format!("[{}", message.to_json()).into_bytes());
    }
}
