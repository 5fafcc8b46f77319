//! The generated schemas and the serde decoders agree on what is valid.

use std::path::Path;

use agentdesk_protocol::scapi::{ClientMessage, ServiceMessage};
use agentdesk_protocol::schema::catalog;
use serde_json::Value;

use crate::errors::{invalid_client_messages, invalid_service_messages};
use crate::fixtures;

fn validator(path: &str) -> jsonschema::Validator {
    let entry = catalog().into_iter().find(|e| e.path == path).unwrap();
    jsonschema::validator_for(&entry.document()).unwrap()
}

#[test]
fn every_schema_is_a_valid_draft_2020_12_schema() {
    for entry in catalog() {
        jsonschema::validator_for(&entry.document())
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path));
    }
}

#[test]
fn the_checked_in_schemas_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema");
    for entry in catalog() {
        let on_disk: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(&entry.path)).unwrap())
                .unwrap();
        assert_eq!(
            on_disk,
            entry.document(),
            "schema/{} is stale: run cargo xtask codegen",
            entry.path
        );
    }
}

#[test]
fn every_fixture_validates() {
    let client = validator("scapi/client-message.json");
    for (name, value) in fixtures("client") {
        let errors: Vec<String> = client
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let service = validator("scapi/service-message.json");
    for (name, value) in fixtures("service") {
        let errors: Vec<String> = service
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn per_request_schemas_accept_the_fixture_parameters() {
    for (name, value) in fixtures("client") {
        let Some(request) = name.strip_prefix("request.").filter(|n| !n.contains('-')) else {
            continue;
        };
        let params = validator(&format!("scapi/requests/{request}.params.json"));
        let slots = value
            .get("parameters")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        assert!(params.is_valid(&slots), "{name}: {slots}");
    }
}

#[test]
fn invalid_messages_are_rejected_by_serde_and_by_the_schema() {
    let client = validator("scapi/client-message.json");
    let service = validator("scapi/service-message.json");
    let mut count = 0;
    for (value, _) in invalid_client_messages() {
        assert!(
            ClientMessage::decode(&value).is_err(),
            "serde accepted {value}"
        );
        assert!(!client.is_valid(&value), "schema accepted {value}");
        count += 1;
    }
    for (value, _) in invalid_service_messages() {
        assert!(
            ServiceMessage::decode(&value).is_err(),
            "serde accepted {value}"
        );
        assert!(!service.is_valid(&value), "schema accepted {value}");
        count += 1;
    }
    assert!(count >= 20);
}
