//! The control API: what the outside world and the agent do, as HTTP JSON.
//!
//! Every change is an [`Action`] (the same vocabulary scenario files use), posted to
//! `POST /api/actions`, or to one of the shorter routes the host page uses. The answer is
//! `{"ok":true,"interactionId":...,"events":N}` or a 4xx `{"error":"..."}` that says what to
//! do instead. Reading: `GET /api/state` (agent, interactions, toasts, dialogs, menu views),
//! `GET /api/traffic?after=SEQ&limit=N` (a page of the traffic log, each record with its
//! decision: `{records, next, more, notStored, evicted}`, see the bounds in
//! [`TRAFFIC_LOG_BYTES`](super::TRAFFIC_LOG_BYTES)), `GET /api/config`.
//!
//! Chats: `agent-chat-message` and `agent-typing` let the simulated agent answer and type in
//! an accepted chat; whatever the agent does (accept, messages, typing, mark done) reaches the
//! customer's stream of the [chat API](super::chat).

use agentdesk_protocol::scapi::Request;
use agentdesk_protocol::scapi::requests::{
    AgentGetStateList, EmailCreate, InteractionAccept, InteractionMarkdone, InteractionReject,
    OutboundGetPreviewRecord, OutboundStartDirectPushPreview, VoiceAnswer, VoiceDial, VoiceHangUp,
    VoiceHold, VoiceResume,
};
use agentdesk_protocol::scapi::types::UserData;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use crate::engine::FrameId;
use crate::simulated::{ChatMessage, IncomingCall};
use crate::workspace::{CallContext, Workspace};

/// The frame id the desktop's own actions are attributed to (no client window has it).
pub const DESKTOP: FrameId = FrameId(0);

/// A preview mode as the control API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewKind {
    /// Pull Preview: the agent asks for a record.
    Pull,
    /// Regular Push Preview.
    Push,
    /// Direct Push Preview.
    Direct,
}

impl PreviewKind {
    /// The default campaign of this mode in the emulator's simulated desktop.
    pub fn campaign(self) -> &'static str {
        match self {
            Self::Pull => super::PULL_CAMPAIGN,
            Self::Push => super::PUSH_CAMPAIGN,
            Self::Direct => super::DIRECT_CAMPAIGN,
        }
    }
}

/// A campaign lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CampaignStep {
    /// `CampaignLoaded`.
    Load,
    /// `CampaignStarted`.
    Start,
    /// `CampaignStopped`.
    Stop,
    /// `CampaignUnloaded`.
    Unload,
}

/// What the agent does to an interaction from the desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentOperation {
    /// Answer a ringing call.
    Answer,
    /// Hold a call.
    Hold,
    /// Retrieve a held call.
    Resume,
    /// Release a call.
    Hangup,
    /// Mark done.
    Markdone,
    /// Accept an invitation (chat, push preview).
    Accept,
    /// Reject an invitation.
    Reject,
}

/// A real-time connection change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionChange {
    /// `DISCONNECTED`.
    Lost,
    /// `RECONNECTED`.
    Recovered,
    /// `DOWN`.
    Down,
}

