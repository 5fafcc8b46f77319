//! A typed async client for the Genesys Service Client API (SCAPI), the request/response and
//! event protocol between an Agent Workspace (the service) and the applications around it
//! (the clients).
//!
//! - [`Client`]: one typed method per request of the request table, grouped by namespace
//!   (`client.agent().get()`, `client.interaction().set_user_data(id, data)`,
//!   `client.voice().dial(destination, None)`, ...), plus [`Client::call`] for any typed
//!   request and [`Client::send`] for a raw [`Request`](agentdesk_protocol::scapi::Request).
//! - Events: [`Client::subscribe`] returns a [`Subscription`], a typed
//!   [`Stream`](futures_util::Stream) of [`Event`](agentdesk_protocol::scapi::Event)s;
//!   [`Client::unsubscribe`] ends it.
//! - Transports ([`transport`]): WebSocket to `agentdesk-server`'s `/scapi` endpoint, in
//!   memory to a `Service` in the same process (feature `in-memory`, off by default: it pulls
//!   in `agentdesk-server`), or your own [`Transport`].
//!
//! # The wire, as Genesys's client library speaks it
//!
//! - Every message carries a `referenceId` from a decimal counter rendered as a string
//!   (`"0"`, `"1"`, ...); answers are matched to calls by it.
//! - A call waits [`DEFAULT_TIMEOUT`] (10 seconds, as the official library) for its answer;
//!   set another per client or per call with [`Client::with_timeout`]. A late answer is
//!   dropped.
//! - After the service's frame-id handshake, every message echoes its `frameId`.
//! - A subscription is one message naming every event; the service acknowledges it with a
//!   `subscriptionId`. Genesys's documentation says "You must call subscribe only once", so a
//!   client holds one live subscription at a time and a second `subscribe` fails with
//!   [`ClientError::AlreadySubscribed`]. Unsubscribing is fire-and-forget.
//! - Events are routed by their `event` name to the subscription naming it.
//!
//! # Errors
//!
//! [`ClientError`]: `Timeout` (no answer in time: the service ignores origins it does not
//! accept and quarantined requests), `Denied { error_message }` (a failure response),
//! `RateLimited { request, error_message }` (a failure that carries `request`: a rate limit
//! was reached and further requests of that type will be ignored for the quarantine delay),
//! `Decode`, `Transport`, and `Closed`: when the connection goes, every pending call fails
//! with it at once.
//!
//! # Trust: who a client is
//!
//! The service applies its policy (`service-client-api.accepted-web-content-origins`, API
//! filters, rate limits) to the client's origin, and a client never chooses that origin
//! inside a message:
//!
//! - A native client over WebSocket is identified by the `Origin` header of its WebSocket
//!   handshake ([`WebSocketTransport::connect`]'s `origin`; the opaque origin `null` when
//!   absent, which only a `*` entry accepts). An `origin` written inside a message is
//!   ignored.
//! - Only the host page's own origin may relay messages on behalf of other origins (the
//!   browser-verified origins of the frames it embeds); every other connection speaks for
//!   itself alone.
//! - The in-memory transport is trusted code in the same process and states its origin
//!   directly (`InMemoryTransport::connect`, feature `in-memory`).
//!
//! # Example
//!
//! A client connected in memory (feature `in-memory`) to a service whose tiny scripted back end
//! knows one agent:
//!
//! ```
//! use std::sync::Arc;
//!
//! use agentdesk_client::{Client, ClientError};
//! use agentdesk_protocol::policy;
//! use agentdesk_protocol::scapi::Request;
//! use agentdesk_server::engine::{Engine, EngineConfig};
//! use agentdesk_server::service::{Service, SystemClock};
//! use agentdesk_server::workspace::{CallContext, Reply, Workspace};
//! use serde_json::json;
//!
//! struct OneAgent;
//!
//! #[async_trait::async_trait]
//! impl Workspace for OneAgent {
//!     async fn call(&self, _cx: &CallContext, request: Request) -> Reply {
//!         match request {
//!             Request::AgentGet(_) => Reply::data(json!({ "username": "jdoe", "firstname": "Jane" })),
//!             other => Reply::unsupported(&other),
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = "service-client-api.accepted-web-content-origins=http://app.example (agent.*)";
//! let engine = Engine::new(policy::parse(options)?.policy, EngineConfig::default());
//! let service = Service::new(engine, Arc::new(OneAgent), Arc::new(SystemClock));
//!
//! let client = Client::connect_in_memory(&service, "http://app.example").await?;
//! let agent = client.agent().get().await?;
//! assert_eq!(agent.username.as_deref(), Some("jdoe"));
//!
//! // The origin's API filter grants `agent.*` only.
//! let refused = client.voice().dial("5551234", None).await;
//! assert!(matches!(refused, Err(ClientError::Denied { .. })));
//! # Ok(())
//! # }
//! ```
//!
//! Over the network (the emulator's address):
//!
//! ```no_run
//! # async fn run() -> Result<(), agentdesk_client::ClientError> {
//! use agentdesk_client::Client;
//! use agentdesk_protocol::scapi::EventName;
//! use futures_util::StreamExt;
//!
//! let client =
//!     Client::connect_websocket("ws://127.0.0.1:8080/scapi", Some("http://app.example")).await?;
//! let mut events = client.subscribe(&[EventName::Interaction]).await?;
//! while let Some(event) = events.next().await {
//!     println!("{event:?}");
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod error;
mod namespaces;
mod subscription;
pub mod transport;

pub use client::{Client, DEFAULT_TIMEOUT};
pub use error::{ClientError, TransportError};
pub use namespaces::{
    AgentApi, AuthApi, ConfigurationApi, EmailApi, InteractionApi, MediaApi, MessengerApi,
    OutboundApi, SipEndpointApi, SystemApi, VoiceApi,
};
pub use subscription::Subscription;
#[cfg(feature = "in-memory")]
pub use transport::InMemoryTransport;
pub use transport::{Transport, WebSocketTransport};
