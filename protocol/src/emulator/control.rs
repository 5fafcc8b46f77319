//! The control API: what the outside world and the agent do to the simulated desktop, and
//! what the desktop shows.
//!
//! Every change is an [`Action`], tagged by `action`: the body of `POST /api/actions`, a step
//! of a scenario file, and what the host page sends. The answer is an [`ActionOutcome`], or a
//! 4xx [`ErrorBody`] that says what to do instead. `GET /api/state` answers a
//! [`DesktopState`], `GET /api/config` a [`HostConfig`].
//!
//! The shortcut routes take an action's fields without the tag, which the route supplies:
//! `POST /api/calls` (`incoming-call`), `/api/chats` (`customer-message`),
//! `/api/outbound/preview` (`preview-record`), `/api/outbound/campaign` (`campaign`),
//! `/api/agent/state` (`agent-state`), `/api/connection` (`connection`),
//! `/api/interactions/{id}/{operation}` (`interactionId` from the path; an [`AgentOperation`]
//! or one of the interaction actions by name) and `/api/toasts/{id}/click` (`toast-click`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::decode::{DecodeError, from_str_tagged, from_value_tagged};
use crate::scapi::types::{
    Agent, Interaction, Media, MediaState, MenuBarView, ToastParameters, UserData,
};

/// A preview mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum PreviewKind {
    /// Pull Preview: the agent asks for a record.
    Pull,
    /// Regular Push Preview.
    Push,
    /// Direct Push Preview.
    Direct,
}

/// A campaign lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

impl AgentOperation {
    /// Every operation, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Answer,
        Self::Hold,
        Self::Resume,
        Self::Hangup,
        Self::Markdone,
        Self::Accept,
        Self::Reject,
    ];

    /// The wire name, e.g. `markdone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Hold => "hold",
            Self::Resume => "resume",
            Self::Hangup => "hangup",
            Self::Markdone => "markdone",
            Self::Accept => "accept",
            Self::Reject => "reject",
        }
    }

    /// The operation named `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// Which grouping ids of an interaction `change-case` replaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IdChange {
    /// The case id (`caseId`, `IW_CaseUid`).
    #[default]
    Case,
    /// The bundle id (`bundleId`, `IW_BundleUid`).
    Bundle,
    /// Both.
    Both,
}

impl IdChange {
    /// Whether the case id changes.
    pub fn changes_case(self) -> bool {
        matches!(self, Self::Case | Self::Both)
    }

    /// Whether the bundle id changes.
    pub fn changes_bundle(self) -> bool {
        matches!(self, Self::Bundle | Self::Both)
    }

    /// Whether this is `case`, the default, which encoding leaves out.
    pub fn is_case(&self) -> bool {
        *self == Self::Case
    }
}

