//! The sans-IO engine: policy decisions, subscriptions, fan-out, filtering and limits,
//! driven with a virtual clock and a scripted back end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use agentdesk_protocol::policy::{self, Timestamp};
use agentdesk_protocol::scapi::events::{
    Event, InteractionChange, InteractionEventType, StateChanged, StateEvent,
};
use agentdesk_protocol::scapi::types::Interaction;
use agentdesk_protocol::scapi::{Payload, Request, ServiceMessage};
use agentdesk_server::engine::{
    Engine, EngineConfig, FrameId, MAX_MESSENGER_CHANNEL_BYTES, Output, Verdict,
};
use agentdesk_server::workspace::{Reply, WorkspaceError};
use serde_json::{Value, json};

const APP: &str = "http://app.example";
const OTHER_APP: &str = "http://crm.example";
const FOREIGN: &str = "http://evil.example";

const OPTIONS: &str = "
[interaction-workspace]
service-client-api.accepted-web-content-origins=http://app.example, http://crm.example (agent.*, messenger.*, interaction.setUserData)
service-client-api.rate-limit.voice.dial=4
service-client-api.rate-limit-quarantine-delay=30
service-client-api.user-data.read-allowed=Key1,Key2,Key3
service-client-api.user-data.write-allowed=Key1,Key3
";

/// An engine with a scripted back end that answers every dispatch at once.
struct Harness {
    engine: Engine,
    now: Timestamp,
    dispatched: Vec<String>,
}

/// What one frame received.
type Inbox = Vec<Value>;

impl Harness {
    fn new(options: &str, trace: bool) -> Self {
        let policy = policy::parse(options).unwrap().policy;
        let mut config = EngineConfig::default();
        config.trace = trace;
        // 2026-11-22T10:00:00Z, the start of a calendar minute.
        Self {
            engine: Engine::new(policy, config),
            now: Timestamp::from_secs(1_795_341_600),
            dispatched: Vec::new(),
        }
    }

    fn connect(&mut self, origin: &str) -> (FrameId, Inbox) {
        let (frame, out) = self.engine.register_frame(origin, None, self.now).unwrap();
        let inbox = self.run(out).remove(&frame).unwrap_or_default();
        (frame, inbox)
    }

    fn advance(&mut self, secs: u64) {
        self.now = self.now.plus_secs(secs);
    }

    /// Sends a message and returns what each frame received.
    fn send(
        &mut self,
        frame: FrameId,
        origin: &str,
        message: Value,
    ) -> std::collections::BTreeMap<FrameId, Inbox> {
        let out = self
            .engine
            .handle(frame, origin, &message.to_string(), self.now);
        self.run(out)
    }

    /// Sends a message and returns what the sender received.
    fn ask(&mut self, frame: FrameId, origin: &str, message: Value) -> Inbox {
        self.send(frame, origin, message)
            .remove(&frame)
            .unwrap_or_default()
    }

    fn run(&mut self, out: Vec<Output>) -> std::collections::BTreeMap<FrameId, Inbox> {
        let mut inboxes: std::collections::BTreeMap<FrameId, Inbox> = Default::default();
        let mut queue = out;
        while !queue.is_empty() {
            let mut next = Vec::new();
            for output in queue {
                match output {
                    Output::Send { frames, message } => {
                        for frame in frames {
                            inboxes.entry(frame).or_default().push(message.to_value());
                        }
                    }
                    Output::Dispatch { call, request, .. } => {
                        self.dispatched.push(request.name().to_owned());
                        next.extend(self.engine.complete(call, answer(&request), self.now));
                    }
                    _ => {}
                }
            }
            queue = next;
        }
        inboxes
    }
}

/// The scripted back end.
fn answer(request: &Request) -> Reply {
    let interaction =
        json!({ "interactionId": "1", "userData": { "Key1": "a", "Key2": "b", "Secret": "s" } });
    match request {
        Request::AgentGet(_) => Reply::data(json!({ "username": "jdoe" })),
        Request::InteractionGetInteractions(_) => Reply::data(json!([interaction])),
        Request::InteractionSetUserData(_) => {
            let mut changed = Interaction::new("1");
            changed.user_data = Some(
                [
                    ("Key1".to_owned(), json!("x")),
                    ("Secret".to_owned(), json!("s")),
                ]
                .into(),
            );
            Reply::done().with_events([Event::Interaction(
                agentdesk_protocol::scapi::events::InteractionEvent::Change(
                    InteractionChange::new(InteractionEventType::AttachedDataChanged, changed),
                ),
            )])
        }
        Request::AgentSetState(_) => Reply::done().with_events([Event::Agent(
            StateEvent::StateChanged(StateChanged::new("READY".into())),
        )]),
        Request::VoiceDial(_) => Reply::done(),
        _ => Reply::error(WorkspaceError::new("scripted back end: no answer")),
    }
}

fn request(name: &str, parameters: Value, reference_id: &str) -> Value {
    json!({ "request": name, "parameters": parameters, "referenceId": reference_id, "userAgent": "WWE Client", "protocolVersion": 2 })
}

fn subscribe(names: Value, reference_id: &str) -> Value {
    json!({ "event": "subscribe", "data": names, "referenceId": reference_id, "userAgent": "WWE Client", "protocolVersion": 2 })
}

#[test]
fn accepted_frames_get_the_handshake_and_foreign_ones_nothing() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, inbox) = h.connect(APP);
    assert_eq!(
        inbox,
        vec![
            json!({ "frameId": frame.to_string(), "userAgent": "WWE Server", "protocolVersion": 2 })
        ]
    );
    let (_, inbox) = h.connect(FOREIGN);
    assert!(inbox.is_empty());
}

