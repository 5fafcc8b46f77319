//! The traffic log behind `GET /api/traffic`: bounded in entries and in bytes.
//!
//! Each trace record is stored encoded, with a sequence number (`seq`) so readers can page
//! through it (`?after=SEQ&limit=N`). A message longer than [`TRAFFIC_MESSAGE_BYTES`] is
//! replaced by `{"truncated": true, "bytes": N, "start": "..."}`. Inbound messages the engine
//! ignored or dropped (unaccepted origins, quarantine, unknown frames) are counted and logged
//! with their size only: a foreign page flooding the relay costs a few bytes an entry. When
//! either bound is reached the oldest entries go first.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::json;

use crate::engine::{SharedTrace, TraceRecord, Verdict};

/// Entries kept at most.
pub const TRAFFIC_LOG_ENTRIES: usize = 2000;
/// Bytes of encoded entries kept at most.
pub const TRAFFIC_LOG_BYTES: usize = 8 * 1024 * 1024;
/// Longest message kept whole, in encoded bytes.
pub const TRAFFIC_MESSAGE_BYTES: usize = 16 * 1024;
/// How much of a truncated message is kept.
const TRUNCATED_START: usize = 512;
/// Most entries one `GET /api/traffic` returns.
pub const TRAFFIC_PAGE: usize = 500;

/// A record as stored: its sequence number, then its fields (`json` is a JSON object).
fn numbered(seq: u64, json: &str) -> String {
    let fields = json.strip_prefix('{').unwrap_or(json);
    let mut text = String::with_capacity(json.len() + 24);
    text.push_str("{\"seq\":");
    text.push_str(&seq.to_string());
    if fields != "}" {
        text.push(',');
    }
    text.push_str(fields);
    text
}

/// The log (see the [module docs](self)).
#[derive(Debug, Default)]
pub(crate) struct TrafficLog {
    entries: VecDeque<(u64, String)>,
    bytes: usize,
    next_seq: u64,
    not_stored: u64,
    evicted: u64,
}

/// One page of the log.
#[derive(Debug, Serialize)]
pub(crate) struct TrafficPage {
    /// Entries after the requested sequence number, oldest first.
    records: Vec<Box<serde_json::value::RawValue>>,
    /// Pass as `after` to read on (the last `seq` returned, or `after` when none was).
    next: u64,
    /// Whether more entries follow `next`.
    more: bool,
    /// Messages logged by size only (ignored or dropped inbound messages).
    #[serde(rename = "notStored")]
    not_stored: u64,
    /// Entries dropped to stay within the bounds.
    evicted: u64,
}

