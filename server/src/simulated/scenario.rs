//! What the outside world does (scenario API), and read-only inspection for host pages.
//!
//! Each step takes `now` and returns the events to publish (or the [`TabEvent`]s of the tab
//! they concern); a step that does not fit the current state is refused with a
//! [`SimulationError`] and changes nothing.

use agentdesk_protocol::emulator::control::{DialogView, IdChange};
use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{SystemEvent, ToastButtonClick};
use agentdesk_protocol::scapi::types::{
    Agent, Interaction, Media, MediaState, MenuBarView, ToastParameters,
};
use tokio::sync::watch;

use super::{
    ChatMessage, ChatTranscript, ConnectionStatus, IncomingCall, SimulatedWorkspace,
    SimulationError, TabEvent, TabInfo,
};

/// A new interaction the outside world brought, and the events announcing it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Arrival {
    /// The interaction's id.
    pub interaction_id: String,
    /// `ADDED` and the first lifecycle event, then what an auto-answer option adds (or
    /// `NEW_MESSAGE` in an existing chat).
    pub events: Vec<Event>,
}

impl SimulatedWorkspace {
    /// A call rings (`ADDED`, `RINGING`, and `ESTABLISHED` under `voice.auto-answer`) with the
    /// routing strategy's attached data.
    pub fn incoming_call(&self, now: Timestamp, call: IncomingCall) -> Arrival {
        let (interaction_id, events) = self.lock().incoming_call(now, call);
        Arrival {
            interaction_id,
            events,
        }
    }

    /// The party a dialed call rings picks up (`ESTABLISHED`).
    pub fn call_answered(
        &self,
        now: Timestamp,
        interaction_id: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().remote_answer(interaction_id)
    }

    /// A customer writes: a new chat (`ADDED`, `INVITED`, and `ACCEPTED` under
    /// `chat.auto-answer`) or `NEW_MESSAGE` in an existing one.
    pub fn customer_chat_message(
        &self,
        now: Timestamp,
        message: &ChatMessage,
    ) -> Result<Arrival, SimulationError> {
        let (interaction_id, events) = self.lock().customer_chat_message(now, message)?;
        Ok(Arrival {
            interaction_id,
            events,
        })
    }

    /// The agent writes in an accepted chat (`NEW_MESSAGE`, and a transcript entry).
    pub fn agent_chat_message(
        &self,
        now: Timestamp,
        interaction_id: &str,
        text: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        self.lock().agent_chat_message(now, interaction_id, text)
    }

    /// The agent starts (`typing`) or stops typing in an accepted chat. Only the transcript
    /// changes: the Service Client API has no typing event.
    pub fn agent_typing(
        &self,
        now: Timestamp,
        interaction_id: &str,
        typing: bool,
    ) -> Result<(), SimulationError> {
        self.lock().agent_typing(now, interaction_id, typing)
    }

    /// The customer starts (`typing`) or stops typing in a live chat (transcript only).
    pub fn customer_typing(
        &self,
        now: Timestamp,
        interaction_id: &str,
        typing: bool,
    ) -> Result<(), SimulationError> {
        self.lock().customer_typing(now, interaction_id, typing)
    }

    /// The transcript of chat `interaction_id`, also after the chat left the list; `None` for
    /// an id that never was a chat.
    pub fn chat_transcript(&self, interaction_id: &str) -> Option<ChatTranscript> {
        self.lock().chats.get(interaction_id).cloned()
    }

    /// A receiver whose value changes whenever any chat transcript changes (wait on it, then
    /// re-read [`chat_transcript`](Self::chat_transcript)).
    pub fn chat_changes(&self) -> watch::Receiver<u64> {
        self.lock().chat_changes.subscribe()
    }

    /// The customer hangs up a call (`RELEASED`) or leaves a chat (`ENDED`).
    pub fn customer_hang_up(
        &self,
        now: Timestamp,
        interaction_id: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let mut state = self.lock();
        if state.find(interaction_id)?.media() == "chat" {
            state.end_chat(now, interaction_id)
        } else {
            state.release_call(now, interaction_id)
        }
    }

