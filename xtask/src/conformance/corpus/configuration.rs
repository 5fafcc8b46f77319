//! `configuration.jsonl`: what the option file makes the desktop do and answer. Every option
//! of the file is readable by `configuration.getOption` (custom sections, view sections and
//! keys nobody knows, kept as written), over the desktop's own options where the file is
//! silent; `getContextualOption` lets an interaction's attached data override them;
//! `option.read-allowed-web-content-origin` narrows who may read them; behaviour options
//! (`voice.auto-answer`, `chat.auto-answer`, `voice.mark-done-on-release`, the
//! `privilege.*` options, `sipendpoint.enabled`) change what the desktop does.
//! `email.auto-answer` has no case: no email arrives at the simulated desktop.

use serde_json::{Value, json};

use super::{
    APP, Builder, case, done, failure, not_allowed, request, subscribe, subscribed, success,
};
use crate::conformance::format::{Case, Scenario};

const OTHER: &str = "https://other.example";
const THIRD: &str = "https://third.example";

/// `APP` accepted for everything, then `rest` (more lines, sections).
fn options(rest: &str) -> String {
    format!("service-client-api.accepted-web-content-origins={APP}\n{rest}")
}

fn ring(user_data: Value) -> Scenario {
    Scenario::IncomingCall {
        ani: "+15550100".into(),
        dnis: "8000".into(),
        user_data: user_data.as_object().cloned().unwrap_or_default(),
    }
}

/// One `configuration.Section` of a `getOption` answer.
fn section(name: &str, options: Value) -> Value {
    json!({ "name": name, "options": options })
}

/// A file with a custom section, a view section and options of Workspace's own section.
const FILE: &str = "\
voice.auto-answer=false
acme.feature-flag=on
acme.retries=3
workspace.web-content=CrmPanel

[CrmPanel]
url=https://crm.example/panel.html
label=CRM
acme-theme=dark

[MySection]
crm.url=https://crm.example
crm.timeout=30
greeting=Hello

