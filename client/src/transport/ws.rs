//! The WebSocket transport: each text frame is one Service Client API message in JSON.

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Transport;
use crate::error::TransportError;

/// A WebSocket connection to a Service Client API endpoint such as `agentdesk-server`'s
/// `ws://host:port/scapi`.
///
/// The service identifies a native client by the `Origin` header of the WebSocket
/// handshake (the opaque origin `null` when there is none) and applies its policy
/// (`service-client-api.accepted-web-content-origins`, API filters, rate limits) to that
/// origin. Only plain `ws://` URLs are supported.
pub struct WebSocketTransport {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl std::fmt::Debug for WebSocketTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketTransport").finish_non_exhaustive()
    }
}

impl WebSocketTransport {
    /// Connects to `url` (e.g. `ws://127.0.0.1:8080/scapi`), sending `origin` as the
    /// handshake's `Origin` header when given (e.g. `http://app.example`).
    pub async fn connect(url: &str, origin: Option<&str>) -> Result<Self, TransportError> {
        let mut request = url.into_client_request().map_err(|error| {
            TransportError::new(format!(
                "{url} is not a WebSocket URL ({error}); use ws://host:port/scapi"
            ))
        })?;
        if let Some(origin) = origin {
            let value = HeaderValue::from_str(origin).map_err(|_| {
                TransportError::new(format!(
                    "{origin:?} cannot be an Origin header; use scheme://host[:port]"
                ))
            })?;
            request.headers_mut().insert("Origin", value);
        }
        let (socket, _response) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|error| {
                TransportError::new(format!(
                    "cannot connect to {url}: {error}; is the Workspace (or the emulator) running there?"
                ))
            })?;
        Ok(Self { socket })
    }
}

#[async_trait]
impl Transport for WebSocketTransport {
    async fn send(&mut self, text: String) -> Result<(), TransportError> {
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|error| TransportError::new(format!("WebSocket send failed: {error}")))
    }

    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => return Some(Ok(text.as_str().to_owned())),
                Ok(Message::Close(_)) => return None,
                // Binary frames are not Service Client API messages; pings are answered by
                // the WebSocket layer itself.
                Ok(_) => {}
                Err(error) => {
                    return Some(Err(TransportError::new(format!(
                        "WebSocket receive failed: {error}"
                    ))));
                }
            }
        }
    }

    async fn close(&mut self) {
        let _ = self.socket.close(None).await;
    }
}
