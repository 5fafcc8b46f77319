//! GMS Chat API version 2 (`<GMS>/genesys/2/chat/{serviceName}`).
//!
//! Requests are `POST`s with `application/x-www-form-urlencoded` bodies (nested data as
//! `userData[key]=value`); [`RequestChat::form`] and [`SessionKeys::form`] give the pairs.
//! Every reply is a JSON [`GmsResponse`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{GmsSessionData, Message, MessageType, Party, PartyType, WireId};

/// An operation below `{base}/{chatId}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `send`: a message.
    Send,
    /// `refresh`: poll the transcript.
    Refresh,
    /// `startTyping`.
    StartTyping,
    /// `stopTyping`.
    StopTyping,
    /// `disconnect`: leave the chat.
    Disconnect,
    /// `customNotice`.
    CustomNotice,
    /// `updateData`: attached data.
    UpdateData,
    /// `file/limits`: upload limits and usage (reply `messages[0].userData`).
    FileLimits,
    /// `file`: upload a file (`multipart/form-data` with a `file` part).
    FileUpload,
}

impl Operation {
    /// The path segment.
    pub fn path(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Refresh => "refresh",
            Self::StartTyping => "startTyping",
            Self::StopTyping => "stopTyping",
            Self::Disconnect => "disconnect",
            Self::CustomNotice => "customNotice",
            Self::UpdateData => "updateData",
            Self::FileLimits => "file/limits",
            Self::FileUpload => "file",
        }
    }
}

/// Path below `{base}/{chatId}/` that downloads file `file_id` (the id is not escaped).
pub fn download_path(file_id: &str) -> String {
    format!("file/{file_id}/download")
}

/// `eventAttributes` marking a message as the answer to `parent_message_id`.
pub fn related_event_attributes(parent_message_id: &str) -> Value {
    serde_json::json!({ "general-properties": { "related-event-id": parent_message_id } })
}

/// Form fields of request-chat (the base URL itself).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestChat {
    /// `nickname`.
    pub nickname: Option<String>,
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `subject`.
    pub subject: Option<String>,
    /// `emailAddress`.
    pub email_address: Option<String>,
    /// `endpoint`.
    pub endpoint: Option<String>,
    /// `text`: a first message from the visitor.
    pub text: Option<String>,
    /// `userData[<key>]`; non-string values are sent as their JSON text.
    pub user_data: BTreeMap<String, Value>,
}

impl RequestChat {
    /// The form pairs, in a stable order.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let named = [
            ("nickname", &self.nickname),
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("subject", &self.subject),
            ("emailAddress", &self.email_address),
            ("endpoint", &self.endpoint),
            ("text", &self.text),
        ];
        for (key, value) in named {
            if let Some(value) = value {
                pairs.push((key.to_owned(), value.clone()));
            }
        }
        pairs.extend(user_data_form(&self.user_data));
        pairs
    }
}

/// `userData[<key>]` pairs.
pub fn user_data_form(user_data: &BTreeMap<String, Value>) -> Vec<(String, String)> {
    user_data
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (format!("userData[{key}]"), text)
        })
        .collect()
}

/// The credentials every call after request-chat carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    /// Chat id (path segment).
    pub chat_id: WireId,
    /// `userId`.
    pub user_id: WireId,
    /// `secureKey`.
    pub secure_key: String,
    /// `alias`.
    pub alias: WireId,
}

impl SessionKeys {
    /// `userId`, `secureKey` and `alias` as form pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        vec![
            ("userId".to_owned(), self.user_id.to_string()),
            ("secureKey".to_owned(), self.secure_key.clone()),
            ("alias".to_owned(), self.alias.to_string()),
        ]
    }

    /// As `getSessionData` reports them.
    pub fn session_data(&self) -> GmsSessionData {
        GmsSessionData {
            session_id: self.chat_id.clone(),
            user_id: self.user_id.clone(),
            secure_key: self.secure_key.clone(),
            alias: self.alias.clone(),
        }
    }
}

/// `statusCode`: 0 success, 1 transient error (retry), 2 permanent error; open for others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct StatusCode(pub i64);

impl StatusCode {
    /// Success; every field valid.
    pub const SUCCESS: Self = Self(0);
    /// Transient error; the client may retry.
    pub const TRANSIENT: Self = Self(1);
    /// Error; retrying will not help.
    pub const ERROR: Self = Self(2);
}

/// One entry of `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GmsError {
    /// Error code (e.g. `161` name required, `404` session not found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Value>,
    /// Other keys (`advice`, `message`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The "Digital Channels Chat V2 Response Format" of every HTTP 200 reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GmsResponse {
    /// 0, 1 or 2.
    pub status_code: StatusCode,
    /// Chat Server alias to echo (a number or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<WireId>,
    /// The visitor's participant id (a number or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<WireId>,
    /// Chat session id (a number or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<WireId>,
    /// Session secret to echo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_key: Option<String>,
    /// Position to send as `transcriptPosition` next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_position: Option<i64>,
    /// Whether the session is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_ended: Option<bool>,
    /// Transcript events (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<GmsTranscriptEvent>>,
    /// Present on failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<GmsError>>,
    /// Idle timer, passed to the UI as `idleTimeCountDown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timer_expire: Option<Value>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl GmsResponse {
    /// The session keys, when the reply carries all of them.
    pub fn session_keys(&self) -> Option<SessionKeys> {
        Some(SessionKeys {
            chat_id: self.chat_id.clone()?,
            user_id: self.user_id.clone()?,
            secure_key: self.secure_key.clone()?,
            alias: self.alias.clone()?,
        })
    }
}

/// Sender of a transcript event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GmsFrom {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Participant id (number or string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<Value>,
    /// `Client`, `Customer`, `Agent`, `Supervisor`, `External`, ...
    #[serde(rename = "type")]
    pub kind: PartyType,
}

/// A transcript event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GmsTranscriptEvent {
    /// Sender.
    pub from: GmsFrom,
    /// Transcript position.
    pub index: i64,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_time: Option<i64>,
    /// Event data (file details, idle timers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<BTreeMap<String, Value>>,
    /// Event attributes (structured content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_attributes: Option<Value>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl GmsTranscriptEvent {
    /// The normalised message: `Customer` senders become `Client`, `nickname` becomes
    /// `from.name`, `utcTime` becomes `timestamp`.
    pub fn to_message(&self) -> Message {
        let kind = match &self.from.kind {
            other if other.as_str() == "Customer" => PartyType::Client,
            other => other.clone(),
        };
        let from = Party::new(
            kind,
            self.from.participant_id.clone(),
            self.from.nickname.clone(),
        );
        let mut message = Message::new(self.kind.clone(), self.text.clone(), Some(from));
        message.index = Some(self.index);
        message.timestamp = self.utc_time;
        if let Some(user_data) = &self.user_data {
            let user_data = user_data
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            message
                .extra
                .insert("userData".into(), Value::Object(user_data));
        }
        message
    }
}
