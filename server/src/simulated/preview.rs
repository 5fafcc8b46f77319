//! The three outbound preview modes, producing exactly the event rows of the documentation's
//! "Outbound preview events" table: each row is one `interaction` event with the
//! interaction's `state`, `callType` and `capabilities` after it.
//!
//! - Pull: `outbound.getPreviewRecord` -> `ADDED`, `PREVIEWING` (state `PREVIEWING`).
//! - Regular Push / Direct Push: a pushed record (scenario) -> `ADDED`, `INVITED`;
//!   `interaction.accept` -> `PREVIEWING`; `interaction.reject` -> `REMOVED` (`REJECTED`).
//!   Direct Push records only arrive after `outbound.startDirectPushPreview`.
//! - `outbound.callPreviewRecord` dials a second interaction (`callType` `OUTBOUND`):
//!   Pull: `ADDED`, `DIALING`, preview `REMOVED`; Regular Push: `ADDED`, `DIALING`,
//!   `ESTABLISHED` (`HANGUP`, `HOLD`), the preview stays until mark done; Direct Push:
//!   `ADDED`, `DIALING`, `ESTABLISHED` (`HANGUP`), preview `REMOVED`.
//! - `voice.hangUp` -> `RELEASED` (`MARK_DONE`); `interaction.markdone` -> `MARKDONE_APPLY`,
//!   (Regular Push: the preview's `REMOVED`), `REMOVED`.
//! - `outbound.rejectPreviewRecord` / `cancelPreviewRecord` -> `STATE_CHANGE` (`REJECTED` /
//!   `CANCELED`, `MARK_DONE`); marking that preview done removes it (`REMOVED`).
//!
//! Preview interactions carry no `media`, like the documentation's `RECORDS_RETRIEVED` example, and
//! `startDate` / `endDate` `null`. `chainedRecords` holds the chain from the start; a chain of
//! more than one record also fires `RECORDS_RETRIEVED` once the record is previewed (after
//! `PREVIEWING`), so single-record chains follow the table row for row.
//!
//! Records without configured chains are generated: `GSW_RECORD_HANDLE` counts from 1,
//! `GSW_PHONE` is `+1555000NNNN`. `userData` repeats the current record's fields as strings
//! (numbers become strings, as in that example) plus the case and bundle ids.

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::InteractionEventType as T;
use agentdesk_protocol::scapi::types::{
    CallType, Capability as C, Direction, Interaction, InteractionState as S, Party, RecordFields,
    UserData,
};
use serde_json::Value;

use super::config::PreviewMode;
use super::error::SimulationError;
use super::interactions::{Role, SimInteraction, change, transition};
use super::outbound::{CampaignStatus, RecordChain};
use super::state::{Handled, PreviewEnd, SimulatedState};
use super::to_value;
use crate::workspace::Reply;

fn preview_call_type(mode: PreviewMode) -> CallType {
    match mode {
        PreviewMode::RegularPush => CallType::OutboundPushPreview,
        PreviewMode::Pull | PreviewMode::DirectPush => CallType::OutboundPreview,
    }
}

fn user_data_of(record: &RecordFields) -> UserData {
    record
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => Value::String(s.clone()),
                other => Value::String(other.to_string()),
            };
            (key.clone(), text)
        })
        .collect()
}

