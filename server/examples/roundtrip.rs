//! Browser round trip: how long an app's Service Client API call takes through the emulator,
//! next to what the browser itself needs to pass a message between two frames.
//!
//! One run, one headless Debian chromium (driven over WebDriver by `chromedriver`):
//!
//! - **round trip**: the emulator's host page embeds a benchmark app on another loopback
//!   origin; the app calls `agent.get` through the emulator's client library (Genesys's wire
//!   format), so each call goes app → `postMessage` → host page → `/relay` WebSocket → engine →
//!   `/relay` → host page → `postMessage` → app;
//! - **floor**: the same app in an iframe of a bare parent page that answers each call at once
//!   (one `postMessage` each way);
//! - **WebSocket floor**: the same, with the parent page passing each call over a WebSocket to a
//!   loopback echo server first: the host page's path without the engine.
//!
//! Each is timed inside the app (`performance.now()`): `--calls` sequential calls, then
//! `--calls` calls with `--concurrent` in flight at a time. The last line printed is
//! `round trip p50 A ms p99 B ms; floor p50 C ms p99 D ms; ratio p50 R` (sequential calls).
//!
//! ```text
//! cargo run --release -p agentdesk-server --example roundtrip -- --help
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use agentdesk_server::emulator::{Emulator, EmulatorConfig, default_options};
use agentdesk_server::testing::BrowserConfig;
use agentdesk_server::testing::browser::{Browser, Driver};
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use clap::Parser;
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

type Error = Box<dyn std::error::Error + Send + Sync>;

const BENCH_PAGE: &str = include_str!("assets/roundtrip-bench.html");
const FLOOR_PAGE: &str = include_str!("assets/roundtrip-floor.html");
const WS_FLOOR_PAGE: &str = include_str!("assets/roundtrip-wsfloor.html");
const CLIENT_LIBRARY: &str = include_str!("../src/emulator/assets/agentdesk-scapi.js");

/// Measures the browser round trip of Service Client API calls through the emulator against
/// a bare postMessage echo, in one headless chromium.
#[derive(Debug, Parser)]
#[command(name = "roundtrip")]
struct Args {
    /// Calls per measurement (sequential, then the same number concurrently).
    #[arg(long, default_value_t = 200)]
    calls: usize,
    /// Calls in flight at once in the concurrent measurement.
    #[arg(long, default_value_t = 8)]
    concurrent: usize,
    /// Untimed calls before each measurement.
    #[arg(long, default_value_t = 50)]
    warmup: usize,
    /// Debian's chromium.
    #[arg(long, env = "CHROMIUM", default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// The matching WebDriver server (Debian package chromium-driver).
    #[arg(long, env = "CHROMEDRIVER", default_value = "chromedriver")]
    chromedriver: PathBuf,
    /// Also print the long tasks (50 ms or more) of each top page: what held up the main thread
    /// the app's frame shares with it.
    #[arg(long)]
    long_tasks: bool,
    /// Longest wait for one page's results, in seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

/// What a benchmark page posts back.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Results {
    run: String,
    #[serde(default)]
    sequential: Vec<f64>,
    #[serde(default)]
    concurrent: Vec<f64>,
    #[serde(default)]
    concurrent_wall_ms: f64,
    #[serde(default)]
    error: Option<String>,
}

/// p50 and p99 of a set of durations in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Summary {
    p50: f64,
    p99: f64,
}

impl Summary {
    fn of(samples: &[f64]) -> Result<Self, Error> {
        let mut sorted = samples.to_vec();
        if sorted.is_empty() {
            return Err("no samples".into());
        }
        sorted.sort_by(f64::total_cmp);
        Ok(Self {
            p50: percentile(&sorted, 0.50),
            p99: percentile(&sorted, 0.99),
        })
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Clone)]
struct Bench {
    results: mpsc::Sender<Value>,
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

const HTML: &str = "text/html; charset=utf-8";

fn bench_router(bench: Bench) -> Router {
    Router::new()
        .route("/bench", get(|| async { page(BENCH_PAGE, HTML) }))
        .route("/floor", get(|| async { page(FLOOR_PAGE, HTML) }))
        .route("/wsfloor", get(|| async { page(WS_FLOOR_PAGE, HTML) }))
        .route(
            "/agentdesk-scapi.js",
            get(|| async { page(CLIENT_LIBRARY, "text/javascript; charset=utf-8") }),
        )
        .route("/results", post(results))
        .route("/echo", get(echo))
        .with_state(bench)
}

async fn results(State(bench): State<Bench>, axum::Json(body): axum::Json<Value>) -> StatusCode {
    let _ = bench.results.send(body).await;
    StatusCode::NO_CONTENT
}

async fn echo(upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .write_buffer_size(0)
        .on_upgrade(|mut socket: WebSocket| async move {
            while let Some(Ok(message)) = socket.recv().await {
                if let Message::Text(text) = message
                    && socket.send(Message::Text(text)).await.is_err()
                {
                    break;
                }
            }
        })
}

/// Serves the benchmark pages on a fresh loopback port; returns its origin.
async fn serve_pages(bench: Bench) -> Result<String, Error> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, bench_router(bench)).await {
            eprintln!("benchmark pages: {error}");
        }
    });
    Ok(origin)
}

