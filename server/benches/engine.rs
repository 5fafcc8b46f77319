//! The engine's full path against the protocol crate's bare codec.
//!
//! Run with `cargo bench -p agentdesk-server --bench engine`. Full path = decode, policy
//! decision, dispatch to `SimulatedWorkspace`, user-data filtering, encode of everything sent
//! back (for setUserData: the answer and the ATTACHED_DATA_CHANGED event the subscribed
//! frame receives); bare = `ClientMessage::from_json` of the same request plus `to_json` of
//! the same messages. Also the fan-out of one interaction event to 1,000 subscribed frames.
//! The printed rates are the best of alternating rounds. Target: full / bare >= 0.5.

use std::hint::black_box;
use std::time::{Duration, Instant};

use agentdesk_protocol::policy::{self, Timestamp};
use agentdesk_protocol::scapi::events::{
    InteractionChange, InteractionEvent, InteractionEventType,
};
use agentdesk_protocol::scapi::{ClientMessage, Event, ServiceMessage};
use agentdesk_server::engine::{Engine, EngineConfig, FrameId, Output};
use agentdesk_server::simulated::{IncomingCall, SimulatedWorkspace};
use agentdesk_server::workspace::Workspace;
use futures_util::FutureExt;

const APP: &str = "https://app.example";
const OPTIONS: &str = "service-client-api.accepted-web-content-origins=https://app.example\nservice-client-api.user-data.read-allowed=Key1,Key2\n";
const AGENT_GET: &str =
    r#"{"request":"agent.get","referenceId":"7","userAgent":"WWE Client","protocolVersion":2}"#;
const SUBSCRIBE_INTERACTION: &str = r#"{"event":"subscribe","data":["interaction"],"referenceId":"1","userAgent":"WWE Client","protocolVersion":2}"#;
const SET_USER_DATA: &str = r#"{"request":"interaction.setUserData","parameters":["1",{"Key1":"a","Key2":"b"}],"referenceId":"8","userAgent":"WWE Client","protocolVersion":2}"#;

struct Setup {
    engine: Engine,
    workspace: SimulatedWorkspace,
    frame: FrameId,
    now: Timestamp,
}

fn setup() -> Setup {
    let policy = policy::parse(OPTIONS).map(|p| p.policy).unwrap_or_default();
    let mut engine = Engine::new(policy, EngineConfig::default());
    let workspace = SimulatedWorkspace::default();
    let now = Timestamp::from_secs(1_795_341_600);
    let _ = workspace.incoming_call(now, IncomingCall::new("+15551234567", "5001"));
    let frame = engine
        .register_frame(APP, None, now)
        .map(|(frame, _)| frame)
        .unwrap_or(FrameId(0));
    // An app that writes attached data watches it: the ATTACHED_DATA_CHANGED event of
    // setUserData is filtered and sent back like the answer.
    engine.handle(frame, APP, SUBSCRIBE_INTERACTION, now);
    Setup {
        engine,
        workspace,
        frame,
        now,
    }
}

/// One request through the whole engine; returns the bytes sent back.
fn full_path(setup: &mut Setup, raw: &str) -> usize {
    let mut bytes = 0;
    let mut queue = setup.engine.handle(setup.frame, APP, raw, setup.now);
    while let Some(output) = queue.pop() {
        match output {
            Output::Send { message, .. } => bytes += message.to_json().len(),
            Output::Dispatch {
                call,
                context,
                request,
            } => {
                let reply = setup.workspace.call(&context, request).now_or_never();
                if let Some(reply) = reply {
                    queue.extend(setup.engine.complete(call, reply, setup.now));
                }
            }
            _ => {}
        }
    }
    bytes
}

/// The same request decoded and the same messages encoded, nothing else.
fn bare(raw: &str, sent: &[ServiceMessage]) -> usize {
    let decoded = ClientMessage::from_json(raw)
        .map(|m| m.reference_id().map(str::len).unwrap_or(0))
        .unwrap_or(0);
    decoded + sent.iter().map(|m| m.to_json().len()).sum::<usize>()
}

