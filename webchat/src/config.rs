//! Typed, validated `_genesys.widgets.webchat` configuration.

use std::collections::BTreeMap;

use agentdesk_protocol::webchat::guest::RoutingTarget;
use agentdesk_protocol::webchat::{
    InteractionData, RoutingData, TransportConfig, TransportType, UserData, WebChatConfig,
};
use serde_json::Value;

use crate::error::ConfigError;

/// Default `restoreTimeout`: 60 s.
pub const DEFAULT_RESTORE_TIMEOUT_MS: u64 = 60_000;
/// Default `pollRate`: 3 s.
pub const DEFAULT_POLL_RATE_MS: u64 = 3_000;
/// Default `pollExceptionLimit`.
pub const DEFAULT_POLL_EXCEPTION_LIMIT: u32 = 5;
/// Visitor typing: `clientTypingStopped` this long after the last `sendTyping`.
pub const DEFAULT_CLIENT_TYPING_TIMEOUT_MS: u64 = 2_000;
/// Agent typing: `agentTypingTimeout` this long after the last indication.
pub const DEFAULT_AGENT_TYPING_TIMEOUT_MS: u64 = 3_000;
/// GMS request timeout (`ajaxTimeout`).
pub const DEFAULT_GMS_REQUEST_TIMEOUT_MS: u64 = 3_000;
/// Genesys Cloud request timeout floor (smaller `ajaxTimeout` values are raised to it).
pub const MIN_GUEST_REQUEST_TIMEOUT_MS: u64 = 12_000;
/// Default `transport.maxMessagePageSize`.
pub const DEFAULT_MAX_MESSAGE_PAGE_SIZE: u32 = 100;
/// Default `transport.socketHeartbeatTrackerInterval`.
pub const DEFAULT_HEARTBEAT_TIMEOUT_MS: u64 = 14_000;
/// Emulator transport request timeout.
pub const DEFAULT_EMULATOR_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// Emulator transport: pause between attempts to reopen a dropped event stream.
pub const DEFAULT_EMULATOR_RECONNECT_INTERVAL_MS: u64 = 500;
/// Default `transport.socketReconnectInterval`.
pub const DEFAULT_RECONNECT_INTERVAL_MS: u64 = 2_000;

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatConfig {
    /// Which back end and how to reach it.
    pub transport: TransportSettings,
    /// Attached data merged into every chat start.
    pub user_data: UserData,
    /// How long after the last activity a session may still be restored.
    pub restore_timeout_ms: u64,
    /// Poll period (polling transports).
    pub poll_rate_ms: u64,
    /// Transient poll failures tolerated before `chatServerWentOffline`.
    pub poll_exception_limit: u32,
    /// Longest accepted `sendMessage` text in code points.
    pub max_message_length: Option<u32>,
    /// Visitor typing-stop timer.
    pub client_typing_timeout_ms: u64,
    /// Agent typing timeout.
    pub agent_typing_timeout_ms: u64,
    /// Per-request timeout.
    pub request_timeout_ms: u64,
    /// DER certificates trusted for `https://` and `wss://` in addition to the platform's
    /// roots (a private CA, a test server). Empty by default.
    pub extra_root_certificates: Vec<Vec<u8>>,
}

/// The back end.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportSettings {
    /// GMS Chat API v2 over REST polling (no `transport.type`).
    Gms(GmsSettings),
    /// Genesys Cloud guest chat v2 (`purecloud-v2-sockets`).
    GuestChat(GuestChatSettings),
    /// The agentdesk-server emulator's chat API (no widget `transport.type` selects it; build
    /// it with [`ChatConfig::emulator`]).
    Emulator(EmulatorSettings),
}

/// Settings of the agentdesk-server emulator transport.
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorSettings {
    /// The emulator's host URL without trailing `/`, e.g. `http://127.0.0.1:8080`.
    pub data_url: String,
    /// Pause between attempts to reopen a dropped event stream.
    pub reconnect_interval_ms: u64,
}

/// GMS Chat API v2 settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GmsSettings {
    /// Service URL without trailing `/`, e.g. `https://host/genesys/2/chat/customer-support`.
    pub data_url: String,
    /// `apikey` header.
    pub apikey: Option<String>,
    /// Chat Server endpoint.
    pub endpoint: Option<String>,
}

