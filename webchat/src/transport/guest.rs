//! Genesys Cloud guest web chat v2 (`purecloud-v2-sockets`): REST calls plus the
//! conversation's WebSocket event stream.
//!
//! The stream is watched by a task: any frame (heartbeats included) proves the socket alive;
//! silence longer than `socketHeartbeatTrackerInterval`, a close or an error means
//! `Disconnected`, after which the task reconnects every `socketReconnectInterval`, reports
//! `Reconnected`, and catches up on messages after the last one seen.
//!
//! # Deprecated upstream
//!
//! Genesys marks guest chat v2 deprecated: its Platform API swagger (and every SDK generated
//! from it) flags each `/api/v2/webchat/guest/*` operation deprecated, pointing to the
//! "Deprecation: Removal of ACD web chat version 2" notice
//! (<https://help.genesys.cloud/articles/deprecation-removal-of-acd-web-chat-version-2/>).
//! Its replacement is Web Messaging, the channel behind Genesys Cloud Messenger: a guest
//! opens the Web Messaging guest WebSocket API
//! (`wss://webmessaging.<region>/v1?deploymentId=<Messenger deployment>`), sends
//! `configureSession` with a session token it keeps to resume the conversation, exchanges
//! `onMessage` structured messages, and reads history over REST
//! (`/api/v2/webmessaging/messages`) with the session's JWT. Web Messaging conversations are
//! asynchronous (they outlive the page and the socket), and deployments are Messenger
//! deployments, not widget deployments, so it is a different transport rather than a
//! variant of this one; this crate does not implement it. Use this transport for
//! organizations that still run Widgets with `purecloud-v2-sockets`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::webchat::guest::RoutingTarget;
use agentdesk_protocol::webchat::guest::{
    BodyType, CONVERSATIONS_PATH, CreateConversationRequest, CreateConversationResponse, FrameKind,
    GuestMemberInfo, MemberRole, MemberState, MessageListing, SendMessageRequest, StreamFrame,
    WebChatMemberInfo, WebChatMessage,
};
use agentdesk_protocol::webchat::{
    FormField, GuestSessionData, InteractionData, Message, MessageType, RejectionText, SessionData,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use super::http::{percent_encode, send};
use super::stream::{Link, StreamTask, reopen};
use super::tls::Socket;
use super::{
    ChatTransport, HistoryPage, StartRequest, StartedSession, TransportCapabilities,
    TransportUpdate,
};
use crate::config::{ChatConfig, GuestChatSettings, TransportSettings};
use crate::error::{ConfigError, TransportError};

#[derive(Debug, Clone)]
struct Conversation {
    id: String,
    member_id: String,
    jwt: String,
    stream_uri: String,
    last_message_id: Option<String>,
    oldest_message_id: Option<String>,
    members: BTreeMap<String, WebChatMemberInfo>,
    /// Ids of messages already delivered (stream and history overlap on restore and after a
    /// reconnect), newest last, at most [`SEEN_LIMIT`].
    seen: VecDeque<String>,
}

/// How many delivered message ids are remembered to drop duplicates.
const SEEN_LIMIT: usize = 4_096;

impl Conversation {
    fn new(id: String, member_id: String, jwt: String, stream_uri: String) -> Self {
        Self {
            id,
            member_id,
            jwt,
            stream_uri,
            last_message_id: None,
            oldest_message_id: None,
            members: BTreeMap::new(),
            seen: VecDeque::new(),
        }
    }

    /// Records `id` as delivered; `false` when it already was.
    fn first_sight(&mut self, id: &str) -> bool {
        if id.is_empty() {
            return true;
        }
        if self.seen.iter().any(|seen| seen == id) {
            return false;
        }
        if self.seen.len() == SEEN_LIMIT {
            self.seen.pop_front();
        }
        self.seen.push_back(id.to_owned());
        true
    }
}

impl Conversation {
    fn session_data(&self) -> SessionData {
        SessionData::Guest(GuestSessionData {
            jwt: self.jwt.clone(),
            conversation_id: self.id.clone(),
            member_id: self.member_id.clone(),
            web_socket_url: self.stream_uri.clone(),
            last_message_id: self.last_message_id.clone(),
        })
    }
}

#[derive(Debug)]
struct Inner {
    link: Link<Conversation>,
    settings: GuestChatSettings,
}

/// Genesys Cloud guest chat v2 transport.
#[derive(Debug)]
pub struct GuestChatTransport {
    inner: Arc<Inner>,
    stream: StreamTask,
}

impl GuestChatTransport {
    /// A transport for `settings` with a per-request `timeout`, trusting the platform's
    /// root certificates.
    pub fn new(settings: GuestChatSettings, timeout: Duration) -> Result<Self, TransportError> {
        Self::with_roots(settings, timeout, &[])
    }

    /// As [`Self::new`], also trusting `extra_roots` (DER certificates) for `https://` and
    /// `wss://`.
    pub fn with_roots(
        settings: GuestChatSettings,
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

    /// A transport for a guest chat configuration; a [`ConfigError::WrongTransport`] when
    /// `config` selects another back end.
    pub fn from_config(config: &ChatConfig) -> Result<Self, TransportError> {
        match &config.transport {
            TransportSettings::GuestChat(settings) => Self::with_roots(
                settings.clone(),
                Duration::from_millis(config.request_timeout_ms),
                &config.extra_root_certificates,
            ),
            other => Err(ConfigError::wrong_transport("purecloud-v2-sockets", other).into()),
        }
    }

    fn set_conversation(&self, conversation: Option<Conversation>) {
        self.inner.link.set_session(conversation);
    }

    /// Opens the event stream and starts watching it.
    async fn attach_stream(
        &self,
    ) -> Result<mpsc::UnboundedReceiver<TransportUpdate>, TransportError> {
        let inner = Arc::clone(&self.inner);
        let uri = self.inner.conversation().map(|c| c.stream_uri);
        self.stream
            .attach(&self.inner.link.tls, uri, |socket, updates| {
                watch_stream(inner, socket, updates)
            })
            .await
    }
}

impl Inner {
    fn conversation(&self) -> Option<Conversation> {
        self.link.session()
    }

    fn update(&self, change: impl FnOnce(&mut Conversation)) {
        self.link.update_session(change);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.data_url, path)
    }

    /// An authenticated call below the conversation (`suffix` starts with `/` or `?`).
    async fn call(
        &self,
        operation: &'static str,
        method: Method,
        suffix: &str,
        body: Option<Value>,
    ) -> Result<Value, TransportError> {
        let conversation = self
            .conversation()
            .ok_or(TransportError::NoSession { operation })?;
        let url = self.url(&format!("{CONVERSATIONS_PATH}/{}{suffix}", conversation.id));
        let mut request = self
            .link
            .http
            .request(method, url)
            .bearer_auth(&conversation.jwt);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(operation, request).await
    }

    async fn member(&self, id: &str) -> Option<WebChatMemberInfo> {
        if let Some(known) = self.conversation().and_then(|c| c.members.get(id).cloned()) {
            return Some(known);
        }
        let value = self
            .call(
                "get member",
                Method::GET,
                &format!("/members/{}", percent_encode(id)),
                None,
            )
            .await
            .ok()?;
        let member: WebChatMemberInfo = serde_json::from_value(value).ok()?;
        self.update(|c| {
            c.members.insert(member.id.clone(), member.clone());
        });
        Some(member)
    }

    /// Normalises messages, refreshing member details on joins and leaves.
    async fn normalise(&self, raw: Vec<WebChatMessage>) -> Vec<TransportUpdate> {
        let mut messages = Vec::new();
        let mut originals = Vec::new();
        let mut ended = false;
        let own_id = self.conversation().map(|c| c.member_id).unwrap_or_default();
        for message in raw {
            let mut fresh = true;
            self.update(|c| fresh = c.first_sight(&message.id));
            if !fresh {
                continue;
            }
            let membership = matches!(
                message.body_type,
                Some(BodyType::MemberJoin | BodyType::MemberLeave)
            );
            if membership {
                self.update(|c| {
                    c.members.remove(&message.sender.id);
                });
            }
            let sender = self.member(&message.sender.id).await;
            if message.body_type == Some(BodyType::MemberLeave) && message.sender.id == own_id {
                ended = true;
            }
            self.update(|c| {
                c.last_message_id = Some(message.id.clone());
                if c.oldest_message_id.is_none() {
                    c.oldest_message_id = Some(message.id.clone());
                }
            });
            messages.push(message.to_message(sender.as_ref()));
            originals.push(serde_json::to_value(&message).unwrap_or_default());
        }
        let mut updates = Vec::new();
        if !messages.is_empty() {
            // Credentials first, so `messageReceived` carries the new last message id.
            if let Some(conversation) = self.conversation() {
                updates.push(TransportUpdate::SessionData(conversation.session_data()));
            }
            updates.push(TransportUpdate::Messages {
                messages,
                originals,
            });
        }
        if ended {
            updates.push(TransportUpdate::ChatEnded);
        }
        updates
    }

    /// The newest page of `maxMessagePageSize` messages (restore with pagination on; older
    /// pages come with `fetchHistory`).
    async fn latest_page(&self) -> Result<Vec<TransportUpdate>, TransportError> {
        const OPERATION: &str = "list messages";
        let size = self.settings.max_message_page_size;
        let suffix = format!("/messages?maxResults={size}&sortOrder=descending");
        let page: MessageListing =
            serde_json::from_value(self.call(OPERATION, Method::GET, &suffix, None).await?)
                .map_err(|error| TransportError::Malformed {
                    operation: OPERATION,
                    message: error.to_string(),
                })?;
        let mut raw = page.entities;
        raw.reverse();
        // `fetchHistory` continues before this page, whatever the stream delivered meanwhile.
        if let Some(oldest) = raw.first().map(|m| m.id.clone()) {
            self.update(|c| c.oldest_message_id = Some(oldest));
        }
        Ok(self.normalise(raw).await)
    }

    /// Messages after the last one seen (all when none was seen), following `next` pages.
    async fn catch_up(&self) -> Result<Vec<TransportUpdate>, TransportError> {
        let after = self.conversation().and_then(|c| c.last_message_id);
        let mut suffix = match &after {
            Some(id) => format!("/messages?after={}", percent_encode(id)),
            None => "/messages".to_owned(),
        };
        let mut raw = Vec::new();
        for _ in 0..100 {
            let page: MessageListing = serde_json::from_value(
                self.call("list messages", Method::GET, &suffix, None)
                    .await?,
            )
            .map_err(|error| TransportError::Malformed {
                operation: "list messages",
                message: error.to_string(),
            })?;
            raw.extend(page.entities);
            let prefix = self
                .conversation()
                .map(|c| format!("{CONVERSATIONS_PATH}/{}", c.id))
                .unwrap_or_default();
            match page
                .next
                .as_deref()
                .and_then(|next| next.strip_prefix(&prefix))
            {
                Some(next) if !next.is_empty() => suffix = next.to_owned(),
                _ => break,
            }
        }
        Ok(self.normalise(raw).await)
    }

    /// Whether the back end still has the guest connected.
    async fn own_member_connected(&self) -> Result<bool, TransportError> {
        let own = self.conversation().map(|c| c.member_id).unwrap_or_default();
        let value = self
            .call(
                "get member",
                Method::GET,
                &format!("/members/{}", percent_encode(&own)),
                None,
            )
            .await?;
        let member: WebChatMemberInfo =
            serde_json::from_value(value).map_err(|error| TransportError::Malformed {
                operation: "get member",
                message: error.to_string(),
            })?;
        Ok(member.state != Some(MemberState::Disconnected))
    }

    async fn handle_frame(&self, text: &str, updates: &mpsc::UnboundedSender<TransportUpdate>) {
        let frame = match serde_json::from_str::<StreamFrame>(text) {
            Ok(frame) => frame,
            Err(error) => {
                let _ = updates.send(TransportUpdate::Error(
                    json!({ "message": format!("unreadable stream frame: {error}") }),
                ));
                return;
            }
        };
        match frame.kind() {
            Ok(FrameKind::Message(message)) => {
                for update in self.normalise(vec![message]).await {
                    let _ = updates.send(update);
                }
            }
            Ok(FrameKind::Typing(typing)) => {
                let sender = self.member(&typing.sender.id).await;
                let own = self.conversation().map(|c| c.member_id).unwrap_or_default();
                if typing.sender.id != own {
                    let mut message = WebChatMessage {
                        id: String::new(),
                        conversation: None,
                        sender: typing.sender.clone(),
                        body: None,
                        body_type: None,
                        timestamp: typing
                            .extra
                            .get("timestamp")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        extra: BTreeMap::new(),
                    }
                    .to_message(sender.as_ref());
                    message.kind = MessageType::TypingStarted;
                    message.text = None;
                    message.extra.remove("id");
                    let _ = updates.send(TransportUpdate::Messages {
                        messages: vec![message],
                        originals: vec![frame.event_body.clone()],
                    });
                }
            }
            // Heartbeats only prove liveness; member changes are reflected by join/leave
            // messages while the session is active.
            Ok(FrameKind::Heartbeat | FrameKind::MemberChange(_) | FrameKind::Other(_)) => {}
            Err(error) => {
                let _ = updates.send(TransportUpdate::Error(
                    json!({ "message": format!("malformed stream frame: {error}") }),
                ));
            }
        }
    }
}

/// Watches the socket; reconnects after silence, close or error.
async fn watch_stream(
    inner: Arc<Inner>,
    mut socket: Socket,
    updates: mpsc::UnboundedSender<TransportUpdate>,
) {
    let silence = Duration::from_millis(inner.settings.heartbeat_timeout_ms);
    let retry = Duration::from_millis(inner.settings.reconnect_interval_ms);
    loop {
        loop {
            match tokio::time::timeout(silence, socket.next()).await {
                Ok(Some(Ok(Frame::Text(text)))) => {
                    inner.handle_frame(text.as_str(), &updates).await
                }
                Ok(Some(Ok(Frame::Close(_)) | Err(_)) | None) | Err(_) => break,
                Ok(Some(Ok(_))) => {}
            }
            if updates.is_closed() {
                return;
            }
        }
        let stream_uri = || inner.conversation().map(|c| c.stream_uri);
        match reopen(&inner.link.tls, retry, &updates, stream_uri).await {
            Some(reopened) => socket = reopened,
            None => return,
        }
        match inner.catch_up().await {
            Ok(caught_up) => {
                for update in caught_up {
                    let _ = updates.send(update);
                }
            }
            Err(error) => {
                let _ = updates.send(TransportUpdate::Error(error.to_value()));
            }
        }
        if let Ok(false) = inner.own_member_connected().await {
            let _ = updates.send(TransportUpdate::ChatEnded);
            return;
        }
    }
}

/// The widget sends `phone` as `phoneNumber`, the GuestMemberInfo name.
fn custom_field_name(key: &str) -> &str {
    if key == "phone" { "phoneNumber" } else { key }
}

/// Routing, journey and custom fields of one conversation.
struct Interaction {
    routing: RoutingTarget,
    journey: BTreeMap<String, Value>,
    /// `userData` of the overlays (the configured one is `settings.custom_fields`).
    user_data: BTreeMap<String, Value>,
}

/// The configured `transport.interactionData`, overlaid by what `updateInteractionData` set
/// before the chat, overlaid by the chat's own `startChat.interactionData`. Overlays merge
/// key by key: a routing overlay with only `targetAddress` keeps the configured priority.
fn effective_interaction(settings: &GuestChatSettings, request: &StartRequest) -> Interaction {
    let mut interaction = Interaction {
        routing: settings.routing.clone(),
        journey: settings.journey.clone(),
        user_data: BTreeMap::new(),
    };
    let updated = request
        .interaction_data
        .as_ref()
        .map(|data| Value::Object(data.clone().into_iter().collect()));
    for overlay in [updated.as_ref(), request.options.interaction_data.as_ref()]
        .into_iter()
        .flatten()
    {
        let Ok(overlay) = serde_json::from_value::<InteractionData>(overlay.clone()) else {
            continue;
        };
        if let Some(routing) = overlay.routing {
            let target = &mut interaction.routing;
            if let Some(kind) = routing.target_type {
                target.target_type = kind;
            }
            if routing.target_address.is_some() {
                target.target_address = routing.target_address;
            }
            if routing.priority.is_some() {
                target.priority = routing.priority;
            }
            if routing.skills.is_some() {
                target.skills = routing.skills;
            }
            if routing.language.is_some() {
                target.language = routing.language;
            }
        }
        interaction
            .journey
            .extend(overlay.journey.unwrap_or_default());
        interaction
            .user_data
            .extend(overlay.user_data.unwrap_or_default());
    }
    interaction
}

/// `journeyContext` from the widget's flat `interactionData.journey` keys; `None` when none
/// of them is set.
fn journey_context(journey: &BTreeMap<String, Value>) -> Option<Value> {
    let get = |key: &str| journey.get(key).filter(|v| !v.is_null()).cloned();
    let object = |pairs: Vec<(&str, Option<Value>)>| {
        let map: serde_json::Map<String, Value> = pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    };
    let customer = object(vec![
        ("id", get("customerId")),
        ("idType", get("customerIdType")),
    ]);
    let session = object(vec![("id", get("sessionId")), ("type", get("sessionType"))]);
    let action_map = object(vec![
        ("id", get("actionMapId")),
        ("version", get("actionMapVersion")),
    ]);
    let action = object(vec![("id", get("actionId")), ("actionMap", action_map)]);
    object(vec![
        ("customer", customer),
        ("customerSession", session),
        ("triggeringAction", action),
    ])
}

/// `memberInfo.displayName`: nickname, else "first last", else either, else "Customer".
fn display_name(request: &StartRequest) -> String {
    let options = &request.options;
    if let Some(nickname) = options.field(FormField::Nickname) {
        return nickname.to_owned();
    }
    match (
        options.field(FormField::Firstname),
        options.field(FormField::Lastname),
    ) {
        (Some(first), Some(last)) => format!("{first} {last}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "Customer".to_owned(),
    }
}

#[async_trait]
impl ChatTransport for GuestChatTransport {
    fn capabilities(&self) -> TransportCapabilities {
        TransportCapabilities::messages_only(if self.inner.settings.pagination {
            Ok(())
        } else {
            Err(RejectionText::HistoryPaginationDisabled)
        })
    }

    async fn start(&self, request: StartRequest) -> Result<StartedSession, TransportError> {
        const OPERATION: &str = "create conversation";
        let settings = &self.inner.settings;
        let interaction = effective_interaction(settings, &request);
        // Configured interaction userData, then the form, then userData, then the overlays.
        let mut custom_fields: BTreeMap<String, String> = settings
            .custom_fields
            .iter()
            .map(|(key, value)| (custom_field_name(key).to_owned(), value.clone()))
            .collect();
        let names = [
            ("firstName", FormField::Firstname),
            ("lastName", FormField::Lastname),
            ("email", FormField::Email),
            ("subject", FormField::Subject),
        ];
        for (key, field) in names {
            if let Some(value) = request.options.field(field) {
                custom_fields.insert(key.to_owned(), value.to_owned());
            }
        }
        for (key, value) in request.user_data.iter().chain(&interaction.user_data) {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            custom_fields.insert(custom_field_name(key).to_owned(), text);
        }
        let body = CreateConversationRequest {
            organization_id: settings.organization_id.clone(),
            deployment_id: settings.deployment_key.clone(),
            routing_target: interaction.routing,
            member_info: GuestMemberInfo {
                display_name: display_name(&request),
                avatar_image_url: None,
                custom_fields,
                extra: [("role".to_owned(), json!("CUSTOMER"))]
                    .into_iter()
                    .collect(),
            },
            member_auth_token: None,
            journey_context: journey_context(&interaction.journey),
        };
        let url = self.inner.url(CONVERSATIONS_PATH);
        let reply = send(OPERATION, self.inner.link.http.post(url).json(&body)).await?;
        let created: CreateConversationResponse =
            serde_json::from_value(reply.clone()).map_err(|error| TransportError::Malformed {
                operation: OPERATION,
                message: error.to_string(),
            })?;
        let own = WebChatMemberInfo {
            id: created.member.id.clone(),
            display_name: Some(body.member_info.display_name.clone()),
            avatar_image_url: None,
            role: MemberRole::Customer,
            state: Some(MemberState::Connected),
            extra: BTreeMap::new(),
        };
        let mut conversation = Conversation::new(
            created.id.clone(),
            created.member.id.clone(),
            created.jwt.clone(),
            created.event_stream_uri.clone(),
        );
        conversation.members.insert(own.id.clone(), own);
        let session_data = conversation.session_data();
        self.set_conversation(Some(conversation));
        // Routing starts once the socket is attached, so the stream opens before we resolve.
        let updates = match self.attach_stream().await {
            Ok(updates) => updates,
            Err(error) => {
                self.set_conversation(None);
                return Err(error);
            }
        };
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
                message: "not guest chat session data".into(),
            });
        };
        self.set_conversation(Some(Conversation::new(
            data.conversation_id.clone(),
            data.member_id.clone(),
            data.jwt.clone(),
            data.web_socket_url.clone(),
        )));
        let restored = async {
            if !self.inner.own_member_connected().await? {
                return Err(TransportError::SessionEnded {
                    operation: OPERATION,
                    reply: json!("customer disconnected, conversation ended"),
                });
            }
            // The stream first: what arrives while the history loads waits in its channel,
            // and messages seen on both are delivered once.
            let updates = self.attach_stream().await?;
            let replay = if self.inner.settings.pagination {
                self.inner.latest_page().await?
            } else {
                self.inner.catch_up().await?
            };
            Ok((replay, updates))
        };
        match restored.await {
            Ok((replay, updates)) => {
                let session_data = self
                    .inner
                    .conversation()
                    .map(|c| c.session_data())
                    .unwrap_or(SessionData::Guest(data));
                Ok(StartedSession {
                    response: Value::Null,
                    session_data,
                    replay,
                    updates: Some(updates),
                })
            }
            Err(error) => {
                self.set_conversation(None);
                Err(error)
            }
        }
    }

    async fn send_message(&self, text: &str) -> Result<Value, TransportError> {
        let own = self
            .inner
            .conversation()
            .map(|c| c.member_id)
            .unwrap_or_default();
        let body = serde_json::to_value(SendMessageRequest {
            body: text.to_owned(),
            body_type: None,
        })
        .unwrap_or_default();
        self.inner
            .call(
                "send message",
                Method::POST,
                &format!("/members/{}/messages", percent_encode(&own)),
                Some(body),
            )
            .await
    }

    async fn send_typing(&self, typing: bool, _preview: &str) -> Result<Value, TransportError> {
        // Genesys Cloud has no "stopped typing" call; the agent's indicator times out.
        if !typing {
            return Ok(Value::Null);
        }
        let own = self
            .inner
            .conversation()
            .map(|c| c.member_id)
            .unwrap_or_default();
        self.inner
            .call(
                "send typing",
                Method::POST,
                &format!("/members/{}/typing", percent_encode(&own)),
                None,
            )
            .await
    }

    async fn end(&self) -> Result<Value, TransportError> {
        let own = self
            .inner
            .conversation()
            .map(|c| c.member_id)
            .unwrap_or_default();
        let outcome = self
            .inner
            .call(
                "leave conversation",
                Method::DELETE,
                &format!("/members/{}", percent_encode(&own)),
                None,
            )
            .await;
        self.stream.stop();
        self.set_conversation(None);
        outcome
    }

    async fn fetch_history(&self) -> Result<HistoryPage, TransportError> {
        const OPERATION: &str = "fetch history";
        let size = self.inner.settings.max_message_page_size;
        let before = self.inner.conversation().and_then(|c| c.oldest_message_id);
        let mut suffix = format!("/messages?maxResults={size}&sortOrder=descending");
        if let Some(before) = &before {
            suffix.push_str(&format!("&before={}", percent_encode(before)));
        }
        let page: MessageListing = serde_json::from_value(
            self.inner
                .call(OPERATION, Method::GET, &suffix, None)
                .await?,
        )
        .map_err(|error| TransportError::Malformed {
            operation: OPERATION,
            message: error.to_string(),
        })?;
        let has_more = page.entities.len() >= size as usize;
        let mut raw = page.entities;
        raw.reverse();
        if let Some(oldest) = raw.first() {
            let id = oldest.id.clone();
            self.inner.update(|c| c.oldest_message_id = Some(id));
        }
        let mut messages: Vec<Message> = Vec::new();
        for message in &raw {
            let sender = self.inner.member(&message.sender.id).await;
            messages.push(message.to_message(sender.as_ref()));
        }
        let originals = raw
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or_default())
            .collect();
        Ok(HistoryPage {
            messages,
            originals,
            has_more,
        })
    }
}
