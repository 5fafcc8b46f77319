//! Normalised transcript messages, as published in `messageReceived.messages[]`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{SessionData, open_enum};

open_enum! {
    /// Message `type`.
    pub enum MessageType {
        /// A participant joined (drives the `*Connected` events).
        ParticipantJoined => "ParticipantJoined",
        /// A participant left (drives the `*Disconnected` events).
        ParticipantLeft => "ParticipantLeft",
        /// Chat text.
        Message => "Message",
        /// Someone started typing.
        TypingStarted => "TypingStarted",
        /// Someone stopped typing.
        TypingStopped => "TypingStopped",
        /// System notice.
        Notice => "Notice",
        /// A pushed URL.
        PushUrl => "PushUrl",
        /// Rich content.
        Structured => "Structured",
        /// A file was uploaded.
        FileUploaded => "FileUploaded",
        /// A file was deleted.
        FileDeleted => "FileDeleted",
        /// A custom notice.
        CustomNotice => "CustomNotice",
        /// A nickname changed.
        NicknameUpdated => "NicknameUpdated",
        /// Idle warning.
        IdleAlert => "IdleAlert",
        /// Idle close.
        IdleClose => "IdleClose",
    }
}

open_enum! {
    /// `from.type`: who sent a message.
    pub enum PartyType {
        /// The visitor (GMS `Customer` is mapped here).
        Client => "Client",
        /// An agent.
        Agent => "Agent",
        /// A supervisor.
        Supervisor => "Supervisor",
        /// A bot.
        Bot => "Bot",
        /// A system or external party.
        External => "External",
    }
}

/// The sender of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    /// Participant id: a number for GMS, a string for Genesys Cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Kind of party.
    #[serde(rename = "type")]
    pub kind: PartyType,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other keys (`participantId`, `avatar`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Party {
    /// A party of `kind` with `id` and `name`.
    pub fn new(kind: PartyType, id: Option<Value>, name: Option<String>) -> Self {
        Self {
            id,
            kind,
            name,
            extra: BTreeMap::new(),
        }
    }

    /// The id as a map key: strings as they are, numbers in decimal, `""` when absent.
    pub fn key(&self) -> String {
        match &self.id {
            Some(Value::String(id)) => id.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
}

/// A normalised transcript message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Message {
    /// What kind of transcript item this is.
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// Text (for `PushUrl`, the URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Position in the transcript (GMS index; Genesys Cloud: timestamp in ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<i64>,
    /// Milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// Sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Party>,
    /// Other keys (`id`, `html`, `userData`, `fileDetails`, `restoring`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Message {
    /// A message of `kind` with `text` from `from`; the other fields empty.
    pub fn new(kind: MessageType, text: Option<String>, from: Option<Party>) -> Self {
        Self {
            kind,
            text,
            index: None,
            timestamp: None,
            from,
            extra: BTreeMap::new(),
        }
    }

    /// The sender's kind, if known.
    pub fn party_type(&self) -> Option<&PartyType> {
        self.from.as_ref().map(|from| &from.kind)
    }
}

/// Data of `messageReceived`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageReceived {
    /// Messages that passed the prefilters, after the pre-processor.
    pub messages: Vec<Message>,
    /// The raw back-end messages of this batch.
    pub original_messages: Vec<Value>,
    /// True while a restore replays history.
    pub restoring: bool,
    /// True for history fetched with `fetchHistory`.
    #[serde(default)]
    pub old_messages: bool,
    /// The session's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_data: Option<SessionData>,
}

/// One agent as listed by `getAgents` and in connect/disconnect events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    /// Display name.
    pub name: String,
    /// Whether the agent is still in the chat.
    pub connected: bool,
    /// Whether the agent joined as a supervisor.
    pub supervisor: bool,
    /// When the agent joined (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_time: Option<i64>,
    /// When the agent left (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_time: Option<i64>,
}

/// Data of `clientConnected`, `agentConnected`, ... and their `*Disconnected` pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ParticipantChange {
    /// The join/leave message that caused the event.
    pub message: Message,
    /// Every agent seen in this session, by id.
    pub agents: BTreeMap<String, AgentInfo>,
    /// Agents currently connected.
    pub num_agents_connected: u32,
}