fn phone_of(record: &RecordFields) -> String {
    match record.get("GSW_PHONE") {
        Some(Value::String(phone)) => phone.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

impl SimulatedState {
    /// The next chain of `campaign`: a configured one, or a generated single record.
    fn next_chain(&mut self, campaign: &str) -> Result<Vec<RecordFields>, SimulationError> {
        let queued = self.campaign_mut(campaign)?.spec.chains.pop_front();
        let mut records = match queued {
            Some(records) if !records.is_empty() => records,
            _ => vec![RecordFields::new()],
        };
        for (index, record) in records.iter_mut().enumerate() {
            if !record.contains_key("GSW_RECORD_HANDLE") {
                record.insert(
                    "GSW_RECORD_HANDLE".to_owned(),
                    self.ids.record_handle().into(),
                );
            }
            let handle = record
                .get("GSW_RECORD_HANDLE")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let defaults: [(&str, Value); 8] = [
                ("GSW_PHONE", Value::String(format!("+1555{handle:07}"))),
                ("GSW_PHONE_TYPE", 1.into()),
                ("GSW_CAMPAIGN_NAME", Value::String(campaign.to_owned())),
                (
                    "GSW_CALLING_LIST",
                    Value::String(format!("{campaign} List")),
                ),
                ("GSW_ATTEMPTS", 0.into()),
                ("GSW_CALL_RESULT", 28.into()),
                ("GSW_CONTACT_MEDIA_TYPE", Value::String("voice".to_owned())),
                (
                    "GSW_USER_EVENT",
                    Value::String(
                        if index == 0 {
                            "PreviewRecord"
                        } else {
                            "ChainedRecord"
                        }
                        .to_owned(),
                    ),
                ),
            ];
            for (key, value) in defaults {
                record.entry(key.to_owned()).or_insert(value);
            }
        }
        Ok(records)
    }

    fn running_preview_campaign(&mut self, campaign: &str) -> Result<PreviewMode, SimulationError> {
        let runtime = self.campaign_mut(campaign)?;
        if runtime.status != CampaignStatus::Running {
            return Err(SimulationError::CampaignState {
                campaign: campaign.to_owned(),
                status: if runtime.status == CampaignStatus::Loaded {
                    "Loaded"
                } else {
                    "Unloaded"
                },
                hint: "start the campaign before asking for records",
            });
        }
        runtime
            .spec
            .preview
            .ok_or_else(|| SimulationError::CampaignState {
                campaign: campaign.to_owned(),
                status: "not a preview campaign",
                hint: "records of a dialing campaign are not previewed",
            })
    }

    /// Creates the preview interaction of a new chain.
    fn receive_record(
        &mut self,
        now: Timestamp,
        campaign: &str,
        mode: PreviewMode,
    ) -> Result<Interaction, SimulationError> {
        let records = self.next_chain(campaign)?;
        let (state, capabilities) = match mode {
            PreviewMode::Pull => (
                S::Previewing,
                vec![C::Call, C::RejectRecord, C::CancelRecord],
            ),
            PreviewMode::RegularPush | PreviewMode::DirectPush => {
                (S::Invited, vec![C::Accept, C::Reject])
            }
        };
        let mut wire = self.new_interaction("outbound", state, now);
        wire.media = None;
        wire.start_date = Some(None);
        wire.end_date = Some(None);
        wire.call_type = Some(preview_call_type(mode));
        wire.capabilities = Some(capabilities);
        let first = records.first().cloned().unwrap_or_default();
        wire.parties = Some(vec![Party::named(phone_of(&first))]);
        let mut user_data = user_data_of(&first);
        user_data.insert(
            "WWE_OUTBOUND_CAMP_TYPE".to_owned(),
            Value::String("PreviewRecord".to_owned()),
        );
        user_data.extend(wire.user_data.take().unwrap_or_default());
        wire.user_data = Some(user_data);
        wire.chained_records = Some(records.clone());
        let key = wire.interaction_id.clone();
        self.chains.insert(
            key.clone(),
            RecordChain {
                campaign: campaign.to_owned(),
                records,
                current: 0,
                call_result: None,
                do_not_call: false,
                reschedule: None,
            },
        );
        self.add_interaction(
            SimInteraction::plain(wire.clone())
                .with_role(Role::Preview(mode))
                .in_chain(Some(key)),
        );
        Ok(wire)
    }

    /// `RECORDS_RETRIEVED` when the chain holds more than the previewed record.
    fn records_retrieved(&self, id: &str) -> Result<Option<Event>, SimulationError> {
        let chained = self.chain(id)?.records.len() > 1;
        Ok(if chained {
            Some(self.event_for(T::RecordsRetrieved, id)?)
        } else {
            None
        })
    }

    /// Pull Preview: `outbound.getPreviewRecord`.
    pub(crate) fn get_preview_record(&mut self, now: Timestamp, campaign: &str) -> Handled {
        let mode = self.running_preview_campaign(campaign)?;
        if mode != PreviewMode::Pull {
            return Err(SimulationError::CampaignState {
                campaign: campaign.to_owned(),
                status: "a push preview campaign",
                hint: "its records are pushed to the agent; only Pull Preview records are asked for",
            });
        }
        let wire = self.receive_record(now, campaign, mode)?;
        let id = wire.interaction_id.clone();
        let mut events = vec![change(T::Added, &wire), change(T::Previewing, &wire)];
        events.extend(self.records_retrieved(&id)?);
        Ok(Reply::data(to_value(&wire)).with_events(events))
    }

    /// Regular or Direct Push Preview: the campaign pushes a record (scenario).
    pub(crate) fn push_preview_record(
        &mut self,
        now: Timestamp,
        campaign: &str,
    ) -> Result<(String, Vec<Event>), SimulationError> {
        let mode = self.running_preview_campaign(campaign)?;
        match mode {
            PreviewMode::Pull => {
                return Err(SimulationError::CampaignState {
                    campaign: campaign.to_owned(),
                    status: "a Pull Preview campaign",
                    hint: "its records are asked for with outbound.getPreviewRecord",
                });
            }
            PreviewMode::DirectPush if !self.direct_push_started => {
                return Err(SimulationError::Scenario(format!(
                    "Direct Push Preview records of campaign '{campaign}' only arrive after outbound.startDirectPushPreview."
                )));
            }
            PreviewMode::RegularPush | PreviewMode::DirectPush => {}
        }
        let wire = self.receive_record(now, campaign, mode)?;
        let events = vec![change(T::Added, &wire), change(T::Invited, &wire)];
        Ok((wire.interaction_id, events))
    }

    /// `interaction.accept` of a pushed record: `PREVIEWING`.
    pub(crate) fn accept_pushed_record(&mut self, id: &str) -> Handled {
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Previewing);
        sim.wire.capabilities = Some(vec![C::Call, C::RejectRecord, C::CancelRecord]);
        let mut events = vec![change(T::Previewing, &sim.wire)];
        events.extend(self.records_retrieved(id)?);
        Ok(Reply::done().with_events(events))
    }

    fn previewing(&self, id: &str, action: &'static str) -> Result<PreviewMode, SimulationError> {
        let sim = self.find(id)?;
        let Role::Preview(mode) = sim.role else {
            return Err(SimulationError::NotOutbound(id.to_owned()));
        };
        if sim.state() != S::Previewing {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action,
                state: sim.state().to_string(),
                hint: "only a PREVIEWING record can be called, rejected or canceled",
            });
        }
        Ok(mode)
    }

    /// `outbound.callPreviewRecord`.
    pub(crate) fn call_preview_record(
        &mut self,
        now: Timestamp,
        id: &str,
        record_handle: Option<i64>,
    ) -> Handled {
        let mode = self.previewing(id, "call")?;
        let chain = self.chain(id)?;
        let index = match record_handle {
            None => chain.current,
            Some(handle) => {
                chain
                    .index_of(handle)
                    .ok_or_else(|| SimulationError::UnknownRecordHandle {
                        id: id.to_owned(),
                        handle,
                    })?
            }
        };
        let record = chain.records.get(index).cloned().unwrap_or_default();
        let chain_key = self.find(id)?.chain.clone();
        self.chain_mut(id)?.current = index;

        let preview = self.find(id)?.wire.clone();
        let phone = phone_of(&record);
        let mut call = self.new_call(S::Dialing, Direction::Out, CallType::Outbound, now);
        call.case_id = preview.case_id.clone();
        call.bundle_id = preview.bundle_id.clone();
        let mut user_data = preview.user_data.clone().unwrap_or_default();
        user_data.extend(user_data_of(&record));
        call.user_data = Some(user_data);
        call.chained_records = preview.chained_records.clone();
        call.dnis = Some(phone.clone());
        call.parties = Some(vec![Party::named(phone)]);
        call.capabilities = Some(vec![C::Hangup]);
        let call_id = call.interaction_id.clone();
        let mut events = vec![change(T::Added, &call), change(T::Dialing, &call)];
        self.add_interaction(
            SimInteraction::plain(call)
                .with_role(Role::OutboundCall {
                    mode,
                    preview: id.to_owned(),
                })
                .in_chain(chain_key),
        );

        if mode != PreviewMode::Pull {
            let sim = self.find_mut(&call_id)?;
            transition(&mut sim.wire, S::Talking);
            sim.wire.capabilities = Some(match mode {
                PreviewMode::RegularPush => vec![C::Hangup, C::Hold],
                PreviewMode::Pull | PreviewMode::DirectPush => vec![C::Hangup],
            });
            events.push(change(T::Established, &sim.wire));
        }
        let sim = self.find_mut(id)?;
        transition(&mut sim.wire, S::Idle);
        if mode == PreviewMode::RegularPush {
            // The pushed preview stays on the list until the call is marked done.
            sim.wire.capabilities = Some(vec![C::MarkDone]);
        } else {
            sim.wire.capabilities = Some(Vec::new());
            events.push(change(T::Removed, &sim.wire));
            self.remove_interaction(id);
        }
        Ok(Reply::done().with_events(events))
    }

    /// `outbound.rejectPreviewRecord` / `cancelPreviewRecord`; without an id, the most recent
    /// previewed record.
    pub(crate) fn end_preview_record(&mut self, id: Option<&str>, end: PreviewEnd) -> Handled {
        let id = match id {
            Some(id) => id.to_owned(),
            None => self
                .interactions
                .iter()
                .rev()
                .find(|i| matches!(i.role, Role::Preview(_)) && i.state() == S::Previewing)
                .map(|i| i.id().to_owned())
                .ok_or_else(|| SimulationError::Scenario(
                    "No record is being previewed: pass the interactionId of a PREVIEWING record.".to_owned(),
                ))?,
        };
        let action = match end {
            PreviewEnd::Reject => "reject",
            PreviewEnd::Cancel => "cancel",
        };
        self.previewing(&id, action)?;
        let sim = self.find_mut(&id)?;
        transition(
            &mut sim.wire,
            match end {
                PreviewEnd::Reject => S::Rejected,
                PreviewEnd::Cancel => S::Canceled,
            },
        );
        sim.wire.capabilities = Some(vec![C::MarkDone]);
        Ok(Reply::done().with_events([change(T::StateChange, &sim.wire)]))
    }

    /// Takes an interaction off the list together with its record chain.
    fn forget(&mut self, id: &str) {
        if let Some(chain) = self
            .remove_interaction(id)
            .and_then(|removed| removed.chain)
        {
            self.chains.remove(&chain);
        }
    }

    /// Mark done of a preview or of the call dialed from it.
    pub(crate) fn markdone_outbound(&mut self, id: &str) -> Result<Vec<Event>, SimulationError> {
        let sim = self.find(id)?;
        let state = sim.state();
        match sim.role.clone() {
            Role::OutboundCall { mode, preview } => {
                if state != S::Idle {
                    return Err(SimulationError::WrongState {
                        id: id.to_owned(),
                        action: "mark done",
                        state: state.to_string(),
                        hint: "hang up the call first",
                    });
                }
                let mut events = vec![self.event_for(T::MarkdoneApply, id)?];
                if mode == PreviewMode::RegularPush
                    && let Some(removed) = self.remove_interaction(&preview)
                {
                    events.push(change(T::Removed, &removed.wire));
                }
                let sim = self.find_mut(id)?;
                sim.wire.capabilities = Some(Vec::new());
                events.push(change(T::Removed, &sim.wire));
                self.forget(id);
                Ok(events)
            }
            Role::Preview(_) if matches!(state, S::Rejected | S::Canceled) => {
                let sim = self.find_mut(id)?;
                sim.wire.capabilities = Some(Vec::new());
                let event = change(T::Removed, &sim.wire);
                self.forget(id);
                Ok(vec![event])
            }
            _ => Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "mark done",
                state: state.to_string(),
                hint: "call, reject or cancel the record first (after a call, mark the call done)",
            }),
        }
    }
}
