//! The customer's side of the emulator's chats: the HTTP bodies of `/chat/sessions/...` and
//! the frames of a chat's stream.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /chat/sessions` | [`StartChat`] | `201` [`ChatStarted`] |
//! | `POST /chat/sessions/{id}/messages` | [`SendText`] | [`TextSent`] |
//! | `POST /chat/sessions/{id}/typing` | [`SetTyping`] | [`Done`] |
//! | `POST /chat/sessions/{id}/end` | `{}` | [`ChatClosed`] |
//! | `GET /chat/sessions/{id}` | | [`ChatTranscript`] |
//! | `GET /chat/sessions/{id}/stream?after=N` | | WebSocket of [`StreamFrame`]s |
//!
//! Refusals are a [`ErrorBody`](super::control::ErrorBody). The stream sends each transcript
//! entry after `N` as it happens, then, once the chat is over, `{"type":"ChatEnded"}`.

use std::collections::BTreeMap;

#[cfg(feature = "schema")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::decode::DecodeError;

/// Body of `POST /chat/sessions`: the customer's registration form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct StartChat {
    /// The customer's nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// First name (`FirstName` in the interaction's user data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (`LastName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email address (`EmailAddress`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Subject (`Subject`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A first message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Further attached data.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub user_data: BTreeMap<String, Value>,
}

impl StartChat {
    /// The customer's name: the nickname, else "first last", else either, else `Customer`.
    pub fn customer(&self) -> String {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        if let Some(nickname) = given(&self.nickname) {
            return nickname;
        }
        match (given(&self.first_name), given(&self.last_name)) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "Customer".to_owned(),
        }
    }
}

/// Answer of `POST /chat/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatStarted {
    /// The chat's id: a capability, the only way to reach the chat over this API.
    pub chat_id: String,
    /// The chat interaction of the simulated desktop.
    pub interaction_id: String,
    /// The customer's name as the desktop shows it.
    pub customer: String,
    /// The path of the chat's stream (a WebSocket); absent, it is
    /// `/chat/sessions/{chatId}/stream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_path: Option<String>,
}

impl ChatStarted {
    /// The answer for chat `chat_id` of interaction `interaction_id`.
    pub fn new(
        chat_id: String,
        interaction_id: String,
        customer: String,
        stream_path: Option<String>,
    ) -> Self {
        Self {
            chat_id,
            interaction_id,
            customer,
            stream_path,
        }
    }
}

/// Body of `POST /chat/sessions/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SendText {
    /// The customer's message.
    pub text: String,
}

impl SendText {
    /// A message saying `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into() }
    }
}

/// Answer of `POST /chat/sessions/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TextSent {
    /// Always `true`.
    pub ok: bool,
    /// The message's transcript index.
    pub index: Option<u64>,
}

impl TextSent {
    /// The message got transcript index `index`.
    pub fn new(index: Option<u64>) -> Self {
        Self { ok: true, index }
    }
}

/// Body of `POST /chat/sessions/{id}/typing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SetTyping {
    /// `true`: the customer started typing (default), `false`: stopped.
    #[serde(default = "default_true")]
    pub typing: bool,
}

impl SetTyping {
    /// The customer is typing (`true`) or stopped.
    pub fn new(typing: bool) -> Self {
        Self { typing }
    }
}

fn default_true() -> bool {
    true
}

/// Answer of a call with nothing more to say (`POST /chat/sessions/{id}/typing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Done {
    /// Always `true`.
    pub ok: bool,
}

impl Done {
    /// The answer.
    pub fn new() -> Self {
        Self { ok: true }
    }
}

impl Default for Done {
    fn default() -> Self {
        Self::new()
    }
}

/// Answer of `POST /chat/sessions/{id}/end` (also when the chat was already over).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ChatClosed {
    /// Always `true`.
    pub ok: bool,
    /// Always `true`: the chat is over.
    pub ended: bool,
}

impl ChatClosed {
    /// The answer.
    pub fn new() -> Self {
        Self {
            ok: true,
            ended: true,
        }
    }
}

impl Default for ChatClosed {
    fn default() -> Self {
        Self::new()
    }
}

/// Who wrote a transcript entry (named as WebChatService names parties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub enum ChatParty {
    /// The customer.
    Client,
    /// The simulated agent.
    Agent,
}

