//! Events the service pushes to subscribed clients (spec sections 4 and 7.1).
//!
//! Each family's `data` is decoded tag-first on `eventType`: a known tag selects its typed
//! variant (missing or mistyped fields are errors that name the field), an unknown tag or
//! an absent one lands in `Other`, which keeps the whole `data` object verbatim. Every struct
//! keeps unknown fields in `extra`, so decode then encode is lossless.

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::DecodeError;
use super::types::{Extra, Interaction, deserialize_with_extra, present};
use crate::open_enum::{UnknownValue, open_enum};

/// The key that carries the event type inside `data`.
pub const EVENT_TYPE: &str = "eventType";

/// Prefix of messenger subscription and event names: `messenger:<channel>`.
pub const MESSENGER_PREFIX: &str = "messenger:";

/// `data` of an event this version does not model, kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct RawEventData(pub BTreeMap<String, Value>);

impl RawEventData {
    /// The `eventType`, when present and a string.
    pub fn event_type(&self) -> Option<&str> {
        self.0.get(EVENT_TYPE).and_then(Value::as_str)
    }
}

fn data_object<'a>(data: &'a Value, path: &str) -> Result<&'a Map<String, Value>, DecodeError> {
    data.as_object()
        .ok_or_else(|| DecodeError::wrong_type(path, "an object", data))
}

fn event_type_of<'a>(
    data: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a str>, DecodeError> {
    match data.get(EVENT_TYPE) {
        None => Ok(None),
        Some(Value::String(tag)) => Ok(Some(tag)),
        Some(other) => Err(DecodeError::wrong_type(
            format!("{path}.{EVENT_TYPE}"),
            "a string",
            other,
        )),
    }
}

/// Decodes a variant body from `data` without its tag.
fn body<T: DeserializeOwned>(data: &Map<String, Value>, path: &str) -> Result<T, DecodeError> {
    let mut untagged = data.clone();
    untagged.remove(EVENT_TYPE);
    T::deserialize(Value::Object(untagged)).map_err(|err| DecodeError::from_serde(path, &err))
}

/// Decodes a body whose struct carries the tag itself.
fn whole<T: DeserializeOwned>(data: &Map<String, Value>, path: &str) -> Result<T, DecodeError> {
    T::deserialize(Value::Object(data.clone())).map_err(|err| DecodeError::from_serde(path, &err))
}

fn raw(data: &Map<String, Value>) -> RawEventData {
    RawEventData(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// A body serialised with its `eventType` in front of its own fields.
#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "eventType")]
    event_type: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

fn tagged<'a, T: Serialize>(event_type: &'a str, body: &'a T) -> Tagged<'a, T> {
    Tagged { event_type, body }
}

/// A variant body whose unknown fields live in `extra`; decoding it from text that still
/// holds the tag leaves `eventType` there, so the fast path removes it.
trait Body: DeserializeOwned {
    fn extra_mut(&mut self) -> &mut Extra;
}

macro_rules! body {
    ($($ty:ty),*) => {$(
        impl Body for $ty {
            fn extra_mut(&mut self) -> &mut Extra {
                &mut self.extra
            }
        }
    )*};
}

/// Decodes a tagged body straight from text; `None` sends the caller to the precise path.
fn fast_body<T: Body>(raw: &RawValue) -> Option<T> {
    let mut body: T = serde_json::from_str(raw.get()).ok()?;
    body.extra_mut().remove(EVENT_TYPE);
    Some(body)
}

fn fast<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// The keys the fast path needs to choose a variant; present-but-null counts as present.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "eventType", borrow, default, deserialize_with = "present")]
    event_type: Option<&'a RawValue>,
    #[serde(rename = "frameState", default, deserialize_with = "present")]
    frame_state: Option<serde::de::IgnoredAny>,
}

/// Peeks at `data`: `None` when it is not an object or `eventType` is not a string.
fn peek(raw: &RawValue) -> Option<(Option<String>, bool)> {
    let peek: Peek<'_> = serde_json::from_str(raw.get()).ok()?;
    let tag = match peek.event_type {
        None => None,
        Some(raw) => Some(serde_json::from_str::<String>(raw.get()).ok()?),
    };
    Some((tag, peek.frame_state.is_some()))
}

fn to_json_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

body!(
    StateChanged,
    CaseSelected,
    CaseIdChanged,
    ToastButtonClick,
    RealtimeConnection,
    Campaign,
    CampaignStarted
);

/// Schema of a variant whose `eventType` is one of `tags` and whose body is `T`.
fn variant_schema<T: JsonSchema>(generator: &mut SchemaGenerator, tags: &[&str]) -> Value {
    let body = generator.subschema_for::<T>().to_value();
    let tag = if let [one] = tags {
        serde_json::json!({ "const": one })
    } else {
        serde_json::json!({ "enum": tags })
    };
    serde_json::json!({
        "allOf": [body, { "type": "object", "properties": { EVENT_TYPE: tag }, "required": [EVENT_TYPE] }]
    })
}

/// Schema of the catch-all: an object whose `eventType` is absent or none of `known`.
fn other_schema(known: &[&str]) -> Value {
    serde_json::json!({
        "type": "object",
        "properties": { EVENT_TYPE: { "type": "string", "not": { "enum": known } } }
    })
}

fn one_of(variants: Vec<Value>) -> Schema {
    json_schema!({ "oneOf": variants })
}

/// Deserializes a family enum through its precise `decode`.
macro_rules! deserialize_via_decode {
    ($ty:ident) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(d)?;
                Self::decode(&value, "$").map_err(serde::de::Error::custom)
            }
        }
    };
}