#[test]
fn an_allowed_request_reaches_the_back_end_and_is_answered() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let inbox = h.ask(frame, APP, request("agent.get", json!([]), "0"));
    assert_eq!(
        inbox,
        vec![
            json!({ "referenceId": "0", "data": { "username": "jdoe" }, "userAgent": "WWE Server", "protocolVersion": 2 })
        ]
    );
    assert_eq!(h.dispatched, ["agent.get"]);
}

#[test]
fn filters_deny_and_foreign_origins_are_ignored() {
    let mut h = Harness::new(OPTIONS, false);
    let (crm, _) = h.connect(OTHER_APP);
    let inbox = h.ask(
        crm,
        OTHER_APP,
        request("voice.dial", json!(["5551234", null]), "1"),
    );
    assert_eq!(
        inbox[0]["errorMessage"],
        "The request 'voice.dial' is not allowed for the origin 'http://crm.example'."
    );
    assert!(inbox[0].get("request").is_none());
    let (evil, _) = h.connect(FOREIGN);
    assert!(
        h.ask(evil, FOREIGN, request("agent.get", json!([]), "2"))
            .is_empty()
    );
    assert!(
        h.ask(evil, FOREIGN, subscribe(json!(["agent"]), "3"))
            .is_empty()
    );
    assert!(
        h.ask(
            evil,
            FOREIGN,
            json!({ "request": "voice.dial", "parameters": {}, "referenceId": "4" })
        )
        .is_empty()
    );
    assert!(h.dispatched.is_empty());
}

#[test]
fn the_origin_comes_from_the_transport_not_the_message() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(FOREIGN);
    let mut claimed = request("agent.get", json!([]), "0");
    claimed["origin"] = json!(APP);
    assert!(h.ask(frame, FOREIGN, claimed).is_empty());
}

#[test]
fn rate_limit_answers_once_then_ignores_until_the_quarantine_ends() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    for i in 0..4 {
        let inbox = h.ask(
            frame,
            APP,
            request("voice.dial", json!(["5551234", null]), &i.to_string()),
        );
        assert!(
            inbox[0].get("errorMessage").is_none(),
            "dial {i} should pass"
        );
    }
    let refused = h.ask(
        frame,
        APP,
        request("voice.dial", json!(["5551234", null]), "4"),
    );
    assert_eq!(
        refused,
        vec![json!({
            "referenceId": "4",
            "errorMessage": "The rate limit for the request 'voice.dial' has been reached.\nFurther requests of the same type will be ignored for 30 seconds.",
            "request": "voice.dial",
            "userAgent": "WWE Server",
            "protocolVersion": 2
        })]
    );
    assert!(
        h.ask(
            frame,
            APP,
            request("voice.dial", json!(["5551234", null]), "5")
        )
        .is_empty()
    );
    // Other request types are not quarantined.
    assert_eq!(
        h.ask(frame, APP, request("agent.get", json!([]), "6"))
            .len(),
        1
    );
    // The next calendar minute and the end of the quarantine: dialing works again.
    h.advance(60);
    let inbox = h.ask(
        frame,
        APP,
        request("voice.dial", json!(["5551234", null]), "7"),
    );
    assert!(inbox[0].get("errorMessage").is_none(), "{inbox:?}");
    assert_eq!(
        h.dispatched.iter().filter(|n| *n == "voice.dial").count(),
        5
    );
}

#[test]
fn user_data_writes_outside_the_allow_list_are_refused_whole() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let inbox = h.ask(
        frame,
        APP,
        request(
            "interaction.setUserData",
            json!(["1", { "Key1": "x", "Key2": "y", "Other": 1 }]),
            "0",
        ),
    );
    let message = inbox[0]["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Key2") && message.contains("Other") && !message.contains("Key1"),
        "{message}"
    );
    let inbox = h.ask(
        frame,
        APP,
        request(
            "interaction.attachUserData",
            json!(["1", { "Key2": "y" }]),
            "1",
        ),
    );
    assert!(inbox[0]["errorMessage"].as_str().unwrap().contains("Key2"));
    let inbox = h.ask(
        frame,
        APP,
        request("interaction.deleteUserData", json!(["1", "Key2"]), "2"),
    );
    assert!(inbox[0]["errorMessage"].as_str().unwrap().contains("Key2"));
    assert!(
        h.dispatched.is_empty(),
        "nothing may be written: {:?}",
        h.dispatched
    );
}

#[test]
fn results_and_events_are_filtered_by_the_read_allow_list() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let inbox = h.ask(
        frame,
        APP,
        request("interaction.getInteractions", json!([]), "0"),
    );
    assert_eq!(
        inbox[0]["data"][0]["userData"],
        json!({ "Key1": "a", "Key2": "b" })
    );
    h.ask(frame, APP, subscribe(json!("interaction"), "1"));
    let inbox = h.ask(
        frame,
        APP,
        request(
            "interaction.setUserData",
            json!(["1", { "Key1": "x" }]),
            "2",
        ),
    );
    assert_eq!(inbox.len(), 2, "response then event: {inbox:?}");
    assert!(inbox[0].get("event").is_none());
    assert_eq!(inbox[1]["data"]["eventType"], "ATTACHED_DATA_CHANGED");
    assert_eq!(
        inbox[1]["data"]["interaction"]["userData"],
        json!({ "Key1": "x" })
    );
}

