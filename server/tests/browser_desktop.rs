//! The simulated desktop as an app in a real headless chromium sees it: Workspace tabs and
//! their election, the option file, and chaos timing. The app runs in the host page's frame
//! on its own origin and speaks through `agentdesk-scapi.js`; the tests read what it received
//! inside its frame over WebDriver.
//!
//! Needs Debian's `chromium` and `chromium-driver`, like the `browser` tests: skipped locally
//! without them, failing under CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the `browser` tests, which use all of it.
#[allow(dead_code)]
#[path = "browser/driver.rs"]
mod driver;

#[allow(dead_code)]
#[path = "browser/common.rs"]
mod common;

#[path = "browser_desktop/app.rs"]
mod app;

use common::{ONE_BROWSER, Served, chromium_or_skip, run, wait_for_page};

use std::path::PathBuf;
use std::time::Duration;

use agentdesk_server::emulator::{Emulator, EmulatorConfig, RunningEmulator};
use fantoccini::Locator;
use serde_json::{Value, json};

/// Switches into the first app's frame of the host page.
async fn enter_app(browser: &fantoccini::Client) {
    enter_app_at(browser, 0).await;
}

/// Switches into the frame of the host page's app number `index` (from 0).
async fn enter_app_at(browser: &fantoccini::Client, index: usize) {
    for _ in 0..300 {
        let frames = browser
            .find_all(Locator::Css("#apps iframe"))
            .await
            .expect("a search for the apps' frames");
        if let Some(frame) = frames.into_iter().nth(index) {
            frame.enter_frame().await.expect("into the app's frame");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no app frame number {index}");
}

/// Waits, in the first app's frame, until the app's subscription is acknowledged.
async fn wait_subscribed(browser: &fantoccini::Client) {
    wait_subscribed_at(browser, 0).await;
}

/// Waits, in the frame of app number `index`, until its subscription is acknowledged.
async fn wait_subscribed_at(browser: &fantoccini::Client, index: usize) {
    enter_app_at(browser, index).await;
    wait_for_page(
        browser,
        "return window.subscribed ? window.subscribed.then(function () { return true; }) : false",
        &json!(true),
    )
    .await;
    browser
        .enter_parent_frame()
        .await
        .expect("back to the host");
}

/// The app's request `name`: `{ ok, answer, sent, received }` (times in the app's clock).
async fn ask(browser: &fantoccini::Client, name: &str, parameters: Value) -> Value {
    enter_app(browser).await;
    let outcome = browser
        .execute(
            "return window.ask(arguments[0], arguments[1])",
            vec![json!(name), parameters],
        )
        .await
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    browser
        .enter_parent_frame()
        .await
        .expect("back to the host");
    outcome
}

/// The data of the app's successful answer to `name`.
async fn answer(browser: &fantoccini::Client, name: &str, parameters: Value) -> Value {
    let outcome = ask(browser, name, parameters).await;
    assert_eq!(outcome["ok"], true, "{name}: {outcome}");
    outcome["answer"]["data"].clone()
}

/// Everything the service posted to the first app so far, in arrival order.
async fn app_log(browser: &fantoccini::Client) -> Vec<Value> {
    app_log_at(browser, 0).await
}

/// Everything the service posted to app number `index` so far, in arrival order.
async fn app_log_at(browser: &fantoccini::Client, index: usize) -> Vec<Value> {
    enter_app_at(browser, index).await;
    let log = run(browser, "return window.log").await;
    browser
        .enter_parent_frame()
        .await
        .expect("back to the host");
    log.as_array().expect("the app's log").clone()
}

/// Waits until the app's log satisfies `done`; the log then.
async fn wait_for_log(
    browser: &fantoccini::Client,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..300 {
        let log = app_log(browser).await;
        if done(&log) {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the app never saw {what}: {:#?}", app_log(browser).await);
}

/// The `frameState` values of the app's `system` events, in arrival order.
fn frame_states(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|m| m["data"]["event"] == "system")
        .filter_map(|m| m["data"]["data"]["frameState"].as_str().map(str::to_owned))
        .collect()
}

/// A control API action; its outcome.
async fn action(host_url: &str, action: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{host_url}api/actions"))
        .json(&action)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{action}: {status} {body}");
    body
}

/// The Workspace tab the current window's host page registers its frames with.
async fn tab_of_window(browser: &fantoccini::Client) -> String {
    let tab = run(browser, "return sessionStorage.getItem('agentdesk-tab')").await;
    tab.as_str().expect("the host page's tab id").to_owned()
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

/// The leading tab closes while the apps' tab follows: each app of the tab sees the election
/// (`NEGOTIATING`, then `LEADING`), and `amIVisible` / `isLastActiveFrame` follow the focus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_of_the_surviving_tab_see_the_election_and_the_focus() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let origin = app::serve().await;
    let emulator = emulator_with(
        vec![
            format!("{origin}/desk?subscribe=system"),
            format!("{origin}/desk?subscribe=system,agent"),
        ],
        &origin,
    )
    .await;
    let host = emulator.host_url.clone();
    // A tab the agent opened first: it leads.
    action(&host, json!({ "action": "open-tab", "tab": "tab-first" })).await;

    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser.goto(&host).await.expect("the host page loads");
    wait_subscribed(&browser).await;
    wait_subscribed_at(&browser, 1).await;
    let tab = tab_of_window(&browser).await;
    assert_ne!(tab, "tab-first");
    for question in ["system.isFrameFollowing", "system.amIVisible"] {
        assert_eq!(
            answer(&browser, question, json!([])).await,
            json!(true),
            "{question}: the page's tab opened last, as a follower"
        );
    }
    assert_eq!(
        answer(&browser, "system.isFrameLeading", json!([])).await,
        json!(false)
    );

    // The focus moves to the first tab and back.
    action(&host, json!({ "action": "focus-tab", "tab": "tab-first" })).await;
    for question in ["system.amIVisible", "system.isLastActiveFrame"] {
        assert_eq!(
            answer(&browser, question, json!([])).await,
            json!(false),
            "{question} after focusing the other tab"
        );
    }
    action(&host, json!({ "action": "focus-tab", "tab": tab })).await;
    for question in ["system.amIVisible", "system.isLastActiveFrame"] {
        assert_eq!(
            answer(&browser, question, json!([])).await,
            json!(true),
            "{question} after focusing the page's tab"
        );
    }
    assert!(
        frame_states(&app_log(&browser).await).is_empty(),
        "focus changes no frame state"
    );

    // The leader closes: the page's tab negotiates, then leads.
    action(&host, json!({ "action": "close-tab", "tab": "tab-first" })).await;
    wait_for_log(&browser, "the election's outcome", |log| {
        frame_states(log).last().is_some_and(|s| s == "LEADING")
    })
    .await;
    // Longer than an election, so a late or repeated event would show.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = app_log(&browser).await;
    assert_eq!(frame_states(&log), ["NEGOTIATING", "LEADING"], "{log:#?}");
    let other = app_log_at(&browser, 1).await;
    assert_eq!(
        frame_states(&other),
        ["NEGOTIATING", "LEADING"],
        "the tab's other app: {other:#?}"
    );
    let event = log.iter().find(|m| m["data"]["event"] == "system").unwrap();
    assert_eq!(event["data"]["userAgent"], "WWE Server", "{event}");
    assert_eq!(
        answer(&browser, "system.isFrameLeading", json!([])).await,
        json!(true)
    );
    for question in ["system.amIVisible", "system.isLastActiveFrame"] {
        assert_eq!(
            answer(&browser, question, json!([])).await,
            json!(true),
            "{question}: the only tab left"
        );
    }
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// Two browser windows on the host page are two Workspace tabs; closing the first window
/// (its relay socket ends) runs the election the second window's app sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_leading_window_makes_the_other_window_lead() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let origin = app::serve().await;
    let emulator = emulator_with(vec![format!("{origin}/desk?subscribe=system")], &origin).await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");
    wait_subscribed(&browser).await;
    let first_window = browser.window().await.unwrap();
    let first_tab = tab_of_window(&browser).await;
    assert_eq!(
        answer(&browser, "system.isFrameLeading", json!([])).await,
        json!(true),
        "the first window leads"
    );

    let second_window = browser.new_window(true).await.unwrap().handle;
    browser
        .switch_to_window(second_window.clone())
        .await
        .unwrap();
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads in the second window");
    wait_subscribed(&browser).await;
    let second_tab = tab_of_window(&browser).await;
    assert_ne!(first_tab, second_tab, "each window is a tab of its own");
    assert_eq!(
        answer(&browser, "system.isFrameFollowing", json!([])).await,
        json!(true),
        "the second window follows"
    );

    browser.switch_to_window(first_window).await.unwrap();
    browser.close_window().await.unwrap();
    browser.switch_to_window(second_window).await.unwrap();
    wait_for_log(&browser, "the election's outcome", |log| {
        frame_states(log).last().is_some_and(|s| s == "LEADING")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = app_log(&browser).await;
    assert_eq!(frame_states(&log), ["NEGOTIATING", "LEADING"], "{log:#?}");
    assert_eq!(
        answer(&browser, "system.isFrameLeading", json!([])).await,
        json!(true)
    );
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// A host page the host page opens (as the browser's "Duplicate tab" does) starts with a copy
/// of its session storage, tab id included; closing the original window must leave the copy a
/// tab the session knows, leading now that it is alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_original_window_leaves_its_copy_a_known_tab() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let origin = app::serve().await;
    let emulator = emulator_with(vec![format!("{origin}/desk?subscribe=system")], &origin).await;
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&emulator.host_url)
        .await
        .expect("the host page loads");
    wait_subscribed(&browser).await;
    let original = browser.window().await.unwrap();
    run(&browser, "window.open(location.href); return true").await;
    let mut copy = None;
    for _ in 0..300 {
        copy = browser
            .windows()
            .await
            .unwrap()
            .into_iter()
            .find(|w| *w != original);
        if copy.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let copy = copy.expect("the copy's window");
    browser.switch_to_window(copy.clone()).await.unwrap();
    wait_subscribed(&browser).await;
    let tab = tab_of_window(&browser).await;

    browser.switch_to_window(original).await.unwrap();
    browser.close_window().await.unwrap();
    browser.switch_to_window(copy).await.unwrap();
    // Longer than an election.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    action(
        &emulator.host_url,
        json!({ "action": "focus-tab", "tab": tab }),
    )
    .await;
    assert_eq!(
        answer(&browser, "system.isFrameLeading", json!([])).await,
        json!(true)
    );
    browser.close().await.expect("the browser quits");
    emulator.shutdown().await;
}

/// A fresh option file with `text`.
fn option_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agentdesk-desktop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

/// `serve --options FILE`: the app reads a custom section of the file, the file's
/// `voice.auto-answer=true` answers an incoming call by itself, and an edit of the file
/// reaches the app while it runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_option_file_answers_get_option_and_auto_answers_calls() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let origin = app::serve().await;
    let options = option_file(
        "auto-answer.cfg",
        &format!(
            "[interaction-workspace]\n\
             service-client-api.accepted-web-content-origins={origin}\n\
             voice.auto-answer=true\n\
             \n\
             [MySection]\n\
             color=blue\n"
        ),
    );
    let app_url = format!("{origin}/desk?subscribe=interaction");
    let served = Served::start(&[
        "--no-demo-app",
        "--options",
        options.to_str().unwrap(),
        "--app",
        &app_url,
    ]);
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    browser
        .goto(&served.page_url)
        .await
        .expect("the host page loads");
    wait_subscribed(&browser).await;

    assert_eq!(
        answer(
            &browser,
            "configuration.getOption",
            json!([["MySection/*"]])
        )
        .await,
        json!([{ "name": "MySection", "options": { "color": "blue" } }])
    );
    assert_eq!(
        answer(
            &browser,
            "configuration.getOption",
            json!(["voice.auto-answer"])
        )
        .await,
        json!([{ "name": "interaction-workspace", "options": { "voice.auto-answer": "true" } }])
    );

    action(
        &served.host_url(),
        json!({ "action": "incoming-call", "ani": "+15550100" }),
    )
    .await;
    let types = |log: &[Value]| -> Vec<String> {
        log.iter()
            .filter(|m| m["data"]["event"] == "interaction")
            .filter_map(|m| m["data"]["data"]["eventType"].as_str().map(str::to_owned))
            .collect()
    };
    wait_for_log(&browser, "the call answered", |log| {
        types(log).iter().any(|t| t == "ESTABLISHED")
    })
    .await;
    let log = app_log(&browser).await;
    assert_eq!(types(&log), ["ADDED", "RINGING", "ESTABLISHED"], "{log:#?}");
    let established = log
        .iter()
        .rev()
        .find(|m| m["data"]["event"] == "interaction")
        .unwrap();
    assert_eq!(
        established["data"]["data"]["interaction"]["ani"],
        "+15550100"
    );
    // The host page shows the call talking.
    wait_for_page(
        &browser,
        "return (document.querySelector('#interactions tbody tr') || {cells: [0, 0, {}]}).cells[2].textContent || ''",
        &json!("TALKING"),
    )
    .await;

    // An edit of the file applies while the app runs.
    let edited = std::fs::read_to_string(&options)
        .unwrap()
        .replace("color=blue", "color=green");
    std::fs::write(&options, edited).unwrap();
    let mut colors = Vec::new();
    for _ in 0..100 {
        let data = answer(
            &browser,
            "configuration.getOption",
            json!(["MySection/color"]),
        )
        .await;
        colors.push(data.clone());
        if data == json!([{ "name": "MySection", "options": { "color": "green" } }]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        colors.last(),
        Some(&json!([{ "name": "MySection", "options": { "color": "green" } }])),
        "{colors:#?}"
    );
    browser.close().await.expect("the browser quits");
    drop(served);
}

/// Requests `agent.setState` `count` times, one after the other, in the app of the served host
/// page at `page_url`. For each request, in order: whether its answer came before its agent
/// event (`'A'`) or after (`'E'`), and its round trip in milliseconds as the app measured it.
async fn set_states(
    browser: &fantoccini::Client,
    page_url: &str,
    count: usize,
) -> (String, Vec<f64>) {
    browser.goto(page_url).await.expect("the host page loads");
    wait_subscribed(browser).await;
    let mut round_trips = Vec::new();
    // The agent starts NotReady: every request changes the state.
    for state in ["Ready", "NotReady"].into_iter().cycle().take(count) {
        let outcome = ask(browser, "agent.setState", json!([state])).await;
        assert_eq!(outcome["ok"], true, "{outcome}");
        round_trips.push(outcome["received"].as_f64().unwrap() - outcome["sent"].as_f64().unwrap());
    }
    let is_agent_event = |m: &Value| m["data"]["event"] == "agent";
    let log = wait_for_log(browser, "every agent event", |log| {
        log.iter().filter(|m| is_agent_event(m)).count() == count
    })
    .await;
    // After the subscription's acknowledgement, each request gets its answer and its event
    // before the next request goes (the next is sent once the answer is in, and one frame's
    // messages never overtake each other): pairs, in one order or the other.
    let answers_and_events: Vec<char> = log
        .iter()
        .skip_while(|m| m["data"]["subscriptionId"].is_null())
        .skip(1)
        .filter_map(|m| {
            if is_agent_event(m) {
                Some('e')
            } else if m["data"]["referenceId"].is_string() {
                Some('a')
            } else {
                None
            }
        })
        .collect();
    let order: String = answers_and_events
        .chunks(2)
        .map(|pair| match pair {
            ['a', 'e'] => 'A',
            ['e', 'a'] => 'E',
            _ => panic!("not an answer and an event: {answers_and_events:?} in {log:#?}"),
        })
        .collect();
    assert_eq!(order.len(), count, "{answers_and_events:?}");
    (order, round_trips)
}

/// `serve --latency 250,50`: every answer reaches the app at least 200 ms after it asked;
/// alone, the answer still comes before the event it caused. With `--early-events 50` and a
/// seed, some events come before their answer, and the same seed repeats the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_timing_delays_answers_and_repeats_its_order_with_a_seed() {
    let _one = ONE_BROWSER.lock().await;
    let Some(binaries) = chromium_or_skip() else {
        return;
    };
    let origin = app::serve().await;
    let options = option_file(
        "chaos.cfg",
        &format!(
            "[interaction-workspace]\nservice-client-api.accepted-web-content-origins={origin}\n"
        ),
    );
    let options = options.to_str().unwrap();
    let app_url = format!("{origin}/desk?subscribe=agent");
    let browser = driver::Browser::launch(&binaries)
        .await
        .expect("a headless chromium over WebDriver");
    const COUNT: usize = 8;

    let late = Served::start(&[
        "--no-demo-app",
        "--options",
        options,
        "--app",
        &app_url,
        "--latency",
        "250,50",
    ]);
    let (order, round_trips) = set_states(&browser, &late.page_url, COUNT).await;
    assert_eq!(order, "A".repeat(COUNT), "latency alone keeps the order");
    assert!(
        round_trips.iter().all(|ms| *ms >= 199.0),
        "every answer at least latency - jitter late: {round_trips:?}"
    );
    drop(late);

    let seeded = [
        "--no-demo-app",
        "--options",
        options,
        "--app",
        &app_url,
        "--latency",
        "250,50",
        "--early-events",
        "50",
        "--chaos-seed",
        "7",
    ];
    let mut orders = Vec::new();
    for _ in 0..2 {
        let served = Served::start(&seeded);
        assert!(
            served
                .banner
                .iter()
                .any(|line| line.contains("50 % early events, seed 7")),
            "{:#?}",
            served.banner
        );
        let (order, round_trips) = set_states(&browser, &served.page_url, COUNT).await;
        assert!(round_trips.iter().all(|ms| *ms >= 199.0), "{round_trips:?}");
        orders.push(order);
    }
    assert!(
        orders[0].contains('E') && orders[0].contains('A'),
        "half the events before their answer, half after: {orders:?}"
    );
    assert_eq!(orders[0], orders[1], "the same seed, the same order");
    browser.close().await.expect("the browser quits");
}
