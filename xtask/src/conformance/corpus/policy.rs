//! `policy.jsonl`: each outcome of the security options.

use serde_json::json;

use super::{
    APP, case, done, failure, handshake, not_allowed, rate_limited, request, subscribe, success,
};
use crate::conformance::format::{Case, Scenario};

const OTHER: &str = "https://other.example";

fn ring(user_data: serde_json::Value) -> Scenario {
    Scenario::IncomingCall {
        ani: "+15550100".into(),
        dnis: "5001".into(),
        user_data: user_data.as_object().cloned().unwrap_or_default(),
    }
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "policy/allowed",
            "A request the origin's filter grants is run and answered.",
        )
        .options(&format!("service-client-api.accepted-web-content-origins={APP} (agent.*)\n"))
        .frame("a", APP)
        .expect(vec![("a", handshake(1))])
        .send(0, "a", request("1", "agent.getState", json!([])))
        .build(),
        case(
            "policy/denied-by-filter",
            "A request the origin's filter does not grant gets a failure naming request and origin.",
        )
        .options(&format!("service-client-api.accepted-web-content-origins={APP} (agent.*)\n"))
        .frame("a", APP)
        .send(0, "a", request("1", "voice.dial", json!(["5551234"])))
        .expect(vec![("a", not_allowed("1", "voice.dial", APP))])
        .send(10, "a", request("2", "interaction.getInteractions", json!([])))
        .expect(vec![("a", not_allowed("2", "interaction.getInteractions", APP))])
        .build(),
        case(
            "policy/origin-not-accepted-ignored",
            "A page whose origin no entry accepts gets no handshake and no answer to anything.",
        )
        .options(&format!("service-client-api.accepted-web-content-origins={APP}\n"))
        .frame("a", APP)
        .expect(vec![("a", handshake(1))])
        .frame("x", OTHER)
        .expect_nothing()
        .send(0, "x", request("1", "agent.get", json!([])))
        .expect_nothing()
        .send(0, "x", subscribe("2", &["agent"]))
        .expect_nothing()
        .send(0, "x", request("3", "voice.dial", json!([{"name": 42}])))
        .expect_nothing()
        .send(0, "a", request("4", "system.getAllowedServices", json!([])))
        .build(),
        case(
            "policy/jwt-requires-naming",
            "auth.getJwtToken is granted only by an entry naming it, not by `*` or `auth.*`.",
        )
        .options(&format!(
            "service-client-api.accepted-web-content-origins={APP} (*), {OTHER} (auth.getJwtToken)\n"
        ))
        .frame("a", APP)
        .frame("b", OTHER)
        .send(0, "a", request("1", "auth.getJwtToken", json!([])))
        .expect(vec![("a", not_allowed("1", "auth.getJwtToken", APP))])
        .send(0, "b", request("2", "auth.getJwtToken", json!([])))
        .build(),
        case(
            "policy/option-origin-not-listed",
            "configuration.getOption also needs the origin in option.read-allowed-web-content-origin.",
        )
        .options(&format!(
            "service-client-api.accepted-web-content-origins={APP}, {OTHER}\n\
             service-client-api.option.read-allowed-web-content-origin={OTHER}\n"
        ))
        .frame("a", APP)
        .frame("b", OTHER)
        .send(0, "a", request("1", "configuration.getOption", json!(["voice.*"])))
        .expect(vec![("a", not_allowed("1", "configuration.getOption", APP))])
        .send(0, "b", request("2", "configuration.getOption", json!(["voice.*"])))
        .build(),
        case(
            "policy/allowed-services",
            "system.getAllowedServices lists, in table order, exactly what the origin's filter grants (itself only when granted).",
        )
        .options(&format!(
            "service-client-api.accepted-web-content-origins={APP} (agent.*, voice.dial, system.getAllowedServices)\n"
        ))
        .frame("a", APP)
        .send(0, "a", request("1", "system.getAllowedServices", json!([])))
        .expect(vec![(
            "a",
            success(
                "1",
                json!([
                    "agent.get",
                    "agent.getState",
                    "agent.getStateList",
                    "agent.setState",
                    "voice.dial",
                    "system.getAllowedServices"
                ]),
            ),
        )])
        .build(),
        case(
            "policy/rate-limited-then-quarantined",
            "Past a request's limit the first refusal names it; later ones are ignored, other requests are not.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit.agent.getState=2\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "agent.getState", json!([])))
        .send(100, "a", request("2", "agent.getState", json!([])))
        .send(200, "a", request("3", "agent.getState", json!([])))
        .expect(vec![("a", rate_limited("3", "agent.getState", 30))])
        .send(300, "a", request("4", "agent.getState", json!([])))
        .expect_nothing()
        .send(400, "a", request("5", "agent.get", json!([])))
        .build(),
        case(
            "policy/global-rate-limit",
            "service-client-api.rate-limit counts every request; the refusal names the request that hit it.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit=2\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "agent.getState", json!([])))
        .send(0, "a", request("2", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("2"))])
        .send(0, "a", request("3", "media.getMediaList", json!([])))
        .expect(vec![("a", rate_limited("3", "media.getMediaList", 30))])
        .send(0, "a", request("4", "media.getMediaList", json!([])))
        .expect_nothing()
        .build(),
        case(
            "policy/window-roll-over",
            "Windows are calendar minutes: the count starts again at the next minute.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit.system.triggerActivity=2\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("1"))])
        .send(59_000, "a", request("2", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("2"))])
        .send(60_000, "a", request("3", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("3"))])
        .send(61_000, "a", request("4", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("4"))])
        .send(62_000, "a", request("5", "system.triggerActivity", json!([])))
        .expect(vec![("a", rate_limited("5", "system.triggerActivity", 30))])
        .build(),
        case(
            "policy/quarantine-expiry",
            "The quarantine lasts rate-limit-quarantine-delay seconds; after it the limit is checked again.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit.system.triggerActivity=1\n\
             service-client-api.rate-limit-quarantine-delay=10\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("1"))])
        .send(1_000, "a", request("2", "system.triggerActivity", json!([])))
        .expect(vec![("a", rate_limited("2", "system.triggerActivity", 10))])
        .send(10_999, "a", request("3", "system.triggerActivity", json!([])))
        .expect_nothing()
        .send(11_000, "a", request("4", "system.triggerActivity", json!([])))
        .expect(vec![("a", rate_limited("4", "system.triggerActivity", 10))])
        .send(20_999, "a", request("5", "system.triggerActivity", json!([])))
        .expect_nothing()
        .send(60_000, "a", request("6", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("6"))])
        .build(),
        case(
            "policy/quarantine-forever",
            "A quarantine delay of 0 ignores the request type for good (reported as `0 seconds`).",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.rate-limit.system.triggerActivity=1\n\
             service-client-api.rate-limit-quarantine-delay=0\n",
        )
        .frame("a", APP)
        .send(0, "a", request("1", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("1"))])
        .send(1_000, "a", request("2", "system.triggerActivity", json!([])))
        .expect(vec![("a", rate_limited("2", "system.triggerActivity", 0))])
        .send(3_600_000, "a", request("3", "system.triggerActivity", json!([])))
        .expect_nothing()
        .send(3_600_000, "a", request("4", "agent.getState", json!([])))
        .build(),
        case(
            "policy/user-data-write-refused",
            "Writes touching keys outside user-data.write-allowed are refused whole, naming the keys.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.user-data.write-allowed=Key1,Key3\n",
        )
        .frame("a", APP)
        .scenario(0, ring(json!({})))
        .send(10, "a", request("1", "interaction.setUserData", json!(["1", {"Key1": "a", "Key2": "b", "Key4": "d"}])))
        .expect(vec![("a", failure("1", "The request 'interaction.setUserData' was refused: writing the user data keys 'Key2', 'Key4' is not allowed. Nothing was written."))])
        .send(20, "a", request("2", "interaction.deleteUserData", json!(["1", "Key2"])))
        .expect(vec![("a", failure("2", "The request 'interaction.deleteUserData' was refused: writing the user data keys 'Key2' is not allowed. Nothing was written."))])
        .send(30, "a", request("3", "interaction.attachUserData", json!(["1", {"Key2": "b"}])))
        .expect(vec![("a", failure("3", "The request 'interaction.attachUserData' was refused: writing the user data keys 'Key2' is not allowed. Nothing was written."))])
        .send(40, "a", request("4", "interaction.setUserData", json!(["1", {"Key1": "a", "Key3": "c"}])))
        .expect(vec![("a", done("4"))])
        .send(50, "a", request("5", "interaction.getByInteractionId", json!(["1"])))
        .build(),
        case(
            "policy/user-data-read-filtered",
            "Results and events show only the keys of user-data.read-allowed.",
        )
        .options(
            "service-client-api.accepted-web-content-origins=*\n\
             service-client-api.user-data.read-allowed=Key1,Key2\n",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("s", &["interaction"]))
        .scenario(10, ring(json!({"Key1": "VIP", "Key3": "secret"})))
        .send(20, "a", request("1", "interaction.getByInteractionId", json!(["1"])))
        .send(30, "a", request("2", "interaction.getInteractions", json!([])))
        .send(40, "a", request("3", "interaction.setUserData", json!(["1", {"Key2": "x", "Key4": "y"}])))
        .build(),
    ]
}