open_enum! {
    /// Agent or media state carried by `STATE_CHANGED` (`mediaState`).
    pub enum MediaStateName {
        /// Ready.
        Ready => "READY",
        /// Not ready.
        NotReady => "NOT_READY",
        /// Not ready with a reason (action code).
        NotReadyActionCode => "NOT_READY_ACTION_CODE",
        /// Not ready, after-call work.
        NotReadyAfterCallwork => "NOT_READY_AFTER_CALLWORK",
        /// Logged out.
        LoggedOut => "LOGGED_OUT",
        /// Dialing.
        Dialing => "DIALING",
        /// Talking.
        Talking => "TALKING",
        /// Out of service.
        OutOfService => "OUT_OF_SERVICE",
    }
}

/// `STATE_CHANGED` of the `agent` and `media` families.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StateChanged {
    /// The new state.
    pub media_state: MediaStateName,
    /// Not-ready reason, e.g. `Break`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Not-ready reason code, e.g. `"1511"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// Fields not modelled here (media events carry the media name, for instance).
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(StateChanged {
    media_state: "mediaState" open,
    reason: "reason" optional,
    reason_code: "reasonCode" optional,
});

impl StateChanged {
    /// A state change with no reason.
    pub fn new(media_state: MediaStateName) -> Self {
        Self {
            media_state,
            reason: None,
            reason_code: None,
            extra: Extra::new(),
        }
    }
}

/// `data` of an `agent` or `media` event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StateEvent {
    /// `STATE_CHANGED`.
    StateChanged(StateChanged),
    /// Any other `data`, verbatim.
    Other(RawEventData),
}

impl StateEvent {
    const KNOWN: &'static [&'static str] = &["STATE_CHANGED"];

    /// Decodes `data` found at `path`.
    pub fn decode(data: &Value, path: &str) -> Result<Self, DecodeError> {
        let map = data_object(data, path)?;
        Ok(match event_type_of(map, path)? {
            Some("STATE_CHANGED") => Self::StateChanged(body(map, path)?),
            _ => Self::Other(raw(map)),
        })
    }

    pub(crate) fn decode_raw(raw: &RawValue) -> Option<Self> {
        // The typed variant in one pass when the tag (read into `extra`, the last one winning
        // as in a parsed object) says so; anything else takes the peek below.
        let speculate = raw.get().contains("\"mediaState\"");
        if let Some(event) = speculate
            .then(|| fast::<StateChanged>(raw).and_then(Self::from_speculated))
            .flatten()
        {
            return Some(event);
        }
        Some(match peek(raw)?.0.as_deref() {
            Some("STATE_CHANGED") => Self::StateChanged(fast_body(raw)?),
            _ => Self::Other(fast(raw)?),
        })
    }

    /// A `STATE_CHANGED` body decoded with its tag (in `extra`), when the tag is that.
    pub(crate) fn from_speculated(mut body: StateChanged) -> Option<Self> {
        if body.extra.get(EVENT_TYPE).and_then(Value::as_str) != Some("STATE_CHANGED") {
            return None;
        }
        body.extra.remove(EVENT_TYPE);
        Some(Self::StateChanged(body))
    }

    /// Encodes the `data` object.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

