//! Traffic-log records: every message in and out, with the decision and the rule behind it.

use agentdesk_protocol::policy::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::FrameId;

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Direction {
    /// From a client to the service.
    Inbound,
    /// From the service to a client.
    Outbound,
}

/// What the engine did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

/// One traffic-log entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TraceRecord {
    /// When (serialised as milliseconds since the epoch).
    #[serde(serialize_with = "millis")]
    pub at: Timestamp,
    /// Which frame sent or receives it.
    pub frame: FrameId,
    /// That frame's origin.
    pub origin: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What happened.
    pub verdict: Verdict,
    /// The rule that decided, or what the message is about.
    pub reason: String,
    /// The message (inbound text that is not JSON is kept as a truncated string).
    pub message: Value,
}

fn millis<S: serde::Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(at.as_millis())
}
