//! Outbound campaigns and the record operations of `outbound.*`.
//!
//! Campaign lifecycle (scenario API, family `outbound`): unloaded -> `CampaignLoaded` ->
//! `CampaignStarted` (with `mode`) -> `CampaignStopped` -> `CampaignUnloaded`; unloading a
//! running campaign stops it first.
//!
//! Result shapes the documentation leaves open:
//! - `getCampaigns`: `[{ "name", "mode", "status": "Loaded" | "Running" }]`, loaded and
//!   running campaigns only.
//! - `getPreviewRecord`: the new preview interaction.
//! - `getListOfCallResults`: `[{ "name", "value" }]`; `getCallResult`: one such object (the
//!   set result, else the record's `GSW_CALL_RESULT`; `name` absent for an unlisted code).
//! - `getChainedRecords`: the array of records of the chain; `getRecordFields`: the record
//!   being previewed or dialed.
//!
//! Records live in chains shared by the preview interaction and the call dialed from it, so
//! record operations work on either id. `setCallResult` also writes `GSW_CALL_RESULT`.
//! `rescheduleRecord` wants `M/D/YYYY H:m` (as the official sample sends) and a callback
//! type `CAMPAIGN` or `PERSONAL`.

use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{Campaign, CampaignStarted, OutboundEvent};
use agentdesk_protocol::scapi::types::RecordFields;
use serde_json::{Value, json};

use super::config::CampaignSpec;
use super::error::SimulationError;
use super::state::{Handled, SimulatedState};
use super::to_value;
use crate::workspace::Reply;

/// Where a campaign is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CampaignStatus {
    Unloaded,
    Loaded,
    Running,
}

impl CampaignStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unloaded => "Unloaded",
            Self::Loaded => "Loaded",
            Self::Running => "Running",
        }
    }
}

/// A campaign and its status.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CampaignRuntime {
    pub(crate) spec: CampaignSpec,
    pub(crate) status: CampaignStatus,
}

impl CampaignRuntime {
    pub(crate) fn new(spec: CampaignSpec) -> Self {
        Self {
            spec,
            status: CampaignStatus::Unloaded,
        }
    }
}

/// A pending reschedule of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reschedule {
    pub(crate) record_handle: i64,
    pub(crate) date: String,
    pub(crate) callback_type: String,
}

/// The records of one preview, shared by the preview interaction and its call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordChain {
    pub(crate) campaign: String,
    pub(crate) records: Vec<RecordFields>,
    /// Index of the record being previewed or dialed.
    pub(crate) current: usize,
    pub(crate) call_result: Option<i64>,
    pub(crate) do_not_call: bool,
    pub(crate) reschedule: Option<Reschedule>,
}

impl RecordChain {
    pub(crate) fn current(&self) -> RecordFields {
        self.records.get(self.current).cloned().unwrap_or_default()
    }

    pub(crate) fn index_of(&self, handle: i64) -> Option<usize> {
        self.records
            .iter()
            .position(|r| r.get("GSW_RECORD_HANDLE").and_then(Value::as_i64) == Some(handle))
    }
}

fn outbound(event: OutboundEvent) -> Event {
    Event::Outbound(event)
}

/// `M/D/YYYY H:m`, unpadded or padded.
fn is_reschedule_date(date: &str) -> bool {
    let Some((day, time)) = date.trim().split_once(' ') else {
        return false;
    };
    let date_parts: Vec<&str> = day.split('/').collect();
    let time_parts: Vec<&str> = time.split(':').collect();
    let numeric = |s: &&str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    date_parts.len() == 3
        && time_parts.len() == 2
        && date_parts.iter().all(numeric)
        && time_parts.iter().all(numeric)
}

impl SimulatedState {
    pub(crate) fn campaign_mut(
        &mut self,
        name: &str,
    ) -> Result<&mut CampaignRuntime, SimulationError> {
        self.campaigns
            .iter_mut()
            .find(|c| c.spec.name == name)
            .ok_or_else(|| SimulationError::UnknownCampaign(name.to_owned()))
    }