impl Serialize for StateEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::StateChanged(b) => tagged("STATE_CHANGED", b).serialize(s),
            Self::Other(raw) => raw.serialize(s),
        }
    }
}

deserialize_via_decode!(StateEvent);

impl JsonSchema for StateEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StateEvent".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        one_of(vec![
            variant_schema::<StateChanged>(generator, &["STATE_CHANGED"]),
            other_schema(Self::KNOWN),
        ])
    }
}

open_enum! {
    /// `eventType` of `interaction` events that carry a whole interaction (spec 7.1).
    pub enum InteractionEventType {
        /// An unknown event occurred.
        Unknown => "UNKNOWN",
        /// Added to the interaction list.
        Added => "ADDED",
        /// Removed from the interaction list.
        Removed => "REMOVED",
        /// Attached data changed.
        AttachedDataChanged => "ATTACHED_DATA_CHANGED",
        /// Case or bundle id changed.
        CaseOrBundleIdChanged => "CASE_OR_BUNDLE_ID_CHANGED",
        /// New message.
        NewMessage => "NEW_MESSAGE",
        /// Error.
        Error => "ERROR",
        /// Contact changed.
        ContactChanged => "CONTACT_CHANGED",
        /// Voice: recording state changed.
        CallRecordingStateChanged => "CALL_RECORDING_STATE_CHANGED",
        /// Voice: outbound call ringing.
        Dialing => "DIALING",
        /// Voice: established.
        Established => "ESTABLISHED",
        /// Voice: held.
        Held => "HELD",
        /// Voice: parties changed.
        PartyChanged => "PARTY_CHANGED",
        /// Voice: released.
        Released => "RELEASED",
        /// Voice: inbound call ringing.
        Ringing => "RINGING",
        /// Open media: accepted.
        Accepted => "ACCEPTED",
        /// Open media: completed (marked done).
        Completed => "COMPLETED",
        /// Open media: composing.
        Composing => "COMPOSING",
        /// Open media: created.
        Created => "CREATED",
        /// Open media: standard response inserted.
        InsertStandardResponse => "INSERT_STANDARD_RESPONSE",
        /// Open media: invitation.
        Invited => "INVITED",
        /// Open media: conference invitation.
        InvitedConference => "INVITED_CONFERENCE",
        /// Open media: queueing failed.
        InQueueFailed => "IN_QUEUE_FAILED",
        /// Open media: placed in a workbin.
        InWorkbin => "IN_WORKBIN",
        /// Open media: workbin placement failed.
        InWorkbinFailed => "IN_WORKBIN_FAILED",
        /// Open media: left the conference.
        LeftConference => "LEFT_CONFERENCE",
        /// Open media: pulled from a workbin.
        Pulled => "PULLED",
        /// Open media: pull from the queue failed.
        PullFailed => "PULL_FAILED",
        /// Open media: pull from the workbin failed.
        PullWorkbinFailed => "PULL_WORKBIN_FAILED",
        /// Open media: revoked.
        Revoked => "REVOKED",
        /// Open media: transfer completed.
        TransferCompleted => "TRANSFER_COMPLETED",
        /// Chat: accepted in another session (one L).
        Canceled => "CANCELED",
        /// Chat: ended.
        Ended => "ENDED",
        /// Chat: joining failed.
        JoinFailed => "JOIN_FAILED",
        /// Chat: joining.
        JoinPending => "JOIN_PENDING",
        /// Outbound email: cancelled (two Ls).
        Cancelled => "CANCELLED",
        /// Outbound email: sent.
        Sent => "SENT",
        /// Outbound preview: previewing.
        Previewing => "PREVIEWING",
        /// Outbound preview: state change (not `STATE_CHANGED`).
        StateChange => "STATE_CHANGE",
        /// Outbound: mark done applied.
        MarkdoneApply => "MARKDONE_APPLY",
        /// Outbound: every record of the chain retrieved.
        RecordsRetrieved => "RECORDS_RETRIEVED",
    }
}

