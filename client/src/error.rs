//! What can go wrong with a call, a subscription or a transport.

use std::time::Duration;

use agentdesk_protocol::scapi::DecodeError;

/// A transport could not connect, send or receive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct TransportError {
    /// What failed, and how to fix it when there is something useful to say.
    pub message: String,
}

impl TransportError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Why a call, subscribe or unsubscribe failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No answer arrived in time. A Workspace ignores requests from origins it does not
    /// accept and requests quarantined after a rate limit, so a timeout often means one of
    /// those; a late answer is dropped.
    #[error(
        "{request}: no answer within {after:?}; check that the Workspace accepts this client's \
         origin (service-client-api.accepted-web-content-origins) and that the request is not \
         quarantined after a rate limit, or raise the timeout"
    )]
    Timeout {
        /// The request name (`subscribe` for a subscription).
        request: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The service refused the request (`errorMessage`), for example because the origin's
    /// API filter does not grant it, or the back end failed it.
    #[error("{error_message}")]
    Denied {
        /// The service's `errorMessage`, verbatim.
        error_message: String,
    },
    /// The service refused the request because a rate limit was reached: the failure carried
    /// `request`. Further requests of that type are ignored (they time out) for the
    /// quarantine delay.
    #[error(
        "rate limit reached for {request}: {error_message} (further requests of this type are \
         ignored until the quarantine delay has passed; slow down)"
    )]
    RateLimited {
        /// The `request` field of the failure, verbatim.
        request: String,
        /// The service's `errorMessage`, verbatim.
        error_message: String,
    },
    /// An answer arrived but did not have the expected shape.
    #[error("{request}: the answer does not decode: {source}")]
    Decode {
        /// The request name.
        request: String,
        /// Where and how the answer is wrong.
        source: DecodeError,
    },
    /// The transport failed.
    #[error("transport failed: {0}")]
    Transport(#[from] TransportError),
    /// The connection is gone (closed by either side, or the service shut down); every
    /// pending call fails with this at once. Connect a new client.
    #[error("the connection to the Workspace is closed; connect a new client")]
    Closed,
    /// This client already has a live subscription. Genesys's documentation says to call
    /// `subscribe` only once: name every event in one call, or unsubscribe first.
    #[error(
        "this client is already subscribed ({subscription_id}); the Service Client API says to \
         call subscribe only once: pass every event name to a single subscribe call, or \
         unsubscribe first"
    )]
    AlreadySubscribed {
        /// The live subscription (`pending` while its acknowledgement is awaited).
        subscription_id: String,
    },
}
