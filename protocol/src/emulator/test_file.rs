//! Test files of `agentdesk-server test`: a fresh simulated desktop, the apps it embeds, and
//! steps that act on the desktop and check what the apps do.
//!
//! ```json
//! { "name": "answering a call writes user data",
//!   "steps": [
//!     { "expect": "subscription", "topics": ["interaction"] },
//!     { "action": "incoming-call", "ani": "+15551234567" },
//!     { "app": "type", "selector": "#note", "text": "VIP" },
//!     { "app": "click", "selector": "#save-note" },
//!     { "expect": "request", "name": "interaction.setUserData", "verdict": "allowed",
//!       "parameters": ["1", { "Note": "VIP" }] },
//!     { "expect": "state", "pointer": "/interactions/0/userData/Note", "equals": "VIP" }
//! ] }
//! ```
//!
//! A step is tagged by the one key it starts with, read first:
//! - `action`: a control-API [`Action`], exactly as `POST /api/actions` and scenario files
//!   take it; a refused action fails the test.
//! - `expect`: an [`Expectation`], met within its `withinMs` (default: the file's
//!   `timeoutMs`, else [`DEFAULT_EXPECT_MS`]).
//! - `clock`: seconds the engine's clock jumps forward ([`ClockStep`]): rate-limit windows
//!   and quarantines end without waiting.
//! - `wait`: milliseconds of real time ([`WaitStep`]).
//! - `app`: something done inside an app's frame ([`AppStep`]: a click, typed text).
//! - `native`: what a native client of `/scapi` does ([`NativeStep`]), no browser needed.
//!
//! Expectations about traffic look at every message since the test started, so a request
//! the app sends before the step that expects it still counts.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::control::Action;
use super::decode::{DecodeError, from_value_tagged};
use super::relay::Verdict;

/// How long an expectation waits when neither it nor its file says.
pub const DEFAULT_EXPECT_MS: u64 = 5_000;

/// A test file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TestFile {
    /// The schema this file follows (editors read it; the runner ignores it).
    #[serde(default, rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The test's name in reports (default: the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A WWE option file for this test, relative to the test file (default: the runner's
    /// `--options`, else the embedded default options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    /// App URLs the host page embeds, besides the views of the option file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<String>,
    /// Whether the emulator's demo app runs (default: when `apps` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_app: Option<bool>,
    /// Whether the host page is loaded in a browser (default `true`; `false` for tests
    /// that only drive native clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<bool>,
    /// How long each expectation waits by default, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// What happens, in order.
    pub steps: Vec<TestStep>,
}

impl TestFile {
    /// A test of `steps` with every other field left to its default.
    pub fn new(steps: Vec<TestStep>) -> Self {
        Self {
            schema: None,
            name: None,
            options: None,
            apps: Vec::new(),
            demo_app: None,
            browser: None,
            timeout_ms: None,
            steps,
        }
    }

    /// Decodes a test file; the error names the step, its key and the fix.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        serde_json::from_str(text).map_err(|error| DecodeError {
            what: "test file".to_owned(),
            problem: error.to_string(),
        })
    }

    /// Whether the demo app runs.
    pub fn runs_demo_app(&self) -> bool {
        self.demo_app.unwrap_or(self.apps.is_empty())
    }

    /// Whether the host page is loaded in a browser.
    pub fn uses_browser(&self) -> bool {
        self.browser.unwrap_or(true)
    }
}

/// One step of a test (see the [module docs](self) for the keys that tag it).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TestStep {
    /// A control-API action.
    Action(Action),
    /// A check of what the apps did or what the desktop shows.
    Expect(Expectation),
    /// The engine's clock jumps forward.
    Clock(ClockStep),
    /// Real time passes.
    Wait(WaitStep),
    /// Something done inside an app's frame.
    App(AppStep),
    /// What a native client does.
    Native(NativeStep),
}

