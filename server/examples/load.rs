//! Load tool: N WebSocket clients over loopback against the Service Client API endpoint, and
//! the same load against a bare WebSocket echo server in the same run.
//!
//! Run with:
//!
//! ```sh
//! cargo run --release -p agentdesk-server --example load -- --clients 1000 --rate 20 --seconds 10
//! ```
//!
//! The server and the echo server run as child processes (this program re-executed with
//! `--role server` / `--role echo`), so the resident memory measured per connection is the
//! server's own. Each client sends `agent.get` at `--rate` requests per second; latency is
//! from send to the matching response. Printed: throughput, p50/p99 latency, resident memory
//! per idle connection, and the throughput ratio to the echo server.
//! Targets: p99 < 5 ms at 1,000 clients x 20 req/s; < 64 KiB per idle connection;
//! throughput >= 0.7 x echo.
//!
//! `--flood` (with `--clients` and `--seconds`) instead sends what hostile neighbours send and
//! prints, as its last line, `flood RSS before A KiB peak B KiB after C KiB`:
//!
//! ```sh
//! cargo run --release -p agentdesk-server --example load -- --flood --clients 500 --seconds 5
//! ```
//!
//! `--closed-loop` measures capacity instead of offered load (see [`closed_loop`]) and prints,
//! as its last line,
//! `saturation scapi X req/s relay Y req/s echo Z req/s; ratio R; idle K KiB/connection`:
//!
//! ```sh
//! cargo run --release -p agentdesk-server --example load -- --closed-loop
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_server::emulator::{Emulator, EmulatorConfig};
use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::Message as AxumMessage;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ORIGIN: &str = "http://load.example";
const OPTIONS: &str = "service-client-api.accepted-web-content-origins=http://load.example\n";

/// Load and flood tool for the emulator's loopback endpoints (see the file's docs).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "load")]
struct Args {
    /// Internal: what this process is (the driver starts `server` and `echo` children).
    #[arg(long, default_value = "driver", hide = true)]
    role: String,
    /// WebSocket clients.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Requests per second per client.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// How long the paced load runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Instead of the paced load: flood the server with what hostile neighbours send (foreign
    /// relay handshakes, unaccepted native clients, oversized messages, junk control-API
    /// bodies, stalled connections), stop, and print its resident memory before, at the peak
    /// and after.
    #[arg(long)]
    flood: bool,
    /// Instead of the paced load: find the saturation throughput of `/scapi` (one native
    /// client per request in flight), of `/relay` (one host socket relaying for many frames)
    /// and of the bare echo server, each client sending its next request when the answer
    /// arrives; then run paced loads at 50 % and 90 % of each saturation and measure the
    /// resident memory of `--clients` idle connections. The last line printed is
    /// `saturation scapi X req/s relay Y req/s echo Z req/s; ratio R; idle K KiB/connection`.
    #[arg(long)]
    closed_loop: bool,
    /// Closed loop: the most clients in flight at once while searching for saturation
    /// (`/relay` stops at its limit of frames per page).
    #[arg(long, default_value_t = 256)]
    max_concurrency: usize,
    /// Closed loop: seconds of each step of the search (the concurrency doubles each step).
    #[arg(long, default_value_t = 2.0)]
    step_seconds: f64,
    /// Closed loop: seconds of each paced load at 50 % and 90 % of saturation.
    #[arg(long, default_value_t = 4.0)]
    paced_seconds: f64,
    /// Closed loop: native clients carrying the paced `/scapi` and echo loads (taken from the
    /// idle ones, so at most `--clients`).
    #[arg(long, default_value_t = 64)]
    paced_clients: usize,
}

fn args() -> Args {
    <Args as clap::Parser>::parse()
}

#[tokio::main]
async fn main() {
    let args = args();
    match args.role.as_str() {
        "server" => run_server().await,
        "echo" => run_echo().await,
        _ if args.flood => flood(&args).await,
        _ if args.closed_loop => closed_loop::run(&args).await,
        _ => drive(&args).await,
    }
}

