//! "Record test": the control actions taken and the requests the apps sent, as a test file
//! of `agentdesk-server test` that replays the actions and expects those requests again.
//!
//! `POST /api/recording/start` (body `{}`) starts afresh; `GET /api/recording` answers the test
//! so far; `POST /api/recording/stop` ends the recording and answers the test. The host page's
//! "Record test" button does the same and downloads the file.
//!
//! What is recorded: every action applied (by the host page, the control API or a scenario),
//! and every request and accepted subscription an app sent, with the service's decision, as
//! an `expect` step at the point it arrived (compared partially, and from any origin: the
//! replay's apps get other ports). Requests an app sends because someone clicked
//! inside it cannot be seen from outside its frame: add an `app` click step before the
//! expectation (the file says so at its top) or the replay waits for them in vain.

use std::sync::{Mutex, PoisonError};

use agentdesk_protocol::emulator::control::Action;
use agentdesk_protocol::emulator::relay::{TraceDirection, Verdict};
use agentdesk_protocol::emulator::test_file::{Expectation, TestFile, TestStep};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::AppState;
use super::control::ErrorBody;
use crate::engine::TraceRecord;

/// Steps a recording keeps at most; later ones are counted, not kept.
pub(crate) const RECORDED_STEPS: usize = 2_000;

/// Subscriptions remembered while no recording runs, so a recording starts with what the apps
/// had already set up (an app subscribes when it loads, before anyone presses "Record").
const STANDING_SUBSCRIPTIONS: usize = 64;

/// The recording, when one runs, and the subscriptions made before it.
#[derive(Debug, Default)]
pub(crate) struct Recorder(Mutex<RecorderState>);

#[derive(Debug, Default)]
struct RecorderState {
    recording: Option<Recording>,
    standing: std::collections::VecDeque<Expectation>,
}

#[derive(Debug, Default)]
struct Recording {
    steps: Vec<TestStep>,
    dropped: usize,
}

impl Recording {
    fn push(&mut self, step: TestStep) {
        if self.steps.len() < RECORDED_STEPS {
            self.steps.push(step);
        } else {
            self.dropped += 1;
        }
    }

    fn to_test(&self) -> TestFile {
        let mut test = TestFile::new(self.steps.clone());
        test.name = Some(if self.dropped == 0 {
            "recorded test (add an `app` click before requests an app sends when clicked)"
                .to_owned()
        } else {
            format!(
                "recorded test ({} later steps not kept: at most {RECORDED_STEPS})",
                self.dropped
            )
        });
        test
    }
}

impl Recorder {
    fn with<R>(&self, f: impl FnOnce(&mut RecorderState) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Starts a new recording (dropping any running one), beginning with the subscriptions
    /// the apps made before.
    pub(crate) fn start(&self) {
        self.with(|state| {
            let mut recording = Recording::default();
            let mut seen = Vec::new();
            for subscription in &state.standing {
                if !seen.contains(subscription) {
                    seen.push(subscription.clone());
                    recording.push(TestStep::Expect(subscription.clone()));
                }
            }
            state.recording = Some(recording);
        });
    }

    /// Ends the recording; the test it made.
    pub(crate) fn stop(&self) -> Option<TestFile> {
        self.with(|state| state.recording.take().map(|r| r.to_test()))
    }

    /// The test so far.
    pub(crate) fn current(&self) -> Option<TestFile> {
        self.with(|state| state.recording.as_ref().map(Recording::to_test))
    }

    /// Records an applied action.
    pub(crate) fn action(&self, action: &Action) {
        self.with(|state| {
            if let Some(recording) = &mut state.recording {
                recording.push(TestStep::Action(action.clone()));
            }
        });
    }

    /// Records what an app sent, when it is a request or an accepted subscription.
    pub(crate) fn trace(&self, record: &TraceRecord) {
        if record.direction != TraceDirection::Inbound {
            return;
        }
        // Outside a recording only subscriptions matter: skip decoding everything else.
        let recording = self.with(|state| state.recording.is_some());
        if !recording && record.verdict != Verdict::Accepted {
            return;
        }
        let Some(expectation) = expectation_of(record) else {
            return;
        };
        self.with(|state| match &mut state.recording {
            Some(recording) => recording.push(TestStep::Expect(expectation)),
            None if matches!(expectation, Expectation::Subscription { .. }) => {
                if state.standing.len() == STANDING_SUBSCRIPTIONS {
                    state.standing.pop_front();
                }
                state.standing.push_back(expectation);
            }
            None => {}
        });
    }
}

fn expectation_of(record: &TraceRecord) -> Option<Expectation> {
    let message = record.message.to_value();
    if let Some(name) = message.get("request").and_then(Value::as_str) {
        let verdict = match record.verdict {
            verdict @ (Verdict::Allowed | Verdict::Denied | Verdict::Ignored) => Some(verdict),
            _ => return None,
        };
        return serde_json::from_value(serde_json::json!({
            "expect": "request",
            "name": name,
            "parameters": message.get("parameters").cloned().unwrap_or(Value::Array(Vec::new())),
            "verdict": verdict,
        }))
        .ok();
    }
    let is_subscribe = message.get("event").and_then(Value::as_str) == Some("subscribe");
    if is_subscribe && record.verdict == Verdict::Accepted {
        let topics: Vec<Value> = match message.get("data") {
            Some(Value::String(topic)) => vec![Value::String(topic.clone())],
            Some(Value::Array(topics)) => topics.clone(),
            _ => Vec::new(),
        };
        return serde_json::from_value(serde_json::json!({
            "expect": "subscription",
            "topics": topics,
        }))
        .ok();
    }
    None
}

fn not_recording() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody::new(
            "no recording runs: POST /api/recording/start (body {}) first",
        )),
    )
        .into_response()
}

pub(crate) async fn start(State(state): State<AppState>) -> Response {
    state.recorder.start();
    Json(serde_json::json!({ "ok": true })).into_response()
}

pub(crate) async fn stop(State(state): State<AppState>) -> Response {
    match state.recorder.stop() {
        Some(test) => Json(test).into_response(),
        None => not_recording(),
    }
}

pub(crate) async fn current(State(state): State<AppState>) -> Response {
    match state.recorder.current() {
        Some(test) => Json(test).into_response(),
        None => not_recording(),
    }
}