#[test]
fn subscriptions_route_events_to_subscribers_only() {
    let mut h = Harness::new(OPTIONS, false);
    let (a, _) = h.connect(APP);
    let (b, _) = h.connect(APP);
    let ack = h.ask(a, APP, subscribe(json!(["agent", "interaction"]), "0"));
    let subscription = ack[0]["subscriptionId"].as_str().unwrap().to_owned();
    assert_eq!(ack[0]["referenceId"], "0");
    assert!(ack[0].get("data").is_none());
    h.ask(a, APP, subscribe(json!("agent"), "1"));
    let out = h.send(b, APP, request("agent.setState", json!(["Ready"]), "2"));
    assert_eq!(
        out[&a].len(),
        1,
        "once per frame, however many subscriptions name it"
    );
    assert_eq!(out[&a][0]["event"], "agent");
    assert_eq!(
        out[&b].len(),
        1,
        "the sender is not subscribed: only its response"
    );
    // Unsubscribing one of the two agent subscriptions keeps the other.
    let out = h.send(
        a,
        APP,
        json!({ "event": "unsubscribe", "data": subscription, "referenceId": "3" }),
    );
    assert!(out.is_empty(), "unsubscribe is not answered");
    let out = h.send(b, APP, request("agent.setState", json!(["Ready"]), "4"));
    assert_eq!(out[&a].len(), 1);
    let published = h.engine.publish(
        Event::Interaction(agentdesk_protocol::scapi::events::InteractionEvent::Change(
            InteractionChange::new(InteractionEventType::Added, Interaction::new("9")),
        )),
        h.now,
    );
    assert!(
        h.run(published).is_empty(),
        "nobody is subscribed to interaction any more"
    );
}

#[test]
fn unknown_event_names_fail_the_subscription() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let inbox = h.ask(frame, APP, subscribe(json!(["agent", "workitem"]), "0"));
    assert_eq!(
        inbox[0]["errorMessage"],
        "Cannot subscribe to this event: workitem"
    );
    let out = h.send(frame, APP, request("agent.setState", json!(["Ready"]), "1"));
    assert_eq!(
        out[&frame].len(),
        1,
        "the failed subscription subscribed nothing"
    );
}

#[test]
fn messenger_broadcasts_reach_the_other_subscribed_frames() {
    let mut h = Harness::new(OPTIONS, false);
    let (a, _) = h.connect(APP);
    let (b, _) = h.connect(OTHER_APP);
    let (c, _) = h.connect(APP);
    h.ask(a, APP, subscribe(json!(["messenger:crm-sync"]), "0"));
    h.ask(b, OTHER_APP, subscribe(json!(["messenger:crm-sync"]), "0"));
    h.ask(c, APP, subscribe(json!(["messenger:other"]), "0"));
    let out = h.send(
        a,
        APP,
        request(
            "messenger.broadcastMessage",
            json!(["crm-sync", { "ticket": 42 }]),
            "1",
        ),
    );
    assert_eq!(
        out[&a],
        vec![json!({ "referenceId": "1", "userAgent": "WWE Server", "protocolVersion": 2 })]
    );
    assert_eq!(
        out[&b],
        vec![
            json!({ "event": "messenger:crm-sync", "data": { "ticket": 42 }, "userAgent": "WWE Server", "protocolVersion": 2 })
        ]
    );
    assert!(!out.contains_key(&c));
    assert!(h.dispatched.is_empty());
}

#[test]
fn allowed_services_come_from_the_policy() {
    let mut h = Harness::new(OPTIONS, false);
    let (crm, _) = h.connect(OTHER_APP);
    let inbox = h.ask(
        crm,
        OTHER_APP,
        request("system.getAllowedServices", json!([]), "0"),
    );
    // crm.example has no system.* filter, so it may not even ask.
    assert!(inbox[0]["errorMessage"].is_string());
    let (app, _) = h.connect(APP);
    let inbox = h.ask(
        app,
        APP,
        request("system.getAllowedServices", json!([]), "1"),
    );
    let allowed: Vec<String> = serde_json::from_value(inbox[0]["data"].clone()).unwrap();
    assert!(allowed.contains(&"voice.dial".to_owned()));
    assert!(
        !allowed.contains(&"auth.getJwtToken".to_owned()),
        "the JWT must be named explicitly"
    );
}

#[test]
fn malformed_messages_get_a_clear_failure_or_are_dropped() {
    let mut h = Harness::new(OPTIONS, true);
    let (frame, _) = h.connect(APP);
    let inbox = h.ask(
        frame,
        APP,
        json!({ "request": "voice.dial", "parameters": [{ "number": 5551234 }], "referenceId": "0" }),
    );
    let message = inbox[0]["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid message: $.parameters[0]: expected a string"),
        "{message}"
    );
    assert!(
        h.ask(frame, APP, json!({ "request": "agent.get" }))
            .is_empty()
    );
    let out = h.engine.handle(frame, APP, "{not json", h.now);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Trace(t) if t.verdict == Verdict::Dropped))
    );
    assert!(!out.iter().any(|o| matches!(o, Output::Send { .. })));
    let huge = "x".repeat(EngineConfig::default().max_message_bytes + 1);
    let out = h.engine.handle(frame, APP, &huge, h.now);
    assert!(matches!(&out[..], [Output::Trace(t)] if t.reason.contains("exceeds the limit")));
    // The engine keeps serving.
    assert_eq!(
        h.ask(frame, APP, request("agent.get", json!([]), "1"))[0]["data"]["username"],
        "jdoe"
    );
}

