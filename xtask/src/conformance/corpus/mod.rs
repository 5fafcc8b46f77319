//! The corpus's cases, defined in Rust and written by `cargo xtask codegen`.
//!
//! Each case lists its inputs; generation replays it once against the engine and records
//! what the service posted as the case's `expect`. Where a step carries a hand-written
//! expectation ([`Builder::expect`]), the recorded messages must equal it or generation
//! fails: policy outcomes, seed texts and subscription behaviour are pinned by hand, the
//! simulated back end's (long) answers are recorded.

mod configuration;
mod lenient;
mod malformed;
mod policy;
pub(crate) mod requests;
mod seeds;
mod subscriptions;

use std::collections::BTreeMap;

use agentdesk_protocol::schema::GENERATED_MARKER;
use serde_json::{Value, json};

use super::format::{Case, Expected, FrameSpec, Limits, Scenario, Step, WorkspaceSetup};
use super::replay;

/// The virtual clock's start in every case: 2026-11-23T06:40:00Z, a minute boundary.
pub(crate) const START: u64 = 1_795_336_800_000;

/// The usual client page.
pub(crate) const APP: &str = "https://app.example";

/// Every corpus file: path below `schema/` to its contents, expectations recorded.
pub(crate) fn files() -> Result<BTreeMap<String, String>, String> {
    let themes: [(&str, &str, Vec<Case>); 7] = [
        (
            "requests",
            "every request of the table, allowed, answered by the simulated Workspace",
            requests::cases(),
        ),
        (
            "policy",
            "origins, filters, rate limits, quarantines and user-data allow-lists",
            policy::cases(),
        ),
        (
            "subscriptions",
            "subscribe, events, unsubscribe and messenger broadcasts",
            subscriptions::cases(),
        ),
        (
            "configuration",
            "what the option file makes the desktop answer and do: getOption, contextual options, who may read them, behaviour options",
            configuration::cases(),
        ),
        (
            "lenient",
            "parameters a JavaScript Workspace converts, and those it could not use",
            lenient::cases(),
        ),
        (
            "malformed",
            "input the service cannot decode, and oversized input",
            malformed::cases(),
        ),
        (
            "seeds",
            "the examples of the Service Client API documentation",
            seeds::cases(),
        ),
    ];
    let mut files = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (theme, about, cases) in themes {
        let header = json!({
            "$comment": format!(
                "{GENERATED_MARKER}. Conformance corpus: {about}. One case per line; format in schema/README.md."
            ),
        });
        let mut text = format!("{header}\n");
        for mut case in cases {
            if !case.name.starts_with(&format!("{theme}/")) {
                return Err(format!("case `{}` belongs in {theme}.jsonl", case.name));
            }
            if let Some(other) = names.insert(case.name.clone(), theme) {
                return Err(format!("case `{}` is defined twice ({other})", case.name));
            }
            record(&mut case)?;
            let line = serde_json::to_string(&case).map_err(|err| err.to_string())?;
            text.push_str(&line);
            text.push('\n');
        }
        files.insert(format!("conformance/{theme}.jsonl"), text);
    }
    Ok(files)
}

/// Fills each step's `expect` from one replay; a pinned step must match.
fn record(case: &mut Case) -> Result<(), String> {
    let recorded = replay::run(case).map_err(|err| format!("case `{}`: {err}", case.name))?;
    for (index, (step, actual)) in case.steps.iter_mut().zip(recorded).enumerate() {
        step.pinned = step.pin.is_some();
        if let Some(pinned) = &step.pin
            && *pinned != actual
        {
            return Err(format!(
                "case `{}` step {index}: the engine posts\n{}\nbut the case pins\n{}",
                case.name,
                super::lines(&actual),
                super::lines(pinned)
            ));
        }
        step.expect = actual;
    }
    if case.name.starts_with("requests/") {
        let failed = case
            .steps
            .iter()
            .flat_map(|step| &step.expect)
            .find(|m| m.message.get("errorMessage").is_some());
        if let Some(failed) = failed {
            return Err(format!(
                "case `{}`: the simulated Workspace refuses a request: {}",
                case.name, failed.message
            ));
        }
    }
    Ok(())
}

