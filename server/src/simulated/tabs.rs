//! Multi-tab sessions and the real-time connection.
//!
//! Election: the first tab of a session leads, later tabs follow. When the leading tab
//! closes, every remaining tab goes `NEGOTIATING` until [`super::SimulatedWorkspace::elect_leader`]
//! ends the election: the earliest-opened remaining tab leads, the others follow. A tab opened
//! during an election negotiates too. Frame-state events (`system`, `data.frameState`, no
//! `eventType`) concern one tab, so the scenario API returns them as [`TabEvent`]s for the
//! host to deliver to that tab's frames; a frame connecting from a known tab is told its
//! tab's state.
//!
//! Answers per the caller's `cx.tab`: `isFrame*` follow its tab's state, `isLastActiveFrame`
//! and `amIVisible` are true for the most recently opened or activated tab. A caller without
//! a tab (or from a tab the session does not know) is answered as the leading tab; with no
//! tab at all the session is a single leading, visible tab.
//!
//! Connection: connected -> lost (`DISCONNECTED`) -> recovered (`RECONNECTED`) or, after a
//! minute without the server, down (`DOWN`), from which recovery is still possible.

use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{
    ConnectionState, FrameState, FrameStateChanged, RealtimeConnection, SystemEvent,
};

use super::error::SimulationError;
use super::state::{FrameQuestion, SimulatedState};
use crate::workspace::{CallContext, Reply};

/// An event for the frames of one Workspace tab.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TabEvent {
    /// The tab the event is for.
    pub tab: String,
    /// The event.
    pub event: Event,
}

/// One tab of the session and its election state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabInfo {
    /// The tab id (as the transport reports it in `CallContext::tab`).
    pub id: String,
    /// Its election state.
    pub state: FrameState,
}

/// The session's tabs, in opening order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tabs {
    pub(crate) tabs: Vec<TabInfo>,
    pub(crate) last_active: Option<String>,
}

/// The real-time connection to the (simulated) server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Connected.
    Connected,
    /// Lost; Workspace is trying to reconnect.
    Disconnected,
    /// Lost for over a minute: the session is down.
    Down,
}

/// A frame-state event.
pub(crate) fn frame_state_event(state: FrameState) -> Event {
    Event::System(SystemEvent::FrameState(FrameStateChanged::new(state)))
}

fn connection_event(state: ConnectionState) -> Event {
    Event::System(SystemEvent::RealtimeConnection(RealtimeConnection::new(
        state,
    )))
}

impl Tabs {
    fn state_of(&self, tab: &str) -> Option<FrameState> {
        self.tabs
            .iter()
            .find(|t| t.id == tab)
            .map(|t| t.state.clone())
    }

    fn negotiating(&self) -> bool {
        self.tabs.iter().any(|t| t.state == FrameState::Negotiating)
    }

    fn set(&mut self, tab: &str, state: FrameState) -> TabEvent {
        if let Some(entry) = self.tabs.iter_mut().find(|t| t.id == tab) {
            entry.state = state.clone();
        }
        TabEvent {
            tab: tab.to_owned(),
            event: frame_state_event(state),
        }
    }
}

impl SimulatedState {
    pub(crate) fn open_tab(&mut self, tab: &str) -> Vec<TabEvent> {
        if let Some(state) = self.tabs.state_of(tab) {
            return vec![TabEvent {
                tab: tab.to_owned(),
                event: frame_state_event(state),
            }];
        }
        let state = if self.tabs.tabs.is_empty() {
            FrameState::Leading
        } else if self.tabs.negotiating() {
            FrameState::Negotiating
        } else {
            FrameState::Following
        };
        self.tabs.tabs.push(TabInfo {
            id: tab.to_owned(),
            state: state.clone(),
        });
        self.tabs.last_active = Some(tab.to_owned());
        vec![TabEvent {
            tab: tab.to_owned(),
            event: frame_state_event(state),
        }]
    }

    pub(crate) fn close_tab(&mut self, tab: &str) -> Result<Vec<TabEvent>, SimulationError> {
        let index = self
            .tabs
            .tabs
            .iter()
            .position(|t| t.id == tab)
            .ok_or_else(|| SimulationError::UnknownTab(tab.to_owned()))?;
        let closed = self.tabs.tabs.remove(index);
        if self.tabs.last_active.as_deref() == Some(tab) {
            self.tabs.last_active = self.tabs.tabs.last().map(|t| t.id.clone());
        }
        if closed.state != FrameState::Leading {
            return Ok(Vec::new());
        }
        let remaining: Vec<String> = self.tabs.tabs.iter().map(|t| t.id.clone()).collect();
        Ok(remaining
            .iter()
            .map(|id| self.tabs.set(id, FrameState::Negotiating))
            .collect())
    }

