//! `requests.jsonl`: one case per request of the table, allowed, answered by the simulated
//! Workspace, with the events it causes.
//!
//! Every case starts alike: three calls ring (interactions `1`, `2`, `3`), campaign
//! `Spring` (Pull Preview) is loaded and started. Then the prerequisite requests of the case
//! run (answering a call before holding it, ...), the frame subscribes to every event family,
//! and the request under test (`referenceId` `t`) is sent. Generation fails unless every
//! response of these cases is a success.

use agentdesk_protocol::policy::Timestamp;
use agentdesk_server::simulated::{
    CampaignSpec, IncomingCall, PreviewMode, SimulatedConfig, SimulatedWorkspace,
};
use serde_json::{Value, json};

use super::{APP, START, case, request, subscribe};
use crate::conformance::format::{CampaignSetup, Case, Scenario, WorkspaceSetup};

const SEED: u64 = 7;
const CAMPAIGN: &str = "Spring";
const CALLS: [&str; 3] = ["+15550100", "+15550101", "+15550102"];

fn setup() -> WorkspaceSetup {
    WorkspaceSetup {
        seed: SEED,
        campaigns: vec![CampaignSetup {
            name: CAMPAIGN.into(),
            mode: "pull".into(),
        }],
    }
}

/// The case id interaction `1` gets: the same simulation, probed directly.
fn first_case_id() -> String {
    let workspace = SimulatedWorkspace::new(
        SimulatedConfig::default()
            .with_seed(SEED)
            .with_campaign(CampaignSpec::preview(CAMPAIGN, PreviewMode::Pull)),
    );
    let now = Timestamp::from_millis(START);
    for ani in CALLS {
        workspace.incoming_call(now, IncomingCall::new(ani, "8000"));
    }
    workspace
        .interaction("1")
        .and_then(|interaction| interaction.case_id)
        .unwrap_or_default()
}