/// Builds one case.
pub(crate) struct Builder {
    case: Case,
}

/// A case named `<theme>/<slug>`, every origin accepted for everything, clock at [`START`].
pub(crate) fn case(name: &str, description: &str) -> Builder {
    Builder {
        case: Case {
            name: name.to_owned(),
            description: description.to_owned(),
            options: "service-client-api.accepted-web-content-origins=*\n".to_owned(),
            workspace: WorkspaceSetup::default(),
            limits: Limits::default(),
            start: START,
            frames: Vec::new(),
            steps: Vec::new(),
        },
    }
}

impl Builder {
    /// The option file in force.
    pub(crate) fn options(mut self, text: &str) -> Self {
        self.case.options = text.to_owned();
        self
    }

    /// The simulated back end's configuration.
    pub(crate) fn workspace(mut self, setup: WorkspaceSetup) -> Self {
        self.case.workspace = setup;
        self
    }

    /// Engine bounds.
    pub(crate) fn limits(mut self, limits: Limits) -> Self {
        self.case.limits = limits;
        self
    }

    /// Declares frame `id` at `origin` and connects it at time 0.
    pub(crate) fn frame(self, id: &str, origin: &str) -> Self {
        self.frame_in_tab(id, origin, None)
    }

    /// Declares frame `id` at `origin` in Workspace tab `tab` and connects it at time 0.
    pub(crate) fn frame_in_tab(mut self, id: &str, origin: &str, tab: Option<&str>) -> Self {
        self.case.frames.push(FrameSpec {
            id: id.to_owned(),
            origin: origin.to_owned(),
            tab: tab.map(str::to_owned),
        });
        let mut step = Step::new(0);
        step.connect = Some(id.to_owned());
        self.push(step)
    }

    /// Frame `frame` posts `message` at `at` ms.
    pub(crate) fn send(self, at: u64, frame: &str, message: Value) -> Self {
        let mut step = Step::new(at);
        step.frame = Some(frame.to_owned());
        step.send = Some(message);
        self.push(step)
    }

    /// Frame `frame` posts exactly `text` at `at` ms.
    pub(crate) fn send_raw(self, at: u64, frame: &str, text: &str) -> Self {
        let mut step = Step::new(at);
        step.frame = Some(frame.to_owned());
        step.send_raw = Some(text.to_owned());
        self.push(step)
    }

    /// The outside world acts at `at` ms.
    pub(crate) fn scenario(self, at: u64, scenario: Scenario) -> Self {
        let mut step = Step::new(at);
        step.scenario = Some(scenario);
        self.push(step)
    }

    /// Pins what the last step posts: `(frame, message)` pairs in `expect` order.
    pub(crate) fn expect(mut self, messages: Vec<(&str, Value)>) -> Self {
        if let Some(step) = self.case.steps.last_mut() {
            step.pin = Some(
                messages
                    .into_iter()
                    .map(|(frame, message)| Expected {
                        frame: frame.to_owned(),
                        message,
                    })
                    .collect(),
            );
        }
        self
    }

    /// Pins that the last step posts nothing at all.
    pub(crate) fn expect_nothing(self) -> Self {
        self.expect(Vec::new())
    }

    fn push(mut self, step: Step) -> Self {
        self.case.steps.push(step);
        self
    }

    /// The case.
    pub(crate) fn build(self) -> Case {
        self.case
    }
}

/// A request as the official client library posts it.
pub(crate) fn request(reference_id: &str, name: &str, parameters: Value) -> Value {
    json!({
        "request": name,
        "parameters": parameters,
        "referenceId": reference_id,
        "userAgent": "WWE Client",
        "protocolVersion": 2,
    })
}

/// A subscription as the official client library posts it.
pub(crate) fn subscribe(reference_id: &str, names: &[&str]) -> Value {
    json!({
        "event": "subscribe",
        "data": names,
        "referenceId": reference_id,
        "userAgent": "WWE Client",
        "protocolVersion": 2,
    })
}

