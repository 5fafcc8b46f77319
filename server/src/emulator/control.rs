//! The control API: what the outside world and the agent do, as HTTP JSON.
//!
//! Every change is an [`Action`] (typed in `agentdesk_protocol::emulator::control`: the one
//! vocabulary of scenario files, the host page and these routes), posted to
//! `POST /api/actions`, or its fields to one of the shortcut routes that name the action
//! themselves. The answer is an [`ActionOutcome`] or a 4xx [`ErrorBody`] that says what to
//! do instead. Reading: `GET /api/state` (a [`DesktopState`]: agent, interactions, toasts,
//! dialogs, menu views), recording a test (`POST /api/recording/start`, `GET /api/recording`,
//! `POST /api/recording/stop`), `GET /api/traffic?after=SEQ&limit=N` (a page of the traffic log, each
//! record with its decision: `{records, next, more, notStored, evicted}`, see the bounds in
//! [`TRAFFIC_LOG_BYTES`](super::TRAFFIC_LOG_BYTES)), `GET /api/config` (a [`HostConfig`]).
//!
//! Chats: `agent-chat-message` and `agent-typing` let the simulated agent answer and type in
//! an accepted chat; whatever the agent does (accept, messages, typing, mark done) reaches the
//! customer's stream of the [chat API](super::chat).

pub(crate) use agentdesk_protocol::emulator::control::{
    Action, ActionOutcome, AgentOperation, CampaignStep, ConnectionChange, DesktopState, ErrorBody,
    HostConfig, PreviewKind, TabView, ToastView,
};
use agentdesk_protocol::scapi::Request;
use agentdesk_protocol::scapi::requests::{
    AgentGetStateList, EmailCreate, InteractionAccept, InteractionMarkdone, InteractionReject,
    OutboundGetPreviewRecord, OutboundStartDirectPushPreview, VoiceAnswer, VoiceDial, VoiceHangUp,
    VoiceHold, VoiceResume,
};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::AppState;
use crate::engine::FrameId;
use crate::simulated::{ChatMessage, IncomingCall};
use crate::workspace::{CallContext, Workspace};

/// The frame id the desktop's own actions are attributed to (no client window has it).
const DESKTOP: FrameId = FrameId(0);

/// The default campaign of preview mode `mode` in the emulator's simulated desktop.
pub(crate) fn preview_campaign(mode: PreviewKind) -> &'static str {
    match mode {
        PreviewKind::Pull => super::PULL_CAMPAIGN,
        PreviewKind::Push => super::PUSH_CAMPAIGN,
        PreviewKind::Direct => super::DIRECT_CAMPAIGN,
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub(crate) struct Applied {
    /// The interaction it created or concerned, when there is one.
    pub interaction_id: Option<String>,
    /// How many events were published.
    pub events: usize,
}

/// Applies `action` to the emulator's desktop and publishes the events it causes; a running
/// recording keeps it when it applied.
pub(crate) async fn apply(state: &AppState, action: Action) -> Result<Applied, String> {
    let recorded = action.clone();
    let applied = apply_unrecorded(state, action).await;
    if applied.is_ok() {
        state.recorder.action(&recorded);
        state.changed.notify_waiters();
    }
    applied
}

async fn apply_unrecorded(state: &AppState, action: Action) -> Result<Applied, String> {
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
                OutboundGetPreviewRecord::new(preview_campaign(PreviewKind::Pull).to_owned())
                    .into();
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
                .push_preview_record(now, preview_campaign(mode))
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
        Action::ChangeCase {
            interaction_id: id,
            ids,
        } => workspace
            .change_case_id(now, &id, ids)
            .map_err(|e| e.to_string())?,
        // Tab events concern one tab each: published here, to that tab's frames.
        Action::OpenTab { tab } => {
            let events = super::tabs::publish(&state.service, workspace.open_tab(now, &tab)).await;
            return Ok(Applied {
                interaction_id: None,
                events,
            });
        }
        Action::CloseTab { tab } => {
            let events = super::tabs::close(&state.service, workspace, &tab).await?;
            return Ok(Applied {
                interaction_id: None,
                events,
            });
        }
        Action::FocusTab { tab } => {
            workspace
                .activate_tab(now, &tab)
                .map_err(|e| e.to_string())?;
            Vec::new()
        }
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
        Ok(applied) => {
            let events = u64::try_from(applied.events).unwrap_or(u64::MAX);
            Json(ActionOutcome::new(applied.interaction_id, events)).into_response()
        }
        Err(error) => (StatusCode::CONFLICT, Json(ErrorBody::new(error))).into_response(),
    }
}

async fn post_action(State(state): State<AppState>, body: Bytes) -> Response {
    let text = match std::str::from_utf8(&body) {
        Ok(text) => text,
        Err(error) => return bad_request(format!("the body is not UTF-8 ({error})")),
    };
    match Action::decode(text) {
        Ok(action) => answer(apply(&state, action).await),
        Err(error) => bad_request(error),
    }
}

