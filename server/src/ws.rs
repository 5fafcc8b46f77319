//! The native WebSocket endpoint: `GET /scapi`.
//!
//! Each text frame is one Service Client API message in JSON, in either direction, exactly as
//! a page would post it. A native client is identified by the `Origin` header of its WebSocket
//! handshake (`null` when absent) and the security policy applies to that origin like to any
//! page. Trust rule: only the host page's own relay (`/relay`) may speak for other origins;
//! this endpoint never reads an origin from inside a message.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::engine::EngineError;
use crate::service::Service;

/// Largest WebSocket message read. Larger than the engine's message limit on purpose, so an
/// oversized message reaches the engine, which drops and traces it, instead of the socket
/// being torn down.
pub(crate) const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Read buffer per connection. The library default (128 KiB) would make an idle connection
/// cost over 100 KiB of memory; messages are small, and larger ones still arrive in pieces.
pub(crate) const READ_BUFFER_BYTES: usize = 4 * 1024;

/// The origin a handshake claims; `null` (the opaque origin) when it has none.
pub(crate) fn handshake_origin(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("null")
        .to_owned()
}

/// A router serving the native endpoint `GET /scapi` for `service`; mount it in your own axum
/// application to accept native clients (`agentdesk-client`'s WebSocket transport).
pub fn router(service: Service) -> Router {
    Router::new()
        .route("/scapi", get(upgrade))
        .with_state(service)
}

async fn upgrade(
    State(service): State<Service>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let origin = handshake_origin(&headers);
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(service, socket, origin))
}

async fn serve(service: Service, mut socket: WebSocket, origin: String) {
    let mut connection = match service.connect(&origin, None).await {
        Ok(connection) => connection,
        Err(error) => {
            // Any web page can open sockets here: refusing its flood is routine, not news.
            if matches!(error, EngineError::TooManyUnacceptedFrames { .. }) {
                tracing::debug!(%origin, %error, "native client refused");
            } else {
                tracing::warn!(%origin, %error, "native client refused");
            }
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    };
    tracing::debug!(%origin, frame = %connection.frame(), "native client connected");
    loop {
        tokio::select! {
            outgoing = connection.recv() => {
                let Some(message) = outgoing else { break };
                if socket.send(Message::Text(message.to_json().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => connection.send(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => {
                    tracing::debug!(%origin, "binary WebSocket frame ignored: send JSON text");
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    tracing::debug!(%origin, frame = %connection.frame(), "native client disconnected");
}