    pub(crate) fn load_campaign(&mut self, name: &str) -> Result<Vec<Event>, SimulationError> {
        let campaign = self.campaign_mut(name)?;
        if campaign.status != CampaignStatus::Unloaded {
            return Err(SimulationError::CampaignState {
                campaign: name.to_owned(),
                status: campaign.status.as_str(),
                hint: "it is already loaded",
            });
        }
        campaign.status = CampaignStatus::Loaded;
        Ok(vec![outbound(OutboundEvent::CampaignLoaded(
            Campaign::new(name),
        ))])
    }

    pub(crate) fn start_campaign(&mut self, name: &str) -> Result<Vec<Event>, SimulationError> {
        let campaign = self.campaign_mut(name)?;
        if campaign.status != CampaignStatus::Loaded {
            return Err(SimulationError::CampaignState {
                campaign: name.to_owned(),
                status: campaign.status.as_str(),
                hint: "only a loaded campaign can start",
            });
        }
        campaign.status = CampaignStatus::Running;
        let mode = Some(campaign.spec.dialing_mode.clone());
        Ok(vec![outbound(OutboundEvent::CampaignStarted(
            CampaignStarted::new(name, mode),
        ))])
    }

    pub(crate) fn stop_campaign(&mut self, name: &str) -> Result<Vec<Event>, SimulationError> {
        let campaign = self.campaign_mut(name)?;
        if campaign.status != CampaignStatus::Running {
            return Err(SimulationError::CampaignState {
                campaign: name.to_owned(),
                status: campaign.status.as_str(),
                hint: "only a running campaign can stop",
            });
        }
        campaign.status = CampaignStatus::Loaded;
        Ok(vec![outbound(OutboundEvent::CampaignStopped(
            Campaign::new(name),
        ))])
    }

    pub(crate) fn unload_campaign(&mut self, name: &str) -> Result<Vec<Event>, SimulationError> {
        let mut events = Vec::new();
        if self.campaign_mut(name)?.status == CampaignStatus::Running {
            events.extend(self.stop_campaign(name)?);
        }
        let campaign = self.campaign_mut(name)?;
        if campaign.status != CampaignStatus::Loaded {
            return Err(SimulationError::CampaignState {
                campaign: name.to_owned(),
                status: campaign.status.as_str(),
                hint: "it is not loaded",
            });
        }
        campaign.status = CampaignStatus::Unloaded;
        events.push(outbound(OutboundEvent::CampaignUnloaded(Campaign::new(
            name,
        ))));
        Ok(events)
    }

    pub(crate) fn get_campaigns(&self) -> Handled {
        let campaigns: Vec<Value> = self
            .campaigns
            .iter()
            .filter(|c| c.status != CampaignStatus::Unloaded)
            .map(|c| {
                json!({
                    "name": c.spec.name,
                    "mode": c.spec.dialing_mode,
                    "status": c.status.as_str(),
                })
            })
            .collect();
        Ok(Reply::data(Value::Array(campaigns)))
    }

    pub(crate) fn direct_push_preview(&mut self, started: bool) -> Handled {
        self.direct_push_started = started;
        Ok(Reply::done())
    }

    fn chain_key(&self, id: &str) -> Result<String, SimulationError> {
        self.find(id)?
            .chain
            .clone()
            .filter(|key| self.chains.contains_key(key))
            .ok_or_else(|| SimulationError::NotOutbound(id.to_owned()))
    }

    pub(crate) fn chain(&self, id: &str) -> Result<&RecordChain, SimulationError> {
        let key = self.chain_key(id)?;
        self.chains
            .get(&key)
            .ok_or_else(|| SimulationError::NotOutbound(id.to_owned()))
    }

    pub(crate) fn chain_mut(&mut self, id: &str) -> Result<&mut RecordChain, SimulationError> {
        let key = self.chain_key(id)?;
        self.chains
            .get_mut(&key)
            .ok_or_else(|| SimulationError::NotOutbound(id.to_owned()))
    }

