//! Traffic-log records: every message in and out, with the decision and the rule behind it.

use std::sync::Arc;

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::ServiceMessage;
use serde::Serialize;
use serde_json::Value;

use super::{Engine, FrameId, Inbound, Output};

/// Which way a message travelled, and what the engine did with it: the traffic log's own
/// vocabulary, which the host page reads.
pub use agentdesk_protocol::emulator::relay::{TraceDirection as Direction, Verdict};

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

/// A trace record as the service hands it to every listener (the traffic log, each host
/// page's inspector stream, a test runner): encoded to JSON at most once, by whoever asks
/// first, and shared, instead of being cloned and encoded again for each of them.
#[derive(Debug)]
pub struct SharedTrace {
    record: TraceRecord,
    json: std::sync::OnceLock<Option<String>>,
}

impl SharedTrace {
    /// Shares `record`.
    pub fn new(record: TraceRecord) -> Self {
        Self {
            record,
            json: std::sync::OnceLock::new(),
        }
    }

    /// The record as JSON (the form [`TraceRecord`] serialises to); `None` in the unlikely
    /// case it cannot be encoded.
    pub fn json(&self) -> Option<&str> {
        self.json
            .get_or_init(|| serde_json::to_string(&self.record).ok())
            .as_deref()
    }
}

impl std::ops::Deref for SharedTrace {
    type Target = TraceRecord;

    fn deref(&self) -> &TraceRecord {
        &self.record
    }
}

/// A traced message, kept as received or sent so tracing costs no encoding on the hot path.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TraceMessage {
    /// The text a client sent.
    Inbound(Arc<str>),
    /// The message the service sent.
    Outbound(Arc<ServiceMessage>),
    /// Inbound text longer than [`TRACED_TEXT_BYTES`]: its start and its size, so a flood of
    /// large messages costs the log a bounded amount each.
    Truncated {
        /// The first [`TRACED_TEXT_BYTES`] bytes (at a character boundary).
        start: Arc<str>,
        /// The full size in bytes.
        bytes: usize,
    },
}

/// Inbound text longer than this is traced by its start and size only.
pub const TRACED_TEXT_BYTES: usize = 4096;

/// Inbound text that is not JSON is shown truncated to this many characters.
const SHOWN_TEXT: usize = 512;

impl TraceMessage {
    /// An inbound message as traced: whole, or [`TraceMessage::Truncated`] past
    /// [`TRACED_TEXT_BYTES`].
    pub fn inbound(raw: &str) -> Self {
        if raw.len() <= TRACED_TEXT_BYTES {
            return Self::Inbound(Arc::from(raw));
        }
        let mut end = TRACED_TEXT_BYTES;
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        Self::Truncated {
            start: Arc::from(&raw[..end]),
            bytes: raw.len(),
        }
    }

    /// The message as JSON: inbound text parsed (or kept as a truncated string when it is not
    /// JSON), outbound messages encoded.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Inbound(raw) => serde_json::from_str(raw)
                .unwrap_or_else(|_| Value::String(raw.chars().take(SHOWN_TEXT).collect())),
            Self::Outbound(message) => message.to_value(),
            Self::Truncated { start, bytes } => serde_json::json!({
                "truncated": true,
                "bytes": bytes,
                "start": start.chars().take(SHOWN_TEXT).collect::<String>(),
            }),
        }
    }
}

impl Serialize for TraceMessage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Outbound(message) => message.serialize(s),
            Self::Inbound(_) | Self::Truncated { .. } => self.to_value().serialize(s),
        }
    }
}

impl Engine {
    /// Records an inbound message and what became of it (only with
    /// [`super::EngineConfig::trace`]).
    pub(super) fn trace_in(
        &self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        verdict: Verdict,
        reason: String,
    ) {
        if !self.config.trace {
            return;
        }
        out.push(Output::Trace(Box::new(TraceRecord {
            at: inbound.now,
            frame: inbound.frame,
            recipients: 1,
            origin: inbound.origin.to_owned(),
            direction: Direction::Inbound,
            verdict,
            reason,
            message: TraceMessage::inbound(inbound.raw),
        })));
    }

    /// Records a message sent to `frames`: one record per send, however many frames it
    /// reaches, so a fan-out to a thousand frames is one line in the log, sharing the
    /// message instead of copying it.
    pub(super) fn trace_out(
        &self,
        out: &mut Vec<Output>,
        frames: &[FrameId],
        message: &Arc<ServiceMessage>,
        now: Timestamp,
        verdict: Verdict,
        about: &str,
    ) {
        if !self.config.trace {
            return;
        }
        let Some(first) = frames.first() else {
            return;
        };
        let origin = self
            .frames
            .get(first)
            .map(|f| f.origin.to_string())
            .unwrap_or_default();
        out.push(Output::Trace(Box::new(TraceRecord {
            at: now,
            frame: *first,
            recipients: frames.len(),
            origin,
            direction: Direction::Outbound,
            verdict,
            reason: about.to_owned(),
            message: TraceMessage::Outbound(Arc::clone(message)),
        })));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inbound_text_is_traced_by_its_start_and_size() {
        let long = format!("{{\"k\":\"{}é\"}}", "x".repeat(TRACED_TEXT_BYTES));
        let traced = TraceMessage::inbound(&long);
        let TraceMessage::Truncated { start, bytes } = &traced else {
            panic!("not truncated: {traced:?}");
        };
        assert_eq!(*bytes, long.len());
        assert!(start.len() <= TRACED_TEXT_BYTES);
        assert_eq!(traced.to_value()["truncated"], true);
        assert!(matches!(
            TraceMessage::inbound("{}"),
            TraceMessage::Inbound(text) if &*text == "{}"
        ));
    }
}