#[test]
fn limits_bound_frames_subscriptions_and_pending_requests() {
    let policy = policy::parse(OPTIONS).unwrap().policy;
    let mut config = EngineConfig::default();
    config.max_frames = 1;
    config.max_subscriptions_per_frame = 1;
    config.max_pending_per_frame = 1;
    let mut engine = Engine::new(policy, config);
    let now = Timestamp::from_secs(0);
    let (frame, _) = engine.register_frame(APP, None, now).unwrap();
    assert!(engine.register_frame(APP, None, now).is_err());
    let first = engine.handle(frame, APP, &subscribe(json!("agent"), "0").to_string(), now);
    assert!(
        matches!(&first[..], [Output::Send { message, .. }] if matches!(**message, ServiceMessage::Success(_)))
    );
    let second = engine.handle(frame, APP, &subscribe(json!("media"), "1").to_string(), now);
    assert!(
        matches!(&second[..], [Output::Send { message, .. }] if matches!(**message, ServiceMessage::Failure(_)))
    );
    let first = engine.handle(
        frame,
        APP,
        &request("agent.get", json!([]), "2").to_string(),
        now,
    );
    assert!(matches!(&first[..], [Output::Dispatch { .. }]));
    let second = engine.handle(
        frame,
        APP,
        &request("agent.get", json!([]), "3").to_string(),
        now,
    );
    let [Output::Send { message, .. }] = &second[..] else {
        panic!("{second:?}")
    };
    let ServiceMessage::Failure(failure) = &**message else {
        panic!()
    };
    assert!(
        failure
            .error_message
            .contains("Too many requests are pending")
    );
}

#[test]
fn answers_for_closed_frames_are_dropped() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let out = h.engine.handle(
        frame,
        APP,
        &request("agent.get", json!([]), "0").to_string(),
        h.now,
    );
    let [Output::Dispatch { call, .. }] = &out[..] else {
        panic!()
    };
    h.engine.unregister_frame(frame);
    assert!(h.engine.complete(*call, Reply::done(), h.now).is_empty());
}

