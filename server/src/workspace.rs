//! The back end a service engine dispatches allowed requests to.
//!
//! Implement [`Workspace`] against a real telephony or CRM back end to host apps written for
//! Genesys Workspace in a custom agent desktop; [`crate::simulated::SimulatedWorkspace`] is the
//! in-memory implementation the emulator runs. The engine has already applied the security
//! policy (origins, filters, rate limits, the user-data write allow-list) and answers
//! `system.getAllowedServices` and `messenger.broadcastMessage` itself; results and events a
//! back end returns are filtered by the user-data read allow-list before any client sees them.

use std::sync::Arc;

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::{Event, Payload, Request};
use async_trait::async_trait;
use serde_json::Value;

use crate::engine::FrameId;

/// Who sent a request, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallContext {
    /// The frame (client window) that sent it.
    pub frame: FrameId,
    /// The sender's origin as the browser verified it (`event.origin`). Shared with the
    /// engine's record of the frame, so a context costs no copy per request.
    pub origin: Arc<str>,
    /// The Workspace tab the frame lives in, when the transport knows (multi-tab sessions).
    pub tab: Option<Arc<str>>,
    /// The time the engine received the request.
    pub now: Timestamp,
}

impl CallContext {
    /// A context for `frame` at `origin`, received at `now`.
    pub fn new(
        frame: FrameId,
        origin: impl Into<Arc<str>>,
        tab: Option<Arc<str>>,
        now: Timestamp,
    ) -> Self {
        Self {
            frame,
            origin: origin.into(),
            tab,
            now,
        }
    }
}

/// A refused request: the text becomes the failure response's `errorMessage`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct WorkspaceError {
    /// The `errorMessage` sent to the client.
    pub message: String,
}

impl WorkspaceError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The request is not supported by this back end.
    pub fn unsupported(request: &str) -> Self {
        Self::new(format!(
            "The request '{request}' is not supported by this Workspace."
        ))
    }
}

/// What a back end answers: the result (`data`; `None` omits it) and the events the request
/// caused, in order. The engine sends the response first, then publishes the events.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reply {
    /// Success `data`, or the failure.
    pub result: Result<Option<Payload>, WorkspaceError>,
    /// Events caused by the request (state changes, interaction updates, ...).
    pub events: Vec<Event>,
}

impl Reply {
    /// A success with `data` and no events.
    pub fn data(data: Value) -> Self {
        Self::shared(Payload::new(data))
    }

    /// A success with `data` the back end keeps and answers again (the agent, a state
    /// list): responses share it instead of copying it.
    pub fn shared(data: Payload) -> Self {
        Self {
            result: Ok(Some(data)),
            events: Vec::new(),
        }
    }

    /// A success without `data`.
    pub fn done() -> Self {
        Self {
            result: Ok(None),
            events: Vec::new(),
        }
    }

    /// The refusal of a request this back end does not serve
    /// ([`WorkspaceError::unsupported`]).
    pub fn unsupported(request: &Request) -> Self {
        Self::error(WorkspaceError::unsupported(request.name()))
    }

    /// A failure.
    pub fn error(error: WorkspaceError) -> Self {
        Self {
            result: Err(error),
            events: Vec::new(),
        }
    }

    /// Adds events caused by the request.
    #[must_use]
    pub fn with_events(mut self, events: impl IntoIterator<Item = Event>) -> Self {
        self.events.extend(events);
        self
    }
}

/// A Workspace back end. The engine hands each allowed request to [`Workspace::call`] as the
/// decoded [`Request`], once: the back end matches the variants it serves and refuses the
/// rest with [`Reply::unsupported`] (the default implementation refuses everything). Legacy
/// aliases arrive as their own variants (`Request::InteractionAttachUserData`), names the
/// request table does not know as `Request::Unknown`.
///
/// Dyn-compatible: the engine's edges hold an `Arc<dyn Workspace>`.
///
/// # Example
///
/// A back end that knows the agent and places calls through a telephony API:
///
/// ```
/// use agentdesk_protocol::policy::Timestamp;
/// use agentdesk_protocol::scapi::Request;
/// use agentdesk_server::engine::FrameId;
/// use agentdesk_server::workspace::{CallContext, Reply, Workspace, WorkspaceError};
/// use futures_util::FutureExt;
/// use serde_json::json;
///
/// struct Telephony;
///
/// impl Telephony {
///     async fn place_call(&self, destination: &str) -> Result<(), WorkspaceError> {
///         if destination.is_empty() {
///             return Err(WorkspaceError::new("voice.dial: the destination is empty; give a number"));
///         }
///         Ok(())
///     }
/// }
///
/// #[async_trait::async_trait]
/// impl Workspace for Telephony {
///     async fn call(&self, _cx: &CallContext, request: Request) -> Reply {
///         match request {
///             Request::AgentGet(_) => Reply::data(json!({ "username": "jdoe" })),
///             Request::VoiceDial(dial) => match self.place_call(&dial.destination).await {
///                 Ok(()) => Reply::done(),
///                 Err(error) => Reply::error(error),
///             },
///             other => Reply::unsupported(&other),
///         }
///     }
/// }
///
/// let cx = CallContext::new(FrameId(1), "https://app.example", None, Timestamp::from_secs(0));
/// let agent = Request::decode("agent.get", &[]).unwrap();
/// let reply = Telephony.call(&cx, agent).now_or_never().unwrap();
/// assert!(reply.result.is_ok());
///
/// let toast = Request::decode("system.closeToast", &[json!("t1")]).unwrap();
/// let reply = Telephony.call(&cx, toast).now_or_never().unwrap();
/// assert_eq!(
///     reply.result.unwrap_err().message,
///     "The request 'system.closeToast' is not supported by this Workspace."
/// );
/// ```
#[async_trait]
pub trait Workspace: Send + Sync {
    /// Answers one request the policy allowed. `system.getAllowedServices` and
    /// `messenger.broadcastMessage` never arrive here: the engine answers them.
    async fn call(&self, cx: &CallContext, request: Request) -> Reply {
        let _ = cx;
        Reply::unsupported(&request)
    }
    /// A frame connected (`tab` when known); a back end may answer with events for it, such
    /// as the tab's current `frameState`.
    async fn frame_connected(&self, cx: &CallContext) -> Vec<Event> {
        let _ = cx;
        Vec::new()
    }
    /// A frame went away.
    async fn frame_disconnected(&self, cx: &CallContext) {
        let _ = cx;
    }
}
