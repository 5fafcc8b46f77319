//! `seeds.jsonl`: the examples of the Service Client API documentation, as written there.

use serde_json::json;

use super::{case, done, failure, handshake, not_allowed, rate_limited, request, subscribe};
use crate::conformance::format::{Case, Scenario};

const S0: &str = "http://my-web-server0";
const S1: &str = "http://my-web-server1";
const S2: &str = "http://my-web-server2";
const S3: &str = "http://my-web-server3";
const PAGE: &str = "http://my-web-server";

pub(super) fn cases() -> Vec<Case> {
    vec![
        four_origins(),
        rate_limit_sample(),
        user_data_sample(),
        hello_world(),
    ]
}

/// "http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*,
/// voice.dial), http://my-web-server3 (agent.*, interaction.*)".
fn four_origins() -> Case {
    let mut builder = case(
        "seeds/four-origins",
        "The documented origins example: server0 and server1 may do everything, server2 only agent.* and voice.dial, server3 only agent.* and interaction.*; other origins are ignored.",
    )
    .options(&format!(
        "service-client-api.accepted-web-content-origins={S0}, {S1} (*), {S2} (agent.*, voice.dial), {S3} (agent.*, interaction.*)\n"
    ))
    .frame("s0", S0)
    .expect(vec![("s0", handshake(1))])
    .frame("s1", S1)
    .frame("s2", S2)
    .frame("s3", S3)
    .frame("x", "http://my-web-server4")
    .expect_nothing();
    let mut at = 0;
    for (frame, origin) in [("s0", S0), ("s1", S1), ("s2", S2), ("s3", S3)] {
        at += 100;
        builder = builder.send(at, frame, request("1", "agent.getState", json!([])));
        builder = builder.send(at, frame, request("2", "voice.dial", json!(["5551234"])));
        if frame == "s3" {
            builder = builder.expect(vec![(frame, not_allowed("2", "voice.dial", origin))]);
        }
        builder = builder.send(
            at,
            frame,
            request("3", "interaction.getInteractions", json!([])),
        );
        if frame == "s2" {
            builder = builder.expect(vec![(
                frame,
                not_allowed("3", "interaction.getInteractions", origin),
            )]);
        }
        builder = builder.send(
            at,
            frame,
            request("4", "email.create", json!(["kim@example.com"])),
        );
        if frame == "s2" || frame == "s3" {
            builder = builder.expect(vec![(frame, not_allowed("4", "email.create", origin))]);
        }
    }
    builder
        .send(500, "s2", request("5", "agent.setState", json!(["Ready"])))
        .expect(vec![("s2", done("5"))])
        .send(
            500,
            "s2",
            request("6", "system.getAllowedServices", json!([])),
        )
        .expect(vec![(
            "s2",
            not_allowed("6", "system.getAllowedServices", S2),
        )])
        .send(500, "x", request("1", "agent.get", json!([])))
        .expect_nothing()
        .build()
}

