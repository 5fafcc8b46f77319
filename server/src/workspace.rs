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

/// A Workspace back end, one entry per request namespace. Each entry receives only requests
/// of its namespace (legacy aliases included, e.g. `interaction.attachUserData`); the default
/// implementations refuse with [`WorkspaceError::unsupported`], so a back end implements the
/// namespaces it serves.
///
/// Dyn-compatible: the engine's edges hold an `Arc<dyn Workspace>`.
#[async_trait]
pub trait Workspace: Send + Sync {
    /// `auth.*`
    async fn auth(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `agent.*`
    async fn agent(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `media.*`
    async fn media(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `interaction.*`
    async fn interaction(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `voice.*`
    async fn voice(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `sipEndpoint.*`
    async fn sip_endpoint(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `email.*`
    async fn email(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `outbound.*`
    async fn outbound(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `system.*` (except `getAllowedServices`, which the engine answers).
    async fn system(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// `configuration.*`
    async fn configuration(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
    }
    /// Requests whose name is in no namespace of the request table.
    async fn unknown(&self, cx: &CallContext, request: Request) -> Reply {
        unsupported(cx, &request)
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

fn unsupported(_cx: &CallContext, request: &Request) -> Reply {
    Reply::error(WorkspaceError::unsupported(request.name()))
}

/// Routes a request to the entry of its namespace.
pub async fn dispatch(workspace: &dyn Workspace, cx: &CallContext, request: Request) -> Reply {
    use agentdesk_protocol::scapi::requests::Namespace;
    match request.spec().map(|spec| spec.namespace) {
        Some(Namespace::Auth) => workspace.auth(cx, request).await,
        Some(Namespace::Agent) => workspace.agent(cx, request).await,
        Some(Namespace::Media) => workspace.media(cx, request).await,
        Some(Namespace::Interaction) => workspace.interaction(cx, request).await,
        Some(Namespace::Voice) => workspace.voice(cx, request).await,
        Some(Namespace::SipEndpoint) => workspace.sip_endpoint(cx, request).await,
        Some(Namespace::Email) => workspace.email(cx, request).await,
        Some(Namespace::Outbound) => workspace.outbound(cx, request).await,
        Some(Namespace::System) => workspace.system(cx, request).await,
        Some(Namespace::Configuration) => workspace.configuration(cx, request).await,
        _ => workspace.unknown(cx, request).await,
    }
}
