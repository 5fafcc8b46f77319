//! The interaction list and the requests every media shares: look-ups, attached data, case
//! selection, mark done (and its block), accept / reject, transfers, conferences and
//! consultations.
//!
//! Every interaction gets a fresh case id and bundle id (also written to `IW_CaseUid` /
//! `IW_BundleUid` in its attached data, as the documentation's example shows), is the main interaction of its
//! case, and on arrival its case becomes the selected (not expanded) one, as Workspace
//! selects a new interaction. Lifecycle events carry the interaction after the change.
//!
//! Case and bundle changes (`change-case` of the control API: case, bundle or both), in
//! the order the documentation's multi-tab section implies, where the leading tab writes
//! the new case id into the attached data on `CASE_ID_CHANGED`:
//! - `CASE_OR_BUNDLE_ID_CHANGED`, carrying the interaction with its new `caseId` /
//!   `bundleId` and its attached data as before;
//! - `CASE_ID_CHANGED` (`caseId`, `previousCaseId`, no `interaction`), when the case changed;
//! - `ATTACHED_DATA_CHANGED`, once `IW_CaseUid` / `IW_BundleUid` hold the new ids.
//!
//! Mark done, by the agent or by `interaction.markdone`: a released call is `REMOVED`; a chat
//! or email is `COMPLETED` (the open-media "mark as done") then `REMOVED`; an outbound call
//! gets `MARKDONE_APPLY` first (see `preview`). Nothing is published to the `markdone`
//! family: no document gives its events.
//!
//! Transfers and conferences (voice):
//! - `consult` holds the call (`HELD`) and answers the consultation interaction
//!   (`parentInteractionId` = the call, `isConsultation`, `callType` `CONSULT`), which the
//!   target picks up at once: `ADDED`, `DIALING`, `ESTABLISHED`.
//! - `completeTransfer`: the consultation is `RELEASED`, the call gets the target as a party
//!   (`PARTY_CHANGED`) and is `RELEASED` for this agent.
//! - `completeConference`: the consultation is `RELEASED`, the call gets the target as a
//!   party (`PARTY_CHANGED`) and is retrieved (`ESTABLISHED`).
//! - `singleStepTransfer`: `PARTY_CHANGED` then `RELEASED` (open media: `PARTY_CHANGED` then
//!   `TRANSFER_COMPLETED`); `singleStepConference`: `PARTY_CHANGED` only.

use agentdesk_protocol::emulator::control::IdChange;
use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{
    CaseIdChanged, CaseSelected, CaseSelection, InteractionChange, InteractionEvent,
    InteractionEventType as T,
};
use agentdesk_protocol::scapi::types::{
    CallType, Direction, Interaction, InteractionState as S, Party, RecordingState, TargetQuery,
    UserData,
};
use serde_json::Value;

use super::config::PreviewMode;
use super::error::SimulationError;
use super::state::{Handled, SimulatedState};
use super::{millis, to_value};
use crate::workspace::Reply;

/// What part an interaction plays in an outbound flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// Voice, chat or email outside outbound campaigns.
    Plain,
    /// A previewed record.
    Preview(PreviewMode),
    /// The call dialed from a previewed record.
    OutboundCall {
        mode: PreviewMode,
        /// The preview interaction it was dialed from.
        preview: String,
    },
}

/// An interaction and what the wire does not show about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimInteraction {
    /// What clients see.
    pub(crate) wire: Interaction,
    /// `Some(warning)` while `interaction.blockMarkdone` is in force.
    pub(crate) markdone_block: Option<String>,
    pub(crate) role: Role,
    /// Key of its outbound record chain.
    pub(crate) chain: Option<String>,
}

impl SimInteraction {
    /// A voice, chat or email interaction outside campaigns: no mark-done block, no chain.
    pub(crate) fn plain(wire: Interaction) -> Self {
        Self {
            wire,
            markdone_block: None,
            role: Role::Plain,
            chain: None,
        }
    }

    /// The same interaction playing `role` in an outbound campaign.
    pub(crate) fn with_role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }

    /// The same interaction as a member of the outbound record chain `chain`.
    pub(crate) fn in_chain(mut self, chain: Option<String>) -> Self {
        self.chain = chain;
        self
    }

    pub(crate) fn id(&self) -> &str {
        &self.wire.interaction_id
    }

    pub(crate) fn media(&self) -> &str {
        self.wire.media.as_deref().unwrap_or("")
    }

    pub(crate) fn state(&self) -> S {
        self.wire.state.clone().unwrap_or(S::Unknown)
    }
}