/// A shortcut route's body: the fields of the action the route names.
type Fields = serde_json::Map<String, Value>;

fn bad_request(error: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(ErrorBody::new(error.to_string())),
    )
        .into_response()
}

/// Reads a shortcut route's body: empty, or a JSON object.
fn fields(body: &[u8]) -> Result<Fields, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Fields::new());
    }
    serde_json::from_slice::<Fields>(body).map_err(|error| {
        format!("the body must be a JSON object ({error}); send {{}} when there is nothing to say")
    })
}

/// Applies action `name` with `fields`.
async fn shortcut(state: &AppState, name: &str, fields: Fields) -> Response {
    match Action::from_fields(name, fields) {
        Ok(action) => answer(apply(state, action).await),
        Err(error) => bad_request(error),
    }
}

/// A route whose body is the fields of action `$action`.
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
shortcut_route!(campaign, "campaign");
shortcut_route!(agent_state, "agent-state");

/// The older body of `POST /api/connection`, still accepted: the change named by the event it
/// causes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionEventBody {
    state: ConnectionEvent,
}

/// A connection change named by its event.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
enum ConnectionEvent {
    Disconnected,
    Reconnected,
    Down,
}

impl From<ConnectionEvent> for ConnectionChange {
    fn from(event: ConnectionEvent) -> Self {
        match event {
            ConnectionEvent::Disconnected => Self::Lost,
            ConnectionEvent::Reconnected => Self::Recovered,
            ConnectionEvent::Down => Self::Down,
        }
    }
}

async fn connection(State(state): State<AppState>, body: Bytes) -> Response {
    let fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    if !fields.contains_key("state") {
        return shortcut(&state, "connection", fields).await;
    }
    match serde_json::from_value::<ConnectionEventBody>(Value::Object(fields)) {
        Ok(body) => {
            let change = body.state.into();
            answer(apply(&state, Action::Connection { change }).await)
        }
        Err(error) => bad_request(format!(
            "{error}; send {{\"change\": \"lost\" | \"recovered\" | \"down\"}}"
        )),
    }
}

/// The actions `/api/interactions/{id}/{name}` names directly; any other name is an
/// [`AgentOperation`].
const INTERACTION_ACTIONS: [&str; 7] = [
    "customer-hang-up",
    "remote-answer",
    "customer-message",
    "agent-chat-message",
    "agent-typing",
    "customer-typing",
    "change-case",
];

async fn interaction(
    State(state): State<AppState>,
    Path((id, operation)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut fields = match fields(&body) {
        Ok(fields) => fields,
        Err(error) => return bad_request(error),
    };
    let action = if INTERACTION_ACTIONS.contains(&operation.as_str()) {
        operation.as_str()
    } else {
        fields.insert("operation".into(), Value::String(operation.clone()));
        "agent"
    };
    fields.insert("interactionId".into(), Value::String(id));
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
    fields.insert("toastId".into(), Value::String(id));
    shortcut(&state, "toast-click", fields).await
}

/// The simulated desktop as `GET /api/state` shows it.
pub(crate) fn desktop_state_of(state: &AppState) -> DesktopState {
    let workspace = &state.workspace;
    let toasts = workspace
        .toasts(state.service.now())
        .into_iter()
        .map(|(id, toast)| ToastView::new(id, toast))
        .collect();
    let agent_state = workspace.agent_state();
    let desktop = CallContext::new(DESKTOP, "desktop", None, state.service.now());
    let states = workspace
        .handle(&desktop, AgentGetStateList::new().into())
        .result
        .ok()
        .flatten()
        .and_then(|list| serde_json::from_value(list.into_value()).ok());
    DesktopState {
        agent: workspace.agent(),
        agent_state: agent_state.display_name.or(agent_state.operation_name),
        states,
        media: workspace.media(),
        interactions: workspace.interactions(),
        toasts,
        dialogs: workspace.dialog_views(),
        menu_views: workspace.menu_bar_view_details(),
        srs: state.srs_url.clone(),
        tabs: {
            let last_active = workspace.last_active_tab();
            workspace
                .tabs()
                .into_iter()
                .map(|tab| {
                    let active = last_active.as_deref() == Some(tab.id.as_str());
                    TabView::new(tab.id, tab.state, active)
                })
                .collect()
        },
    }
}

async fn desktop_state(State(state): State<AppState>) -> Json<DesktopState> {
    Json(desktop_state_of(&state))
}

async fn config(State(state): State<AppState>) -> Json<HostConfig> {
    Json(state.host_config())
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
        .route("/api/recording", get(super::recorder::current))
        .route("/api/recording/start", post(super::recorder::start))
        .route("/api/recording/stop", post(super::recorder::stop))
}