/// Genesys Cloud guest chat v2 settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GuestChatSettings {
    /// API base without trailing `/`, e.g. `https://api.mypurecloud.com`.
    pub data_url: String,
    /// `deploymentId`.
    pub deployment_key: String,
    /// `organizationId`.
    pub organization_id: String,
    /// Routing target.
    pub routing: RoutingTarget,
    /// Custom fields from `transport.interactionData.userData`.
    pub custom_fields: BTreeMap<String, String>,
    /// `transport.interactionData.journey` (`customerId`, `customerIdType`, `sessionId`,
    /// `sessionType`, `actionId`, `actionMapId`, `actionMapVersion`), sent as
    /// `journeyContext`.
    pub journey: BTreeMap<String, Value>,
    /// Lazy history with `fetchHistory`.
    pub pagination: bool,
    /// History page size.
    pub max_message_page_size: u32,
    /// Silence after which the socket counts as dead.
    pub heartbeat_timeout_ms: u64,
    /// Pause between reconnect attempts.
    pub reconnect_interval_ms: u64,
}

impl ChatConfig {
    /// Validates a wire configuration.
    pub fn from_wire(config: &WebChatConfig) -> Result<Self, ConfigError> {
        let restore_timeout_ms = config.restore_timeout.unwrap_or(DEFAULT_RESTORE_TIMEOUT_MS);
        let poll_rate_ms = config.poll_rate.unwrap_or(DEFAULT_POLL_RATE_MS);
        in_range("pollRate", poll_rate_ms, 1_000, 30_000)?;
        let transport = match config
            .transport
            .as_ref()
            .and_then(|t| t.transport_type.as_ref())
        {
            None => TransportSettings::Gms(gms_settings(config)?),
            Some(TransportType::PurecloudV2Sockets) => {
                TransportSettings::GuestChat(guest_settings(config)?)
            }
            Some(unknown @ TransportType::Other(_)) => {
                return Err(ConfigError::UnknownTransport {
                    value: unknown.as_str().to_owned(),
                });
            }
            Some(other) => {
                return Err(ConfigError::UnimplementedTransport {
                    value: other.as_str().to_owned(),
                });
            }
        };
        let request_timeout_ms = match &transport {
            TransportSettings::Gms(_) => config
                .ajax_timeout
                .unwrap_or(DEFAULT_GMS_REQUEST_TIMEOUT_MS),
            TransportSettings::GuestChat(_) => config
                .ajax_timeout
                .unwrap_or(0)
                .max(MIN_GUEST_REQUEST_TIMEOUT_MS),
            TransportSettings::Emulator(_) => config
                .ajax_timeout
                .unwrap_or(DEFAULT_EMULATOR_REQUEST_TIMEOUT_MS),
        };
        Ok(Self {
            transport,
            user_data: config.user_data.clone().unwrap_or_default(),
            restore_timeout_ms,
            poll_rate_ms,
            poll_exception_limit: config
                .poll_exception_limit
                .unwrap_or(DEFAULT_POLL_EXCEPTION_LIMIT),
            max_message_length: config.max_message_length,
            client_typing_timeout_ms: DEFAULT_CLIENT_TYPING_TIMEOUT_MS,
            agent_typing_timeout_ms: DEFAULT_AGENT_TYPING_TIMEOUT_MS,
            request_timeout_ms,
            extra_root_certificates: Vec::new(),
        })
    }

    /// A configuration for the agentdesk-server emulator at `host_url` (e.g.
    /// `http://127.0.0.1:8080/`), with defaults for everything else.
    pub fn emulator(host_url: impl Into<String>) -> Result<Self, ConfigError> {
        let host_url = host_url.into();
        let data_url = url("dataURL", "agentdesk-server emulator", Some(&host_url))?;
        let mut config = Self::gms(data_url.clone())?;
        config.transport = TransportSettings::Emulator(EmulatorSettings {
            data_url,
            reconnect_interval_ms: DEFAULT_EMULATOR_RECONNECT_INTERVAL_MS,
        });
        config.request_timeout_ms = DEFAULT_EMULATOR_REQUEST_TIMEOUT_MS;
        Ok(config)
    }

    /// A GMS configuration with defaults for everything but the URL.
    pub fn gms(data_url: impl Into<String>) -> Result<Self, ConfigError> {
        Self::from_wire(&WebChatConfig {
            data_url: Some(data_url.into()),
            ..WebChatConfig::default()
        })
    }
}

fn in_range(field: &'static str, value: u64, min: u64, max: u64) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Err(ConfigError::OutOfRange {
        field,
        value: signed(value),
        min: signed(min),
        max: signed(max),
    })
}