[OtherSection]
crm.url=https://other.example
";

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "configuration/custom-section-wildcard",
            "configuration.getOption(\"MySection/*\") answers every option of the custom section, as written; \"MySection/crm.*\" those starting with crm.",
        )
        .options(&options(FILE))
        .frame("a", APP)
        .send(0, "a", request("1", "configuration.getOption", json!(["MySection/*"])))
        .expect(vec![(
            "a",
            success(
                "1",
                json!([section(
                    "MySection",
                    json!({
                        "crm.timeout": "30",
                        "crm.url": "https://crm.example",
                        "greeting": "Hello",
                    })
                )]),
            ),
        )])
        .send(10, "a", request("2", "configuration.getOption", json!(["MySection/crm.*"])))
        .expect(vec![(
            "a",
            success(
                "2",
                json!([section(
                    "MySection",
                    json!({ "crm.timeout": "30", "crm.url": "https://crm.example" })
                )]),
            ),
        )])
        .build(),
        case(
            "configuration/section-option",
            "A single section/option selector answers that option of that section only; a bare name reads [interaction-workspace]; a list is the union, in section-name order, and a selector matching nothing adds nothing.",
        )
        .options(&options(FILE))
        .frame("a", APP)
        .send(0, "a", request("1", "configuration.getOption", json!(["OtherSection/crm.url"])))
        .expect(vec![(
            "a",
            success(
                "1",
                json!([section("OtherSection", json!({ "crm.url": "https://other.example" }))]),
            ),
        )])
        .send(10, "a", request("2", "configuration.getOption", json!(["voice.auto-answer"])))
        .expect(vec![(
            "a",
            success(
                "2",
                json!([section("interaction-workspace", json!({ "voice.auto-answer": "false" }))]),
            ),
        )])
        .send(
            20,
            "a",
            request(
                "3",
                "configuration.getOption",
                json!([["OtherSection/crm.url", "MySection/greeting", "Nowhere/*", "no.such-option"]]),
            ),
        )
        .expect(vec![(
            "a",
            success(
                "3",
                json!([
                    section("MySection", json!({ "greeting": "Hello" })),
                    section("OtherSection", json!({ "crm.url": "https://other.example" })),
                ]),
            ),
        )])
        .send(30, "a", request("4", "configuration.getOption", json!(["Nowhere/*"])))
        .expect(vec![("a", success("4", json!([])))])
        .build(),
        case(
            "configuration/default-store",
            "Where the file is silent, configuration.getOption answers the desktop's own options; an option the file sets replaces the desktop's.",
        )
        .options(&options("privilege.voice.can-dial=false\n"))
        .frame("a", APP)
        .send(0, "a", request("1", "configuration.getOption", json!(["sipendpoint.enabled"])))
        .send(10, "a", request("2", "configuration.getOption", json!(["privilege.*"])))
        .build(),
        case(
            "configuration/unknown-keys",
            "Options no desktop knows, in Workspace's own section or in a view section, are kept as written and readable.",
        )
        .options(&options(FILE))
        .frame("a", APP)
        .send(0, "a", request("1", "configuration.getOption", json!(["acme.*"])))
        .expect(vec![(
            "a",
            success(
                "1",
                json!([section(
                    "interaction-workspace",
                    json!({ "acme.feature-flag": "on", "acme.retries": "3" })
                )]),
            ),
        )])
        .send(10, "a", request("2", "configuration.getOption", json!(["CrmPanel/*"])))
        .expect(vec![(
            "a",
            success(
                "2",
                json!([section(
                    "CrmPanel",
                    json!({
                        "acme-theme": "dark",
                        "label": "CRM",
                        "url": "https://crm.example/panel.html",
                    })
                )]),
            ),
        )])
        .build(),
        read_origins(),
        case(
            "configuration/read-origins-empty",
            "An empty option.read-allowed-web-content-origin lets no origin read options; other requests are unaffected.",
        )
        .options(&options(
            "service-client-api.option.read-allowed-web-content-origin=\n",
        ))
        .frame("a", APP)
        .send(0, "a", request("1", "configuration.getOption", json!(["voice.*"])))
        .expect(vec![("a", not_allowed("1", "configuration.getOption", APP))])
        .send(0, "a", request("2", "system.triggerActivity", json!([])))
        .expect(vec![("a", done("2"))])
        .build(),
        contextual(
            case(
                "configuration/contextual-option",
                "getContextualOption answers the file's options with the interaction's attached data over them (Section/option keys, or dotted option names of Workspace's own section); getOption still answers the file; an unknown interaction is refused.",
            )
            .options(&options(FILE))
            .frame("a", APP),
        )
        .expect(vec![(
            "a",
            success(
                "1",
                json!([
                    section("MySection", json!({ "greeting": "Bonjour" })),
                    section(
                        "interaction-workspace",
                        json!({ "acme.feature-flag": "off", "acme.retries": "3" })
                    ),
                ]),
            ),
        )])
        .send(
            20,
            "a",
            request("2", "configuration.getOption", json!([["MySection/greeting", "acme.*"]])),
        )
        .expect(vec![(
            "a",
            success(
                "2",
                json!([
                    section("MySection", json!({ "greeting": "Hello" })),
                    section(
                        "interaction-workspace",
                        json!({ "acme.feature-flag": "on", "acme.retries": "3" })
                    ),
                ]),
            ),
        )])
        .send(
            30,
            "a",
            request("3", "configuration.getContextualOption", json!(["MySection/greeting", "99"])),
        )
        .build(),
        contextual(
            case(
                "configuration/contextual-option-read-origins",
                "getContextualOption is restricted by option.read-allowed-web-content-origin like getOption.",
            )
            .options(&format!(
                "service-client-api.accepted-web-content-origins={APP}, {OTHER}\n\
                 service-client-api.option.read-allowed-web-content-origin={OTHER}\n{FILE}"
            ))
            .frame("a", APP)
            .frame("b", OTHER),
        )
        .expect(vec![("a", not_allowed("1", "configuration.getContextualOption", APP))])
        .send(
            20,
            "b",
            request("2", "configuration.getContextualOption", json!(["MySection/greeting", "1"])),
        )
        .expect(vec![(
            "b",
            success("2", json!([section("MySection", json!({ "greeting": "Bonjour" }))])),
        )])
        .build(),
        auto_answer(
            "configuration/voice-auto-answer",
            "voice.auto-answer=true: an incoming call rings and is answered at once (ADDED, RINGING, then ESTABLISHED to subscribers); answering it again is refused.",
            "true",
        )
        .send(30, "a", request("3", "voice.answer", json!(["1"])))
        .build(),
        auto_answer(
            "configuration/voice-auto-answer-letter-case",
            "A boolean option is true or false in any letter case: voice.auto-answer=TRUE answers the call.",
            "TRUE",
        )
        .build(),
        auto_answer(
            "configuration/voice-auto-answer-not-a-boolean",
            "A behaviour option that is neither true nor false keeps its default (voice.auto-answer: the call only rings), and reads back as written.",
            "yes",
        )
        .send(30, "a", request("3", "configuration.getOption", json!(["voice.auto-answer"])))
        .expect(vec![(
            "a",
            success(
                "3",
                json!([section("interaction-workspace", json!({ "voice.auto-answer": "yes" }))]),
            ),
        )])
        .build(),
        case(
            "configuration/voice-mark-done-on-release",
            "voice.mark-done-on-release=true: hanging up an answered call also marks it done (RELEASED, then REMOVED), and it leaves interaction.getInteractions.",
        )
        .options(&options("voice.mark-done-on-release=true\n"))
        .frame("a", APP)
        .send(0, "a", subscribe("s", &["interaction"]))
        .expect(vec![("a", subscribed("s", "subscription-1"))])
        .scenario(10, ring(json!({})))
        .send(20, "a", request("1", "voice.answer", json!(["1"])))
        .send(30, "a", request("2", "voice.hangUp", json!(["1"])))
        .send(40, "a", request("3", "interaction.getInteractions", json!([])))
        .build(),
        case(
            "configuration/privilege-voice-can-dial",
            "privilege.voice.can-dial=false: the desktop refuses voice.dial, naming the option.",
        )
        .options(&options("privilege.voice.can-dial=false\n"))
        .frame("a", APP)
        .send(0, "a", request("1", "voice.dial", json!(["5551234"])))
        .build(),
        chat_auto_answer(
            "configuration/chat-auto-answer",
            "chat.auto-answer=true: a new customer chat is invited and accepted at once (ADDED, INVITED, then ACCEPTED to subscribers); accepting it again is refused.",
            "true",
        )
        .send(30, "a", request("3", "interaction.accept", json!(["1"])))
        .build(),
        chat_auto_answer(
            "configuration/chat-auto-answer-false",
            "chat.auto-answer=false (the default): a new customer chat is only invited, and waits for the agent's accept.",
            "false",
        )
        .send(30, "a", request("3", "interaction.accept", json!(["1"])))
        .build(),
        case(
            "configuration/privilege-email-can-mark-done",
            "privilege.email.can-mark-done=false: the desktop refuses marking an email done, naming the option, and the email stays in interaction.getInteractions.",
        )
        .options(&options("privilege.email.can-mark-done=false\n"))
        .frame("a", APP)
        .send(0, "a", request("1", "email.create", json!(["kim@example.com", null])))
        .expect(vec![("a", done("1"))])
        .send(10, "a", request("2", "interaction.markdone", json!(["1"])))
        .expect(vec![(
            "a",
            failure(
                "2",
                "Cannot mark an email done: the option privilege.email.can-mark-done is false for this agent.",
            ),
        )])
        .send(20, "a", request("3", "interaction.getInteractions", json!([])))
        .build(),
        case(
            "configuration/privilege-chat-can-release",
            "privilege.chat.can-release=false: the desktop refuses ending an accepted chat (marking it done), naming the option; once the customer left (ENDED), marking it done succeeds (COMPLETED, REMOVED).",
        )
        .options(&options("privilege.chat.can-release=false\n"))
        .frame("a", APP)
        .send(0, "a", subscribe("s", &["interaction"]))
        .expect(vec![("a", subscribed("s", "subscription-1"))])
        .scenario(10, chat())
        .send(20, "a", request("1", "interaction.accept", json!(["1"])))
        .send(30, "a", request("2", "interaction.markdone", json!(["1"])))
        .expect(vec![(
            "a",
            failure(
                "2",
                "Cannot end a live chat: the option privilege.chat.can-release is false for this agent.",
            ),
        )])
        .scenario(
            40,
            Scenario::CustomerHangUp {
                interaction_id: "1".into(),
            },
        )
        .send(50, "a", request("3", "interaction.markdone", json!(["1"])))
        .build(),
        sip_endpoint(
            "configuration/sipendpoint-disabled",
            "sipendpoint.enabled=false: the desktop refuses every sipEndpoint.* request, naming the option.",
            "false",
        ),
        sip_endpoint(
            "configuration/sipendpoint-enabled",
            "sipendpoint.enabled=true (the default): the sipEndpoint.* requests work.",
            "true",
        ),
    ]
}