#[test]
fn traces_name_the_decision_and_the_rule() {
    let mut h = Harness::new(OPTIONS, true);
    let (crm, _) = h.connect(OTHER_APP);
    let out = h.engine.handle(
        crm,
        OTHER_APP,
        &request("voice.dial", json!(["1", null]), "0").to_string(),
        h.now,
    );
    let traces: Vec<_> = out
        .iter()
        .filter_map(|o| {
            if let Output::Trace(t) = o {
                Some(t)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(traces[0].verdict, Verdict::Denied);
    assert!(
        traces[0]
            .reason
            .contains("none of its filters grants the request"),
        "{}",
        traces[0].reason
    );
    assert_eq!(traces[1].verdict, Verdict::Failed);
    let record = serde_json::to_value(traces[0]).unwrap();
    assert_eq!(record["direction"], "inbound");
    assert_eq!(record["message"]["request"], "voice.dial");
}

#[test]
fn traces_say_which_parameters_were_converted() {
    let mut h = Harness::new(OPTIONS, true);
    let (frame, _) = h.connect(APP);
    let inbound = |out: &[Output]| {
        out.iter()
            .find_map(|o| match o {
                Output::Trace(t) if t.direction == agentdesk_server::engine::Direction::Inbound => {
                    Some((t.verdict, t.reason.clone()))
                }
                _ => None,
            })
            .unwrap()
    };
    let out = h.engine.handle(
        frame,
        APP,
        &request("agent.setState", json!([1]), "0").to_string(),
        h.now,
    );
    let (verdict, reason) = inbound(&out);
    assert_eq!(verdict, Verdict::Allowed);
    assert!(
        reason.ends_with(" (coerced: argument 0 `stateOperationName`: number 1 → \"1\")"),
        "{reason}"
    );
    // The back end gets the converted request.
    let dispatched = out.iter().find_map(|o| match o {
        Output::Dispatch { request, .. } => Some(request.to_parameters()),
        _ => None,
    });
    assert_eq!(dispatched, Some(vec![json!("1")]));
    // Denied requests say it too; unconverted ones say nothing.
    let (crm, _) = h.connect(OTHER_APP);
    let out = h.engine.handle(
        crm,
        OTHER_APP,
        &request("voice.answer", json!([7]), "1").to_string(),
        h.now,
    );
    let (verdict, reason) = inbound(&out);
    assert_eq!(verdict, Verdict::Denied);
    assert!(
        reason.ends_with("(coerced: argument 0 `interactionId`: number 7 → \"7\")"),
        "{reason}"
    );
    let out = h.engine.handle(
        frame,
        APP,
        &request("agent.setState", json!(["Ready"]), "2").to_string(),
        h.now,
    );
    assert!(!inbound(&out).1.contains("coerced"));
}

#[test]
fn tab_events_reach_only_the_frames_of_that_tab() {
    use agentdesk_protocol::scapi::events::{FrameState, FrameStateChanged, SystemEvent};
    let policy = policy::parse(OPTIONS).unwrap().policy;
    let mut engine = Engine::new(policy, EngineConfig::default());
    let now = Timestamp::from_secs(0);
    let (first, _) = engine
        .register_frame(APP, Some("tab-1".into()), now)
        .unwrap();
    let (second, _) = engine
        .register_frame(APP, Some("tab-2".into()), now)
        .unwrap();
    for frame in [first, second] {
        engine.handle(
            frame,
            APP,
            &subscribe(json!("system"), "0").to_string(),
            now,
        );
    }
    let event = Event::System(SystemEvent::FrameState(FrameStateChanged::new(
        FrameState::Following,
    )));
    let out = engine.publish_to_tab(event, "tab-2", now);
    let [Output::Send { frames, .. }] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(frames, &vec![second]);
}

#[test]
fn a_new_policy_or_a_navigation_re_decides_the_frame() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    assert_eq!(
        h.ask(frame, APP, request("agent.get", json!([]), "0"))
            .len(),
        1
    );

    let only_crm = "[interaction-workspace]\nservice-client-api.accepted-web-content-origins=http://crm.example\n";
    h.engine.set_policy(policy::parse(only_crm).unwrap().policy);
    assert!(
        h.ask(frame, APP, request("agent.get", json!([]), "1"))
            .is_empty(),
        "the connected frame's origin is no longer accepted"
    );

    // The window navigates to an accepted origin: a fresh handshake, then its requests are
    // answered again.
    let inbox = h.ask(frame, OTHER_APP, request("agent.get", json!([]), "2"));
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    assert_eq!(inbox[0]["frameId"], frame.to_string());
    assert_eq!(inbox[1]["referenceId"], "2");
    assert_eq!(h.dispatched, ["agent.get", "agent.get"]);
}

#[test]
fn shared_results_are_filtered_without_touching_the_kept_answer() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    let kept =
        Payload::new(json!([{ "interactionId": "1", "userData": { "Key1": "a", "Secret": "s" } }]));
    let agent = Payload::new(json!({ "username": "jdoe" }));
    let mut answers = Vec::new();
    for (name, payload) in [
        ("interaction.getInteractions", &kept),
        ("agent.get", &agent),
    ] {
        let out = h.engine.handle(
            frame,
            APP,
            &request(name, json!([]), name).to_string(),
            h.now,
        );
        let Some(Output::Dispatch { call, .. }) = out.into_iter().next() else {
            panic!("{name} is dispatched");
        };
        let out = h
            .engine
            .complete(call, Reply::shared(payload.clone()), h.now);
        let Some(Output::Send { message, .. }) = out.into_iter().next() else {
            panic!("{name} is answered");
        };
        answers.push(message.to_value());
    }
    assert_eq!(
        answers[0]["data"],
        json!([{ "interactionId": "1", "userData": { "Key1": "a" } }])
    );
    assert_eq!(answers[1]["data"], json!({ "username": "jdoe" }));
    assert_eq!(
        kept[0]["userData"]["Secret"], "s",
        "the back end's copy keeps every key"
    );
}

fn interaction_added(id: &str) -> Event {
    Event::Interaction(agentdesk_protocol::scapi::events::InteractionEvent::Change(
        InteractionChange::new(InteractionEventType::Added, Interaction::new(id)),
    ))
}

/// Every frame that got something from `out`.
fn recipients(out: &[Output]) -> Vec<FrameId> {
    let mut frames: Vec<FrameId> = out
        .iter()
        .filter_map(|o| match o {
            Output::Send { frames, .. } => Some(frames.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    frames.sort();
    frames.dedup();
    frames
}

#[test]
fn a_frame_that_navigates_to_a_foreign_origin_gets_nothing_more() {
    let mut h = Harness::new(OPTIONS, true);
    let (frame, _) = h.connect(APP);
    let (other, _) = h.connect(APP);
    h.ask(
        frame,
        APP,
        subscribe(json!(["interaction", "messenger:sync"]), "0"),
    );
    h.ask(other, APP, subscribe(json!(["messenger:sync"]), "0"));
    // A request still with the back end when the window navigates.
    let out = h.engine.handle(
        frame,
        APP,
        &request("agent.get", json!([]), "1").to_string(),
        h.now,
    );
    let [Output::Trace(_), Output::Dispatch { call, .. }] = &out[..] else {
        panic!("{out:?}")
    };
    let call = *call;

    // The new page speaks: no handshake, no answer, and the navigation is traced.
    let out = h.engine.handle(
        frame,
        FOREIGN,
        &subscribe(json!(["interaction"]), "2").to_string(),
        h.now,
    );
    assert!(recipients(&out).is_empty(), "{out:?}");
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::Trace(t) if t.verdict == Verdict::Navigated && t.reason.contains(APP))),
        "{out:?}"
    );
    assert_eq!(h.engine.frame_info(frame).unwrap().0, FOREIGN);
    assert!(h.engine.subscribed_names(frame).is_empty());

    // The previous page's subscriptions, answers and broadcasts do not reach it.
    let out = h.engine.publish(interaction_added("7"), h.now);
    assert!(recipients(&out).is_empty(), "{out:?}");
    let out = h
        .engine
        .complete(call, Reply::data(json!({ "username": "jdoe" })), h.now);
    assert!(recipients(&out).is_empty(), "{out:?}");
    let out = h.send(
        other,
        APP,
        request(
            "messenger.broadcastMessage",
            json!(["sync", { "n": 1 }]),
            "3",
        ),
    );
    assert_eq!(out.keys().copied().collect::<Vec<_>>(), [other]);
    assert!(
        h.ask(frame, FOREIGN, request("agent.get", json!([]), "4"))
            .is_empty()
    );
    assert_eq!(h.engine.unaccepted_frames(), 1);
}

#[test]
fn a_frame_that_navigates_to_an_accepted_origin_is_a_new_frame() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    h.ask(frame, APP, subscribe(json!(["interaction", "agent"]), "0"));
    let inbox = h.ask(frame, OTHER_APP, request("agent.get", json!([]), "1"));
    assert_eq!(
        inbox,
        vec![
            json!({ "frameId": frame.to_string(), "userAgent": "WWE Server", "protocolVersion": 2 }),
            json!({ "referenceId": "1", "data": { "username": "jdoe" }, "userAgent": "WWE Server", "protocolVersion": 2 }),
        ],
        "a fresh handshake before the first answer"
    );
    // What the previous page subscribed to is gone; the new page subscribes for itself.
    assert!(h.engine.subscribed_names(frame).is_empty());
    let out = h.engine.publish(interaction_added("7"), h.now);
    assert!(recipients(&out).is_empty());
    h.ask(frame, OTHER_APP, subscribe(json!("interaction"), "2"));
    let out = h.engine.publish(interaction_added("8"), h.now);
    assert_eq!(recipients(&out), [frame]);
    assert_eq!(h.engine.unaccepted_frames(), 0);
}

