//! Agent and media states: `agent.*`, `media.*` and their `STATE_CHANGED` events.
//!
//! `agent.setState` moves the global state and every media with it (one `agent` event, then
//! one `media` event per media whose state changed); `media.setState` moves one media only.
//! Media events carry the media name in `media` next to `mediaState`, `reason`, `reasonCode`.

use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{StateChanged, StateEvent};
use agentdesk_protocol::scapi::types::{Media, MediaState};
use serde_json::Value;

use super::config::AgentStateSpec;
use super::error::SimulationError;
use super::state::{Handled, SimulatedState};
use super::to_value;
use crate::workspace::Reply;

/// One media the agent is logged on to, with the index of its state in the state list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaEntry {
    pub(crate) name: String,
    pub(crate) state: usize,
}

/// The `media.State` of a state-list entry: `operationName`, `displayName`, and the
/// `type` / `reason` / `reasonCode` Workspace deployments are seen to send.
pub(crate) fn media_state(spec: &AgentStateSpec) -> MediaState {
    let mut state = MediaState::default();
    state.operation_name = Some(spec.operation_name.clone());
    state.display_name = Some(spec.display_name.clone());
    state.extra.insert(
        "type".to_owned(),
        Value::String(spec.media_state.as_str().to_owned()),
    );
    if let Some(reason) = &spec.reason {
        state
            .extra
            .insert("reason".to_owned(), Value::String(reason.clone()));
    }
    if let Some(code) = &spec.reason_code {
        state
            .extra
            .insert("reasonCode".to_owned(), Value::String(code.clone()));
    }
    state
}

/// The `STATE_CHANGED` body of a state-list entry.
fn state_changed(spec: &AgentStateSpec) -> StateChanged {
    let mut changed = StateChanged::new(spec.media_state.clone());
    changed.reason = spec.reason.clone();
    changed.reason_code = spec.reason_code.clone();
    changed
}

impl SimulatedState {
    fn state_index(&self, operation_name: &str) -> Result<usize, SimulationError> {
        self.states
            .iter()
            .position(|s| s.operation_name == operation_name)
            .ok_or_else(|| SimulationError::UnknownState {
                name: operation_name.to_owned(),
                known: self
                    .states
                    .iter()
                    .map(|s| s.operation_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn media_index(&self, name: &str) -> Result<usize, SimulationError> {
        self.media
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| SimulationError::UnknownMedia {
                name: name.to_owned(),
                known: self
                    .media
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn media_wire(&self, entry: &MediaEntry) -> Media {
        let mut media = Media::default();
        media.media = entry.name.clone();
        media.state = self.states.get(entry.state).map(media_state);
        media
    }

    /// The agent's global state.
    pub(crate) fn current_agent_state(&self) -> MediaState {
        self.states
            .get(self.agent_state)
            .map(media_state)
            .unwrap_or_default()
    }

    /// The media list as `media.getMediaList` answers it.
    pub(crate) fn media_wire_list(&self) -> Vec<Media> {
        self.media.iter().map(|m| self.media_wire(m)).collect()
    }

    pub(crate) fn agent_get(&self) -> Handled {
        Ok(Reply::shared(self.agent_data.clone()))
    }

    pub(crate) fn agent_get_state(&self) -> Handled {
        Ok(Reply::data(to_value(&self.current_agent_state())))
    }

    pub(crate) fn agent_get_state_list(&self) -> Handled {
        let list: Vec<MediaState> = self.states.iter().map(media_state).collect();
        Ok(Reply::data(to_value(&list)))
    }

    /// Moves the global state and every media; see the module docs for the events.
    pub(crate) fn change_agent_state(
        &mut self,
        operation_name: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let index = self.state_index(operation_name)?;
        let Some(spec) = self.states.get(index) else {
            return Ok(Vec::new());
        };
        let changed = state_changed(spec);
        self.agent_state = index;
        let mut events = vec![Event::Agent(StateEvent::StateChanged(changed.clone()))];
        for entry in &mut self.media {
            if entry.state != index {
                entry.state = index;
                events.push(media_event(&entry.name, changed.clone()));
            }
        }
        Ok(events)
    }

    pub(crate) fn agent_set_state(&mut self, operation_name: &str) -> Handled {
        Ok(Reply::done().with_events(self.change_agent_state(operation_name)?))
    }

    pub(crate) fn media_list(&self) -> Handled {
        Ok(Reply::data(to_value(&self.media_wire_list())))
    }

    pub(crate) fn media_by_name(&self, name: &str) -> Handled {
        let index = self.media_index(name)?;
        let entry = self
            .media
            .get(index)
            .ok_or_else(|| SimulationError::Scenario(format!("media '{name}' vanished")))?;
        Ok(Reply::data(to_value(&self.media_wire(entry))))
    }

    /// Moves one media's state.
    pub(crate) fn change_media_state(
        &mut self,
        media: &str,
        operation_name: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let media_index = self.media_index(media)?;
        let state_index = self.state_index(operation_name)?;
        let Some(spec) = self.states.get(state_index) else {
            return Ok(Vec::new());
        };
        let changed = state_changed(spec);
        let Some(entry) = self.media.get_mut(media_index) else {
            return Ok(Vec::new());
        };
        entry.state = state_index;
        Ok(vec![media_event(&entry.name, changed)])
    }

    pub(crate) fn media_set_state(&mut self, media: &str, operation_name: &str) -> Handled {
        Ok(Reply::done().with_events(self.change_media_state(media, operation_name)?))
    }
}

fn media_event(media: &str, mut changed: StateChanged) -> Event {
    changed
        .extra
        .insert("media".to_owned(), Value::String(media.to_owned()));
    Event::Media(StateEvent::StateChanged(changed))
}
