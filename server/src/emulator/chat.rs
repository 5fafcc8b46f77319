//! The customer's side of a chat: a small HTTP + WebSocket API that a chat widget (the
//! `agentdesk-webchat` emulator transport) calls, so a chat a customer starts becomes a chat
//! interaction of the simulated desktop.
//!
//! | route | body | effect |
//! |---|---|---|
//! | `POST /chat/sessions` | [`StartChat`] | a new chat (`ADDED`, `INVITED`); `201` [`ChatStarted`] |
//! | `POST /chat/sessions/{id}/messages` | [`SendText`] | `NEW_MESSAGE`; [`TextSent`] |
//! | `POST /chat/sessions/{id}/typing` | [`SetTyping`] (default `true`) | transcript only; [`Done`] |
//! | `POST /chat/sessions/{id}/end` | | `ENDED` (nothing when already over); [`ChatClosed`] |
//! | `GET /chat/sessions/{id}` | | the [`ChatTranscript`] |
//! | `GET /chat/sessions/{id}/stream?after=N` | | WebSocket of [`StreamFrame`]s after `N` |
//!
//! The bodies and frames are typed in `agentdesk_protocol::emulator::chat`.
//!
//! The chat id is a capability: 128 random bits, returned only to the client that started the
//! chat, and the only way to reach it over this API (the interaction id is sequential and
//! would let any local page read every transcript). The table keeps the latest
//! [`MAX_CHATS`] chats. The stream sends each transcript entry after `after`
//! (default 0: all) as a text frame, as it happens (the agent joining on accept, messages and typing of both
//! sides); once the chat is over it sends `{"type":"ChatEnded"}` and closes. A client that
//! lost the socket reconnects with `after` = the last index it saw and misses nothing.
//!
//! The agent's side acts through the control API (`agent` accept / markdone,
//! `agent-chat-message`, `agent-typing`). Errors are an [`ErrorBody`] with 400 (bad body),
//! 404 (no such chat) or 409 (the chat is over, or the step does not fit its state).

use std::collections::BTreeMap;

use agentdesk_protocol::emulator::chat::{
    ChatClosed, ChatParty, ChatStarted, ChatTranscript, Done, EntryKind, SendText, SetTyping,
    StartChat, StreamFrame, TextSent, TranscriptEntry,
};
use agentdesk_protocol::emulator::control::ErrorBody;
use axum::extract::rejection::JsonRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::AppState;
use crate::simulated::{self, ChatMessage, SimulationError};

/// Chats the customer API keeps ids for; starting one more forgets the oldest.
pub(crate) const MAX_CHATS: usize = 4096;

/// Chat ids (capabilities) to the interaction ids they stand for.
#[derive(Debug, Default)]
pub(crate) struct ChatIds {
    interactions: BTreeMap<String, String>,
    order: std::collections::VecDeque<String>,
}

impl ChatIds {
    fn insert(&mut self, interaction_id: String) -> Option<String> {
        let chat_id = random_id()?;
        if self.order.len() >= MAX_CHATS
            && let Some(oldest) = self.order.pop_front()
        {
            self.interactions.remove(&oldest);
        }
        self.order.push_back(chat_id.clone());
        self.interactions.insert(chat_id.clone(), interaction_id);
        Some(chat_id)
    }

    fn interaction(&self, chat_id: &str) -> Option<String> {
        self.interactions.get(chat_id).cloned()
    }
}

fn random_id() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The interaction of chat `chat_id`.
fn interaction_of(state: &AppState, chat_id: &str) -> Option<String> {
    state
        .chats
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .interaction(chat_id)
}

/// The answer for a chat id this API never gave out.
fn no_such_chat() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "No such chat: use the chatId that POST /chat/sessions returned, or start one with it.",
    )
}

/// The WebSocket path of chat `id`'s stream.
pub(crate) fn stream_path(id: &str) -> String {
    format!("/chat/sessions/{id}/stream")
}

