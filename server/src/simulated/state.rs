//! The synchronous core: every piece of simulated state, and the routing of each request to
//! the module that owns its behaviour.

use std::collections::BTreeMap;

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::types::{Agent, DialogOptions, MenuBarView, ToastParameters};
use agentdesk_protocol::scapi::{Payload, Request};

use serde_json::Value;
use tokio::sync::watch;

use super::agent::MediaEntry;
use super::chat::ChatTranscript;
use super::config::{AgentStateSpec, CallResultSpec, SimulatedConfig};
use super::error::SimulationError;
use super::ids::IdGenerator;
use super::interactions::SimInteraction;
use super::options::OptionStore;
use super::outbound::{CampaignRuntime, RecordChain};
use super::tabs::{ConnectionStatus, Tabs};
use crate::workspace::{CallContext, Reply};

/// What a handler answers: a reply, or a refusal that becomes the `errorMessage`.
pub(crate) type Handled = Result<Reply, SimulationError>;

/// A toast as opened by `system.popupToast` (and updated since).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Toast {
    pub(crate) parameters: ToastParameters,
    /// When `autoCloseTimeout` closes it.
    pub(crate) closes_at: Option<Timestamp>,
}

/// A dialog as opened by `system.openDialog`, with `$Dialog.Id$` substituted in its URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dialog {
    pub(crate) url: String,
    pub(crate) options: Option<DialogOptions>,
}

/// The whole simulated desktop.
#[derive(Debug)]
pub(crate) struct SimulatedState {
    pub(crate) ids: IdGenerator,
    pub(crate) agent: Agent,
    /// `agent` as `agent.get` answers it; the agent never changes, so it is encoded once.
    pub(crate) agent_data: Payload,
    pub(crate) states: Vec<AgentStateSpec>,
    /// Index into `states` of the agent's global state.
    pub(crate) agent_state: usize,
    pub(crate) media: Vec<MediaEntry>,
    /// Interactions in arrival order.
    pub(crate) interactions: Vec<SimInteraction>,
    /// The case selected in the UI.
    pub(crate) selected_case: Option<String>,
    pub(crate) campaigns: Vec<CampaignRuntime>,
    /// Outbound record chains by chain key (the id of the interaction that received them).
    pub(crate) chains: BTreeMap<String, RecordChain>,
    pub(crate) direct_push_started: bool,
    pub(crate) call_results: Vec<CallResultSpec>,
    pub(crate) options: OptionStore,
    pub(crate) toasts: BTreeMap<String, Toast>,
    pub(crate) dialogs: BTreeMap<String, Dialog>,
    pub(crate) menu_bar_views: BTreeMap<String, MenuBarView>,
    pub(crate) microphone_muted: bool,
    pub(crate) speaker_muted: bool,
    pub(crate) last_activity: Option<Timestamp>,
    /// The issued JWT and its expiry (ms since the epoch).
    pub(crate) jwt: Option<(String, u64)>,
    pub(crate) tabs: Tabs,
    pub(crate) connection: ConnectionStatus,
    /// Chat transcripts by interaction id (kept after the interaction leaves the list).
    pub(crate) chats: BTreeMap<String, ChatTranscript>,
    /// Bumped on every transcript change, so customer-side streams can wake up.
    pub(crate) chat_changes: watch::Sender<u64>,
}

impl SimulatedState {
    pub(crate) fn new(config: SimulatedConfig) -> Self {
        let agent_state = config
            .states
            .iter()
            .position(|s| s.operation_name == config.initial_state)
            .unwrap_or(0);
        let media = config
            .media
            .into_iter()
            .map(|name| MediaEntry {
                name,
                state: agent_state,
            })
            .collect();
        Self {
            ids: IdGenerator::new(config.seed),
            agent_data: Payload::new(serde_json::to_value(&config.agent).unwrap_or(Value::Null)),
            agent: config.agent,
            states: config.states,
            agent_state,
            media,
            interactions: Vec::new(),
            selected_case: None,
            campaigns: config
                .campaigns
                .into_iter()
                .map(CampaignRuntime::new)
                .collect(),
            chains: BTreeMap::new(),
            direct_push_started: false,
            call_results: config.call_results,
            options: OptionStore::new(config.options),
            toasts: BTreeMap::new(),
            dialogs: BTreeMap::new(),
            menu_bar_views: BTreeMap::new(),
            microphone_muted: false,
            speaker_muted: false,
            last_activity: None,
            jwt: None,
            tabs: Tabs::default(),
            connection: ConnectionStatus::Connected,
            chats: BTreeMap::new(),
            chat_changes: watch::Sender::new(0),
        }
    }