impl TrafficLog {
    /// Records one trace.
    pub(crate) fn push(&mut self, shared: &SharedTrace) {
        let record: &TraceRecord = shared;
        let seq = self.next_seq;
        self.next_seq += 1;
        let keep_message = !matches!(record.verdict, Verdict::Ignored | Verdict::Dropped);
        if !keep_message {
            self.not_stored += 1;
        }
        // Most records are small and kept whole: their shared JSON, numbered.
        let whole = keep_message
            .then(|| shared.json().map(|json| numbered(seq, json)))
            .flatten()
            .filter(|text| text.len() <= TRAFFIC_MESSAGE_BYTES);
        let Some(text) = whole.or_else(|| Self::shortened(seq, record, keep_message)) else {
            return;
        };
        self.bytes += text.len();
        self.entries.push_back((seq, text));
        while self.entries.len() > TRAFFIC_LOG_ENTRIES || self.bytes > TRAFFIC_LOG_BYTES {
            let Some((_, oldest)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= oldest.len();
            self.evicted += 1;
        }
    }

    /// Up to `limit` (at most [`TRAFFIC_PAGE`]) entries after `after` (`None`: from the
    /// oldest kept).
    pub(crate) fn page(&self, after: Option<u64>, limit: usize) -> TrafficPage {
        let limit = limit.clamp(1, TRAFFIC_PAGE);
        let start = match after {
            Some(after) => self.entries.partition_point(|(seq, _)| *seq <= after),
            None => 0,
        };
        let records: Vec<_> = self
            .entries
            .iter()
            .skip(start)
            .take(limit)
            .filter_map(|(_, text)| serde_json::value::RawValue::from_string(text.clone()).ok())
            .collect();
        let shown = self.entries.len().saturating_sub(start).min(limit);
        let last = (shown > 0)
            .then(|| self.entries.get(start + shown - 1))
            .flatten();
        let next = last.map(|(seq, _)| *seq).or(after).unwrap_or(0);
        TrafficPage {
            more: self.entries.len() > start + records.len(),
            records,
            next,
            not_stored: self.not_stored,
            evicted: self.evicted,
        }
    }

    /// `record` with its message replaced by its size (`keep_message` false) or truncated.
    fn shortened(seq: u64, record: &TraceRecord, keep_message: bool) -> Option<String> {
        let mut value = serde_json::to_value(record).ok()?;
        if let Some(map) = value.as_object_mut() {
            map.insert("seq".into(), json!(seq));
            if let Some(message) = map.get_mut("message") {
                let text = message.to_string();
                if !keep_message {
                    *message = json!({ "notStored": true, "bytes": text.len() });
                } else if text.len() > TRAFFIC_MESSAGE_BYTES {
                    *message = json!({
                        "truncated": true,
                        "bytes": text.len(),
                        "start": text.chars().take(TRUNCATED_START).collect::<String>(),
                    });
                }
            }
        }
        Some(value.to_string())
    }

    /// Encoded bytes held.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use agentdesk_protocol::policy::Timestamp;

    use serde_json::Value;

    use super::*;
    use crate::engine::{Direction, FrameId, TraceMessage};

    fn record(verdict: Verdict, text: &str) -> SharedTrace {
        SharedTrace::new(TraceRecord {
            at: Timestamp::from_millis(1),
            frame: FrameId(1),
            recipients: 1,
            origin: "https://app.example".to_owned(),
            direction: Direction::Inbound,
            verdict,
            reason: "rule".to_owned(),
            message: TraceMessage::Inbound(Arc::from(text)),
        })
    }

    #[test]
    fn stays_within_its_byte_bound_and_truncates_long_messages() {
        let mut log = TrafficLog::default();
        let long = format!("\"{}\"", "x".repeat(TRAFFIC_MESSAGE_BYTES * 4));
        for _ in 0..TRAFFIC_LOG_ENTRIES {
            log.push(&record(Verdict::Allowed, &long));
        }
        assert!(log.bytes() <= TRAFFIC_LOG_BYTES);
        let page = log.page(None, 1);
        let first: Value = serde_json::from_str(page.records[0].get()).unwrap_or_default();
        assert_eq!(first["message"]["truncated"], true);
        assert_eq!(first["message"]["bytes"], long.len());
    }

    #[test]
    fn ignored_messages_are_counted_not_stored() {
        let mut log = TrafficLog::default();
        log.push(&record(Verdict::Ignored, r#"{"request":"agent.get"}"#));
        let page = log.page(None, 10);
        assert_eq!(page.not_stored, 1);
        let only: Value = serde_json::from_str(page.records[0].get()).unwrap_or_default();
        assert_eq!(only["message"], json!({ "notStored": true, "bytes": 23 }));
    }

    #[test]
    fn pages_follow_the_sequence() {
        let mut log = TrafficLog::default();
        for _ in 0..5 {
            log.push(&record(Verdict::Allowed, "{}"));
        }
        let first = log.page(None, 2);
        assert_eq!((first.records.len(), first.next, first.more), (2, 1, true));
        let second: Value = serde_json::from_str(first.records[1].get()).unwrap_or_default();
        assert_eq!(
            (second["seq"].clone(), second["message"].clone()),
            (json!(1), json!({}))
        );
        assert_eq!(second["verdict"], "allowed");
        let rest = log.page(Some(first.next), 10);
        assert_eq!((rest.records.len(), rest.next, rest.more), (3, 4, false));
        let none = log.page(Some(rest.next), 10);
        assert_eq!((none.records.len(), none.next, none.more), (0, 4, false));
    }
}