impl TestStep {
    /// The keys that tag a step, in the order they are looked for.
    pub const KEYS: [&'static str; 6] = ["action", "expect", "clock", "wait", "app", "native"];

    /// Decodes one step from JSON, tag first.
    pub fn from_value(value: Value) -> Result<Self, DecodeError> {
        let Value::Object(fields) = &value else {
            return Err(step_error(format!(
                "must be a JSON object with one of {}",
                keys_list()
            )));
        };
        let tags: Vec<&str> = Self::KEYS
            .into_iter()
            .filter(|key| fields.contains_key(*key))
            .collect();
        match tags.as_slice() {
            ["action"] => Action::decode_value(value).map(Self::Action),
            ["expect"] => from_value_tagged(value, "expect step", "expect", &Expectation::NAMES)
                .map(Self::Expect),
            ["clock"] => from_value_plain(value, "clock step").map(Self::Clock),
            ["wait"] => from_value_plain(value, "wait step").map(Self::Wait),
            ["app"] => from_value_tagged(value, "app step", "app", &AppStep::NAMES).map(Self::App),
            ["native"] => from_value_tagged(value, "native step", "native", &NativeStep::NAMES)
                .map(Self::Native),
            [] => Err(step_error(format!(
                "has none of {}; start it with one of them",
                keys_list()
            ))),
            several => Err(step_error(format!(
                "has {} together; a step does one thing: split it",
                several
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ))),
        }
    }
}

fn keys_list() -> String {
    TestStep::KEYS
        .iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn step_error(problem: String) -> DecodeError {
    DecodeError {
        what: "step".to_owned(),
        problem,
    }
}

fn from_value_plain<T: serde::de::DeserializeOwned>(
    value: Value,
    what: &str,
) -> Result<T, DecodeError> {
    serde_json::from_value(value).map_err(|error| DecodeError {
        what: what.to_owned(),
        problem: error.to_string(),
    })
}

impl Serialize for TestStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Action(action) => action.serialize(serializer),
            Self::Expect(expectation) => expectation.serialize(serializer),
            Self::Clock(step) => step.serialize(serializer),
            Self::Wait(step) => step.serialize(serializer),
            Self::App(step) => step.serialize(serializer),
            Self::Native(step) => step.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for TestStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for TestStep {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TestStep".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let variants = [
            generator.subschema_for::<Action>().to_value(),
            generator.subschema_for::<Expectation>().to_value(),
            generator.subschema_for::<ClockStep>().to_value(),
            generator.subschema_for::<WaitStep>().to_value(),
            generator.subschema_for::<AppStep>().to_value(),
            generator.subschema_for::<NativeStep>().to_value(),
        ];
        schemars::json_schema!({
            "description": "A step, tagged by the one key it has of `action`, `expect`, `clock`, `wait`, `app`, `native`",
            "oneOf": variants
        })
    }
}

/// The engine's clock jumps `clock` seconds forward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClockStep {
    /// Seconds (fractions allowed, at millisecond resolution).
    pub clock: f64,
}

/// Real time passes: `wait` milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WaitStep {
    /// Milliseconds.
    pub wait: u64,
}

/// How expected JSON is compared with what was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// Objects may have more keys than expected, arrays more items (at the end); every
    /// expected key and item matches partially in turn; other values are equal.
    #[default]
    Partial,
    /// Equal JSON.
    Exact,
}

impl Match {
    /// Whether `seen` matches `expected`.
    pub fn matches(self, expected: &Value, seen: &Value) -> bool {
        match self {
            Self::Exact => expected == seen,
            Self::Partial => partial_match(expected, seen),
        }
    }

    fn is_partial(&self) -> bool {
        *self == Self::Partial
    }
}

fn partial_match(expected: &Value, seen: &Value) -> bool {
    match (expected, seen) {
        (Value::Object(want), Value::Object(have)) => want
            .iter()
            .all(|(key, value)| have.get(key).is_some_and(|got| partial_match(value, got))),
        (Value::Array(want), Value::Array(have)) => {
            want.len() <= have.len()
                && want
                    .iter()
                    .zip(have)
                    .all(|(value, got)| partial_match(value, got))
        }
        (Value::Number(want), Value::Number(have)) => want.as_f64() == have.as_f64(),
        _ => expected == seen,
    }
}

/// Which app frame a step or an expectation is about: the first app of the host page whose
/// URL contains this text (default: the first app).
pub type FrameSelector = Option<String>;