    /// `CampaignLoaded`.
    pub fn load_campaign(
        &self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().load_campaign(campaign)
    }

    /// `CampaignStarted` with the campaign's dialing mode.
    pub fn start_campaign(
        &self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().start_campaign(campaign)
    }

    /// `CampaignStopped`.
    pub fn stop_campaign(
        &self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().stop_campaign(campaign)
    }

    /// `CampaignUnloaded` (after `CampaignStopped` when it was running).
    pub fn unload_campaign(
        &self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().unload_campaign(campaign)
    }

    /// A Regular or Direct Push Preview campaign pushes its next record (`ADDED`, `INVITED`).
    pub fn push_preview_record(
        &self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<Arrival, SimulationError> {
        let (interaction_id, events) = self.lock().push_preview_record(now, campaign)?;
        Ok(Arrival {
            interaction_id,
            events,
        })
    }

    /// The real-time connection drops (`REALTIME_CONNECTION` `DISCONNECTED`).
    pub fn lose_connection(&self, now: Timestamp) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().lose_connection()
    }

    /// The connection is back (`RECONNECTED`).
    pub fn recover_connection(&self, now: Timestamp) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().recover_connection()
    }

    /// A lost connection stays lost for over a minute (`DOWN`).
    pub fn connection_down(&self, now: Timestamp) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().connection_down()
    }

    /// The agent clicks button `button_index` (from 0) of an open toast
    /// (`CUSTOM_TOAST_BUTTON_CLICK`).
    pub fn click_toast_button(
        &self,
        now: Timestamp,
        toast_id: &str,
        button_index: u32,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        let state = self.lock();
        let toast = state
            .toasts
            .get(toast_id)
            .ok_or_else(|| SimulationError::NotOpen {
                kind: "toast",
                id: toast_id.to_owned(),
            })?;
        let buttons = if toast.parameters.button_show_dismiss == Some(true) {
            2
        } else {
            toast.parameters.buttons.as_ref().map_or(0, Vec::len)
        };
        if usize::try_from(button_index).map_or(true, |index| index >= buttons) {
            return Err(SimulationError::Scenario(format!(
                "Toast '{toast_id}' has {buttons} button(s): click an index from 0 to {}.",
                buttons.saturating_sub(1)
            )));
        }
        Ok(vec![Event::System(SystemEvent::ToastButtonClick(
            ToastButtonClick::new(toast_id, button_index),
        ))])
    }

    /// The agent opens a Workspace tab; its frames learn their state (`LEADING` for the
    /// first tab, `FOLLOWING` after, `NEGOTIATING` during an election).
    pub fn open_tab(&self, now: Timestamp, tab: &str) -> Vec<TabEvent> {
        let _ = now;
        self.lock().open_tab(tab)
    }

    /// The agent closes a tab; closing the leader starts an election (`NEGOTIATING` for
    /// every remaining tab) that [`SimulatedWorkspace::elect_leader`] ends.
    pub fn close_tab(&self, now: Timestamp, tab: &str) -> Result<Vec<TabEvent>, SimulationError> {
        let _ = now;
        self.lock().close_tab(tab)
    }

    /// Ends a running election: the earliest-opened tab leads, the others follow.
    pub fn elect_leader(&self, now: Timestamp) -> Vec<TabEvent> {
        let _ = now;
        self.lock().finish_election()
    }

    /// The agent brings a tab to the front (it becomes the last active, visible tab).
    pub fn activate_tab(&self, now: Timestamp, tab: &str) -> Result<(), SimulationError> {
        let _ = now;
        self.lock().activate_tab(tab)
    }

    /// The agent changes state from the desktop (`agent` and `media` `STATE_CHANGED`).
    pub fn change_agent_state(
        &self,
        now: Timestamp,
        operation_name: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().change_agent_state(operation_name)
    }

    /// The agent changes one media's state from the desktop.
    pub fn change_media_state(
        &self,
        now: Timestamp,
        media: &str,
        operation_name: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().change_media_state(media, operation_name)
    }

    /// The leading tab gives an interaction a new case, bundle or both (`ids`):
    /// `CASE_OR_BUNDLE_ID_CHANGED` (the interaction with its new ids, attached data as
    /// before), `CASE_ID_CHANGED` when the case changed, then `ATTACHED_DATA_CHANGED` with
    /// `IW_CaseUid` / `IW_BundleUid` updated.
    pub fn change_case_id(
        &self,
        now: Timestamp,
        interaction_id: &str,
        ids: IdChange,
    ) -> Result<Vec<Event>, SimulationError> {
        let _ = now;
        self.lock().change_ids(interaction_id, ids)
    }

    /// The logged-in agent.
    pub fn agent(&self) -> Agent {
        self.lock().agent.clone()
    }

    /// The agent's global state.
    pub fn agent_state(&self) -> MediaState {
        self.lock().current_agent_state()
    }

    /// The media and their states.
    pub fn media(&self) -> Vec<Media> {
        self.lock().media_wire_list()
    }

    /// Every interaction, in arrival order.
    pub fn interactions(&self) -> Vec<Interaction> {
        self.lock().wire_interactions()
    }

    /// One interaction.
    pub fn interaction(&self, interaction_id: &str) -> Option<Interaction> {
        self.lock()
            .find(interaction_id)
            .ok()
            .map(|i| i.wire.clone())
    }

    /// The toasts open at `now` (those whose `autoCloseTimeout` ran out are closed first), by
    /// id.
    pub fn toasts(&self, now: Timestamp) -> Vec<(String, ToastParameters)> {
        let mut state = self.lock();
        state.expire_toasts(now);
        state
            .toasts
            .iter()
            .map(|(id, toast)| (id.clone(), toast.parameters.clone()))
            .collect()
    }

    /// The open dialogs: id and URL (with `$Dialog.Id$` substituted).
    pub fn dialogs(&self) -> Vec<(String, String)> {
        self.lock()
            .dialogs
            .iter()
            .map(|(id, dialog)| (id.clone(), dialog.url.clone()))
            .collect()
    }

    /// The names of the custom menu-bar views.
    pub fn menu_bar_views(&self) -> Vec<String> {
        self.lock().menu_bar_views.keys().cloned().collect()
    }

    /// The open dialogs as the host page shows them, with the label of their options.
    pub fn dialog_views(&self) -> Vec<DialogView> {
        self.lock()
            .dialogs
            .iter()
            .map(|(id, dialog)| {
                let label = dialog.options.as_ref().and_then(|o| o.label.clone());
                DialogView::new(id.clone(), dialog.url.clone(), label)
            })
            .collect()
    }

    /// The custom menu-bar views as the apps last set them, by name.
    pub fn menu_bar_view_details(&self) -> Vec<MenuBarView> {
        self.lock().menu_bar_views.values().cloned().collect()
    }

    /// The session's tabs in opening order.
    pub fn tabs(&self) -> Vec<TabInfo> {
        self.lock().tabs.tabs.clone()
    }

    /// The last active tab, when there is one.
    pub fn last_active_tab(&self) -> Option<String> {
        self.lock().tabs.last_active.clone()
    }

    /// The real-time connection.
    pub fn connection(&self) -> ConnectionStatus {
        self.lock().connection
    }

    /// When the agent was last active (`system.triggerActivity`).
    pub fn last_activity(&self) -> Option<Timestamp> {
        self.lock().last_activity
    }

    /// Whether the softphone microphone and speaker are muted.
    pub fn softphone_muted(&self) -> (bool, bool) {
        let state = self.lock();
        (state.microphone_muted, state.speaker_muted)
    }
}