fn chat() -> Scenario {
    Scenario::CustomerChatMessage {
        from: "Kim".into(),
        text: "Hello".into(),
    }
}

/// `chat.auto-answer=<value>`, a subscriber, and a customer starting a chat.
fn chat_auto_answer(name: &str, description: &str, value: &str) -> Builder {
    case(name, description)
        .options(&options(&format!("chat.auto-answer={value}\n")))
        .frame("a", APP)
        .send(0, "a", subscribe("s", &["interaction"]))
        .expect(vec![("a", subscribed("s", "subscription-1"))])
        .scenario(10, chat())
        .send(
            20,
            "a",
            request("2", "interaction.getByInteractionId", json!(["1"])),
        )
}

/// `sipendpoint.enabled=<value>`, and the softphone muted, asked and unmuted.
fn sip_endpoint(name: &str, description: &str, value: &str) -> Case {
    let refused = |reference_id: &str| {
        (value == "false").then(|| {
            vec![(
                "a",
                failure(
                    reference_id,
                    "Cannot use the SIP endpoint: the option sipendpoint.enabled is false for this agent.",
                ),
            )]
        })
    };
    let steps = [
        ("1", "sipEndpoint.muteMicrophone"),
        ("2", "sipEndpoint.isMicrophoneMute"),
        ("3", "sipEndpoint.unmuteMicrophone"),
        ("4", "sipEndpoint.muteSpeaker"),
        ("5", "sipEndpoint.isSpeakerMute"),
        ("6", "sipEndpoint.unmuteSpeaker"),
    ];
    let mut builder = case(name, description)
        .options(&options(&format!("sipendpoint.enabled={value}\n")))
        .frame("a", APP);
    for (at, (reference_id, name)) in (0..).step_by(10).zip(steps) {
        builder = builder.send(at, "a", request(reference_id, name, json!([])));
        if let Some(expect) = refused(reference_id) {
            builder = builder.expect(expect);
        }
    }
    builder.build()
}

