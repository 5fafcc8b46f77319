//! A scripted customer: starts a chat, exchanges a few messages with an agent, and ends it.
//!
//! Run with `cargo run -p agentdesk-webchat --example chat_customer`.
//!
//! It starts a loopback GMS Chat API v2 back end of its own (the one the tests use), plays
//! the agent's side there, and prints every WebChatService event the customer receives. Pass
//! a GMS chat service URL (`.../genesys/2/chat/<service>`) as the first argument to talk to a
//! real server instead; the agent's side is then up to whoever answers there.

#[path = "../tests/support/fake_gms.rs"]
mod fake_gms;

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use agentdesk_protocol::webchat::{MessageOptions, StartChatOptions, WebChatEvent};
use agentdesk_webchat::transport::gms::GmsTransport;
use agentdesk_webchat::{ChatConfig, ChatService, EventStream};
use fake_gms::FakeGms;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (url, agent) = match std::env::args().nth(1) {
        Some(url) => (url, None),
        None => {
            let fake = FakeGms::start().await;
            println!("loopback GMS back end at {}", fake.data_url());
            (fake.data_url(), Some(fake))
        }
    };
    let config = ChatConfig::gms(url)?;
    let transport = GmsTransport::from_config(&config).ok_or("not a GMS configuration")??;
    let (chat, mut events) = ChatService::new(config, Arc::new(transport));

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

    if let Some(agent) = &agent {
        agent.agent_joins();
        agent.agent_says("Hello Ann, this is Dana. How can I help?");
    }
    wait_for_message(&mut events).await;

    chat.send_typing(MessageOptions::default()).await?;
    chat.send_message(MessageOptions::text("My last invoice looks too high."))
        .await?;
    println!("customer: sent a message");
    if let Some(agent) = &agent {
        agent.agent_types();
        agent.agent_says("Let me check that for you... I have refunded the difference.");
    }
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