type Call = (&'static str, Value);

/// `(request, parameters, prerequisites)` for every request of the table.
fn table(case_id: &str) -> Vec<(&'static str, Value, Vec<Call>)> {
    let answer = |id: &str| ("voice.answer", json!([id]));
    let record = || ("outbound.getPreviewRecord", json!([CAMPAIGN]));
    let toast = json!({ "title": "Caller", "message": "Gold customer" });
    let target = json!("5002");
    vec![
        ("auth.getJwtToken", json!([]), vec![]),
        ("auth.getPureCloudToken", json!([false]), vec![]),
        ("agent.get", json!([]), vec![]),
        ("agent.getState", json!([]), vec![]),
        ("agent.getStateList", json!([]), vec![]),
        ("agent.setState", json!(["Ready"]), vec![]),
        ("media.getMediaList", json!([]), vec![]),
        ("media.getMediaByName", json!(["voice"]), vec![]),
        ("media.setState", json!(["voice", "Ready"]), vec![]),
        ("interaction.getInteractions", json!([]), vec![]),
        ("interaction.getByInteractionId", json!(["1"]), vec![]),
        ("interaction.getByBundleId", json!(["bundle"]), vec![]),
        ("interaction.getByCaseId", json!([case_id]), vec![]),
        (
            "interaction.setUserData",
            json!(["1", {"Note": "vip"}]),
            vec![],
        ),
        (
            "interaction.deleteUserData",
            json!(["1", "Note"]),
            vec![("interaction.setUserData", json!(["1", {"Note": "vip"}]))],
        ),
        ("interaction.selectCaseByCaseId", json!([case_id]), vec![]),
        (
            "interaction.markdone",
            json!(["1"]),
            vec![answer("1"), ("voice.hangUp", json!(["1"]))],
        ),
        (
            "interaction.blockMarkdone",
            json!(["1", "Fill in the form"]),
            vec![],
        ),
        (
            "interaction.unblockMarkdone",
            json!(["1"]),
            vec![(
                "interaction.blockMarkdone",
                json!(["1", "Fill in the form"]),
            )],
        ),
        ("interaction.accept", json!(["1"]), vec![]),
        ("interaction.reject", json!(["1"]), vec![]),
        (
            "interaction.singleStepTransfer",
            json!(["1", target]),
            vec![answer("1")],
        ),
        (
            "interaction.singleStepConference",
            json!(["1", target]),
            vec![answer("1")],
        ),
        (
            "interaction.consult",
            json!(["1", target]),
            vec![answer("1")],
        ),
        (
            "interaction.completeTransfer",
            json!(["4"]),
            vec![answer("1"), ("interaction.consult", json!(["1", target]))],
        ),
        (
            "interaction.completeConference",
            json!(["4"]),
            vec![answer("1"), ("interaction.consult", json!(["1", target]))],
        ),
        ("interaction.attachUserData", json!(["1", {"A": 1}]), vec![]),
        ("interaction.updateUserData", json!(["1", {"B": 2}]), vec![]),
        ("voice.dial", json!(["5551234"]), vec![]),
        (
            "voice.dialEx",
            json!(["5551235", {"Origin": "crm"}]),
            vec![],
        ),
        ("voice.answer", json!(["1"]), vec![]),
        ("voice.hold", json!(["1"]), vec![answer("1")]),
        (
            "voice.resume",
            json!(["1"]),
            vec![answer("1"), ("voice.hold", json!(["1"]))],
        ),
        ("voice.hangUp", json!(["1"]), vec![answer("1")]),
        ("voice.startCallRecording", json!(["1"]), vec![answer("1")]),
        (
            "voice.stopCallRecording",
            json!(["1"]),
            vec![answer("1"), ("voice.startCallRecording", json!(["1"]))],
        ),
        (
            "voice.pauseCallRecording",
            json!(["1"]),
            vec![answer("1"), ("voice.startCallRecording", json!(["1"]))],
        ),
        (
            "voice.resumeCallRecording",
            json!(["1"]),
            vec![
                answer("1"),
                ("voice.startCallRecording", json!(["1"])),
                ("voice.pauseCallRecording", json!(["1"])),
            ],
        ),
        ("sipEndpoint.muteMicrophone", json!([]), vec![]),
        (
            "sipEndpoint.unmuteMicrophone",
            json!([]),
            vec![("sipEndpoint.muteMicrophone", json!([]))],
        ),
        ("sipEndpoint.muteSpeaker", json!([]), vec![]),
        (
            "sipEndpoint.unmuteSpeaker",
            json!([]),
            vec![("sipEndpoint.muteSpeaker", json!([]))],
        ),
        (
            "sipEndpoint.isMicrophoneMute",
            json!([]),
            vec![("sipEndpoint.muteMicrophone", json!([]))],
        ),
        ("sipEndpoint.isSpeakerMute", json!([]), vec![]),
        ("email.create", json!(["kim@example.com"]), vec![]),
        ("outbound.getCampaigns", json!([]), vec![]),
        ("outbound.getPreviewRecord", json!([CAMPAIGN]), vec![]),
        ("outbound.callPreviewRecord", json!(["4"]), vec![record()]),
        ("outbound.rejectPreviewRecord", json!(["4"]), vec![record()]),
        ("outbound.cancelPreviewRecord", json!(["4"]), vec![record()]),
        ("outbound.startDirectPushPreview", json!([]), vec![]),
        (
            "outbound.stopDirectPushPreview",
            json!([]),
            vec![("outbound.startDirectPushPreview", json!([]))],
        ),
        (
            "outbound.rescheduleRecord",
            json!(["4", 1, "1/2/2030 10:00", "CAMPAIGN"]),
            vec![record()],
        ),
        (
            "outbound.cancelReschedule",
            json!(["4"]),
            vec![
                record(),
                (
                    "outbound.rescheduleRecord",
                    json!(["4", 1, "1/2/2030 10:00", "CAMPAIGN"]),
                ),
            ],
        ),
        ("outbound.getListOfCallResults", json!([]), vec![]),
        ("outbound.setCallResult", json!(["4", 33]), vec![record()]),
        (
            "outbound.getCallResult",
            json!(["4"]),
            vec![record(), ("outbound.setCallResult", json!(["4", 33]))],
        ),
        ("outbound.setDoNotCall", json!(["4"]), vec![record()]),
        (
            "outbound.removeDoNotCall",
            json!(["4"]),
            vec![record(), ("outbound.setDoNotCall", json!(["4"]))],
        ),
        ("outbound.getChainedRecords", json!(["4"]), vec![record()]),
        ("outbound.getRecordFields", json!(["4"]), vec![record()]),
        (
            "outbound.updateRecordFields",
            json!(["4", {"Note": "x"}]),
            vec![record()],
        ),
        ("system.getAllowedServices", json!([]), vec![]),
        ("system.triggerActivity", json!([]), vec![]),
        ("system.popupToast", json!([toast]), vec![]),
        (
            "system.updateToast",
            json!(["wweCustomToast0", toast]),
            vec![("system.popupToast", json!([toast]))],
        ),
        (
            "system.closeToast",
            json!(["wweCustomToast0"]),
            vec![("system.popupToast", json!([toast]))],
        ),
        (
            "system.openDialog",
            json!(["https://app.example/dialog.html"]),
            vec![],
        ),
        (
            "system.closeDialog",
            json!(["wweCustomDialog1"]),
            vec![(
                "system.openDialog",
                json!(["https://app.example/dialog.html"]),
            )],
        ),
        (
            "system.updateViewInApplicationMenuBar",
            json!([{"name": "crm", "label": "CRM"}]),
            vec![],
        ),
        (
            "system.closeViewInApplicationMenuBar",
            json!(["crm"]),
            vec![(
                "system.updateViewInApplicationMenuBar",
                json!([{"name": "crm", "label": "CRM"}]),
            )],
        ),
        ("system.amIVisible", json!([]), vec![]),
        ("system.isFrameLeading", json!([]), vec![]),
        ("system.isFrameFollowing", json!([]), vec![]),
        ("system.isFrameNegotiating", json!([]), vec![]),
        ("system.isFrameLeadingOrNegotiating", json!([]), vec![]),
        ("system.isLastActiveFrame", json!([]), vec![]),
        (
            "messenger.broadcastMessage",
            json!(["crm", {"n": 1}]),
            vec![],
        ),
        ("configuration.getOption", json!(["voice.*"]), vec![]),
        (
            "configuration.getContextualOption",
            json!(["voice.*", "1"]),
            vec![],
        ),
    ]
}

/// The names [`cases`] cover, for the coverage test.
#[cfg(test)]
pub(crate) fn covered() -> Vec<&'static str> {
    table("").into_iter().map(|(name, _, _)| name).collect()
}

