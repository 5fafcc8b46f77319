//! How messages reach the Workspace: one JSON text per Service Client API message, both ways.
//!
//! - [`WebSocketTransport`]: the native `/scapi` endpoint of `agentdesk-server` (or any
//!   service speaking the same framing).
//! - `InMemoryTransport` (feature `in-memory`): a `Service` in the same process.
//! - Anything else: implement [`Transport`].

#[cfg(feature = "in-memory")]
mod memory;
mod ws;

use async_trait::async_trait;

use crate::error::TransportError;

#[cfg(feature = "in-memory")]
pub use memory::InMemoryTransport;
pub use ws::WebSocketTransport;

/// A bidirectional message pipe to a Workspace. Dyn-compatible: a
/// [`Client`](crate::Client) owns a `Box<dyn Transport>` and drives it from one task.
///
/// The client waits on [`Transport::recv`] and on its own outgoing queue at the same time
/// and abandons whichever is not ready, so `recv` must be cancel-safe: dropping its future
/// before it completes must not lose a message.
#[async_trait]
pub trait Transport: Send {
    /// Sends one message (JSON text).
    async fn send(&mut self, text: String) -> Result<(), TransportError>;

    /// The next message (JSON text); `None` once the peer has closed the connection.
    async fn recv(&mut self) -> Option<Result<String, TransportError>>;

    /// Closes the connection. Errors are not interesting at this point and are ignored.
    async fn close(&mut self);
}
