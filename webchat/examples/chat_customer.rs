//! A scripted customer: starts a chat, exchanges a few messages with an agent, and ends it.
//!
//! Run with `cargo run -p agentdesk-webchat --example chat_customer`.
//!
//! It starts a loopback GMS Chat API v2 back end of its own (the one the tests use), plays
//! the agent's side there, and prints every WebChatService event the customer receives. Pass
//! a GMS chat service URL (`.../genesys/2/chat/<service>`) as the first argument to talk to a
//! real server instead; the agent's side is then up to whoever answers there.
//!
//! `--emulator URL` talks to a running agentdesk-server emulator instead
//! (`cargo run -p agentdesk-server -- serve`, then `--emulator http://127.0.0.1:8080/`): the
//! chat becomes a chat interaction on the simulated desktop (apps subscribed to `interaction`
//! see `INVITED`, `NEW_MESSAGE`, `ENDED`), and the example plays the agent through the
//! emulator's control API (accept, type, answer).

#[path = "../tests/support/fake_gms.rs"]
mod fake_gms;

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::webchat::{MessageOptions, StartChatOptions, WebChatEvent};
use agentdesk_webchat::transport::ChatTransport;
use agentdesk_webchat::transport::emulator::EmulatorTransport;
use agentdesk_webchat::transport::gms::GmsTransport;
use agentdesk_webchat::{ChatConfig, ChatService, EventStream};
use fake_gms::FakeGms;
use serde_json::{Value, json};

/// Who plays the agent.
enum Agent {
    /// The loopback GMS fake.
    Fake(FakeGms),
    /// The emulator's control API at this host URL (for this chat interaction).
    Emulator { host: String, chat: Option<String> },
    /// Someone at the real server.
    Remote,
}

impl Agent {
    async fn control(&self, action: Value) -> Result<(), Box<dyn Error>> {
        let Agent::Emulator { host, .. } = self else {
            return Ok(());
        };
        let response = reqwest::Client::new()
            .post(format!("{}/api/actions", host.trim_end_matches('/')))
            .json(&action)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("control API refused {action}: {}", response.text().await?).into());
        }
        Ok(())
    }

    async fn joins_and_says(&self, text: &str) -> Result<(), Box<dyn Error>> {
        match self {
            Agent::Fake(fake) => {
                fake.agent_joins();
                fake.agent_says(text);
            }
            Agent::Emulator { chat: Some(id), .. } => {
                self.control(
                    json!({"action": "agent", "interactionId": id, "operation": "accept"}),
                )
                .await?;
                self.says(text).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn says(&self, text: &str) -> Result<(), Box<dyn Error>> {
        match self {
            Agent::Fake(fake) => {
                fake.agent_types();
                fake.agent_says(text);
            }
            Agent::Emulator { chat: Some(id), .. } => {
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
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, transport, mut agent): (ChatConfig, Arc<dyn ChatTransport>, Agent) = match args
        .as_slice()
    {
        [flag, url, ..] if flag == "--emulator" => {
            let config = ChatConfig::emulator(url.clone())?;
            let transport = EmulatorTransport::from_config(&config)?;
            let host = url.clone();
            (
                config,
                Arc::new(transport),
                Agent::Emulator { host, chat: None },
            )
        }
        [flag] if flag == "--emulator" => {
            return Err("--emulator needs the emulator's URL, e.g. http://127.0.0.1:8080/".into());
        }
        [url, ..] => {
            let config = ChatConfig::gms(url.clone())?;
            let transport = GmsTransport::from_config(&config)?;
            (config, Arc::new(transport), Agent::Remote)
        }
        [] => {
            let fake = FakeGms::start().await;
            println!("loopback GMS back end at {}", fake.data_url());
            let config = ChatConfig::gms(fake.data_url())?;
            let transport = GmsTransport::from_config(&config)?;
            (config, Arc::new(transport), Agent::Fake(fake))
        }
    };
    let (chat, mut events) = ChatService::new(config, transport);

    let options = StartChatOptions {
        nickname: Some("Ann".into()),
        firstname: Some("Ann".into()),
        lastname: Some("Lee".into()),
        subject: Some("Billing question".into()),
        user_data: Some(serde_json::json!({ "accountId": "A-42" })),
        ..StartChatOptions::default()
    };
    let reply = chat.start_chat(options).await?;
    println!("customer: chat started (chatId {})", reply["chatId"]);
    if let Agent::Emulator { chat, .. } = &mut agent {
        *chat = reply["interactionId"].as_str().map(str::to_owned);
    }

    agent
        .joins_and_says("Hello Ann, this is Dana. How can I help?")
        .await?;
    wait_for_message(&mut events).await;

    chat.send_typing(MessageOptions::default()).await?;
    chat.send_message(MessageOptions::text("My last invoice looks too high."))
        .await?;
    println!("customer: sent a message");
    agent
        .says("Let me check that for you... I have refunded the difference.")
        .await?;
    wait_for_message(&mut events).await;

    chat.send_message(MessageOptions::text("Great, thank you!"))
        .await?;
    chat.end_chat().await?;
    println!("customer: chat ended");
    while let Some(event) = events.try_next() {
        print_event(&event);
    }
    let transcript = chat.get_transcript();
    println!("transcript: {} messages", transcript.messages.len());
    Ok(())
}

/// Prints events until the next agent text arrives (or 30 s pass).
async fn wait_for_message(events: &mut EventStream) {
    let wait = async {
        while let Some(event) = events.next().await {
            print_event(&event);
            if let WebChatEvent::MessageReceived(received) = &event {
                let from_agent = received.messages.iter().any(|m| {
                    m.kind.as_str() == "Message"
                        && m.party_type().is_some_and(|p| p.as_str() == "Agent")
                });
                if from_agent {
                    return;
                }
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .is_err()
    {
        println!("(no agent message within 30 s)");
    }
}

fn print_event(event: &WebChatEvent) {
    match event {
        WebChatEvent::MessageReceived(received) => {
            for message in &received.messages {
                let who = message
                    .from
                    .as_ref()
                    .and_then(|f| f.name.clone())
                    .unwrap_or_default();
                let text = message.text.clone().unwrap_or_default();
                println!("event messageReceived: [{}] {who}: {text}", message.kind);
            }
        }
        other => println!("event {}", other.name()),
    }
}