    /// Answers one request.
    pub(crate) fn handle(&mut self, cx: &CallContext, request: Request) -> Reply {
        self.route(cx, request)
            .unwrap_or_else(|error| Reply::error(error.into()))
    }

    fn route(&mut self, cx: &CallContext, request: Request) -> Handled {
        use Request as R;
        let now = cx.now;
        self.expire_toasts(now);
        match request {
            R::AuthGetJwtToken(_) => self.jwt_token(now),
            R::AuthGetPureCloudToken(r) => self.pure_cloud_token(now, r.force_new_token),

            R::AgentGet(_) => self.agent_get(),
            R::AgentGetState(_) => self.agent_get_state(),
            R::AgentGetStateList(_) => self.agent_get_state_list(),
            R::AgentSetState(r) => self.agent_set_state(&r.state_operation_name),
            R::MediaGetMediaList(_) => self.media_list(),
            R::MediaGetMediaByName(r) => self.media_by_name(&r.name),
            R::MediaSetState(r) => self.media_set_state(&r.media_name, &r.state_operation_name),

            R::InteractionGetInteractions(_) => self.get_interactions(),
            R::InteractionGetByInteractionId(r) => self.get_by_interaction_id(&r.interaction_id),
            R::InteractionGetByBundleId(r) => self.get_by_bundle_id(&r.bundle_id),
            R::InteractionGetByCaseId(r) => self.get_by_case_id(&r.case_id),
            R::InteractionSetUserData(r) => self.set_user_data(&r.interaction_id, r.key_values),
            R::InteractionAttachUserData(r) => self.set_user_data(&r.interaction_id, r.key_values),
            R::InteractionUpdateUserData(r) => self.set_user_data(&r.interaction_id, r.key_values),
            R::InteractionDeleteUserData(r) => self.delete_user_data(&r.interaction_id, &r.key),
            R::InteractionSelectCaseByCaseId(r) => self.select_case(&r.case_id),
            R::InteractionMarkdone(r) => self.markdone(now, &r.interaction_id),
            R::InteractionBlockMarkdone(r) => {
                self.block_markdone(&r.interaction_id, r.warning_message)
            }
            R::InteractionUnblockMarkdone(r) => self.unblock_markdone(&r.interaction_id),
            R::InteractionAccept(r) => self.accept(now, &r.interaction_id),
            R::InteractionReject(r) => self.reject(now, &r.interaction_id),
            R::InteractionSingleStepTransfer(r) => {
                self.single_step_transfer(now, &r.interaction_id, &r.target_query, r.user_data)
            }
            R::InteractionSingleStepConference(r) => {
                self.single_step_conference(&r.interaction_id, &r.target_query, r.user_data)
            }
            R::InteractionConsult(r) => {
                self.consult(now, &r.interaction_id, &r.target_query, r.user_data)
            }
            R::InteractionCompleteTransfer(r) => {
                self.complete_transfer(now, &r.consult_interaction_id)
            }
            R::InteractionCompleteConference(r) => {
                self.complete_conference(now, &r.consult_interaction_id)
            }

            R::VoiceDial(r) => self.dial(now, &r.destination, r.user_data),
            R::VoiceDialEx(r) => self.dial(now, &r.destination, r.user_data),
            R::VoiceAnswer(r) => self.answer(&r.interaction_id),
            R::VoiceHold(r) => self.hold(&r.interaction_id),
            R::VoiceResume(r) => self.resume(&r.interaction_id),
            R::VoiceHangUp(r) => self.hang_up(now, &r.interaction_id),
            R::VoiceStartCallRecording(r) => self.recording(&r.interaction_id, Recording::Start),
            R::VoiceStopCallRecording(r) => self.recording(&r.interaction_id, Recording::Stop),
            R::VoicePauseCallRecording(r) => self.recording(&r.interaction_id, Recording::Pause),
            R::VoiceResumeCallRecording(r) => self.recording(&r.interaction_id, Recording::Resume),

            R::SipEndpointMuteMicrophone(_) => self.set_mute(Device::Microphone, true),
            R::SipEndpointUnmuteMicrophone(_) => self.set_mute(Device::Microphone, false),
            R::SipEndpointMuteSpeaker(_) => self.set_mute(Device::Speaker, true),
            R::SipEndpointUnmuteSpeaker(_) => self.set_mute(Device::Speaker, false),
            R::SipEndpointIsMicrophoneMute(_) => self.is_muted(Device::Microphone),
            R::SipEndpointIsSpeakerMute(_) => self.is_muted(Device::Speaker),

            R::EmailCreate(r) => self.email_create(now, &r.destination, r.user_data),

            R::OutboundGetCampaigns(_) => self.get_campaigns(),
            R::OutboundGetPreviewRecord(r) => self.get_preview_record(now, &r.campaign_name),
            R::OutboundCallPreviewRecord(r) => {
                self.call_preview_record(now, &r.interaction_id, r.record_handle)
            }
            R::OutboundRejectPreviewRecord(r) => {
                self.end_preview_record(r.interaction_id.as_deref(), PreviewEnd::Reject)
            }
            R::OutboundCancelPreviewRecord(r) => {
                self.end_preview_record(r.interaction_id.as_deref(), PreviewEnd::Cancel)
            }
            R::OutboundStartDirectPushPreview(_) => self.direct_push_preview(true),
            R::OutboundStopDirectPushPreview(_) => self.direct_push_preview(false),
            R::OutboundRescheduleRecord(r) => self.reschedule_record(
                &r.interaction_id,
                r.record_handle,
                r.reschedule_date.as_str(),
                &r.callback_type,
            ),
            R::OutboundCancelReschedule(r) => self.cancel_reschedule(&r.interaction_id),
            R::OutboundGetListOfCallResults(_) => self.list_of_call_results(),
            R::OutboundSetCallResult(r) => self.set_call_result(&r.interaction_id, r.call_result),
            R::OutboundGetCallResult(r) => self.get_call_result(&r.interaction_id),
            R::OutboundSetDoNotCall(r) => self.do_not_call(&r.interaction_id, true),
            R::OutboundRemoveDoNotCall(r) => self.do_not_call(&r.interaction_id, false),
            R::OutboundGetChainedRecords(r) => self.get_chained_records(&r.interaction_id),
            R::OutboundGetRecordFields(r) => self.get_record_fields(&r.interaction_id),
            R::OutboundUpdateRecordFields(r) => {
                self.update_record_fields(&r.interaction_id, r.record_data)
            }

            R::SystemGetAllowedServices(_) => Ok(self.allowed_services()),
            R::SystemTriggerActivity(_) => Ok(self.trigger_activity(now)),
            R::SystemPopupToast(r) => Ok(self.popup_toast(now, r.parameters)),
            R::SystemUpdateToast(r) => self.update_toast(now, &r.id, r.parameters),
            R::SystemCloseToast(r) => self.close_toast(&r.id),
            R::SystemOpenDialog(r) => Ok(self.open_dialog(&r.url, r.options)),
            R::SystemCloseDialog(r) => self.close_dialog(&r.dialog_id),
            R::SystemUpdateViewInApplicationMenuBar(r) => {
                Ok(self.update_menu_bar_view(r.parameters))
            }
            R::SystemCloseViewInApplicationMenuBar(r) => self.close_menu_bar_view(&r.name),
            R::SystemAmIVisible(_) => Ok(self.am_i_visible(cx)),
            R::SystemIsFrameLeading(_) => Ok(self.frame_question(cx, FrameQuestion::Leading)),
            R::SystemIsFrameFollowing(_) => Ok(self.frame_question(cx, FrameQuestion::Following)),
            R::SystemIsFrameNegotiating(_) => {
                Ok(self.frame_question(cx, FrameQuestion::Negotiating))
            }
            R::SystemIsFrameLeadingOrNegotiating(_) => {
                Ok(self.frame_question(cx, FrameQuestion::LeadingOrNegotiating))
            }
            R::SystemIsLastActiveFrame(_) => Ok(self.frame_question(cx, FrameQuestion::LastActive)),

            // The engine fans broadcasts out itself; a direct call has nothing left to do.
            R::MessengerBroadcastMessage(_) => Ok(Reply::done()),

            R::ConfigurationGetOption(r) => self.get_option(&r.options),
            R::ConfigurationGetContextualOption(r) => {
                self.get_contextual_option(&r.options, &r.interaction_id)
            }

            R::Unknown(unknown) => Err(SimulationError::UnknownRequest(unknown.name)),
            other => Err(SimulationError::UnknownRequest(other.name().to_owned())),
        }
    }
}

/// The four call-recording requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recording {
    Start,
    Stop,
    Pause,
    Resume,
}

/// The two softphone devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Device {
    Microphone,
    Speaker,
}

/// How a previewed record ends without a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PreviewEnd {
    Reject,
    Cancel,
}

/// The `system.isFrame*` / `isLastActiveFrame` questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameQuestion {
    Leading,
    Following,
    Negotiating,
    LeadingOrNegotiating,
    LastActive,
}
