//! What commands resolve with, and the exact texts they reject with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AgentInfo, Message, WireId, open_enum};

open_enum! {
    /// The exact rejection texts of WebChatService commands.
    ///
    /// Where the Genesys documentation and the 9.0.018.07 widget code agree up to a
    /// sentence-final period (documentation tables end every cell with one), the code's
    /// spelling is used; where their wording differs, the documentation's.
    pub enum RejectionText {
        /// `startChat` while a session is starting, active, ending or restoring.
        AlreadyActive => "There is already an active chat session",
        /// A session command without a session.
        NoActiveSession => "There is no active chat session",
        /// `sendFilteredMessage`, `startPoll`, `stopPoll` without a session.
        NoActiveSessionShort => "No active chat session.",
        /// `sendMessage` with a missing or empty `message`.
        NoMessageText => "No message text provided",
        /// `startChat` with a `userData` that is not an object.
        MalformedUserData => "malformed data object provided in userData property",
        /// `addPrefilter` / `sendFilteredMessage` with missing or invalid regular expressions.
        InvalidFilters => "Missing or invalid filters provided. Please provide a regular expression or an array of regular expressions",
        /// `sendCustomNotice` on a transport without custom notices.
        CustomNoticeUnsupported => "This transport doesn't support sendCustomNotice command.",
        /// `updateUserData` during a session on a transport that cannot update it.
        UpdateUserDataUnsupported => "This transport doesn't support updating userData during an active chat session.",
        /// Poll commands on a push transport.
        PollingUnsupported => "This transport doesn't support polling.",
        /// `resetPollExceptions` on a push transport.
        ResetPollExceptionsUnsupported => "This transport doesn't support resetPollExceptions command.",
        /// `poll` invoked by anyone but the service.
        PollAccessDenied => "Access Denied to private command. Only WebChatService is allowed to invoke this command",
        /// `poll` while a poll is in flight.
        PreviousPollNotFinished => "previous poll has not finished",
        /// `stopPoll` while not polling.
        NotPolling => "Not currently polling. Ignoring command.",
        /// `restore` while restoring.
        AlreadyRestoring => "Already restoring. Ignoring request.",
        /// `restore` while a session is active.
        RestoreWhileActive => "Chat session is already active, ignoring restore command.",
        /// `restore` invoked manually outside async mode.
        RestoreAccessDenied => "Access Denied to private command. Only WebChatService is allowed to invoke this command in Non-Async mode.",
        /// `restore` without stored session data.
        NothingToRestore => "No chat session found to restore.",
        /// `sendFile` on a transport without uploads.
        FileUploadUnsupported => "This transport doesn't support file uploads.",
        /// `downloadFile` on a transport without downloads.
        FileDownloadUnsupported => "This transport doesn't support file download.",
        /// `updateInteractionData` during a session.
        InteractionDataUnsupported => "This transport doesn't support updating interactionData during an active chat session.",
        /// `getFileLimits` on a transport without uploads.
        FileLimitsUnsupported => "This transport doesn't support getFileLimits command.",
        /// `sendFile` without a file the service can read (a JSON command cannot carry one).
        NoFormData => "No HTMl5 formData support on your browser",
        /// `registerTypingPreviewInput` without an input element (always, outside a browser).
        InvalidTypingPreviewInput => "Invalid value provided for the 'input' property. An HTML element reference to a textarea or text input is required.",
        /// `asyncRestore` outside asynchronous chat: an empty rejection.
        Empty => "",
        /// `fetchHistory` outside asynchronous chat.
        HistoryRequiresAsync => "Fetching history messages applies only to Asynchronous chat.",
        /// `fetchHistory` with pagination disabled (Genesys Cloud).
        HistoryPaginationDisabled => "Fetching chat history on scroll is not enabled.",
        /// `fetchHistory` after the oldest message.
        NoMoreHistory => "No more messages to fetch",
        /// `configure` without a configuration.
        InvalidConfiguration => "Invalid configuration",
        /// `configure` with an unknown `transport.type`.
        InvalidTransportConfiguration => "Invalid transport configuration",
    }
}

impl RejectionText {
    /// `registerPreProcessor` without a function; `type_of` is JavaScript's `typeof` of
    /// what was passed.
    pub fn no_pre_processor(type_of: &str) -> Self {
        Self::from(format!(
            "No preprocessor function provided. Type provided was '{type_of}'."
        ))
    }

    /// `sendMessage` longer than `maxMessageLength` (the text carries the limit).
    pub fn message_too_long(max: u32) -> Self {
        Self::from(format!(
            "Message length exceeds configured threshold of ({max}) characters"
        ))
    }
}

/// Resolution of `getTranscript`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// Messages shown to the visitor (filtered, pre-processed).
    pub messages: Vec<Message>,
    /// Every raw back-end message.
    pub original_messages: Vec<Value>,
}

/// Resolution of `getAgents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgentsSummary {
    /// Every agent seen in the session, by id.
    pub agents: BTreeMap<String, AgentInfo>,
}

/// Resolution of `getStats` (times in ms since the epoch, duration in ms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatStats {
    /// Every agent seen in the session, by id.
    pub agents: BTreeMap<String, AgentInfo>,
    /// When the session started.
    pub start_time: i64,
    /// When the session ended, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// `endTime - startTime`, or time so far while active.
    pub duration: i64,
}

/// Resolution of `verifySession`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionActive {
    /// Whether a session exists.
    pub session_active: bool,
}

/// Credentials of a GMS Chat API v2 session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GmsSessionData {
    /// Chat id (path segment of every call); a number or a string.
    #[serde(rename = "sessionID")]
    pub session_id: WireId,
    /// The visitor's participant id; a number or a string.
    pub user_id: WireId,
    /// Session secret.
    pub secure_key: String,
    /// Chat Server alias; a number or a string.
    pub alias: WireId,
}

/// Credentials of a Genesys Cloud guest chat v2 session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GuestSessionData {
    /// Bearer token for every call after creation.
    pub jwt: String,
    /// Conversation id.
    pub conversation_id: String,
    /// The visitor's member id.
    pub member_id: String,
    /// Event stream URI.
    #[serde(rename = "WebSocketUrl")]
    pub web_socket_url: String,
    /// Id of the last message seen (to catch up after a reconnect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<String>,
}

/// Resolution of `getSessionData`: the credentials of the current back end.
///
/// Decoded by shape: GMS sessions carry `secureKey`, Genesys Cloud sessions carry `jwt`; both
/// variants have required fields, so neither accepts the other's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum SessionData {
    /// GMS Chat API v2.
    Gms(GmsSessionData),
    /// Genesys Cloud guest chat v2.
    Guest(GuestSessionData),
}

/// Data of `capabilitiesChanged`: what the transport supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Asynchronous chat.
    #[serde(rename = "async")]
    pub async_chat: bool,
    /// History pages with `fetchHistory`.
    pub pagination: bool,
    /// File uploads.
    pub file_upload: bool,
}
