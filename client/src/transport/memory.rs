//! The in-memory transport: a client connected straight to a `Service` in the same process.

use agentdesk_server::service::{Connection, Service};
use async_trait::async_trait;
use tokio::sync::mpsc;

use super::Transport;
use crate::error::TransportError;

/// Messages buffered each way before the sender waits.
const QUEUE: usize = 1024;

/// A connection to an [`agentdesk_server::service::Service`] running in this process, for
/// tests and for embedding a client next to a custom desktop.
///
/// The service sees the connection as a client window whose page has the given origin, so
/// its policy applies exactly as it does to a WebSocket client with that handshake
/// `Origin`. A task owns the service's [`Connection`] and hands each message to it in
/// order; dropping the transport disconnects the window.
#[derive(Debug)]
pub struct InMemoryTransport {
    /// `None` once closed: dropping the sender ends the pump, which disconnects the window.
    to_service: Option<mpsc::Sender<String>>,
    from_service: mpsc::Receiver<String>,
}

impl InMemoryTransport {
    /// Connects a client window whose page has `origin` to `service`. Must be called inside
    /// a Tokio runtime.
    pub async fn connect(service: &Service, origin: &str) -> Result<Self, TransportError> {
        let connection = service.connect(origin, None).await.map_err(|error| {
            TransportError::new(format!("the service refused the connection: {error}"))
        })?;
        let (to_service, outgoing) = mpsc::channel(QUEUE);
        let (incoming, from_service) = mpsc::channel(QUEUE);
        tokio::spawn(pump(connection, outgoing, incoming));
        Ok(Self {
            to_service: Some(to_service),
            from_service,
        })
    }
}

/// Moves messages between the client and the service's connection until either side goes.
async fn pump(
    mut connection: Connection,
    mut outgoing: mpsc::Receiver<String>,
    incoming: mpsc::Sender<String>,
) {
    loop {
        tokio::select! {
            message = outgoing.recv() => match message {
                Some(text) => connection.send(&text).await,
                None => break,
            },
            message = connection.recv() => match message {
                Some(message) => {
                    if incoming.send(message.to_json()).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
        }
    }
}

#[async_trait]
impl Transport for InMemoryTransport {
    async fn send(&mut self, text: String) -> Result<(), TransportError> {
        let gone = || TransportError::new("the in-memory connection to the service is closed");
        let sender = self.to_service.as_ref().ok_or_else(gone)?;
        sender.send(text).await.map_err(|_| gone())
    }

    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        self.from_service.recv().await.map(Ok)
    }

    async fn close(&mut self) {
        self.to_service = None;
        self.from_service.close();
    }
}
