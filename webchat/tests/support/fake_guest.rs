//! A loopback Genesys Cloud guest chat v2 back end: the documented REST shapes plus an event
//! stream WebSocket with heartbeats, a scripted agent, and switches to drop or silence sockets.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const CONVERSATION: &str = "conv-1";
pub const GUEST: &str = "guest-1";
pub const AGENT: &str = "agent-9";
const JWT: &str = "eyJ0eXAiOiJKV1QifQ.e30.sig";

#[derive(Default)]
pub struct GuestState {
    pub create_requests: Vec<Value>,
    pub messages: Vec<Value>,
    pub typing_posts: usize,
    pub guest_connected: bool,
    pub sockets: Vec<mpsc::UnboundedSender<Option<String>>>,
    pub socket_attaches: usize,
    /// Reject socket upgrades while set.
    pub refuse_sockets: bool,
    /// Send heartbeats (every 50 ms) while set.
    pub heartbeats: bool,
    /// Status to fail the next create with.
    pub fail_create: Option<u16>,
    pub unauthorised_calls: usize,
    /// `eventStreamUri` to hand out instead of this fake's own `ws://` stream.
    pub stream_uri: Option<String>,
    /// An agent text posted right after the next message list is answered (so it is in no
    /// page: only a socket attached by then sees it).
    pub say_after_list: Option<String>,
    /// Every `GET .../messages` query.
    pub list_queries: Vec<BTreeMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeGuestChat {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<GuestState>>,
}

type Shared = State<Arc<Mutex<GuestState>>>;

impl FakeGuestChat {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(GuestState {
            heartbeats: true,
            ..GuestState::default()
        }));
        let base = "/api/v2/webchat/guest/conversations";
        let app = Router::new()
            .route(base, post(create))
            .route(
                &format!("{base}/{{conversation}}/members/{{member}}"),
                get(member).delete(leave),
            )
            .route(
                &format!("{base}/{{conversation}}/members/{{member}}/messages"),
                post(send),
            )
            .route(
                &format!("{base}/{{conversation}}/members/{{member}}/typing"),
                post(typing),
            )
            .route(&format!("{base}/{{conversation}}/messages"), get(list))
            .route("/stream/{conversation}", get(stream))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    pub fn data_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn broadcast(&self, frame: Value) {
        let text = frame.to_string();
        self.state
            .lock()
            .unwrap()
            .sockets
            .retain(|s| s.send(Some(text.clone())).is_ok());
    }

    fn post_message(&self, sender: &str, body: &str, body_type: &str) {
        post_message(&self.state, sender, body, body_type);
    }

    pub fn agent_joins(&self) {
        self.post_message(AGENT, "", "member-join");
    }

    pub fn agent_says(&self, text: &str) {
        self.post_message(AGENT, text, "standard");
    }

    pub fn agent_types(&self) {
        self.broadcast(json!({
            "topicName": format!("conversations.{CONVERSATION}.typing"),
            "eventBody": { "id": "t-1", "conversation": { "id": CONVERSATION }, "sender": { "id": AGENT }, "timestamp": "2024-01-01T10:00:59.000Z" },
            "metadata": { "type": "typing-indicator" }
        }));
    }

    /// The agent ends the chat: the agent leaves, then the guest is disconnected.
    pub fn agent_ends(&self) {
        self.post_message(AGENT, "", "member-leave");
        self.state.lock().unwrap().guest_connected = false;
        self.post_message(GUEST, "", "member-leave");
    }

    /// Agent messages stored while no socket is listening (seen only by catch-up).
    pub fn agent_says_offline(&self, text: &str) {
        let sockets = std::mem::take(&mut self.state.lock().unwrap().sockets);
        self.agent_says(text);
        self.state.lock().unwrap().sockets = sockets;
    }

    /// Closes every open socket (a network drop).
    pub fn drop_sockets(&self) {
        for socket in std::mem::take(&mut self.state.lock().unwrap().sockets) {
            let _ = socket.send(None);
        }
    }

    pub fn set(&self, f: impl FnOnce(&mut GuestState)) {
        f(&mut self.state.lock().unwrap());
    }

    pub fn attaches(&self) -> usize {
        self.state.lock().unwrap().socket_attaches
    }
}

/// Stores a message and pushes it to every open socket.
fn post_message(state: &Mutex<GuestState>, sender: &str, body: &str, body_type: &str) {
    let mut state = state.lock().unwrap();
    let n = state.messages.len() + 1;
    let message = json!({
        "id": format!("m-{n}"), "conversation": { "id": CONVERSATION }, "sender": { "id": sender },
        "body": body, "bodyType": body_type, "timestamp": format!("2024-01-01T10:00:{:02}.000Z", n % 60),
    });
    state.messages.push(message.clone());
    let text = json!({ "topicName": format!("conversations.{CONVERSATION}.messages"), "eventBody": message, "metadata": { "type": "message" } }).to_string();
    state.sockets.retain(|s| s.send(Some(text.clone())).is_ok());
}

fn authorised(state: &Mutex<GuestState>, headers: &HeaderMap) -> bool {
    let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {JWT}"));
    if !ok {
        state.lock().unwrap().unauthorised_calls += 1;
    }
    ok
}

fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "message": "Not authorized", "code": "not.authorized", "status": 401 })),
    )
        .into_response()
}

async fn create(State(state): Shared, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let addr = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut s = state.lock().unwrap();
    s.create_requests.push(body.clone());
    if let Some(status) = s.fail_create.take() {
        let status = StatusCode::from_u16(status).unwrap();
        return (status, Json(json!({ "message": "routing target not found", "code": "bad.request", "status": status.as_u16() }))).into_response();
    }
    if body.get("organizationId").is_none()
        || body.get("deploymentId").is_none()
        || body.pointer("/memberInfo/displayName").is_none()
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "missing required field", "status": 400 })),
        )
            .into_response();
    }
    s.guest_connected = true;
    let stream = s
        .stream_uri
        .clone()
        .unwrap_or_else(|| format!("ws://{addr}/stream/{CONVERSATION}"));
    Json(json!({
        "id": CONVERSATION, "jwt": JWT, "eventStreamUri": stream,
        "member": { "id": GUEST }
    }))
    .into_response()
}

async fn member(
    State(state): Shared,
    headers: HeaderMap,
    Path((_, member)): Path<(String, String)>,
) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    let connected = state.lock().unwrap().guest_connected;
    match member.as_str() {
        AGENT => Json(json!({ "id": AGENT, "displayName": "Dana", "role": "AGENT", "state": "CONNECTED" })).into_response(),
        GUEST => Json(json!({ "id": GUEST, "displayName": "Ann", "role": "CUSTOMER", "state": if connected { "CONNECTED" } else { "DISCONNECTED" } })).into_response(),
        _ => (StatusCode::NOT_FOUND, Json(json!({ "message": "member not found", "status": 404 }))).into_response(),
    }
}

async fn leave(State(state): Shared, headers: HeaderMap) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    state.lock().unwrap().guest_connected = false;
    StatusCode::NO_CONTENT.into_response()
}

async fn send(State(state): Shared, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    let text = body["body"].as_str().unwrap_or_default().to_owned();
    let fake = FakeGuestChat {
        addr: "127.0.0.1:0".parse().unwrap(),
        state: Arc::clone(&state),
    };
    fake.post_message(GUEST, &text, "standard");
    let stored = state
        .lock()
        .unwrap()
        .messages
        .last()
        .cloned()
        .unwrap_or_default();
    Json(stored).into_response()
}

async fn typing(State(state): Shared, headers: HeaderMap) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    state.lock().unwrap().typing_posts += 1;
    Json(json!({ "id": "t-2", "conversation": { "id": CONVERSATION }, "sender": { "id": GUEST }, "timestamp": "2024-01-01T10:01:00.000Z" })).into_response()
}

async fn list(
    State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    state.lock().unwrap().list_queries.push(query.clone());
    let all = state.lock().unwrap().messages.clone();
    let position = |id: &String| all.iter().position(|m| m["id"] == json!(id));
    let mut selected: Vec<Value> = match (query.get("after"), query.get("before")) {
        (Some(after), _) => all
            .iter()
            .skip(position(after).map_or(0, |p| p + 1))
            .cloned()
            .collect(),
        (None, Some(before)) => all
            .iter()
            .take(position(before).unwrap_or(0))
            .cloned()
            .collect(),
        (None, None) => all.clone(),
    };
    if query.get("sortOrder").map(String::as_str) == Some("descending") {
        selected.reverse();
    }
    let max: usize = query
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100);
    let more = selected.len() > max;
    selected.truncate(max);
    let base = format!("/api/v2/webchat/guest/conversations/{CONVERSATION}/messages");
    let mut page = json!({ "pageSize": max, "entities": selected, "selfUri": base });
    let ascending = query.get("sortOrder").map(String::as_str) != Some("descending");
    if more && ascending {
        let last = selected.last().unwrap()["id"].as_str().unwrap().to_owned();
        page["next"] = json!(format!("{base}?after={last}&maxResults={max}"));
    }
    let late = state.lock().unwrap().say_after_list.take();
    if let Some(text) = late {
        post_message(&state, AGENT, &text, "standard");
    }
    Json(page).into_response()
}

async fn stream(State(state): Shared, upgrade: WebSocketUpgrade) -> Response {
    if state.lock().unwrap().refuse_sockets {
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    upgrade.on_upgrade(move |socket| serve_socket(state, socket))
}

async fn serve_socket(state: Arc<Mutex<GuestState>>, mut socket: WebSocket) {
    let (sender, mut frames) = mpsc::unbounded_channel();
    {
        let mut s = state.lock().unwrap();
        s.sockets.push(sender);
        s.socket_attaches += 1;
    }
    let mut heartbeat = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(Some(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() { return; }
                }
                // A drop: end the connection without a close handshake.
                Some(None) | None => return,
            },
            _ = heartbeat.tick() => {
                if state.lock().unwrap().heartbeats {
                    let beat = json!({ "topicName": "channel.metadata", "eventBody": { "message": "WebSocket Heartbeat" } });
                    if socket.send(WsMessage::Text(beat.to_string().into())).await.is_err() { return; }
                }
            }
            incoming = socket.recv() => if incoming.is_none() { return; },
        }
    }
}