#[derive(Debug, Default, Deserialize)]
struct StreamQuery {
    #[serde(default)]
    after: u64,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody::new(message))).into_response()
}

/// A transcript as the chat API sends it.
fn wire_transcript(chat: &simulated::ChatTranscript) -> ChatTranscript {
    ChatTranscript::new(
        chat.interaction_id.clone(),
        chat.customer.clone(),
        chat.entries.iter().map(wire_entry).collect(),
        chat.ended,
    )
}

/// A transcript entry as the chat API sends it.
fn wire_entry(entry: &simulated::ChatEntry) -> TranscriptEntry {
    let kind = match entry.kind {
        simulated::ChatEntryKind::ParticipantJoined => EntryKind::ParticipantJoined,
        simulated::ChatEntryKind::ParticipantLeft => EntryKind::ParticipantLeft,
        simulated::ChatEntryKind::Message => EntryKind::Message,
        simulated::ChatEntryKind::TypingStarted => EntryKind::TypingStarted,
        simulated::ChatEntryKind::TypingStopped => EntryKind::TypingStopped,
    };
    let party = match entry.party {
        simulated::ChatParty::Customer => ChatParty::Client,
        simulated::ChatParty::Agent => ChatParty::Agent,
    };
    TranscriptEntry::new(
        entry.index,
        kind,
        party,
        entry.from.clone(),
        entry.text.clone(),
        entry.timestamp,
    )
}

fn refused(error_value: &SimulationError) -> Response {
    let status = match error_value {
        SimulationError::NoInteraction(_) => StatusCode::NOT_FOUND,
        SimulationError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::CONFLICT,
    };
    error(status, error_value.to_string())
}

fn bad_body(rejection: &JsonRejection) -> Response {
    error(StatusCode::BAD_REQUEST, rejection.body_text())
}

/// The refusal for ids that are no chat (404) and chats that are over (409); `None` when
/// the chat is live.
fn refuse_unless_live(state: &AppState, id: &str) -> Option<Response> {
    match state.workspace.chat_transcript(id) {
        None => Some(error(
            StatusCode::NOT_FOUND,
            format!("No chat with id '{id}': start one with POST /chat/sessions."),
        )),
        Some(chat) if chat.ended => Some(error(
            StatusCode::CONFLICT,
            format!("Chat '{id}' is over: start a new one with POST /chat/sessions."),
        )),
        Some(_) => None,
    }
}

async fn start(
    State(state): State<AppState>,
    body: Result<Json<StartChat>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => return bad_body(&rejection),
    };
    let customer = body.customer();
    let mut message =
        ChatMessage::new_chat(customer.clone(), body.message.clone().unwrap_or_default());
    let form = [
        ("FirstName", &body.first_name),
        ("LastName", &body.last_name),
        ("EmailAddress", &body.email),
        ("Subject", &body.subject),
    ];
    for (key, value) in form {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            message = message.with_data(key, value.clone());
        }
    }
    for (key, value) in body.user_data {
        message = message.with_data(key, value);
    }
    let now = state.service.now();
    match state.workspace.customer_chat_message(now, &message) {
        Ok(arrival) => {
            state.service.publish(arrival.events).await;
            let interaction_id = arrival.interaction_id;
            let chat_id = state
                .chats
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(interaction_id.clone());
            let Some(chat_id) = chat_id else {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the system's random source failed; try again",
                );
            };
            let path = stream_path(&chat_id);
            let started = ChatStarted::new(chat_id, interaction_id, customer, Some(path));
            (StatusCode::CREATED, Json(started)).into_response()
        }
        Err(refusal) => refused(&refusal),
    }
}

