//! The [`ChatTransport`] trait every chat back end implements, and its implementations.
//!
//! A transport turns the service's intentions ("start a chat with these names", "send this
//! text") into back-end calls, and the back end's replies and pushes into normalised
//! [`TransportUpdate`]s. It holds the session credentials; the state machine holds everything
//! else (who is connected, transcript, filters, timers).
//!
//! The agentdesk-server emulator transport ([`emulator::EmulatorTransport`]) is the third
//! implementation: its `start` turns the chat into an interaction in SimulatedWorkspace (so
//! Service Client API subscribers see `INVITED`, `NEW_MESSAGE`, `ENDED`), and its update
//! channel carries what the simulated agent does through the emulator's control API (joins,
//! says, types, marks the chat done).

/// The agentdesk-server emulator's chat API.
pub mod emulator;
/// GMS Chat API v2.
pub mod gms;
/// Genesys Cloud guest chat v2.
pub mod guest;
mod http;
mod stream;
mod tls;

pub use http::FilePart;

use agentdesk_protocol::webchat::{
    Message, RejectionText, SessionData, StartChatOptions, UserData,
};
use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::config::{ChatConfig, TransportSettings};
use crate::error::TransportError;

/// The transport `config` selects (GMS, Genesys Cloud guest chat or the emulator), ready for
/// [`ChatService::new`](crate::ChatService::new).
pub fn from_config(
    config: &ChatConfig,
) -> Result<std::sync::Arc<dyn ChatTransport>, TransportError> {
    Ok(match &config.transport {
        TransportSettings::Gms(_) => std::sync::Arc::new(gms::GmsTransport::from_config(config)?),
        TransportSettings::GuestChat(_) => {
            std::sync::Arc::new(guest::GuestChatTransport::from_config(config)?)
        }
        TransportSettings::Emulator(_) => {
            std::sync::Arc::new(emulator::EmulatorTransport::from_config(config)?)
        }
    })
}

/// Receiving end of a transport's pushed updates (socket transports).
pub type UpdateReceiver = mpsc::UnboundedReceiver<TransportUpdate>;

/// What a transport can do; the state machine rejects the rest with the documented texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportCapabilities {
    /// `poll`, `startPoll`, `stopPoll`, `resetPollExceptions` work and the service polls.
    pub polling: bool,
    /// `sendCustomNotice` works.
    pub custom_notice: bool,
    /// `updateUserData` works during a session.
    pub update_user_data: bool,
    /// `sendFile` works.
    pub file_upload: bool,
    /// `downloadFile` works.
    pub file_download: bool,
    /// Asynchronous chat.
    pub async_chat: bool,
    /// `fetchHistory` works; otherwise it is rejected with this text.
    pub history: Result<(), RejectionText>,
}

impl TransportCapabilities {
    /// A transport that sends and receives messages and nothing more: no polling, notices,
    /// user-data updates, files or asynchronous chat; `fetchHistory` as `history` says.
    pub fn messages_only(history: Result<(), RejectionText>) -> Self {
        Self {
            polling: false,
            custom_notice: false,
            update_user_data: false,
            file_upload: false,
            file_download: false,
            async_chat: false,
            history,
        }
    }
}

/// What `startChat` asks the transport to open.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    /// The caller's options.
    pub options: StartChatOptions,
    /// Configured `userData` merged with the options' and `updateUserData`'s.
    pub user_data: UserData,
    /// What `updateInteractionData` set before the session, for transports that route with
    /// interaction data (Genesys Cloud).
    pub interaction_data: Option<UserData>,
}

/// A session the transport opened (or restored).
#[derive(Debug)]
pub struct StartedSession {
    /// The back end's reply (resolves `startChat`, data of `started`).
    pub response: Value,
    /// Credentials for `getSessionData` and restore.
    pub session_data: SessionData,
    /// Transcript items that came with the reply (GMS) or were fetched on restore.
    pub replay: Vec<TransportUpdate>,
    /// Pushed updates, for transports with an event stream.
    pub updates: Option<UpdateReceiver>,
}