#[test]
fn a_navigation_does_not_end_a_quarantine() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    for i in 0..5 {
        h.ask(
            frame,
            APP,
            request("voice.dial", json!(["5551234", null]), &i.to_string()),
        );
    }
    // Away and back: a new page of the same origin, still in the session's quarantine.
    h.ask(frame, FOREIGN, request("agent.get", json!([]), "5"));
    let inbox = h.ask(
        frame,
        APP,
        request("voice.dial", json!(["5551234", null]), "6"),
    );
    assert_eq!(inbox.len(), 1, "only the handshake: {inbox:?}");
    assert!(inbox[0]["frameId"].is_string());
}

#[test]
fn nothing_reaches_a_frame_whose_origin_the_policy_withdrew() {
    let mut h = Harness::new(OPTIONS, false);
    let (frame, _) = h.connect(APP);
    h.ask(frame, APP, subscribe(json!("interaction"), "0"));
    let out = h.engine.handle(
        frame,
        APP,
        &request("agent.get", json!([]), "1").to_string(),
        h.now,
    );
    let Some(Output::Dispatch { call, .. }) = out.into_iter().next() else {
        panic!()
    };
    let only_crm = "[interaction-workspace]\nservice-client-api.accepted-web-content-origins=http://crm.example\n";
    h.engine.set_policy(policy::parse(only_crm).unwrap().policy);
    assert_eq!(h.engine.unaccepted_frames(), 1);
    assert!(recipients(&h.engine.complete(call, Reply::done(), h.now)).is_empty());
    assert!(recipients(&h.engine.publish(interaction_added("7"), h.now)).is_empty());
    // Accepted again: the subscription it kept delivers again.
    h.engine.set_policy(policy::parse(OPTIONS).unwrap().policy);
    assert_eq!(
        recipients(&h.engine.publish(interaction_added("8"), h.now)),
        [frame]
    );
}

#[test]
fn unaccepted_frames_cannot_fill_the_frame_limit() {
    use agentdesk_server::engine::EngineError;
    let policy = policy::parse(OPTIONS).unwrap().policy;
    let mut config = EngineConfig::default();
    config.max_frames = 2;
    config.max_unaccepted_frames = 2;
    let mut engine = Engine::new(policy, config);
    let now = Timestamp::from_secs(0);
    let (foreign, _) = engine.register_frame(FOREIGN, None, now).unwrap();
    engine.register_frame("null", None, now).unwrap();
    assert_eq!(
        engine.register_frame(FOREIGN, None, now).unwrap_err(),
        EngineError::TooManyUnacceptedFrames { limit: 2 }
    );
    // Accepted apps still connect, up to their own limit.
    let (app, out) = engine.register_frame(APP, None, now).unwrap();
    assert_eq!(recipients(&out), [app], "the handshake");
    engine.register_frame(OTHER_APP, None, now).unwrap();
    assert_eq!(
        engine.register_frame(APP, None, now).unwrap_err(),
        EngineError::TooManyFrames { limit: 2 }
    );
    // A closed foreign page frees its own kind of slot only.
    engine.unregister_frame(foreign);
    assert!(engine.register_frame(APP, None, now).is_err());
    engine.register_frame(FOREIGN, None, now).unwrap();
    // An accepted app that navigates away moves to the unaccepted count (over its cap, so
    // no new foreign frame) and frees an accepted slot.
    engine.handle(app, FOREIGN, "{}", now);
    assert_eq!(engine.unaccepted_frames(), 3);
    assert!(engine.register_frame(FOREIGN, None, now).is_err());
    engine.register_frame(APP, None, now).unwrap();
}

#[test]
fn only_deliverable_names_are_stored_within_bounds() {
    let policy = policy::parse(OPTIONS).unwrap().policy;
    let mut config = EngineConfig::default();
    config.max_subscribed_names_per_frame = 3;
    let mut h = Harness::new(OPTIONS, false);
    h.engine = Engine::new(policy, config);
    let (frame, _) = h.connect(APP);

    let inbox = h.ask(frame, APP, subscribe(json!(["agent", "workitem"]), "0"));
    assert_eq!(
        inbox[0]["errorMessage"],
        "Cannot subscribe to this event: workitem"
    );
    let long = format!("messenger:{}", "c".repeat(MAX_MESSENGER_CHANNEL_BYTES + 1));
    let inbox = h.ask(frame, APP, subscribe(json!([long]), "1"));
    let message = inbox[0]["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Cannot subscribe to this event: messenger:ccc")
            && message.contains(&format!("at most {MAX_MESSENGER_CHANNEL_BYTES} bytes"))
            && message.len() < 200,
        "{message}"
    );
    let longest = format!("messenger:{}", "c".repeat(MAX_MESSENGER_CHANNEL_BYTES));
    let inbox = h.ask(
        frame,
        APP,
        subscribe(json!([longest, "agent", "agent"]), "2"),
    );
    let subscription = inbox[0]["subscriptionId"].as_str().unwrap().to_owned();
    assert_eq!(
        h.engine.subscribed_names(frame),
        ["agent", longest.as_str()]
    );

    // Two more names would make four: refused whole, with what to do.
    let inbox = h.ask(frame, APP, subscribe(json!(["interaction", "media"]), "3"));
    assert_eq!(
        inbox[0]["errorMessage"],
        "Too many event names subscribed for this frame: this subscription would make 4 in all, the limit is 3; unsubscribe from names you no longer need first, or subscribe to fewer messenger channels."
    );
    assert_eq!(h.engine.subscribed_names(frame).len(), 2);
    let out = h.engine.publish(interaction_added("1"), h.now);
    assert!(recipients(&out).is_empty());
    // Unsubscribing frees the names.
    h.send(
        frame,
        APP,
        json!({ "event": "unsubscribe", "data": subscription, "referenceId": "4" }),
    );
    assert!(h.engine.subscribed_names(frame).is_empty());
    let inbox = h.ask(
        frame,
        APP,
        subscribe(json!(["interaction", "media", "agent"]), "5"),
    );
    assert!(inbox[0]["subscriptionId"].is_string(), "{inbox:?}");
    assert_eq!(
        recipients(&h.engine.publish(interaction_added("2"), h.now)),
        [frame]
    );
}