/// A real-time connection change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "kebab-case", deny_unknown_fields)]
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
        #[serde(
            default,
            rename = "interactionId",
            skip_serializing_if = "Option::is_none"
        )]
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
    /// The interaction gets a new case, bundle or both: `CASE_OR_BUNDLE_ID_CHANGED`, then
    /// `CASE_ID_CHANGED` when the case changed, then `ATTACHED_DATA_CHANGED` as `IW_CaseUid` /
    /// `IW_BundleUid` follow.
    ChangeCase {
        /// The interaction.
        #[serde(rename = "interactionId")]
        interaction_id: String,
        /// Which ids change (`case` when absent).
        #[serde(default, skip_serializing_if = "IdChange::is_case")]
        ids: IdChange,
    },
    /// The agent opens a Workspace browser tab: `LEADING` when it is the first, `FOLLOWING`
    /// otherwise (`NEGOTIATING` during an election).
    OpenTab {
        /// The tab's id (the host page's `tab`).
        tab: String,
    },
    /// The agent closes a Workspace tab; closing the leader runs an election.
    CloseTab {
        /// The tab's id.
        tab: String,
    },
    /// The agent brings a Workspace tab to the front (the last active, visible one).
    FocusTab {
        /// The tab's id.
        tab: String,
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

impl Action {
    /// The `action` tag of every action, in declaration order.
    pub const NAMES: [&'static str; 19] = [
        "incoming-call",
        "remote-answer",
        "customer-message",
        "customer-hang-up",
        "agent-chat-message",
        "agent-typing",
        "customer-typing",
        "agent",
        "dial",
        "email",
        "preview-record",
        "campaign",
        "agent-state",
        "connection",
        "toast-click",
        "change-case",
        "open-tab",
        "close-tab",
        "focus-tab",
    ];

    /// Decodes a body, tag first; the error names the field and the fix.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        from_str_tagged(text, "action", "action", &Self::NAMES)
    }

    /// [`Action::decode`], from a parsed value.
    pub fn decode_value(value: Value) -> Result<Self, DecodeError> {
        from_value_tagged(value, "action", "action", &Self::NAMES)
    }

    /// Decodes the fields of action `name` (a shortcut route's body, the tag left out).
    pub fn from_fields(
        name: &str,
        mut fields: serde_json::Map<String, Value>,
    ) -> Result<Self, DecodeError> {
        if fields.contains_key("action") {
            return Err(DecodeError {
                what: format!("action {name:?}"),
                problem: "this route names the action itself: leave `action` out, or post the \
                          whole action to /api/actions"
                    .to_owned(),
            });
        }
        fields.insert("action".into(), Value::String(name.to_owned()));
        from_value_tagged(Value::Object(fields), "action", "action", &Self::NAMES)
    }
}

/// The answer to an applied action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActionOutcome {
    /// Always `true`.
    pub ok: bool,
    /// The interaction the action created or concerned (`null` when none).
    pub interaction_id: Option<String>,
    /// How many Service Client API events it published.
    pub events: u64,
}

impl ActionOutcome {
    /// A successful outcome.
    pub fn new(interaction_id: Option<String>, events: u64) -> Self {
        Self {
            ok: true,
            interaction_id,
            events,
        }
    }
}

/// A refusal (4xx) of the control or chat API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[non_exhaustive]
pub struct ErrorBody {
    /// What was wrong, and what to do instead.
    pub error: String,
}

impl ErrorBody {
    /// A refusal saying `error`.
    pub fn new(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
        }
    }
}

/// The simulated desktop, as the host page shows it (`GET /api/state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(rename_all = "camelCase")]
pub struct DesktopState {
    /// The logged-in agent.
    pub agent: Agent,
    /// The agent's global state: its display name, else its operation name.
    pub agent_state: Option<String>,
    /// The states the agent may choose (`agent.getStateList`), when known.
    pub states: Option<Vec<MediaState>>,
    /// The media and their states.
    pub media: Vec<Media>,
    /// Every interaction, in arrival order.
    pub interactions: Vec<Interaction>,
    /// The open toasts.
    pub toasts: Vec<ToastView>,
    /// The open dialogs.
    pub dialogs: Vec<DialogView>,
    /// The custom views of the application menu bar, as the app last set them.
    pub menu_views: Vec<MenuBarView>,
    /// The Screen Recording Service emulator's URL, when it runs.
    pub srs: Option<String>,
    /// The session's Workspace browser tabs, in opening order.
    #[serde(default)]
    pub tabs: Vec<TabView>,
}

/// A Workspace browser tab: its election state and whether it was the last active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TabView {
    /// The tab id (the host page's `tab`; the control API's tab actions name it).
    pub id: String,
    /// `LEADING`, `FOLLOWING` or `NEGOTIATING`.
    pub frame_state: crate::scapi::events::FrameState,
    /// Whether it is the last active tab (the visible one).
    pub last_active: bool,
}

impl TabView {
    /// Tab `id` in `frame_state`.
    pub fn new(
        id: String,
        frame_state: crate::scapi::events::FrameState,
        last_active: bool,
    ) -> Self {
        Self {
            id,
            frame_state,
            last_active,
        }
    }
}

