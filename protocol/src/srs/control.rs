//! Response bodies and the emulator's inspection format.

use serde::{Deserialize, Serialize};

use super::login::Device;
use crate::open_enum::open_enum;

/// Status body in the Genesys Web Services style: `statusCode` 0 is success.
///
/// SRS documents no response bodies; the emulator answers with this shape so that errors
/// carry a readable `statusMessage`, and the client never depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StatusResponse {
    /// 0 on success; otherwise the HTTP status of the failure.
    pub status_code: i64,
    /// What went wrong and how to fix it; absent on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

impl StatusResponse {
    /// The success body `{"statusCode":0}`.
    pub fn ok() -> Self {
        Self {
            status_code: 0,
            status_message: None,
        }
    }

    /// A failure body.
    pub fn error(status_code: i64, message: impl Into<String>) -> Self {
        Self {
            status_code,
            status_message: Some(message.into()),
        }
    }
}

open_enum! {
    /// Where the agent's SRS session stands.
    pub enum SessionState {
        /// No session: nobody logged in, or the last one logged out.
        LoggedOut => "loggedOut",
        /// Logged in and polled within the timeout.
        LoggedIn => "loggedIn",
        /// No ping within the timeout: the link to RWS is down until the next login.
        Expired => "expired",
    }
}

open_enum! {
    /// Whether the screen is being recorded.
    pub enum RecordingState {
        /// Not recording.
        Idle => "idle",
        /// Recording, started by RWS.
        Recording => "recording",
    }
}

open_enum! {
    /// Why the last recording stopped.
    pub enum StopReason {
        /// RWS asked SRS to stop.
        Rws => "rws",
        /// The session timed out without a ping.
        Timeout => "timeout",
        /// The agent logged out.
        Logout => "logout",
        /// Another user logged in on the workstation.
        UserChanged => "userChanged",
    }
}

/// The emulator's view of the session (`GET /emulator/session`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionSnapshot {
    /// Session state.
    pub state: SessionState,
    /// The logged-in (or last) user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// RWS URL from the last login (`server`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Backup RWS URL from the last login (`peer_server`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_server: Option<String>,
    /// The place in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The devices SRS monitors for this session.
    #[serde(default)]
    pub devices: Vec<Device>,
    /// Whether the session negotiated a CSRF token.
    pub csrf_protected: bool,
    /// Recording state.
    pub recording: RecordingState,
    /// Why the last recording stopped, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_stop_reason: Option<StopReason>,
    /// Successful logins since the emulator started.
    pub logins: u64,
    /// Successful pings since the emulator started.
    pub pings: u64,
    /// Milliseconds until the session times out without a ping; absent when not logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

impl SessionSnapshot {
    /// A snapshot with the given states and every other field empty.
    pub fn new(state: SessionState, recording: RecordingState) -> Self {
        Self {
            state,
            user: None,
            server: None,
            peer_server: None,
            place: None,
            devices: Vec::new(),
            csrf_protected: false,
            recording,
            last_stop_reason: None,
            logins: 0,
            pings: 0,
            expires_in_ms: None,
        }
    }
}
