//! The agentdesk-server emulator's chat API: a chat started here becomes a chat interaction
//! of the simulated Agent Workspace, so Service Client API apps see `INVITED`,
//! `NEW_MESSAGE` and `ENDED`, and the simulated agent (the emulator's control API) answers.
//!
//! REST calls below `{host}/chat/sessions` start the chat, send messages and typing, and end
//! it; a WebSocket (`/chat/sessions/{id}/stream?after=N`) pushes the transcript entries of
//! both sides (agent joined, messages, typing, left) and a final `ChatEnded` frame. A socket
//! that closes before `ChatEnded` means `Disconnected`; the task then reopens it every
//! `reconnect_interval_ms` with `after` = the last entry seen, reports `Reconnected`, and the
//! emulator replays what was missed.
//!
//! Every `POST` carries a JSON body with `Content-Type: application/json` (`{}` when the
//! call has nothing to say, as `end`), so a server that refuses bodiless or form posts (a
//! browser cannot send JSON cross-site without a preflight) accepts them. The chat id is
//! opaque: it is echoed as an escaped path segment and never parsed, and the stream is
//! opened at the `streamPath` the start reply names.
//!
//! Session data: the protocol crate has no emulator variant of
//! [`SessionData`], so the session is reported as [`SessionData::Guest`] with
//! `conversationId` = the chat id (opaque, not the interaction id), `memberId` = the customer's name,
//! `WebSocketUrl` = the stream URL, `lastMessageId` = the last transcript index seen and an
//! empty `jwt` (the emulator has no authentication). Restore takes the same shape.