/// An open toast: its id and what the app asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ToastView {
    /// The toast id (`system.popupToast`'s answer); `POST /api/toasts/{id}/click` clicks it.
    pub id: String,
    /// The toast as the app described it.
    #[serde(flatten)]
    pub toast: ToastParameters,
}

impl ToastView {
    /// The toast `id` showing `toast`.
    pub fn new(id: String, toast: ToastParameters) -> Self {
        Self { id, toast }
    }
}

/// An open dialog (`system.openDialog`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[non_exhaustive]
pub struct DialogView {
    /// The dialog id.
    pub id: String,
    /// Its URL, with `$Dialog.Id$` substituted.
    pub url: String,
    /// The label the app gave in the dialog's options, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl DialogView {
    /// Dialog `id` on `url`, labelled `label`.
    pub fn new(id: String, url: String, label: Option<String>) -> Self {
        Self { id, url, label }
    }
}

/// The host page's configuration (`GET /api/config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[non_exhaustive]
pub struct HostConfig {
    /// The app URLs the page embeds in its main panel (`--app`, the demo app): not views of
    /// the option file, so not restricted like a view in its own tab.
    pub apps: Vec<String>,
    /// The views of the option file (`workspace.web-content`, `interaction.web-content`).
    #[serde(default)]
    pub views: Vec<ViewConfig>,
    /// The Screen Recording Service emulator's URL, when it runs.
    pub srs: Option<String>,
}

impl HostConfig {
    /// A configuration embedding `apps` and no views.
    pub fn new(apps: Vec<String>, srs: Option<String>) -> Self {
        Self {
            apps,
            views: Vec::new(),
            srs,
        }
    }

    /// This configuration showing `views` too.
    pub fn with_views(mut self, views: Vec<ViewConfig>) -> Self {
        self.views = views;
        self
    }
}

/// A view of the option file, as the host page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ViewConfig {
    /// The option section describing it (what the page names in its relay `register`).
    pub section: String,
    /// Its tab or window title.
    pub label: String,
    /// Workspace-level (one instance) or interaction-level (one per interaction).
    pub level: ViewLevel,
    /// How it is shown.
    pub mode: ViewMode,
    /// Its URL with the `$Agent.*$` placeholders filled in; an interaction view's
    /// `$Interaction.Id$`, `$Interaction.CaseId$` and `$Interaction.BundleId$` are left for the
    /// page to fill (percent-encoded) per interaction.
    pub url: String,
    /// Whether `service-client-api.accepted-web-content-origins` accepts its origin; when not,
    /// the page warns that its requests go unanswered.
    pub accepted: bool,
    /// Whether it is a workspace view in a tab of its own, which may only dial.
    pub dial_only: bool,
}

/// Where a view lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ViewLevel {
    /// Listed in `workspace.web-content`.
    Workspace,
    /// Listed in `interaction.web-content`.
    Interaction,
}

/// How a view is shown (`mode` in its section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ViewMode {
    /// A tab of its own (workspace level), or the interaction's panel when it is selected.
    Tab,
    /// A separate browser window.
    Popup,
    /// Loaded, shown only while its interaction is selected.
    Background,
    /// Loaded, never shown.
    Hidden,
}

impl ViewConfig {
    /// The view `view` of the option file, its URL as given (placeholders filled as
    /// [`ViewConfig::url`] says).
    pub fn of(view: &crate::config::View, url: String, accepted: bool) -> Self {
        use crate::config::{DisplayMode, ViewLevel as Level};
        Self {
            section: view.section.clone(),
            label: view.label.clone(),
            level: match view.level {
                Level::Workspace => ViewLevel::Workspace,
                Level::Interaction => ViewLevel::Interaction,
            },
            mode: match view.mode {
                DisplayMode::Tab => ViewMode::Tab,
                DisplayMode::Popup => ViewMode::Popup,
                DisplayMode::Background => ViewMode::Background,
                DisplayMode::Hidden => ViewMode::Hidden,
            },
            url,
            accepted,
            dial_only: view.is_own_tab(),
        }
    }
}
