//! Typed decode + re-encode of the fixture corpus against the same bytes through
//! `serde_json::Value`.
//!
//! Run with `cargo bench -p agentdesk-protocol --bench codec`. After divan's table it prints
//! both throughputs over the whole corpus and their ratio (target: typed >= 1.0 x untyped).

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

fn typed(sample: &Sample) -> usize {
    let encoded = if sample.from_client {
        ClientMessage::from_json(&sample.text).map(|m| m.to_json())
    } else {
        ServiceMessage::from_json(&sample.text).map(|m| m.to_json())
    };
    encoded.map(|text| text.len()).unwrap_or(0)
}

fn untyped(sample: &Sample) -> usize {
    serde_json::from_str::<Value>(&sample.text)
        .map(|v| v.to_string().len())
        .unwrap_or(0)
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

fn main() {
    divan::main();
    let corpus = corpus();
    let budget = Duration::from_secs(2);
    let typed = throughput(&corpus, budget, typed);
    let untyped = throughput(&corpus, budget, untyped);
    println!("corpus: {} messages", corpus.len());
    println!("typed decode + encode:   {typed:>12.0} messages/s");
    println!("serde_json::Value:       {untyped:>12.0} messages/s");
    println!("ratio typed / untyped:   {:>12.2}", typed / untyped);
}