/// What a test expects, tagged by `expect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "expect", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Expectation {
    /// An app (or native client) sent this request.
    #[serde(rename_all = "camelCase")]
    Request {
        /// The request name, e.g. `interaction.setUserData`.
        name: String,
        /// The parameters (the array the app sent), compared by `match`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameters: Option<Value>,
        /// Values at JSON pointers into the parameters array, e.g. `{"/1/Note": "VIP"}`,
        /// compared by `match`.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        at: BTreeMap<String, Value>,
        /// How `parameters` and `at` are compared.
        #[serde(default, rename = "match", skip_serializing_if = "Match::is_partial")]
        match_: Match,
        /// What the service decided (default: any decision).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verdict: Option<Verdict>,
        /// The sender's origin (default: any).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
        /// At least this many such requests (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// An app subscribed to these topics (every one of them, in one or more subscriptions
    /// the service accepted).
    #[serde(rename_all = "camelCase")]
    Subscription {
        /// Topics, e.g. `interaction`, `agent`.
        topics: Vec<String>,
        /// The subscriber's origin (default: any).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// An app broadcast a message to the other apps (`messenger.broadcastMessage`).
    #[serde(rename_all = "camelCase")]
    Broadcast {
        /// The channel.
        channel: String,
        /// The message, compared by `match` (default: any message).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<Value>,
        /// How `message` is compared.
        #[serde(default, rename = "match", skip_serializing_if = "Match::is_partial")]
        match_: Match,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// The service answered a request of this name (success, or failure when `failed`).
    #[serde(rename_all = "camelCase")]
    Answer {
        /// The request name.
        name: String,
        /// `true`: a failure response is expected.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        failed: bool,
        /// The answer's `data` (success) or `errorMessage` (failure), compared by `match`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
        /// How `data` is compared.
        #[serde(default, rename = "match", skip_serializing_if = "Match::is_partial")]
        match_: Match,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// An event was delivered to an app, e.g. `interaction` with
    /// `{"eventType": "RINGING"}`.
    #[serde(rename_all = "camelCase")]
    Event {
        /// The event name.
        event: String,
        /// Its `data`, compared by `match`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
        /// How `data` is compared.
        #[serde(default, rename = "match", skip_serializing_if = "Match::is_partial")]
        match_: Match,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// So far, no request was denied, ignored (unaccepted origin, quarantine) or dropped.
    #[serde(rename_all = "camelCase")]
    NoRefusal {
        /// Request names whose refusal is expected.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        except: Vec<String>,
    },
    /// The desktop (`GET /api/state`) shows `equals` at `pointer`, e.g.
    /// `/interactions/0/userData/Note`.
    #[serde(rename_all = "camelCase")]
    State {
        /// A JSON pointer into the desktop state.
        pointer: String,
        /// The value, compared by `match`.
        equals: Value,
        /// How `equals` is compared.
        #[serde(default, rename = "match", skip_serializing_if = "Match::is_partial")]
        match_: Match,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// An app's frame shows this text.
    #[serde(rename_all = "camelCase")]
    Text {
        /// The text (a substring of the frame's visible text).
        text: String,
        /// Which app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame: FrameSelector,
        /// Milliseconds to wait for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_ms: Option<u64>,
    },
    /// So far, an app's frame logged no console error and threw no uncaught exception.
    #[serde(rename_all = "camelCase")]
    NoConsoleError {
        /// Which app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame: FrameSelector,
    },
}

impl Expectation {
    /// The `expect` tag of every expectation, in declaration order.
    pub const NAMES: [&'static str; 9] = [
        "request",
        "subscription",
        "broadcast",
        "answer",
        "event",
        "no-refusal",
        "state",
        "text",
        "no-console-error",
    ];

    /// Its own wait, when it sets one.
    pub fn within_ms(&self) -> Option<u64> {
        match self {
            Self::Request { within_ms, .. }
            | Self::Subscription { within_ms, .. }
            | Self::Broadcast { within_ms, .. }
            | Self::Answer { within_ms, .. }
            | Self::Event { within_ms, .. }
            | Self::State { within_ms, .. }
            | Self::Text { within_ms, .. } => *within_ms,
            Self::NoRefusal { .. } | Self::NoConsoleError { .. } => None,
        }
    }
}

/// Something done inside an app's frame, tagged by `app`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "app", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum AppStep {
    /// Click the first element matching a CSS selector.
    Click {
        /// The CSS selector.
        selector: String,
        /// Which app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame: FrameSelector,
    },
    /// Type text into the first element matching a CSS selector (after what it holds).
    Type {
        /// The CSS selector.
        selector: String,
        /// The text.
        text: String,
        /// Which app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frame: FrameSelector,
    },
}

impl AppStep {
    /// The `app` tag of every app step.
    pub const NAMES: [&'static str; 2] = ["click", "type"];
}

/// What a native client of `/scapi` does, tagged by `native`. A test has one native client,
/// connected by `connect` before its other steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "native", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum NativeStep {
    /// Connect, as a client of `origin` (the `Origin` of its WebSocket handshake).
    Connect {
        /// The origin, e.g. `https://crm.example`.
        origin: String,
    },
    /// Send a request; its answer is traced (see [`Expectation::Answer`]).
    Request {
        /// The request name.
        name: String,
        /// The parameters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parameters: Option<Value>,
    },
    /// Subscribe to topics.
    Subscribe {
        /// The topics.
        topics: Vec<String>,
    },
}

impl NativeStep {
    /// The `native` tag of every native step.
    pub const NAMES: [&'static str; 3] = ["connect", "request", "subscribe"];
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn step(value: Value) -> Result<TestStep, DecodeError> {
        TestStep::from_value(value)
    }

    #[test]
    fn every_step_kind_round_trips() {
        for value in [
            json!({"action": "incoming-call", "ani": "+1555", "dnis": "5001", "userData": {}}),
            json!({"expect": "request", "name": "voice.dial", "verdict": "denied"}),
            json!({"expect": "state", "pointer": "/agentState", "equals": "Ready"}),
            json!({"expect": "no-refusal", "except": ["voice.dial"]}),
            json!({"clock": 60.5}),
            json!({"wait": 200}),
            json!({"app": "type", "selector": "#note", "text": "VIP"}),
            json!({"native": "request", "name": "agent.get"}),
        ] {
            let decoded = step(value.clone()).expect("decodes");
            assert_eq!(serde_json::to_value(&decoded).expect("encodes"), value);
        }
    }

    #[test]
    fn a_step_with_two_tags_is_refused_by_name() {
        let error = step(json!({"action": "dial", "expect": "request"})).unwrap_err();
        assert!(
            error.to_string().contains("`action` and `expect`"),
            "{error}"
        );
    }

    #[test]
    fn a_step_without_a_tag_lists_the_keys() {
        let error = step(json!({"name": "agent.get"})).unwrap_err();
        assert!(error.to_string().contains("`native`"), "{error}");
    }

    #[test]
    fn an_unknown_expectation_names_the_known_ones() {
        let error = step(json!({"expect": "requests", "name": "x"})).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("\"requests\" is unknown") && text.contains("\"request\""));
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let error = step(json!({"expect": "text", "txt": "Caller"})).unwrap_err();
        assert!(error.to_string().contains("txt"), "{error}");
    }

    #[test]
    fn partial_match_allows_more_keys_and_trailing_items() {
        let seen = json!(["1", {"Note": "VIP", "Other": 2}, null]);
        assert!(Match::Partial.matches(&json!(["1", {"Note": "VIP"}]), &seen));
        assert!(!Match::Partial.matches(&json!(["2"]), &seen));
        assert!(!Match::Exact.matches(&json!(["1", {"Note": "VIP"}]), &seen));
        assert!(Match::Partial.matches(&json!(1), &json!(1.0)));
    }

    #[test]
    fn a_file_decodes_with_defaults() {
        let file = TestFile::decode(r#"{"steps": [{"wait": 1}]}"#).expect("decodes");
        assert!(file.runs_demo_app() && file.uses_browser());
        let error = TestFile::decode(r#"{"steps": [{"wait": 1}], "tiemout": 1}"#).unwrap_err();
        assert!(error.to_string().contains("tiemout"), "{error}");
    }
}
