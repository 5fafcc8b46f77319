//! Voice: `voice.*`, the softphone's `sipEndpoint.*`, and the calls the outside world makes.
//!
//! Inbound call: `ADDED` + `RINGING` (scenario) -> `voice.answer`: `ESTABLISHED` ->
//! `voice.hold`: `HELD` -> `voice.resume`: `ESTABLISHED` -> `voice.hangUp` (or the customer
//! hangs up): `RELEASED` (state `IDLE`) -> `interaction.markdone`: `REMOVED`.
//! Dialed call (`voice.dial` / `dialEx`): `ADDED` + `DIALING`; the called party answers
//! through the scenario API (`ESTABLISHED`). A destination of up to five digits is an
//! internal extension (`callType` `Internal`, spelled as in the documentation's example), anything else is
//! `OUTBOUND`. Recording moves `recordingState` STOPPED -> RECORDING <-> PAUSED -> STOPPED,
//! each step with `CALL_RECORDING_STATE_CHANGED`. The `sipEndpoint.*` requests need
//! `sipendpoint.enabled` (the default); without it they are refused.

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::InteractionEventType as T;
use agentdesk_protocol::scapi::types::{
    CallType, Capability, Direction, InteractionState as S, Party, RecordingState, UserData,
};

use super::error::SimulationError;
use super::interactions::{Role, SimInteraction, change, transition};
use super::state::{Device, Handled, Recording, SimulatedState};
use super::{IncomingCall, millis};
use crate::workspace::Reply;

fn is_extension(destination: &str) -> bool {
    !destination.is_empty()
        && destination.len() <= 5
        && destination.chars().all(|c| c.is_ascii_digit())
}

impl SimulatedState {
    fn voice_call(
        &self,
        id: &str,
        action: &'static str,
    ) -> Result<&SimInteraction, SimulationError> {
        let sim = self.find(id)?;
        if sim.media() == "voice" {
            Ok(sim)
        } else {
            Err(SimulationError::WrongMedia {
                id: id.to_owned(),
                action,
                media: sim.media().to_owned(),
                expected: "voice",
            })
        }
    }

    fn wrong_state(
        id: &str,
        action: &'static str,
        state: S,
        hint: &'static str,
    ) -> SimulationError {
        SimulationError::WrongState {
            id: id.to_owned(),
            action,
            state: state.to_string(),
            hint,
        }
    }

    /// A call the agent dials.
    pub(crate) fn dial(
        &mut self,
        now: Timestamp,
        destination: &str,
        user_data: Option<UserData>,
    ) -> Handled {
        if !self.options.flag("privilege.voice.can-dial") {
            return Err(SimulationError::NotPermitted {
                action: "dial",
                option: "privilege.voice.can-dial",
            });
        }
        if destination.trim().is_empty() {
            return Err(SimulationError::InvalidParameter {
                parameter: "destination",
                value: destination.to_owned(),
                hint: "give a phone number or an extension, e.g. '5002'",
            });
        }
        let call_type = if is_extension(destination) {
            CallType::Internal
        } else {
            CallType::Outbound
        };
        let mut wire = self.new_call(S::Dialing, Direction::Out, call_type, now);
        wire.dnis = Some(destination.to_owned());
        wire.parties = Some(vec![Party::named(destination)]);
        if let Some(user_data) = user_data {
            wire.user_data
                .get_or_insert_with(UserData::new)
                .extend(user_data);
        }
        let events = vec![change(T::Added, &wire), change(T::Dialing, &wire)];
        self.add_interaction(SimInteraction::plain(wire));
        Ok(Reply::done().with_events(events))
    }

    /// A call rings at the agent's desk (scenario).
    pub(crate) fn incoming_call(
        &mut self,
        now: Timestamp,
        call: IncomingCall,
    ) -> (String, Vec<Event>) {
        let mut wire = self.new_call(S::Ringing, Direction::In, CallType::Inbound, now);
        wire.ani = Some(call.ani.clone());
        wire.dnis = Some(call.dnis);
        wire.parties = Some(vec![Party::named(call.ani)]);
        wire.user_data
            .get_or_insert_with(UserData::new)
            .extend(call.user_data);
        let id = wire.interaction_id.clone();
        let mut events = vec![change(T::Added, &wire), change(T::Ringing, &wire)];
        self.add_interaction(SimInteraction::plain(wire));
        if self.options.flag("voice.auto-answer") {
            // Rings, then is answered at once: apps see RINGING before ESTABLISHED.
            if let Ok(answered) = self.answer(&id) {
                events.extend(answered.events);
            }
        }
        (id, events)
    }

    /// The agent answers a ringing call.
    pub(crate) fn answer(&mut self, id: &str) -> Handled {
        let state = self.voice_call(id, "answer")?.state();
        if state != S::Ringing {
            return Err(Self::wrong_state(
                id,
                "answer",
                state,
                "only a RINGING call can be answered",
            ));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Talking);
        Ok(Reply::done().with_events([change(T::Established, &sim.wire)]))
    }

    /// The called party picks up a dialed call (scenario).
    pub(crate) fn remote_answer(&mut self, id: &str) -> Result<Vec<Event>, SimulationError> {
        let state = self.voice_call(id, "connect")?.state();
        if state != S::Dialing {
            return Err(Self::wrong_state(
                id,
                "connect",
                state,
                "only a DIALING call can be picked up",
            ));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Talking);
        Ok(vec![change(T::Established, &sim.wire)])
    }