/// What a transcript entry records (named as WebChatService names message types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub enum EntryKind {
    /// The party joined (the customer when the chat starts, the agent on accept).
    ParticipantJoined,
    /// The party left (the customer ended the chat, the agent marked it done).
    ParticipantLeft,
    /// Chat text.
    Message,
    /// The party started typing.
    TypingStarted,
    /// The party stopped typing.
    TypingStopped,
}

impl EntryKind {
    /// The wire name, e.g. `TypingStarted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParticipantJoined => "ParticipantJoined",
            Self::ParticipantLeft => "ParticipantLeft",
            Self::Message => "Message",
            Self::TypingStarted => "TypingStarted",
            Self::TypingStopped => "TypingStopped",
        }
    }
}

impl ChatParty {
    /// The wire name: `Client` or `Agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "Client",
            Self::Agent => "Agent",
        }
    }
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TranscriptEntry {
    /// Position in the transcript, from 1.
    pub index: u64,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EntryKind,
    /// Who did it.
    pub party: ChatParty,
    /// The party's display name.
    pub from: String,
    /// The text of a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When, in milliseconds since the epoch.
    pub timestamp: i64,
}

impl TranscriptEntry {
    /// Entry `index`: `party` (named `from`) did `kind` at `timestamp`.
    pub fn new(
        index: u64,
        kind: EntryKind,
        party: ChatParty,
        from: String,
        text: Option<String>,
        timestamp: i64,
    ) -> Self {
        Self {
            index,
            kind,
            party,
            from,
            text,
            timestamp,
        }
    }
}

/// A chat's transcript (`GET /chat/sessions/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatTranscript {
    /// The chat interaction.
    pub interaction_id: String,
    /// The customer's nickname.
    pub customer: String,
    /// Everything that happened, oldest first.
    pub entries: Vec<TranscriptEntry>,
    /// Whether the chat is over (ended by either side, or its invitation rejected).
    pub ended: bool,
}

impl ChatTranscript {
    /// The transcript of chat interaction `interaction_id`.
    pub fn new(
        interaction_id: String,
        customer: String,
        entries: Vec<TranscriptEntry>,
        ended: bool,
    ) -> Self {
        Self {
            interaction_id,
            customer,
            entries,
            ended,
        }
    }
}

/// The `type` of the stream's last frame.
pub const CHAT_ENDED: &str = "ChatEnded";

/// A frame of a chat's stream: a transcript entry, or the end of the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamFrame {
    /// A transcript entry.
    Entry(TranscriptEntry),
    /// `{"type":"ChatEnded"}`: the chat is over; the server closes the socket.
    ChatEnded,
}

impl StreamFrame {
    /// Decodes a text frame, `type` first; the error names the field and the fix.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let value: Value = serde_json::from_str(text).map_err(|error| DecodeError {
            what: "chat stream frame".into(),
            problem: format!("not JSON: {error}"),
        })?;
        Self::from_value(value)
    }

    /// As [`StreamFrame::decode`], from a parsed value.
    pub fn from_value(value: Value) -> Result<Self, DecodeError> {
        if value.get("type").and_then(Value::as_str) == Some(CHAT_ENDED) {
            return Ok(Self::ChatEnded);
        }
        TranscriptEntry::deserialize(value)
            .map(Self::Entry)
            .map_err(|error| DecodeError {
                what: "chat stream frame".into(),
                problem: format!(
                    "{error}; a frame is a transcript entry \
                     ({{index, type, party, from, text?, timestamp}}) or {{\"type\":\"{CHAT_ENDED}\"}}"
                ),
            })
    }
}

impl Serialize for StreamFrame {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Entry(entry) => entry.serialize(serializer),
            Self::ChatEnded => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("type", CHAT_ENDED)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for StreamFrame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for StreamFrame {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StreamFrame".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let entry = generator.subschema_for::<TranscriptEntry>().to_value();
        json_schema!({
            "description": "A frame of a chat's stream: a transcript entry, or the end of the chat",
            "oneOf": [
                entry,
                {
                    "type": "object",
                    "properties": { "type": { "const": CHAT_ENDED } },
                    "required": ["type"]
                }
            ]
        })
    }
}