pub(super) fn cases() -> Vec<Case> {
    let case_id = first_case_id();
    table(&case_id)
        .into_iter()
        .map(|(name, parameters, prerequisites)| {
            let mut builder = case(
                &format!("requests/{name}"),
                &format!("{name}, allowed, as the simulated Workspace answers it, with the events it causes."),
            )
            .options(&format!(
                "service-client-api.accepted-web-content-origins={APP} (*, auth.getJwtToken)\n\
                 service-client-api.option.read-allowed-web-content-origin={APP}\n"
            ))
            .workspace(setup())
            .frame("a", APP);
            for ani in CALLS {
                builder = builder.scenario(
                    0,
                    Scenario::IncomingCall {
                        ani: ani.into(),
                        dnis: "8000".into(),
                        user_data: serde_json::Map::new(),
                    },
                );
            }
            builder = builder
                .scenario(0, Scenario::LoadCampaign { campaign: CAMPAIGN.into() })
                .scenario(0, Scenario::StartCampaign { campaign: CAMPAIGN.into() });
            for (index, (prerequisite, parameters)) in prerequisites.into_iter().enumerate() {
                builder = builder.send(
                    1_000,
                    "a",
                    request(&format!("p{}", index + 1), prerequisite, parameters),
                );
            }
            builder
                .send(
                    2_000,
                    "a",
                    subscribe("s", &["agent", "media", "interaction", "system", "outbound", "markdone"]),
                )
                .send(3_000, "a", request("t", name, parameters))
                .build()
        })
        .collect()
}