    /// Copies the chain's records into `chainedRecords` of every interaction sharing it.
    fn refresh_chained_records(&mut self, id: &str) -> Result<(), SimulationError> {
        let key = self.chain_key(id)?;
        let records = self.chain(id)?.records.clone();
        for sim in &mut self.interactions {
            if sim.chain.as_deref() == Some(key.as_str()) {
                sim.wire.chained_records = Some(records.clone());
            }
        }
        Ok(())
    }

    pub(crate) fn get_record_fields(&self, id: &str) -> Handled {
        Ok(Reply::data(to_value(&self.chain(id)?.current())))
    }

    pub(crate) fn update_record_fields(&mut self, id: &str, fields: RecordFields) -> Handled {
        let chain = self.chain_mut(id)?;
        let current = chain.current;
        if let Some(record) = chain.records.get_mut(current) {
            record.extend(fields);
        }
        self.refresh_chained_records(id)?;
        Ok(Reply::done())
    }

    pub(crate) fn get_chained_records(&self, id: &str) -> Handled {
        Ok(Reply::data(to_value(&self.chain(id)?.records)))
    }

    pub(crate) fn list_of_call_results(&self) -> Handled {
        let list: Vec<Value> = self
            .call_results
            .iter()
            .map(|r| json!({ "name": r.name, "value": r.value }))
            .collect();
        Ok(Reply::data(Value::Array(list)))
    }

    pub(crate) fn set_call_result(&mut self, id: &str, code: i64) -> Handled {
        if !self.call_results.iter().any(|r| r.value == code) {
            return Err(SimulationError::UnknownCallResult(code));
        }
        let chain = self.chain_mut(id)?;
        chain.call_result = Some(code);
        let current = chain.current;
        if let Some(record) = chain.records.get_mut(current) {
            record.insert("GSW_CALL_RESULT".to_owned(), code.into());
        }
        self.refresh_chained_records(id)?;
        Ok(Reply::done())
    }

    pub(crate) fn get_call_result(&self, id: &str) -> Handled {
        let chain = self.chain(id)?;
        let code = chain.call_result.or_else(|| {
            chain.current().get("GSW_CALL_RESULT").and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
        });
        let Some(code) = code else {
            return Ok(Reply::data(Value::Null));
        };
        let mut result = json!({ "value": code });
        if let Some(known) = self.call_results.iter().find(|r| r.value == code) {
            result["name"] = Value::String(known.name.clone());
        }
        Ok(Reply::data(result))
    }

    pub(crate) fn do_not_call(&mut self, id: &str, flag: bool) -> Handled {
        self.chain_mut(id)?.do_not_call = flag;
        Ok(Reply::done())
    }

    pub(crate) fn reschedule_record(
        &mut self,
        id: &str,
        record_handle: i64,
        date: &str,
        callback_type: &str,
    ) -> Handled {
        if !is_reschedule_date(date) {
            return Err(SimulationError::InvalidParameter {
                parameter: "rescheduleDate",
                value: date.to_owned(),
                hint: "use M/D/YYYY H:m local time, e.g. '10/21/2021 14:30', or an ISO-8601 date-time such as date.toISOString() writes",
            });
        }
        let callback_type = callback_type.to_ascii_uppercase();
        if callback_type != "CAMPAIGN" && callback_type != "PERSONAL" {
            return Err(SimulationError::InvalidParameter {
                parameter: "callbackType",
                value: callback_type,
                hint: "use CAMPAIGN or PERSONAL",
            });
        }
        let chain = self.chain_mut(id)?;
        if chain.index_of(record_handle).is_none() {
            return Err(SimulationError::UnknownRecordHandle {
                id: id.to_owned(),
                handle: record_handle,
            });
        }
        chain.reschedule = Some(Reschedule {
            record_handle,
            date: date.to_owned(),
            callback_type,
        });
        Ok(Reply::done())
    }

    pub(crate) fn cancel_reschedule(&mut self, id: &str) -> Handled {
        let chain = self.chain_mut(id)?;
        if chain.reschedule.take().is_none() {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "cancel the reschedule of",
                state: "not rescheduled".to_owned(),
                hint: "call outbound.rescheduleRecord first",
            });
        }
        Ok(Reply::done())
    }
}
