//! The host page's relay (`GET /relay`): JSON text frames between the host page and the
//! server.
//!
//! The host page embeds the apps (iframes and popups), forwards every message they post with
//! the origin the browser verified (`event.origin`) and the frame it came from, and posts the
//! server's replies back to a frame with the exact origin the server names (never `*`).
//!
//! Page to server ([`FromPage`]):
//! - `{"type":"register","frame":"<id>","origin":"<origin>","tab":"<tab id>","view":"<section>"}`
//!   (`tab` and `view` optional)
//! - `{"type":"message","frame":"<id>","origin":"<event.origin>","data":<posted object>}`
//! - `{"type":"unregister","frame":"<id>"}`
//!
//! Server to page ([`ToPage`]):
//! - `{"type":"post","frame":"<id>","targetOrigin":"<origin>","data":<message>}`
//! - `{"type":"trace","record":<trace record>}` (the inspector's timeline)
//! - `{"type":"error","message":"<what was wrong>"}`
//! - `{"type":"state","state":<desktop state>}` (on opening, then whenever the desktop changes)

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::decode::{DecodeError, from_str_tagged};
use crate::scapi::ServiceMessage;

/// A frame from the host page to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FromPage {
    /// A frame (iframe or popup) the page embeds, with the origin worked out from its URL.
    Register {
        /// The page's id of the frame.
        frame: String,
        /// The origin of the app's URL.
        origin: String,
        /// The page's tab id (kept per browser tab), for the simulated desktop's tabs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tab: Option<String>,
        /// The option section of the configured view (`workspace.web-content`,
        /// `interaction.web-content`) the frame shows; absent for apps given by URL and for
        /// dialogs. A view shown in a Workspace tab of its own (listed in
        /// `workspace.web-content`, `mode=tab`) may only use `voice.dial`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        view: Option<String>,
    },
    /// A message the app in `frame` posted.
    Message {
        /// The frame it came from.
        frame: String,
        /// `event.origin`: the origin the browser verified.
        origin: String,
        /// The posted object, as posted.
        data: Value,
    },
    /// The frame is gone.
    Unregister {
        /// The frame.
        frame: String,
    },
}

impl FromPage {
    /// The `type` of every frame, in declaration order.
    pub const TYPES: [&'static str; 3] = ["register", "message", "unregister"];

    /// Decodes a text frame, tag first; the error names the field and the fix.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        from_str_tagged(text, "relay frame", "type", &Self::TYPES)
    }
}

/// A frame from the server to the host page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum ToPage {
    /// A message for the app in `frame`, to post with exactly `targetOrigin`.
    Post {
        /// The frame.
        frame: String,
        /// The origin to post to: the origin of the page the reply was queued for.
        #[serde(rename = "targetOrigin")]
        target_origin: String,
        /// The Service Client API message from the service, as the app receives it (its
        /// schema is `scapi/service-message.json`).
        data: Value,
    },
    /// An entry of the inspector's timeline.
    Trace {
        /// The traffic-log record.
        record: TraceRecord,
    },
    /// Something the page sent could not be relayed.
    Error {
        /// What was wrong, and what to do instead.
        message: String,
    },
    /// The simulated desktop as it is now: sent when the socket opens and whenever it
    /// changes, so the page never polls `GET /api/state`.
    State {
        /// The desktop (what `GET /api/state` answers).
        state: Box<super::control::DesktopState>,
    },
}

/// Frames to the page are written straight to text from borrowed parts: the relay writes one
/// per reply and one per trace record, and building an owned frame (or a JSON tree) for each
/// was most of the relay's cost under load.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ToPageRef<'a, R: Serialize> {
    Post {
        frame: &'a str,
        #[serde(rename = "targetOrigin")]
        target_origin: &'a str,
        data: &'a ServiceMessage,
    },
    Trace {
        record: &'a R,
    },
    Error {
        message: &'a str,
    },
    State {
        state: &'a super::control::DesktopState,
    },
}

impl ToPage {
    /// The `type` of every frame, in declaration order.
    pub const TYPES: [&'static str; 4] = ["post", "trace", "error", "state"];

    /// Decodes a text frame, tag first; the error names the field and the fix.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        from_str_tagged(text, "relay frame", "type", &Self::TYPES)
    }

    /// The text of a [`ToPage::Post`] frame, without building it.
    pub fn post_text(
        frame: &str,
        target_origin: &str,
        data: &ServiceMessage,
    ) -> Result<String, serde_json::Error> {
        let post: ToPageRef<'_, ()> = ToPageRef::Post {
            frame,
            target_origin,
            data,
        };
        serde_json::to_string(&post)
    }

    /// The text of a [`ToPage::Trace`] frame for a record that serialises as a
    /// [`TraceRecord`], without building it.
    pub fn trace_text(record: &impl Serialize) -> Result<String, serde_json::Error> {
        serde_json::to_string(&ToPageRef::Trace { record })
    }

    /// The text of a [`ToPage::State`] frame, without building it.
    pub fn state_text(state: &super::control::DesktopState) -> Result<String, serde_json::Error> {
        let frame: ToPageRef<'_, ()> = ToPageRef::State { state };
        serde_json::to_string(&frame)
    }

    /// The text of a [`ToPage::Error`] frame.
    pub fn error_text(message: &str) -> String {
        let error: ToPageRef<'_, ()> = ToPageRef::Error { message };
        serde_json::to_string(&error)
            .unwrap_or_else(|_| r#"{"type":"error","message":"relay error"}"#.to_owned())
    }
}

/// One entry of the server's traffic log: a message in or out, with the decision about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(deny_unknown_fields))]
#[non_exhaustive]
pub struct TraceRecord {
    /// When, in milliseconds since the epoch.
    pub at: u64,
    /// Which frame sent it, or the first frame it went to.
    pub frame: u64,
    /// How many frames it went to (1 for inbound messages).
    pub recipients: u64,
    /// That frame's origin.
    pub origin: String,
    /// Inbound or outbound.
    pub direction: TraceDirection,
    /// What happened.
    pub verdict: Verdict,
    /// The rule that decided, or what the message is about.
    pub reason: String,
    /// The message: as received (inbound), as sent (outbound), or for inbound text too long
    /// to keep, `{"truncated": true, "bytes": <its size>, "start": <its first characters>}`.
    pub message: Value,
}

/// Which way a traced message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TraceDirection {
    /// From a client to the service.
    Inbound,
    /// From the service to a client.
    Outbound,
}

/// What the service did with a traced message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Verdict {
    /// A request the policy allows.
    Allowed,
    /// A request refused with a failure response.
    Denied,
    /// A message left without any answer (unaccepted origin, quarantine).
    Ignored,
    /// A message that could not be handled at all (unknown frame, oversized, no referenceId).
    Dropped,
    /// A subscribe or unsubscribe that took effect.
    Accepted,
    /// A success response.
    Answered,
    /// A failure response.
    Failed,
    /// An event delivered to subscribers.
    Delivered,
    /// The frame-id handshake.
    Handshake,
    /// A frame's origin changed (its window navigated): what the previous page set up was
    /// dropped and the frame starts afresh.
    Navigated,
}
