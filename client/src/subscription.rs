//! A live subscription: the typed stream of the events it names.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use agentdesk_protocol::scapi::{Event, EventName};
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::client::Shared;
use crate::error::ClientError;

/// The events of one subscription, in the order the service sent them. The stream ends when
/// the connection closes.
///
/// End it with [`Client::unsubscribe`](crate::Client::unsubscribe), or drop it: either way
/// the service is told, and the client may subscribe again.
pub struct Subscription {
    id: String,
    names: Vec<EventName>,
    events: mpsc::UnboundedReceiver<Event>,
    shared: Arc<Shared>,
    ended: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    pub(crate) fn new(
        id: String,
        names: Vec<EventName>,
        events: mpsc::UnboundedReceiver<Event>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            id,
            names,
            events,
            shared,
            ended: false,
        }
    }

    /// The `subscriptionId` the service acknowledged the subscription with.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event names subscribed to.
    pub fn names(&self) -> &[EventName] {
        &self.names
    }

    /// The next event; `None` once the connection is closed.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Ends the subscription (see [`Client::unsubscribe`](crate::Client::unsubscribe)).
    pub(crate) fn end(mut self) -> Result<(), ClientError> {
        self.ended = true;
        self.shared.release(&self.id)
    }
}

impl Stream for Subscription {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if !self.ended {
            // Best effort: a closed connection has no subscription left to end.
            let _ = self.shared.release(&self.id);
        }
    }
}
