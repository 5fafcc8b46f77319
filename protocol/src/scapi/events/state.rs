//! The `agent` and `media` families: agent or media state changes.

use serde::Serialize;

use super::family::{event_family, impl_body};
use crate::open_enum::open_enum;
use crate::scapi::types::{Extra, deserialize_with_extra};

open_enum! {
    /// Agent or media state carried by `STATE_CHANGED` (`mediaState`).
    pub enum MediaStateName {
        /// Ready.
        Ready => "READY",
        /// Not ready.
        NotReady => "NOT_READY",
        /// Not ready with a reason (action code).
        NotReadyActionCode => "NOT_READY_ACTION_CODE",
        /// Not ready, after-call work.
        NotReadyAfterCallwork => "NOT_READY_AFTER_CALLWORK",
        /// Logged out.
        LoggedOut => "LOGGED_OUT",
        /// Dialing.
        Dialing => "DIALING",
        /// Talking.
        Talking => "TALKING",
        /// Out of service.
        OutOfService => "OUT_OF_SERVICE",
    }
}

/// `STATE_CHANGED` of the `agent` and `media` families.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StateChanged {
    /// The new state.
    pub media_state: MediaStateName,
    /// Not-ready reason, e.g. `Break`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Not-ready reason code, e.g. `"1511"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// Fields not modelled here (media events carry the media name, for instance).
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(StateChanged {
    media_state: "mediaState" open,
    reason: "reason" optional,
    reason_code: "reasonCode" optional,
});

impl StateChanged {
    /// A state change with no reason.
    pub fn new(media_state: MediaStateName) -> Self {
        Self {
            media_state,
            reason: None,
            reason_code: None,
            extra: Extra::new(),
        }
    }
}

impl_body!(StateChanged);

event_family! {
    /// `data` of an `agent` or `media` event.
    pub enum StateEvent {
        /// `STATE_CHANGED`.
        StateChanged(StateChanged) = "STATE_CHANGED" eager "\"mediaState\"",
    }
}
