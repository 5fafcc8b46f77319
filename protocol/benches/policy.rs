//! Policy decisions per second for a 50-origin policy; allowing must not allocate.
//!
//! Run with `cargo bench -p agentdesk-protocol --bench policy`. Prints a decisions/second
//! figure, then divan's timings with allocation counts.

use std::hint::black_box;
use std::time::Instant;

use agentdesk_protocol::policy::{self, Policy, PolicyState, Timestamp};
use divan::AllocProfiler;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const NOW: Timestamp = Timestamp::from_millis(1_700_000_040_000);

fn fifty_origins() -> Policy {
    let entries: Vec<String> = (0..50)
        .map(|i| match i % 3 {
            0 => format!("https://app{i}.example.com"),
            1 => format!("https://app{i}.example.com:8443 (agent.*, voice.dial, interaction.*)"),
            _ => format!("http://10.0.0.{i}:8080 (media.*, email.create, auth.getJwtToken)"),
        })
        .collect();
    let text = format!(
        "service-client-api.accepted-web-content-origins={}\n\
         service-client-api.rate-limit=0\n\
         service-client-api.rate-limit.voice.dial=4000000000\n\
         service-client-api.rate-limit.email.create=4000000000\n",
        entries.join(", ")
    );
    match policy::parse(&text) {
        Ok(parsed) => parsed.policy,
        Err(errors) => panic!("{errors}"),
    }
}

/// (origin, request): a spread of matches early and late in the list, by name, by
/// namespace and by `*`, with and without a per-request limit.
const ALLOWED: [(&str, &str); 4] = [
    ("https://app0.example.com", "agent.get"),
    ("https://app49.example.com:8443", "voice.dial"),
    ("http://10.0.0.47:8080", "email.create"),
    (
        "https://app25.example.com:8443",
        "interaction.getInteractions",
    ),
];

fn main() {
    let policy = fifty_origins();
    let mut state = PolicyState::new(&policy);
    let rounds = 2_000_000u32;
    let start = Instant::now();
    for round in 0..rounds {
        let (origin, request) = ALLOWED[(round % 4) as usize];
        let decision = policy.decide(&mut state, black_box(origin), black_box(request), NOW);
        assert!(decision.is_allowed());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "policy: {:.2} M allowed decisions/s on one core (50 origins, {rounds} decisions in {secs:.3} s)",
        f64::from(rounds) / secs / 1e6
    );
    divan::main();
}

#[divan::bench]
fn allow(bencher: divan::Bencher) {
    let policy = fifty_origins();
    let mut state = PolicyState::new(&policy);
    let mut round = 0usize;
    bencher.bench_local(|| {
        let (origin, request) = ALLOWED[round % 4];
        round += 1;
        policy.decide(&mut state, black_box(origin), black_box(request), NOW)
    });
}

#[divan::bench]
fn allow_late_entry_by_name(bencher: divan::Bencher) {
    let policy = fifty_origins();
    let mut state = PolicyState::new(&policy);
    bencher.bench_local(|| {
        policy.decide(
            &mut state,
            black_box("https://app49.example.com:8443"),
            black_box("voice.dial"),
            NOW,
        )
    });
}

#[divan::bench]
fn ignore_foreign_origin(bencher: divan::Bencher) {
    let policy = fifty_origins();
    let mut state = PolicyState::new(&policy);
    bencher.bench_local(|| {
        policy.decide(
            &mut state,
            black_box("https://evil.example.com"),
            black_box("agent.get"),
            NOW,
        )
    });
}

#[divan::bench]
fn deny_filtered_request(bencher: divan::Bencher) {
    let policy = fifty_origins();
    let mut state = PolicyState::new(&policy);
    bencher.bench_local(|| {
        policy.decide(
            &mut state,
            black_box("http://10.0.0.47:8080"),
            black_box("voice.dial"),
            NOW,
        )
    });
}
