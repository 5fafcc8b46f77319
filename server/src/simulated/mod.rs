//! An in-memory, deterministic Agent Workspace: the default back end of the service engine
//! and what the emulator runs.
//!
//! [`SimulatedWorkspace`] implements [`Workspace`] over a synchronous core behind a mutex.
//! Time comes only from [`CallContext::now`] and the `now` of scenario calls; ids come from a
//! generator seeded by [`SimulatedConfig::seed`], so the same calls give the same answers,
//! events and ids.
//!
//! # Ids
//! Interaction ids are `"1"`, `"2"`, ... in arrival order; case and bundle ids are
//! UUID-shaped and call UUIDs TServer-shaped, both drawn from the seeded stream; toasts are
//! `wweCustomToast0`, `1`, ...; dialogs `wweCustomDialog1`, `2`, ...; generated outbound
//! records get `GSW_RECORD_HANDLE` 1, 2, ...
//!
//! # Behaviour, by module
//! - `agent`: states, media and `STATE_CHANGED`.
//! - `interactions`: the list, attached data, case selection, mark done, accept / reject,
//!   transfers, conferences, consultations (`consult` answers the consultation interaction).
//! - `voice`: calls and the softphone; `chat`: chat (with each chat's transcript, what the
//!   customer's side of the emulator reads) and email.
//! - `outbound` (campaigns, record operations, result shapes) and `preview` (the three
//!   preview modes, row for row as the documentation's table).
//! - `system`: JWT, toasts, dialogs, menu-bar views; `options`: option store and selectors;
//!   `tabs`: multi-tab election and the real-time connection.
//!
//! # Behaviour options
//! The options of [`BEHAVIOUR_OPTIONS`](agentdesk_protocol::config::BEHAVIOUR_OPTIONS), read
//! from `[interaction-workspace]` at each event or request (so a reloaded file applies at
//! once), `true`/`false` in any letter case, anything else their default:
//! - `voice.auto-answer` (default `false`): a ringing call is answered at once, `ADDED`,
//!   `RINGING`, then `ESTABLISHED`.
//! - `chat.auto-answer` (`false`): a new customer chat is accepted at once, `ADDED`,
//!   `INVITED`, then `ACCEPTED`; the customer's side sees the agent join, as on an accept.
//! - `email.auto-answer` (`false`): no effect, as no email arrives at the simulated desktop
//!   (`email.create` opens the agent's own draft, not an invitation).
//! - `voice.mark-done-on-release` (`false`): releasing a call (agent or customer) also marks
//!   it done, `RELEASED` then `REMOVED`, unless mark done is blocked.
//! - `privilege.voice.can-dial` (`true`): `false` refuses `voice.dial` and `voice.dialEx`.
//! - `privilege.email.can-mark-done` (`true`): `false` refuses marking an email done.
//! - `privilege.chat.can-release` (`true`): `false` refuses ending a live chat; the request
//!   table has no chat release, so this is marking an `ACCEPTED` chat done (which ends it);
//!   a chat the customer left can still be marked done.
//! - `sipendpoint.enabled` (`true`): `false` refuses every `sipEndpoint.*` request.
//!
//! A refusal names the option: "Cannot dial: the option privilege.voice.can-dial is false
//! for this agent." The desktop's own option store holds each default, so
//! `configuration.getOption` reads them all.
//!
//! Requests the engine normally answers itself still get an answer here:
//! `system.getAllowedServices` lists every request name, `messenger.broadcastMessage`
//! succeeds without events (fan-out is the engine's job). Names outside the request table are
//! refused with "Unknown request".
//!
//! # Scenario API
//! The outside world acts through plain methods (see `scenario`), each taking `now` and
//! returning the events to publish, or a [`SimulationError`] when the step does not fit the
//! current state. Frame-state events concern one tab and come back as [`TabEvent`]s.

mod agent;
mod chat;
mod config;
mod error;
mod ids;
mod interactions;
mod options;
mod outbound;
mod preview;
mod scenario;

mod state;
mod system;
mod tabs;
mod voice;

use std::sync::{Mutex, MutexGuard, PoisonError};

use agentdesk_protocol::config::Configuration;
use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::types::UserData;
use agentdesk_protocol::scapi::{Event, Request};
use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;