async fn send_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SendText>, JsonRejection>,
) -> Response {
    let text = match body {
        Ok(Json(body)) => body.text,
        Err(rejection) => return bad_body(&rejection),
    };
    let Some(id) = interaction_of(&state, &id) else {
        return no_such_chat();
    };
    if let Some(response) = refuse_unless_live(&state, &id) {
        return response;
    }
    let customer = state
        .workspace
        .chat_transcript(&id)
        .map(|chat| chat.customer)
        .unwrap_or_default();
    let now = state.service.now();
    match state
        .workspace
        .customer_chat_message(now, &ChatMessage::in_chat(id.clone(), customer, text))
    {
        Ok(arrival) => {
            state.service.publish(arrival.events).await;
            let index = state
                .workspace
                .chat_transcript(&id)
                .and_then(|chat| chat.entries.last().map(|e| e.index));
            Json(TextSent::new(index)).into_response()
        }
        Err(refusal) => refused(&refusal),
    }
}

async fn typing(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Json<SetTyping>, JsonRejection>,
) -> Response {
    let typing = match body {
        Ok(Json(body)) => body.typing,
        Err(rejection) => return bad_body(&rejection),
    };
    let Some(id) = interaction_of(&state, &id) else {
        return no_such_chat();
    };
    if let Some(response) = refuse_unless_live(&state, &id) {
        return response;
    }
    match state
        .workspace
        .customer_typing(state.service.now(), &id, typing)
    {
        Ok(()) => Json(Done::new()).into_response(),
        Err(refusal) => refused(&refusal),
    }
}

async fn end(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(id) = interaction_of(&state, &id) else {
        return no_such_chat();
    };
    match state.workspace.chat_transcript(&id) {
        None => {
            return error(
                StatusCode::NOT_FOUND,
                format!("No chat with id '{id}': start one with POST /chat/sessions."),
            );
        }
        // Ending twice (or after the agent did) is harmless.
        Some(chat) if chat.ended => {
            return Json(ChatClosed::new()).into_response();
        }
        Some(_) => {}
    }
    match state.workspace.customer_hang_up(state.service.now(), &id) {
        Ok(events) => {
            state.service.publish(events).await;
            Json(ChatClosed::new()).into_response()
        }
        Err(refusal) => refused(&refusal),
    }
}

async fn transcript(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Some(id) = interaction_of(&state, &id) else {
        return no_such_chat();
    };
    match state.workspace.chat_transcript(&id) {
        Some(chat) => Json(wire_transcript(&chat)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("No chat with id '{id}': start one with POST /chat/sessions."),
        ),
    }
}

async fn stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(id) = interaction_of(&state, &id) else {
        return no_such_chat();
    };
    if state.workspace.chat_transcript(&id).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            format!("No chat with id '{id}': start one with POST /chat/sessions."),
        );
    }
    let after = query.after;
    upgrade.on_upgrade(move |socket| push(state, id, after, socket))
}

/// Sends transcript entries after `cursor` as they appear; `ChatEnded` and close at the end.
async fn push(state: AppState, id: String, mut cursor: u64, mut socket: WebSocket) {
    let mut changes = state.workspace.chat_changes();
    let mut stopped = state.stopped.clone();
    loop {
        // Mark first, read second: a change after the read wakes the wait below.
        changes.mark_unchanged();
        let Some(chat) = state.workspace.chat_transcript(&id) else {
            return;
        };
        for entry in chat.after(cursor) {
            let frame = StreamFrame::Entry(wire_entry(entry));
            let text = serde_json::to_string(&frame).unwrap_or_default();
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
            cursor = entry.index;
        }
        if chat.ended {
            let ended = serde_json::to_string(&StreamFrame::ChatEnded).unwrap_or_default();
            let _ = socket.send(Message::Text(ended.into())).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            incoming = socket.recv() => match incoming {
                // The customer's side only listens; anything but a close is ignored.
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            () = async { let _ = stopped.wait_for(|stop| *stop).await; } => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/chat/sessions", post(start))
        .route("/chat/sessions/{id}", get(transcript))
        .route("/chat/sessions/{id}/messages", post(send_message))
        .route("/chat/sessions/{id}/typing", post(typing))
        .route("/chat/sessions/{id}/end", post(end))
        .route("/chat/sessions/{id}/stream", get(stream))
}
