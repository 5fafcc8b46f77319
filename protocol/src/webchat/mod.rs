//! WebChatService (Genesys Widgets) wire types: the `_genesys.widgets.webchat` configuration,
//! command options, resolutions, events, normalised transcript messages, and the payloads of
//! the two chat back ends the service speaks to (GMS Chat API v2 and Genesys Cloud guest
//! chat v2).
//!
//! Names, JSON keys, enum spellings and rejection texts are the ones Genesys uses. Every enum
//! is open: values this crate does not know are kept verbatim (`Other` for string
//! enums, built only by parsing, `Unknown(raw object)` for tagged messages) and re-encode unchanged.
//!
//! Tagged messages ([`WebChatCommand`], [`WebChatEvent`]) are decoded tag-first: a known
//! name with a malformed payload is an error, never silently an `Unknown`.

mod command;
mod config;
mod event;
pub mod gms;
pub mod guest;
mod id;
mod message;
mod resolution;

pub use command::*;
pub use config::*;
pub use event::*;
pub use id::WireId;
pub use message::*;
pub use resolution::*;

#[cfg(feature = "schema")]
use crate::schema::{SchemaEntry, entry_for};

/// Defines an adjacently tagged message enum (`{tag: name, content: payload}`) whose
/// `Deserialize` reads the tag first and keeps unknown names in `Unknown(raw object)`.
macro_rules! tagged_enum {
    (@decode $name:ident, $variant:ident, $label:expr, $content:ident, $err:ty, $data:ty) => {
        // A missing payload reads as `{}`: the widget bus treats absent options as empty.
        serde_json::from_value::<$data>(
            $content.unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new())),
        )
            .map($name::$variant)
            .map_err(|error| <$err as serde::de::Error>::custom(format!("{}: {error}", $label)))
    };
    (@decode $name:ident, $variant:ident, $label:expr, $content:ident, $err:ty) => {{
        let _ = $content;
        Ok($name::$variant)
    }};
    (
        $(#[$meta:meta])*
        $name:ident, tag = $tag:literal, content = $content_key:literal;
        $( $(#[$vmeta:meta])* $variant:ident = $text:literal $( ( $data:ty ) )? ),* $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(tag = $tag, content = $content_key)]
        // Messages are built, sent and dropped; boxing payloads would only burden callers.
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant $( ($data) )?, )*
            /// A name this crate does not know: the whole raw object, re-encoded unchanged.
            #[serde(untagged)]
            #[cfg_attr(feature = "schema", schemars(skip))]
            Unknown(serde_json::Map<String, serde_json::Value>),
        }

        impl $name {
            /// Every known name, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($text),*];

            /// The wire name (the value of the tag).
            pub fn name(&self) -> &str {
                match self {
                    $( tagged_enum!(@pattern $name, $variant $(, $data)?) => $text, )*
                    Self::Unknown(raw) => raw.get($tag).and_then(|v| v.as_str()).unwrap_or(""),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let raw = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
                let name = match raw.get($tag) {
                    Some(serde_json::Value::String(name)) => name.clone(),
                    Some(_) => {
                        return Err(D::Error::custom(concat!("`", $tag, "` must be a string")));
                    }
                    None => return Err(D::Error::missing_field($tag)),
                };
                let content = raw.get($content_key).cloned();
                match name.as_str() {
                    $(
                        $text => tagged_enum!(
                            @decode $name, $variant,
                            concat!("`", $content_key, "` of `", $text, "`"),
                            content, D::Error $(, $data)?
                        ),
                    )*
                    _ => Ok(Self::Unknown(raw)),
                }
            }
        }
    };
    (@pattern $name:ident, $variant:ident, $data:ty) => { $name::$variant(_) };
    (@pattern $name:ident, $variant:ident) => { $name::$variant };
}

pub(crate) use crate::open_enum::open_enum;
pub(crate) use tagged_enum;

/// Contributes every WebChatService wire type to the schema catalogue.
#[cfg(feature = "schema")]
pub(crate) fn schemas(out: &mut Vec<SchemaEntry>) {
    out.extend([
        entry_for::<WidgetsConfig>(
            "webchat/WidgetsConfig.json",
            "`_genesys.widgets` holding the webchat namespace",
        ),
        entry_for::<WebChatConfig>(
            "webchat/WebChatConfig.json",
            "`_genesys.widgets.webchat` service options",
        ),
        entry_for::<TransportConfig>(
            "webchat/TransportConfig.json",
            "`transport` section of the webchat configuration",
        ),
        entry_for::<WebChatCommand>(
            "webchat/WebChatCommand.json",
            "A WebChatService command with its options",
        ),
        entry_for::<WebChatEvent>(
            "webchat/WebChatEvent.json",
            "A WebChatService event with its data",
        ),
        entry_for::<Message>(
            "webchat/Message.json",
            "A normalised transcript message (`messageReceived.messages[]`)",
        ),
        entry_for::<MessageReceived>(
            "webchat/MessageReceived.json",
            "Data of the `messageReceived` event",
        ),
        entry_for::<ParticipantChange>(
            "webchat/ParticipantChange.json",
            "Data of the connected/disconnected events",
        ),
        entry_for::<Transcript>("webchat/Transcript.json", "Resolution of `getTranscript`"),
        entry_for::<AgentsSummary>("webchat/AgentsSummary.json", "Resolution of `getAgents`"),
        entry_for::<ChatStats>("webchat/ChatStats.json", "Resolution of `getStats`"),
        entry_for::<SessionData>("webchat/SessionData.json", "Resolution of `getSessionData`"),
        entry_for::<SessionActive>(
            "webchat/SessionActive.json",
            "Resolution of `verifySession`",
        ),
        entry_for::<Capabilities>("webchat/Capabilities.json", "Data of `capabilitiesChanged`"),
        entry_for::<gms::GmsResponse>(
            "webchat/GmsResponse.json",
            "GMS Chat API v2 reply (Digital Channels Chat V2 Response Format)",
        ),
        entry_for::<gms::GmsTranscriptEvent>(
            "webchat/GmsTranscriptEvent.json",
            "GMS Chat API v2 transcript event",
        ),
        entry_for::<guest::CreateConversationRequest>(
            "webchat/CreateConversationRequest.json",
            "Guest chat v2 create-conversation request",
        ),
        entry_for::<guest::CreateConversationResponse>(
            "webchat/CreateConversationResponse.json",
            "Guest chat v2 create-conversation reply",
        ),
        entry_for::<guest::WebChatMemberInfo>(
            "webchat/WebChatMemberInfo.json",
            "Guest chat v2 conversation member",
        ),
        entry_for::<guest::WebChatMessage>("webchat/WebChatMessage.json", "Guest chat v2 message"),
        entry_for::<guest::SendMessageRequest>(
            "webchat/SendMessageRequest.json",
            "Guest chat v2 send-message request",
        ),
        entry_for::<guest::MessageListing>(
            "webchat/MessageListing.json",
            "Guest chat v2 message page",
        ),
        entry_for::<guest::ErrorBody>("webchat/ErrorBody.json", "Genesys Cloud error body"),
        entry_for::<guest::StreamFrame>(
            "webchat/StreamFrame.json",
            "Guest chat v2 event-stream WebSocket frame",
        ),
    ]);
}
