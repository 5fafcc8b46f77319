//! Genesys Cloud guest web chat v2 (`purecloud-v2-sockets`): REST under
//! `{dataURL}/api/v2/webchat/guest/conversations` plus a WebSocket event stream.
//!
//! After creation every call carries `Authorization: Bearer <jwt>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Message, MessageType, Party, PartyType, open_enum};

/// Path of the conversations collection below `dataURL`.
pub const CONVERSATIONS_PATH: &str = "/api/v2/webchat/guest/conversations";

/// `eventBody.message` of a heartbeat frame.
pub const HEARTBEAT_MESSAGE: &str = "WebSocket Heartbeat";

/// `routingTarget` of the create request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoutingTarget {
    /// `QUEUE`.
    pub target_type: String,
    /// Queue name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_address: Option<String>,
    /// Skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    /// Language skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Priority 0..=10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
}

/// `memberInfo` of the create request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GuestMemberInfo {
    /// Name shown to the agent.
    pub display_name: String,
    /// Avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_image_url: Option<String>,
    /// Custom fields (form data, userData).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, String>,
    /// Other keys (`role`, `firstName`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `CreateWebChatConversationRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateConversationRequest {
    /// Organization id.
    pub organization_id: String,
    /// Deployment id (the widget's `deploymentKey`).
    pub deployment_id: String,
    /// Where to route.
    pub routing_target: RoutingTarget,
    /// The guest.
    pub member_info: GuestMemberInfo,
    /// Signed-data JWT for authenticated guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_auth_token: Option<String>,
    /// Journey context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey_context: Option<Value>,
}

/// A reference to a member or conversation: its `id` plus whatever else came along.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntityRef {
    /// Id.
    pub id: String,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `CreateWebChatConversationResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateConversationResponse {
    /// Conversation id.
    pub id: String,
    /// Bearer token for later calls.
    pub jwt: String,
    /// WebSocket to open; routing starts once it is attached.
    pub event_stream_uri: String,
    /// The guest's member.
    pub member: EntityRef,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

open_enum! {
    /// `WebChatMemberInfo.role`.
    pub enum MemberRole {
        /// An agent.
        Agent => "AGENT",
        /// The guest.
        Customer => "CUSTOMER",
        /// A flow (bot).
        Workflow => "WORKFLOW",
        /// ACD.
        Acd => "ACD",
    }
}

open_enum! {
    /// `WebChatMemberInfo.state`.
    pub enum MemberState {
        /// In the conversation.
        Connected => "CONNECTED",
        /// Left.
        Disconnected => "DISCONNECTED",
        /// Being offered.
        Alerting => "ALERTING",
    }
}

/// `WebChatMemberInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebChatMemberInfo {
    /// Member id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_image_url: Option<String>,
    /// Role.
    pub role: MemberRole,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MemberState>,
    /// Other keys (`joinDate`, `customFields`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

open_enum! {
    /// `WebChatMessage.bodyType`.
    pub enum BodyType {
        /// Chat text.
        Standard => "standard",
        /// Notice.
        Notice => "notice",
        /// A member joined.
        MemberJoin => "member-join",
        /// A member left.
        MemberLeave => "member-leave",
        /// Media request (deprecated).
        MediaRequest => "media-request",
    }
}

/// `WebChatMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebChatMessage {
    /// Message id.
    pub id: String,
    /// Conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<EntityRef>,
    /// Sender (often only `id`).
    pub sender: EntityRef,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Kind of message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_type: Option<BodyType>,
    /// ISO-8601 time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Other keys (`name`, `selfUri`), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl WebChatMessage {
    /// The normalised message, given what is known about the sender.
    ///
    /// `member-join`/`member-leave` become `ParticipantJoined`/`ParticipantLeft`, other body
    /// types `Message`; roles map `AGENT`→`Agent`, `CUSTOMER`→`Client`, `WORKFLOW`→`Bot`
    /// (`External` for notices); `index` and `timestamp` are the time in ms.
    pub fn to_message(&self, sender: Option<&WebChatMemberInfo>) -> Message {
        let kind = match &self.body_type {
            Some(BodyType::MemberJoin) => MessageType::ParticipantJoined,
            Some(BodyType::MemberLeave) => MessageType::ParticipantLeft,
            _ => MessageType::Message,
        };
        let party_type = match sender.map(|s| &s.role) {
            Some(MemberRole::Agent) => PartyType::Agent,
            Some(MemberRole::Customer) => PartyType::Client,
            Some(MemberRole::Workflow) if self.body_type == Some(BodyType::Notice) => {
                PartyType::External
            }
            Some(MemberRole::Workflow) => PartyType::Bot,
            _ => PartyType::External,
        };
        let mut from = Party::new(
            party_type,
            Some(Value::String(self.sender.id.clone())),
            sender.and_then(|s| s.display_name.clone()),
        );
        if let Some(avatar) = sender.and_then(|s| s.avatar_image_url.clone()) {
            from.extra.insert("avatar".into(), Value::String(avatar));
        }
        let text = match kind {
            MessageType::Message => Some(self.body.clone().unwrap_or_default()),
            _ => self.body.clone(),
        };
        let mut message = Message::new(kind, text, Some(from));
        let time = self.timestamp.as_deref().and_then(iso8601_millis);
        message.index = time;
        message.timestamp = time;
        message
            .extra
            .insert("id".into(), Value::String(self.id.clone()));
        message
    }
}