pub use chat::{ChatEntry, ChatEntryKind, ChatParty, ChatTranscript};
pub use config::{
    AgentStateSpec, CallResultSpec, CampaignSpec, DEFAULT_SECTION, PreviewMode, SimulatedConfig,
};
pub use error::SimulationError;
pub use scenario::Arrival;
pub use tabs::{ConnectionStatus, TabEvent, TabInfo};

use crate::workspace::{CallContext, Reply, Workspace};
use state::SimulatedState;

/// An in-memory Agent Workspace (see the module docs).
#[derive(Debug)]
pub struct SimulatedWorkspace {
    state: Mutex<SimulatedState>,
}

impl Default for SimulatedWorkspace {
    fn default() -> Self {
        Self::new(SimulatedConfig::default())
    }
}

/// A call arriving at the agent's desk ([`SimulatedWorkspace::incoming_call`]).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct IncomingCall {
    /// The caller's number.
    pub ani: String,
    /// The number called.
    pub dnis: String,
    /// Attached data the routing strategy set.
    pub user_data: UserData,
}

impl IncomingCall {
    /// A call from `ani` to `dnis` without attached data.
    pub fn new(ani: impl Into<String>, dnis: impl Into<String>) -> Self {
        Self {
            ani: ani.into(),
            dnis: dnis.into(),
            user_data: UserData::new(),
        }
    }

    /// Adds one key of attached data.
    #[must_use]
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.user_data.insert(key.into(), value.into());
        self
    }
}

/// A customer's chat message ([`SimulatedWorkspace::customer_chat_message`]).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ChatMessage {
    /// The chat to write in; `None` starts a new chat.
    pub interaction_id: Option<String>,
    /// The customer's nickname.
    pub from: String,
    /// The text (a new chat may start without one: empty).
    pub text: String,
    /// Attached data of a new chat (the chat form's fields, the page's `userData`).
    pub user_data: UserData,
}

impl ChatMessage {
    /// The first message of a new chat.
    pub fn new_chat(from: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            interaction_id: None,
            from: from.into(),
            text: text.into(),
            user_data: UserData::new(),
        }
    }

    /// A message in chat `interaction_id`.
    pub fn in_chat(
        interaction_id: impl Into<String>,
        from: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            interaction_id: Some(interaction_id.into()),
            from: from.into(),
            text: text.into(),
            user_data: UserData::new(),
        }
    }

    /// Adds one key of attached data (used when the message starts a chat).
    #[must_use]
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.user_data.insert(key.into(), value.into());
        self
    }
}

impl SimulatedWorkspace {
    /// A workspace starting from `config`.
    pub fn new(config: SimulatedConfig) -> Self {
        Self {
            state: Mutex::new(SimulatedState::new(config)),
        }
    }

    /// The core. Handlers check before they change anything, so a panic while the lock was
    /// held leaves usable state: a poisoned lock is recovered instead of panicking again.
    fn lock(&self) -> MutexGuard<'_, SimulatedState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies an option file: every option it sets overrides the desktop's own, so
    /// `configuration.getOption` answers what the file says and the behaviour options (see
    /// the module docs) take effect from the next event or request on. A later call replaces
    /// what an earlier one set (the file was read again).
    pub fn configure(&self, configuration: &Configuration) {
        self.lock().options.set_file(configuration.option_values());
    }

    /// Answers one request synchronously (what [`Workspace::call`] does).
    pub fn handle(&self, cx: &CallContext, request: Request) -> Reply {
        self.lock().handle(cx, request)
    }
}

#[async_trait]
impl Workspace for SimulatedWorkspace {
    async fn call(&self, cx: &CallContext, request: Request) -> Reply {
        self.handle(cx, request)
    }
    async fn frame_connected(&self, cx: &CallContext) -> Vec<Event> {
        self.lock().frame_connected(cx)
    }
}

/// Serialises a result; the wire types always serialise, `null` guards the impossible.
fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `now` as the epoch milliseconds interactions carry.
fn millis(now: Timestamp) -> i64 {
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_keeps_answering() {
        let ws = std::sync::Arc::new(SimulatedWorkspace::default());
        let clone = ws.clone();
        let _ = std::thread::spawn(move || {
            let _guard = clone.state.lock();
            panic!("a panic while the lock is held poisons it");
        })
        .join();
        assert!(ws.state.is_poisoned());
        assert_eq!(ws.agent().username.as_deref(), Some("agent1"));
    }
}