use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::emulator::chat::{
    ChatStarted, ChatTranscript, SendText, SetTyping, StartChat, StreamFrame, TranscriptEntry,
};
use agentdesk_protocol::webchat::{
    FormField, GuestSessionData, Message, MessageType, Party, PartyType, RejectionText, SessionData,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use super::http::{path_segment, send};
use super::stream::{Link, StreamTask, reopen};
use super::tls::Socket;
use super::{ChatTransport, StartRequest, StartedSession, TransportCapabilities, TransportUpdate};
use crate::config::{ChatConfig, EmulatorSettings, TransportSettings};
use crate::error::{ConfigError, TransportError};

#[derive(Debug, Clone)]
struct Chat {
    /// Opaque: only ever echoed (escaped as a path segment), never parsed.
    id: String,
    customer: String,
    last_index: u64,
    /// The stream's `ws://`/`wss://` URL without its query.
    stream: String,
}

#[derive(Debug)]
struct Inner {
    link: Link<Chat>,
    settings: EmulatorSettings,
}

/// Transport to the agentdesk-server emulator (see the [module docs](self)).
#[derive(Debug)]
pub struct EmulatorTransport {
    inner: Arc<Inner>,
    stream: StreamTask,
}

impl EmulatorTransport {
    /// A transport for `settings` with a per-request `timeout`.
    pub fn new(settings: EmulatorSettings, timeout: Duration) -> Result<Self, TransportError> {
        Self::with_roots(settings, timeout, &[])
    }

    /// As [`Self::new`], also trusting `extra_roots` (DER certificates) for `https://` and
    /// `wss://`.
    pub fn with_roots(
        settings: EmulatorSettings,
        timeout: Duration,
        extra_roots: &[Vec<u8>],
    ) -> Result<Self, TransportError> {
        Ok(Self {
            inner: Arc::new(Inner {
                link: Link::new(timeout, extra_roots)?,
                settings,
            }),
            stream: StreamTask::default(),
        })
    }

    /// A transport for an emulator configuration ([`ChatConfig::emulator`]); a
    /// [`ConfigError::WrongTransport`] when `config` selects another back end.
    pub fn from_config(config: &ChatConfig) -> Result<Self, TransportError> {
        match &config.transport {
            TransportSettings::Emulator(settings) => Self::with_roots(
                settings.clone(),
                Duration::from_millis(config.request_timeout_ms),
                &config.extra_root_certificates,
            ),
            other => Err(ConfigError::wrong_transport("emulator", other).into()),
        }
    }

    fn set_chat(&self, chat: Option<Chat>) {
        self.inner.link.set_session(chat);
    }

    /// Opens the event stream after the last entry seen and starts watching it.
    async fn attach_stream(
        &self,
    ) -> Result<mpsc::UnboundedReceiver<TransportUpdate>, TransportError> {
        let inner = Arc::clone(&self.inner);
        self.stream
            .attach(
                &self.inner.link.tls,
                self.inner.stream_url(),
                |socket, updates| watch_stream(inner, socket, updates),
            )
            .await
    }
}

impl Inner {
    fn chat(&self) -> Option<Chat> {
        self.link.session()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.data_url)
    }

    fn session_url(&self, id: &str, suffix: &str) -> String {
        self.url(&format!("/chat/sessions/{}{suffix}", path_segment(id)))
    }

    /// The stream URL for `stream_path` (from the start reply), or the documented
    /// `/chat/sessions/{id}/stream` when the emulator did not send one.
    fn stream_base(&self, id: &str, stream_path: Option<&str>) -> String {
        let http = match stream_path.filter(|p| p.starts_with('/')) {
            Some(path) => self.url(path),
            None => self.session_url(id, "/stream"),
        };
        match http.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some((_, rest)) => format!("ws://{rest}"),
            None => http,
        }
    }

    fn stream_url(&self) -> Option<String> {
        let chat = self.chat()?;
        let separator = if chat.stream.contains('?') { '&' } else { '?' };
        Some(format!(
            "{}{separator}after={}",
            chat.stream, chat.last_index
        ))
    }

    fn session_data(&self) -> Option<SessionData> {
        let chat = self.chat()?;
        Some(SessionData::Guest(GuestSessionData {
            jwt: String::new(),
            conversation_id: chat.id,
            member_id: chat.customer,
            web_socket_url: chat.stream,
            last_message_id: (chat.last_index > 0).then(|| chat.last_index.to_string()),
        }))
    }

    /// A call below the open chat (`suffix` starts with `/`).
    async fn call(
        &self,
        operation: &'static str,
        suffix: &str,
        body: &impl serde::Serialize,
    ) -> Result<Value, TransportError> {
        let chat = self.chat().ok_or(TransportError::NoSession { operation })?;
        let request = self
            .link
            .http
            .request(Method::POST, self.session_url(&chat.id, suffix))
            .json(body);
        send(operation, request).await
    }

    /// Turns entries into updates, advancing the last index seen. The customer's own typing
    /// is not echoed (WebChatService reports it itself).
    fn normalise(&self, entries: Vec<TranscriptEntry>) -> Vec<TransportUpdate> {
        let mut messages = Vec::new();
        let mut originals = Vec::new();
        for entry in entries {
            self.link
                .update_session(|chat| chat.last_index = chat.last_index.max(entry.index));
            let message = to_message(&entry);
            let own_typing = message.party_type() == Some(&PartyType::Client)
                && matches!(
                    message.kind,
                    MessageType::TypingStarted | MessageType::TypingStopped
                );
            if !own_typing {
                messages.push(message);
                originals.push(serde_json::to_value(&entry).unwrap_or(Value::Null));
            }
        }
        let mut updates = Vec::new();
        if !messages.is_empty() {
            // Credentials first, so `messageReceived` carries the new last index.
            if let Some(data) = self.session_data() {
                updates.push(TransportUpdate::SessionData(data));
            }
            updates.push(TransportUpdate::Messages {
                messages,
                originals,
            });
        }
        updates
    }
}

fn to_message(entry: &TranscriptEntry) -> Message {
    let party = PartyType::from(entry.party.as_str());
    let kind = MessageType::from(entry.kind.as_str());
    let from = Party::new(party, Some(json!(entry.from)), Some(entry.from.clone()));
    let mut message = Message::new(kind, entry.text.clone(), Some(from));
    message.index = i64::try_from(entry.index).ok();
    message.timestamp = Some(entry.timestamp);
    message
}

/// Watches the socket until `ChatEnded`; reconnects (catching up) after a close or error.
async fn watch_stream(
    inner: Arc<Inner>,
    mut socket: Socket,
    updates: mpsc::UnboundedSender<TransportUpdate>,
) {
    let retry = Duration::from_millis(inner.settings.reconnect_interval_ms);
    loop {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Frame::Text(text)) => match StreamFrame::decode(text.as_str()) {
                    Ok(StreamFrame::Entry(entry)) => {
                        for update in inner.normalise(vec![entry]) {
                            let _ = updates.send(update);
                        }
                    }
                    Ok(StreamFrame::ChatEnded) => {
                        let _ = updates.send(TransportUpdate::ChatEnded);
                        return;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        let _ = updates.send(TransportUpdate::Error(
                            json!({ "message": format!("unreadable stream frame: {error}") }),
                        ));
                    }
                },
                Ok(Frame::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
            if updates.is_closed() {
                return;
            }
        }
        // The emulator replays every entry after the last one seen on the new socket.
        match reopen(&inner.link.tls, retry, &updates, || inner.stream_url()).await {
            Some(reopened) => socket = reopened,
            None => return,
        }
    }
}