/// An `interaction` event that carries the interaction (`media` + `interaction`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InteractionChange {
    /// What happened.
    pub event_type: InteractionEventType,
    /// Media name of the interaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// The interaction after the change.
    pub interaction: Interaction,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(InteractionChange {
    event_type: "eventType" open,
    media: "media" optional,
    interaction: "interaction" required,
});

impl InteractionChange {
    /// A change event for `interaction`, with `media` copied from it.
    pub fn new(event_type: InteractionEventType, interaction: Interaction) -> Self {
        Self {
            event_type,
            media: interaction.media.clone(),
            interaction,
            extra: Extra::new(),
        }
    }
}

/// Which case-selection change happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseSelection {
    /// `CASE_SELECTED`
    Selected,
    /// `CASE_EXPANDED`
    Expanded,
    /// `CASE_COLLAPSED`
    Collapsed,
}

impl CaseSelection {
    /// The wire `eventType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selected => "CASE_SELECTED",
            Self::Expanded => "CASE_EXPANDED",
            Self::Collapsed => "CASE_COLLAPSED",
        }
    }
}

/// Body of the case-selection events.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaseSelected {
    /// The selected case.
    pub selected_case_id: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CaseSelected {
    selected_case_id: "selectedCaseId" required,
});

impl CaseSelected {
    /// A case-selection body naming `selected_case_id`.
    pub fn new(selected_case_id: impl Into<String>) -> Self {
        Self {
            selected_case_id: selected_case_id.into(),
            extra: Extra::new(),
        }
    }
}

/// Body of `CASE_ID_CHANGED` (no `interaction`, ids at the top of `data`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaseIdChanged {
    /// The new case id.
    pub case_id: String,
    /// The case id before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_case_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CaseIdChanged {
    case_id: "caseId" required,
    previous_case_id: "previousCaseId" optional,
});

impl CaseIdChanged {
    /// A case id change from `previous_case_id` (when known) to `case_id`.
    pub fn new(case_id: impl Into<String>, previous_case_id: Option<String>) -> Self {
        Self {
            case_id: case_id.into(),
            previous_case_id,
            extra: Extra::new(),
        }
    }
}

/// `data` of an `interaction` event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Messages are decoded, handled once and dropped: boxing the large variant would add an
// allocation to every message for no saving.
#[allow(clippy::large_enum_variant)]
pub enum InteractionEvent {
    /// A lifecycle or update event carrying the interaction.
    Change(InteractionChange),
    /// `CASE_SELECTED`, `CASE_EXPANDED` or `CASE_COLLAPSED`.
    Case(CaseSelection, CaseSelected),
    /// `CASE_ID_CHANGED`.
    CaseIdChanged(CaseIdChanged),
    /// Any other `data`, verbatim.
    Other(RawEventData),
}

