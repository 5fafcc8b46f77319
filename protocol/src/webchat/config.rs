//! The `_genesys.widgets.webchat` configuration object (service options).
//!
//! Every field is optional on the wire; required fields and ranges per transport are checked
//! by the behaviour crate, which reports which field is wrong and how to fix it. Options this
//! crate does not model (the WebChat UI options sharing the namespace) are kept in `extra`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::open_enum;

/// Key/value data attached to a chat session (`userData`, a.k.a. attached data).
pub type UserData = BTreeMap<String, Value>;

/// The `_genesys.widgets` object, as far as WebChatService reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WidgetsConfig {
    /// The shared WebChat / WebChatService namespace.
    pub webchat: WebChatConfig,
    /// Other widget namespaces, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `_genesys.widgets.webchat`: connection options read by WebChatService.
///
/// Without `transport.type` the service uses GMS Chat API v2 at `dataURL` (the "legacy"
/// controller); with it, the named transport.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebChatConfig {
    /// Transport selection and its options (widgets 9.0.008.04+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportConfig>,
    /// GMS chat service URL, e.g. `https://host/genesys/2/chat/customer-support`.
    #[serde(rename = "dataURL", default, skip_serializing_if = "Option::is_none")]
    pub data_url: Option<String>,
    /// Alternative spelling of `dataURL`.
    #[serde(rename = "serverURL", default, skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// Sent as request header `apikey` (string or number on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apikey: Option<Value>,
    /// Chat Server endpoint passed to request-chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Attached data merged into every chat start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
    /// Forward `Authorization` from `_genesys.widgets.main.header`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_custom_header: Option<bool>,
    /// Per-request timeout in milliseconds (default 3000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ajax_timeout: Option<u64>,
    /// Base poll period in milliseconds (default 3000, accepted 1000..=30000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_rate: Option<u64>,
    /// Consecutive transient poll failures tolerated before `chatServerWentOffline` (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_exception_limit: Option<u32>,
    /// Milliseconds after the last activity within which a session may be restored (default 60000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_timeout: Option<u64>,
    /// Longest accepted `sendMessage` text, in code points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_length: Option<u32>,
    /// CometD mode against the GMS CometD API.
    #[serde(rename = "cometD", default, skip_serializing_if = "Option::is_none")]
    pub comet_d: Option<CometDConfig>,
    /// Asynchronous chat (only honoured with CometD).
    #[serde(rename = "async", default, skip_serializing_if = "Option::is_none")]
    pub async_mode: Option<AsyncConfig>,
    /// Options not modelled here (WebChat UI options), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `cometD` options of the legacy controller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CometDConfig {
    /// Whether CometD replaces REST polling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Other CometD options (`cometURL`, `channel`, `apiURL`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `async` options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AsyncConfig {
    /// Whether the chat is asynchronous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// History page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_page_size: Option<u32>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

open_enum! {
    /// `transport.type`.
    pub enum TransportType {
        /// Genesys Cloud guest web chat v2 over WebSockets.
        PurecloudV2Sockets => "purecloud-v2-sockets",
        /// Genesys Multicloud CX "v3" chat sessions.
        PureengageV3Rest => "pureengage-v3-rest",
        /// PureConnect web chat.
        PureconnectV4Rest => "pureconnect-v4-rest",
        /// PureConnect chat bots.
        PureconnectV4Chatbots => "pureconnect-v4-chatbots",
    }
}

/// The `transport` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransportConfig {
    /// Which transport; `purecloud-v2-sockets` for Genesys Cloud.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub transport_type: Option<TransportType>,
    /// API base URL, e.g. `https://api.mypurecloud.com`.
    #[serde(rename = "dataURL", default, skip_serializing_if = "Option::is_none")]
    pub data_url: Option<String>,
    /// Widget deployment key (becomes `deploymentId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_key: Option<String>,
    /// Organization id (becomes `organizationId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_guid: Option<String>,
    /// Alternative spelling of `orgGuid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Restore history page by page (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<bool>,
    /// Messages per history page (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_page_size: Option<u32>,
    /// Routing, journey and user data for the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction_data: Option<InteractionData>,
    /// Emit bot events for `WORKFLOW` members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_events_enabled: Option<bool>,
    /// Milliseconds without a heartbeat before the socket counts as dead (default 14000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_heartbeat_tracker_interval: Option<u64>,
    /// Milliseconds between socket reconnect attempts (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_reconnect_interval: Option<u64>,
    /// Extra request headers (v3 transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// Chat endpoint name (v3 transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Options not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `transport.interactionData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct InteractionData {
    /// Where the chat is routed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingData>,
    /// Journey context (customer, session, triggering action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey: Option<BTreeMap<String, Value>>,
    /// Extra custom fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `transport.interactionData.routing`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoutingData {
    /// Always `QUEUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// Queue name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_address: Option<String>,
    /// 0 (lowest) to 10 (highest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Required skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    /// Requested language skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Other keys, kept verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}
