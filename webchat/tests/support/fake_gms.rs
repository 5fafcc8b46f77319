//! A loopback GMS Chat API v2 back end implementing the documented request and reply
//! shapes, with a scripted agent and injectable failures.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};

/// A failure to answer the next request with.
#[derive(Debug, Clone)]
pub enum Failure {
    /// HTTP 200 with `statusCode` 1.
    Transient,
    /// An HTTP error status.
    Http(u16),
}

#[derive(Debug, Default)]
pub struct GmsState {
    pub transcript: Vec<Value>,
    pub chat_ended: bool,
    pub started: bool,
    /// Every request: (operation, form fields).
    pub requests: Vec<(String, BTreeMap<String, String>)>,
    /// Failures to answer with, each for one operation (`None`: whichever comes next).
    pub failures: VecDeque<(Option<String>, Failure)>,
    /// The `apikey` header of every request.
    pub apikeys: Vec<Option<String>>,
    /// Replies carry `alias` as a JSON number (GMS sends either form).
    pub numeric_alias: bool,
}

/// Handle on a running fake.
#[derive(Clone)]
pub struct FakeGms {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<GmsState>>,
}

const CHAT_ID: &str = "0001Xy9ZtQ000ABC";
const USER_ID: &str = "00F10A2B3C4D0001";
const SECURE_KEY: &str = "5c1e2d3f4a5b6c7d";
const ALIAS: &str = "117";
const SERVICE: &str = "customer-support";

