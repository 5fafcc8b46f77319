//! The Screen Recording Service (SRS) local HTTP API.
//!
//! SRS is a Windows service on the agent's workstation that records the screen when
//! Interaction Recording Web Services (RWS) tells it to. The agent desktop only tells SRS who
//! is logged in and keeps the session alive:
//!
//! | Call | Method and path | Body |
//! |------|-----------------|------|
//! | Login | `GET` [`LOGIN_PATH`] | none: the agent's default place |
//! | Login with configuration | `POST` [`LOGIN_PATH`] | [`LoginConfiguration`] (array of `{name, value}`) |
//! | Polling | `GET` [`PING_PATH`] | none; every [`RECOMMENDED_POLL_INTERVAL`] |
//! | Logout | `POST` [`LOGIN_PATH`] | [`OperationRequest`] `{"operationName":"EndContactCenterSession"}` |
//!
//! Both `POST` bodies share one path, so [`MeRequest`] tells them apart by JSON shape
//! (array or object) before decoding. [`LoginRequest`] builds a login that obeys the
//! hot-seating rules; [`LoginSettings`] is the checked view a server takes of a received
//! configuration. [`SessionSnapshot`] and friends are the emulator's inspection format.

mod control;
mod error;
mod login;
mod operation;
mod seating;

use std::time::Duration;

#[cfg(feature = "schema")]
use crate::schema::{SchemaEntry, entry_for};

pub use control::{RecordingState, SessionSnapshot, SessionState, StatusResponse, StopReason};
pub use error::{ConfigurationError, HotSeatingError};
pub use login::{ConfigItem, Device, LoginConfiguration};
pub use operation::{MeRequest, OperationName, OperationRequest};
pub use seating::{LoginRequest, LoginSettings, Place, Seat, check_hot_seat};

/// Path of the login and logout endpoint.
pub const LOGIN_PATH: &str = "/api/v2/me";
/// Path of the polling endpoint.
pub const PING_PATH: &str = "/ping";

/// Request header by which a login asks for CSRF protection (value `true`).
pub const X_SUPPORT_CSRFP: &str = "X-Support-CSRFP";
/// Header carrying the session's CSRF token: in the login response, then on later requests.
pub const X_CSRF_TOKEN: &str = "X-CSRF-Token";
/// Response header naming the header that must carry the token (always [`X_CSRF_TOKEN`]).
pub const X_CSRF_HEADER: &str = "X-CSRF-Header";

/// SRS ends a session when no ping arrives for this long.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// The polling period the SRS documentation asks desktops to use.
pub const RECOMMENDED_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// Message of the 403 answer to a request with a missing or wrong CSRF token (the wording
/// Genesys Web Services uses for the same check).
pub const CSRF_REJECTION: &str = "Missing or invalid Csrf token";

#[cfg(feature = "schema")]
pub(crate) fn schemas(out: &mut Vec<SchemaEntry>) {
    out.push(entry_for::<LoginConfiguration>(
        "srs/LoginConfiguration.json",
        "SRS login request body: array of {name, value} configuration items",
    ));
    out.push(entry_for::<ConfigItem>(
        "srs/ConfigItem.json",
        "One SRS login configuration item (server, peer_server, place, devices or another name)",
    ));
    out.push(entry_for::<Device>(
        "srs/Device.json",
        "A DN and the switch it belongs to, as listed in the SRS `devices` item",
    ));
    out.push(entry_for::<OperationRequest>(
        "srs/OperationRequest.json",
        "SRS operation body, such as the EndContactCenterSession logout",
    ));
    out.push(entry_for::<MeRequest>(
        "srs/MeRequest.json",
        "Any POST /api/v2/me body: a login configuration array or an operation object",
    ));
    out.push(entry_for::<StatusResponse>(
        "srs/StatusResponse.json",
        "Status body the SRS emulator answers with (statusCode 0 on success)",
    ));
    out.push(entry_for::<SessionSnapshot>(
        "srs/SessionSnapshot.json",
        "SRS emulator inspection view of the session and recording state",
    ));
}
