//! The request table: coverage, consistency with the typed enum and the fixtures.

use std::collections::BTreeSet;

use agentdesk_protocol::scapi::requests::{Namespace, Source, in_namespace, lookup};
use agentdesk_protocol::scapi::{REQUESTS, Request};
use serde_json::Value;

use crate::fixture_dir;

#[test]
fn the_table_covers_every_namespace_and_request() {
    assert!(REQUESTS.len() >= 78, "only {} requests", REQUESTS.len());
    let names: BTreeSet<&str> = REQUESTS.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), REQUESTS.len(), "duplicate request names");
    for namespace in Namespace::ALL {
        assert!(
            in_namespace(namespace).count() > 0,
            "{namespace:?} has no requests"
        );
    }
    let counts: Vec<(&str, usize)> = Namespace::ALL
        .iter()
        .map(|ns| (ns.as_str(), in_namespace(*ns).count()))
        .collect();
    insta::assert_debug_snapshot!("namespace_counts", counts);
}

#[test]
fn every_row_is_consistent() {
    for spec in REQUESTS {
        let (namespace, method) = spec.name.split_once('.').unwrap();
        assert_eq!(spec.namespace.as_str(), namespace, "{}", spec.name);
        assert_eq!(spec.method(), method);
        assert_eq!(Namespace::parse(namespace), Some(spec.namespace));
        assert_eq!(lookup(spec.name), Some(spec));
        // Optional parameters only trail required ones.
        assert!(
            spec.params[spec.required_params()..]
                .iter()
                .all(|p| !p.required),
            "{}",
            spec.name
        );
        if let Source::LegacyAliasOf(current) = spec.source {
            assert!(
                lookup(current).is_some(),
                "{} aliases unknown {current}",
                spec.name
            );
        }
        let decoded = Request::decode(spec.name, &[]);
        if spec.required_params() == 0 {
            let request = decoded.unwrap();
            assert_eq!(request.name(), spec.name);
            assert_eq!(request.spec().map(|s| s.type_name), Some(spec.type_name));
        } else {
            let err = decoded.unwrap_err();
            assert_eq!(err.path, "$.parameters[0]", "{}", spec.name);
            assert!(err.to_string().contains(spec.params[0].name), "{err}");
        }
    }
}

#[test]
fn doc_only_sample_only_and_legacy_requests_are_listed() {
    for name in [
        "interaction.getByBundleId",
        "interaction.getByCaseId",
        "configuration.getContextualOption",
    ] {
        assert_eq!(
            lookup(name).unwrap().source,
            Source::Documentation,
            "{name}"
        );
    }
    assert_eq!(
        lookup("auth.getPureCloudToken").unwrap().source,
        Source::Sample
    );
    for name in ["interaction.attachUserData", "interaction.updateUserData"] {
        assert_eq!(
            lookup(name).unwrap().source,
            Source::LegacyAliasOf("interaction.setUserData")
        );
    }
}

#[test]
fn every_request_has_a_fixture() {
    for spec in REQUESTS {
        let path = fixture_dir("client").join(format!("request.{}.json", spec.name));
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(value["request"], spec.name);
    }
}

#[test]
fn the_table_reads_as_documentation() {
    let lines: Vec<String> = REQUESTS
        .iter()
        .map(|spec| {
            format!(
                "{} -> {} [{} {:?}]",
                spec.signature(),
                spec.result,
                spec.since,
                spec.source
            )
        })
        .collect();
    insta::assert_snapshot!("request_table", lines.join("\n"));
}
