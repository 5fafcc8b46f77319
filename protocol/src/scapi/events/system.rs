//! The `system` family: toast clicks, the real-time connection and multi-tab election.

use serde::Serialize;

use super::family::{event_family, impl_body};
use crate::open_enum::open_enum;
use crate::scapi::types::{Extra, deserialize_with_extra};

open_enum! {
    /// Multi-tab election state of a Workspace tab (`frameState`).
    pub enum FrameState {
        /// Elected leader.
        Leading => "LEADING",
        /// Follower.
        Following => "FOLLOWING",
        /// Election in progress.
        Negotiating => "NEGOTIATING",
    }
}

open_enum! {
    /// State of Workspace's real-time connection (`REALTIME_CONNECTION`).
    pub enum ConnectionState {
        /// Disconnected from Genesys Web Services.
        Disconnected => "DISCONNECTED",
        /// Connected again after a disconnection.
        Reconnected => "RECONNECTED",
        /// No server activity for over a minute: the session is down.
        Down => "DOWN",
    }
}

/// Body of `CUSTOM_TOAST_BUTTON_CLICK`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToastButtonClick {
    /// Id returned by `system.popupToast`.
    pub custom_toast_id: String,
    /// Index of the clicked button, from 0.
    pub button_index: u32,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(ToastButtonClick {
    custom_toast_id: "customToastId" required,
    button_index: "buttonIndex" required,
});

impl ToastButtonClick {
    /// A click on button `button_index` (from 0) of toast `custom_toast_id`.
    pub fn new(custom_toast_id: impl Into<String>, button_index: u32) -> Self {
        Self {
            custom_toast_id: custom_toast_id.into(),
            button_index,
            extra: Extra::new(),
        }
    }
}

/// Body of `REALTIME_CONNECTION`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct RealtimeConnection {
    /// The connection state.
    pub state: ConnectionState,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(RealtimeConnection {
    state: "state" open,
});

impl RealtimeConnection {
    /// A connection-state body.
    pub fn new(state: ConnectionState) -> Self {
        Self {
            state,
            extra: Extra::new(),
        }
    }
}

/// Body of a frame-state event (no `eventType`, only `frameState`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FrameStateChanged {
    /// The tab's election state.
    pub frame_state: FrameState,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(FrameStateChanged {
    frame_state: "frameState" open,
});

impl FrameStateChanged {
    /// A frame-state body.
    pub fn new(frame_state: FrameState) -> Self {
        Self {
            frame_state,
            extra: Extra::new(),
        }
    }
}

impl_body!(ToastButtonClick, RealtimeConnection);

event_family! {
    /// `data` of a `system` event.
    pub enum SystemEvent {
        /// `CUSTOM_TOAST_BUTTON_CLICK`.
        ToastButtonClick(ToastButtonClick) = "CUSTOM_TOAST_BUTTON_CLICK",
        /// `REALTIME_CONNECTION`.
        RealtimeConnection(RealtimeConnection) = "REALTIME_CONNECTION",
        /// A frame-state change: `data` has `frameState` and no `eventType`.
        FrameState(FrameStateChanged) when "frameState",
    }
}