#[test]
fn events_reach_exactly_the_current_subscribers() {
    let mut h = Harness::new(OPTIONS, false);
    let frames: Vec<FrameId> = (0..5).map(|_| h.connect(APP).0).collect();
    let mut ids = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        // A frame naming many messenger channels costs the others nothing.
        let mut names: Vec<String> = (0..100).map(|c| format!("messenger:c{c}")).collect();
        if i % 2 == 0 {
            names.push("interaction".into());
        }
        let inbox = h.ask(*frame, APP, subscribe(json!(names), "0"));
        ids.push(inbox[0]["subscriptionId"].as_str().unwrap().to_owned());
    }
    let out = h.engine.publish(interaction_added("1"), h.now);
    assert_eq!(recipients(&out), [frames[0], frames[2], frames[4]]);
    h.send(
        frames[2],
        APP,
        json!({ "event": "unsubscribe", "data": ids[2], "referenceId": "1" }),
    );
    h.engine.unregister_frame(frames[4]);
    let out = h.engine.publish(interaction_added("2"), h.now);
    assert_eq!(recipients(&out), [frames[0]]);
    let out = h.send(
        frames[1],
        APP,
        request("messenger.broadcastMessage", json!(["c42", {}]), "2"),
    );
    let mut reached: Vec<FrameId> = out.keys().copied().collect();
    reached.sort();
    assert_eq!(
        reached,
        [frames[0], frames[1], frames[3]],
        "the sender gets its answer"
    );
}

#[test]
fn event_families_follow_the_origin_request_filter() {
    let options = "service-client-api.accepted-web-content-origins=http://app.example (agent.*), http://crm.example";
    let mut h = Harness::new(options, false);
    let (narrow, _) = h.connect(APP);
    let (wide, _) = h.connect(OTHER_APP);
    // An origin granted only agent.* may not subscribe to interaction: the failure says why.
    let refused = h.ask(narrow, APP, subscribe(json!(["agent", "interaction"]), "0"));
    let message = refused[0]["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("interaction") && message.contains("accepted-web-content-origins"),
        "{message}"
    );
    assert!(
        h.engine.subscribed_names(narrow).is_empty(),
        "refused whole"
    );
    h.ask(narrow, APP, subscribe(json!(["agent"]), "1"));
    h.ask(
        wide,
        OTHER_APP,
        subscribe(json!(["agent", "interaction"]), "2"),
    );
    let call = Event::Interaction(agentdesk_protocol::scapi::events::InteractionEvent::Change(
        InteractionChange::new(InteractionEventType::Added, Interaction::new("9")),
    ));
    let out = h.engine.publish(call.clone(), h.now);
    let inboxes = h.run(out);
    assert!(!inboxes.contains_key(&narrow));
    assert_eq!(inboxes[&wide][0]["event"], "interaction");

    // Narrowing the policy later also narrows delivery of what was subscribed before.
    let narrowed = policy::parse(
        "service-client-api.accepted-web-content-origins=http://app.example (agent.*), http://crm.example (agent.*)",
    )
    .unwrap()
    .policy;
    h.engine.set_policy(narrowed);
    let out = h.engine.publish(call, h.now);
    assert!(
        h.run(out).is_empty(),
        "no frame may receive interaction now"
    );
}

/// Views of every kind: `Panel` and `CrmTab` in Workspace tabs of their own, `Popup` and the
/// interaction-level `Side` not.
const VIEW_OPTIONS: &str = "
[interaction-workspace]
service-client-api.accepted-web-content-origins=http://app.example, http://crm.example (agent.*)
service-client-api.rate-limit.agent.get=2
workspace.web-content=Panel,Popup,CrmTab
interaction.web-content=Side

[Panel]
url=http://app.example/panel
mode=tab

[Popup]
url=http://app.example/popup
mode=popup

[CrmTab]
url=http://crm.example/

[Side]
url=http://app.example/side
";

impl Harness {
    /// A harness whose engine knows the views of `options`.
    fn with_views(options: &str) -> Self {
        let parsed = agentdesk_protocol::config::parse(options).unwrap();
        let mut h = Self::new(options, true);
        h.engine.set_views(parsed.configuration.views());
        h
    }

    fn connect_view(&mut self, origin: &str, view: &str) -> FrameId {
        let (frame, out) = self
            .engine
            .register_view_frame(origin, None, Some(view.into()), self.now)
            .unwrap();
        self.run(out);
        frame
    }