impl InteractionEvent {
    const CASE_TAGS: [&'static str; 3] = ["CASE_SELECTED", "CASE_EXPANDED", "CASE_COLLAPSED"];

    /// Decodes `data` found at `path`.
    pub fn decode(data: &Value, path: &str) -> Result<Self, DecodeError> {
        let map = data_object(data, path)?;
        let Some(tag) = event_type_of(map, path)? else {
            return Ok(Self::Other(raw(map)));
        };
        Ok(match tag {
            "CASE_SELECTED" => Self::Case(CaseSelection::Selected, body(map, path)?),
            "CASE_EXPANDED" => Self::Case(CaseSelection::Expanded, body(map, path)?),
            "CASE_COLLAPSED" => Self::Case(CaseSelection::Collapsed, body(map, path)?),
            "CASE_ID_CHANGED" => Self::CaseIdChanged(body(map, path)?),
            tag if InteractionEventType::from(tag).is_known() => Self::Change(whole(map, path)?),
            _ => Self::Other(raw(map)),
        })
    }

    pub(crate) fn decode_raw(raw: &RawValue) -> Option<Self> {
        // Change events, by far the most frequent and the largest, in one pass; the others
        // (no `interaction`, or a tag that is not a change) take the peek below.
        let speculate = raw.get().contains("\"interaction\"");
        if let Some(change) = speculate
            .then(|| fast::<InteractionChange>(raw))
            .flatten()
            .filter(|change| change.event_type.is_known())
        {
            return Some(Self::Change(change));
        }
        let Some(tag) = peek(raw)?.0 else {
            return fast(raw).map(Self::Other);
        };
        Some(match tag.as_str() {
            "CASE_SELECTED" => Self::Case(CaseSelection::Selected, fast_body(raw)?),
            "CASE_EXPANDED" => Self::Case(CaseSelection::Expanded, fast_body(raw)?),
            "CASE_COLLAPSED" => Self::Case(CaseSelection::Collapsed, fast_body(raw)?),
            "CASE_ID_CHANGED" => Self::CaseIdChanged(fast_body(raw)?),
            tag if InteractionEventType::from(tag).is_known() => Self::Change(fast(raw)?),
            _ => Self::Other(fast(raw)?),
        })
    }

    /// Encodes the `data` object.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }

    /// The interaction carried by a change event.
    pub fn interaction(&self) -> Option<&Interaction> {
        match self {
            Self::Change(change) => Some(&change.interaction),
            _ => None,
        }
    }

    /// Mutable access to the interaction carried by a change event (for user-data filtering).
    pub fn interaction_mut(&mut self) -> Option<&mut Interaction> {
        match self {
            Self::Change(change) => Some(&mut change.interaction),
            _ => None,
        }
    }
}

impl Serialize for InteractionEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Change(change) => change.serialize(s),
            Self::Case(kind, b) => tagged(kind.as_str(), b).serialize(s),
            Self::CaseIdChanged(b) => tagged("CASE_ID_CHANGED", b).serialize(s),
            Self::Other(raw) => raw.serialize(s),
        }
    }
}

deserialize_via_decode!(InteractionEvent);

impl JsonSchema for InteractionEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InteractionEvent".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut known: Vec<&str> = InteractionEventType::KNOWN.to_vec();
        known.extend(Self::CASE_TAGS);
        known.push("CASE_ID_CHANGED");
        one_of(vec![
            variant_schema::<InteractionChange>(generator, InteractionEventType::KNOWN),
            variant_schema::<CaseSelected>(generator, &Self::CASE_TAGS),
            variant_schema::<CaseIdChanged>(generator, &["CASE_ID_CHANGED"]),
            other_schema(&known),
        ])
    }
}

open_enum! {
    /// Multi-tab election state of a Workspace tab (`frameState`).
    pub enum FrameState {
        /// Elected leader.
        Leading => "LEADING",
        /// Follower.
        Following => "FOLLOWING",
        /// Election in progress.
        Negotiating => "NEGOTIATING",
    }
}

open_enum! {
    /// State of Workspace's real-time connection (`REALTIME_CONNECTION`).
    pub enum ConnectionState {
        /// Disconnected from Genesys Web Services.
        Disconnected => "DISCONNECTED",
        /// Connected again after a disconnection.
        Reconnected => "RECONNECTED",
        /// No server activity for over a minute: the session is down.
        Down => "DOWN",
    }
}

/// Body of `CUSTOM_TOAST_BUTTON_CLICK`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToastButtonClick {
    /// Id returned by `system.popupToast`.
    pub custom_toast_id: String,
    /// Index of the clicked button, from 0.
    pub button_index: u32,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(ToastButtonClick {
    custom_toast_id: "customToastId" required,
    button_index: "buttonIndex" required,
});