/// The file read by `OTHER` and refused to `APP`, and `THIRD` listed but not accepted.
fn read_origins() -> Case {
    case(
        "configuration/read-origins",
        "Only origins listed by option.read-allowed-web-content-origin read options: another accepted origin is refused both getOption requests (other requests still run); a listed origin the policy does not accept gets no answer; a listed origin whose filter does not grant configuration.* is refused by the filter.",
    )
    .options(&format!(
        "service-client-api.accepted-web-content-origins={APP}, {OTHER}, https://agent.example (agent.*)\n\
         service-client-api.option.read-allowed-web-content-origin={OTHER}, {THIRD}, https://agent.example\n{FILE}"
    ))
    .frame("a", APP)
    .frame("b", OTHER)
    .frame("c", THIRD)
    .expect_nothing()
    .frame("d", "https://agent.example")
    .send(0, "a", request("1", "configuration.getOption", json!(["MySection/greeting"])))
    .expect(vec![("a", not_allowed("1", "configuration.getOption", APP))])
    .send(0, "a", request("2", "system.triggerActivity", json!([])))
    .expect(vec![("a", done("2"))])
    .send(0, "b", request("3", "configuration.getOption", json!(["MySection/greeting"])))
    .expect(vec![(
        "b",
        success("3", json!([section("MySection", json!({ "greeting": "Hello" }))])),
    )])
    .send(0, "c", request("4", "configuration.getOption", json!(["MySection/greeting"])))
    .expect_nothing()
    .send(0, "d", request("5", "configuration.getOption", json!(["MySection/greeting"])))
    .expect(vec![(
        "d",
        not_allowed("5", "configuration.getOption", "https://agent.example"),
    )])
    .build()
}

