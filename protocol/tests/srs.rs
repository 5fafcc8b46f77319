//! SRS wire types: fixtures from the SRS documentation round-trip exactly, validate against the
//! generated schemas, and serde and the schemas agree on what they reject.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use agentdesk_protocol::srs::{
    ConfigItem, ConfigurationError, Device, HotSeatingError, LoginConfiguration, LoginRequest,
    LoginSettings, MeRequest, OperationName, OperationRequest, Place, Seat, SessionSnapshot,
    SessionState, StatusResponse, check_hot_seat,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The committed schema of `type_name`, as written by `cargo xtask codegen`.
fn validator(type_name: &str) -> jsonschema::Validator {
    let path = root()
        .join("../schema/srs")
        .join(format!("{type_name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path:?}: {err}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn round_trip<T: Serialize + DeserializeOwned>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone()).unwrap();
    serde_json::to_value(&typed).unwrap()
}

fn round_trip_as(type_name: &str, value: &Value) -> Value {
    match type_name {
        "LoginConfiguration" => round_trip::<LoginConfiguration>(value),
        "ConfigItem" => round_trip::<ConfigItem>(value),
        "OperationRequest" => round_trip::<OperationRequest>(value),
        "MeRequest" => round_trip::<MeRequest>(value),
        "StatusResponse" => round_trip::<StatusResponse>(value),
        "SessionSnapshot" => round_trip::<SessionSnapshot>(value),
        other => panic!("no decoder registered for fixture folder {other}"),
    }
}

fn decodes_as(type_name: &str, value: &Value) -> bool {
    match type_name {
        "LoginConfiguration" => serde_json::from_value::<LoginConfiguration>(value.clone()).is_ok(),
        "ConfigItem" => serde_json::from_value::<ConfigItem>(value.clone()).is_ok(),
        "OperationRequest" => serde_json::from_value::<OperationRequest>(value.clone()).is_ok(),
        "MeRequest" => serde_json::from_value::<MeRequest>(value.clone()).is_ok(),
        "Device" => serde_json::from_value::<Device>(value.clone()).is_ok(),
        other => panic!("no decoder registered for {other}"),
    }
}

#[test]
fn every_fixture_round_trips_and_validates_against_its_schema() {
    let dir = root().join("tests/fixtures/srs");
    let mut checked = 0;
    for folder in std::fs::read_dir(&dir).unwrap() {
        let folder = folder.unwrap().path();
        let type_name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let validator = validator(&type_name);
        for file in std::fs::read_dir(&folder).unwrap() {
            let file = file.unwrap().path();
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or_else(|err| panic!("{file:?}: {err}"));
            assert_eq!(
                round_trip_as(&type_name, &value),
                value,
                "{file:?} round trip"
            );
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{file:?} against {type_name}.json: {errors:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked, 16,
        "fixture count changed; update this number deliberately"
    );
}

#[test]
fn serde_and_schema_reject_the_same_invalid_payloads() {
    let cases = [
        (
            "LoginConfiguration",
            json!({"name": "server", "value": "https://a"}),
        ),
        (
            "LoginConfiguration",
            json!([{"name": "server", "value": 443}]),
        ),
        ("LoginConfiguration", json!([{"name": "server"}])),
        ("LoginConfiguration", json!([{"value": "https://a"}])),
        ("LoginConfiguration", json!([{"name": 7, "value": "x"}])),
        ("LoginConfiguration", json!(["server", "https://a"])),
        (
            "ConfigItem",
            json!({"name": "server", "value": "https://a", "extra": 1}),
        ),
        ("ConfigItem", json!({"name": "place", "value": ["Place_1"]})),
        (
            "ConfigItem",
            json!({"name": "devices", "value": [{"dn": "7101"}]}),
        ),
        (
            "ConfigItem",
            json!({"name": "devices", "value": [{"dn": "7101", "switch": 1}]}),
        ),
        (
            "ConfigItem",
            json!({"name": "devices", "value": {"dn": "7101", "switch": "S"}}),
        ),
        (
            "ConfigItem",
            json!({"name": "devices", "value": [{"dn": "1", "switch": "S", "port": 2}]}),
        ),
        (
            "Device",
            json!({"dn": "7101", "switch": "SIP", "site": "x"}),
        ),
        (
            "OperationRequest",
            json!({"operation": "EndContactCenterSession"}),
        ),
        ("OperationRequest", json!({"operationName": 3})),
        ("MeRequest", json!("EndContactCenterSession")),
        ("MeRequest", json!(null)),
        ("MeRequest", json!([{"name": "place"}])),
    ];
    for (type_name, value) in cases {
        assert!(
            !decodes_as(type_name, &value),
            "serde accepted {type_name} {value}"
        );
        assert!(
            !validator(type_name).is_valid(&value),
            "schema accepted {type_name} {value}"
        );
    }
}

#[test]
fn unknown_names_and_values_are_kept_typed_as_other() {
    let config: LoginConfiguration = serde_json::from_value(json!([
        {"name": "server", "value": "https://a.example"},
        {"name": "agent_login_code", "value": {"code": "1234"}}
    ]))
    .unwrap();
    assert_eq!(
        config.items[0],
        ConfigItem::Server("https://a.example".into())
    );
    assert_eq!(
        config.items[1],
        ConfigItem::Other {
            name: "agent_login_code".into(),
            value: json!({"code": "1234"})
        }
    );
    let op: OperationRequest =
        serde_json::from_value(json!({"operationName": "Ready", "reason": 1})).unwrap();
    assert_eq!(op.operation_name, OperationName::from("Ready"));
    assert!(!op.operation_name.is_known());
    assert_eq!(op.extra.get("reason"), Some(&json!(1)));
    let snapshot: SessionSnapshot = serde_json::from_value(json!({
        "state": "suspended", "csrfProtected": false, "recording": "idle", "logins": 0, "pings": 0
    }))
    .unwrap();
    assert_eq!(snapshot.state, SessionState::from("suspended"));
    assert_eq!(snapshot.state.as_str(), "suspended");
    assert!(!snapshot.state.is_known());
}

#[test]
fn decoding_errors_name_the_item_and_the_fix() {
    let err = MeRequest::from_slice(
        br#"[{"name":"server","value":"https://a"},{"name":"devices","value":[{"dn":"1"}]}]"#,
    )
    .unwrap_err();
    assert!(err.starts_with("item 1 (`devices`)"), "{err}");
    assert!(err.contains("missing field `switch`"), "{err}");
    let err = MeRequest::from_slice(b"[{\"name\":\"place\",\"value\":5}]").unwrap_err();
    assert_eq!(
        err,
        "item 0 (`place`): `value` must be a string, got a number"
    );
    let err = MeRequest::from_slice(b"{\"operationName\":").unwrap_err();
    assert!(err.starts_with("the body is not valid JSON"), "{err}");
    let err = MeRequest::from_slice(b"42").unwrap_err();
    assert!(
        err.contains("JSON array (login configuration) or an object"),
        "{err}"
    );
    let err = MeRequest::from_slice(b"{}").unwrap_err();
    assert!(err.contains("operationName"), "{err}");
}

#[test]
fn me_request_splits_login_and_logout_by_shape() {
    let logout = MeRequest::from_slice(br#"{"operationName": "EndContactCenterSession"}"#).unwrap();
    assert_eq!(
        logout,
        MeRequest::Operation(OperationRequest::end_contact_center_session())
    );
    let login = MeRequest::from_slice(br#"[{"name":"server","value":"https://a"}]"#).unwrap();
    assert!(matches!(login, MeRequest::Login(config) if config.items.len() == 1));
}

fn two_dn_place() -> Place {
    Place::new(
        "Place_7101",
        vec![
            Device::new("7101", "SIP_Main"),
            Device::new("7102", "SIP_Main"),
        ],
    )
}

#[test]
fn hot_seating_rules_are_checked_before_sending() {
    let place = two_dn_place();
    let server = "https://rws-a.corp.example:8443";
    assert_eq!(
        LoginRequest::hot_seating(server, &place, vec![]).unwrap_err(),
        HotSeatingError::DevicesRequired {
            place: "Place_7101".into(),
            count: 2
        }
    );
    let err = LoginRequest::hot_seating(server, &place, vec![Device::new("9999", "SIP_Main")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`devices`[0] (dn \"9999\" on switch \"SIP_Main\") does not belong to place \
         \"Place_7101\"; every device must be a DN of the selected place"
    );
    // Same DN on another switch is another device.
    assert!(matches!(
        LoginRequest::hot_seating(server, &place, vec![Device::new("7101", "SIP_Other")]),
        Err(HotSeatingError::DeviceNotInPlace { position: 0, .. })
    ));
    assert!(matches!(
        check_hot_seat(
            &place,
            &[
                Device::new("7101", "SIP_Main"),
                Device::new("7101", "SIP_Main")
            ]
        ),
        Err(HotSeatingError::DuplicateDevice { position: 1, .. })
    ));
    assert_eq!(
        check_hot_seat(&Place::new(" ", vec![]), &[]),
        Err(HotSeatingError::EmptyPlaceName)
    );
    assert!(matches!(
        check_hot_seat(&Place::new("P", vec![]), &[]),
        Err(HotSeatingError::PlaceWithoutDevices { .. })
    ));
    // One DN: `devices` may be left out.
    let single = Place::new("Place_5001", vec![Device::new("5001", "SIP_Switch")]);
    let login = LoginRequest::hot_seating(server, &single, vec![]).unwrap();
    assert_eq!(
        serde_json::to_value(login.to_configuration()).unwrap(),
        json!([{"name": "server", "value": server}, {"name": "place", "value": "Place_5001"}])
    );
    for bad in [
        "rws.example.com",
        "ftp://rws",
        "https://",
        "https://:443",
        "",
    ] {
        assert!(
            matches!(
                LoginRequest::default_place(bad),
                Err(HotSeatingError::InvalidServerUrl {
                    field: "server",
                    ..
                })
            ),
            "{bad:?} accepted"
        );
    }
    assert!(matches!(
        LoginRequest::default_place(server)
            .unwrap()
            .with_peer_server("dc2"),
        Err(HotSeatingError::InvalidServerUrl {
            field: "peer_server",
            ..
        })
    ));
}

#[test]
fn hot_seating_by_place_name_alone_sends_place_without_devices() {
    let server = "https://rws-a.corp.example:8443";
    // The desktop knows the place's name but not its DN list.
    let login = LoginRequest::hot_seating_by_name(server, "Place_5001").unwrap();
    assert_eq!(
        serde_json::to_value(login.to_configuration()).unwrap(),
        json!([{"name": "server", "value": server}, {"name": "place", "value": "Place_5001"}])
    );
    assert_eq!(login.seat.place(), Some("Place_5001"));
    assert_eq!(
        LoginRequest::hot_seating_by_name(server, "  ").unwrap_err(),
        HotSeatingError::EmptyPlaceName
    );
    assert!(matches!(
        LoginRequest::hot_seating_by_name("rws", "Place_5001"),
        Err(HotSeatingError::InvalidServerUrl {
            field: "server",
            ..
        })
    ));
    // A place switch keeps `server` and `peer_server` and replaces only the seat.
    let moved = LoginRequest::default_place(server)
        .unwrap()
        .with_peer_server("https://rws-b.corp.example")
        .unwrap()
        .with_seat(Seat::by_place_name("Place_9").unwrap());
    assert_eq!(
        serde_json::to_value(moved.to_configuration()).unwrap(),
        json!([
            {"name": "server", "value": server},
            {"name": "peer_server", "value": "https://rws-b.corp.example"},
            {"name": "place", "value": "Place_9"}
        ])
    );
    // The error for a place built without DNs points to the by-name login.
    let err = LoginRequest::hot_seating(server, &Place::new("P", vec![]), vec![]).unwrap_err();
    assert!(err.to_string().contains("hot_seating_by_name"), "{err}");
    assert_eq!(
        Seat::at_place(&two_dn_place(), vec![]).unwrap_err(),
        HotSeatingError::DevicesRequired {
            place: "Place_7101".into(),
            count: 2
        }
    );
}

#[test]
fn received_configurations_are_read_into_settings() {
    let read =
        |value: Value| LoginSettings::from_configuration(&serde_json::from_value(value).unwrap());
    let settings = read(json!([
        {"name": "place", "value": "Place_7101"},
        {"name": "server", "value": "https://a.example"},
        {"name": "devices", "value": [{"dn": "7101", "switch": "SIP_Main"}]},
        {"name": "x_custom", "value": true}
    ]))
    .unwrap();
    assert_eq!(settings.server, "https://a.example");
    assert_eq!(settings.place.as_deref(), Some("Place_7101"));
    assert_eq!(settings.devices, vec![Device::new("7101", "SIP_Main")]);
    assert_eq!(settings.other.len(), 1);
    assert_eq!(
        read(json!([{"name": "place", "value": "P"}])),
        Err(ConfigurationError::MissingServer)
    );
    assert_eq!(
        read(json!([
            {"name": "server", "value": "https://a"},
            {"name": "server", "value": "https://b"}
        ])),
        Err(ConfigurationError::DuplicateName {
            name: "server".into(),
            first: 0,
            position: 1
        })
    );
    assert_eq!(
        read(json!([
            {"name": "server", "value": "https://a"},
            {"name": "devices", "value": []}
        ])),
        Err(ConfigurationError::DevicesWithoutPlace { position: 1 })
    );
    assert!(matches!(
        read(json!([{"name": "server", "value": "not a url"}])),
        Err(ConfigurationError::HotSeating(
            HotSeatingError::InvalidServerUrl { .. }
        ))
    ));
}

#[test]
fn snapshots_of_built_requests() {
    let place = two_dn_place();
    let hot = LoginRequest::hot_seating(
        "https://rws-a.corp.example:8443",
        &place,
        vec![Device::new("7102", "SIP_Main")],
    )
    .unwrap()
    .with_peer_server("https://rws-b.corp.example:8443")
    .unwrap();
    insta::assert_json_snapshot!("hot_seating_login", hot.to_configuration());
    let default = LoginRequest::default_place("https://myserver.com:443").unwrap();
    insta::assert_json_snapshot!("default_place_login", default.to_configuration());
    let failover = hot.fail_over_to("https://rws-b.corp.example:8443").unwrap();
    insta::assert_json_snapshot!("failover_login", failover.to_configuration());
    insta::assert_json_snapshot!("logout", OperationRequest::end_contact_center_session());
    insta::assert_json_snapshot!(
        "csrf_rejection",
        StatusResponse::error(403, agentdesk_protocol::srs::CSRF_REJECTION)
    );
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    fn device() -> impl Strategy<Value = Device> {
        ("[0-9]{1,5}", "[A-Za-z_]{1,8}").prop_map(|(dn, switch)| Device::new(dn, switch))
    }

    fn item() -> impl Strategy<Value = ConfigItem> {
        prop_oneof![
            "https://[a-z]{1,8}\\.example(:[0-9]{2,4})?".prop_map(ConfigItem::Server),
            "https://[a-z]{1,8}\\.example".prop_map(ConfigItem::PeerServer),
            "[A-Za-z_0-9]{0,10}".prop_map(ConfigItem::Place),
            proptest::collection::vec(device(), 0..4).prop_map(ConfigItem::Devices),
            ("x_[a-z]{1,6}", any::<i32>()).prop_map(|(name, n)| ConfigItem::Other {
                name,
                value: json!({ "n": n }),
            }),
        ]
    }

    proptest! {
        #[test]
        fn any_configuration_round_trips_and_matches_its_schema(
            items in proptest::collection::vec(item(), 0..6)
        ) {
            let config = LoginConfiguration::new(items);
            let value = serde_json::to_value(&config).unwrap();
            let back: LoginConfiguration = serde_json::from_value(value.clone()).unwrap();
            prop_assert_eq!(&back, &config);
            prop_assert!(validator("LoginConfiguration").is_valid(&value));
        }

        #[test]
        fn the_body_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = MeRequest::from_slice(&bytes);
        }

        #[test]
        fn serde_and_schema_agree_on_small_json_items(
            name in prop_oneof![Just("server"), Just("place"), Just("devices"), Just("other")],
            value in prop_oneof![
                Just(json!(null)), Just(json!(1)), Just(json!("s")), Just(json!([])),
                Just(json!([{"dn": "1", "switch": "S"}])), Just(json!([{"dn": 1}])),
                Just(json!({})),
            ],
            extra in any::<bool>(),
        ) {
            let mut item = json!({ "name": name, "value": value });
            if extra {
                item["more"] = json!(1);
            }
            let serde_ok = serde_json::from_value::<ConfigItem>(item.clone()).is_ok();
            prop_assert_eq!(serde_ok, validator("ConfigItem").is_valid(&item), "{}", item);
        }
    }
}
