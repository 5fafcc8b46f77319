//! The corpus format: one JSON object per line of `schema/conformance/*.jsonl`.
//!
//! A line with a `name` is a case; a line without one (the first line of every file, with
//! `$comment`) is a comment and skipped. See `schema/README.md` for the prose version.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One named transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Case {
    /// Unique name, `<file>/<slug>`.
    pub(crate) name: String,
    /// What the case shows, in one sentence.
    pub(crate) description: String,
    /// The option file in force, as Workspace reads it: its `service-client-api.*` lines are
    /// the security policy; every option (behaviour options such as `voice.auto-answer`, view
    /// sections, custom sections, unknown keys) is the desktop's configuration, which
    /// `configuration.getOption` reads over the desktop's own defaults.
    pub(crate) options: String,
    /// The simulated back end's starting configuration.
    #[serde(default)]
    pub(crate) workspace: WorkspaceSetup,
    /// Engine bounds that differ from the defaults.
    #[serde(default, skip_serializing_if = "Limits::is_default")]
    pub(crate) limits: Limits,
    /// The virtual clock's start, in milliseconds since the Unix epoch (a minute boundary);
    /// each step's `at` counts from here.
    pub(crate) start: u64,
    /// The client windows of the case, by label; they connect in `connect` steps.
    pub(crate) frames: Vec<FrameSpec>,
    /// What happens, in order.
    pub(crate) steps: Vec<Step>,
}

/// The simulated back end's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WorkspaceSetup {
    /// Seed of the UUID stream.
    #[serde(default)]
    pub(crate) seed: u64,
    /// Campaigns the agent has (loaded by scenario steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) campaigns: Vec<CampaignSetup>,
}

/// One campaign of [`WorkspaceSetup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CampaignSetup {
    /// Its name.
    pub(crate) name: String,
    /// `pull`, `regularPush` or `directPush` (preview modes).
    pub(crate) mode: String,
}

/// Engine bounds; `None` keeps the engine's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Limits {
    /// Largest message accepted, in bytes of JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_message_bytes: Option<usize>,
    /// Most live subscriptions per frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_subscriptions_per_frame: Option<usize>,
}

impl Limits {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// A client window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FrameSpec {
    /// The label steps and expectations use.
    pub(crate) id: String,
    /// The page's origin as the browser reports it (`event.origin`).
    pub(crate) origin: String,
    /// The Workspace tab the frame lives in, if any.
    pub(crate) tab: Option<String>,
}

/// One step: exactly one of `connect`, `send` (with `frame`), `sendRaw` (with `frame`) or
/// `scenario`, then everything the service posts because of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Step {
    /// Milliseconds since the case's `start`.
    pub(crate) at: u64,
    /// Connects the frame with this label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) connect: Option<String>,
    /// The frame that posts `send` / `sendRaw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) frame: Option<String>,
    /// A message the frame posts, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) send: Option<Value>,
    /// A message the frame posts, as exact text (for input that is not valid JSON, or
    /// whose byte length matters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) send_raw: Option<String>,
    /// Something the outside world does in the simulated Workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scenario: Option<Scenario>,
    /// Every message the service posts because of the step, grouped by frame in connection
    /// order, each frame's messages in the order it receives them. Empty: nothing at all.
    pub(crate) expect: Vec<Expected>,
    /// `expect` was written by hand, not recorded: it does not depend on the simulated back
    /// end's data (policy outcomes, subscription behaviour, fixed texts).
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) pinned: bool,
    /// Hand-written expectation the recorded one must equal (generation only).
    #[serde(skip)]
    pub(crate) pin: Option<Vec<Expected>>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Step {
    /// A step doing `action` at `at`, expectations still to record.
    pub(crate) fn new(at: u64) -> Self {
        Self {
            at,
            connect: None,
            frame: None,
            send: None,
            send_raw: None,
            scenario: None,
            expect: Vec::new(),
            pinned: false,
            pin: None,
        }
    }
}

/// One message a frame receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Expected {
    /// The receiving frame's label.
    pub(crate) frame: String,
    /// The message, as JSON.
    pub(crate) message: Value,
}

/// What the outside world does; the events it causes go to the subscribed frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum Scenario {
    /// A call rings (`ADDED`, `RINGING`) with the routing strategy's attached data.
    #[serde(rename_all = "camelCase")]
    IncomingCall {
        /// Caller.
        ani: String,
        /// Called number.
        dnis: String,
        /// Attached data.
        #[serde(default)]
        user_data: serde_json::Map<String, Value>,
    },
    /// The party of a dialed call picks up.
    #[serde(rename_all = "camelCase")]
    CallAnswered {
        /// The call.
        interaction_id: String,
    },
    /// The customer hangs up a call or leaves a chat.
    #[serde(rename_all = "camelCase")]
    CustomerHangUp {
        /// The interaction.
        interaction_id: String,
    },
    /// A customer writes in a new chat.
    #[serde(rename_all = "camelCase")]
    CustomerChatMessage {
        /// Nickname.
        from: String,
        /// Text.
        text: String,
    },
    /// The agent changes state from the desktop.
    #[serde(rename_all = "camelCase")]
    ChangeAgentState {
        /// An operation name of the state list.
        operation_name: String,
    },
    /// A campaign is loaded.
    LoadCampaign {
        /// Its name.
        campaign: String,
    },
    /// A loaded campaign starts.
    StartCampaign {
        /// Its name.
        campaign: String,
    },
    /// The real-time connection drops.
    LoseConnection {},
    /// The real-time connection is back.
    RecoverConnection {},
}