    pub(crate) fn finish_election(&mut self) -> Vec<TabEvent> {
        if !self.tabs.negotiating() {
            return Vec::new();
        }
        let ids: Vec<String> = self.tabs.tabs.iter().map(|t| t.id.clone()).collect();
        ids.iter()
            .enumerate()
            .map(|(index, id)| {
                let state = if index == 0 {
                    FrameState::Leading
                } else {
                    FrameState::Following
                };
                self.tabs.set(id, state)
            })
            .collect()
    }

    pub(crate) fn activate_tab(&mut self, tab: &str) -> Result<(), SimulationError> {
        if self.tabs.state_of(tab).is_none() {
            return Err(SimulationError::UnknownTab(tab.to_owned()));
        }
        self.tabs.last_active = Some(tab.to_owned());
        Ok(())
    }

    /// The tab a caller is answered as (see the module docs); `None` for a tab-less session.
    fn caller_tab(&self, cx: &CallContext) -> Option<&TabInfo> {
        cx.tab
            .as_deref()
            .and_then(|tab| self.tabs.tabs.iter().find(|t| t.id == tab))
            .or_else(|| {
                self.tabs
                    .tabs
                    .iter()
                    .find(|t| t.state == FrameState::Leading)
            })
    }

    pub(crate) fn frame_question(&self, cx: &CallContext, question: FrameQuestion) -> Reply {
        let answer = match self.caller_tab(cx) {
            None => matches!(
                question,
                FrameQuestion::Leading
                    | FrameQuestion::LeadingOrNegotiating
                    | FrameQuestion::LastActive
            ),
            Some(tab) => match question {
                FrameQuestion::Leading => tab.state == FrameState::Leading,
                FrameQuestion::Following => tab.state == FrameState::Following,
                FrameQuestion::Negotiating => tab.state == FrameState::Negotiating,
                FrameQuestion::LeadingOrNegotiating => {
                    matches!(tab.state, FrameState::Leading | FrameState::Negotiating)
                }
                FrameQuestion::LastActive => {
                    self.tabs.last_active.as_deref() == Some(tab.id.as_str())
                }
            },
        };
        Reply::data(answer.into())
    }

    pub(crate) fn am_i_visible(&self, cx: &CallContext) -> Reply {
        let visible = match self.caller_tab(cx) {
            None => true,
            Some(tab) => self.tabs.last_active.as_deref() == Some(tab.id.as_str()),
        };
        Reply::data(visible.into())
    }

    /// Events for a frame that just connected from `cx.tab` (opening the tab if it is new).
    pub(crate) fn frame_connected(&mut self, cx: &CallContext) -> Vec<Event> {
        match cx.tab.as_deref() {
            Some(tab) => self.open_tab(tab).into_iter().map(|e| e.event).collect(),
            None => Vec::new(),
        }
    }

    pub(crate) fn lose_connection(&mut self) -> Result<Vec<Event>, SimulationError> {
        if self.connection != ConnectionStatus::Connected {
            return Err(SimulationError::Scenario(
                "The connection is already lost: recover it first.".to_owned(),
            ));
        }
        self.connection = ConnectionStatus::Disconnected;
        Ok(vec![connection_event(ConnectionState::Disconnected)])
    }

    pub(crate) fn recover_connection(&mut self) -> Result<Vec<Event>, SimulationError> {
        if self.connection == ConnectionStatus::Connected {
            return Err(SimulationError::Scenario(
                "The connection is not lost: lose it first.".to_owned(),
            ));
        }
        self.connection = ConnectionStatus::Connected;
        Ok(vec![connection_event(ConnectionState::Reconnected)])
    }

    pub(crate) fn connection_down(&mut self) -> Result<Vec<Event>, SimulationError> {
        if self.connection != ConnectionStatus::Disconnected {
            return Err(SimulationError::Scenario(
                "Only a lost connection can go down: lose it first.".to_owned(),
            ));
        }
        self.connection = ConnectionStatus::Down;
        Ok(vec![connection_event(ConnectionState::Down)])
    }
}
