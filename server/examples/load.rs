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