/// A call ringing with overriding attached data, and frame `a` reading options for it.
fn contextual(builder: Builder) -> Builder {
    builder
        .scenario(
            0,
            ring(json!({
                "MySection/greeting": "Bonjour",
                "acme.feature-flag": "off",
                "Account": "A-17",
            })),
        )
        .send(
            10,
            "a",
            request(
                "1",
                "configuration.getContextualOption",
                json!([["MySection/greeting", "acme.*"], "1"]),
            ),
        )
}

/// `voice.auto-answer=<value>`, a subscriber, and a call ringing.
fn auto_answer(name: &str, description: &str, value: &str) -> Builder {
    case(name, description)
        .options(&options(&format!("voice.auto-answer={value}\n")))
        .frame("a", APP)
        .send(0, "a", subscribe("s", &["interaction"]))
        .expect(vec![("a", subscribed("s", "subscription-1"))])
        .scenario(10, ring(json!({})))
        .send(
            20,
            "a",
            request("2", "interaction.getByInteractionId", json!(["1"])),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::format::Step;

    /// The `eventType`s of the events the steps of case `name` that `keep` selects post, once
    /// recorded.
    fn events(name: &str, keep: impl Fn(&Step) -> bool) -> Vec<String> {
        let mut case = cases()
            .into_iter()
            .find(|case| case.name == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        assert_eq!(super::super::record(&mut case), Ok(()));
        case.steps
            .iter()
            .filter(|step| keep(step))
            .flat_map(|step| &step.expect)
            .filter_map(|m| m.message["data"]["eventType"].as_str().map(str::to_owned))
            .collect()
    }

    fn scenario_events(name: &str) -> Vec<String> {
        events(name, |step| step.scenario.is_some())
    }

    #[test]
    fn auto_answer_answers_the_ringing_call_only_when_true() {
        let answered = ["ADDED", "RINGING", "ESTABLISHED"];
        assert_eq!(scenario_events("configuration/voice-auto-answer"), answered);
        assert_eq!(
            scenario_events("configuration/voice-auto-answer-letter-case"),
            answered
        );
        assert_eq!(
            scenario_events("configuration/voice-auto-answer-not-a-boolean"),
            ["ADDED", "RINGING"]
        );
    }

    #[test]
    fn chat_auto_answer_accepts_the_new_chat_only_when_true() {
        assert_eq!(
            scenario_events("configuration/chat-auto-answer"),
            ["ADDED", "INVITED", "ACCEPTED"]
        );
        assert_eq!(
            scenario_events("configuration/chat-auto-answer-false"),
            ["ADDED", "INVITED"]
        );
    }

    #[test]
    fn a_chat_the_customer_left_can_be_marked_done_without_the_release_privilege() {
        let marked = events("configuration/privilege-chat-can-release", |step| {
            step.send.as_ref().is_some_and(|m| m["referenceId"] == "3")
        });
        assert_eq!(marked, ["COMPLETED", "REMOVED"]);
    }

    #[test]
    fn mark_done_on_release_removes_the_hung_up_call() {
        let hang_up = events("configuration/voice-mark-done-on-release", |step| {
            step.send
                .as_ref()
                .is_some_and(|m| m["request"] == "voice.hangUp")
        });
        assert_eq!(hang_up, ["RELEASED", "REMOVED"]);
    }
}
