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
    /// Uploaded files: (file id, name, content type, content).
    pub files: Vec<(String, String, String, Vec<u8>)>,
    /// Omit `chatEnded` from refresh replies (seen from servers that lost the session).
    pub omit_chat_ended: bool,
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
            .route("/genesys/2/chat/{service}/{chat_id}/file", post(upload))
            .route(
                "/genesys/2/chat/{service}/{chat_id}/file/limits",
                post(limits),
            )
            .route(
                "/genesys/2/chat/{service}/{chat_id}/file/{file_id}/download",
                post(download),
            )
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

fn authorised(state: &GmsState, chat_id: &str, form: &BTreeMap<String, String>) -> bool {
    state.started
        && chat_id == CHAT_ID
        && form.get("userId").map(String::as_str) == Some(USER_ID)
        && form.get("secureKey").map(String::as_str) == Some(SECURE_KEY)
        && form.get("alias").map(String::as_str) == Some(ALIAS)
}

fn not_found() -> Response {
    Json(json!({ "statusCode": 2, "chatEnded": true, "errors": [{ "code": 404, "advice": "session not found" }] })).into_response()
}

/// One part of a `multipart/form-data` body: (filename, content type, content).
type Part = (Option<String>, Option<String>, Vec<u8>);

/// The parts of a `multipart/form-data` body by name.
fn parts(headers: &HeaderMap, body: &[u8]) -> BTreeMap<String, Part> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return BTreeMap::new();
    };
    let delimiter = format!("--{boundary}");
    let text = body.to_vec();
    let mut out = BTreeMap::new();
    let positions: Vec<usize> = (0..text.len().saturating_sub(delimiter.len()))
        .filter(|&i| text[i..].starts_with(delimiter.as_bytes()))
        .collect();
    for pair in positions.windows(2) {
        let part = &text[pair[0] + delimiter.len() + 2..pair[1] - 2];
        let split = (0..part.len())
            .find(|&i| part[i..].starts_with(b"\r\n\r\n"))
            .unwrap();
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let content = part[split + 4..].to_vec();
        let param = |key: &str| {
            head.split(&format!("{key}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
        };
        let kind = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Type: "))
            .map(str::to_owned);
        out.insert(param("name").unwrap(), (param("filename"), kind, content));
    }
    out
}

async fn upload(
    State(state): State<Arc<Mutex<GmsState>>>,
    Path((_, chat_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let parts = parts(&headers, &body);
    let form: BTreeMap<String, String> = parts
        .iter()
        .filter(|(_, (file, _, _))| file.is_none())
        .map(|(k, (_, _, v))| (k.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let mut s = state.lock().unwrap();
    s.requests.push(("file".into(), form.clone()));
    if !authorised(&s, &chat_id, &form) {
        return not_found();
    }
    let Some((Some(name), kind, content)) = parts.get("file").cloned() else {
        return Json(json!({ "statusCode": 2, "chatEnded": false, "errors": [{ "code": 201, "advice": "no file" }] })).into_response();
    };
    let id = format!("00F0{:012X}", s.files.len() + 1);
    s.files.push((
        id.clone(),
        name.clone(),
        kind.unwrap_or_default(),
        content.clone(),
    ));
    let index = s.transcript.len() + 1;
    s.transcript.push(json!({ "from": { "nickname": "Ann", "participantId": 1, "type": "Client" }, "index": index, "type": "FileUploaded", "utcTime": 1_700_000_000_000_i64 + index as i64 * 1000, "userData": { "file-id": id, "file-name": name, "file-size": content.len().to_string() } }));
    Json(json!({ "statusCode": 0, "alias": alias_value(&s), "userId": USER_ID, "secureKey": SECURE_KEY, "chatId": CHAT_ID, "chatEnded": s.chat_ended, "userData": { "file-id": id } })).into_response()
}

async fn limits(
    State(state): State<Arc<Mutex<GmsState>>>,
    Path((_, chat_id)): Path<(String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.requests.push(("file/limits".into(), form.clone()));
    if !authorised(&s, &chat_id, &form) {
        return not_found();
    }
    // The limits come as the userData of a Notice (which has no transcript index).
    let used = s.files.len().to_string();
    Json(json!({
        "statusCode": 0, "alias": alias_value(&s), "userId": USER_ID, "secureKey": SECURE_KEY, "chatId": CHAT_ID, "chatEnded": s.chat_ended,
        "messages": [{
            "from": { "nickname": "Ann", "participantId": 1, "type": "Client" },
            "text": "file-client-cfg-get", "type": "Notice", "utcTime": 1_700_000_000_000_i64,
            "userData": {
                "download-attempts": "2", "upload-max-files": "5", "delete-file": "odd",
                "upload-max-file-size": "10485760", "used-download-attempts": "0",
                "used-upload-max-total-size": "0", "upload-need-agent": "false",
                "used-upload-max-files": used, "upload-max-total-size": "99614720",
                "upload-file-types": "jpeg:jpg:pdf:png:txt:zip"
            }
        }]
    }))
    .into_response()
}

async fn download(
    State(state): State<Arc<Mutex<GmsState>>>,
    Path((_, chat_id, file_id)): Path<(String, String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.requests.push(("download".into(), form.clone()));
    if !authorised(&s, &chat_id, &form) {
        return not_found();
    }
    match s.files.iter().find(|(id, ..)| *id == file_id) {
        Some((_, _, kind, content)) => (
            [("content-type", kind.clone())],
            content.clone(),
        )
            .into_response(),
        None => Json(json!({ "statusCode": 2, "chatEnded": false, "errors": [{ "code": 203, "advice": "file not found" }] })).into_response(),
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
        omit_chat_ended: s.omit_chat_ended,
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
    if s.omit_chat_ended && operation == "refresh" {
        reply.as_object_mut().unwrap().remove("chatEnded");
    }
    // With `transcriptPosition` the reply carries the transcript from there (any operation).
    if let Some(from) = form
        .get("transcriptPosition")
        .and_then(|p| p.parse::<usize>().ok())
    {
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
