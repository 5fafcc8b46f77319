//! `subscriptions.jsonl`: subscribe, events, unsubscribe, messenger.

use serde_json::json;

use super::{APP, case, done, event, failure, request, subscribe, subscribed, unsubscribe};
use crate::conformance::format::{Case, Limits, Scenario};

fn ring() -> Scenario {
    Scenario::IncomingCall {
        ani: "+15550100".into(),
        dnis: "5001".into(),
        user_data: serde_json::Map::new(),
    }
}

fn ready() -> Scenario {
    Scenario::ChangeAgentState {
        operation_name: "Ready".into(),
    }
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "subscriptions/ack",
            "A subscription is acknowledged with a subscriptionId; events of its names follow.",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["agent", "interaction"]))
        .expect(vec![("a", subscribed("1", "subscription-1"))])
        .scenario(10, ready())
        .build(),
        case(
            "subscriptions/unknown-name",
            "A subscription naming an unknown event fails, naming it, and subscribes nothing.",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["agent", "weather"]))
        .expect(vec![(
            "a",
            failure("1", "Cannot subscribe to this event: weather"),
        )])
        .scenario(10, ready())
        .expect_nothing()
        .build(),
        case(
            "subscriptions/fan-out",
            "An event reaches every frame subscribed to its name, and only those.",
        )
        .frame("a", APP)
        .frame("b", APP)
        .frame("c", APP)
        .send(0, "a", subscribe("1", &["interaction"]))
        .send(0, "b", subscribe("1", &["interaction", "agent"]))
        .send(0, "c", subscribe("1", &["agent"]))
        .scenario(10, ring())
        .build(),
        case(
            "subscriptions/once-per-frame",
            "An event reaches a frame once, however many of its subscriptions name it.",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["media"]))
        .expect(vec![("a", subscribed("1", "subscription-1"))])
        .send(0, "a", subscribe("2", &["media", "agent"]))
        .expect(vec![("a", subscribed("2", "subscription-2"))])
        .scenario(10, ready())
        .build(),
        case(
            "subscriptions/unsubscribe",
            "unsubscribe is not answered; the frame's other subscriptions keep delivering.",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["agent"]))
        .send(0, "a", subscribe("2", &["media"]))
        .send(10, "a", unsubscribe("3", "subscription-1"))
        .expect_nothing()
        .scenario(20, ready())
        .build(),
        case(
            "subscriptions/response-before-events",
            "The response to a request comes before the events it caused.",
        )
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["interaction"]))
        .send(10, "a", request("2", "voice.dial", json!(["5551234"])))
        .build(),
        case(
            "subscriptions/messenger-broadcast",
            "messenger.broadcastMessage reaches the other frames subscribed to messenger:<channel>; the sender gets an empty success.",
        )
        .frame("a", APP)
        .frame("b", APP)
        .frame("c", APP)
        .frame("d", APP)
        .send(0, "a", subscribe("1", &["messenger:crm"]))
        .send(0, "b", subscribe("1", &["messenger:crm"]))
        .send(0, "c", subscribe("1", &["messenger:crm"]))
        .send(0, "d", subscribe("1", &["messenger:billing"]))
        .send(10, "a", request("2", "messenger.broadcastMessage", json!(["crm", {"customer": 42}])))
        .expect(vec![
            ("a", done("2")),
            ("b", event("messenger:crm", json!({"customer": 42}))),
            ("c", event("messenger:crm", json!({"customer": 42}))),
        ])
        .build(),
        case(
            "subscriptions/too-many",
            "Past the per-frame subscription bound a subscription fails.",
        )
        .limits(Limits {
            max_subscriptions_per_frame: Some(1),
            ..Limits::default()
        })
        .frame("a", APP)
        .send(0, "a", subscribe("1", &["agent"]))
        .send(0, "a", subscribe("2", &["media"]))
        .expect(vec![(
            "a",
            failure(
                "2",
                "Too many subscriptions for this frame (limit 1); unsubscribe first.",
            ),
        )])
        .build(),
    ]
}
