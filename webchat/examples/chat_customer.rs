//! A scripted customer: starts a chat, greets the agent, waits for an answer, thanks them and
//! ends the chat.
//!
//! ```text
//! cargo run -p agentdesk-webchat --example chat_customer -- --help
//! ```
//!
//! Without a back end option it starts a loopback GMS Chat API v2 back end of its own (the one
//! the tests use) and plays the agent's side there. With one, the customer talks to that
//! back end and the agent's side is up to whoever answers there:
//!
//! - `--gms URL`: a GMS chat service, e.g. `http://127.0.0.1:9000/genesys/2/chat/customer-support`.
//! - `--genesys-cloud URL`: a Genesys Cloud guest chat API base, e.g.
//!   `https://api.mypurecloud.com` (`--deployment-key`, `--organization-id` and `--queue` say
//!   where to route).
//! - `--emulator URL`: a running agentdesk-server emulator (`cargo run -p agentdesk-server --
//!   serve`, then `--emulator http://127.0.0.1:8080/`); the chat becomes a chat interaction
//!   of the simulated desktop, and the example plays the agent through the emulator's
//!   control API (accept, type, answer).
//!
//! # Output and exit status
//!
//! Every WebChatService event goes to stdout as one JSON line, `{"event": NAME, "data": ...}`
//! (`data` absent for events without data); progress notes go to stderr. The exit status is
//! 0 once the session has ended, 1 (with the reason on stderr) when the chat cannot start or
//! the back end fails, 2 for a bad command line.

#[path = "../tests/support/fake_gms.rs"]
mod fake_gms;

use std::process::ExitCode;
use std::time::Duration;

use agentdesk_protocol::webchat::{MessageOptions, StartChatOptions, WebChatEvent};
use agentdesk_webchat::config::ChatConfigBuilder;
use agentdesk_webchat::{ChatConfig, ChatService, EventStream};
use clap::Parser;
use fake_gms::FakeGms;
use serde_json::{Value, json};

/// A scripted WebChatService customer: starts a chat, greets the agent, waits for an answer,
/// thanks them and ends the chat. Prints every WebChatService event as a JSON line
/// {"event": NAME, "data": ...} on stdout; exits 0 once the session has ended.
#[derive(Debug, Parser)]
#[command(name = "chat_customer")]
struct Args {
    /// GMS chat service URL, e.g. http://127.0.0.1:9000/genesys/2/chat/customer-support.
    #[arg(long, value_name = "URL", conflicts_with_all = ["genesys_cloud", "emulator"])]
    gms: Option<String>,
    /// Genesys Cloud guest chat API base URL, e.g. https://api.mypurecloud.com.
    #[arg(long, value_name = "URL", conflicts_with = "emulator")]
    genesys_cloud: Option<String>,
    /// agentdesk-server emulator URL, e.g. http://127.0.0.1:8080/ (the example plays the agent).
    #[arg(long, value_name = "URL")]
    emulator: Option<String>,
    /// Genesys Cloud deployment id (with --genesys-cloud).
    #[arg(long, default_value = "agentdesk-deployment")]
    deployment_key: String,
    /// Genesys Cloud organization id (with --genesys-cloud).
    #[arg(long, default_value = "agentdesk-organization")]
    organization_id: String,
    /// Queue to route to (with --genesys-cloud).
    #[arg(long, default_value = "Support")]
    queue: String,
    /// The customer's nickname.
    #[arg(long, default_value = "Ann")]
    nickname: String,
    /// Seconds to wait for the agent's answer before ending the chat anyway.
    #[arg(long, default_value_t = 30)]
    answer_timeout: u64,
}

/// Who plays the agent.
enum Agent {
    /// The loopback GMS fake.
    Fake(FakeGms),
    /// The emulator's control API at this host URL (for this chat interaction).
    Emulator { host: String, chat: Option<String> },
    /// Someone at the real back end.
    Remote,
}