/// An `interaction` event carrying `interaction` as it is now.
pub(crate) fn change(event_type: T, interaction: &Interaction) -> Event {
    Event::Interaction(InteractionEvent::Change(InteractionChange::new(
        event_type,
        interaction.clone(),
    )))
}

/// Moves an interaction to `state`, keeping the state it leaves in `previousState`.
pub(crate) fn transition(interaction: &mut Interaction, state: S) {
    interaction.previous_state = interaction.state.take().or(Some(S::Unknown));
    interaction.state = Some(state);
}

fn case_event(kind: CaseSelection, case_id: &str) -> Event {
    Event::Interaction(InteractionEvent::Case(kind, CaseSelected::new(case_id)))
}

/// The destination a target query names.
pub(crate) fn destination(target: &TargetQuery) -> Result<String, SimulationError> {
    target
        .destination()
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| SimulationError::InvalidParameter {
            parameter: "targetQuery",
            value: serde_json::to_string(target).unwrap_or_default(),
            hint: "give a destination, e.g. {\"type\":\"AGENT\",\"destination\":\"5002\"} or \"+15550100\"",
        })
}

impl SimulatedState {
    /// A fresh interaction of `media` in `state` with new case and bundle ids.
    pub(crate) fn new_interaction(&mut self, media: &str, state: S, now: Timestamp) -> Interaction {
        let mut wire = Interaction::new(self.ids.interaction());
        let case_id = self.ids.uuid();
        let bundle_id = self.ids.uuid();
        let mut user_data = UserData::new();
        user_data.insert("IW_CaseUid".to_owned(), Value::String(case_id.clone()));
        user_data.insert("IW_BundleUid".to_owned(), Value::String(bundle_id.clone()));
        wire.case_id = Some(case_id);
        wire.bundle_id = Some(bundle_id);
        wire.parent_interaction_id = Some(None);
        wire.media = Some(media.to_owned());
        wire.user_data = Some(user_data);
        wire.state = Some(state);
        wire.previous_state = Some(S::Unknown);
        wire.is_consultation = Some(false);
        wire.is_main_case_interaction = Some(true);
        // A new interaction's case is selected (not expanded), as Workspace does.
        wire.is_case_selected = Some(true);
        wire.is_case_expanded = Some(false);
        wire.start_date = Some(Some(millis(now)));
        wire.end_date = Some(None);
        wire
    }

    /// A fresh voice interaction.
    pub(crate) fn new_call(
        &mut self,
        state: S,
        direction: Direction,
        call_type: CallType,
        now: Timestamp,
    ) -> Interaction {
        let mut wire = self.new_interaction("voice", state, now);
        wire.call_uuid = Some(self.ids.call_uuid());
        wire.direction = Some(direction);
        wire.call_type = Some(call_type);
        wire.recording_state = Some(RecordingState::Stopped);
        wire
    }

    /// Adds an interaction to the list and selects its case.
    pub(crate) fn add_interaction(&mut self, mut sim: SimInteraction) {
        let case = sim.wire.case_id.clone();
        for other in &mut self.interactions {
            other.wire.is_case_selected = Some(false);
            other.wire.is_case_expanded = Some(false);
        }
        sim.wire.is_case_selected = Some(true);
        sim.wire.is_case_expanded = Some(false);
        self.selected_case = case;
        self.interactions.push(sim);
    }

    /// Takes an interaction off the list.
    pub(crate) fn remove_interaction(&mut self, id: &str) -> Option<SimInteraction> {
        let index = self.interactions.iter().position(|i| i.id() == id)?;
        let removed = self.interactions.remove(index);
        if removed.wire.case_id.is_some() && removed.wire.case_id == self.selected_case {
            let still_there = self
                .interactions
                .iter()
                .any(|i| i.wire.case_id == removed.wire.case_id);
            if !still_there {
                self.selected_case = None;
            }
        }
        Some(removed)
    }