impl ToastButtonClick {
    /// A click on button `button_index` (from 0) of toast `custom_toast_id`.
    pub fn new(custom_toast_id: impl Into<String>, button_index: u32) -> Self {
        Self {
            custom_toast_id: custom_toast_id.into(),
            button_index,
            extra: Extra::new(),
        }
    }
}

/// Body of `REALTIME_CONNECTION`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct RealtimeConnection {
    /// The connection state.
    pub state: ConnectionState,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(RealtimeConnection {
    state: "state" open,
});

impl RealtimeConnection {
    /// A connection-state body.
    pub fn new(state: ConnectionState) -> Self {
        Self {
            state,
            extra: Extra::new(),
        }
    }
}

/// Body of a frame-state event (no `eventType`, only `frameState`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FrameStateChanged {
    /// The tab's election state.
    pub frame_state: FrameState,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(FrameStateChanged {
    frame_state: "frameState" open,
});

impl FrameStateChanged {
    /// A frame-state body.
    pub fn new(frame_state: FrameState) -> Self {
        Self {
            frame_state,
            extra: Extra::new(),
        }
    }
}

/// `data` of a `system` event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SystemEvent {
    /// `CUSTOM_TOAST_BUTTON_CLICK`.
    ToastButtonClick(ToastButtonClick),
    /// `REALTIME_CONNECTION`.
    RealtimeConnection(RealtimeConnection),
    /// A frame-state change: `data` has `frameState` and no `eventType`.
    FrameState(FrameStateChanged),
    /// Any other `data`, verbatim.
    Other(RawEventData),
}

impl SystemEvent {
    const KNOWN: &'static [&'static str] = &["CUSTOM_TOAST_BUTTON_CLICK", "REALTIME_CONNECTION"];

    /// Decodes `data` found at `path`.
    pub fn decode(data: &Value, path: &str) -> Result<Self, DecodeError> {
        let map = data_object(data, path)?;
        Ok(match event_type_of(map, path)? {
            Some("CUSTOM_TOAST_BUTTON_CLICK") => Self::ToastButtonClick(body(map, path)?),
            Some("REALTIME_CONNECTION") => Self::RealtimeConnection(body(map, path)?),
            None if map.contains_key("frameState") => Self::FrameState(whole(map, path)?),
            _ => Self::Other(raw(map)),
        })
    }

    pub(crate) fn decode_raw(raw: &RawValue) -> Option<Self> {
        let (tag, has_frame_state) = peek(raw)?;
        Some(match tag.as_deref() {
            Some("CUSTOM_TOAST_BUTTON_CLICK") => Self::ToastButtonClick(fast_body(raw)?),
            Some("REALTIME_CONNECTION") => Self::RealtimeConnection(fast_body(raw)?),
            None if has_frame_state => Self::FrameState(fast(raw)?),
            _ => Self::Other(fast(raw)?),
        })
    }

    /// Encodes the `data` object.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

impl Serialize for SystemEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ToastButtonClick(b) => tagged("CUSTOM_TOAST_BUTTON_CLICK", b).serialize(s),
            Self::RealtimeConnection(b) => tagged("REALTIME_CONNECTION", b).serialize(s),
            Self::FrameState(b) => b.serialize(s),
            Self::Other(raw) => raw.serialize(s),
        }
    }
}

deserialize_via_decode!(SystemEvent);

impl JsonSchema for SystemEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SystemEvent".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let frame = generator.subschema_for::<FrameStateChanged>().to_value();
        one_of(vec![
            variant_schema::<ToastButtonClick>(generator, &["CUSTOM_TOAST_BUTTON_CLICK"]),
            variant_schema::<RealtimeConnection>(generator, &["REALTIME_CONNECTION"]),
            serde_json::json!({ "allOf": [frame, { "not": { "required": [EVENT_TYPE] } }] }),
            serde_json::json!({
                "type": "object",
                "properties": { EVENT_TYPE: { "type": "string", "not": { "enum": Self::KNOWN } } },
                "anyOf": [{ "required": [EVENT_TYPE] }, { "not": { "required": ["frameState"] } }]
            }),
        ])
    }
}

