#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Configuration validation: defaults, required fields per transport, clear errors.

use agentdesk_protocol::webchat::WebChatConfig;
use agentdesk_webchat::ConfigError;
use agentdesk_webchat::config::*;
use serde_json::{Value, json};

fn parse(value: Value) -> Result<ChatConfig, ConfigError> {
    ChatConfig::from_wire(&serde_json::from_value::<WebChatConfig>(value).unwrap())
}

fn purecloud(transport: Value) -> Value {
    let mut base = json!({
        "type": "purecloud-v2-sockets",
        "dataURL": "https://api.mypurecloud.com/",
        "deploymentKey": "d-1",
        "orgGuid": "o-1",
        "interactionData": { "routing": { "targetAddress": "Support" } }
    });
    for (key, value) in transport.as_object().unwrap() {
        base[key] = value.clone();
    }
    json!({ "transport": base })
}

#[test]
fn gms_defaults() {
    let config = parse(json!({ "dataURL": "https://gms.example.net/genesys/2/chat/support///", "apikey": 123, "userData": { "a": 1 } })).unwrap();
    assert_eq!(
        config.transport,
        TransportSettings::Gms(GmsSettings {
            data_url: "https://gms.example.net/genesys/2/chat/support".into(),
            apikey: Some("123".into()),
            endpoint: None,
        })
    );
    assert_eq!(
        (
            config.restore_timeout_ms,
            config.poll_rate_ms,
            config.poll_exception_limit
        ),
        (60_000, 3_000, 5)
    );
    assert_eq!(
        (
            config.client_typing_timeout_ms,
            config.agent_typing_timeout_ms
        ),
        (2_000, 3_000)
    );
    assert_eq!(config.request_timeout_ms, 3_000);
    assert_eq!(config.user_data["a"], json!(1));
    let config = parse(json!({ "serverURL": "http://gms/chat", "restoreTimeout": 5000, "pollRate": 1000, "pollExceptionLimit": 2 })).unwrap();
    assert_eq!(
        (
            config.restore_timeout_ms,
            config.poll_rate_ms,
            config.poll_exception_limit
        ),
        (5_000, 1_000, 2)
    );
}

#[test]
fn guest_chat_defaults_and_mapping() {
    let config = parse(purecloud(json!({ "interactionData": { "routing": { "targetAddress": "Support", "skills": ["Printers"], "priority": 10 }, "userData": { "tier": 2 } } }))).unwrap();
    let TransportSettings::GuestChat(settings) = &config.transport else {
        panic!()
    };
    assert_eq!(settings.data_url, "https://api.mypurecloud.com");
    assert_eq!(settings.routing.target_type, "QUEUE");
    assert_eq!(settings.routing.skills, Some(vec!["Printers".to_owned()]));
    assert_eq!(settings.custom_fields["tier"], "2");
    assert!(settings.pagination);
    assert_eq!(
        (
            settings.max_message_page_size,
            settings.heartbeat_timeout_ms,
            settings.reconnect_interval_ms
        ),
        (100, 14_000, 2_000)
    );
    assert_eq!(
        config.request_timeout_ms, 12_000,
        "Genesys Cloud requests get at least 12 s"
    );
    let config = parse(purecloud(
        json!({ "orgGuid": null, "organizationId": "o-2", "pagination": false }),
    ))
    .unwrap();
    let TransportSettings::GuestChat(settings) = &config.transport else {
        panic!()
    };
    assert_eq!(settings.organization_id, "o-2");
    assert!(!settings.pagination);
}

#[test]
fn errors_name_the_field_and_the_fix() {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({}),
            "`dataURL` is required for the GMS Chat API v2 transport: set it in `_genesys.widgets.webchat`",
        ),
        (
            json!({ "dataURL": "gms.example.net" }),
            "`dataURL` is `gms.example.net`, which is not an http:// or https:// URL",
        ),
        (
            json!({ "dataURL": "https://gms", "pollRate": 500 }),
            "`pollRate` is 500, outside the accepted range 1000..=30000: use a value in that range or omit it for the default",
        ),
        (
            json!({ "dataURL": "https://gms", "cometD": { "enabled": true } }),
            "`cometD.enabled` is true, but only GMS REST polling is implemented: set `cometD.enabled` to false",
        ),
        (
            json!({ "dataURL": "https://gms", "async": { "enabled": true } }),
            "Invalid configuration. WebChatService supports Async chat only in CometD mode.",
        ),
        (
            json!({ "transport": { "type": "carrier-pigeon" } }),
            "Invalid transport configuration: `transport.type` is `carrier-pigeon`; use `purecloud-v2-sockets`, or omit `transport` for GMS Chat API v2",
        ),
        (
            json!({ "transport": { "type": "pureengage-v3-rest" } }),
            "`transport.type` `pureengage-v3-rest` is not implemented by agentdesk-webchat; use `purecloud-v2-sockets`, or omit `transport` for GMS Chat API v2",
        ),
        (
            purecloud(json!({ "deploymentKey": "" })),
            "`transport.deploymentKey` is required for the purecloud-v2-sockets transport: set it in `_genesys.widgets.webchat`",
        ),
        (
            purecloud(json!({ "orgGuid": null })),
            "`transport.orgGuid` is required for the purecloud-v2-sockets transport: set it in `_genesys.widgets.webchat`",
        ),
        (
            purecloud(json!({ "dataURL": null })),
            "`transport.dataURL` is required for the purecloud-v2-sockets transport: set it in `_genesys.widgets.webchat`",
        ),
        (
            purecloud(json!({ "interactionData": {} })),
            "`transport.interactionData.routing.targetAddress` is required for the purecloud-v2-sockets transport: set it in `_genesys.widgets.webchat`",
        ),
        (
            purecloud(
                json!({ "interactionData": { "routing": { "targetAddress": "S", "priority": 11 } } }),
            ),
            "`transport.interactionData.routing.priority` is 11, outside the accepted range 0..=10: use a value in that range or omit it for the default",
        ),
        (
            purecloud(json!({ "maxMessagePageSize": 0 })),
            "`transport.maxMessagePageSize` is 0, outside the accepted range 1..=100: use a value in that range or omit it for the default",
        ),
    ];
    for (config, expected) in cases {
        let error = parse(config.clone()).unwrap_err();
        assert_eq!(error.to_string(), expected, "{config}");
    }
}

#[test]
fn builders_make_the_same_configurations_as_the_wire() {
    use agentdesk_webchat::config::ChatConfigBuilder;
    let built =
        ChatConfigBuilder::genesys_cloud("https://api.mypurecloud.com", "d-1", "o-1", "Support")
            .priority(2)
            .build()
            .unwrap();
    let wire = parse(purecloud(json!({
        "type": "purecloud-v2-sockets", "dataURL": "https://api.mypurecloud.com",
        "deploymentKey": "d-1", "orgGuid": "o-1",
        "interactionData": { "routing": { "targetType": "QUEUE", "targetAddress": "Support", "priority": 2 } }
    })))
    .unwrap();
    assert_eq!(built.transport, wire.transport);
    let error = ChatConfigBuilder::genesys_cloud("https://a", "d", "o", "q")
        .priority(11)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("priority"), "{error}");
    let gms = ChatConfigBuilder::gms("https://gms/genesys/2/chat/x")
        .apikey("k")
        .user_data("plan", "gold")
        .extra_root_certificate(vec![1, 2, 3])
        .build()
        .unwrap();
    assert_eq!(gms.user_data["plan"], "gold");
    assert_eq!(gms.extra_root_certificates, [vec![1, 2, 3]]);
}
