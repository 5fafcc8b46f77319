//! [`Reply`]: what a back end answered to a command.

use std::ops::Deref;

use agentdesk_protocol::webchat::gms::GmsResponse;
use agentdesk_protocol::webchat::guest::{CreateConversationResponse, WebChatMessage};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A back end's answer to a command, as the protocol crate's types where the shape is
/// known: [`Reply::gms`] (every GMS Chat API v2 reply), [`Reply::guest_conversation`]
/// (Genesys Cloud `startChat`), [`Reply::guest_message`] (Genesys Cloud `sendMessage`).
/// It dereferences to the JSON (`reply["chatId"]`), which is also what the widget bus
/// resolves with ([`ChatService::execute`](crate::ChatService::execute)).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    json: Value,
}

impl Reply {
    /// A reply with this JSON.
    pub fn new(json: Value) -> Self {
        Self { json }
    }

    /// The JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The JSON, owned.
    pub fn into_json(self) -> Value {
        self.json
    }

    fn typed<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.json.clone()).ok()
    }

    /// The GMS Chat API v2 reply (`statusCode`, session keys, transcript, ...).
    pub fn gms(&self) -> Option<GmsResponse> {
        self.json.get("statusCode")?;
        self.typed()
    }

    /// The created Genesys Cloud conversation (`id`, `jwt`, `eventStreamUri`, `member`).
    pub fn guest_conversation(&self) -> Option<CreateConversationResponse> {
        self.json.get("eventStreamUri")?;
        self.typed()
    }

    /// The Genesys Cloud message just sent (`id`, `sender`, `body`, `timestamp`).
    pub fn guest_message(&self) -> Option<WebChatMessage> {
        self.json.get("sender")?;
        self.typed()
    }
}

impl Deref for Reply {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.json
    }
}

impl From<Value> for Reply {
    fn from(json: Value) -> Self {
        Self::new(json)
    }
}

impl From<Reply> for Value {
    fn from(reply: Reply) -> Self {
        reply.json
    }
}

impl PartialEq<Value> for Reply {
    fn eq(&self, other: &Value) -> bool {
        self.json == *other
    }
}
