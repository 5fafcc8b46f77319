//! End to end in a real headless chromium: the host page embeds the demo app on another origin,
//! and the app talks to the engine through the page's relay exactly as an app written for
//! Genesys's client library would. Then the corners: a frame that navigates to a foreign page,
//! and a sandboxed app whose opaque origin cannot be answered.
//!
//! Drives Debian's `chromium` over WebDriver through its `chromedriver` (packages `chromium` and
//! `chromium-driver`, which `.ci/run` installs). Without them the tests are skipped locally and
//! fail under CI, so CI cannot pass without having run them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the `browser_desktop` tests, which use all of it.
#[allow(dead_code)]
mod common;
mod driver;
mod pages;

use std::path::Path;
use std::time::Duration;

use agentdesk_protocol::emulator::control::Action;
use agentdesk_server::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use fantoccini::Locator;
use serde_json::{Value, json};

use common::{ONE_BROWSER, Served, chromium_or_skip, run, wait_for_page};

const OPTIONS: &str = "
[interaction-workspace]
service-client-api.accepted-web-content-origins=$DEMO_APP$
service-client-api.rate-limit.voice.dial=2
service-client-api.rate-limit-quarantine-delay=30
service-client-api.user-data.write-allowed=Key1
service-client-api.user-data.read-allowed=*
";