/// Every message the full path sends for `raw`: the answer and the events it causes.
fn messages_sent(setup: &mut Setup, raw: &str) -> Vec<ServiceMessage> {
    let mut sent = Vec::new();
    let mut queue = setup.engine.handle(setup.frame, APP, raw, setup.now);
    while let Some(output) = queue.pop() {
        match output {
            Output::Send { message, .. } => sent.push((*message).clone()),
            Output::Dispatch {
                call,
                context,
                request,
            } => {
                if let Some(reply) = setup.workspace.call(&context, request).now_or_never() {
                    queue.extend(setup.engine.complete(call, reply, setup.now));
                }
            }
            _ => {}
        }
    }
    sent
}

#[divan::bench(args = [AGENT_GET, SET_USER_DATA])]
fn engine_full_path(bencher: divan::Bencher, raw: &str) {
    let mut setup = setup();
    bencher.bench_local(|| full_path(&mut setup, black_box(raw)));
}

#[divan::bench(args = [AGENT_GET, SET_USER_DATA])]
fn protocol_bare(bencher: divan::Bencher, raw: &str) {
    let mut setup = setup();
    let sent = messages_sent(&mut setup, raw);
    bencher.bench_local(|| bare(black_box(raw), &sent));
}

fn fan_out_engine(frames: usize) -> (Engine, Event, Timestamp) {
    let policy = policy::parse(OPTIONS).map(|p| p.policy).unwrap_or_default();
    let mut config = EngineConfig::default();
    config.max_frames = frames + 1;
    let mut engine = Engine::new(policy, config);
    let now = Timestamp::from_secs(0);
    for _ in 0..frames {
        if let Ok((frame, _)) = engine.register_frame(APP, None, now) {
            engine.handle(frame, APP, SUBSCRIBE_INTERACTION, now);
        }
    }
    let workspace = SimulatedWorkspace::default();
    let arrival = workspace.incoming_call(
        now,
        IncomingCall::new("+15551234567", "5001")
            .with_data("Key1", "VIP")
            .with_data("Secret", "x"),
    );
    let interaction = workspace
        .interaction(&arrival.interaction_id)
        .unwrap_or_default();
    let event = Event::Interaction(InteractionEvent::Change(InteractionChange::new(
        InteractionEventType::Ringing,
        interaction,
    )));
    (engine, event, now)
}

/// One event to 1,000 subscribers: filtered once, encoded once, addressed to every frame.
#[divan::bench]
fn fan_out_1000_frames(bencher: divan::Bencher) {
    let (mut engine, event, now) = fan_out_engine(1000);
    bencher.bench_local(|| {
        let out = engine.publish(black_box(event.clone()), now);
        out.iter()
            .map(|o| match o {
                Output::Send { frames, message } => frames.len() + message.to_json().len(),
                _ => 0,
            })
            .sum::<usize>()
    });
}

/// Calls of `run` per second over one short round.
fn rate(run: &mut impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < ROUND {
        for _ in 0..256 {
            black_box(run());
        }
        count += 256;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// The best rate of `first` and of `second` over alternating rounds, so a busy moment of the
/// machine weighs on both sides of a ratio alike.
fn best_rates(mut first: impl FnMut() -> usize, mut second: impl FnMut() -> usize) -> (f64, f64) {
    let (mut a, mut b) = (0f64, 0f64);
    for _ in 0..ROUNDS {
        a = a.max(rate(&mut first));
        b = b.max(rate(&mut second));
    }
    (a, b)
}

const ROUND: Duration = Duration::from_millis(100);
const ROUNDS: usize = 20;

fn main() {
    divan::main();
    for (name, raw) in [
        ("agent.get", AGENT_GET),
        ("interaction.setUserData", SET_USER_DATA),
    ] {
        let mut setup = setup();
        let sent = messages_sent(&mut setup, raw);
        let (full, bare) = best_rates(|| full_path(&mut setup, raw), || bare(raw, &sent));
        println!(
            "{name:<24} full path {full:>10.0} req/s   bare codec {bare:>10.0} req/s   ratio {:.2}",
            full / bare
        );
    }
    let (mut engine, event, now) = fan_out_engine(1000);
    let (events, _) = best_rates(|| engine.publish(event.clone(), now).len(), || 0);
    println!(
        "fan-out to 1000 frames   {events:>10.0} events/s ({:.0} deliveries/s)",
        events * 1000.0
    );
}
