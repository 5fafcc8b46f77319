//! Error types: configuration, transport and command failures.

use agentdesk_protocol::webchat::RejectionText;
use serde_json::{Value, json};

/// A configuration that cannot be used, naming the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A field the selected transport needs is absent or empty.
    #[error(
        "`{field}` is required for the {transport} transport: set it in `_genesys.widgets.webchat`"
    )]
    MissingField {
        /// Path below `_genesys.widgets.webchat`.
        field: &'static str,
        /// Transport that needs it.
        transport: &'static str,
    },
    /// A number outside its accepted range.
    #[error(
        "`{field}` is {value}, outside the accepted range {min}..={max}: use a value in that range or omit it for the default"
    )]
    OutOfRange {
        /// Path below `_genesys.widgets.webchat`.
        field: &'static str,
        /// The configured value.
        value: i64,
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A URL that is not `http://` or `https://`.
    #[error("`{field}` is `{value}`, which is not an http:// or https:// URL")]
    InvalidUrl {
        /// Path below `_genesys.widgets.webchat`.
        field: &'static str,
        /// The configured value.
        value: String,
    },
    /// `transport.type` names no transport Genesys knows.
    #[error(
        "Invalid transport configuration: `transport.type` is `{value}`; use `purecloud-v2-sockets`, or omit `transport` for GMS Chat API v2"
    )]
    UnknownTransport {
        /// The configured value.
        value: String,
    },
    /// `transport.type` names a Genesys transport this crate does not implement.
    #[error(
        "`transport.type` `{value}` is not implemented by agentdesk-webchat; use `purecloud-v2-sockets`, or omit `transport` for GMS Chat API v2"
    )]
    UnimplementedTransport {
        /// The configured value.
        value: String,
    },
    /// CometD mode was requested.
    #[error(
        "`cometD.enabled` is true, but only GMS REST polling is implemented: set `cometD.enabled` to false"
    )]
    CometDUnsupported,
    /// Async chat without CometD.
    #[error("Invalid configuration. WebChatService supports Async chat only in CometD mode.")]
    AsyncRequiresCometD,
    /// A transport was built from a configuration that selects another back end.
    #[error(
        "the configuration selects the {configured} transport, not {expected}: build the transport with agentdesk_webchat::transport::from_config"
    )]
    WrongTransport {
        /// The transport being built.
        expected: &'static str,
        /// The transport the configuration selects.
        configured: &'static str,
    },
}

impl ConfigError {
    pub(crate) fn wrong_transport(
        expected: &'static str,
        configured: &crate::config::TransportSettings,
    ) -> Self {
        use crate::config::TransportSettings;
        let configured = match configured {
            TransportSettings::Gms(_) => "GMS Chat API v2",
            TransportSettings::GuestChat(_) => "purecloud-v2-sockets",
            TransportSettings::Emulator(_) => "emulator",
        };
        Self::WrongTransport {
            expected,
            configured,
        }
    }
}

/// A back-end call that failed (the "AJAX Response Object" of the Genesys documentation).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server answered with an HTTP error status.
    #[error("{operation}: HTTP {status}: {body}")]
    Http {
        /// What was attempted.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Reply body (JSON, or the text as a JSON string).
        body: Value,
    },
    /// The server could not be reached.
    #[error("{operation}: cannot reach the server: {message}")]
    Network {
        /// What was attempted.
        operation: &'static str,
        /// Cause.
        message: String,
    },
    /// GMS `statusCode` 1: transient, the client may retry.
    #[error("{operation}: transient server error (statusCode 1): {reply}")]
    Transient {
        /// What was attempted.
        operation: &'static str,
        /// The reply.
        reply: Value,
    },
    /// GMS `statusCode` 2 or another failure reported in a 200 reply.
    #[error("{operation}: server error: {reply}")]
    Server {
        /// What was attempted.
        operation: &'static str,
        /// The reply.
        reply: Value,
    },
    /// The back end says the session is over (e.g. a restore whose reply lacks
    /// `chatEnded: false`, or whose visitor has left): `restore` publishes `restoreTimeout`.
    #[error("{operation}: the chat session is over: {reply}")]
    SessionEnded {
        /// What was attempted.
        operation: &'static str,
        /// The reply, or why the session counts as over.
        reply: Value,
    },
    /// A reply that does not have the documented shape.
    #[error("{operation}: unexpected reply: {message}")]
    Malformed {
        /// What was attempted.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The transport has no such operation.
    #[error("{0}")]
    Unsupported(RejectionText),
    /// The configuration does not fit the transport.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No session is open on this transport.
    #[error("{operation}: no session is open on the transport")]
    NoSession {
        /// What was attempted.
        operation: &'static str,
    },
}

impl TransportError {
    /// The JSON published with the `error` event: `{operation, status?, response?, message}`.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Http {
                operation,
                status,
                body,
            } => {
                json!({ "operation": operation, "status": status, "responseJSON": body, "message": self.to_string() })
            }
            Self::Transient { operation, reply }
            | Self::Server { operation, reply }
            | Self::SessionEnded { operation, reply } => {
                json!({ "operation": operation, "response": reply, "message": self.to_string() })
            }
            other => json!({ "status": 0, "message": other.to_string() }),
        }
    }

    /// Whether the server could not be reached at all (drives `disconnected`).
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Network { .. })
    }
}

/// Why a command was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// Rejected by the service with one of the documented texts.
    #[error("{0}")]
    Rejected(RejectionText),
    /// The back end failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// [`ChatService::execute`](crate::ChatService::execute) got a command name WebChatService
    /// does not have.
    #[error("WebChatService has no command `{0}`; see WebChatCommand::KNOWN for the commands")]
    UnknownCommand(String),
}

impl From<RejectionText> for CommandError {
    fn from(text: RejectionText) -> Self {
        Self::Rejected(text)
    }
}

impl CommandError {
    /// The rejection text, when the service rejected the command itself.
    pub fn rejection(&self) -> Option<&RejectionText> {
        match self {
            Self::Rejected(text) => Some(text),
            Self::Transport(TransportError::Unsupported(text)) => Some(text),
            Self::Transport(_) | Self::UnknownCommand(_) => None,
        }
    }
}
