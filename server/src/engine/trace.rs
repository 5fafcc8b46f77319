//! Traffic-log records: every message in and out, with the decision and the rule behind it.

use std::sync::Arc;

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::ServiceMessage;
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
    /// A frame's origin changed (its window navigated): what the previous page set up was
    /// dropped and the frame starts afresh.
    Navigated,
}

/// One traffic-log entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TraceRecord {
    /// When (serialised as milliseconds since the epoch).
    #[serde(serialize_with = "millis")]
    pub at: Timestamp,
    /// Which frame sent it, or the first frame it went to.
    pub frame: FrameId,
    /// How many frames it went to (1 for inbound messages).
    pub recipients: usize,
    /// That frame's origin.
    pub origin: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What happened.
    pub verdict: Verdict,
    /// The rule that decided, or what the message is about.
    pub reason: String,
    /// The message, serialised only when the record is read.
    pub message: TraceMessage,
}

fn millis<S: serde::Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(at.as_millis())
}

/// A traced message, kept as received or sent so tracing costs no encoding on the hot path.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TraceMessage {
    /// The text a client sent.
    Inbound(Arc<str>),
    /// The message the service sent.
    Outbound(Arc<ServiceMessage>),
}

/// Inbound text that is not JSON is shown truncated to this many characters.
const SHOWN_TEXT: usize = 512;

impl TraceMessage {
    /// The message as JSON: inbound text parsed (or kept as a truncated string when it is not
    /// JSON), outbound messages encoded.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Inbound(raw) => serde_json::from_str(raw)
                .unwrap_or_else(|_| Value::String(raw.chars().take(SHOWN_TEXT).collect())),
            Self::Outbound(message) => message.to_value(),
        }
    }
}

impl Serialize for TraceMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Outbound(message) => message.serialize(s),
            Self::Inbound(_) => self.to_value().serialize(s),
        }
    }
}
