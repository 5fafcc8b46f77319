//! GMS Chat API version 2 over REST polling (the widget's "legacy" controller).
//!
//! Request-chat is `POST {dataURL}/`; every later call is `POST {dataURL}/{chatId}/{op}` with
//! the session keys. Replies are checked in order: HTTP status, then `statusCode` (1 is
//! transient, anything else non-zero is an error), then `chatEnded`.

use std::sync::Mutex;
use std::time::Duration;

use agentdesk_protocol::webchat::gms::{
    GmsResponse, Operation, RequestChat, SessionKeys, StatusCode, user_data_form,
};
use agentdesk_protocol::webchat::{FormField, RejectionText, SessionData, UserData};
use async_trait::async_trait;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use super::http::{form_urlencode, send};
use super::{ChatTransport, StartRequest, StartedSession, TransportCapabilities, TransportUpdate};
use crate::config::{ChatConfig, GmsSettings, TransportSettings};
use crate::error::TransportError;

#[derive(Debug, Clone)]
struct GmsSession {
    keys: SessionKeys,
    next_position: i64,
}

/// GMS Chat API v2 transport.
#[derive(Debug)]
pub struct GmsTransport {
    http: reqwest::Client,
    settings: GmsSettings,
    session: Mutex<Option<GmsSession>>,
}

impl GmsTransport {
    /// A transport for `settings` with a per-request `timeout`.
    pub fn new(settings: GmsSettings, timeout: Duration) -> Result<Self, TransportError> {
        let http = super::http::client(timeout)?;
        Ok(Self {
            http,
            settings,
            session: Mutex::new(None),
        })
    }

    /// A transport for a GMS configuration; `None` when `config` selects another back end.
    pub fn from_config(config: &ChatConfig) -> Option<Result<Self, TransportError>> {
        match &config.transport {
            TransportSettings::Gms(settings) => Some(Self::new(
                settings.clone(),
                Duration::from_millis(config.request_timeout_ms),
            )),
            TransportSettings::GuestChat(_) | TransportSettings::Emulator(_) => None,
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

    async fn post(
        &self,
        operation: &'static str,
        url: String,
        pairs: &[(String, String)],
    ) -> Result<GmsResponse, TransportError> {
        let mut request = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_urlencode(pairs));
        if let Some(key) = &self.settings.apikey {
            request = request.header("apikey", key);
        }
        let body = send(operation, request).await?;
        let reply: GmsResponse =
            serde_json::from_value(body.clone()).map_err(|error| TransportError::Malformed {
                operation,
                message: error.to_string(),
            })?;
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

    /// A call on the open session; advances the transcript position from the reply.
    async fn call(
        &self,
        operation: Operation,
        label: &'static str,
        extra: Vec<(String, String)>,
    ) -> Result<(GmsResponse, Vec<TransportUpdate>), TransportError> {
        let session = self
            .current()
            .ok_or(TransportError::NoSession { operation: label })?;
        let url = format!(
            "{}/{}/{}",
            self.settings.data_url,
            session.keys.chat_id,
            operation.path()
        );
        let mut pairs = session.keys.form();
        pairs.extend(extra);
        let reply = self.post(label, url, &pairs).await?;
        let updates = self.absorb(&reply);
        Ok((reply, updates))
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
            file_upload: false,
            file_download: false,
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
            user_data: request.user_data.clone(),
        };
        let reply = self
            .post(
                OPERATION,
                format!("{}/", self.settings.data_url),
                &form.form(),
            )
            .await?;
        let keys = reply
            .session_keys()
            .ok_or_else(|| TransportError::Malformed {
                operation: OPERATION,
                message: "the reply lacks chatId, userId, secureKey or alias".into(),
            })?;
        let session_data = SessionData::Gms(keys.session_data());
        self.store(Some(GmsSession {
            keys,
            next_position: 1,
        }));
        let replay = self.absorb(&reply);
        Ok(StartedSession {
            response: Self::reply_value(&reply),
            session_data,
            replay,
            updates: None,
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
        self.store(Some(GmsSession {
            keys,
            next_position: 1,
        }));
        let position = vec![
            ("transcriptPosition".to_owned(), "1".to_owned()),
            ("message".to_owned(), String::new()),
        ];
        let outcome = self.call(Operation::Refresh, OPERATION, position).await;
        let (reply, replay) = match outcome {
            Ok(done) => done,
            Err(error) => {
                self.store(None);
                return Err(error);
            }
        };
        if reply.chat_ended != Some(false) {
            self.store(None);
            return Err(TransportError::Server {
                operation: OPERATION,
                reply: Self::reply_value(&reply),
            });
        }
        Ok(StartedSession {
            response: Self::reply_value(&reply),
            session_data: SessionData::Gms(data),
            replay,
            updates: None,
        })
    }

    async fn send_message(&self, text: &str) -> Result<Value, TransportError> {
        let pairs = vec![("message".to_owned(), text.to_owned())];
        let (reply, _) = self.call(Operation::Send, "send message", pairs).await?;
        Ok(Self::reply_value(&reply))
    }

    async fn send_typing(&self, typing: bool, preview: &str) -> Result<Value, TransportError> {
        let (operation, label) = if typing {
            (Operation::StartTyping, "start typing")
        } else {
            (Operation::StopTyping, "stop typing")
        };
        let pairs = vec![("message".to_owned(), preview.to_owned())];
        let (reply, _) = self.call(operation, label, pairs).await?;
        Ok(Self::reply_value(&reply))
    }

    async fn end(&self) -> Result<Value, TransportError> {
        let outcome = self
            .call(Operation::Disconnect, "disconnect", Vec::new())
            .await;
        self.store(None);
        Ok(Self::reply_value(&outcome?.0))
    }

    async fn send_custom_notice(&self, text: &str) -> Result<Value, TransportError> {
        let pairs = vec![("message".to_owned(), text.to_owned())];
        let (reply, _) = self
            .call(Operation::CustomNotice, "custom notice", pairs)
            .await?;
        Ok(Self::reply_value(&reply))
    }

    async fn update_user_data(&self, data: &UserData) -> Result<Value, TransportError> {
        let (reply, _) = self
            .call(Operation::UpdateData, "update data", user_data_form(data))
            .await?;
        Ok(Self::reply_value(&reply))
    }

    async fn poll(&self) -> Result<Vec<TransportUpdate>, TransportError> {
        let position = self.current().map(|s| s.next_position).unwrap_or(1);
        let pairs = vec![
            ("transcriptPosition".to_owned(), position.to_string()),
            ("message".to_owned(), String::new()),
        ];
        let (_, updates) = self.call(Operation::Refresh, "refresh", pairs).await?;
        Ok(updates)
    }
}