    pub(crate) fn find(&self, id: &str) -> Result<&SimInteraction, SimulationError> {
        self.interactions
            .iter()
            .find(|i| i.id() == id)
            .ok_or_else(|| SimulationError::NoInteraction(id.to_owned()))
    }

    pub(crate) fn find_mut(&mut self, id: &str) -> Result<&mut SimInteraction, SimulationError> {
        self.interactions
            .iter_mut()
            .find(|i| i.id() == id)
            .ok_or_else(|| SimulationError::NoInteraction(id.to_owned()))
    }

    /// The event `event_type` for interaction `id` as it is now.
    pub(crate) fn event_for(&self, event_type: T, id: &str) -> Result<Event, SimulationError> {
        Ok(change(event_type, &self.find(id)?.wire))
    }

    /// Every interaction as clients see them, in arrival order.
    pub(crate) fn wire_interactions(&self) -> Vec<Interaction> {
        self.interactions.iter().map(|i| i.wire.clone()).collect()
    }

    pub(crate) fn get_interactions(&self) -> Handled {
        Ok(Reply::data(to_value(&self.wire_interactions())))
    }

    pub(crate) fn get_by_interaction_id(&self, id: &str) -> Handled {
        // Documented: `null` when there is no such interaction, not a failure.
        let found = self.interactions.iter().find(|i| i.id() == id);
        Ok(Reply::data(
            found.map_or(Value::Null, |i| to_value(&i.wire)),
        ))
    }

    pub(crate) fn get_by_bundle_id(&self, bundle_id: &str) -> Handled {
        let found: Vec<&Interaction> = self
            .interactions
            .iter()
            .map(|i| &i.wire)
            .filter(|w| w.bundle_id.as_deref() == Some(bundle_id))
            .collect();
        Ok(Reply::data(to_value(&found)))
    }

    pub(crate) fn get_by_case_id(&self, case_id: &str) -> Handled {
        let found: Vec<&Interaction> = self
            .interactions
            .iter()
            .map(|i| &i.wire)
            .filter(|w| w.case_id.as_deref() == Some(case_id))
            .collect();
        Ok(Reply::data(to_value(&found)))
    }