/// Body of `CampaignLoaded`, `CampaignUnloaded` and `CampaignStopped`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Campaign {
    /// Campaign name.
    pub campaign: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(Campaign {
    campaign: "campaign" required,
});

impl Campaign {
    /// A campaign body.
    pub fn new(campaign: impl Into<String>) -> Self {
        Self {
            campaign: campaign.into(),
            extra: Extra::new(),
        }
    }
}

/// Body of `CampaignStarted`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct CampaignStarted {
    /// Campaign name.
    pub campaign: String,
    /// Dialing mode, e.g. `Predictive GVP`, `Preview`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CampaignStarted {
    campaign: "campaign" required,
    mode: "mode" optional,
});

impl CampaignStarted {
    /// A campaign start in dialing `mode` (when known).
    pub fn new(campaign: impl Into<String>, mode: Option<String>) -> Self {
        Self {
            campaign: campaign.into(),
            mode,
            extra: Extra::new(),
        }
    }
}

/// `data` of an `outbound` event (campaign lifecycle; mixed-case event types).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OutboundEvent {
    /// `CampaignLoaded`.
    CampaignLoaded(Campaign),
    /// `CampaignStarted`.
    CampaignStarted(CampaignStarted),
    /// `CampaignStopped`.
    CampaignStopped(Campaign),
    /// `CampaignUnloaded`.
    CampaignUnloaded(Campaign),
    /// Any other `data`, verbatim.
    Other(RawEventData),
}

impl OutboundEvent {
    const KNOWN: &'static [&'static str] = &[
        "CampaignLoaded",
        "CampaignStarted",
        "CampaignStopped",
        "CampaignUnloaded",
    ];

    /// Decodes `data` found at `path`.
    pub fn decode(data: &Value, path: &str) -> Result<Self, DecodeError> {
        let map = data_object(data, path)?;
        Ok(match event_type_of(map, path)? {
            Some("CampaignLoaded") => Self::CampaignLoaded(body(map, path)?),
            Some("CampaignStarted") => Self::CampaignStarted(body(map, path)?),
            Some("CampaignStopped") => Self::CampaignStopped(body(map, path)?),
            Some("CampaignUnloaded") => Self::CampaignUnloaded(body(map, path)?),
            _ => Self::Other(raw(map)),
        })
    }

    pub(crate) fn decode_raw(raw: &RawValue) -> Option<Self> {
        Some(match peek(raw)?.0.as_deref() {
            Some("CampaignLoaded") => Self::CampaignLoaded(fast_body(raw)?),
            Some("CampaignStarted") => Self::CampaignStarted(fast_body(raw)?),
            Some("CampaignStopped") => Self::CampaignStopped(fast_body(raw)?),
            Some("CampaignUnloaded") => Self::CampaignUnloaded(fast_body(raw)?),
            _ => Self::Other(fast(raw)?),
        })
    }

    /// Encodes the `data` object.
    pub fn to_value(&self) -> Value {
        to_json_value(self)
    }
}

impl Serialize for OutboundEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::CampaignLoaded(b) => tagged("CampaignLoaded", b).serialize(s),
            Self::CampaignStarted(b) => tagged("CampaignStarted", b).serialize(s),
            Self::CampaignStopped(b) => tagged("CampaignStopped", b).serialize(s),
            Self::CampaignUnloaded(b) => tagged("CampaignUnloaded", b).serialize(s),
            Self::Other(raw) => raw.serialize(s),
        }
    }
}

deserialize_via_decode!(OutboundEvent);

impl JsonSchema for OutboundEvent {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OutboundEvent".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        one_of(vec![
            variant_schema::<Campaign>(
                generator,
                &["CampaignLoaded", "CampaignStopped", "CampaignUnloaded"],
            ),
            variant_schema::<CampaignStarted>(generator, &["CampaignStarted"]),
            other_schema(Self::KNOWN),
        ])
    }
}

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
