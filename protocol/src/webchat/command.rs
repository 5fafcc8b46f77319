//! WebChatService commands (`WebChatService.<name>`) and their options.
//!
//! On the wire a command is `{"command": "<name>", "options": {...}}`. Browser-only commands
//! (`registerTypingPreviewInput`, `registerPreProcessor`, `sendFile`) take DOM elements or
//! functions and have no JSON form; the behaviour crate offers them as Rust methods.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{UserData, WebChatConfig, tagged_enum};

/// The form fields of `startChat` as the WebChat UI passes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatForm {
    /// Nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Other inputs, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Options of `startChat`.
///
/// The legacy controller reads the names at the top level, the nextgen transports from
/// `form`; [`StartChatOptions::field`] reads the top level first, then `form`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StartChatOptions {
    /// Nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Attached data merged over the configured `userData`; must be an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<Value>,
    /// The same names as nested by the WebChat UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<ChatForm>,
    /// Per-chat routing/journey data (Genesys Cloud).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction_data: Option<Value>,
    /// Overrides asynchronous mode for this chat.
    #[serde(rename = "async", default, skip_serializing_if = "Option::is_none")]
    pub async_mode: Option<bool>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Which name field of [`StartChatOptions`] to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    /// `nickname`.
    Nickname,
    /// `firstname`.
    Firstname,
    /// `lastname`.
    Lastname,
    /// `email`.
    Email,
    /// `subject`.
    Subject,
}

impl StartChatOptions {
    /// A non-empty value of `field`, from the top level or else from `form`.
    pub fn field(&self, field: FormField) -> Option<&str> {
        let form = self.form.as_ref();
        let (top, nested) = match field {
            FormField::Nickname => (&self.nickname, form.map(|f| &f.nickname)),
            FormField::Firstname => (&self.firstname, form.map(|f| &f.firstname)),
            FormField::Lastname => (&self.lastname, form.map(|f| &f.lastname)),
            FormField::Email => (&self.email, form.map(|f| &f.email)),
            FormField::Subject => (&self.subject, form.map(|f| &f.subject)),
        };
        non_empty(top).or_else(|| nested.and_then(non_empty))
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// Options of `sendMessage` (and `sendCustomNotice`, `sendTyping`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MessageOptions {
    /// The text; `sendMessage` rejects a missing or empty one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Other keys (`type`, `parentMessageID`, `isTyping`), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl MessageOptions {
    /// Options carrying `message`.
    pub fn text(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            extra: BTreeMap::new(),
        }
    }
}

/// A JavaScript regular expression as `{source, flags}` (how the widget persists filters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PrefilterPattern {
    /// The pattern text.
    pub source: String,
    /// Flags such as `i`; empty when none.
    #[serde(default)]
    pub flags: String,
}

impl PrefilterPattern {
    /// A pattern without flags.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            flags: String::new(),
        }
    }
}

/// One regular expression or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Prefilters {
    /// A single expression.
    One(PrefilterPattern),
    /// Several expressions.
    Many(Vec<PrefilterPattern>),
}

impl Prefilters {
    /// The expressions as a list.
    pub fn to_vec(&self) -> Vec<PrefilterPattern> {
        match self {
            Self::One(one) => vec![one.clone()],
            Self::Many(many) => many.clone(),
        }
    }
}

/// Options of `addPrefilter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AddPrefilterOptions {
    /// Expression(s) to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Prefilters>,
}

/// Options of `sendFilteredMessage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FilteredMessageOptions {
    /// The text to send but hide from the transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Expression matching it (added as a prefilter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<PrefilterPattern>,
}

/// Options of `restore`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestoreOptions {
    /// Stored session data (a JWT for the v3 API; JSON-encoded session data here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_data: Option<String>,
    /// Asynchronous restore.
    #[serde(rename = "async", default, skip_serializing_if = "Option::is_none")]
    pub async_mode: Option<bool>,
}

/// Options of `downloadFile`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DownloadFileOptions {
    /// File id within the session.
    pub file_id: String,
    /// Name to save as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// Options of `sendFile`. In a browser `files` is a file `<input>` element; on the wire it is
/// opaque.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SendFileOptions {
    /// The file input (opaque here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Value>,
}

/// Options of `registerTypingPreviewInput`. In a browser `input` is a text input or textarea
/// element; on the wire it is opaque.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TypingPreviewInputOptions {
    /// The input element (opaque here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// Options of `registerPreProcessor`. In a browser `preprocessor` is a function; a function
/// cannot travel as JSON, so Rust code registers a closure with the service instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreProcessorOptions {
    /// What was passed (never a function on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessor: Option<Value>,
}

/// Options of `wake`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WakeOptions {
    /// Also reset the idle state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_idle_state: Option<bool>,
}

tagged_enum! {
    /// A `WebChatService.<name>` command with its options.
    WebChatCommand, tag = "command", content = "options";
    /// Internal: the App shares the configuration.
    Configure = "configure" (WebChatConfig),
    /// Start a chat session.
    StartChat = "startChat" (StartChatOptions),
    /// End the chat session.
    EndChat = "endChat",
    /// Send a message.
    SendMessage = "sendMessage" (MessageOptions),
    /// Send a custom notice.
    SendCustomNotice = "sendCustomNotice" (MessageOptions),
    /// Tell the agent the visitor is typing.
    SendTyping = "sendTyping" (MessageOptions),
    /// Send a message hidden from the transcript by a regular expression.
    SendFilteredMessage = "sendFilteredMessage" (FilteredMessageOptions),
    /// Add transcript prefilters.
    AddPrefilter = "addPrefilter" (AddPrefilterOptions),
    /// Update attached data.
    UpdateUserData = "updateUserData" (UserData),
    /// Replace the Genesys Cloud `interactionData` before a session.
    UpdateInteractionData = "updateInteractionData" (UserData),
    /// Internal: poll once.
    Poll = "poll",
    /// Start automatic polling.
    StartPoll = "startPoll",
    /// Stop automatic polling.
    StopPoll = "stopPoll",
    /// Pause automatic polling.
    PausePoll = "pausePoll",
    /// Reset the poll exception count.
    ResetPollExceptions = "resetPollExceptions",
    /// Internal (or async mode): restore a session.
    Restore = "restore" (RestoreOptions),
    /// Restore an asynchronous session.
    AsyncRestore = "asyncRestore",
    /// All messages of the session.
    GetTranscript = "getTranscript",
    /// Agents that took part.
    GetAgents = "getAgents",
    /// Session statistics.
    GetStats = "getStats",
    /// Upload a file into the session.
    SendFile = "sendFile" (SendFileOptions),
    /// Download a file of the session.
    DownloadFile = "downloadFile" (DownloadFileOptions),
    /// Upload limits of the transport.
    GetFileLimits = "getFileLimits",
    /// Current session credentials.
    GetSessionData = "getSessionData",
    /// Older messages (async chat).
    FetchHistory = "fetchHistory",
    /// Whether a session exists.
    VerifySession = "verifySession",
    /// Show typing previews to the agent from an input element.
    RegisterTypingPreviewInput = "registerTypingPreviewInput" (TypingPreviewInputOptions),
    /// Register a function applied to every received message.
    RegisterPreProcessor = "registerPreProcessor" (PreProcessorOptions),
    /// Enter sleep mode (slower polling).
    Sleep = "sleep",
    /// Leave sleep mode.
    Wake = "wake" (WakeOptions),
}
