//! Views in a Workspace tab of their own over the host page's relay: such a frame may only
//! dial, after the origin filters have decided; frames without a view, or naming a section
//! the option file does not configure, are not restricted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use agentdesk_protocol::emulator::relay::{FromPage, ToPage, TraceDirection, TraceRecord, Verdict};
use agentdesk_server::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use futures_util::SinkExt;
use serde_json::{Value, json};
use support::{Socket, next_json};
use tokio_tungstenite::tungstenite::Message;

const CRM: &str = "http://crm.example";
const NO_DIAL: &str = "http://nodial.example";

const OPTIONS: &str = "
[interaction-workspace]
service-client-api.accepted-web-content-origins=http://crm.example, http://nodial.example (agent.*)
workspace.web-content=CrmPanel,NoDialPanel

[CrmPanel]
label=CRM
url=http://crm.example/panel.html
mode=tab

[NoDialPanel]
url=http://nodial.example/panel.html
";

const CRM_RULE: &str =
    "own-tab view `CrmPanel`: a view in its own Workspace tab may only use voice.dial";

async fn start() -> RunningEmulator {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.options = Some(OPTIONS.to_owned());
    Emulator::start(config).await.unwrap()
}

/// A host page's relay socket, keeping what it read until a test asks for it: replies and
/// trace records of one request come in either order.
struct HostPage {
    socket: Socket,
    /// (frame, data) of every post read.
    posts: Vec<(String, Value)>,
    traces: Vec<TraceRecord>,
    errors: Vec<String>,
}

impl HostPage {
    async fn open(emulator: &RunningEmulator) -> Self {
        let url = format!("{}relay", emulator.host_url.replacen("http", "ws", 1));
        let socket = support::connect(&url, emulator.host_url.trim_end_matches('/')).await;
        Self {
            socket,
            posts: Vec::new(),
            traces: Vec::new(),
            errors: Vec::new(),
        }
    }

    async fn send(&mut self, frame: &FromPage) {
        let text = serde_json::to_string(frame).unwrap();
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    /// Registers `frame` of `origin`, showing `view`, and waits for its handshake.
    async fn register(&mut self, frame: &str, origin: &str, view: Option<&str>) {
        self.send(&FromPage::Register {
            frame: frame.into(),
            origin: origin.into(),
            tab: None,
            view: view.map(str::to_owned),
        })
        .await;
        self.wait(|page| {
            page.posts
                .iter()
                .any(|(to, data)| to == frame && data["frameId"].is_string())
        })
        .await;
    }

    async fn read(&mut self) {
        let frame = next_json(&mut self.socket).await;
        match ToPage::decode(&frame.to_string()).unwrap() {
            ToPage::Post { frame, data, .. } => self.posts.push((frame, data)),
            ToPage::Trace { record } => self.traces.push(record),
            ToPage::Error { message } => self.errors.push(message),
            // The desktop's state, pushed to every host page: not what these tests look at.
            ToPage::State { .. } => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }

    async fn wait(&mut self, done: impl Fn(&Self) -> bool) {
        while !done(self) {
            self.read().await;
        }
    }

    /// Posts a request from `frame`; its answer and its inbound trace record.
    async fn ask(
        &mut self,
        frame: &str,
        origin: &str,
        reference: &str,
        request: &str,
        parameters: Value,
    ) -> (Value, TraceRecord) {
        self.send(&FromPage::Message {
            frame: frame.into(),
            origin: origin.into(),
            data: json!({ "request": request, "parameters": parameters, "referenceId": reference,
                          "userAgent": "WWE Client", "protocolVersion": 2 }),
        })
        .await;
        let traced = |record: &TraceRecord| {
            record.direction == TraceDirection::Inbound
                && record.message["referenceId"] == reference
        };
        let answered =
            |(to, data): &(String, Value)| to == frame && data["referenceId"] == reference;
        self.wait(|page| page.posts.iter().any(answered) && page.traces.iter().any(traced))
            .await;
        let answer = self.posts.iter().find(|post| answered(post)).unwrap();
        let trace = self.traces.iter().find(|record| traced(record)).unwrap();
        (answer.1.clone(), trace.clone())
    }
}

fn assert_answered((answer, trace): &(Value, TraceRecord)) {
    assert!(answer.get("errorMessage").is_none(), "{answer}");
    assert_eq!(trace.verdict, Verdict::Allowed, "{trace:?}");
}

#[tokio::test]
async fn a_frame_showing_an_own_tab_view_may_only_dial() {
    let emulator = start().await;
    let mut page = HostPage::open(&emulator).await;
    page.register("panel", CRM, Some("CrmPanel")).await;
    page.register("app", CRM, None).await;

    assert_answered(
        &page
            .ask("panel", CRM, "dial-1", "voice.dial", json!(["5551234"]))
            .await,
    );
    let (answer, trace) = page
        .ask("panel", CRM, "get-1", "agent.get", json!([]))
        .await;
    assert_eq!(
        answer["errorMessage"],
        "The request 'agent.get' is not allowed for the origin 'http://crm.example': the view `CrmPanel` is shown in its own Workspace tab, where only voice.dial is allowed."
    );
    assert_eq!(
        (trace.verdict, trace.reason.as_str()),
        (Verdict::Denied, CRM_RULE)
    );

    // The same origin without a view may do what its entry grants.
    assert_answered(
        &page
            .ask("app", CRM, "dial-2", "voice.dial", json!(["5551235"]))
            .await,
    );
    assert_answered(&page.ask("app", CRM, "get-2", "agent.get", json!([])).await);
    assert!(page.errors.is_empty(), "{:?}", page.errors);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_origin_filter_decides_before_the_own_tab_rule() {
    let emulator = start().await;
    let mut page = HostPage::open(&emulator).await;
    page.register("panel", NO_DIAL, Some("NoDialPanel")).await;
    let (answer, trace) = page
        .ask("panel", NO_DIAL, "dial-1", "voice.dial", json!(["5551234"]))
        .await;
    assert_eq!(
        answer["errorMessage"],
        "The request 'voice.dial' is not allowed for the origin 'http://nodial.example'."
    );
    assert_eq!(trace.verdict, Verdict::Denied);
    assert!(
        trace
            .reason
            .starts_with("service-client-api.accepted-web-content-origins: entry"),
        "{}",
        trace.reason
    );
    let (_, trace) = page
        .ask("panel", NO_DIAL, "get-1", "agent.get", json!([]))
        .await;
    assert_eq!(
        trace.reason,
        "own-tab view `NoDialPanel`: a view in its own Workspace tab may only use voice.dial"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_unknown_view_is_registered_without_the_restriction() {
    let emulator = start().await;
    let mut page = HostPage::open(&emulator).await;
    page.register("panel", CRM, Some("NoSuchView")).await;
    page.wait(|page| !page.errors.is_empty()).await;
    assert!(
        page.errors[0].contains("view `NoSuchView`, which is no view of the option file"),
        "{:?}",
        page.errors
    );
    assert_answered(
        &page
            .ask("panel", CRM, "get-1", "agent.get", json!([]))
            .await,
    );

    // A reloaded file that shows CrmPanel as a popup lifts its restriction at once.
    page.register("crm", CRM, Some("CrmPanel")).await;
    let (_, trace) = page.ask("crm", CRM, "get-2", "agent.get", json!([])).await;
    assert_eq!(trace.verdict, Verdict::Denied);
    emulator
        .reload_options(&OPTIONS.replace("mode=tab", "mode=popup"))
        .unwrap();
    assert_answered(&page.ask("crm", CRM, "get-3", "agent.get", json!([])).await);
    emulator.shutdown().await;
}
