//! GMS Chat API version 2 over REST polling (the widget's "legacy" controller).
//!
//! Request-chat is `POST {dataURL}/`; every later call is `POST {dataURL}/{chatId}/{op}` with
//! the session keys. Replies are checked in order: HTTP status, then `statusCode`, then
//! `chatEnded`:
//!
//! - `statusCode` 0: success. Transcript events in the reply are delivered, and
//!   `chatEnded: true` ends the session.
//! - `statusCode` 1: transient; the call fails with [`TransportError::Transient`] (the poll
//!   loop counts these towards `chatServerWentOffline`). The other fields of such a reply are
//!   not trustworthy, so its `chatEnded` is ignored.
//! - `statusCode` 2 (and any other value): the call fails with [`TransportError::Server`]
//!   (an `error` event); retrying will not help, so a `chatEnded: true` in the same reply
//!   ends the session as well (`ended` follows the `error`).
//!
//! Replies to calls other than `refresh` (send, typing, notices, ...) can carry transcript
//! events and `chatEnded` too; they reach the service through the session's update channel
//! ([`StartedSession::updates`]), so nothing a reply says is dropped.

use std::sync::Mutex;
use std::time::Duration;

use agentdesk_protocol::webchat::gms::{
    GmsResponse, Operation, RequestChat, SessionKeys, StatusCode, download_path,
    related_event_attributes, user_data_form,
};
use agentdesk_protocol::webchat::{FormField, RejectionText, SessionData, UserData};
use async_trait::async_trait;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use tokio::sync::mpsc;

use super::http::{FilePart, form_urlencode, multipart, percent_encode, send, send_raw};
use super::{
    ChatTransport, SendOptions, StartRequest, StartedSession, TransportCapabilities,
    TransportUpdate,
};
use crate::config::{ChatConfig, GmsSettings, TransportSettings};
use crate::error::{ConfigError, TransportError};

#[derive(Debug, Clone)]
struct GmsSession {
    keys: SessionKeys,
    next_position: i64,
    /// Where updates found in replies to calls other than `refresh` go.
    updates: Option<mpsc::UnboundedSender<TransportUpdate>>,
}

/// GMS Chat API v2 transport.
#[derive(Debug)]
pub struct GmsTransport {
    http: reqwest::Client,
    settings: GmsSettings,
    session: Mutex<Option<GmsSession>>,
}

impl GmsTransport {
    /// A transport for `settings` with a per-request `timeout`, trusting the platform's
    /// root certificates.
    pub fn new(settings: GmsSettings, timeout: Duration) -> Result<Self, TransportError> {
        Self::with_roots(settings, timeout, &[])
    }

    /// As [`Self::new`], also trusting `extra_roots` (DER certificates) for `https://`.
    pub fn with_roots(
        settings: GmsSettings,
        timeout: Duration,
        extra_roots: &[Vec<u8>],
    ) -> Result<Self, TransportError> {
        let http = super::tls::Tls::new(extra_roots)?.http_client(timeout)?;
        Ok(Self {
            http,
            settings,
            session: Mutex::new(None),
        })
    }

    /// A transport for a GMS configuration; a [`ConfigError::WrongTransport`] when `config`
    /// selects another back end.
    pub fn from_config(config: &ChatConfig) -> Result<Self, TransportError> {
        match &config.transport {
            TransportSettings::Gms(settings) => Self::with_roots(
                settings.clone(),
                Duration::from_millis(config.request_timeout_ms),
                &config.extra_root_certificates,
            ),
            other => Err(ConfigError::wrong_transport("GMS Chat API v2", other).into()),
        }
    }

    fn current(&self) -> Option<GmsSession> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn store(&self, session: Option<GmsSession>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = session;
    }

    /// The transcript position to ask for next.
    fn position(&self) -> i64 {
        self.current().map(|s| s.next_position).unwrap_or(1)
    }

    fn session_url(&self, session: &GmsSession, suffix: &str) -> String {
        format!(
            "{}/{}/{suffix}",
            self.settings.data_url,
            percent_encode(session.keys.chat_id.as_str())
        )
    }

    fn with_apikey(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.settings.apikey {
            Some(key) => request.header("apikey", key),
            None => request,
        }
    }

