//! Typed decode + re-encode of the fixture corpus against the same bytes through
//! `serde_json::Value`.
//!
//! Run with `cargo bench -p agentdesk-protocol --bench codec`. After divan's table it prints
//! where each side spends its time (decode, encode), both throughputs over the whole corpus
//! and, last, their ratio (target: typed >= 1.5 x untyped).
//!
//! To profile one side alone: `CODEC_PROFILE=typed|decode|untyped` runs it for 10 s and
//! nothing else (e.g. under `perf record`).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use agentdesk_protocol::scapi::{ClientMessage, ServiceMessage};
use serde_json::Value;

/// One fixture as the bytes a peer would send, and which direction it travels.
struct Sample {
    text: String,
    from_client: bool,
}

fn corpus() -> Vec<Sample> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scapi");
    let mut out = Vec::new();
    for (dir, from_client) in [("client", true), ("service", false)] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            // Compact, as a WebSocket relay would carry it.
            out.push(Sample {
                text: value.to_string(),
                from_client,
            });
        }
    }
    out
}

/// Decodes and re-encodes through the typed messages; the length of the text written.
fn typed(sample: &Sample) -> usize {
    // Encoded where it was decoded (moving a message copies its few hundred bytes).
    let encoded = if sample.from_client {
        match &ClientMessage::from_json(&sample.text) {
            Ok(message) => message.to_json(),
            Err(_) => String::new(),
        }
    } else {
        match &ServiceMessage::from_json(&sample.text) {
            Ok(message) => message.to_json(),
            Err(_) => String::new(),
        }
    };
    encoded.len()
}

/// Decodes and re-encodes through `serde_json::Value`.
fn untyped(sample: &Sample) -> usize {
    serde_json::from_str::<Value>(&sample.text)
        .map(|v| v.to_string().len())
        .unwrap_or(0)
}

/// Decodes only, through the typed messages.
fn typed_decode(sample: &Sample) -> usize {
    if sample.from_client {
        usize::from(ClientMessage::from_json(&sample.text).is_ok())
    } else {
        usize::from(ServiceMessage::from_json(&sample.text).is_ok())
    }
}

#[divan::bench]
fn typed_corpus(bencher: divan::Bencher) {
    let corpus = corpus();
    bencher.bench(|| corpus.iter().map(typed).sum::<usize>());
}

#[divan::bench]
fn untyped_corpus(bencher: divan::Bencher) {
    let corpus = corpus();
    bencher.bench(|| corpus.iter().map(untyped).sum::<usize>());
}

/// Messages per second over the corpus, measured for about `budget`.
fn throughput(corpus: &[Sample], budget: Duration, run: fn(&Sample) -> usize) -> f64 {
    let start = Instant::now();
    let mut messages = 0u64;
    while start.elapsed() < budget {
        for sample in corpus {
            black_box(run(black_box(sample)));
        }
        messages += corpus.len() as u64;
    }
    messages as f64 / start.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The fastest of `runs` passes of `pass`, in microseconds (the least disturbed by others).
fn fastest_pass(runs: usize, mut pass: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed().as_secs_f64() * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

/// Decode and encode of the whole corpus, apart, on each side.
fn phases(corpus: &[Sample]) {
    let runs = 500;
    let typed_decode = fastest_pass(runs, || {
        for sample in corpus {
            black_box(typed_decode(black_box(sample)));
        }
    });
    let untyped_decode = fastest_pass(runs, || {
        for sample in corpus {
            black_box(serde_json::from_str::<Value>(black_box(&sample.text)).is_ok());
        }
    });
    let client: Vec<ClientMessage> = corpus
        .iter()
        .filter(|s| s.from_client)
        .filter_map(|s| ClientMessage::from_json(&s.text).ok())
        .collect();
    let service: Vec<ServiceMessage> = corpus
        .iter()
        .filter(|s| !s.from_client)
        .filter_map(|s| ServiceMessage::from_json(&s.text).ok())
        .collect();
    let values: Vec<Value> = corpus
        .iter()
        .filter_map(|s| serde_json::from_str(&s.text).ok())
        .collect();
    let typed_encode = fastest_pass(runs, || {
        for message in &client {
            black_box(message.to_json());
        }
        for message in &service {
            black_box(message.to_json());
        }
    });
    let untyped_encode = fastest_pass(runs, || {
        for value in &values {
            black_box(value.to_string());
        }
    });
    println!(
        "corpus pass, fastest of {runs}: decode typed {typed_decode:.1} us, Value {untyped_decode:.1} us; \
         encode typed {typed_encode:.1} us, Value {untyped_encode:.1} us"
    );
}

/// Runs one side alone for `seconds`, for a profiler to sample.
fn profile(corpus: &[Sample], side: &str, seconds: u64) {
    let run = match side {
        "untyped" => untyped,
        "decode" => typed_decode,
        _ => typed,
    };
    let rate = throughput(corpus, Duration::from_secs(seconds), run);
    println!("{side}: {rate:.0} messages/s");
}

fn main() {
    let corpus = corpus();
    if let Ok(side) = std::env::var("CODEC_PROFILE") {
        profile(&corpus, &side, 10);
        return;
    }
    divan::main();
    // Both sides write the same JSON text up to key order, so the same number of bytes.
    let typed_bytes: usize = corpus.iter().map(typed).sum();
    let untyped_bytes: usize = corpus.iter().map(untyped).sum();
    // The machine may be shared: short slices, alternating which side goes first, so both
    // see the same load; the ratio is the median of the per-round ratios.
    let rounds = 80;
    let slice = Duration::from_millis(25);
    let (mut typed_rates, mut untyped_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (t, u) = if round % 2 == 0 {
            let t = throughput(&corpus, slice, typed);
            (t, throughput(&corpus, slice, untyped))
        } else {
            let u = throughput(&corpus, slice, untyped);
            (throughput(&corpus, slice, typed), u)
        };
        typed_rates.push(t);
        untyped_rates.push(u);
        ratios.push(t / u);
    }
    println!(
        "corpus: {} messages, {typed_bytes} bytes written typed, {untyped_bytes} through Value",
        corpus.len()
    );
    phases(&corpus);
    println!(
        "typed decode + encode:   {:>12.0} messages/s",
        median(&mut typed_rates)
    );
    println!(
        "serde_json::Value:       {:>12.0} messages/s",
        median(&mut untyped_rates)
    );
    println!("ratio typed / untyped:   {:>12.2}", median(&mut ratios));
}