fn url(
    field: &'static str,
    transport: &'static str,
    value: Option<&String>,
) -> Result<String, ConfigError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::MissingField { field, transport })?;
    if !(value.starts_with("http://") || value.starts_with("https://")) {
        return Err(ConfigError::InvalidUrl {
            field,
            value: value.clone(),
        });
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn required(
    field: &'static str,
    transport: &'static str,
    value: Option<&String>,
) -> Result<String, ConfigError> {
    value
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or(ConfigError::MissingField { field, transport })
}

fn gms_settings(config: &WebChatConfig) -> Result<GmsSettings, ConfigError> {
    if config.comet_d.as_ref().and_then(|c| c.enabled) == Some(true) {
        return Err(ConfigError::CometDUnsupported);
    }
    if config.async_mode.as_ref().and_then(|a| a.enabled) == Some(true) {
        return Err(ConfigError::AsyncRequiresCometD);
    }
    let data_url = url(
        "dataURL",
        "GMS Chat API v2",
        config.data_url.as_ref().or(config.server_url.as_ref()),
    )?;
    let apikey = config.apikey.as_ref().map(|key| match key {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    Ok(GmsSettings {
        data_url,
        apikey,
        endpoint: config.endpoint.clone(),
    })
}

fn guest_settings(config: &WebChatConfig) -> Result<GuestChatSettings, ConfigError> {
    const NAME: &str = "purecloud-v2-sockets";
    let transport = config.transport.clone().unwrap_or_default();
    let data_url = url("transport.dataURL", NAME, transport.data_url.as_ref())?;
    let deployment_key = required(
        "transport.deploymentKey",
        NAME,
        transport.deployment_key.as_ref(),
    )?;
    let organization_id = required(
        "transport.orgGuid",
        NAME,
        transport
            .org_guid
            .as_ref()
            .or(transport.organization_id.as_ref()),
    )?;
    let interaction = transport.interaction_data.clone().unwrap_or_default();
    let routing = interaction.routing.clone().unwrap_or_default();
    let target_address = required(
        "transport.interactionData.routing.targetAddress",
        NAME,
        routing.target_address.as_ref(),
    )?;
    if let Some(priority) = routing.priority.filter(|p| !(0..=10).contains(p)) {
        return Err(ConfigError::OutOfRange {
            field: "transport.interactionData.routing.priority",
            value: priority,
            min: 0,
            max: 10,
        });
    }
    let page_size = transport
        .max_message_page_size
        .unwrap_or(DEFAULT_MAX_MESSAGE_PAGE_SIZE);
    in_range("transport.maxMessagePageSize", u64::from(page_size), 1, 100)?;
    let custom_fields = interaction
        .user_data
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect();
    Ok(GuestChatSettings {
        data_url,
        deployment_key,
        organization_id,
        routing: RoutingTarget {
            target_type: routing.target_type.unwrap_or_else(|| "QUEUE".into()),
            target_address: Some(target_address),
            skills: routing.skills,
            language: routing.language,
            priority: routing.priority,
        },
        custom_fields,
        journey: interaction.journey.unwrap_or_default(),
        pagination: transport.pagination.unwrap_or(true),
        max_message_page_size: page_size,
        heartbeat_timeout_ms: transport
            .socket_heartbeat_tracker_interval
            .unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT_MS),
        reconnect_interval_ms: transport
            .socket_reconnect_interval
            .unwrap_or(DEFAULT_RECONNECT_INTERVAL_MS),
    })
}

/// Builds a [`ChatConfig`] in code: start with [`ChatConfigBuilder::gms`] or
/// [`ChatConfigBuilder::genesys_cloud`], set what differs from the defaults, then
/// [`build`](ChatConfigBuilder::build) (which validates as [`ChatConfig::from_wire`] does).
///
/// ```
/// use agentdesk_webchat::config::ChatConfigBuilder;
///
/// let config = ChatConfigBuilder::genesys_cloud(
///     "https://api.mypurecloud.com",
///     "deployment-id",
///     "organization-id",
///     "Support",
/// )
/// .priority(5)
/// .user_data("customerId", "59606")
/// .build()
/// .unwrap();
/// # let _ = config;
/// let gms = ChatConfigBuilder::gms("https://gms.example.net/genesys/2/chat/customer-support")
///     .apikey("secret")
///     .poll_rate_ms(2_000)
///     .build()
///     .unwrap();
/// assert_eq!(gms.poll_rate_ms, 2_000);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChatConfigBuilder {
    wire: WebChatConfig,
    extra_root_certificates: Vec<Vec<u8>>,
}

impl ChatConfigBuilder {
    /// GMS Chat API v2 at `data_url` (`https://host/genesys/2/chat/<service>`).
    pub fn gms(data_url: impl Into<String>) -> Self {
        Self {
            wire: WebChatConfig {
                data_url: Some(data_url.into()),
                ..WebChatConfig::default()
            },
            extra_root_certificates: Vec::new(),
        }
    }

    /// Genesys Cloud guest chat (`purecloud-v2-sockets`) at the region's API base URL,
    /// routed to `queue`.
    pub fn genesys_cloud(
        data_url: impl Into<String>,
        deployment_key: impl Into<String>,
        organization_id: impl Into<String>,
        queue: impl Into<String>,
    ) -> Self {
        let transport = TransportConfig {
            transport_type: Some(TransportType::PurecloudV2Sockets),
            data_url: Some(data_url.into()),
            deployment_key: Some(deployment_key.into()),
            org_guid: Some(organization_id.into()),
            interaction_data: Some(InteractionData {
                routing: Some(RoutingData {
                    target_type: Some("QUEUE".into()),
                    target_address: Some(queue.into()),
                    ..RoutingData::default()
                }),
                ..InteractionData::default()
            }),
            ..TransportConfig::default()
        };
        Self {
            wire: WebChatConfig {
                transport: Some(transport),
                ..WebChatConfig::default()
            },
            extra_root_certificates: Vec::new(),
        }
    }

    fn routing(&mut self) -> &mut RoutingData {
        let transport = self.wire.transport.get_or_insert_with(Default::default);
        let interaction = transport
            .interaction_data
            .get_or_insert_with(Default::default);
        interaction.routing.get_or_insert_with(Default::default)
    }

    fn transport(&mut self) -> &mut TransportConfig {
        self.wire.transport.get_or_insert_with(Default::default)
    }

    /// Attached data sent with every chat start (`userData`).
    pub fn user_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.wire
            .user_data
            .get_or_insert_with(Default::default)
            .insert(key.into(), value.into());
        self
    }

    /// GMS `apikey` header.
    pub fn apikey(mut self, key: impl Into<String>) -> Self {
        self.wire.apikey = Some(Value::String(key.into()));
        self
    }

    /// GMS Chat Server `endpoint`.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.wire.endpoint = Some(endpoint.into());
        self
    }

    /// `pollRate` (GMS; 1000..=30000).
    pub fn poll_rate_ms(mut self, rate: u64) -> Self {
        self.wire.poll_rate = Some(rate);
        self
    }

    /// `restoreTimeout`.
    pub fn restore_timeout_ms(mut self, timeout: u64) -> Self {
        self.wire.restore_timeout = Some(timeout);
        self
    }

    /// `ajaxTimeout`: per-request timeout.
    pub fn request_timeout_ms(mut self, timeout: u64) -> Self {
        self.wire.ajax_timeout = Some(timeout);
        self
    }

    /// Routing priority, 0..=10 (Genesys Cloud).
    pub fn priority(mut self, priority: i64) -> Self {
        self.routing().priority = Some(priority);
        self
    }

    /// Routing skills (Genesys Cloud).
    pub fn skills(mut self, skills: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.routing().skills = Some(skills.into_iter().map(Into::into).collect());
        self
    }

    /// Routing language skill (Genesys Cloud).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.routing().language = Some(language.into());
        self
    }

    /// `transport.pagination` (Genesys Cloud; default on).
    pub fn pagination(mut self, on: bool) -> Self {
        self.transport().pagination = Some(on);
        self
    }

    /// `transport.maxMessagePageSize` (Genesys Cloud; 1..=100).
    pub fn max_message_page_size(mut self, size: u32) -> Self {
        self.transport().max_message_page_size = Some(size);
        self
    }

    /// Trusts `der` (a DER certificate) for `https://` and `wss://` as well as the platform's
    /// roots.
    pub fn extra_root_certificate(mut self, der: Vec<u8>) -> Self {
        self.extra_root_certificates.push(der);
        self
    }

    /// The validated configuration.
    pub fn build(self) -> Result<ChatConfig, ConfigError> {
        let mut config = ChatConfig::from_wire(&self.wire)?;
        config.extra_root_certificates = self.extra_root_certificates;
        Ok(config)
    }
}