    /// A reply read only for its `statusCode` and `chatEnded` (file operations, whose
    /// `messages` are not transcript events); `chatEnded: true` is forwarded.
    fn checked_value(
        &self,
        operation: &'static str,
        reply: Value,
    ) -> Result<Value, TransportError> {
        let status = reply.get("statusCode").and_then(Value::as_i64);
        let ended = reply.get("chatEnded") == Some(&Value::Bool(true));
        if ended && status != Some(StatusCode::TRANSIENT.0) {
            self.forward(vec![TransportUpdate::ChatEnded]);
        }
        match status.map(StatusCode) {
            Some(StatusCode::SUCCESS) => Ok(reply),
            Some(StatusCode::TRANSIENT) => Err(TransportError::Transient { operation, reply }),
            Some(_) => Err(TransportError::Server { operation, reply }),
            None => Err(TransportError::Malformed {
                operation,
                message: "the reply has no statusCode".into(),
            }),
        }
    }

    /// Posts a form; returns the decoded reply whatever its `statusCode`.
    async fn post(
        &self,
        operation: &'static str,
        url: String,
        pairs: &[(String, String)],
    ) -> Result<(GmsResponse, Value), TransportError> {
        let request = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_urlencode(pairs));
        let body = send(operation, self.with_apikey(request)).await?;
        let reply: GmsResponse =
            serde_json::from_value(body.clone()).map_err(|error| TransportError::Malformed {
                operation,
                message: error.to_string(),
            })?;
        Ok((reply, body))
    }

    /// The reply as a result: `statusCode` 0 is success, 1 transient, anything else an error.
    fn checked(
        operation: &'static str,
        reply: GmsResponse,
        body: Value,
    ) -> Result<GmsResponse, TransportError> {
        match reply.status_code {
            StatusCode::SUCCESS => Ok(reply),
            StatusCode::TRANSIENT => Err(TransportError::Transient {
                operation,
                reply: body,
            }),
            _ => Err(TransportError::Server {
                operation,
                reply: body,
            }),
        }
    }

    /// A call on the open session. Returns the checked reply and what the reply reported
    /// (transcript events, `chatEnded`), advancing the transcript position.
    async fn call(
        &self,
        operation: Operation,
        label: &'static str,
        extra: Vec<(String, String)>,
    ) -> (Result<GmsResponse, TransportError>, Vec<TransportUpdate>) {
        let Some(session) = self.current() else {
            return (
                Err(TransportError::NoSession { operation: label }),
                Vec::new(),
            );
        };
        let url = self.session_url(&session, operation.path());
        let mut pairs = session.keys.form();
        pairs.extend(extra);
        let (reply, body) = match self.post(label, url, &pairs).await {
            Ok(answer) => answer,
            Err(error) => return (Err(error), Vec::new()),
        };
        let updates = match reply.status_code {
            StatusCode::SUCCESS => self.absorb(&reply),
            // Other fields of a transient reply are not trustworthy.
            StatusCode::TRANSIENT => Vec::new(),
            // "Retrying will not help, check chatEnded."
            _ if reply.chat_ended == Some(true) => vec![TransportUpdate::ChatEnded],
            _ => Vec::new(),
        };
        (Self::checked(label, reply, body), updates)
    }

    /// A call whose reply's updates go to the session's update channel.
    async fn call_forwarding(
        &self,
        operation: Operation,
        label: &'static str,
        extra: Vec<(String, String)>,
    ) -> Result<GmsResponse, TransportError> {
        let (result, updates) = self.call(operation, label, extra).await;
        self.forward(updates);
        result
    }

    /// Sends `updates` to the service through the session's update channel.
    fn forward(&self, updates: Vec<TransportUpdate>) {
        if updates.is_empty() {
            return;
        }
        let sender = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|s| s.updates.clone());
        if let Some(sender) = sender {
            for update in updates {
                let _ = sender.send(update);
            }
        }
    }

    /// Turns a reply's transcript into updates and remembers the next position.
    fn absorb(&self, reply: &GmsResponse) -> Vec<TransportUpdate> {
        let mut updates = Vec::new();
        let events = reply.messages.clone().unwrap_or_default();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(session) = guard.as_mut() {
            let seen = session.next_position;
            let fresh: Vec<_> = events.into_iter().filter(|e| e.index >= seen).collect();
            let highest = fresh.iter().map(|e| e.index + 1).max().unwrap_or(seen);
            session.next_position = reply.next_position.unwrap_or(highest).max(highest);
            if !fresh.is_empty() {
                updates.push(TransportUpdate::Messages {
                    messages: fresh.iter().map(|e| e.to_message()).collect(),
                    originals: fresh
                        .iter()
                        .map(|e| serde_json::to_value(e).unwrap_or_default())
                        .collect(),
                });
            }
        }
        if reply.chat_ended == Some(true) {
            updates.push(TransportUpdate::ChatEnded);
        }
        updates
    }

    fn reply_value(reply: &GmsResponse) -> Value {
        serde_json::to_value(reply).unwrap_or_default()
    }
}

