//! Shared helpers for the transport tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod fake_gms;
pub mod fake_guest;

use std::time::Duration;

use agentdesk_protocol::webchat::WebChatEvent;
use agentdesk_webchat::EventStream;

/// Waits for the next event called `name`, returning it and the names skipped on the way.
/// The bound only guards against a hang; nothing asserts on timing.
pub async fn wait_for(events: &mut EventStream, name: &str) -> (WebChatEvent, Vec<String>) {
    let mut skipped = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = events.next().await {
            if event.name() == name {
                return Some(event);
            }
            skipped.push(event.name().to_owned());
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => (event, skipped),
        _ => panic!("no `{name}` event; saw {skipped:?}"),
    }
}

/// Every event already queued, by name.
pub fn drain(events: &mut EventStream) -> Vec<String> {
    std::iter::from_fn(|| events.try_next())
        .map(|e| e.name().to_owned())
        .collect()
}