/// The nickname, when given (the emulator falls back to "first last", then "Customer").
fn customer_name(request: &StartRequest) -> Option<String> {
    request
        .options
        .field(FormField::Nickname)
        .map(str::to_owned)
}

#[async_trait]
impl ChatTransport for EmulatorTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::messages_only(Err(RejectionText::HistoryRequiresAsync))
    }

    async fn start(&self, request: StartRequest) -> Result<StartedSession, TransportError> {
        const OPERATION: &str = "start chat";
        let options = &request.options;
        let field = |name| options.field(name).map(str::to_owned);
        let mut body = StartChat::default();
        body.nickname = customer_name(&request);
        body.first_name = field(FormField::Firstname);
        body.last_name = field(FormField::Lastname);
        body.email = field(FormField::Email);
        body.subject = field(FormField::Subject);
        body.user_data = request.user_data.clone().into_iter().collect();
        let reply = send(
            OPERATION,
            self.inner
                .link
                .http
                .post(self.inner.url("/chat/sessions"))
                .json(&body),
        )
        .await?;
        let started: ChatStarted =
            serde_json::from_value(reply.clone()).map_err(|error| TransportError::Malformed {
                operation: OPERATION,
                message: error.to_string(),
            })?;
        let stream = self
            .inner
            .stream_base(&started.chat_id, started.stream_path.as_deref());
        self.set_chat(Some(Chat {
            id: started.chat_id,
            customer: started.customer,
            last_index: 0,
            stream,
        }));
        let updates = match self.attach_stream().await {
            Ok(updates) => updates,
            Err(error) => {
                self.set_chat(None);
                return Err(error);
            }
        };
        let session_data = self.inner.session_data().ok_or(TransportError::NoSession {
            operation: OPERATION,
        })?;
        Ok(StartedSession {
            response: reply,
            session_data,
            replay: Vec::new(),
            updates: Some(updates),
        })
    }

    async fn restore(&self, session: SessionData) -> Result<StartedSession, TransportError> {
        const OPERATION: &str = "restore";
        let SessionData::Guest(data) = session else {
            return Err(TransportError::Malformed {
                operation: OPERATION,
                message: "not emulator (guest-shaped) chat session data".into(),
            });
        };
        let url = self.inner.session_url(&data.conversation_id, "");
        let reply = send(OPERATION, self.inner.link.http.get(url)).await?;
        let transcript: ChatTranscript =
            serde_json::from_value(reply).map_err(|error| TransportError::Malformed {
                operation: OPERATION,
                message: error.to_string(),
            })?;
        if transcript.ended {
            return Err(TransportError::SessionEnded {
                operation: OPERATION,
                reply: json!(format!("chat '{}' is over", data.conversation_id)),
            });
        }
        let stream = if data.web_socket_url.starts_with("ws") {
            data.web_socket_url.clone()
        } else {
            self.inner.stream_base(&data.conversation_id, None)
        };
        self.set_chat(Some(Chat {
            id: data.conversation_id.clone(),
            customer: transcript.customer,
            last_index: 0,
            stream,
        }));
        let replay = self.inner.normalise(transcript.entries);
        let updates = match self.attach_stream().await {
            Ok(updates) => updates,
            Err(error) => {
                self.set_chat(None);
                return Err(error);
            }
        };
        let session_data = self
            .inner
            .session_data()
            .unwrap_or(SessionData::Guest(data));
        Ok(StartedSession {
            response: Value::Null,
            session_data,
            replay,
            updates: Some(updates),
        })
    }

    async fn send_message(&self, text: &str) -> Result<Value, TransportError> {
        self.inner
            .call("send message", "/messages", &SendText::new(text))
            .await
    }

    async fn send_typing(&self, typing: bool, _preview: &str) -> Result<Value, TransportError> {
        self.inner
            .call("send typing", "/typing", &SetTyping::new(typing))
            .await
    }

    async fn end(&self) -> Result<Value, TransportError> {
        // Stop listening first: the service ends the session itself, so the emulator's
        // echo of the leave and `ChatEnded` would only repeat `clientDisconnected`/`ended`.
        self.stream.stop();
        let outcome = self.inner.call("end chat", "/end", &json!({})).await;
        self.set_chat(None);
        outcome
    }
}
