//! The host page's relay: `GET /relay`.
//!
//! The host page listens for `message` events from the app frames it embeds (iframes and
//! popups), and forwards each one with the origin the browser verified (`event.origin`) and the
//! frame it came from. Replies come back addressed to a frame with the exact origin to post to
//! (never `*`). Only WebSocket handshakes whose `Origin` is the host page's own may relay: any
//! other page could otherwise claim to speak for any origin.
//!
//! Text frames, page to server:
//! - `{"type":"register","frame":"<id>","origin":"<origin>","tab":"<tab id>"}`
//! - `{"type":"message","frame":"<id>","origin":"<event.origin>","data":<posted object>}`
//! - `{"type":"unregister","frame":"<id>"}`
//!
//! Server to page:
//! - `{"type":"post","frame":"<id>","targetOrigin":"<origin>","data":<message>}`
//! - `{"type":"trace","record":<trace record>}` (the inspector's timeline)
//! - `{"type":"error","message":"<what was wrong>"}`

use std::collections::BTreeMap;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::AppState;
use crate::service::Service;
use crate::ws::{MAX_FRAME_BYTES, READ_BUFFER_BYTES, handshake_origin};

/// Most frames one host page may relay for.
pub(super) const MAX_FRAMES_PER_PAGE: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum FromPage {
    Register {
        frame: String,
        origin: String,
        tab: Option<String>,
    },
    Message {
        frame: String,
        origin: String,
        data: Value,
    },
    Unregister {
        frame: String,
    },
}

pub(super) async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let origin = handshake_origin(&headers);
    if !state.host_origins.contains(&origin) {
        tracing::warn!(%origin, "relay refused: only the host page's own origin may relay for frames");
        return (
            StatusCode::FORBIDDEN,
            "only the host page's own origin may use /relay",
        )
            .into_response();
    }
    let service = state.service.clone();
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .on_upgrade(move |socket| relay(service, socket))
}

/// Inbound messages for one relayed frame: (origin, raw JSON).
type FrameInbox = mpsc::Sender<(String, String)>;

async fn relay(service: Service, mut socket: WebSocket) {
    let (to_page, mut outbox) = mpsc::channel::<Value>(1024);
    let mut frames: BTreeMap<String, FrameInbox> = BTreeMap::new();
    let mut traces = service.traces();
    loop {
        tokio::select! {
            outgoing = outbox.recv() => {
                let Some(frame) = outgoing else { break };
                if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                    break;
                }
            }
            trace = traces.recv() => {
                if let Ok(record) = trace {
                    let frame = json!({ "type": "trace", "record": record });
                    if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                }
            }
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                if let Err(problem) = from_page(&service, &mut frames, &to_page, text.as_str()).await {
                    let frame = json!({ "type": "error", "message": problem });
                    if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

async fn from_page(
    service: &Service,
    frames: &mut BTreeMap<String, FrameInbox>,
    to_page: &mpsc::Sender<Value>,
    text: &str,
) -> Result<(), String> {
    let message: FromPage = serde_json::from_str(text)
        .map_err(|error| format!("relay frame not understood: {error}"))?;
    match message {
        FromPage::Register { frame, origin, tab } => {
            if frames.len() >= MAX_FRAMES_PER_PAGE && !frames.contains_key(&frame) {
                return Err(format!(
                    "too many frames on one page (limit {MAX_FRAMES_PER_PAGE})"
                ));
            }
            let connection = service
                .connect(&origin, tab)
                .await
                .map_err(|error| error.to_string())?;
            let (inbox, messages) = mpsc::channel(256);
            tokio::spawn(pump(
                frame.clone(),
                origin,
                connection,
                messages,
                to_page.clone(),
            ));
            // Replacing an entry drops the old inbox, which ends its pump and disconnects it.
            frames.insert(frame, inbox);
            Ok(())
        }
        FromPage::Message {
            frame,
            origin,
            data,
        } => {
            let inbox = frames
                .get(&frame)
                .ok_or_else(|| format!("frame {frame:?} is not registered"))?;
            inbox
                .send((origin, data.to_string()))
                .await
                .map_err(|_| format!("frame {frame:?} is closed"))
        }
        FromPage::Unregister { frame } => {
            frames.remove(&frame);
            Ok(())
        }
    }
}

/// Moves one frame's traffic: posted messages into the service, replies out to the page.
async fn pump(
    frame: String,
    mut origin: String,
    mut connection: crate::service::Connection,
    mut messages: mpsc::Receiver<(String, String)>,
    to_page: mpsc::Sender<Value>,
) {
    loop {
        tokio::select! {
            posted = messages.recv() => {
                let Some((from, raw)) = posted else { break };
                origin.clone_from(&from);
                connection.send_from(&from, &raw).await;
            }
            reply = connection.recv() => {
                let Some(reply) = reply else { break };
                let post = json!({ "type": "post", "frame": frame, "targetOrigin": origin, "data": reply.to_value() });
                if to_page.send(post).await.is_err() {
                    break;
                }
            }
        }
    }
}