impl FakeGms {
    /// Starts the fake on 127.0.0.1, port chosen by the OS.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(GmsState::default()));
        let app = Router::new()
            .route("/genesys/2/chat/{service}/", post(request_chat))
            .route(
                "/genesys/2/chat/{service}/{chat_id}/{operation}",
                post(operation),
            )
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, state }
    }

    /// The `dataURL` of the fake service.
    pub fn data_url(&self) -> String {
        format!("http://{}/genesys/2/chat/{SERVICE}", self.addr)
    }

    fn push(&self, from: Value, kind: &str, text: Option<&str>) {
        let mut state = self.state.lock().unwrap();
        let index = state.transcript.len() + 1;
        let mut event = json!({ "from": from, "index": index, "type": kind, "utcTime": 1_700_000_000_000_i64 + index as i64 * 1000 });
        if let Some(text) = text {
            event["text"] = json!(text);
        }
        state.transcript.push(event);
    }

    fn agent() -> Value {
        json!({ "nickname": "Dana", "participantId": 2, "type": "Agent" })
    }

    pub fn agent_joins(&self) {
        self.push(Self::agent(), "ParticipantJoined", None);
    }

    pub fn agent_types(&self) {
        self.push(Self::agent(), "TypingStarted", None);
    }

    pub fn agent_says(&self, text: &str) {
        self.push(Self::agent(), "Message", Some(text));
    }

    pub fn agent_leaves_and_ends(&self) {
        self.push(Self::agent(), "ParticipantLeft", None);
        self.state.lock().unwrap().chat_ended = true;
    }

    /// The Chat Server forgets the session (e.g. it timed out there): every later call on
    /// it gets `statusCode` 2 with `chatEnded: true` and error 404.
    pub fn lose_session(&self) {
        self.state.lock().unwrap().started = false;
    }

    /// The chat ends on the server side without a transcript entry (replies say
    /// `chatEnded: true` with `statusCode` 0).
    pub fn end_quietly(&self) {
        self.state.lock().unwrap().chat_ended = true;
    }

    /// Replies from now on carry `"alias": 117` (a number) instead of `"117"`.
    pub fn numeric_alias(&self) {
        self.state.lock().unwrap().numeric_alias = true;
    }

    pub fn fail_next(&self, failure: Failure) {
        self.state
            .lock()
            .unwrap()
            .failures
            .push_back((None, failure));
    }

    /// Fails the next `operation` request (e.g. `customNotice`), whatever comes before it.
    pub fn fail_next_on(&self, operation: &str, failure: Failure) {
        self.state
            .lock()
            .unwrap()
            .failures
            .push_back((Some(operation.to_owned()), failure));
    }

    pub fn operations(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    pub fn requests_of(&self, operation: &str) -> Vec<BTreeMap<String, String>> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

fn take_failure(state: &Mutex<GmsState>, operation: &str) -> Option<Response> {
    let mut state = state.lock().unwrap();
    let (target, _) = state.failures.front()?;
    if target.as_deref().is_some_and(|target| target != operation) {
        return None;
    }
    match state.failures.pop_front()?.1 {
        Failure::Transient => Some(
            Json(json!({ "statusCode": 1, "errors": [{ "code": 503, "advice": "retry" }] }))
                .into_response(),
        ),
        Failure::Http(status) => Some(
            (
                StatusCode::from_u16(status).unwrap(),
                Json(json!({ "statusCode": 2, "errors": [{ "code": 500 }] })),
            )
                .into_response(),
        ),
    }
}

fn alias_value(state: &GmsState) -> Value {
    if state.numeric_alias {
        json!(ALIAS.parse::<i64>().unwrap())
    } else {
        json!(ALIAS)
    }
}

fn apikey(headers: &HeaderMap) -> Option<String> {
    headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn request_chat(
    State(state): State<Arc<Mutex<GmsState>>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    state.lock().unwrap().apikeys.push(apikey(&headers));
    state
        .lock()
        .unwrap()
        .requests
        .push(("requestChat".into(), form.clone()));
    if let Some(failure) = take_failure(&state, "requestChat") {
        return failure;
    }
    if service != SERVICE {
        return (StatusCode::NOT_FOUND, "no such service").into_response();
    }
    let has_name = form.get("nickname").is_some_and(|n| !n.is_empty())
        || (form.contains_key("firstName") && form.contains_key("lastName"));
    if !has_name {
        return Json(
            json!({ "statusCode": 2, "errors": [{ "code": 161, "advice": "name required" }] }),
        )
        .into_response();
    }
    let nickname = form.get("nickname").cloned().unwrap_or_default();
    let mut s = state.lock().unwrap();
    *s = GmsState {
        requests: std::mem::take(&mut s.requests),
        failures: std::mem::take(&mut s.failures),
        numeric_alias: s.numeric_alias,
        ..GmsState::default()
    };
    s.started = true;
    let joined = json!({ "from": { "nickname": nickname, "participantId": 1, "type": "Client" }, "index": 1, "type": "ParticipantJoined", "utcTime": 1_700_000_000_000_i64 });
    s.transcript.push(joined.clone());
    let alias = alias_value(&s);
    Json(json!({
        "statusCode": 0, "alias": alias, "userId": USER_ID, "secureKey": SECURE_KEY, "chatId": CHAT_ID,
        "nextPosition": 2, "chatEnded": false, "messages": [joined]
    }))
    .into_response()
}

async fn operation(
    State(state): State<Arc<Mutex<GmsState>>>,
    Path((_, chat_id, operation)): Path<(String, String, String)>,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    state.lock().unwrap().apikeys.push(apikey(&headers));
    state
        .lock()
        .unwrap()
        .requests
        .push((operation.clone(), form.clone()));
    if let Some(failure) = take_failure(&state, &operation) {
        return failure;
    }
    let authorised = chat_id == CHAT_ID
        && form.get("userId").map(String::as_str) == Some(USER_ID)
        && form.get("secureKey").map(String::as_str) == Some(SECURE_KEY)
        && form.get("alias").map(String::as_str) == Some(ALIAS);
    if !authorised || !state.lock().unwrap().started {
        return Json(json!({ "statusCode": 2, "chatEnded": true, "errors": [{ "code": 404, "advice": "session not found" }] })).into_response();
    }
    let mut s = state.lock().unwrap();
    match operation.as_str() {
        "send" => {
            let index = s.transcript.len() + 1;
            let text = form.get("message").cloned().unwrap_or_default();
            s.transcript.push(json!({ "from": { "nickname": "Ann", "participantId": 1, "type": "Client" }, "index": index, "type": "Message", "text": text, "utcTime": 1_700_000_000_000_i64 + index as i64 * 1000 }));
        }
        "disconnect" => s.chat_ended = true,
        "refresh" | "startTyping" | "stopTyping" | "customNotice" | "updateData" => {}
        _ => return (StatusCode::NOT_FOUND, "unknown operation").into_response(),
    }
    let mut reply = json!({ "statusCode": 0, "alias": alias_value(&s), "userId": USER_ID, "secureKey": SECURE_KEY, "chatId": CHAT_ID, "chatEnded": s.chat_ended });
    if operation == "refresh" {
        let from: usize = form
            .get("transcriptPosition")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let messages: Vec<Value> = s
            .transcript
            .iter()
            .skip(from.saturating_sub(1))
            .cloned()
            .collect();
        reply["messages"] = json!(messages);
        reply["nextPosition"] = json!(s.transcript.len() + 1);
    }
    Json(reply).into_response()
}