/// `rate-limit=0`, `rate-limit.voice.dial=4`, `rate-limit.email.create=2`, and the failure
/// text of the first refused request.
fn rate_limit_sample() -> Case {
    let mut builder = case(
        "seeds/rate-limit-sample",
        "The documented rate-limit sample: no global limit, voice.dial 4 and email.create 2 per minute; the first refusal carries the documented errorMessage and the refused request's name (the documentation's sample shows `agent.getState` there, agentdesk names the request refused), later ones are ignored for the default 30 seconds.",
    )
    .options(
        "service-client-api.accepted-web-content-origins=*\n\
         service-client-api.rate-limit=0\n\
         service-client-api.rate-limit.voice.dial=4\n\
         service-client-api.rate-limit.email.create=2\n",
    )
    .frame("a", PAGE);
    for n in 1..=4u64 {
        builder = builder.send(
            n * 1000,
            "a",
            request(
                &format!("d{n}"),
                "voice.dial",
                json!([format!("555000{n}")]),
            ),
        );
    }
    builder = builder
        .send(5_000, "a", request("d5", "voice.dial", json!(["5550005"])))
        .expect(vec![("a", rate_limited("d5", "voice.dial", 30))])
        .send(34_999, "a", request("d6", "voice.dial", json!(["5550006"])))
        .expect_nothing();
    for n in 1..=2u64 {
        builder = builder.send(
            40_000 + n,
            "a",
            request(&format!("e{n}"), "email.create", json!(["kim@example.com"])),
        );
    }
    builder = builder
        .send(
            40_003,
            "a",
            request("e3", "email.create", json!(["kim@example.com"])),
        )
        .expect(vec![("a", rate_limited("e3", "email.create", 30))]);
    for n in 1..=10u64 {
        builder = builder.send(
            50_000 + n,
            "a",
            request(&format!("g{n}"), "system.triggerActivity", json!([])),
        );
        builder = builder.expect(vec![("a", done(&format!("g{n}")))]);
    }
    builder
        .send(60_000, "a", request("d7", "voice.dial", json!(["5550007"])))
        .build()
}

/// `user-data.write-allowed=Key1,Key3`, `user-data.read-allowed=Key1,Key2,Key3`, and the
/// documented `setUserData("1", {MyKEY1, MyKEY2})` call.
fn user_data_sample() -> Case {
    case(
        "seeds/user-data-sample",
        "The documented attached-data sample: Key1, Key2 and Key3 are readable, only Key1 and Key3 writable; the documented setUserData call with MyKEY1 and MyKEY2 is refused under it.",
    )
    .options(
        "service-client-api.accepted-web-content-origins=*\n\
         service-client-api.user-data.write-allowed=Key1,Key3\n\
         service-client-api.user-data.read-allowed=Key1,Key2,Key3\n",
    )
    .frame("a", PAGE)
    .scenario(
        0,
        Scenario::IncomingCall {
            ani: "+15550100".into(),
            dnis: "5001".into(),
            user_data: json!({"Key1": "v1", "Key2": "v2", "Key4": "v4"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        },
    )
    .send(10, "a", request("1", "interaction.setUserData", json!(["1", {"MyKEY1": "MyValue1", "MyKEY2": "MyValue2"}])))
    .expect(vec![("a", failure("1", "The request 'interaction.setUserData' was refused: writing the user data keys 'MyKEY1', 'MyKEY2' is not allowed. Nothing was written."))])
    .send(20, "a", request("2", "interaction.setUserData", json!(["1", {"Key1": "new", "Key3": "v3"}])))
    .expect(vec![("a", done("2"))])
    .send(30, "a", request("3", "interaction.setUserData", json!(["1", {"Key2": "new"}])))
    .expect(vec![("a", failure("3", "The request 'interaction.setUserData' was refused: writing the user data keys 'Key2' is not allowed. Nothing was written."))])
    .send(40, "a", request("4", "interaction.getByInteractionId", json!(["1"])))
    .build()
}

/// The "Working with the API" page: `sendMessage({request: "agent.get"})` and
/// `subscribe(["agent", "interaction"])`, then the agent goes Ready.
fn hello_world() -> Case {
    case(
        "seeds/hello-world",
        "The documented sample page: agent.get, a subscription to agent and interaction, then the agent goes Ready and a call rings.",
    )
    .options(&format!("service-client-api.accepted-web-content-origins={PAGE}\n"))
    .frame("a", PAGE)
    .send(0, "a", json!({"request": "agent.get", "referenceId": "1", "userAgent": "WWE Client", "protocolVersion": 2}))
    .send(10, "a", subscribe("2", &["agent", "interaction"]))
    .scenario(20, Scenario::ChangeAgentState { operation_name: "Ready".into() })
    .scenario(30, Scenario::IncomingCall {
        ani: "+15550100".into(),
        dnis: "5001".into(),
        user_data: serde_json::Map::new(),
    })
    .build()
}
