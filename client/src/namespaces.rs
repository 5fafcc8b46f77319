//! The namespaced, typed methods: `client.agent().get()`, `client.voice().dial(..)`, ...
//!
//! One method per row of the request table ([`REQUESTS`](agentdesk_protocol::scapi::REQUESTS)),
//! generated from the list below; a unit test fails when the table has a request without a
//! method, so the list cannot silently drift from the table. Each method builds the typed
//! request of `agentdesk_protocol::scapi::requests`, sends it with [`Client::call`] and
//! decodes its typed result (requests that document no result answer
//! [`NoData`](agentdesk_protocol::scapi::types::NoData)).

use agentdesk_protocol::scapi::ScapiRequest;
use agentdesk_protocol::scapi::requests::*;
use agentdesk_protocol::scapi::types::{
    DialogOptions, Extensions, MenuBarView, OptionSelectors, RecordFields, RescheduleDate,
    TargetQuery, ToastParameters, UserData,
};
use serde_json::Value;

use crate::client::Client;
use crate::error::ClientError;

macro_rules! namespaces {
    ($(
        $(#[doc = $doc:literal])+
        $accessor:ident => $api:ident {
            $( $method:ident => $request:ident ( $( $arg:ident : $ty:ty ),* ); )+
        }
    )+) => {
        impl Client {
            $(
                $(#[doc = $doc])+
                pub fn $accessor(&self) -> $api<'_> {
                    $api { client: self }
                }
            )+
        }

        $(
            $(#[doc = $doc])+
            #[doc = ""]
            #[doc = concat!("Returned by [`Client::", stringify!($accessor), "`].")]
            #[derive(Debug, Clone, Copy)]
            pub struct $api<'a> {
                client: &'a Client,
            }

            impl $api<'_> {
                $(
                    #[doc = concat!(
                        "Sends [`", stringify!($request), "`](agentdesk_protocol::scapi::requests::",
                        stringify!($request), ") and decodes its result."
                    )]
                    #[allow(clippy::useless_conversion, clippy::too_many_arguments)]
                    pub async fn $method(
                        &self,
                        $( $arg: $ty ),*
                    ) -> Result<<$request as ScapiRequest>::Result, ClientError> {
                        self.client.call($request::new($( $arg.into() ),*)).await
                    }
                )+
            }
        )+

        /// Every generated method: (accessor, method, request name).
        #[cfg(test)]
        const METHODS: &[(&str, &str, &str)] = &[
            $( $( (stringify!($accessor), stringify!($method), <$request as ScapiRequest>::NAME), )+ )+
        ];
    };
}