#[async_trait]
impl ChatTransport for GmsTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities {
            polling: true,
            custom_notice: true,
            update_user_data: true,
            file_upload: true,
            file_download: true,
            async_chat: false,
            history: Err(RejectionText::HistoryRequiresAsync),
        }
    }

    async fn start(&self, request: StartRequest) -> Result<StartedSession, TransportError> {
        const OPERATION: &str = "request chat";
        let options = &request.options;
        let field = |f| options.field(f).map(str::to_owned);
        let form = RequestChat {
            nickname: field(FormField::Nickname),
            first_name: field(FormField::Firstname),
            last_name: field(FormField::Lastname),
            subject: field(FormField::Subject),
            email_address: field(FormField::Email),
            endpoint: self.settings.endpoint.clone(),
            text: options
                .extra
                .get("text")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            // The widget sends `userData.phone` as `userData[PhoneNumber]`.
            user_data: request
                .user_data
                .iter()
                .map(|(key, value)| {
                    let key = if key == "phone" { "PhoneNumber" } else { key };
                    (key.to_owned(), value.clone())
                })
                .collect(),
        };
        let (reply, body) = self
            .post(
                OPERATION,
                format!("{}/", self.settings.data_url),
                &form.form(),
            )
            .await?;
        let reply = Self::checked(OPERATION, reply, body)?;
        let keys = reply
            .session_keys()
            .ok_or_else(|| TransportError::Malformed {
                operation: OPERATION,
                message: "the reply lacks chatId, userId, secureKey or alias".into(),
            })?;
        let session_data = SessionData::Gms(keys.session_data());
        let (sender, receiver) = mpsc::unbounded_channel();
        self.store(Some(GmsSession {
            keys,
            next_position: 1,
            updates: Some(sender),
        }));
        let replay = self.absorb(&reply);
        Ok(StartedSession {
            response: Self::reply_value(&reply),
            session_data,
            replay,
            updates: Some(receiver),
        })
    }

    async fn restore(&self, session: SessionData) -> Result<StartedSession, TransportError> {
        const OPERATION: &str = "restore";
        let SessionData::Gms(data) = session else {
            return Err(TransportError::Malformed {
                operation: OPERATION,
                message: "not GMS session data".into(),
            });
        };
        let keys = SessionKeys {
            chat_id: data.session_id.clone(),
            user_id: data.user_id.clone(),
            secure_key: data.secure_key.clone(),
            alias: data.alias.clone(),
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        self.store(Some(GmsSession {
            keys,
            next_position: 1,
            updates: Some(sender),
        }));
        let position = vec![
            ("transcriptPosition".to_owned(), "1".to_owned()),
            ("message".to_owned(), String::new()),
        ];
        let (outcome, replay) = self.call(Operation::Refresh, OPERATION, position).await;
        let reply = match outcome {
            Ok(reply) => reply,
            Err(error) => {
                self.store(None);
                return Err(error);
            }
        };
        // As the widget: only `chatEnded: false` proves the session alive; `true` or a
        // missing `chatEnded` mean it is over (`restoreTimeout`).
        if reply.chat_ended != Some(false) {
            self.store(None);
            return Err(TransportError::SessionEnded {
                operation: OPERATION,
                reply: Self::reply_value(&reply),
            });
        }
        Ok(StartedSession {
            response: Self::reply_value(&reply),
            session_data: SessionData::Gms(data),
            replay,
            updates: Some(receiver),
        })
    }

    async fn send_message(&self, text: &str) -> Result<Value, TransportError> {
        self.send_message_with(text, &SendOptions::default()).await
    }

    async fn send_message_with(
        &self,
        text: &str,
        options: &SendOptions,
    ) -> Result<Value, TransportError> {
        let mut pairs = vec![("message".to_owned(), text.to_owned())];
        if let Some(kind) = options.message_type.as_ref().filter(|t| !t.is_empty()) {
            pairs.push(("messageType".to_owned(), kind.clone()));
        }
        if let Some(parent) = options.parent_message_id.as_ref().filter(|p| !p.is_empty()) {
            pairs.push((
                "eventAttributes".to_owned(),
                related_event_attributes(parent).to_string(),
            ));
        }
        // The reply then carries the transcript from there, which the update channel delivers.
        pairs.push(("transcriptPosition".to_owned(), self.position().to_string()));
        let reply = self
            .call_forwarding(Operation::Send, "send message", pairs)
            .await?;
        Ok(Self::reply_value(&reply))
    }

    async fn send_file(&self, file: &FilePart) -> Result<Value, TransportError> {
        const OPERATION: &str = "upload file";
        let session = self.current().ok_or(TransportError::NoSession {
            operation: OPERATION,
        })?;
        let (body, content_type) = multipart(&session.keys.form(), "file", file);
        let request = self
            .http
            .post(self.session_url(&session, Operation::FileUpload.path()))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        let value = send(OPERATION, self.with_apikey(request)).await?;
        let reply = self.checked_value(OPERATION, value)?;
        Ok(reply)
    }

    async fn download_file(&self, file_id: &str) -> Result<Vec<u8>, TransportError> {
        const OPERATION: &str = "download file";
        let session = self.current().ok_or(TransportError::NoSession {
            operation: OPERATION,
        })?;
        let path = download_path(&percent_encode(file_id));
        let request = self
            .http
            .post(self.session_url(&session, &path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_urlencode(&session.keys.form()));
        let raw = send_raw(OPERATION, self.with_apikey(request)).await?;
        let json = raw
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json"));
        let reply = json
            .then(|| serde_json::from_slice::<Value>(&raw.bytes).ok())
            .flatten();
        if !(200..300).contains(&raw.status) {
            return Err(TransportError::Http {
                operation: OPERATION,
                status: raw.status,
                body: reply.unwrap_or_else(|| {
                    Value::String(String::from_utf8_lossy(&raw.bytes).into_owned())
                }),
            });
        }
        // A JSON reply with a `statusCode` is GMS refusing; any other body is the file.
        if let Some(reply) = reply.filter(|r| r.get("statusCode").is_some()) {
            self.checked_value(OPERATION, reply)?;
        }
        Ok(raw.bytes)
    }

    async fn file_limits(&self) -> Result<Value, TransportError> {
        const OPERATION: &str = "file limits";
        let session = self.current().ok_or(TransportError::NoSession {
            operation: OPERATION,
        })?;
        let request = self
            .http
            .post(self.session_url(&session, Operation::FileLimits.path()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_urlencode(&session.keys.form()));
        let value = send(OPERATION, self.with_apikey(request)).await?;
        self.checked_value(OPERATION, value)
    }

    async fn send_typing(&self, typing: bool, preview: &str) -> Result<Value, TransportError> {
        let (operation, label) = if typing {
            (Operation::StartTyping, "start typing")
        } else {
            (Operation::StopTyping, "stop typing")
        };
        let pairs = vec![
            ("message".to_owned(), preview.to_owned()),
            ("transcriptPosition".to_owned(), self.position().to_string()),
        ];
        let reply = self.call_forwarding(operation, label, pairs).await?;
        Ok(Self::reply_value(&reply))
    }

    async fn end(&self) -> Result<Value, TransportError> {
        // The service ends the session itself: the disconnect reply's `chatEnded` must not
        // end it a second time.
        if let Some(session) = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            session.updates = None;
        }
        let (outcome, _) = self
            .call(Operation::Disconnect, "disconnect", Vec::new())
            .await;
        self.store(None);
        Ok(Self::reply_value(&outcome?))
    }

    async fn send_custom_notice(&self, text: &str) -> Result<Value, TransportError> {
        let pairs = vec![("message".to_owned(), text.to_owned())];
        let reply = self
            .call_forwarding(Operation::CustomNotice, "custom notice", pairs)
            .await?;
        Ok(Self::reply_value(&reply))
    }

    async fn update_user_data(&self, data: &UserData) -> Result<Value, TransportError> {
        let reply = self
            .call_forwarding(Operation::UpdateData, "update data", user_data_form(data))
            .await?;
        Ok(Self::reply_value(&reply))
    }

    async fn poll(&self) -> Result<Vec<TransportUpdate>, TransportError> {
        let position = self.position();
        let pairs = vec![
            ("transcriptPosition".to_owned(), position.to_string()),
            ("message".to_owned(), String::new()),
        ];
        let (outcome, updates) = self.call(Operation::Refresh, "refresh", pairs).await;
        match outcome {
            Ok(_) => Ok(updates),
            Err(error) => {
                // A failed poll can still say the chat is over (`statusCode` 2 with
                // `chatEnded`): the error is reported first, then the end.
                self.forward(updates);
                Err(error)
            }
        }
    }
}