/// The app's reports in the order the app made them (they arrive concurrently).
async fn reports(app: &str) -> Vec<Value> {
    let body = reqwest::get(format!("{app}reports"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut list: Vec<Value> = serde_json::from_str(&body).unwrap();
    list.sort_by_key(|report| report["seq"].as_u64());
    list
}

async fn wait_for(app: &str, step: &str) -> Vec<Value> {
    for _ in 0..300 {
        let list = reports(app).await;
        if list.iter().any(|r| r["step"] == step) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the app never reported {step:?}: {:#?}", reports(app).await);
}

fn step<'a>(list: &'a [Value], name: &str) -> &'a Value {
    &list
        .iter()
        .find(|r| r["step"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list:#?}"))["value"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_in_a_cross_origin_iframe_speaks_the_service_client_api() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.options = Some(OPTIONS.to_owned());
    let emulator = Emulator::start(config).await.unwrap();
    let app = emulator.app_url.clone().unwrap();
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&format!("{}?selftest", emulator.host_url))
        .await
        .expect("the host page loads");

    let list = wait_for(&app, "subscribed").await;
    assert_eq!(
        step(&list, "agent.get")["result"]["data"]["username"],
        "agent1"
    );
    assert!(
        step(&list, "subscribed")["ok"].as_bool().unwrap(),
        "{list:#?}"
    );

    // The outside world: a call arrives through the control API.
    let client = reqwest::Client::new();
    let created: Value = client
        .post(format!("{}api/calls", emulator.host_url))
        .json(&json!({ "ani": "+15551234567", "userData": { "Key1": "VIP" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ok"], true);

    let list = wait_for(&app, "done").await;
    let events: Vec<&Value> = list
        .iter()
        .filter(|r| r["step"] == "event")
        .map(|r| &r["value"])
        .collect();
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["data"]["eventType"].as_str())
        .collect();
    assert!(types.starts_with(&["ADDED", "RINGING"]), "{types:?}");
    assert_eq!(events[1]["data"]["interaction"]["ani"], "+15551234567");
    assert_eq!(events[1]["data"]["interaction"]["userData"]["Key1"], "VIP");
    assert_eq!(events[1]["userAgent"], "WWE Server");

    assert_eq!(step(&list, "write.allowed")["ok"], true, "{list:#?}");
    let forbidden = step(&list, "write.forbidden");
    assert_eq!(forbidden["ok"], false);
    assert!(
        forbidden["error"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Secret"),
        "{forbidden}"
    );
    let filtered = step(&list, "filtered");
    assert_eq!(
        filtered["error"]["errorMessage"],
        format!(
            "The request 'auth.getJwtToken' is not allowed for the origin '{}'.",
            app.trim_end_matches('/')
        )
    );
    assert_eq!(step(&list, "dial.0")["ok"], true);
    assert_eq!(step(&list, "dial.1")["ok"], true);
    let limited = &step(&list, "dial.2")["error"];
    assert_eq!(
        limited["errorMessage"],
        "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds."
    );
    assert_eq!(limited["request"], "voice.dial");
    // Then silence: the app's own timeout fires, exactly as with Genesys's library.
    assert_eq!(step(&list, "dial.3")["error"], "Request timeout");

    // The app's own buttons work too: a click inside its cross-origin frame.
    browser
        .find(Locator::Css("#apps iframe"))
        .await
        .expect("the demo app's frame")
        .enter_frame()
        .await
        .expect("into the demo app's frame");
    browser
        .find(Locator::Id("agent"))
        .await
        .expect("the app's agent.get button")
        .click()
        .await
        .expect("a click on agent.get");
    wait_for_page(
        &browser,
        "return document.getElementById('log').textContent.split('\\n')
            .some(line => line.startsWith('OK agent.get ') && JSON.parse(line.slice(13)).username === 'agent1')",
        &json!(true),
    )
    .await;
    browser
        .enter_parent_frame()
        .await
        .expect("back to the host page");

    // The host page shows the call and the inspector saw the decisions.
    let rows = run(
        &browser,
        "return document.querySelectorAll('#interactions tbody tr').length",
    )
    .await;
    assert!(rows.as_u64().unwrap() >= 1, "{rows}");
    let timeline = run(
        &browser,
        "return document.getElementById('timeline').textContent",
    )
    .await;
    let timeline = timeline.as_str().unwrap();
    assert!(
        timeline.contains("[denied]") && timeline.contains("[ignored]"),
        "{timeline}"
    );
    let traffic: Value = reqwest::get(format!("{}api/traffic", emulator.host_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        traffic["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["verdict"] == "ignored"
                && t["reason"].as_str().unwrap_or("").contains("quarantined"))
    );

    let artifact = Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/host-page.png");
    browser
        .save_screenshot(&artifact)
        .await
        .expect("a screenshot of the host page");
    assert!(std::fs::metadata(&artifact).unwrap().len() > 10_000);
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// The emulator without its demo app, embedding `apps` and accepting `accepted`.
async fn emulator_with(apps: Vec<String>, accepted: &str) -> RunningEmulator {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.apps = apps;
    config.options = Some(format!(
        "[interaction-workspace]\nservice-client-api.accepted-web-content-origins={accepted}\n"
    ));
    Emulator::start(config).await.unwrap()
}

/// An inbound call, through the control API.
async fn inbound_call(emulator: &RunningEmulator, ani: &str) {
    let created: Value = reqwest::Client::new()
        .post(format!("{}api/calls", emulator.host_url))
        .json(&json!({ "ani": ani }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ok"], true, "{created}");
}

/// Whether `message` came from the service (anything it posts says so in `userAgent`).
fn from_service(message: &Value) -> bool {
    message["userAgent"]
        .as_str()
        .is_some_and(|agent| agent.contains("WWE"))
}

fn ringing(messages: &[Value]) -> usize {
    messages
        .iter()
        .filter(|m| m["event"] == "interaction" && m["data"]["eventType"] == "RINGING")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_that_navigates_to_a_foreign_origin_receives_nothing() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    let foreign = format!("{}/app?who=foreign&subscribe&ask", pages.b);
    let reloaded = format!("{}/app?who=reloaded&subscribe", pages.a);
    let emulator = emulator_with(
        vec![
            format!("{}/app?who=witness&subscribe", pages.a),
            // A new page of the same origin keeps what it set up itself.
            format!(
                "{}/app?who=reloader&subscribe&next={}",
                pages.a,
                pages::query_value(&reloaded)
            ),
            format!(
                "{}/app?who=mover&subscribe&next={}",
                pages.a,
                pages::query_value(&foreign)
            ),
        ],
        &pages.a,
    )
    .await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");

    // The app subscribed to `interaction`, then its frame navigated to a foreign page, which
    // tries its luck with the same subscription and a request.
    pages
        .wait_for("the foreign page asking", |reports| {
            reports
                .iter()
                .any(|r| r["who"] == "foreign" && r["step"] == "asked")
        })
        .await;
    let mover = pages.received("mover");
    assert!(
        mover.iter().any(|m| m["subscriptionId"].is_string()),
        "the app was subscribed before it navigated: {mover:#?}"
    );
    assert!(
        pages
            .reports()
            .iter()
            .all(|r| r["who"] != "mover" || r["origin"] == pages.a)
    );
    pages
        .wait_for("the witness and the same-origin page subscribed", |_| {
            ["witness", "reloaded"].iter().all(|who| {
                pages
                    .received(who)
                    .iter()
                    .any(|m| m["subscriptionId"].is_string())
            })
        })
        .await;

    // Calls arrive: the witness, still on the accepted origin, sees each ring; by the second
    // one, the first one's event has long been through the relay.
    inbound_call(&emulator, "+15550001").await;
    pages
        .wait_for("the first ring", |_| {
            ringing(&pages.received("witness")) == 1
        })
        .await;
    inbound_call(&emulator, "+15550002").await;
    pages
        .wait_for("the second ring", |_| {
            ringing(&pages.received("witness")) == 2
        })
        .await;

    let foreign = pages.received("foreign");
    assert!(
        foreign.iter().all(|m| !from_service(m)),
        "the foreign page received: {foreign:#?}"
    );
    pages
        .wait_for("the same-origin page ringing", |_| {
            ringing(&pages.received("reloaded")) == 2
        })
        .await;
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandboxed_app_is_not_answered() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    // Only `*` accepts the opaque origin `null`.
    let emulator = emulator_with(
        vec![
            format!("{}/app?who=witness&subscribe&ask", pages.a),
            format!("{}/sandboxed?who=sandboxed&subscribe&ask", pages.a),
        ],
        "*",
    )
    .await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");

    pages
        .wait_for("the sandboxed page asking", |reports| {
            reports
                .iter()
                .any(|r| r["who"] == "sandboxed" && r["step"] == "asked" && r["origin"] == "null")
        })
        .await;
    wait_for_page(
        &browser,
        "return document.getElementById('timeline').textContent.includes('opaque origin null')",
        &json!(true),
    )
    .await;
    let notice = run(
        &browser,
        "return document.getElementById('timeline').textContent",
    )
    .await;
    let notice = notice.as_str().unwrap_or_default();
    assert!(
        notice.contains("relay:") && notice.contains("opaque origin null"),
        "the inspector says why the app gets no answer: {notice}"
    );

    inbound_call(&emulator, "+15550003").await;
    pages
        .wait_for("the witness answered and ringing", |_| {
            let witness = pages.received("witness");
            ringing(&witness) == 1 && witness.iter().any(|m| m["referenceId"] == "r1")
        })
        .await;
    let sandboxed = pages.received("sandboxed");
    assert!(
        sandboxed.is_empty(),
        "nothing is posted to an opaque origin: {sandboxed:#?}"
    );
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// Runs a Service Client API request on the emulator's desktop as an app would.
async fn app_request(emulator: &RunningEmulator, request: Value) {
    use agentdesk_protocol::scapi::ClientMessage;
    use agentdesk_server::engine::FrameId;
    use agentdesk_server::workspace::{CallContext, Workspace};

    let Ok(ClientMessage::Request(message)) = ClientMessage::decode(&request) else {
        panic!("not a request: {request}");
    };
    let now = emulator.service.now();
    let cx = CallContext::new(FrameId(1), "http://app.example", None, now);
    let reply = emulator.workspace.call(&cx, message.request).await;
    let events = reply.events.len();
    assert!(reply.result.is_ok(), "{request}: {events} events");
}

/// Clicks, as a user would, the one button of the page labelled `label`.
async fn click_button(browser: &fantoccini::Client, label: &str) {
    let buttons = browser
        .find_all(Locator::XPath(&format!("//button[. = {label:?}]")))
        .await
        .expect("a search for buttons");
    assert_eq!(buttons.len(), 1, "one button {label:?}");
    buttons[0]
        .click()
        .await
        .unwrap_or_else(|error| panic!("a click on {label:?}: {error}"));
}

/// A script that clicks every button labelled `label` at once and returns how many it clicked.
fn click_script(label: &str) -> String {
    format!(
        "Array.from(document.querySelectorAll('button')).filter(b => b.textContent === {label:?}).map(b => (b.click(), 1)).length"
    )
}

/// The host page's buttons post typed actions that the server applies, and the page shows
/// what the server sends of dialogs and menu-bar views (labels, tooltip).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_page_speaks_the_control_api_vocabulary() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let emulator = emulator_with(Vec::new(), "http://app.example").await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");
    let rows = "return document.querySelectorAll('#interactions tbody tr').length";
    wait_for_page(
        &browser,
        "return document.querySelectorAll('#simulate button').length",
        &json!(10),
    )
    .await;

    click_button(&browser, "Inbound call").await;
    wait_for_page(&browser, rows, &json!(1)).await;
    let cell_state = "return document.querySelector('#interactions tbody tr').cells[2].textContent";
    wait_for_page(&browser, cell_state, &json!("RINGING")).await;
    // Two clicks before the page redraws (one script, so no redraw comes between them): the
    // server answers the call once and refuses the second answer, and the page shows that
    // refusal instead of swallowing it.
    assert_eq!(
        run(
            &browser,
            &format!("return {0} + {0}", click_script("answer"))
        )
        .await,
        json!(2)
    );
    wait_for_page(&browser, cell_state, &json!("TALKING")).await;
    wait_for_page(
        &browser,
        "return document.getElementById('timeline').textContent.includes('control API refused')",
        &json!(true),
    )
    .await;

    // A loopback page (the host's own 404), so the dialog's frame loads nothing from outside.
    let survey = format!("{}survey", emulator.host_url);
    app_request(
        &emulator,
        json!({ "request": "system.openDialog", "referenceId": "1",
                "parameters": [survey, { "label": "Survey" }] }),
    )
    .await;
    app_request(
        &emulator,
        json!({ "request": "system.updateViewInApplicationMenuBar", "referenceId": "2",
                "parameters": [{ "name": "crm", "label": "CRM records", "shortLabel": "CRM", "tooltip": "Open the CRM" }] }),
    )
    .await;
    wait_for_page(
        &browser,
        "const d = document.querySelector('#dialogs .dialog'); return d && d.querySelector('strong').textContent + '|' + d.querySelector('iframe').src;",
        &json!(format!("Survey (wweCustomDialog1)|{survey}")),
    )
    .await;
    wait_for_page(
        &browser,
        "return Array.from(document.querySelectorAll('#menu-views .pill')).map(p => p.textContent + '|' + p.title).join()",
        &json!("CRM|Open the CRM"),
    )
    .await;
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// Whether `message` is the frame-id handshake.
fn is_handshake(message: &Value) -> bool {
    from_service(message)
        && message.get("frameId").is_some()
        && message.get("referenceId").is_none()
}

/// What page `who` received from the service, once it has the acknowledgement of its
/// subscription.
async fn service_messages_until_subscribed(pages: &pages::Pages, who: &str) -> Vec<Value> {
    pages
        .wait_for(&format!("{who} subscribed"), |_| {
            pages
                .received(who)
                .iter()
                .any(|m| m["subscriptionId"].is_string())
        })
        .await;
    pages
        .received(who)
        .into_iter()
        .filter(from_service)
        .collect()
}

/// Every (re)load of a frame gets exactly one frame-id handshake, before anything else it
/// receives: a page whose script starts 3 s late, and a page reloaded in the same frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_load_gets_exactly_one_handshake_first() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    let second = format!("{}/app?who=second&echo&subscribe", pages.a);
    let emulator = emulator_with(
        vec![
            format!("{}/app?who=late&echo&subscribe&delay=3000", pages.a),
            format!(
                "{}/app?who=first&echo&subscribe&next={}",
                pages.a,
                pages::query_value(&second)
            ),
        ],
        &pages.a,
    )
    .await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");

    for who in ["late", "first", "second"] {
        let received = service_messages_until_subscribed(&pages, who).await;
        assert!(
            received.first().is_some_and(is_handshake),
            "{who}: the handshake comes first: {received:#?}"
        );
        assert_eq!(
            received.iter().filter(|m| is_handshake(m)).count(),
            1,
            "{who}: exactly one handshake: {received:#?}"
        );
    }
    let first = service_messages_until_subscribed(&pages, "first").await;
    let second = service_messages_until_subscribed(&pages, "second").await;
    assert_ne!(
        first[0]["frameId"], second[0]["frameId"],
        "the reloaded page is a new frame"
    );
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// A dialog an app opens loads its page in the host page, as a frame that may use the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opened_dialog_loads_its_page_which_speaks_the_api() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    let emulator = emulator_with(Vec::new(), &pages.a).await;
    app_request(
        &emulator,
        json!({ "request": "system.openDialog",
                "parameters": [format!("{}/app?who=dialog-$Dialog.Id$&ask", pages.a), { "label": "Notes" }],
                "referenceId": "d1", "userAgent": "WWE Client", "protocolVersion": 2 }),
    )
    .await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");
    pages
        .wait_for("the dialog page answered", |_| {
            pages
                .received("dialog-wweCustomDialog1")
                .iter()
                .any(|m| m["referenceId"] == "r1" && m["data"]["username"] == "agent1")
        })
        .await;
    let received = pages.received("dialog-wweCustomDialog1");
    assert!(
        received
            .iter()
            .filter(|m| from_service(m))
            .take(1)
            .all(is_handshake),
        "the dialog's frame gets its handshake first: {received:#?}"
    );
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// `agentdesk-server serve` as the README runs it (debug logging on): its host page shows the
/// server's refusal of an action instead of swallowing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_host_page_shows_a_refused_action() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let served = Served::start(&["--no-demo-app"]);
    let page_url = served.page_url.clone();

    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser.goto(&page_url).await.expect("the host page loads");
    wait_for_page(
        &browser,
        "return document.querySelectorAll('#simulate button').length > 0",
        &json!(true),
    )
    .await;
    click_button(&browser, "Inbound call").await;
    let cell_state = "return (document.querySelector('#interactions tbody tr') || {cells: [0, 0, {}]}).cells[2].textContent || ''";
    wait_for_page(&browser, cell_state, &json!("RINGING")).await;
    assert_eq!(
        run(
            &browser,
            &format!("return {0} + {0}", click_script("answer"))
        )
        .await,
        json!(2)
    );
    wait_for_page(
        &browser,
        "return document.getElementById('timeline').textContent.includes('control API refused')",
        &json!(true),
    )
    .await;
    browser.close().await.expect("the browser quits");
}

/// "Record test" on the host page of `agentdesk-server serve` (debug logging on): the
/// actions taken and the demo app's subscription become a test file, and
/// `agentdesk-server test` replays it green.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_recorded_on_the_served_host_page_replays_green() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let served = Served::start(&["--demo-app", "127.0.0.1:0"]);
    let page_url = served.page_url.clone();

    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser.goto(&page_url).await.expect("the host page loads");
    // The demo app subscribes when it loads, before recording starts.
    wait_for_page(
        &browser,
        "return document.getElementById('timeline').textContent.includes('[accepted]')",
        &json!(true),
    )
    .await;
    browser
        .find(Locator::Css("#record"))
        .await
        .expect("the Record test button")
        .click()
        .await
        .expect("Record test clicks");
    wait_for_page(
        &browser,
        "return document.getElementById('record').textContent",
        &json!("Stop and download test"),
    )
    .await;
    click_button(&browser, "Inbound call").await;
    let cell_state = "return (document.querySelector('#interactions tbody tr') || {cells: [0, 0, {}]}).cells[2].textContent || ''";
    wait_for_page(&browser, cell_state, &json!("RINGING")).await;
    assert_eq!(
        run(&browser, &format!("return {}", click_script("answer"))).await,
        json!(1)
    );
    wait_for_page(&browser, cell_state, &json!("TALKING")).await;
    let recorded = run(
        &browser,
        "return fetch('/api/recording').then(function (r) { return r.json(); })",
    )
    .await;
    let steps = recorded["steps"].as_array().expect("recorded steps");
    assert!(
        steps.iter().any(|s| s["expect"] == "subscription"),
        "the app's standing subscription opens the test: {recorded:#}"
    );
    assert!(
        steps.iter().any(|s| s["action"] == "incoming-call"),
        "{recorded:#}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s["action"] == "agent" && s["operation"] == "answer"),
        "{recorded:#}"
    );
    // Stopping ends the recording (and downloads the file).
    browser
        .find(Locator::Css("#record"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("stop clicks");
    wait_for_page(
        &browser,
        "return fetch('/api/recording').then(function (r) { return r.status; })",
        &json!(404),
    )
    .await;
    browser.close().await.expect("the browser quits");

    let dir = std::env::temp_dir().join(format!("agentdesk-recorded-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("recorded.json");
    std::fs::write(&file, serde_json::to_string_pretty(&recorded).unwrap()).unwrap();
    let replay = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .args(["test", file.to_str().unwrap()])
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(stdout.contains("1 test: 1 passed, 0 failed"), "{stdout}");
}

/// The option file's views in the host page: a workspace view in a tab of its own (shown
/// when its tab is chosen, and allowed only voice.dial), a popup in a window of its own, a
/// hidden one (loaded, out of sight), and an interaction view
/// made per interaction with `$Interaction.Id$` filled in, shown while its interaction is
/// selected and removed with it; a view whose origin is not accepted is flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_of_the_option_file_follow_their_display_mode_and_interaction() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.srs = None;
    config.demo_app = None;
    config.options = Some(format!(
        "[interaction-workspace]\n\
         service-client-api.accepted-web-content-origins={a} (*)\n\
         workspace.web-content=CrmTab, Silent, Foreign, Pop\n\
         interaction.web-content=CallNotes\n\
         [CrmTab]\nlabel=CRM\nmode=tab\nurl={a}/app?who=crm&subscribe&ask\n\
         [Silent]\nmode=hidden\nurl={a}/app?who=silent&subscribe\n\
         [Foreign]\nlabel=Foreign\nmode=tab\nurl={b}/app?who=foreign\n\
         [Pop]\nlabel=Pop\nmode=popup\nurl={a}/app?who=pop&subscribe\n\
         [CallNotes]\nlabel=Notes\nmode=background\nurl={a}/app?who=notes-$Interaction.Id$&subscribe\n",
        a = pages.a,
        b = pages.b
    ));
    let emulator = Emulator::start(config).await.unwrap();
    let views = emulator.host_config().views;
    assert_eq!(views.len(), 5, "{views:?}");
    assert!(views.iter().any(|v| v.section == "Foreign" && !v.accepted));
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.page_url)
        .await
        .expect("the host page loads");

    // The tab strip: the main panel, then each workspace view shown in a tab.
    wait_for_page(
        &browser,
        "return Array.from(document.querySelectorAll('#view-tabs button')).map(b => b.textContent)",
        &json!(["Main", "CRM", "Foreign"]),
    )
    .await;
    let visible = |who: &str| {
        format!(
            "var f = Array.from(document.querySelectorAll('#apps iframe')).find(f => f.src.includes('who={who}')); \
             return f ? (f.getClientRects().length > 0 && f.getBoundingClientRect().left >= 0) : null"
        )
    };
    assert_eq!(
        run(&browser, &visible("crm")).await,
        json!(false),
        "a tab view waits for its tab"
    );
    assert_eq!(
        run(&browser, &visible("silent")).await,
        json!(false),
        "a hidden view is never shown"
    );
    click_button(&browser, "CRM").await;
    wait_for_page(&browser, &visible("crm"), &json!(true)).await;
    wait_for_page(
        &browser,
        "return document.body.textContent.includes('origin not accepted by service-client-api.accepted-web-content-origins')",
        &json!(true),
    )
    .await;
    // Every view loads and speaks the API (the popup in a window of its own); the one in its
    // own tab may only dial.
    pages
        .wait_for("the hidden view and the popup subscribed", |_| {
            ["silent", "pop"].iter().all(|who| {
                pages
                    .received(who)
                    .iter()
                    .any(|m| m["subscriptionId"].is_string())
            })
        })
        .await;
    assert_eq!(
        browser.windows().await.unwrap().len(),
        2,
        "the page and the popup"
    );
    pages
        .wait_for("the own-tab view was refused all but voice.dial", |_| {
            let crm = pages.received("crm");
            let refused = |reference: &str, text: &str| {
                crm.iter().any(|m| {
                    m["referenceId"] == reference
                        && m["errorMessage"].as_str().is_some_and(|e| e.contains(text))
                })
            };
            refused("r1", "only voice.dial is allowed") && refused("s1", "own-tab view `CrmTab`")
        })
        .await;

    // One interaction view per interaction; a new interaction comes to the front.
    click_button(&browser, "Main").await;
    inbound_call(&emulator, "+15550001").await;
    wait_for_page(&browser, &visible("notes-1"), &json!(true)).await;
    inbound_call(&emulator, "+15550002").await;
    wait_for_page(&browser, &visible("notes-2"), &json!(true)).await;
    assert_eq!(run(&browser, &visible("notes-1")).await, json!(false));
    pages
        .wait_for("both interaction views subscribed", |_| {
            ["notes-1", "notes-2"].iter().all(|who| {
                pages
                    .received(who)
                    .iter()
                    .any(|m| m["subscriptionId"].is_string())
            })
        })
        .await;
    // Selecting the first interaction shows its view instead.
    run(
        &browser,
        "document.querySelector('#interactions tbody tr').click(); return true",
    )
    .await;
    wait_for_page(&browser, &visible("notes-1"), &json!(true)).await;
    assert_eq!(run(&browser, &visible("notes-2")).await, json!(false));
    // The view goes with its interaction.
    for operation in ["answer", "hangup", "markdone"] {
        emulator
            .apply(
                Action::decode(&format!(
                    r#"{{"action": "agent", "interactionId": "1", "operation": "{operation}"}}"#
                ))
                .unwrap(),
            )
            .await
            .unwrap();
    }
    wait_for_page(&browser, &visible("notes-1"), &Value::Null).await;
    wait_for_page(&browser, &visible("notes-2"), &json!(true)).await;
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// The host page's tab controls and user-data table: the page is a tab of the session, a
/// simulated tab follows it, closing the page's tab elects the other one; the selected
/// interaction's user data is listed key by key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_page_lists_tabs_runs_elections_and_shows_user_data() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let pages = pages::Pages::serve().await;
    let emulator = emulator_with(
        vec![format!("{}/app?who=tabbed&subscribe", pages.a)],
        &pages.a,
    )
    .await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.page_url)
        .await
        .expect("the host page loads");
    let rows = "return Array.from(document.querySelectorAll('#tabs tbody tr')).map(r => r.cells[0].textContent.replace(/^\\S+/, r.cells[0].textContent.startsWith('simulated-') ? 'simulated' : 'page') + ' ' + r.cells[1].textContent)";
    wait_for_page(
        &browser,
        rows,
        &json!(["page (this page) · last active LEADING"]),
    )
    .await;
    click_button(&browser, "Simulated tab").await;
    wait_for_page(
        &browser,
        rows,
        &json!([
            "page (this page) LEADING",
            "simulated · last active FOLLOWING"
        ]),
    )
    .await;
    // Close this page's tab: the simulated one negotiates, then leads.
    run(
        &browser,
        "Array.from(document.querySelectorAll('#tabs tbody tr')).find(r => r.cells[0].textContent.includes('(this page)')).querySelector('button:last-child').click(); return true",
    )
    .await;
    wait_for_page(&browser, rows, &json!(["simulated · last active LEADING"])).await;
    let tabs = emulator.desktop_state().tabs;
    assert_eq!(tabs.len(), 1, "{tabs:?}");

    let created: Value = reqwest::Client::new()
        .post(format!("{}api/calls", emulator.host_url))
        .json(&json!({ "ani": "+15550001", "userData": { "Segment": "Gold", "Score": 7 } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ok"], true);
    wait_for_page(
        &browser,
        "return Array.from(document.querySelectorAll('#user-data tbody tr')).filter(r => ['Score', 'Segment'].includes(r.cells[0].textContent)).map(r => r.cells[0].textContent + '=' + r.cells[1].textContent)",
        &json!(["Score=7", "Segment=Gold"]),
    )
    .await;
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}