/// One thing that happens to the simulated desktop.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Action {
    /// A call rings, with the routing strategy's attached data.
    IncomingCall {
        /// Caller number.
        ani: String,
        /// Called number.
        #[serde(default = "default_dnis")]
        dnis: String,
        /// Attached data.
        #[serde(default, rename = "userData")]
        user_data: UserData,
    },
    /// The called party picks up a call the agent dialed.
    RemoteAnswer {
        /// The call.
        #[serde(rename = "interactionId")]
        interaction_id: String,
    },
    /// A customer writes: a new chat, or a message in `interactionId`.
    CustomerMessage {
        /// Customer nickname.
        #[serde(default = "default_customer")]
        customer: String,
        /// The text.
        message: String,
        /// An existing chat.
        #[serde(default, rename = "interactionId")]
        interaction_id: Option<String>,
    },
    /// The customer hangs up or leaves the chat.
    CustomerHangUp {
        /// The interaction.
        #[serde(rename = "interactionId")]
        interaction_id: String,
    },
    /// The agent writes in an accepted chat (`NEW_MESSAGE`; the customer's stream gets it).
    AgentChatMessage {
        /// The chat.
        #[serde(rename = "interactionId")]
        interaction_id: String,
        /// The text.
        text: String,
    },
    /// The agent starts or stops typing in an accepted chat (the customer's stream only).
    AgentTyping {
        /// The chat.
        #[serde(rename = "interactionId")]
        interaction_id: String,
        /// `true`: started (default), `false`: stopped.
        #[serde(default = "default_true")]
        typing: bool,
    },
    /// The customer starts or stops typing in a live chat (the transcript only).
    CustomerTyping {
        /// The chat.
        #[serde(rename = "interactionId")]
        interaction_id: String,
        /// `true`: started (default), `false`: stopped.
        #[serde(default = "default_true")]
        typing: bool,
    },
    /// The agent acts on an interaction from the desktop.
    Agent {
        /// The interaction.
        #[serde(rename = "interactionId")]
        interaction_id: String,
        /// What the agent does.
        operation: AgentOperation,
    },
    /// The agent dials from the desktop (an outbound voice interaction).
    Dial {
        /// The number.
        destination: String,
    },
    /// The agent writes a new email from the desktop.
    Email {
        /// The address.
        destination: String,
    },
    /// A preview record arrives (push modes) or is requested by the agent (pull).
    PreviewRecord {
        /// The mode.
        mode: PreviewKind,
    },
    /// A campaign lifecycle step.
    Campaign {
        /// Campaign name.
        campaign: String,
        /// The step.
        step: CampaignStep,
    },
    /// The agent changes state from the desktop.
    AgentState {
        /// An operation name of the state list, e.g. `Ready`.
        #[serde(rename = "operationName")]
        operation_name: String,
    },
    /// The real-time connection changes.
    Connection {
        /// The change.
        change: ConnectionChange,
    },
    /// The agent clicks a toast button.
    ToastClick {
        /// The toast id.
        #[serde(rename = "toastId")]
        toast_id: String,
        /// Button index, from 0.
        #[serde(rename = "buttonIndex")]
        button_index: u32,
    },
}

fn default_dnis() -> String {
    "5001".to_owned()
}

fn default_true() -> bool {
    true
}