impl Agent {
    async fn control(&self, action: Value) -> Result<(), String> {
        let Agent::Emulator { host, .. } = self else {
            return Ok(());
        };
        let response = reqwest::Client::new()
            .post(format!("{}/api/actions", host.trim_end_matches('/')))
            .json(&action)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("control API refused {action}: {body}"));
        }
        Ok(())
    }

    async fn answers(&self, text: &str) -> Result<(), String> {
        match self {
            Agent::Fake(fake) => {
                fake.agent_joins();
                fake.agent_types();
                fake.agent_says(text);
            }
            Agent::Emulator { chat: Some(id), .. } => {
                self.control(
                    json!({"action": "agent", "interactionId": id, "operation": "accept"}),
                )
                .await?;
                self.control(
                    json!({"action": "agent-typing", "interactionId": id, "typing": true}),
                )
                .await?;
                self.control(
                    json!({"action": "agent-chat-message", "interactionId": id, "text": text}),
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("chat_customer: {reason}");
            ExitCode::from(1)
        }
    }
}

async fn setup(args: &Args) -> Result<(ChatConfig, Agent), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    if let Some(url) = &args.gms {
        let config = ChatConfigBuilder::gms(url.clone())
            .build()
            .map_err(|e| text(&e))?;
        return Ok((config, Agent::Remote));
    }
    if let Some(url) = &args.genesys_cloud {
        let config = ChatConfigBuilder::genesys_cloud(
            url.clone(),
            args.deployment_key.clone(),
            args.organization_id.clone(),
            args.queue.clone(),
        )
        .build()
        .map_err(|e| text(&e))?;
        return Ok((config, Agent::Remote));
    }
    if let Some(url) = &args.emulator {
        let config = ChatConfig::emulator(url.clone()).map_err(|e| text(&e))?;
        let agent = Agent::Emulator {
            host: url.clone(),
            chat: None,
        };
        return Ok((config, agent));
    }
    let fake = FakeGms::start().await;
    eprintln!("loopback GMS back end at {}", fake.data_url());
    let config = ChatConfigBuilder::gms(fake.data_url())
        .poll_rate_ms(1_000)
        .build()
        .map_err(|e| text(&e))?;
    Ok((config, Agent::Fake(fake)))
}

async fn run(args: Args) -> Result<(), String> {
    let (config, mut agent) = setup(&args).await?;
    let transport =
        agentdesk_webchat::transport::from_config(&config).map_err(|error| error.to_string())?;
    let (chat, events) = ChatService::new(config, transport);
    let mut script_events = chat.subscribe();
    let printer = tokio::spawn(print_events(events));

    let options = StartChatOptions {
        nickname: Some(args.nickname.clone()),
        subject: Some("Billing question".into()),
        user_data: Some(json!({ "accountId": "A-42" })),
        ..StartChatOptions::default()
    };
    let outcome = match chat.start_chat(options).await {
        Ok(reply) => {
            eprintln!("customer: chat started");
            if let Agent::Emulator { chat, .. } = &mut agent {
                *chat = reply["interactionId"].as_str().map(str::to_owned);
            }
            let outcome = script(&chat, &mut script_events, &agent, &args).await;
            // Leave, unless the back end already ended the chat; either way the session
            // has ended once endChat returns.
            let active = chat.verify_session().await.session_active;
            if let Err(error) = match active {
                true => chat.end_chat().await.map(|_| ()),
                false => Ok(()),
            } {
                eprintln!("customer: endChat failed: {error}");
            }
            eprintln!("customer: chat ended");
            outcome
        }
        Err(error) => Err(format!("the chat could not start: {error}")),
    };
    // The printer ends once the service is gone, after writing every event published.
    drop(chat);
    drop(script_events);
    let _ = tokio::time::timeout(Duration::from_secs(5), printer).await;
    outcome
}

async fn script(
    chat: &ChatService,
    events: &mut EventStream,
    agent: &Agent,
    args: &Args,
) -> Result<(), String> {
    let failed = |error: agentdesk_webchat::CommandError| error.to_string();
    chat.send_typing(MessageOptions::text("Hello"))
        .await
        .map_err(failed)?;
    chat.send_message(MessageOptions::text(
        "Hello, my last invoice looks too high.",
    ))
    .await
    .map_err(failed)?;
    agent
        .answers("Hello Ann, this is Dana. Let me check... I have refunded the difference.")
        .await?;
    let answered = wait_for_agent(events, Duration::from_secs(args.answer_timeout)).await;
    if !chat.verify_session().await.session_active {
        return Ok(());
    }
    if !answered {
        eprintln!("customer: no agent answer within {} s", args.answer_timeout);
        return Ok(());
    }
    chat.send_message(MessageOptions::text("Great, thank you!"))
        .await
        .map_err(failed)?;
    Ok(())
}

/// Prints every event as a JSON line until the service is gone.
async fn print_events(mut events: EventStream) {
    while let Some(item) = events.recv().await {
        match item {
            Ok(event) => println!("{}", serde_json::to_string(&event).unwrap_or_default()),
            Err(lagged) => eprintln!("chat_customer: {lagged}"),
        }
    }
}

/// Whether an agent's text arrived within `limit` (or the session ended first).
async fn wait_for_agent(events: &mut EventStream, limit: Duration) -> bool {
    let wait = async {
        while let Some(event) = events.next().await {
            match &event {
                WebChatEvent::MessageReceived(received) => {
                    let from_agent = received.messages.iter().any(|m| {
                        m.kind.as_str() == "Message"
                            && m.party_type().is_some_and(|p| p.as_str() == "Agent")
                    });
                    if from_agent {
                        return true;
                    }
                }
                WebChatEvent::Ended => return false,
                _ => {}
            }
        }
        false
    };
    tokio::time::timeout(limit, wait).await.unwrap_or(false)
}
