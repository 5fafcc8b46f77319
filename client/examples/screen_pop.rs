//! Screen pop: subscribe to interaction events and print the caller and the attached data
//! of each new call.
//!
//! ```sh
//! # Against a Workspace (`agentdesk-server serve` listens on ws://127.0.0.1:8080/scapi):
//! cargo run -p agentdesk-client --example screen_pop
//! cargo run -p agentdesk-client --example screen_pop -- --url ws://127.0.0.1:9000/scapi --origin http://crm.example
//! AGENTDESK_SCAPI_URL=ws://10.0.0.5:8080/scapi cargo run -p agentdesk-client --example screen_pop
//!
//! # Without any Workspace: an in-process service rings two calls, then the example exits.
//! cargo run -p agentdesk-client --example screen_pop -- --demo
//! ```
//!
//! The service identifies this client by the `--origin` it sends in the WebSocket handshake
//! (`AGENTDESK_ORIGIN`, default `http://127.0.0.1:8081`, the origin of the emulator's demo
//! app, which `agentdesk-server serve` accepts by default): the Workspace's
//! `service-client-api.accepted-web-content-origins` must accept it, or no answer comes back
//! and subscribing times out.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

use agentdesk_client::{Client, Subscription};
use agentdesk_protocol::policy;
use agentdesk_protocol::scapi::events::{
    InteractionChange, InteractionEvent, InteractionEventType,
};
use agentdesk_protocol::scapi::types::{Interaction, Party, UserData};
use agentdesk_protocol::scapi::{Event, EventName};
use agentdesk_server::engine::{Engine, EngineConfig};
use agentdesk_server::service::{Service, SystemClock};
use agentdesk_server::workspace::Workspace;
use futures_util::StreamExt;
use serde_json::json;

const DEFAULT_URL: &str = "ws://127.0.0.1:8080/scapi";
/// The emulator's demo app origin, which its default policy accepts.
const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8081";

struct Options {
    url: String,
    origin: String,
    demo: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        url: std::env::var("AGENTDESK_SCAPI_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned()),
        origin: std::env::var("AGENTDESK_ORIGIN").unwrap_or_else(|_| DEFAULT_ORIGIN.to_owned()),
        demo: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => options.url = args.next().ok_or("--url needs a ws:// URL")?,
            "--origin" => options.origin = args.next().ok_or("--origin needs an origin")?,
            "--demo" => options.demo = true,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: screen_pop [--url ws://host:port/scapi] [--origin http://app.example] [--demo]"
                ));
            }
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = if options.demo {
        demo(&options.origin).await
    } else {
        live(&options.url, &options.origin).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("screen_pop: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn live(url: &str, origin: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::connect_websocket(url, Some(origin)).await?;
    let events = client.subscribe(&[EventName::Interaction]).await?;
    println!("connected to {url} as {origin}; waiting for calls (Ctrl-C to stop)");
    screen_pop(events, None).await;
    Ok(())
}

/// A back end with nothing to answer: the demo only publishes events.
struct Silent;

impl Workspace for Silent {}

async fn demo(origin: &str) -> Result<(), Box<dyn std::error::Error>> {
    let options = format!("service-client-api.accepted-web-content-origins={origin}");
    let engine = Engine::new(policy::parse(&options)?.policy, EngineConfig::default());
    let service = Service::new(engine, Arc::new(Silent), Arc::new(SystemClock));
    let client = Client::connect_in_memory(&service, origin).await?;
    let events = client.subscribe(&[EventName::Interaction]).await?;
    println!("demo: an in-process service rings two calls");
    service
        .publish(vec![
            ringing(
                "call-1",
                "+15551234",
                "Jane Caller",
                json!({ "Segment": "Gold" }),
            ),
            ringing(
                "call-2",
                "+15559876",
                "Joe Caller",
                json!({ "AccountId": "A-77" }),
            ),
        ])
        .await;
    screen_pop(events, Some(2)).await;
    Ok(())
}

fn ringing(id: &str, ani: &str, name: &str, user_data: serde_json::Value) -> Event {
    let mut interaction = Interaction::new(id);
    interaction.media = Some("voice".into());
    interaction.ani = Some(ani.into());
    interaction.parties = Some(vec![Party::named(name)]);
    interaction.user_data = serde_json::from_value::<UserData>(user_data).ok();
    Event::Interaction(InteractionEvent::Change(InteractionChange::new(
        InteractionEventType::Ringing,
        interaction,
    )))
}

/// Prints each new call once; stops after `limit` calls when given.
async fn screen_pop(mut events: Subscription, limit: Option<usize>) {
    let mut seen = BTreeSet::new();
    while let Some(event) = events.next().await {
        let Event::Interaction(InteractionEvent::Change(change)) = event else {
            continue;
        };
        let new_call = matches!(
            change.event_type,
            InteractionEventType::Added | InteractionEventType::Ringing
        );
        if !new_call || !seen.insert(change.interaction.interaction_id.clone()) {
            continue;
        }
        print_call(&change.interaction);
        if limit.is_some_and(|limit| seen.len() >= limit) {
            break;
        }
    }
}

fn print_call(call: &Interaction) {
    let parties: Vec<&str> = call
        .parties
        .iter()
        .flatten()
        .filter_map(Party::name)
        .collect();
    println!(
        "new {} interaction {}: caller {} ({})",
        call.media.as_deref().unwrap_or("?"),
        call.interaction_id,
        call.ani.as_deref().unwrap_or("unknown number"),
        if parties.is_empty() {
            "no party name".to_owned()
        } else {
            parties.join(", ")
        },
    );
    for (key, value) in call.user_data.iter().flatten() {
        println!("    {key} = {value}");
    }
}