/// Milliseconds since the epoch of a UTC `YYYY-MM-DDTHH:MM:SS[.fff]Z` time.
pub fn iso8601_millis(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut clock = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let millis = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Send-message request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    /// Text (at most 4000 characters).
    pub body: String,
    /// `standard` or `notice`; the widget omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_type: Option<BodyType>,
}

/// A page of messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageListing {
    /// Messages.
    pub entities: Vec<WebChatMessage>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<i64>,
    /// Path (below `dataURL`) of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Other keys (`previousPage`, `selfUri`), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Genesys Cloud `ErrorBody`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// Other keys (`contextId`, `details`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

open_enum! {
    /// `metadata.type` of a stream frame.
    pub enum FrameType {
        /// A conversation message.
        Message => "message",
        /// A member's state changed.
        MemberChange => "member-change",
        /// Someone is typing.
        TypingIndicator => "typing-indicator",
    }
}

/// `metadata` of a stream frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FrameMetadata {
    /// Frame type.
    #[serde(rename = "type")]
    pub kind: FrameType,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A frame of the event stream. Heartbeats have no `metadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct StreamFrame {
    /// Topic (ignored by the widget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    /// Payload; its shape depends on `metadata.type`.
    pub event_body: Value,
    /// Frame type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<FrameMetadata>,
    /// Other keys (`version`), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A member in a `member-change` frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberChange {
    /// The member (at least `id` and `state`).
    pub member: MemberStatus,
}

/// A member's id and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberStatus {
    /// Member id.
    pub id: String,
    /// New state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MemberState>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `typing-indicator` frame body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Typing {
    /// Who is typing.
    pub sender: EntityRef,
    /// Other keys (`id`, `conversation`, `timestamp`), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A stream frame decoded by its type.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameKind {
    /// Keep-alive.
    Heartbeat,
    /// A message.
    Message(WebChatMessage),
    /// A member's state changed.
    MemberChange(MemberChange),
    /// Someone is typing.
    Typing(Typing),
    /// A frame type this crate does not know.
    Other(FrameType),
}

impl StreamFrame {
    /// Decodes `eventBody` according to `metadata.type` (tag first; a known type with a
    /// malformed body is an error).
    pub fn kind(&self) -> Result<FrameKind, serde_json::Error> {
        let Some(metadata) = &self.metadata else {
            return Ok(FrameKind::Heartbeat);
        };
        let body = self.event_body.clone();
        Ok(match &metadata.kind {
            FrameType::Message => FrameKind::Message(serde_json::from_value(body)?),
            FrameType::MemberChange => FrameKind::MemberChange(serde_json::from_value(body)?),
            FrameType::TypingIndicator => FrameKind::Typing(serde_json::from_value(body)?),
            other => FrameKind::Other(other.clone()),
        })
    }

    /// A heartbeat frame.
    pub fn heartbeat() -> Self {
        Self {
            topic_name: Some("channel.metadata".into()),
            event_body: serde_json::json!({ "message": HEARTBEAT_MESSAGE }),
            metadata: None,
            extra: BTreeMap::new(),
        }
    }
}