/// An unsubscription as the official client library posts it.
pub(crate) fn unsubscribe(reference_id: &str, subscription_id: &str) -> Value {
    json!({
        "event": "unsubscribe",
        "data": subscription_id,
        "referenceId": reference_id,
        "userAgent": "WWE Client",
        "protocolVersion": 2,
    })
}

/// The frame-id handshake for the `n`th frame connected.
pub(crate) fn handshake(n: u64) -> Value {
    json!({ "frameId": format!("frame-{n}"), "userAgent": "WWE Server", "protocolVersion": 2 })
}

/// A success without `data`.
pub(crate) fn done(reference_id: &str) -> Value {
    json!({ "referenceId": reference_id, "userAgent": "WWE Server", "protocolVersion": 2 })
}

/// A success with `data`.
pub(crate) fn success(reference_id: &str, data: Value) -> Value {
    json!({
        "referenceId": reference_id,
        "data": data,
        "userAgent": "WWE Server",
        "protocolVersion": 2,
    })
}

/// A subscribe acknowledgement.
pub(crate) fn subscribed(reference_id: &str, subscription_id: &str) -> Value {
    json!({
        "referenceId": reference_id,
        "subscriptionId": subscription_id,
        "userAgent": "WWE Server",
        "protocolVersion": 2,
    })
}

/// A failure.
pub(crate) fn failure(reference_id: &str, error_message: &str) -> Value {
    json!({
        "referenceId": reference_id,
        "errorMessage": error_message,
        "userAgent": "WWE Server",
        "protocolVersion": 2,
    })
}

/// The documented "not allowed" failure.
pub(crate) fn not_allowed(reference_id: &str, request: &str, origin: &str) -> Value {
    failure(
        reference_id,
        &format!("The request '{request}' is not allowed for the origin '{origin}'."),
    )
}

/// The first refusal after a rate limit was reached (the documentation's text, with `request`).
pub(crate) fn rate_limited(reference_id: &str, request: &str, quarantine_secs: u32) -> Value {
    json!({
        "referenceId": reference_id,
        "errorMessage": format!(
            "The rate limit for the request '{request}' has been reached.\nFurther requests of the same type will be ignored for {quarantine_secs} seconds."
        ),
        "request": request,
        "userAgent": "WWE Server",
        "protocolVersion": 2,
    })
}

/// An event message.
pub(crate) fn event(name: &str, data: Value) -> Value {
    json!({ "event": name, "data": data, "userAgent": "WWE Server", "protocolVersion": 2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_the_engine_does_not_meet_stops_generation() {
        let mut wrong = case("policy/x", "A pin that is wrong.")
            .frame("a", APP)
            .send(0, "a", request("1", "agent.fly", json!([])))
            .expect(vec![("a", done("1"))])
            .build();
        let err = record(&mut wrong).err().unwrap_or_default();
        assert!(err.contains("step 1: the engine posts"), "{err}");
        assert!(err.contains("Unknown request 'agent.fly'"), "{err}");
    }

    #[test]
    fn a_met_pin_is_marked_and_recorded_steps_are_not() {
        let mut right = case("policy/x", "A pin that holds.")
            .frame("a", APP)
            .send(0, "a", request("1", "system.triggerActivity", json!([])))
            .expect(vec![("a", done("1"))])
            .build();
        assert_eq!(record(&mut right), Ok(()));
        assert!(!right.steps[0].pinned);
        assert!(right.steps[1].pinned);
        assert_eq!(right.steps[0].expect[0].message, handshake(1));
    }

    #[test]
    fn a_refused_request_in_a_requests_case_stops_generation() {
        let mut refused = case("requests/x", "voice.hold without a call.")
            .frame("a", APP)
            .send(0, "a", request("t", "voice.hold", json!(["9"])))
            .build();
        let err = record(&mut refused).err().unwrap_or_default();
        assert!(err.contains("refuses a request"), "{err}");
    }
}