    pub(crate) fn hold(&mut self, id: &str) -> Handled {
        let state = self.voice_call(id, "hold")?.state();
        if state != S::Talking {
            return Err(Self::wrong_state(
                id,
                "hold",
                state,
                "only a TALKING call can be held",
            ));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Held);
        Ok(Reply::done().with_events([change(T::Held, &sim.wire)]))
    }

    pub(crate) fn resume(&mut self, id: &str) -> Handled {
        let state = self.voice_call(id, "resume")?.state();
        if state != S::Held {
            return Err(Self::wrong_state(
                id,
                "resume",
                state,
                "only a HELD call can be resumed",
            ));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Talking);
        Ok(Reply::done().with_events([change(T::Established, &sim.wire)]))
    }

    /// Releases a call (agent or customer): `RELEASED`, state `IDLE`.
    pub(crate) fn release_call(
        &mut self,
        now: Timestamp,
        id: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let state = self.voice_call(id, "hang up")?.state();
        if !matches!(state, S::Talking | S::Held | S::Dialing | S::Ringing) {
            return Err(Self::wrong_state(
                id,
                "hang up",
                state,
                "only a RINGING, DIALING, TALKING or HELD call can be released",
            ));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Idle);
        sim.wire.end_date = Some(Some(millis(now)));
        if sim.wire.recording_state.is_some() {
            sim.wire.recording_state = Some(RecordingState::Stopped);
        }
        if matches!(sim.role, Role::OutboundCall { .. }) {
            sim.wire.capabilities = Some(vec![Capability::MarkDone]);
        }
        let plain_unblocked = matches!(sim.role, Role::Plain) && sim.markdone_block.is_none();
        let mut events = vec![change(T::Released, &sim.wire)];
        if plain_unblocked && self.options.flag("voice.mark-done-on-release") {
            events.extend(self.markdone_call(id)?);
        }
        Ok(events)
    }

    pub(crate) fn hang_up(&mut self, now: Timestamp, id: &str) -> Handled {
        Ok(Reply::done().with_events(self.release_call(now, id)?))
    }

    /// Mark done of a released call: `REMOVED`.
    pub(crate) fn markdone_call(&mut self, id: &str) -> Result<Vec<Event>, SimulationError> {
        let state = self.find(id)?.state();
        if state != S::Idle {
            return Err(Self::wrong_state(
                id,
                "mark done",
                state,
                "hang up the call first",
            ));
        }
        let removed = self
            .remove_interaction(id)
            .ok_or_else(|| SimulationError::NoInteraction(id.to_owned()))?;
        Ok(vec![change(T::Removed, &removed.wire)])
    }

    pub(crate) fn recording(&mut self, id: &str, step: Recording) -> Handled {
        let sim = self.voice_call(id, "record")?;
        if sim.state() == S::Idle {
            return Err(Self::wrong_state(
                id,
                "record",
                S::Idle,
                "recording needs a live call",
            ));
        }
        let current = sim
            .wire
            .recording_state
            .clone()
            .unwrap_or(RecordingState::Stopped);
        let next = match (step, &current) {
            (Recording::Start, RecordingState::Stopped) => RecordingState::Recording,
            (Recording::Stop, RecordingState::Recording | RecordingState::Paused) => {
                RecordingState::Stopped
            }
            (Recording::Pause, RecordingState::Recording) => RecordingState::Paused,
            (Recording::Resume, RecordingState::Paused) => RecordingState::Recording,
            (step, current) => {
                let (action, hint) = match step {
                    Recording::Start => ("start recording", "the call is already being recorded"),
                    Recording::Stop => ("stop recording", "the call is not being recorded"),
                    Recording::Pause => ("pause recording", "only a RECORDING call can be paused"),
                    Recording::Resume => {
                        ("resume recording", "only a PAUSED recording can be resumed")
                    }
                };
                return Err(SimulationError::WrongState {
                    id: id.to_owned(),
                    action,
                    state: format!("recording {current}"),
                    hint,
                });
            }
        };
        let sim = self.find_mut(id)?;
        sim.wire.recording_state = Some(next);
        Ok(Reply::done().with_events([change(T::CallRecordingStateChanged, &sim.wire)]))
    }

    /// Refuses the softphone's requests when the desktop has no SIP endpoint.
    fn sip_endpoint(&self) -> Result<(), SimulationError> {
        if self.options.flag("sipendpoint.enabled") {
            Ok(())
        } else {
            Err(SimulationError::NotPermitted {
                action: "use the SIP endpoint",
                option: "sipendpoint.enabled",
            })
        }
    }

    pub(crate) fn set_mute(&mut self, device: Device, muted: bool) -> Handled {
        self.sip_endpoint()?;
        match device {
            Device::Microphone => self.microphone_muted = muted,
            Device::Speaker => self.speaker_muted = muted,
        }
        Ok(Reply::done())
    }

    pub(crate) fn is_muted(&self, device: Device) -> Handled {
        self.sip_endpoint()?;
        let muted = match device {
            Device::Microphone => self.microphone_muted,
            Device::Speaker => self.speaker_muted,
        };
        Ok(Reply::data(muted.into()))
    }
}