    /// Refuses attached-data changes on a released call.
    fn writable(&self, id: &str, action: &'static str) -> Result<(), SimulationError> {
        let sim = self.find(id)?;
        if sim.media() == "voice" && sim.state() == S::Idle {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action,
                state: S::Idle.to_string(),
                hint: "attached data of a call can only change while it is live",
            });
        }
        Ok(())
    }

    /// Writes keys (existing keys are overwritten); `ATTACHED_DATA_CHANGED`.
    pub(crate) fn set_user_data(&mut self, id: &str, key_values: UserData) -> Handled {
        self.writable(id, "set attached data of")?;
        let sim = self.find_mut(id)?;
        sim.wire
            .user_data
            .get_or_insert_with(UserData::new)
            .extend(key_values);
        Ok(Reply::done().with_events([change(T::AttachedDataChanged, &sim.wire)]))
    }

    /// Deletes one key; `ATTACHED_DATA_CHANGED` when it was there, no event otherwise.
    pub(crate) fn delete_user_data(&mut self, id: &str, key: &str) -> Handled {
        self.writable(id, "delete attached data of")?;
        let sim = self.find_mut(id)?;
        let removed = sim
            .wire
            .user_data
            .as_mut()
            .and_then(|data| data.remove(key))
            .is_some();
        let events = removed.then(|| change(T::AttachedDataChanged, &sim.wire));
        Ok(Reply::done().with_events(events))
    }

    /// Selects and expands a case: `CASE_COLLAPSED` for the case selected before (when it is
    /// another one), then `CASE_EXPANDED` and `CASE_SELECTED`.
    pub(crate) fn select_case(&mut self, case_id: &str) -> Handled {
        if !self
            .interactions
            .iter()
            .any(|i| i.wire.case_id.as_deref() == Some(case_id))
        {
            return Err(SimulationError::NoCase(case_id.to_owned()));
        }
        let mut events = Vec::new();
        if let Some(previous) = self.selected_case.as_deref()
            && previous != case_id
        {
            events.push(case_event(CaseSelection::Collapsed, previous));
        }
        events.push(case_event(CaseSelection::Expanded, case_id));
        events.push(case_event(CaseSelection::Selected, case_id));
        for sim in &mut self.interactions {
            let selected = sim.wire.case_id.as_deref() == Some(case_id);
            sim.wire.is_case_selected = Some(selected);
            sim.wire.is_case_expanded = Some(selected);
        }
        self.selected_case = Some(case_id.to_owned());
        Ok(Reply::done().with_events(events))
    }

    /// Gives interaction `id` a new case id, bundle id or both (see the module docs).
    pub(crate) fn change_ids(
        &mut self,
        id: &str,
        ids: IdChange,
    ) -> Result<Vec<Event>, SimulationError> {
        self.find(id)?;
        let case_id = ids.changes_case().then(|| self.ids.uuid());
        let bundle_id = ids.changes_bundle().then(|| self.ids.uuid());
        let sim = self.find_mut(id)?;
        let previous_case = match &case_id {
            Some(case_id) => sim.wire.case_id.replace(case_id.clone()),
            None => None,
        };
        if let Some(bundle_id) = &bundle_id {
            sim.wire.bundle_id = Some(bundle_id.clone());
        }
        let mut events = vec![change(T::CaseOrBundleIdChanged, &sim.wire)];
        let user_data = sim.wire.user_data.get_or_insert_with(UserData::new);
        if let Some(case_id) = &case_id {
            events.push(Event::Interaction(InteractionEvent::CaseIdChanged(
                CaseIdChanged::new(case_id.clone(), previous_case.clone()),
            )));
            user_data.insert("IW_CaseUid".to_owned(), Value::String(case_id.clone()));
        }
        if let Some(bundle_id) = bundle_id {
            user_data.insert("IW_BundleUid".to_owned(), Value::String(bundle_id));
        }
        events.push(change(T::AttachedDataChanged, &sim.wire));
        if previous_case.is_some() && self.selected_case == previous_case {
            self.selected_case = case_id;
        }
        Ok(events)
    }

    pub(crate) fn block_markdone(&mut self, id: &str, warning: Option<String>) -> Handled {
        let sim = self.find_mut(id)?;
        let warning = warning
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| format!("Interaction '{id}' cannot be marked done yet."));
        sim.markdone_block = Some(warning);
        Ok(Reply::done())
    }

    pub(crate) fn unblock_markdone(&mut self, id: &str) -> Handled {
        self.find_mut(id)?.markdone_block = None;
        Ok(Reply::done())
    }

    /// Marks an interaction done: refused when a privilege option withholds it (see
    /// `chat`), with the warning while blocked, otherwise per media (see `voice`, `chat`,
    /// `preview`).
    pub(crate) fn markdone(&mut self, now: Timestamp, id: &str) -> Handled {
        let sim = self.find(id)?;
        self.markdone_permitted(sim)?;
        if let Some(warning) = &sim.markdone_block {
            return Err(SimulationError::MarkdoneBlocked(warning.clone()));
        }
        let events = match (&sim.role, sim.media()) {
            (Role::Preview(_) | Role::OutboundCall { .. }, _) => self.markdone_outbound(id)?,
            (Role::Plain, "voice") => self.markdone_call(id)?,
            (Role::Plain, _) => self.markdone_open_media(now, id)?,
        };
        Ok(Reply::done().with_events(events))
    }

    /// Accepts an invitation: a ringing call is answered, a chat or email invitation is
    /// `ACCEPTED`, a pushed preview record goes `PREVIEWING`.
    pub(crate) fn accept(&mut self, now: Timestamp, id: &str) -> Handled {
        let sim = self.find(id)?;
        match (&sim.role, sim.media(), sim.state()) {
            (Role::Preview(_), _, S::Invited) => self.accept_pushed_record(id),
            (Role::Plain, "voice", S::Ringing) => self.answer(id),
            (Role::Plain, _, S::Invited) => {
                let sim = self.find_mut(id)?;
                transition(&mut sim.wire, S::Accepted);
                let accepted = change(T::Accepted, &sim.wire);
                self.log_chat(
                    id,
                    now,
                    super::chat::ChatEntryKind::ParticipantJoined,
                    super::chat::ChatParty::Agent,
                    None,
                );
                Ok(Reply::done().with_events([accepted]))
            }
            (_, _, state) => Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "accept",
                state: state.to_string(),
                hint: "only an invitation (RINGING call, INVITED chat or record) can be accepted",
            }),
        }
    }

    /// Rejects an invitation: a ringing call is `RELEASED` and `REMOVED`, a chat invitation
    /// `REMOVED` (`REVOKED`), a pushed preview record `REMOVED` (`REJECTED`).
    pub(crate) fn reject(&mut self, now: Timestamp, id: &str) -> Handled {
        let sim = self.find(id)?;
        let (state, events) = match (&sim.role, sim.media(), sim.state()) {
            (Role::Preview(_), _, S::Invited) => (S::Rejected, vec![T::Removed]),
            (Role::Plain, "voice", S::Ringing) => (S::Idle, vec![T::Released, T::Removed]),
            (Role::Plain, _, S::Invited) => (S::Revoked, vec![T::Removed]),
            (_, _, state) => {
                return Err(SimulationError::WrongState {
                    id: id.to_owned(),
                    action: "reject",
                    state: state.to_string(),
                    hint: "only an invitation (RINGING call, INVITED chat or record) can be rejected",
                });
            }
        };
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, state);
        if sim.role != Role::Plain {
            sim.wire.capabilities = Some(Vec::new());
        }
        sim.wire.end_date = Some(Some(millis(now)));
        let wire = sim.wire.clone();
        if let Some(chain) = self
            .remove_interaction(id)
            .and_then(|removed| removed.chain)
        {
            self.chains.remove(&chain);
        }
        self.close_chat(id);
        Ok(Reply::done().with_events(events.into_iter().map(|t| change(t, &wire))))
    }

    fn add_party(&mut self, id: &str, party: &str) -> Result<Event, SimulationError> {
        let sim = self.find_mut(id)?;
        sim.wire
            .parties
            .get_or_insert_with(Vec::new)
            .push(Party::named(party));
        Ok(change(T::PartyChanged, &sim.wire))
    }

    fn merge_user_data(
        &mut self,
        id: &str,
        user_data: Option<UserData>,
    ) -> Result<(), SimulationError> {
        if let Some(user_data) = user_data {
            self.find_mut(id)?
                .wire
                .user_data
                .get_or_insert_with(UserData::new)
                .extend(user_data);
        }
        Ok(())
    }

    fn live(&self, id: &str, action: &'static str) -> Result<(), SimulationError> {
        let sim = self.find(id)?;
        let live = matches!(
            sim.state(),
            S::Talking | S::Held | S::Accepted | S::Dialing | S::Created
        );
        if live {
            Ok(())
        } else {
            Err(SimulationError::WrongState {
                id: id.to_owned(),
                action,
                state: sim.state().to_string(),
                hint: "only a live (TALKING, HELD or ACCEPTED) interaction can be transferred or conferenced",
            })
        }
    }

    pub(crate) fn single_step_transfer(
        &mut self,
        now: Timestamp,
        id: &str,
        target: &TargetQuery,
        user_data: Option<UserData>,
    ) -> Handled {
        let target = destination(target)?;
        self.live(id, "transfer")?;
        self.merge_user_data(id, user_data)?;
        let mut events = vec![self.add_party(id, &target)?];
        let sim = self.find_mut(id)?;
        if sim.media() == "voice" {
            transition(&mut sim.wire, S::Idle);
            sim.wire.end_date = Some(Some(millis(now)));
            events.push(change(T::Released, &sim.wire));
        } else {
            transition(&mut sim.wire, S::TransferCompleted);
            events.push(change(T::TransferCompleted, &sim.wire));
        }
        Ok(Reply::done().with_events(events))
    }

    pub(crate) fn single_step_conference(
        &mut self,
        id: &str,
        target: &TargetQuery,
        user_data: Option<UserData>,
    ) -> Handled {
        let target = destination(target)?;
        self.live(id, "conference")?;
        self.merge_user_data(id, user_data)?;
        Ok(Reply::done().with_events([self.add_party(id, &target)?]))
    }

    /// Starts a consultation and answers it (see the module docs).
    pub(crate) fn consult(
        &mut self,
        now: Timestamp,
        id: &str,
        target: &TargetQuery,
        user_data: Option<UserData>,
    ) -> Handled {
        let target = destination(target)?;
        let sim = self.find(id)?;
        if sim.media() != "voice" {
            return Err(SimulationError::WrongMedia {
                id: id.to_owned(),
                action: "consult from",
                media: sim.media().to_owned(),
                expected: "voice",
            });
        }
        let mut events = Vec::new();
        match sim.state() {
            S::Talking => {
                let sim = self.find_mut(id)?;
                transition(&mut sim.wire, S::Held);
                events.push(change(T::Held, &sim.wire));
            }
            S::Held => {}
            state => {
                return Err(SimulationError::WrongState {
                    id: id.to_owned(),
                    action: "consult from",
                    state: state.to_string(),
                    hint: "start a consultation from a TALKING or HELD call",
                });
            }
        }
        let parent_case = self.find(id)?.wire.case_id.clone();
        let mut wire = self.new_call(S::Dialing, Direction::Out, CallType::Consult, now);
        wire.parent_interaction_id = Some(Some(id.to_owned()));
        wire.is_consultation = Some(true);
        wire.is_main_case_interaction = Some(false);
        wire.case_id = parent_case;
        wire.dnis = Some(target.clone());
        wire.parties = Some(vec![Party::named(target)]);
        if let Some(user_data) = user_data {
            wire.user_data
                .get_or_insert_with(UserData::new)
                .extend(user_data);
        }
        events.push(change(T::Added, &wire));
        events.push(change(T::Dialing, &wire));
        transition(&mut wire, S::Talking);
        events.push(change(T::Established, &wire));
        let answer = to_value(&wire);
        self.add_interaction(SimInteraction::plain(wire));
        Ok(Reply::data(answer).with_events(events))
    }

    /// The consultation and the call it was started from.
    fn consultation(
        &self,
        consult_id: &str,
        action: &'static str,
    ) -> Result<String, SimulationError> {
        let consult = self.find(consult_id)?;
        let parent = match (
            &consult.wire.is_consultation,
            &consult.wire.parent_interaction_id,
        ) {
            (Some(true), Some(Some(parent))) => parent.clone(),
            _ => {
                return Err(SimulationError::WrongState {
                    id: consult_id.to_owned(),
                    action,
                    state: "not a consultation".to_owned(),
                    hint: "pass the id interaction.consult answered",
                });
            }
        };
        if consult.state() != S::Talking {
            return Err(SimulationError::WrongState {
                id: consult_id.to_owned(),
                action,
                state: consult.state().to_string(),
                hint: "the consultation must be established (TALKING)",
            });
        }
        self.find(&parent)?;
        Ok(parent)
    }

    fn release_consultation(
        &mut self,
        now: Timestamp,
        consult_id: &str,
    ) -> Result<(Event, String), SimulationError> {
        let sim = self.find_mut(consult_id)?;
        transition(&mut sim.wire, S::Idle);
        sim.wire.end_date = Some(Some(millis(now)));
        let target = sim
            .wire
            .parties
            .as_ref()
            .and_then(|p| p.first())
            .and_then(Party::name)
            .unwrap_or_default()
            .to_owned();
        Ok((change(T::Released, &sim.wire), target))
    }

    pub(crate) fn complete_transfer(&mut self, now: Timestamp, consult_id: &str) -> Handled {
        let parent = self.consultation(consult_id, "complete a transfer with")?;
        let (released, target) = self.release_consultation(now, consult_id)?;
        let mut events = vec![released, self.add_party(&parent, &target)?];
        let sim = self.find_mut(&parent)?;
        transition(&mut sim.wire, S::Idle);
        sim.wire.end_date = Some(Some(millis(now)));
        events.push(change(T::Released, &sim.wire));
        Ok(Reply::done().with_events(events))
    }

    pub(crate) fn complete_conference(&mut self, now: Timestamp, consult_id: &str) -> Handled {
        let parent = self.consultation(consult_id, "complete a conference with")?;
        let (released, target) = self.release_consultation(now, consult_id)?;
        let mut events = vec![released, self.add_party(&parent, &target)?];
        let sim = self.find_mut(&parent)?;
        if sim.state() == S::Held {
            transition(&mut sim.wire, S::Talking);
            events.push(change(T::Established, &sim.wire));
        }
        Ok(Reply::done().with_events(events))
    }
}