/// Serves the emulator (host port: `/scapi`, `/relay`, control and chat APIs) and waits
/// until stdin closes.
async fn run_server() {
    let mut config = EmulatorConfig::loopback_ephemeral();
    config.demo_app = None;
    config.srs = None;
    config.options = Some(OPTIONS.to_owned());
    let Ok(running) = Emulator::start(config).await else {
        eprintln!("cannot start the server");
        return;
    };
    println!(
        "LISTENING {}scapi",
        running.host_url.replacen("http", "ws", 1)
    );
    wait_for_stdin_close().await;
}

/// A WebSocket server that sends every text frame back.
async fn run_echo() {
    let app = Router::new().route(
        "/echo",
        get(|upgrade: WebSocketUpgrade| async move {
            upgrade.on_upgrade(|mut socket| async move {
                while let Some(Ok(message)) = socket.recv().await {
                    if let AxumMessage::Text(text) = message
                        && socket.send(AxumMessage::Text(text)).await.is_err()
                    {
                        break;
                    }
                }
            })
        }),
    );
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        return;
    };
    let Ok(address) = listener.local_addr() else {
        return;
    };
    println!("LISTENING ws://{address}/echo");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    wait_for_stdin_close().await;
}

async fn wait_for_stdin_close() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {}
    })
    .await;
}

struct ChildServer {
    child: Child,
    url: String,
}