/// `text` as a URL query value.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Loads `url` and waits for the results of run `run`.
async fn measure(
    browser: &fantoccini::Client,
    results: &mut mpsc::Receiver<Value>,
    url: &str,
    run: &str,
    timeout: Duration,
    long_tasks: bool,
) -> Result<Results, Error> {
    browser.goto(url).await?;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let body = tokio::time::timeout_at(deadline, results.recv())
            .await
            .map_err(|_| format!("{run}: no results within {} s", timeout.as_secs()))?
            .ok_or("the benchmark pages stopped")?;
        let parsed: Results = serde_json::from_value(body)?;
        if parsed.run != run {
            continue;
        }
        if long_tasks {
            print_long_tasks(browser, run).await;
        }
        if let Some(error) = parsed.error {
            return Err(format!("{run}: the page failed: {error}").into());
        }
        return Ok(parsed);
    }
}

/// Prints the top page's long tasks (50 ms or more on its main thread, which the app's frame
/// shares) since it loaded.
async fn print_long_tasks(browser: &fantoccini::Client, run: &str) {
    const SCRIPT: &str = "return await new Promise(function (resolve) {
        new PerformanceObserver(function (list) {
            resolve(list.getEntries().map(function (e) {
                return Math.round(e.startTime) + ' ms: ' + Math.round(e.duration) + ' ms (' + e.name + ')';
            }));
        }).observe({ type: 'longtask', buffered: true });
        setTimeout(function () { resolve([]); }, 500);
    });";
    match browser.execute(SCRIPT, Vec::new()).await {
        Ok(Value::Array(tasks)) if !tasks.is_empty() => {
            let tasks: Vec<String> = tasks
                .iter()
                .map(|task| task.as_str().unwrap_or_default().to_owned())
                .collect();
            println!("{run}: long tasks of the top page at {}", tasks.join(", "));
        }
        Ok(_) => println!("{run}: no long tasks in the top page"),
        Err(error) => println!("{run}: long tasks not available: {error}"),
    }
}

fn describe(label: &str, results: &Results, concurrent: usize) -> Result<Summary, Error> {
    let sequential = Summary::of(&results.sequential)?;
    let parallel = Summary::of(&results.concurrent)?;
    let rate = if results.concurrent_wall_ms > 0.0 {
        results.concurrent.len() as f64 * 1000.0 / results.concurrent_wall_ms
    } else {
        0.0
    };
    println!(
        "{label:<16} sequential p50 {:.3} ms p99 {:.3} ms max {:.3} ms; {concurrent} in flight p50 {:.3} ms p99 {:.3} ms, {rate:.0} calls/s",
        sequential.p50,
        sequential.p99,
        results.sequential.iter().copied().fold(0.0, f64::max),
        parallel.p50,
        parallel.p99,
    );
    Ok(sequential)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    if args.calls == 0 {
        return Err("--calls must be at least 1".into());
    }
    if !args.chromium.exists() {
        return Err(format!(
            "no chromium at {} (apt-get install chromium chromium-driver, or pass --chromium)",
            args.chromium.display()
        )
        .into());
    }
    let (sender, mut results) = mpsc::channel(16);
    let bench = Bench { results: sender };
    // Two origins: the app's, and the floor pages' (a parent of another origin, as the host
    // page is).
    let app = serve_pages(bench.clone()).await?;
    let parents = serve_pages(bench).await?;
    let query = |run: &str| {
        format!(
            "{app}/bench?run={run}&calls={}&concurrent={}&warmup={}",
            args.calls, args.concurrent, args.warmup
        )
    };

    let mut config = EmulatorConfig::loopback_ephemeral();
    config.demo_app = None;
    config.srs = None;
    config.apps = vec![query("emulator")];
    config.options = Some(default_options(std::slice::from_ref(&app)));
    let emulator = Emulator::start(config).await?;

    let mut browser_config = BrowserConfig::default();
    browser_config.chromium = args.chromium.clone();
    browser_config.chromedriver = args.chromedriver.clone();
    let driver = Driver::start(&browser_config).await?;
    let session = Browser::open(&driver, &browser_config).await?;
    let browser = session.client();
    let timeout = Duration::from_secs(args.timeout_secs);
    let outcome = async {
        let floor = measure(
            browser,
            &mut results,
            &format!("{parents}/floor?app={}", query_value(&query("floor"))),
            "floor",
            timeout,
            args.long_tasks,
        )
        .await?;
        let ws_floor = measure(
            browser,
            &mut results,
            &format!("{parents}/wsfloor?app={}", query_value(&query("wsfloor"))),
            "wsfloor",
            timeout,
            args.long_tasks,
        )
        .await?;
        let round = measure(
            browser,
            &mut results,
            &emulator.page_url,
            "emulator",
            timeout,
            args.long_tasks,
        )
        .await?;
        Ok::<_, Error>((floor, ws_floor, round))
    }
    .await;
    session.close().await;
    drop(driver);
    emulator.shutdown().await;
    let (floor, ws_floor, round) = outcome?;

    println!(
        "{} calls each, {} warm-up; times measured in the app with performance.now()",
        args.calls, args.warmup
    );
    let floor = describe("floor", &floor, args.concurrent)?;
    describe("websocket floor", &ws_floor, args.concurrent)?;
    let round = describe("round trip", &round, args.concurrent)?;
    // performance.now() is coarsened (about 0.1 ms in a page that is not cross-origin
    // isolated): a floor below that resolution counts as the resolution.
    let ratio = round.p50 / floor.p50.max(0.1);
    println!(
        "round trip p50 {:.3} ms p99 {:.3} ms; floor p50 {:.3} ms p99 {:.3} ms; ratio p50 {ratio:.2}",
        round.p50, round.p99, floor.p50, floor.p99
    );
    Ok(())
}