    /// Sends a message; returns what the sender received and the inbound trace records'
    /// verdicts and reasons.
    fn ask_traced(
        &mut self,
        frame: FrameId,
        origin: &str,
        message: Value,
    ) -> (Inbox, Vec<(Verdict, String)>) {
        let out = self
            .engine
            .handle(frame, origin, &message.to_string(), self.now);
        let traced = out
            .iter()
            .filter_map(|output| match output {
                Output::Trace(record)
                    if record.direction == agentdesk_server::engine::Direction::Inbound =>
                {
                    Some((record.verdict, record.reason.clone()))
                }
                _ => None,
            })
            .collect();
        let inbox = self.run(out).remove(&frame).unwrap_or_default();
        (inbox, traced)
    }
}

const OWN_TAB_RULE: &str =
    "own-tab view `Panel`: a view in its own Workspace tab may only use voice.dial";

#[test]
fn an_own_tab_view_may_only_dial() {
    let mut h = Harness::with_views(VIEW_OPTIONS);
    let panel = h.connect_view(APP, "Panel");
    assert_eq!(h.engine.own_tab_view(panel), Some("Panel"));

    let (inbox, _) = h.ask_traced(panel, APP, request("voice.dial", json!(["5551234"]), "0"));
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].get("errorMessage").is_none(), "{inbox:?}");
    assert_eq!(h.dispatched, ["voice.dial"]);

    for (reference, name) in [("1", "agent.get"), ("2", "system.getAllowedServices")] {
        let (inbox, traced) = h.ask_traced(panel, APP, request(name, json!([]), reference));
        assert_eq!(traced, [(Verdict::Denied, OWN_TAB_RULE.to_owned())]);
        assert_eq!(
            inbox[0]["errorMessage"],
            format!(
                "The request '{name}' is not allowed for the origin '{APP}': the view `Panel` is shown in its own Workspace tab, where only voice.dial is allowed."
            )
        );
    }
    let (inbox, traced) = h.ask_traced(panel, APP, subscribe(json!(["agent", "system"]), "3"));
    assert_eq!(traced[0].0, Verdict::Denied);
    assert_eq!(
        inbox[0]["errorMessage"],
        format!("Cannot subscribe to this event: agent, system ({OWN_TAB_RULE})")
    );
    assert_eq!(h.engine.subscribed_names(panel), Vec::<&str>::new());
    assert_eq!(h.dispatched, ["voice.dial"]);

    // Refused requests are not counted: the limit of two agent.get a minute is still whole
    // for the frames that may ask.
    for reference in ["4", "5", "6"] {
        h.ask(panel, APP, request("agent.get", json!([]), reference));
    }
    let (plain, _) = h.connect(APP);
    for reference in ["7", "8"] {
        let inbox = h.ask(plain, APP, request("agent.get", json!([]), reference));
        assert_eq!(inbox[0]["data"]["username"], "jdoe", "{inbox:?}");
    }
}

#[test]
fn the_origin_filters_decide_before_the_own_tab_rule() {
    let mut h = Harness::with_views(VIEW_OPTIONS);
    // CrmTab's origin is granted agent.* only: dialing is the filter's refusal.
    let crm = h.connect_view(OTHER_APP, "CrmTab");
    let (inbox, traced) = h.ask_traced(crm, OTHER_APP, request("voice.dial", json!(["1"]), "0"));
    assert_eq!(traced[0].0, Verdict::Denied);
    assert!(
        traced[0].1.starts_with(
            "service-client-api.accepted-web-content-origins: entry `http://crm.example (agent.*)` matches the origin but none"
        ),
        "{traced:?}"
    );
    assert_eq!(
        inbox[0]["errorMessage"],
        "The request 'voice.dial' is not allowed for the origin 'http://crm.example'."
    );
    let (_, traced) = h.ask_traced(crm, OTHER_APP, request("agent.get", json!([]), "1"));
    assert_eq!(
        traced[0],
        (
            Verdict::Denied,
            "own-tab view `CrmTab`: a view in its own Workspace tab may only use voice.dial".into()
        )
    );
    // An origin no entry accepts is still ignored.
    let foreign = h.connect_view(FOREIGN, "Panel");
    let (inbox, traced) = h.ask_traced(foreign, FOREIGN, request("agent.get", json!([]), "2"));
    assert!(inbox.is_empty());
    assert_eq!(traced[0].0, Verdict::Ignored);
    let (inbox, _) = h.ask_traced(foreign, FOREIGN, subscribe(json!(["agent"]), "3"));
    assert!(inbox.is_empty());
}

#[test]
fn only_views_in_a_tab_of_their_own_are_restricted_by_the_configuration_in_force() {
    let mut h = Harness::with_views(VIEW_OPTIONS);
    for view in ["Popup", "Side", "NoSuchView"] {
        let frame = h.connect_view(APP, view);
        assert_eq!(h.engine.own_tab_view(frame), None, "{view}");
        let inbox = h.ask(frame, APP, request("agent.get", json!([]), "0"));
        assert_eq!(inbox[0]["data"]["username"], "jdoe", "{view}: {inbox:?}");
        h.advance(60);
    }
    assert!(!h.engine.knows_view("NoSuchView"));

    // A reloaded file that shows Panel as a popup lifts the restriction from the next
    // message on.
    let panel = h.connect_view(APP, "Panel");
    let (_, traced) = h.ask_traced(panel, APP, request("agent.get", json!([]), "1"));
    assert_eq!(traced[0].0, Verdict::Denied);
    let reloaded = VIEW_OPTIONS.replace("mode=tab", "mode=popup");
    let parsed = agentdesk_protocol::config::parse(&reloaded).unwrap();
    h.engine.set_views(parsed.configuration.views());
    assert_eq!(h.engine.own_tab_view(panel), None);
    let inbox = h.ask(panel, APP, request("agent.get", json!([]), "2"));
    assert_eq!(inbox[0]["data"]["username"], "jdoe", "{inbox:?}");
}