fn spawn(role: &str) -> Option<ChildServer> {
    let exe = std::env::current_exe().ok()?;
    let mut child = Command::new(exe)
        .args(["--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).ok()?;
    let url = line.trim().strip_prefix("LISTENING ")?.to_owned();
    Some(ChildServer { child, url })
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Option<Socket> {
    let mut request = url.into_client_request().ok()?;
    request.headers_mut().insert("Origin", ORIGIN.parse().ok()?);
    tokio_tungstenite::connect_async(request)
        .await
        .ok()
        .map(|(socket, _)| socket)
}

struct Figures {
    responses: u64,
    throughput: f64,
    p50_ms: f64,
    p99_ms: f64,
    rss_per_connection_kib: f64,
}

/// Connects `clients`, measures idle memory, then runs the paced load.
async fn measure(server: &ChildServer, args: &Args) -> Figures {
    let before = rss_kib(server.child.id());
    let mut sockets = Vec::with_capacity(args.clients);
    for _ in 0..args.clients {
        if let Some(socket) = connect(&server.url).await {
            sockets.push(socket);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss_kib(server.child.id());
    let rss_per_connection_kib = idle.saturating_sub(before) as f64 / sockets.len().max(1) as f64;

    let latencies: Arc<Mutex<Vec<u64>>> = Arc::default();
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let duration = Duration::from_secs(args.seconds);
    let started = Instant::now();
    let count = sockets.len();
    let mut tasks = Vec::new();
    for (index, socket) in sockets.into_iter().enumerate() {
        let latencies = latencies.clone();
        // Spread the clients over one period so the load is even, not in bursts.
        let offset = period.mul_f64(index as f64 / count.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            let (mut sink, mut stream) = socket.split();
            let pending: Arc<Mutex<VecDeque<Instant>>> = Arc::default();
            let reader_pending = pending.clone();
            let reader = tokio::spawn(async move {
                let mut own = Vec::new();
                while let Some(Ok(Message::Text(text))) = stream.next().await {
                    if !text.contains("referenceId") {
                        continue;
                    }
                    if let Some(sent) = reader_pending.lock().await.pop_front() {
                        own.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                    }
                }
                own
            });
            tokio::time::sleep(offset).await;
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut reference = 0u64;
            while started.elapsed() < duration {
                ticker.tick().await;
                let text = format!(
                    r#"{{"request":"agent.get","referenceId":"{reference}","userAgent":"WWE Client","protocolVersion":2}}"#
                );
                reference += 1;
                pending.lock().await.push_back(Instant::now());
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            // Let the last answers arrive, then close.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = sink.close().await;
            let own = reader.await.unwrap_or_default();
            latencies.lock().await.extend(own);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = std::mem::take(&mut *latencies.lock().await);
    all.sort_unstable();
    let percentile = |p: f64| -> f64 {
        if all.is_empty() {
            return f64::NAN;
        }
        let index = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[index.min(all.len() - 1)] as f64 / 1000.0
    };
    Figures {
        responses: all.len() as u64,
        throughput: all.len() as f64 / elapsed,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        rss_per_connection_kib,
    }
}

async fn drive(args: &Args) {
    println!(
        "{} clients x {} req/s for {} s over loopback",
        args.clients, args.rate, args.seconds
    );
    let Some(mut server) = spawn("server") else {
        eprintln!("cannot start the server child process");
        return;
    };
    let service = measure(&server, args).await;
    let _ = server.child.kill();
    let Some(mut echo) = spawn("echo") else {
        eprintln!("cannot start the echo child process");
        return;
    };
    let bare = measure(&echo, args).await;
    let _ = echo.child.kill();
    for (name, f) in [("agentdesk /scapi", &service), ("bare echo", &bare)] {
        println!(
            "{name:<18} {:>9} responses  {:>9.0} msg/s  p50 {:>6.2} ms  p99 {:>6.2} ms  RSS {:>6.1} KiB/idle connection",
            f.responses, f.throughput, f.p50_ms, f.p99_ms, f.rss_per_connection_kib
        );
    }
    println!(
        "throughput ratio agentdesk / echo: {:.2}",
        service.throughput / bare.throughput.max(1.0)
    );
    println!(
        "targets: p99 < 5 ms: {}   < 64 KiB per idle connection: {}   ratio >= 0.7: {}",
        if service.p99_ms < 5.0 {
            "met"
        } else {
            "NOT met"
        },
        if service.rss_per_connection_kib < 64.0 {
            "met"
        } else {
            "NOT met"
        },
        if service.throughput / bare.throughput.max(1.0) >= 0.7 {
            "met"
        } else {
            "NOT met"
        },
    );
}

fn rss_peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One raw HTTP/1.1 exchange; the answer is read and discarded.
async fn raw_http(address: &str, request: String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else {
        return;
    };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut sink)).await;
}

/// Floods the server, stops, and prints its resident memory before, at the peak and after.
async fn flood(args: &Args) {
    let Some(mut server) = spawn("server") else {
        eprintln!("cannot start the server child process");
        return;
    };
    let pid = server.child.id();
    let scapi = server.url.clone();
    let address = scapi
        .trim_start_matches("ws://")
        .trim_end_matches("/scapi")
        .to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    println!(
        "flooding {address} for {} s with {} clients of each kind",
        args.seconds, args.clients
    );
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let big = "x".repeat(60 * 1024);
    let mut tasks = Vec::new();
    // Unaccepted native clients posting requests, and an accepted one posting huge ones.
    for index in 0..args.clients {
        let url = scapi.clone();
        let big = big.clone();
        tasks.push(tokio::spawn(async move {
            let mut request = match url.as_str().into_client_request() {
                Ok(request) => request,
                Err(_) => return,
            };
            let origin = if index == 0 {
                ORIGIN.to_owned()
            } else {
                format!("http://foreign-{index}.example")
            };
            if let Ok(value) = origin.parse() {
                request.headers_mut().insert("Origin", value);
            }
            let Ok((socket, _)) = tokio_tungstenite::connect_async(request).await else {
                return;
            };
            let (mut sink, mut stream) = socket.split();
            let reader = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
            let mut reference = 0u64;
            while Instant::now() < deadline {
                let text = format!(
                    r#"{{"request":"interaction.setUserData","parameters":["1",{{"k":"{big}"}}],"referenceId":"{reference}","userAgent":"WWE Client","protocolVersion":2}}"#
                );
                reference += 1;
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = sink.close().await;
            reader.abort();
        }));
    }
    // Foreign relay handshakes, junk control-API bodies, and stalled request heads.
    for _ in 0..4 {
        let address = address.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                raw_http(&address, format!(
                    "GET /relay HTTP/1.1\r\nHost: {address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.example\r\n\r\n"
                )).await;
                raw_http(&address, format!(
                    "POST /api/interactions/1/answer HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
                )).await;
                raw_http(&address, format!(
                    "POST /chat/sessions HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                )).await;
            }
        }));
    }
    let stalled_address = address.clone();
    tasks.push(tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut held = Vec::new();
        while Instant::now() < deadline && held.len() < 2000 {
            if let Ok(mut stream) = tokio::net::TcpStream::connect(&stalled_address).await {
                let _ = stream.write_all(b"GET /api/state HTTP/1.1\r\nHo").await;
                held.push(stream);
            }
        }
        tokio::time::sleep(deadline.saturating_duration_since(Instant::now())).await;
    }));
    for task in tasks {
        let _ = task.await;
    }
    let peak = rss_peak_kib(pid);
    // Stalled heads time out after 10 s; give the server that long to settle.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let after = rss_kib(pid);
    let _ = server.child.kill();
    println!("flood RSS before {before} KiB peak {peak} KiB after {after} KiB");
}

/// Capacity, not offered load.
///
/// Each closed-loop client has one request in flight and sends the next when the answer
/// arrives, so the throughput measured is what the server can do, not what was offered. The
/// search doubles the clients in flight, a step of `--step-seconds` each, until two steps in
/// a row gain less than 5 % over the best before them (or `--max-concurrency`); the best step
/// is the saturation throughput. Three targets, in the same run and each its own child
/// process: `/scapi` with one native client per request in flight; `/relay` with one host
/// socket (handshake `Origin` = the host page's own) relaying for many registered frames, one
/// request in flight per frame; and the bare echo server with native clients. "Per core" is
/// the throughput over the CPU the server process used in that step (user + system time from
/// `/proc`). Then paced open-loop loads at 50 % and 90 % of each saturation give p99 latency,
/// timed from the moment each request was due (a late send counts against the server, not
/// for it). Resident memory per idle connection is measured first, on a fresh server, with
/// `--clients` native clients; `--paced-clients` of them then carry the paced loads.
///
/// The contract line's ratio is the worse endpoint against the echo server:
/// `min(scapi, relay) / echo`.
mod closed_loop {
    use super::{ChildServer, ORIGIN, Socket, connect, rss_kib, spawn};
    use futures_util::{SinkExt, StreamExt};
    use std::time::{Duration, Instant};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    /// Frames one host page may relay for (the relay's limit).
    const RELAY_FRAMES: usize = 64;
    /// How long a client waits for an answer before it gives up on the step.
    const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

    fn request(reference: u64) -> String {
        format!(
            r#"{{"request":"agent.get","referenceId":"{reference}","userAgent":"WWE Client","protocolVersion":2}}"#
        )
    }

    fn relay_message(frame: usize, reference: u64) -> String {
        format!(
            r#"{{"type":"message","frame":"f{frame}","origin":"{ORIGIN}","data":{}}}"#,
            request(reference)
        )
    }

    /// The numeric `referenceId` in a message (ours are numbers), if any.
    pub(crate) fn reference_of(text: &str) -> Option<u64> {
        const KEY: &str = "\"referenceId\":";
        let start = text.find(KEY)? + KEY.len();
        let rest = text[start..].trim_start().trim_start_matches('"');
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }

    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        frame: Option<String>,
    }

    /// The relayed frame a relay `post` answers, with the answer's `referenceId`.
    pub(crate) fn relay_answer(text: &str) -> Option<(usize, u64)> {
        let envelope: Envelope = serde_json::from_str(text).ok()?;
        if envelope.kind != "post" {
            return None;
        }
        let frame = envelope.frame?.strip_prefix('f')?.parse().ok()?;
        Some((frame, reference_of(text)?))
    }

    /// CPU seconds (user + system) the process has used.
    fn cpu_seconds(pid: u32) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return 0.0;
        };
        // Fields after the command name, which ends with the last `)`: utime and stime are
        // the 12th and 13th, in clock ticks (100 per second on Linux).
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| -> f64 {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) / 100.0
    }

    #[derive(Debug, Clone, Copy, Default)]
    struct Step {
        concurrency: usize,
        throughput: f64,
        /// Server CPU over wall time during the step.
        cores: f64,
    }

    impl Step {
        fn per_core(&self) -> f64 {
            if self.cores > 0.0 {
                self.throughput / self.cores
            } else {
                f64::NAN
            }
        }
    }

    /// Whether the last two steps gained less than 5 % over the best step before them.
    fn saturated(steps: &[Step]) -> bool {
        let n = steps.len();
        if n < 3 {
            return false;
        }
        let before = steps[..n - 2]
            .iter()
            .map(|s| s.throughput)
            .fold(0.0, f64::max);
        steps[n - 2..].iter().all(|s| s.throughput < before * 1.05)
    }

    fn best(steps: &[Step]) -> Step {
        steps.iter().copied().fold(Step::default(), |a, b| {
            if b.throughput > a.throughput { b } else { a }
        })
    }

    fn percentile(sorted: &[u64], p: f64) -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index.min(sorted.len() - 1)] as f64 / 1000.0
    }

    /// One closed-loop native client until `deadline`: answers received, and the socket if it
    /// is still usable.
    async fn native_client(mut socket: Socket, deadline: Instant) -> (Option<Socket>, u64) {
        let mut answers = 0;
        let mut reference = 0u64;
        while Instant::now() < deadline {
            if socket
                .send(Message::Text(request(reference).into()))
                .await
                .is_err()
            {
                return (None, answers);
            }
            loop {
                match tokio::time::timeout(ANSWER_TIMEOUT, socket.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) => {
                        if reference_of(&text) == Some(reference) {
                            break;
                        }
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => return (None, answers),
                }
            }
            answers += 1;
            reference += 1;
        }
        (Some(socket), answers)
    }

    /// One closed-loop step with `concurrency` native clients (taken from, and given back
    /// to, `pool`).
    async fn native_step(
        server: &ChildServer,
        pool: &mut Vec<Socket>,
        concurrency: usize,
        seconds: f64,
    ) -> Step {
        while pool.len() < concurrency {
            match connect(&server.url).await {
                Some(socket) => pool.push(socket),
                None => break,
            }
        }
        let sockets: Vec<Socket> = pool.drain(..concurrency.min(pool.len())).collect();
        let pid = server.child.id();
        let cpu = cpu_seconds(pid);
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = sockets
            .into_iter()
            .map(|socket| tokio::spawn(native_client(socket, deadline)))
            .collect();
        let mut answers = 0;
        for task in tasks {
            if let Ok((socket, count)) = task.await {
                answers += count;
                pool.extend(socket);
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        Step {
            concurrency,
            throughput: answers as f64 / elapsed,
            cores: (cpu_seconds(pid) - cpu) / elapsed,
        }
    }

    /// The host page's relay of `server`, connected with the host page's own origin.
    async fn relay_connect(server: &ChildServer) -> Option<Socket> {
        let url = server.url.strip_suffix("/scapi")?.to_owned() + "/relay";
        let authority = url.strip_prefix("ws://")?.split('/').next()?.to_owned();
        let mut request = url.as_str().into_client_request().ok()?;
        request
            .headers_mut()
            .insert("Origin", format!("http://{authority}").parse().ok()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.ok()?;
        for frame in 0..RELAY_FRAMES {
            let register =
                format!(r#"{{"type":"register","frame":"f{frame}","origin":"{ORIGIN}"}}"#);
            socket.send(Message::Text(register.into())).await.ok()?;
        }
        Some(socket)
    }

    /// One closed-loop step on the relay socket: `frames` frames, one request in flight each.
    async fn relay_step(
        server: &ChildServer,
        socket: &mut Socket,
        frames: usize,
        seconds: f64,
    ) -> Step {
        let pid = server.child.id();
        let cpu = cpu_seconds(pid);
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(seconds);
        let mut reference = 0u64;
        let mut answers = 0u64;
        let mut in_flight = 0usize;
        for frame in 0..frames {
            if socket
                .feed(Message::Text(relay_message(frame, reference).into()))
                .await
                .is_ok()
            {
                in_flight += 1;
            }
            reference += 1;
        }
        let _ = socket.flush().await;
        while in_flight > 0 {
            let Ok(Some(Ok(message))) = tokio::time::timeout(ANSWER_TIMEOUT, socket.next()).await
            else {
                break;
            };
            let Message::Text(text) = message else {
                continue;
            };
            let Some((frame, _)) = relay_answer(&text) else {
                continue;
            };
            answers += 1;
            if Instant::now() < deadline {
                let next = Message::Text(relay_message(frame, reference).into());
                reference += 1;
                if socket.send(next).await.is_err() {
                    break;
                }
            } else {
                in_flight -= 1;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        Step {
            concurrency: frames,
            throughput: answers as f64 / elapsed,
            cores: (cpu_seconds(pid) - cpu) / elapsed,
        }
    }

    fn print_step(name: &str, step: &Step) {
        println!(
            "  {name:<6} {:>4} in flight: {:>8.0} req/s  server {:.2} cores  {:>8.0} req/s per core",
            step.concurrency,
            step.throughput,
            step.cores,
            step.per_core()
        );
    }

    /// Paced open-loop load over native `sockets` at `rate` requests/s in all; latencies in
    /// microseconds from when each request was due. The sockets come back for the next run.
    async fn paced_native(
        sockets: Vec<Socket>,
        rate: f64,
        seconds: f64,
    ) -> (Vec<Socket>, Vec<u64>) {
        let count = sockets.len().max(1);
        let period = Duration::from_secs_f64(count as f64 / rate.max(1.0));
        let epoch = Instant::now();
        let stop_sending = epoch + Duration::from_secs_f64(seconds);
        let stop_reading = stop_sending + Duration::from_secs(1);
        let tasks: Vec<_> = sockets
            .into_iter()
            .enumerate()
            .map(|(index, socket)| {
                // Spread the clients over one period so the load is even, not in bursts.
                let offset = period.mul_f64(index as f64 / count as f64);
                tokio::spawn(async move {
                    let (mut sink, mut stream) = socket.split();
                    let reader = tokio::spawn(async move {
                        let mut own = Vec::new();
                        let stop = tokio::time::Instant::from_std(stop_reading);
                        while let Ok(Some(Ok(message))) =
                            tokio::time::timeout_at(stop, stream.next()).await
                        {
                            if let Message::Text(text) = message
                                && let Some(due) = reference_of(&text)
                            {
                                let now =
                                    u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
                                own.push(now.saturating_sub(due));
                            }
                        }
                        (stream, own)
                    });
                    let mut ticker = tokio::time::interval_at(
                        tokio::time::Instant::from_std(epoch + offset),
                        period,
                    );
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                    let mut alive = true;
                    loop {
                        let due = ticker.tick().await.into_std();
                        if due >= stop_sending {
                            break;
                        }
                        let reference = u64::try_from((due - epoch).as_micros()).unwrap_or(0);
                        if sink
                            .send(Message::Text(request(reference).into()))
                            .await
                            .is_err()
                        {
                            alive = false;
                            break;
                        }
                    }
                    let (stream, own) = match reader.await {
                        Ok(done) => done,
                        Err(_) => return (None, Vec::new()),
                    };
                    let socket = if alive {
                        sink.reunite(stream).ok()
                    } else {
                        None
                    };
                    (socket, own)
                })
            })
            .collect();
        let mut sockets = Vec::new();
        let mut latencies = Vec::new();
        for task in tasks {
            if let Ok((socket, own)) = task.await {
                sockets.extend(socket);
                latencies.extend(own);
            }
        }
        latencies.sort_unstable();
        (sockets, latencies)
    }

    /// Paced open-loop load on the relay socket at `rate` requests/s, round robin over its
    /// frames; latencies in microseconds from when each request was due.
    async fn paced_relay(socket: Socket, rate: f64, seconds: f64) -> (Option<Socket>, Vec<u64>) {
        let (mut sink, mut stream) = socket.split();
        let epoch = Instant::now();
        let stop_sending = epoch + Duration::from_secs_f64(seconds);
        let stop_reading = stop_sending + Duration::from_secs(1);
        let reader = tokio::spawn(async move {
            let mut own = Vec::new();
            let stop = tokio::time::Instant::from_std(stop_reading);
            while let Ok(Some(Ok(message))) = tokio::time::timeout_at(stop, stream.next()).await {
                if let Message::Text(text) = message
                    && let Some((_, due)) = relay_answer(&text)
                {
                    let now = u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
                    own.push(now.saturating_sub(due));
                }
            }
            (stream, own)
        });
        // Every millisecond, send what has come due since the last tick.
        let mut ticker = tokio::time::interval(Duration::from_millis(1));
        let mut sent = 0u64;
        let mut alive = true;
        'sending: while Instant::now() < stop_sending {
            ticker.tick().await;
            let due = (epoch.elapsed().as_secs_f64() * rate) as u64;
            while sent < due {
                let at = Duration::from_secs_f64(sent as f64 / rate);
                let reference = u64::try_from(at.as_micros()).unwrap_or(0);
                let frame = (sent % RELAY_FRAMES as u64) as usize;
                if sink
                    .feed(Message::Text(relay_message(frame, reference).into()))
                    .await
                    .is_err()
                {
                    alive = false;
                    break 'sending;
                }
                sent += 1;
            }
            if sink.flush().await.is_err() {
                alive = false;
                break;
            }
        }
        let Ok((stream, mut own)) = reader.await else {
            return (None, Vec::new());
        };
        own.sort_unstable();
        let socket = if alive {
            sink.reunite(stream).ok()
        } else {
            None
        };
        (socket, own)
    }

    /// Connects `count` native clients to a fresh server: their sockets and the resident
    /// memory each one added.
    async fn idle_memory(server: &ChildServer, count: usize) -> (Vec<Socket>, f64) {
        let pid = server.child.id();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = rss_kib(pid);
        let mut sockets = Vec::with_capacity(count);
        for _ in 0..count {
            if let Some(socket) = connect(&server.url).await {
                sockets.push(socket);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = rss_kib(pid);
        let per_connection = idle.saturating_sub(before) as f64 / sockets.len().max(1) as f64;
        (sockets, per_connection)
    }

    struct Endpoint {
        saturation: Step,
        /// p99 latency at 50 % and at 90 % of saturation.
        p99_ms: [f64; 2],
    }

    impl Endpoint {
        fn at(saturation: Step) -> Self {
            Self {
                saturation,
                p99_ms: [f64::NAN; 2],
            }
        }
    }

    fn print_endpoint(name: &str, e: &Endpoint) {
        println!(
            "{name:<6} saturation {:>8.0} req/s at {} in flight, {:>8.0} req/s per server core; p99 at 50 % {:.2} ms, at 90 % {:.2} ms",
            e.saturation.throughput,
            e.saturation.concurrency,
            e.saturation.per_core(),
            e.p99_ms[0],
            e.p99_ms[1]
        );
    }

    /// Runs the whole closed-loop measurement (see the [module docs](self)).
    pub(crate) async fn run(args: &super::Args) {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        println!(
            "closed loop over loopback on {cores} cores: steps of {} s up to {} in flight, paced {} s on {} clients, {} idle clients",
            args.step_seconds,
            args.max_concurrency,
            args.paced_seconds,
            args.paced_clients,
            args.clients
        );
        let Some(mut server) = spawn("server") else {
            eprintln!("cannot start the server child process");
            return;
        };
        let Some(mut echo) = spawn("echo") else {
            eprintln!("cannot start the echo child process");
            let _ = server.child.kill();
            return;
        };
        // Memory first, on fresh processes: later loads leave freed memory that new
        // connections would reuse.
        let (mut idle, idle_kib) = idle_memory(&server, args.clients).await;
        let (mut echo_idle, echo_idle_kib) = idle_memory(&echo, args.clients).await;
        println!(
            "idle   {} connections: agentdesk {idle_kib:.1} KiB/connection, bare echo {echo_idle_kib:.1} KiB/connection resident",
            idle.len()
        );
        idle.truncate(args.paced_clients.max(1));
        echo_idle.truncate(args.paced_clients.max(1));
        let mut relay_socket = relay_connect(&server).await;
        if relay_socket.is_none() {
            eprintln!("cannot connect to the relay");
        }

        // The three targets step by step in turn, so a busy neighbour on the machine weighs
        // on all of them alike.
        let (mut scapi_pool, mut echo_pool) = (Vec::new(), Vec::new());
        let (mut scapi_steps, mut relay_steps, mut echo_steps) =
            (Vec::new(), Vec::new(), Vec::new());
        let most = args.max_concurrency.max(1);
        let relay_most = most.min(RELAY_FRAMES);
        let mut concurrency = 2.min(most);
        loop {
            if !saturated(&scapi_steps) {
                let step =
                    native_step(&server, &mut scapi_pool, concurrency, args.step_seconds).await;
                print_step("scapi", &step);
                scapi_steps.push(step);
            }
            if let Some(socket) = &mut relay_socket
                && !saturated(&relay_steps)
                && relay_steps
                    .last()
                    .is_none_or(|s: &Step| s.concurrency < relay_most)
            {
                let frames = concurrency.min(relay_most);
                let step = relay_step(&server, socket, frames, args.step_seconds).await;
                print_step("relay", &step);
                relay_steps.push(step);
            }
            if !saturated(&echo_steps) {
                let step = native_step(&echo, &mut echo_pool, concurrency, args.step_seconds).await;
                print_step("echo", &step);
                echo_steps.push(step);
            }
            let relay_done =
                relay_socket.is_none() || saturated(&relay_steps) || concurrency >= relay_most;
            if concurrency >= most
                || (saturated(&scapi_steps) && saturated(&echo_steps) && relay_done)
            {
                break;
            }
            concurrency = (concurrency * 2).min(most);
        }
        for socket in scapi_pool.iter_mut().chain(echo_pool.iter_mut()) {
            let _ = socket.close(None).await;
        }
        drop((scapi_pool, echo_pool));
        let (scapi_best, relay_best, echo_best) =
            (best(&scapi_steps), best(&relay_steps), best(&echo_steps));

        let p99 = |latencies: &[u64]| percentile(latencies, 0.99);
        let mut scapi = Endpoint::at(scapi_best);
        let mut relay = Endpoint::at(relay_best);
        let mut bare = Endpoint::at(echo_best);
        for (fraction, share) in [(0.5, 0), (0.9, 1)] {
            let (sockets, latencies) =
                paced_native(idle, scapi_best.throughput * fraction, args.paced_seconds).await;
            idle = sockets;
            scapi.p99_ms[share] = p99(&latencies);
            if let Some(socket) = relay_socket.take() {
                let (socket, latencies) =
                    paced_relay(socket, relay_best.throughput * fraction, args.paced_seconds).await;
                relay_socket = socket;
                relay.p99_ms[share] = p99(&latencies);
            }
            let (sockets, latencies) = paced_native(
                echo_idle,
                echo_best.throughput * fraction,
                args.paced_seconds,
            )
            .await;
            echo_idle = sockets;
            bare.p99_ms[share] = p99(&latencies);
        }
        drop((idle, echo_idle, relay_socket));
        for child in [&mut server.child, &mut echo.child] {
            let _ = child.kill();
            let _ = child.wait();
        }

        print_endpoint("scapi", &scapi);
        print_endpoint("relay", &relay);
        print_endpoint("echo", &bare);
        let echo_rate = bare.saturation.throughput.max(1.0);
        let ratio = scapi.saturation.throughput.min(relay.saturation.throughput) / echo_rate;
        println!(
            "ratios to echo: scapi {:.2}, relay {:.2}; per server core: scapi {:.2}, relay {:.2}",
            scapi.saturation.throughput / echo_rate,
            relay.saturation.throughput / echo_rate,
            scapi.saturation.per_core() / bare.saturation.per_core(),
            relay.saturation.per_core() / bare.saturation.per_core()
        );
        let met = |ok: bool| if ok { "met" } else { "NOT met" };
        println!(
            "targets: ratio >= 0.7: {}   <= 16 KiB per idle connection: {}",
            met(ratio >= 0.7),
            met(idle_kib <= 16.0)
        );
        println!(
            "saturation scapi {:.0} req/s relay {:.0} req/s echo {:.0} req/s; ratio {ratio:.2}; idle {idle_kib:.1} KiB/connection",
            scapi.saturation.throughput, relay.saturation.throughput, bare.saturation.throughput
        );
    }
}
