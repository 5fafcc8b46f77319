//! Every request of the table, through the namespaced methods, against `SimulatedWorkspace`
//! behind a real service over WebSocket: whatever the simulation answers decodes into the
//! request's typed result.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use agentdesk_client::{Client, ClientError};
use agentdesk_protocol::policy::{self, Timestamp};
use agentdesk_protocol::scapi::REQUESTS;
use agentdesk_protocol::scapi::types::UserData;
use agentdesk_server::engine::{Engine, EngineConfig};
use agentdesk_server::service::{Service, SystemClock};
use agentdesk_server::simulated::{
    CampaignSpec, IncomingCall, PreviewMode, SimulatedConfig, SimulatedWorkspace,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const APP: &str = "http://app.example";
const CAMPAIGN: &str = "Spring";

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn data(value: Value) -> UserData {
    typed(value)
}

async fn start(workspace: Arc<SimulatedWorkspace>) -> String {
    let options =
        format!("service-client-api.accepted-web-content-origins={APP} (*, auth.getJwtToken)");
    let engine = Engine::new(
        policy::parse(&options).unwrap().policy,
        EngineConfig::default(),
    );
    let service = Service::new(engine, workspace, Arc::new(SystemClock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/scapi", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, agentdesk_server::scapi_router(service))
            .await
            .unwrap();
    });
    url
}

/// Runs each call and records `(request name, typed result as text, or the error)`.
macro_rules! every {
    ($( $name:literal => $call:expr; )+) => {{
        let mut outcomes: Vec<(&'static str, Result<String, ClientError>)> = Vec::new();
        $( outcomes.push(($name, $call.await.map(|result| format!("{result:?}")))); )+
        outcomes
    }};
}

#[tokio::test]
async fn a_typed_result_for_every_request_the_simulated_workspace_answers() {
    let workspace = Arc::new(SimulatedWorkspace::new(
        SimulatedConfig::default()
            .with_seed(7)
            .with_campaign(CampaignSpec::preview(CAMPAIGN, PreviewMode::Pull)),
    ));
    let now = Timestamp::from_secs(1_700_000_000);
    let ring = |ani: &str| {
        workspace
            .incoming_call(
                now,
                IncomingCall::new(ani, "8000").with_data("Segment", "Gold"),
            )
            .interaction_id
    };
    let (a, b, c) = (ring("+15550100"), ring("+15550101"), ring("+15550102"));
    workspace.load_campaign(now, CAMPAIGN).unwrap();
    workspace.start_campaign(now, CAMPAIGN).unwrap();
    let url = start(Arc::clone(&workspace)).await;
    let client = Client::connect_websocket(&url, Some(APP)).await.unwrap();
    let (agent, media, interaction, voice) = (
        client.agent(),
        client.media(),
        client.interaction(),
        client.voice(),
    );
    let (sip, email, outbound, system) = (
        client.sip_endpoint(),
        client.email(),
        client.outbound(),
        client.system(),
    );
    let target = || typed(json!("5002"));
    let toast = || typed(json!({ "title": "Caller", "message": "Gold customer" }));
    let record_id = |record: Value| record["interactionId"].as_str().unwrap().to_owned();
    let case_id = interaction
        .get_by_interaction_id(a.as_str())
        .await
        .unwrap()
        .unwrap()
        .case_id
        .unwrap();
    // Three preview records: one to work on and call, one to reject, one to cancel.
    let records: Vec<String> = [(); 3]
        .iter()
        .map(|_| outbound.get_preview_record(CAMPAIGN))
        .collect::<futures_util::future::JoinAll<_>>()
        .await
        .into_iter()
        .map(|record| record_id(record.unwrap()))
        .collect();
    let (r, r2, r3) = (
        records[0].as_str(),
        records[1].as_str(),
        records[2].as_str(),
    );
    let (a, b, c) = (a.as_str(), b.as_str(), c.as_str());

    let mut outcomes = every! {
        "auth.getJwtToken" => client.auth().get_jwt_token();
        "auth.getPureCloudToken" => client.auth().get_pure_cloud_token(Some(false));
        "agent.get" => agent.get();
        "agent.getState" => agent.get_state();
        "agent.getStateList" => agent.get_state_list();
        "agent.setState" => agent.set_state("Ready");
        "media.getMediaList" => media.get_media_list();
        "media.getMediaByName" => media.get_media_by_name("voice");
        "media.setState" => media.set_state("voice", "Ready");
        "interaction.accept" => interaction.accept(a);
        "voice.answer" => voice.answer(b);
        "interaction.reject" => interaction.reject(c);
        "interaction.getInteractions" => interaction.get_interactions();
        "interaction.getByInteractionId" => interaction.get_by_interaction_id(a);
        "interaction.getByBundleId" => interaction.get_by_bundle_id("bundle");
        "interaction.getByCaseId" => interaction.get_by_case_id(case_id.as_str());
        "interaction.selectCaseByCaseId" => interaction.select_case_by_case_id(case_id.as_str());
        "interaction.setUserData" => interaction.set_user_data(a, data(json!({ "Note": "vip" })));
        "interaction.attachUserData" => interaction.attach_user_data(a, data(json!({ "A": 1 })));
        "interaction.updateUserData" => interaction.update_user_data(a, data(json!({ "B": 2 })));
        "interaction.deleteUserData" => interaction.delete_user_data(a, "A");
        "interaction.blockMarkdone" => interaction.block_markdone(a, Some("Fill in the form".into()));
        "interaction.unblockMarkdone" => interaction.unblock_markdone(a);
        "configuration.getContextualOption" => client.configuration().get_contextual_option(typed(json!("voice.*")), a);
        "voice.hold" => voice.hold(a);
        "voice.resume" => voice.resume(a);
        "voice.startCallRecording" => voice.start_call_recording(a);
        "voice.pauseCallRecording" => voice.pause_call_recording(a);
        "voice.resumeCallRecording" => voice.resume_call_recording(a);
        "voice.stopCallRecording" => voice.stop_call_recording(a);
        "interaction.singleStepConference" => interaction.single_step_conference(b, target(), None, None);
    };
    let consultation = interaction.consult(b, target(), None, None).await;
    outcomes.push((
        "interaction.consult",
        consultation
            .as_ref()
            .map(|r| format!("{r:?}"))
            .map_err(Clone::clone),
    ));
    let conference_with = consultation.map(record_id).unwrap_or_default();
    let transfer_to = interaction
        .consult(a, target(), None, None)
        .await
        .map(record_id)
        .unwrap_or_default();
    outcomes.extend(every! {
        "interaction.completeConference" => interaction.complete_conference(conference_with.as_str());
        "interaction.completeTransfer" => interaction.complete_transfer(transfer_to.as_str());
        "interaction.singleStepTransfer" => interaction.single_step_transfer(b, target(), None, None);
        "voice.dial" => voice.dial("5551234", None);
        "voice.dialEx" => voice.dial_ex("5551235", Some(data(json!({ "Origin": "crm" }))), None);
    });
    let dialed = workspace
        .interactions()
        .last()
        .unwrap()
        .interaction_id
        .clone();
    outcomes.extend(every! {
        "voice.hangUp" => voice.hang_up(dialed.as_str());
        "interaction.markdone" => interaction.markdone(a);
        "sipEndpoint.muteMicrophone" => sip.mute_microphone();
        "sipEndpoint.isMicrophoneMute" => sip.is_microphone_mute();
        "sipEndpoint.unmuteMicrophone" => sip.unmute_microphone();
        "sipEndpoint.muteSpeaker" => sip.mute_speaker();
        "sipEndpoint.isSpeakerMute" => sip.is_speaker_mute();
        "sipEndpoint.unmuteSpeaker" => sip.unmute_speaker();
        "email.create" => email.create("kim@example.com", None);
        "outbound.getCampaigns" => outbound.get_campaigns();
        "outbound.getPreviewRecord" => outbound.get_preview_record(CAMPAIGN);
        "outbound.getRecordFields" => outbound.get_record_fields(r);
        "outbound.updateRecordFields" => outbound.update_record_fields(r, typed(json!({ "Note": "x" })));
        "outbound.getChainedRecords" => outbound.get_chained_records(r);
        "outbound.getListOfCallResults" => outbound.get_list_of_call_results();
        "outbound.setCallResult" => outbound.set_call_result(r, 33);
        "outbound.getCallResult" => outbound.get_call_result(r);
        "outbound.setDoNotCall" => outbound.set_do_not_call(r);
        "outbound.removeDoNotCall" => outbound.remove_do_not_call(r);
        "outbound.rescheduleRecord" => outbound.reschedule_record(r, 1, "1/2/2030 10:00", "CAMPAIGN");
        "outbound.cancelReschedule" => outbound.cancel_reschedule(r);
        "outbound.callPreviewRecord" => outbound.call_preview_record(r, None);
        "outbound.rejectPreviewRecord" => outbound.reject_preview_record(Some(r2.into()));
        "outbound.cancelPreviewRecord" => outbound.cancel_preview_record(Some(r3.into()));
        "outbound.startDirectPushPreview" => outbound.start_direct_push_preview();
        "outbound.stopDirectPushPreview" => outbound.stop_direct_push_preview();
        "system.getAllowedServices" => system.get_allowed_services();
        "system.triggerActivity" => system.trigger_activity();
        "system.popupToast" => system.popup_toast(toast());
        "system.updateToast" => system.update_toast("wweCustomToast0", toast());
        "system.closeToast" => system.close_toast("wweCustomToast0");
        "system.openDialog" => system.open_dialog("https://app.example/dialog.html", None);
        "system.closeDialog" => system.close_dialog("wweCustomDialog1");
        "system.updateViewInApplicationMenuBar" => system.update_view_in_application_menu_bar(typed(json!({ "name": "crm", "label": "CRM" })));
        "system.closeViewInApplicationMenuBar" => system.close_view_in_application_menu_bar("crm");
        "system.amIVisible" => system.am_i_visible();
        "system.isFrameLeading" => system.is_frame_leading();
        "system.isFrameFollowing" => system.is_frame_following();
        "system.isFrameNegotiating" => system.is_frame_negotiating();
        "system.isFrameLeadingOrNegotiating" => system.is_frame_leading_or_negotiating();
        "system.isLastActiveFrame" => system.is_last_active_frame();
        "messenger.broadcastMessage" => client.messenger().broadcast_message("crm", json!({ "n": 1 }));
        "configuration.getOption" => client.configuration().get_option(typed(json!("voice.*")));
    });

    let table: BTreeSet<&str> = REQUESTS.iter().map(|spec| spec.name).collect();
    let called: BTreeSet<&str> = outcomes.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        called, table,
        "the test must call every request of the table"
    );

    let mut refused = BTreeSet::new();
    for (name, outcome) in &outcomes {
        match outcome {
            Ok(_) => {}
            // A refusal the simulation gives in this state (no such case, no record, ...).
            Err(ClientError::Denied { error_message }) => {
                refused.insert(format!("{name}: {error_message}"));
            }
            Err(error) => panic!("{name}: {error}"),
        }
    }
    assert!(
        refused.is_empty(),
        "the scenario should set up state for every request: {refused:#?}"
    );

    // A few results, typed.
    let result = |name: &str| {
        outcomes
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, outcome)| outcome.as_ref().ok())
            .unwrap()
            .clone()
    };
    assert!(result("interaction.getByInteractionId").contains("+15550100"));
    assert!(result("sipEndpoint.isMicrophoneMute").contains("true"));
    assert!(result("system.getAllowedServices").contains("voice.dial"));
}