fn default_customer() -> String {
    "Customer".to_owned()
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Applied {
    /// The interaction it created or concerned, when there is one.
    pub interaction_id: Option<String>,
    /// How many events were published.
    pub events: usize,
}

/// Applies `action` to the emulator's desktop and publishes the events it causes.
pub(crate) async fn apply(state: &AppState, action: Action) -> Result<Applied, String> {
    let workspace = &state.workspace;
    let now = state.service.now();
    let desktop = CallContext::new(DESKTOP, "desktop", None, now);
    let mut interaction_id = None;
    let events = match action {
        Action::IncomingCall {
            ani,
            dnis,
            user_data,
        } => {
            let mut call = IncomingCall::new(ani, dnis);
            call.user_data = user_data;
            let arrival = workspace.incoming_call(now, call);
            interaction_id = Some(arrival.interaction_id);
            arrival.events
        }
        Action::RemoteAnswer { interaction_id: id } => workspace
            .call_answered(now, &id)
            .map_err(|e| e.to_string())?,
        Action::CustomerMessage {
            customer,
            message,
            interaction_id: existing,
        } => {
            let message = match existing {
                Some(id) => ChatMessage::in_chat(id, customer, message),
                None => ChatMessage::new_chat(customer, message),
            };
            let arrival = workspace
                .customer_chat_message(now, &message)
                .map_err(|e| e.to_string())?;
            interaction_id = Some(arrival.interaction_id);
            arrival.events
        }
        Action::AgentChatMessage {
            interaction_id: id,
            text,
        } => {
            let events = workspace
                .agent_chat_message(now, &id, &text)
                .map_err(|e| e.to_string())?;
            interaction_id = Some(id);
            events
        }
        Action::AgentTyping {
            interaction_id: id,
            typing,
        } => {
            workspace
                .agent_typing(now, &id, typing)
                .map_err(|e| e.to_string())?;
            interaction_id = Some(id);
            Vec::new()
        }
        Action::CustomerTyping {
            interaction_id: id,
            typing,
        } => {
            workspace
                .customer_typing(now, &id, typing)
                .map_err(|e| e.to_string())?;
            interaction_id = Some(id);
            Vec::new()
        }
        Action::CustomerHangUp { interaction_id: id } => workspace
            .customer_hang_up(now, &id)
            .map_err(|e| e.to_string())?,
        Action::Agent {
            interaction_id: id,
            operation,
        } => {
            let request: Request = match operation {
                AgentOperation::Answer => VoiceAnswer::new(id.clone()).into(),
                AgentOperation::Hold => VoiceHold::new(id.clone()).into(),
                AgentOperation::Resume => VoiceResume::new(id.clone()).into(),
                AgentOperation::Hangup => VoiceHangUp::new(id.clone()).into(),
                AgentOperation::Markdone => InteractionMarkdone::new(id.clone()).into(),
                AgentOperation::Accept => InteractionAccept::new(id.clone()).into(),
                AgentOperation::Reject => InteractionReject::new(id.clone()).into(),
            };
            interaction_id = Some(id);
            desktop_request(state, &desktop, request).await?
        }
        Action::Dial { destination } => {
            desktop_request(state, &desktop, VoiceDial::new(destination, None).into()).await?
        }
        Action::Email { destination } => {
            desktop_request(state, &desktop, EmailCreate::new(destination, None).into()).await?
        }
        Action::PreviewRecord {
            mode: PreviewKind::Pull,
        } => {
            let request =
                OutboundGetPreviewRecord::new(PreviewKind::Pull.campaign().to_owned()).into();
            desktop_request(state, &desktop, request).await?
        }
        Action::PreviewRecord { mode } => {
            if mode == PreviewKind::Direct {
                // Direct Push records only flow once the agent has started them; starting
                // twice is harmless here, so its answer does not matter.
                let start = OutboundStartDirectPushPreview::new().into();
                let _ = desktop_request(state, &desktop, start).await;
            }
            let arrival = workspace
                .push_preview_record(now, mode.campaign())
                .map_err(|e| e.to_string())?;
            interaction_id = Some(arrival.interaction_id);
            arrival.events
        }
        Action::Campaign { campaign, step } => match step {
            CampaignStep::Load => workspace.load_campaign(now, &campaign),
            CampaignStep::Start => workspace.start_campaign(now, &campaign),
            CampaignStep::Stop => workspace.stop_campaign(now, &campaign),
            CampaignStep::Unload => workspace.unload_campaign(now, &campaign),
        }
        .map_err(|e| e.to_string())?,
        Action::AgentState { operation_name } => workspace
            .change_agent_state(now, &operation_name)
            .map_err(|e| e.to_string())?,
        Action::Connection { change } => match change {
            ConnectionChange::Lost => workspace.lose_connection(now),
            ConnectionChange::Recovered => workspace.recover_connection(now),
            ConnectionChange::Down => workspace.connection_down(now),
        }
        .map_err(|e| e.to_string())?,
        Action::ToastClick {
            toast_id,
            button_index,
        } => workspace
            .click_toast_button(now, &toast_id, button_index)
            .map_err(|e| e.to_string())?,
    };
    let count = events.len();
    state.service.publish(events).await;
    Ok(Applied {
        interaction_id,
        events: count,
    })
}

/// Runs a request as the agent's own desktop would, and returns the events it caused.
async fn desktop_request(
    state: &AppState,
    desktop: &CallContext,
    request: Request,
) -> Result<Vec<agentdesk_protocol::scapi::Event>, String> {
    let reply = state.workspace.call(desktop, request).await;
    reply.result.map_err(|error| error.message)?;
    Ok(reply.events)
}

fn answer(result: Result<Applied, String>) -> Response {
    match result {
        Ok(applied) => Json(json!({ "ok": true, "interactionId": applied.interaction_id, "events": applied.events })).into_response(),
        Err(error) => (StatusCode::CONFLICT, Json(json!({ "error": error }))).into_response(),
    }
}

async fn post_action(
    State(state): State<AppState>,
    body: Result<Json<Action>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match body {
        Ok(Json(action)) => answer(apply(&state, action).await),
        Err(rejection) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": rejection.body_text() })),
        )
            .into_response(),
    }
}

/// A convenience route's body: a JSON object, or nothing at all.
type Fields = serde_json::Map<String, Value>;

fn bad_request(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error.to_string() })),
    )
        .into_response()
}

/// Reads a convenience route's body: empty, or a JSON object.
fn fields(body: &[u8]) -> Result<Fields, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Fields::new());
    }
    serde_json::from_slice::<Fields>(body).map_err(|error| {
        format!("the body must be a JSON object ({error}); send {{}} when there is nothing to say")
    })
}

/// Tags a convenience route's fields as `action` and applies it.
async fn shortcut(state: &AppState, action: &str, mut fields: Fields) -> Response {
    fields.insert("action".into(), json!(action));
    match serde_json::from_value::<Action>(Value::Object(fields)) {
        Ok(action) => answer(apply(state, action).await),
        Err(error) => bad_request(error),
    }
}

/// A route whose body is the action's fields.
macro_rules! shortcut_route {
    ($name:ident, $action:literal) => {
        async fn $name(State(state): State<AppState>, body: Bytes) -> Response {
            match fields(&body) {
                Ok(fields) => shortcut(&state, $action, fields).await,
                Err(error) => bad_request(error),
            }
        }
    };
}