/// What `sendMessage` may add to the text (GMS `messageType` and `eventAttributes`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// `type` of `sendMessage` (GMS `messageType`; the back end's default is `text`).
    pub message_type: Option<String>,
    /// `parentMessageID` of `sendMessage`: the message this one answers (GMS
    /// `eventAttributes` `{"general-properties": {"related-event-id": ...}}`).
    pub parent_message_id: Option<String>,
}

/// A page of older messages.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// Normalised messages, oldest first.
    pub messages: Vec<Message>,
    /// Raw back-end messages.
    pub originals: Vec<Value>,
    /// Whether older pages remain.
    pub has_more: bool,
}

/// Something the back end reported.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportUpdate {
    /// New transcript items (`messages[i]` normalised from `originals[i]`).
    Messages {
        /// Normalised messages.
        messages: Vec<Message>,
        /// Raw back-end messages.
        originals: Vec<Value>,
    },
    /// The back end ended the chat.
    ChatEnded,
    /// The back end cannot be reached (socket dropped or heartbeat missed).
    Disconnected,
    /// The back end is reachable again.
    Reconnected,
    /// The session credentials changed (e.g. last seen message id).
    SessionData(SessionData),
    /// A failure worth an `error` event.
    Error(Value),
}

/// A chat back end. Object-safe: the service holds an `Arc<dyn ChatTransport>`.
///
/// Operations a back end lacks keep the default bodies, which fail with
/// [`TransportError::Unsupported`] and the documented rejection text.
#[async_trait]
pub trait ChatTransport: Send + Sync {
    /// What this transport supports.
    fn capabilities(&self) -> TransportCapabilities;

    /// Opens a session.
    async fn start(&self, request: StartRequest) -> Result<StartedSession, TransportError>;

    /// Reattaches to a session opened earlier (possibly by another process).
    async fn restore(&self, session: SessionData) -> Result<StartedSession, TransportError>;

    /// Sends visitor text.
    async fn send_message(&self, text: &str) -> Result<Value, TransportError>;

    /// Sends a visitor typing indication (`typing` false: stopped) with preview text.
    async fn send_typing(&self, typing: bool, preview: &str) -> Result<Value, TransportError>;

    /// Leaves the session.
    async fn end(&self) -> Result<Value, TransportError>;

    /// Sends visitor text with `sendMessage`'s extra options; transports without them send
    /// the text alone.
    async fn send_message_with(
        &self,
        text: &str,
        _options: &SendOptions,
    ) -> Result<Value, TransportError> {
        self.send_message(text).await
    }

    /// Uploads a file into the session (`sendFile`); resolves with the back end's reply.
    async fn send_file(&self, _file: &FilePart) -> Result<Value, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::FileUploadUnsupported,
        ))
    }

    /// Downloads a file of the session (`downloadFile`).
    async fn download_file(&self, _file_id: &str) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::FileDownloadUnsupported,
        ))
    }

    /// The session's upload limits (`getFileLimits`); resolves with the back end's reply.
    async fn file_limits(&self) -> Result<Value, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::FileLimitsUnsupported,
        ))
    }

    /// Sends a custom notice.
    async fn send_custom_notice(&self, _text: &str) -> Result<Value, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::CustomNoticeUnsupported,
        ))
    }

    /// Updates attached data during a session.
    async fn update_user_data(&self, _data: &UserData) -> Result<Value, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::UpdateUserDataUnsupported,
        ))
    }

    /// Polls once for new transcript items.
    async fn poll(&self) -> Result<Vec<TransportUpdate>, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::PollingUnsupported,
        ))
    }

    /// Fetches the page of messages before the oldest one seen.
    async fn fetch_history(&self) -> Result<HistoryPage, TransportError> {
        Err(TransportError::Unsupported(
            RejectionText::HistoryRequiresAsync,
        ))
    }
}