namespaces! {
    /// `auth.*`: tokens.
    auth => AuthApi {
        get_jwt_token => AuthGetJwtToken();
        get_pure_cloud_token => AuthGetPureCloudToken(force_new_token: Option<bool>);
    }
    /// `agent.*`: the agent and their global state.
    agent => AgentApi {
        get => AgentGet();
        get_state => AgentGetState();
        get_state_list => AgentGetStateList();
        set_state => AgentSetState(state_operation_name: impl Into<String>);
    }
    /// `media.*`: the media (channels) the agent is on and their states.
    media => MediaApi {
        get_media_list => MediaGetMediaList();
        get_media_by_name => MediaGetMediaByName(name: impl Into<String>);
        set_state => MediaSetState(media_name: impl Into<String>, state_operation_name: impl Into<String>);
    }
    /// `interaction.*`: interactions, their attached data, transfers and conferences.
    interaction => InteractionApi {
        get_interactions => InteractionGetInteractions();
        get_by_interaction_id => InteractionGetByInteractionId(interaction_id: impl Into<String>);
        get_by_bundle_id => InteractionGetByBundleId(bundle_id: impl Into<String>);
        get_by_case_id => InteractionGetByCaseId(case_id: impl Into<String>);
        set_user_data => InteractionSetUserData(interaction_id: impl Into<String>, key_values: UserData);
        delete_user_data => InteractionDeleteUserData(interaction_id: impl Into<String>, key: impl Into<String>);
        select_case_by_case_id => InteractionSelectCaseByCaseId(case_id: impl Into<String>);
        markdone => InteractionMarkdone(interaction_id: impl Into<String>);
        block_markdone => InteractionBlockMarkdone(interaction_id: impl Into<String>, warning_message: Option<String>);
        unblock_markdone => InteractionUnblockMarkdone(interaction_id: impl Into<String>);
        accept => InteractionAccept(interaction_id: impl Into<String>);
        reject => InteractionReject(interaction_id: impl Into<String>);
        single_step_transfer => InteractionSingleStepTransfer(interaction_id: impl Into<String>, target_query: TargetQuery, user_data: Option<UserData>, extensions: Option<Extensions>);
        single_step_conference => InteractionSingleStepConference(interaction_id: impl Into<String>, target_query: TargetQuery, user_data: Option<UserData>, extensions: Option<Extensions>);
        consult => InteractionConsult(interaction_id: impl Into<String>, target_query: TargetQuery, user_data: Option<UserData>, extensions: Option<Extensions>);
        complete_transfer => InteractionCompleteTransfer(consult_interaction_id: impl Into<String>);
        complete_conference => InteractionCompleteConference(consult_interaction_id: impl Into<String>);
        attach_user_data => InteractionAttachUserData(interaction_id: impl Into<String>, key_values: UserData);
        update_user_data => InteractionUpdateUserData(interaction_id: impl Into<String>, key_values: UserData);
    }
    /// `voice.*`: calls and call recording.
    voice => VoiceApi {
        dial => VoiceDial(destination: impl Into<String>, user_data: Option<UserData>);
        dial_ex => VoiceDialEx(destination: impl Into<String>, user_data: Option<UserData>, extensions: Option<Extensions>);
        answer => VoiceAnswer(interaction_id: impl Into<String>);
        hold => VoiceHold(interaction_id: impl Into<String>);
        resume => VoiceResume(interaction_id: impl Into<String>);
        hang_up => VoiceHangUp(interaction_id: impl Into<String>);
        start_call_recording => VoiceStartCallRecording(interaction_id: impl Into<String>);
        stop_call_recording => VoiceStopCallRecording(interaction_id: impl Into<String>);
        pause_call_recording => VoicePauseCallRecording(interaction_id: impl Into<String>);
        resume_call_recording => VoiceResumeCallRecording(interaction_id: impl Into<String>);
    }
    /// `sipEndpoint.*`: the softphone microphone and speaker.
    sip_endpoint => SipEndpointApi {
        mute_microphone => SipEndpointMuteMicrophone();
        unmute_microphone => SipEndpointUnmuteMicrophone();
        mute_speaker => SipEndpointMuteSpeaker();
        unmute_speaker => SipEndpointUnmuteSpeaker();
        is_microphone_mute => SipEndpointIsMicrophoneMute();
        is_speaker_mute => SipEndpointIsSpeakerMute();
    }
    /// `email.*`: outbound email.
    email => EmailApi {
        create => EmailCreate(destination: impl Into<String>, user_data: Option<UserData>);
    }
    /// `outbound.*`: campaigns and preview records.
    outbound => OutboundApi {
        get_campaigns => OutboundGetCampaigns();
        get_preview_record => OutboundGetPreviewRecord(campaign_name: impl Into<String>);
        call_preview_record => OutboundCallPreviewRecord(interaction_id: impl Into<String>, record_handle: Option<i64>);
        reject_preview_record => OutboundRejectPreviewRecord(interaction_id: Option<String>);
        cancel_preview_record => OutboundCancelPreviewRecord(interaction_id: Option<String>);
        start_direct_push_preview => OutboundStartDirectPushPreview();
        stop_direct_push_preview => OutboundStopDirectPushPreview();
        reschedule_record => OutboundRescheduleRecord(interaction_id: impl Into<String>, record_handle: i64, reschedule_date: impl Into<RescheduleDate>, callback_type: impl Into<String>);
        cancel_reschedule => OutboundCancelReschedule(interaction_id: impl Into<String>);
        get_list_of_call_results => OutboundGetListOfCallResults();
        set_call_result => OutboundSetCallResult(interaction_id: impl Into<String>, call_result: i64);
        get_call_result => OutboundGetCallResult(interaction_id: impl Into<String>);
        set_do_not_call => OutboundSetDoNotCall(interaction_id: impl Into<String>);
        remove_do_not_call => OutboundRemoveDoNotCall(interaction_id: impl Into<String>);
        get_chained_records => OutboundGetChainedRecords(interaction_id: impl Into<String>);
        get_record_fields => OutboundGetRecordFields(interaction_id: impl Into<String>);
        update_record_fields => OutboundUpdateRecordFields(interaction_id: impl Into<String>, record_data: RecordFields);
    }
    /// `system.*`: toasts, dialogs, menu-bar views and the Workspace tab.
    system => SystemApi {
        get_allowed_services => SystemGetAllowedServices();
        trigger_activity => SystemTriggerActivity();
        popup_toast => SystemPopupToast(parameters: ToastParameters);
        update_toast => SystemUpdateToast(id: impl Into<String>, parameters: ToastParameters);
        close_toast => SystemCloseToast(id: impl Into<String>);
        open_dialog => SystemOpenDialog(url: impl Into<String>, options: Option<DialogOptions>);
        close_dialog => SystemCloseDialog(dialog_id: impl Into<String>);
        update_view_in_application_menu_bar => SystemUpdateViewInApplicationMenuBar(parameters: MenuBarView);
        close_view_in_application_menu_bar => SystemCloseViewInApplicationMenuBar(name: impl Into<String>);
        am_i_visible => SystemAmIVisible();
        is_frame_leading => SystemIsFrameLeading();
        is_frame_following => SystemIsFrameFollowing();
        is_frame_negotiating => SystemIsFrameNegotiating();
        is_frame_leading_or_negotiating => SystemIsFrameLeadingOrNegotiating();
        is_last_active_frame => SystemIsLastActiveFrame();
    }
    /// `messenger.*`: messages to other client windows.
    messenger => MessengerApi {
        broadcast_message => MessengerBroadcastMessage(channel: impl Into<String>, message: Value);
    }
    /// `configuration.*`: Workspace options.
    configuration => ConfigurationApi {
        get_option => ConfigurationGetOption(options: OptionSelectors);
        get_contextual_option => ConfigurationGetContextualOption(options: OptionSelectors, interaction_id: impl Into<String>);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use agentdesk_protocol::scapi::REQUESTS;

    use super::METHODS;

    fn snake_case(name: &str) -> String {
        let mut out = String::new();
        for c in name.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_request_in_the_table_has_exactly_one_method() {
        let table: BTreeSet<&str> = REQUESTS.iter().map(|spec| spec.name).collect();
        let methods: Vec<&str> = METHODS.iter().map(|(_, _, request)| *request).collect();
        let covered: BTreeSet<&str> = methods.iter().copied().collect();
        let missing: Vec<&&str> = table.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "requests without a client method (add them to namespaces!): {missing:?}"
        );
        assert_eq!(methods.len(), covered.len(), "a request has two methods");
        assert_eq!(methods.len(), REQUESTS.len());
    }

    #[test]
    fn methods_are_named_after_their_namespace_and_method() {
        for (accessor, method, request) in METHODS {
            let (namespace, wire_method) = request.split_once('.').unwrap();
            assert_eq!(*accessor, snake_case(namespace), "{request}");
            assert_eq!(*method, snake_case(wire_method), "{request}");
        }
    }
}
