//! What a test saw: every traced message of its emulator, kept in arrival order.

use std::sync::{Arc, Mutex, PoisonError};

use agentdesk_protocol::emulator::relay::{TraceDirection, Verdict};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::service::Service;

/// Messages a test keeps at most; a test that sends more is not a test of an app.
pub(super) const SEEN_LIMIT: usize = 20_000;

/// One traced message, decoded once.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Seen {
    /// The frame's origin.
    pub(super) origin: String,
    /// Inbound (from an app) or outbound (to apps).
    pub(super) direction: TraceDirection,
    /// What the service did with it.
    pub(super) verdict: Verdict,
    /// The rule that decided, or what the message is about (a request name for answers).
    pub(super) reason: String,
    /// The message as JSON.
    pub(super) message: Value,
}

impl Seen {
    /// The request name of an inbound request.
    pub(super) fn request_name(&self) -> Option<&str> {
        (self.direction == TraceDirection::Inbound)
            .then(|| self.message.get("request").and_then(Value::as_str))
            .flatten()
    }

    /// Whether this is an inbound request (not a subscribe or a handshake).
    pub(super) fn is_request(&self) -> bool {
        self.request_name().is_some()
    }

    /// One line for a failure report: decision, message summary, origin and rule.
    pub(super) fn summary(&self) -> String {
        let what = match (self.direction, self.request_name()) {
            (TraceDirection::Inbound, Some(name)) => match self.message.get("parameters") {
                Some(parameters) => format!("{name} {}", compact(parameters)),
                None => name.to_owned(),
            },
            (TraceDirection::Inbound, None) => compact(&self.message),
            (_, _) => match self.message.get("event").and_then(Value::as_str) {
                Some(event) => {
                    let data = self.message.get("data").unwrap_or(&Value::Null);
                    match data.get("eventType").and_then(Value::as_str) {
                        Some(kind) => format!("event {event} {kind} {}", compact(data)),
                        None => format!("event {event} {}", compact(data)),
                    }
                }
                None => {
                    let body = self
                        .message
                        .get("errorMessage")
                        .or_else(|| self.message.get("data"))
                        .unwrap_or(&Value::Null);
                    format!("answer to {} {}", self.reason, compact(body))
                }
            },
        };
        format!(
            "{:<9} {what}  from {} ({})",
            verdict_name(self.verdict),
            self.origin,
            self.reason
        )
    }
}

/// A JSON value on one line, cut at 160 characters.
pub(crate) fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 160 {
        return text;
    }
    let mut cut: String = text.chars().take(157).collect();
    cut.push_str("...");
    cut
}

/// A verdict's wire name, e.g. `rate-limited` is `denied` with its rule.
pub(crate) fn verdict_name(verdict: Verdict) -> String {
    serde_json::to_value(verdict)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{verdict:?}"))
}

/// The messages seen so far, shared with the task that collects them.
#[derive(Debug, Clone, Default)]
pub(super) struct SeenLog(Arc<Mutex<Vec<Seen>>>);

impl SeenLog {
    /// Starts collecting `service`'s traces; the task ends with the service's trace channel.
    pub(super) fn collect(service: &Service) -> Self {
        let log = Self::default();
        let mut traces = service.traces();
        let sink = log.clone();
        tokio::spawn(async move {
            loop {
                match traces.recv().await {
                    Ok(record) => sink.push(Seen {
                        origin: record.origin.clone(),
                        direction: record.direction,
                        verdict: record.verdict,
                        reason: record.reason.clone(),
                        message: record.message.to_value(),
                    }),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                }
            }
        });
        log
    }

    fn push(&self, seen: Seen) {
        let mut list = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if list.len() < SEEN_LIMIT {
            list.push(seen);
        }
    }

    /// A copy of everything seen so far.
    pub(super) fn snapshot(&self) -> Vec<Seen> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
