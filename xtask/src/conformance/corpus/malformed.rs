//! `malformed.jsonl`: input the service cannot decode.

use serde_json::json;

use super::{APP, case, done, not_allowed, rate_limited, request};
use crate::conformance::format::{Case, Limits};

const OTHER: &str = "https://other.example";

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "malformed/not-json",
            "Text that is not JSON has no referenceId to answer: it is dropped.",
        )
        .frame("a", APP)
        .send_raw(0, "a", "{\"request\": \"agent.get\", ")
        .expect_nothing()
        .send_raw(10, "a", "hello")
        .expect_nothing()
        .build(),
        case(
            "malformed/bad-parameters",
            "A request whose parameters do not fit its signature is answered with a failure naming the problem.",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "agent.setState", json!([{"name": 42}])))
        .send(10, "a", request("2", "voice.dial", json!([])))
        .build(),
        case(
            "malformed/no-reference-id",
            "A malformed request without referenceId is dropped; nobody could match an answer.",
        )
        .frame("a", APP)
        .send(0, "a", json!({"request": "agent.setState", "parameters": [{"name": 42}]}))
        .expect_nothing()
        .send(10, "a", json!({"parameters": []}))
        .expect_nothing()
        .build(),
        case(
            "malformed/unknown-request",
            "A well-formed request whose name is not in the table is refused by the back end.",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "agent.fly", json!([])))
        .build(),
        case(
            "malformed/denied-before-decoding",
            "A malformed request is decided by the policy on its name first: not granted is not granted.",
        )
        .options(&format!("service-client-api.accepted-web-content-origins={APP} (agent.*)\n"))
        .frame("a", APP)
        .send(0, "a", request("1", "voice.dial", json!([{"name": 42}])))
        .expect(vec![("a", not_allowed("1", "voice.dial", APP))])
        .build(),
        case(
            "malformed/counts-against-rate-limit",
            "A malformed request counts against its request's limit like a well-formed one.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit.agent.setState=1\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "agent.setState", json!(["Ready"])))
        .expect(vec![("a", done("1"))])
        .send(10, "a", request("2", "agent.setState", json!([{"name": 42}])))
        .expect(vec![("a", rate_limited("2", "agent.setState", 30))])
        .build(),
        case(
            "malformed/unaccepted-origin",
            "Malformed input from an origin no entry accepts is ignored like everything else from it.",
        )
        .options(&format!("service-client-api.accepted-web-content-origins={APP}\n"))
        .frame("x", OTHER)
        .expect_nothing()
        .send(0, "x", request("1", "agent.setState", json!([{"name": 42}])))
        .expect_nothing()
        .send_raw(10, "x", "not json")
        .expect_nothing()
        .build(),
        case(
            "malformed/oversized",
            "A message over the size bound is dropped unread, even with a referenceId.",
        )
        .limits(Limits {
            max_message_bytes: Some(128),
            ..Limits::default()
        })
        .frame("a", APP)
        .send_raw(
            0,
            "a",
            &format!(
                "{{\"request\":\"voice.dial\",\"parameters\":[\"{}\"],\"referenceId\":\"1\"}}",
                "5".repeat(128)
            ),
        )
        .expect_nothing()
        .send_raw(10, "a", "{\"request\":\"agent.getState\",\"referenceId\":\"2\"}")
        .build(),
    ]
}