shortcut_route!(calls, "incoming-call");
shortcut_route!(chats, "customer-message");
shortcut_route!(preview, "preview-record");
shortcut_route!(agent_state, "agent-state");

async fn campaign(State(state): State<AppState>, body: Bytes) -> Response {
    let mut fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    // The host page names the step `action`.
    if let Some(step) = fields.remove("action") {
        fields.insert("step".into(), step);
    }
    fields.remove("mode");
    shortcut(&state, "campaign", fields).await
}

async fn connection(State(state): State<AppState>, body: Bytes) -> Response {
    let mut fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    // The host page names the change by its event: DISCONNECTED, RECONNECTED, DOWN.
    let change = match fields.get("state").and_then(Value::as_str) {
        Some("DISCONNECTED") => Some("lost"),
        Some("RECONNECTED") => Some("recovered"),
        Some("DOWN") => Some("down"),
        _ => None,
    };
    if let Some(change) = change {
        fields.remove("state");
        fields.insert("change".into(), json!(change));
    }
    shortcut(&state, "connection", fields).await
}

async fn interaction(
    State(state): State<AppState>,
    Path((id, operation)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    let action = match operation.as_str() {
        "customer-hang-up" => "customer-hang-up",
        "remote-answer" => "remote-answer",
        "customer-message" => "customer-message",
        "agent-chat-message" => "agent-chat-message",
        "agent-typing" => "agent-typing",
        "customer-typing" => "customer-typing",
        _ => {
            fields.insert("operation".into(), json!(operation));
            "agent"
        }
    };
    fields.insert("interactionId".into(), json!(id));
    shortcut(&state, action, fields).await
}

async fn toast_click(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    fields.insert("toastId".into(), json!(id));
    shortcut(&state, "toast-click", fields).await
}

async fn desktop_state(State(state): State<AppState>) -> Json<Value> {
    let workspace = &state.workspace;
    let toasts: Vec<Value> = workspace
        .toasts()
        .into_iter()
        .map(|(id, toast)| {
            let mut value = serde_json::to_value(toast).unwrap_or_else(|_| json!({}));
            value["id"] = json!(id);
            value
        })
        .collect();
    let dialogs: Vec<Value> = workspace
        .dialogs()
        .into_iter()
        .map(|(id, url)| json!({ "id": id, "url": url }))
        .collect();
    let menu_views: Vec<Value> = workspace
        .menu_bar_views()
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    let agent_state = workspace.agent_state();
    let desktop = CallContext::new(DESKTOP, "desktop", None, state.service.now());
    let states = workspace
        .handle(&desktop, AgentGetStateList::new().into())
        .result
        .ok()
        .flatten();
    Json(json!({
        "agent": workspace.agent(),
        "agentState": agent_state.display_name.or(agent_state.operation_name),
        "states": states,
        "media": workspace.media(),
        "interactions": workspace.interactions(),
        "toasts": toasts,
        "dialogs": dialogs,
        "menuViews": menu_views,
        "srs": state.srs_url,
    }))
}

async fn config(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "apps": *state.apps, "srs": state.srs_url }))
}

/// `GET /api/traffic?after=SEQ&limit=N`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrafficQuery {
    after: Option<u64>,
    limit: Option<usize>,
    /// The per-run token travels in the query too; it is checked before this handler.
    #[serde(rename = "token")]
    _token: Option<String>,
}

async fn traffic(
    State(state): State<AppState>,
    query: Result<Query<TrafficQuery>, QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => {
            return bad_request(format!(
                "{}; the parameters are after=SEQ and limit=N (at most {})",
                rejection.body_text(),
                super::TRAFFIC_PAGE
            ));
        }
    };
    let log = state
        .traffic
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let page = log.page(query.after, query.limit.unwrap_or(super::TRAFFIC_PAGE));
    Json(page).into_response()
}

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/actions", post(post_action))
        .route("/api/calls", post(calls))
        .route("/api/chats", post(chats))
        .route("/api/outbound/preview", post(preview))
        .route("/api/outbound/campaign", post(campaign))
        .route("/api/agent/state", post(agent_state))
        .route("/api/connection", post(connection))
        .route("/api/interactions/{id}/{operation}", post(interaction))
        .route("/api/toasts/{id}/click", post(toast_click))
        .route("/api/state", get(desktop_state))
        .route("/api/config", get(config))
        .route("/api/traffic", get(traffic))
}
