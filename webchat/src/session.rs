//! The sans-IO WebChatService state machine.
//!
//! [`ChatSession`] performs no I/O and reads no clock. Each command method checks the
//! command against the current state and either rejects it with the documented text or
//! returns what the edge must ask the transport to do; the edge then reports the outcome
//! back (`*_finished` methods). Events queue up inside and are drained with
//! [`ChatSession::take_events`]. Timers are deadlines (ms since the epoch) from
//! [`ChatSession::next_deadline`]; the edge calls [`ChatSession::handle_timeout`] when one
//! passes.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use agentdesk_protocol::webchat::{
    AddPrefilterOptions, AgentInfo, AgentsSummary, Capabilities, ChatStats, FilteredMessageOptions,
    Message, MessageOptions, MessageReceived, MessageType, ParticipantChange, Party, PartyType,
    PrefilterPattern, RejectionText, RestoreOptions, SessionActive, SessionData, StartChatOptions,
    Transcript, UserData, WebChatEvent,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::ChatConfig;
use crate::error::TransportError;
use crate::filter::PrefilterSet;
use crate::transport::{HistoryPage, StartRequest, TransportCapabilities, TransportUpdate};

/// Lifecycle of the (single) chat session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// No session yet.
    Idle,
    /// `startChat` sent, waiting for the back end.
    Starting,
    /// Chatting.
    Active,
    /// `endChat` sent, waiting for the back end.
    Ending,
    /// The last session ended; a new one may start.
    Ended,
    /// `restore` sent, waiting for the back end.
    Restoring,
}

/// Who invokes a private command (`poll`, `restore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// The service itself (its poll loop, its restore on start-up).
    Service,
    /// Anyone else.
    External,
}

/// A hook applied to every incoming message before it is published.
pub type PreProcessor = Box<dyn Fn(Message) -> Message + Send + Sync>;

/// What a passed deadline asks the edge to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    /// Tell the back end the visitor stopped typing.
    StopTyping,
    /// Poll once, then report with [`ChatSession::poll_finished`].
    Poll,
}

/// What `updateUserData` resolved to.
#[derive(Debug, Clone, PartialEq)]
pub enum UserDataUpdate {
    /// No session: the internal data was merged; resolves with it.
    Stored(UserData),
    /// Session active: send this to the back end.
    Send(UserData),
}

/// What to persist to restore a session later (in another page load or process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSession {
    /// Back-end credentials.
    pub session_data: SessionData,
    /// Custom prefilters, recalled on restore.
    pub filters: Vec<PrefilterPattern>,
    /// Last contact with the back end (ms since the epoch), for `restoreTimeout`.
    pub last_activity_ms: u64,
}

impl SavedSession {
    /// As the `sessionData` string of `restore`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Data of `started`, as the widget publishes it: the GMS session keys
/// (`{sessionID, userId, secureKey, alias}`), or for Genesys Cloud
/// `{data: {jwt, conversationId, memberId, WebSocketUrl}}`.
fn started_data(session_data: &SessionData) -> Value {
    match session_data {
        SessionData::Gms(keys) => serde_json::to_value(keys).unwrap_or_default(),
        SessionData::Guest(guest) => serde_json::json!({ "data": {
            "jwt": guest.jwt,
            "conversationId": guest.conversation_id,
            "memberId": guest.member_id,
            "WebSocketUrl": guest.web_socket_url,
        }}),
    }
}

/// The WebChatService state machine for one visitor.
pub struct ChatSession {
    config: ChatConfig,
    capabilities: TransportCapabilities,
    state: SessionState,
    user_data: UserData,
    filters: PrefilterSet,
    preprocessor: Option<PreProcessor>,
    transcript: Transcript,
    agents: BTreeMap<String, AgentInfo>,
    start_time: Option<u64>,
    end_time: Option<u64>,
    session_data: Option<SessionData>,
    client_typing_until: Option<u64>,
    agent_typing_until: Option<u64>,
    polling: bool,
    poll_in_flight: bool,
    next_poll_at: Option<u64>,
    poll_exceptions: u32,
    interaction_data: Option<UserData>,
    sleeping: bool,
    server_offline: bool,
    disconnected: bool,
    history_exhausted: bool,
    last_activity: u64,
    events: VecDeque<WebChatEvent>,
}

impl fmt::Debug for ChatSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatSession")
            .field("state", &self.state)
            .field("session_data", &self.session_data)
            .field("polling", &self.polling)
            .finish_non_exhaustive()
    }
}

impl ChatSession {
    /// A service ready for commands; queues `ready` and `capabilitiesChanged`.
    pub fn new(config: ChatConfig, capabilities: TransportCapabilities) -> Self {
        let mut events = VecDeque::new();
        events.push_back(WebChatEvent::Ready);
        events.push_back(WebChatEvent::CapabilitiesChanged(Capabilities {
            async_chat: capabilities.async_chat,
            pagination: capabilities.history.is_ok(),
            file_upload: capabilities.file_upload,
        }));
        Self {
            user_data: config.user_data.clone(),
            config,
            capabilities,
            state: SessionState::Idle,
            filters: PrefilterSet::default(),
            preprocessor: None,
            transcript: Transcript::default(),
            agents: BTreeMap::new(),
            start_time: None,
            end_time: None,
            session_data: None,
            client_typing_until: None,
            agent_typing_until: None,
            polling: false,
            poll_in_flight: false,
            next_poll_at: None,
            poll_exceptions: 0,
            interaction_data: None,
            sleeping: false,
            server_offline: false,
            disconnected: false,
            history_exhausted: false,
            last_activity: 0,
            events,
        }
    }

    /// The current lifecycle state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// Whether a session is active (the widget's "session active").
    pub fn is_active(&self) -> bool {
        self.state == SessionState::Active
    }

    /// Whether automatic polling is on.
    pub fn is_polling(&self) -> bool {
        self.polling
    }

    /// Consecutive transient poll failures.
    pub fn poll_exceptions(&self) -> u32 {
        self.poll_exceptions
    }

    /// Drains the queued events, oldest first.
    pub fn take_events(&mut self) -> Vec<WebChatEvent> {
        self.events.drain(..).collect()
    }

    fn emit(&mut self, event: WebChatEvent) {
        self.events.push_back(event);
    }

    // ----- startChat / endChat ------------------------------------------------------------

    /// `startChat`: validates and moves to `Starting`; returns what to open.
    pub fn start_chat(&mut self, options: StartChatOptions) -> Result<StartRequest, RejectionText> {
        if matches!(
            self.state,
            SessionState::Starting
                | SessionState::Active
                | SessionState::Ending
                | SessionState::Restoring
        ) {
            return Err(RejectionText::AlreadyActive);
        }
        let mut user_data = self.user_data.clone();
        match &options.user_data {
            None => {}
            Some(Value::Object(extra)) => {
                user_data.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            Some(_) => return Err(RejectionText::MalformedUserData),
        }
        self.state = SessionState::Starting;
        Ok(StartRequest {
            options,
            user_data,
            interaction_data: self.interaction_data.clone(),
        })
    }

    /// The transport's answer to `startChat`.
    pub fn start_finished(
        &mut self,
        outcome: Result<(Value, SessionData, Vec<TransportUpdate>), &TransportError>,
        now: u64,
    ) {
        match outcome {
            Ok((_response, session_data, replay)) => {
                self.reset_for_new_session(now);
                let started = started_data(&session_data);
                self.session_data = Some(session_data);
                self.state = SessionState::Active;
                self.emit(WebChatEvent::Started(started));
                for update in replay {
                    self.apply_update(update, now);
                }
                if self.capabilities.polling && self.is_active() {
                    self.begin_polling(now);
                }
            }
            Err(error) => {
                self.state = SessionState::Idle;
                self.emit(WebChatEvent::Error(error.to_value()));
            }
        }
    }

    fn reset_for_new_session(&mut self, now: u64) {
        self.transcript = Transcript::default();
        self.agents.clear();
        self.start_time = Some(now);
        self.end_time = None;
        self.history_exhausted = false;
        self.poll_exceptions = 0;
        self.server_offline = false;
        self.disconnected = false;
        self.last_activity = now;
    }

    /// `endChat`: moves to `Ending`; the edge then calls the transport's `end`.
    pub fn end_chat(&mut self) -> Result<(), RejectionText> {
        if self.state != SessionState::Active {
            return Err(RejectionText::NoActiveSession);
        }
        self.state = SessionState::Ending;
        Ok(())
    }

    /// The transport's answer to `endChat`. The session ends locally either way (a back end
    /// that refuses to disconnect has usually lost the session already); a failure is
    /// published as `error` first.
    pub fn end_finished(&mut self, outcome: Result<(), &TransportError>, now: u64) {
        if let Err(error) = outcome {
            self.emit(WebChatEvent::Error(error.to_value()));
        }
        let client = Party::new(PartyType::Client, None, None);
        let mut message = Message::new(MessageType::ParticipantLeft, None, Some(client));
        message.timestamp = i64::try_from(now).ok();
        let change = self.participant_change(message);
        self.emit(WebChatEvent::ClientDisconnected(change));
        self.finish_session(now);
    }

    fn finish_session(&mut self, now: u64) {
        let at = i64::try_from(now).ok();
        for agent in self.agents.values_mut().filter(|a| a.connected) {
            agent.connected = false;
            agent.disconnected_time = at;
        }
        self.state = SessionState::Ended;
        self.end_time = Some(now);
        self.polling = false;
        self.poll_in_flight = false;
        self.next_poll_at = None;
        self.client_typing_until = None;
        self.agent_typing_until = None;
        self.filters.clear();
        self.emit(WebChatEvent::Ended);
    }

    // ----- messages -----------------------------------------------------------------------

    /// `sendMessage`: the text to send.
    pub fn send_message(&mut self, options: &MessageOptions) -> Result<String, RejectionText> {
        let text = options
            .message
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or(RejectionText::NoMessageText)?;
        if let Some(max) = self
            .config
            .max_message_length
            .filter(|max| text.chars().count() > *max as usize)
        {
            return Err(RejectionText::message_too_long(max));
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        Ok(text)
    }

    /// `sendCustomNotice`: the text to send.
    pub fn send_custom_notice(
        &mut self,
        options: &MessageOptions,
    ) -> Result<String, RejectionText> {
        if !self.capabilities.custom_notice {
            return Err(RejectionText::CustomNoticeUnsupported);
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        Ok(options.message.clone().unwrap_or_default())
    }

    /// `sendTyping`: `Some(preview)` when the back end must hear "started typing"; `None`
    /// when the visitor was already typing (only the stop timer restarts).
    pub fn send_typing(
        &mut self,
        options: &MessageOptions,
        now: u64,
    ) -> Result<Option<String>, RejectionText> {
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        let was_typing = self.client_typing_until.is_some();
        self.client_typing_until = Some(now + self.config.client_typing_timeout_ms);
        if was_typing {
            return Ok(None);
        }
        self.emit(WebChatEvent::ClientTypingStarted);
        Ok(Some(options.message.clone().unwrap_or_default()))
    }

    /// `sendFilteredMessage`: registers the expression and returns the text to send.
    pub fn send_filtered_message(
        &mut self,
        options: &FilteredMessageOptions,
    ) -> Result<String, RejectionText> {
        if !self.is_active() {
            return Err(RejectionText::NoActiveSessionShort);
        }
        let pattern = options.regex.clone().ok_or(RejectionText::InvalidFilters)?;
        let text = options
            .message
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or(RejectionText::NoMessageText)?;
        self.filters.add(&[pattern])?;
        Ok(text)
    }

    /// `addPrefilter`: resolves with every registered custom prefilter.
    pub fn add_prefilter(
        &mut self,
        options: &AddPrefilterOptions,
    ) -> Result<Vec<PrefilterPattern>, RejectionText> {
        let patterns = options
            .filters
            .as_ref()
            .map(|f| f.to_vec())
            .ok_or(RejectionText::InvalidFilters)?;
        self.filters.add(&patterns)?;
        Ok(self.filters.patterns())
    }

    /// `registerPreProcessor`.
    pub fn register_pre_processor(&mut self, preprocessor: PreProcessor) {
        self.preprocessor = Some(preprocessor);
    }

    /// `updateUserData`.
    pub fn update_user_data(&mut self, data: UserData) -> Result<UserDataUpdate, RejectionText> {
        match self.state {
            SessionState::Active => {
                if !self.capabilities.update_user_data {
                    return Err(RejectionText::UpdateUserDataUnsupported);
                }
                self.user_data.extend(data.clone());
                Ok(UserDataUpdate::Send(data))
            }
            _ => {
                self.user_data.extend(data);
                Ok(UserDataUpdate::Stored(self.user_data.clone()))
            }
        }
    }

    /// A back-end call succeeded (keeps `restoreTimeout` measured from the last contact).
    pub fn touched(&mut self, now: u64) {
        self.last_activity = now;
        self.note_reachable();
    }

    /// A back-end call failed: network failures mean `disconnected`, others `error`.
    pub fn call_failed(&mut self, error: &TransportError) {
        if error.is_network() && self.is_active() {
            self.note_unreachable();
        } else {
            self.emit(WebChatEvent::Error(error.to_value()));
        }
    }

    fn note_unreachable(&mut self) {
        if !self.disconnected {
            self.disconnected = true;
            self.emit(WebChatEvent::Disconnected);
        }
    }

    fn note_reachable(&mut self) {
        if self.disconnected {
            self.disconnected = false;
            self.emit(WebChatEvent::Reconnected);
        }
    }

    // ----- incoming -----------------------------------------------------------------------

    /// Applies something the back end reported (poll reply or push).
    pub fn apply_update(&mut self, update: TransportUpdate, now: u64) {
        self.apply(update, now, false);
    }

    fn apply(&mut self, update: TransportUpdate, now: u64, restoring: bool) {
        if !matches!(
            self.state,
            SessionState::Active | SessionState::Ending | SessionState::Restoring
        ) {
            return;
        }
        match update {
            TransportUpdate::Messages {
                messages,
                originals,
            } => {
                self.last_activity = now;
                self.receive(messages, originals, now, restoring, false);
            }
            TransportUpdate::ChatEnded => self.finish_session(now),
            TransportUpdate::Disconnected => self.note_unreachable(),
            TransportUpdate::Reconnected => {
                self.last_activity = now;
                self.note_reachable();
            }
            TransportUpdate::SessionData(data) => self.session_data = Some(data),
            TransportUpdate::Error(value) => self.emit(WebChatEvent::Error(value)),
        }
    }

    fn receive(
        &mut self,
        messages: Vec<Message>,
        originals: Vec<Value>,
        now: u64,
        restoring: bool,
        old: bool,
    ) {
        let mut visible = Vec::new();
        for message in messages {
            if !old {
                self.side_effects(&message, now);
            }
            let hidden = message.kind == MessageType::Message
                && message
                    .text
                    .as_deref()
                    .is_some_and(|t| self.filters.matches(t));
            if hidden {
                continue;
            }
            let mut message = match &self.preprocessor {
                Some(preprocess) => preprocess(message),
                None => message,
            };
            if restoring {
                message.extra.insert("restoring".into(), Value::Bool(true));
            }
            visible.push(message);
        }
        if old {
            let mut all = visible.clone();
            all.append(&mut self.transcript.messages);
            self.transcript.messages = all;
            let mut raw = originals.clone();
            raw.append(&mut self.transcript.original_messages);
            self.transcript.original_messages = raw;
        } else {
            self.transcript.messages.extend(visible.iter().cloned());
            self.transcript
                .original_messages
                .extend(originals.iter().cloned());
        }
        if !visible.is_empty() {
            self.emit(WebChatEvent::MessageReceived(MessageReceived {
                messages: visible,
                original_messages: originals,
                restoring,
                old_messages: old,
                session_data: self.session_data.clone(),
            }));
        }
    }

    /// Participant and typing events a message implies (they apply even when it is filtered).
    fn side_effects(&mut self, message: &Message, now: u64) {
        let Some(from) = message.from.clone() else {
            return;
        };
        let at = message.timestamp.or(i64::try_from(now).ok());
        let staff = matches!(from.kind, PartyType::Agent | PartyType::Supervisor);
        match message.kind {
            MessageType::ParticipantJoined => {
                if staff {
                    self.agents.insert(
                        from.key(),
                        AgentInfo {
                            name: from.name.clone().unwrap_or_default(),
                            connected: true,
                            supervisor: from.kind == PartyType::Supervisor,
                            connected_time: at,
                            disconnected_time: None,
                        },
                    );
                }
                let change = self.participant_change(message.clone());
                match from.kind {
                    PartyType::Agent => self.emit(WebChatEvent::AgentConnected(change)),
                    PartyType::Supervisor => self.emit(WebChatEvent::SupervisorConnected(change)),
                    PartyType::Client => self.emit(WebChatEvent::ClientConnected(change)),
                    PartyType::Bot => self.emit(WebChatEvent::BotConnected(change)),
                    _ => {}
                }
            }
            MessageType::ParticipantLeft => {
                if let Some(agent) = self.agents.get_mut(&from.key()) {
                    agent.connected = false;
                    agent.disconnected_time = at;
                }
                let change = self.participant_change(message.clone());
                match from.kind {
                    PartyType::Agent => self.emit(WebChatEvent::AgentDisconnected(change)),
                    PartyType::Supervisor => {
                        self.emit(WebChatEvent::SupervisorDisconnected(change))
                    }
                    PartyType::Client => self.emit(WebChatEvent::ClientDisconnected(change)),
                    PartyType::Bot => self.emit(WebChatEvent::BotDisconnected(change)),
                    _ => {}
                }
            }
            MessageType::TypingStarted if from.kind != PartyType::Client => {
                self.agent_typing_until = Some(now + self.config.agent_typing_timeout_ms);
                self.emit(WebChatEvent::AgentTypingStarted(message.clone()));
            }
            MessageType::TypingStopped if from.kind != PartyType::Client => {
                self.agent_typing_until = None;
                self.emit(WebChatEvent::AgentTypingStopped(message.clone()));
            }
            MessageType::Message if staff && self.agent_typing_until.is_some() => {
                self.agent_typing_until = None;
                self.emit(WebChatEvent::AgentTypingStopped(message.clone()));
            }
            _ => {}
        }
    }

    fn participant_change(&self, message: Message) -> ParticipantChange {
        let connected = self.agents.values().filter(|a| a.connected).count();
        ParticipantChange {
            message,
            agents: self.agents.clone(),
            num_agents_connected: u32::try_from(connected).unwrap_or(u32::MAX),
        }
    }

    // ----- polling ------------------------------------------------------------------------

    fn check_polling(&self) -> Result<(), RejectionText> {
        if self.capabilities.polling {
            Ok(())
        } else {
            Err(RejectionText::PollingUnsupported)
        }
    }

    fn begin_polling(&mut self, now: u64) {
        self.polling = true;
        self.next_poll_at = Some(now + self.config.poll_rate_ms);
        self.emit(WebChatEvent::PollingStarted);
    }

    /// `poll` (private): the edge then polls and reports with [`Self::poll_finished`].
    pub fn poll(&mut self, caller: Caller) -> Result<(), RejectionText> {
        self.check_polling()?;
        if caller == Caller::External {
            return Err(RejectionText::PollAccessDenied);
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        if self.poll_in_flight {
            return Err(RejectionText::PreviousPollNotFinished);
        }
        self.poll_in_flight = true;
        Ok(())
    }

    /// The outcome of a poll.
    pub fn poll_finished(
        &mut self,
        outcome: Result<Vec<TransportUpdate>, TransportError>,
        now: u64,
    ) {
        self.poll_in_flight = false;
        if self.polling {
            self.next_poll_at = Some(now + self.config.poll_rate_ms);
        }
        match outcome {
            Ok(updates) => {
                self.poll_exceptions = 0;
                if self.server_offline {
                    self.server_offline = false;
                    self.emit(WebChatEvent::ChatServerBackOnline);
                    self.disconnected = true;
                }
                self.touched(now);
                for update in updates {
                    self.apply_update(update, now);
                }
            }
            Err(TransportError::Transient { .. }) => {
                self.poll_exceptions += 1;
                if self.poll_exceptions > self.config.poll_exception_limit && !self.server_offline {
                    self.server_offline = true;
                    self.emit(WebChatEvent::ChatServerWentOffline);
                }
            }
            Err(error) => self.call_failed(&error),
        }
    }

    /// `startPoll`.
    pub fn start_poll(&mut self, now: u64) -> Result<(), RejectionText> {
        self.check_polling()?;
        if !self.is_active() {
            return Err(RejectionText::NoActiveSessionShort);
        }
        if !self.polling {
            self.begin_polling(now);
        }
        Ok(())
    }

    /// `stopPoll`.
    pub fn stop_poll(&mut self) -> Result<(), RejectionText> {
        self.check_polling()?;
        if !self.is_active() {
            return Err(RejectionText::NoActiveSessionShort);
        }
        if !self.polling {
            return Err(RejectionText::NotPolling);
        }
        self.polling = false;
        self.next_poll_at = None;
        self.emit(WebChatEvent::PollingStopped);
        Ok(())
    }

    /// `pausePoll`: stops automatic polling without the `pollingStopped` event; `startPoll`
    /// resumes it. Pausing while not polling is not an error.
    pub fn pause_poll(&mut self) -> Result<(), RejectionText> {
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        self.check_polling()?;
        self.polling = false;
        self.next_poll_at = None;
        Ok(())
    }

    /// `sleep`: the widget slows polling while the page is idle; here it is a state that
    /// `sleeping` announces.
    pub fn sleep(&mut self) {
        if !self.sleeping {
            self.sleeping = true;
            self.emit(WebChatEvent::Sleeping);
        }
    }

    /// `wake`: leaves sleep mode (`waking`).
    pub fn wake(&mut self) {
        if self.sleeping {
            self.sleeping = false;
            self.emit(WebChatEvent::Waking);
        }
    }

    /// Whether `sleep` is in force.
    pub fn is_sleeping(&self) -> bool {
        self.sleeping
    }

    /// `updateInteractionData`: replaces the interaction data the next `startChat` passes to
    /// the transport ([`StartRequest::interaction_data`]); refused during a session.
    pub fn update_interaction_data(&mut self, data: UserData) -> Result<(), RejectionText> {
        if self.is_active() {
            return Err(RejectionText::InteractionDataUnsupported);
        }
        self.interaction_data = Some(data);
        Ok(())
    }

    /// `resetPollExceptions`.
    pub fn reset_poll_exceptions(&mut self) -> Result<(), RejectionText> {
        if !self.capabilities.polling {
            return Err(RejectionText::ResetPollExceptionsUnsupported);
        }
        self.poll_exceptions = 0;
        Ok(())
    }

    // ----- timers -------------------------------------------------------------------------

    /// The earliest pending deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        let poll = if self.poll_in_flight {
            None
        } else {
            self.next_poll_at
        };
        [self.client_typing_until, self.agent_typing_until, poll]
            .into_iter()
            .flatten()
            .min()
    }

    /// Fires every deadline at or before `now`.
    pub fn handle_timeout(&mut self, now: u64) -> Vec<TimerAction> {
        let mut actions = Vec::new();
        if self.client_typing_until.is_some_and(|at| at <= now) {
            self.client_typing_until = None;
            self.emit(WebChatEvent::ClientTypingStopped);
            actions.push(TimerAction::StopTyping);
        }
        if self.agent_typing_until.is_some_and(|at| at <= now) {
            self.agent_typing_until = None;
            self.emit(WebChatEvent::AgentTypingTimeout);
        }
        if self.next_poll_at.is_some_and(|at| at <= now) && self.polling && !self.poll_in_flight {
            self.next_poll_at = None;
            if self.poll(Caller::Service).is_ok() {
                actions.push(TimerAction::Poll);
            }
        }
        actions
    }

    // ----- restore ------------------------------------------------------------------------

    /// What to persist so the session can be restored; `None` without an active session.
    pub fn saved_session(&self) -> Option<SavedSession> {
        if !self.is_active() {
            return None;
        }
        Some(SavedSession {
            session_data: self.session_data.clone()?,
            filters: self.filters.patterns(),
            last_activity_ms: self.last_activity,
        })
    }

    /// `restore`: validates, recalls the filters, and returns the credentials to reattach
    /// with. Too old a session queues `restoreTimeout` and is rejected.
    pub fn restore(
        &mut self,
        options: &RestoreOptions,
        caller: Caller,
        now: u64,
    ) -> Result<SessionData, RejectionText> {
        match self.state {
            SessionState::Restoring => return Err(RejectionText::AlreadyRestoring),
            SessionState::Active | SessionState::Starting | SessionState::Ending => {
                return Err(RejectionText::RestoreWhileActive);
            }
            SessionState::Idle | SessionState::Ended => {}
        }
        let manual = caller == Caller::External && options.async_mode != Some(true);
        if manual && options.session_data.is_none() {
            return Err(RejectionText::RestoreAccessDenied);
        }
        let saved: SavedSession = options
            .session_data
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or(RejectionText::NothingToRestore)?;
        if now.saturating_sub(saved.last_activity_ms) > self.config.restore_timeout_ms {
            self.emit(WebChatEvent::RestoreTimeout);
            return Err(RejectionText::NothingToRestore);
        }
        self.filters.clear();
        if !saved.filters.is_empty() {
            self.filters.add(&saved.filters)?;
        }
        self.state = SessionState::Restoring;
        Ok(saved.session_data)
    }

    /// The transport's answer to `restore`: `restored` and the replayed history
    /// (`restoring: true`), or `restoreFailed`.
    pub fn restore_finished(
        &mut self,
        outcome: Result<(SessionData, Vec<TransportUpdate>), &TransportError>,
        now: u64,
    ) {
        match outcome {
            Ok((session_data, replay)) => {
                self.reset_for_new_session(now);
                self.session_data = Some(session_data);
                self.emit(WebChatEvent::Restored);
                for update in replay {
                    self.apply(update, now, true);
                }
                if self.state == SessionState::Restoring {
                    self.state = SessionState::Active;
                    if self.capabilities.polling {
                        self.begin_polling(now);
                    }
                }
            }
            // The back end says the chat is over: as with a stale saved session.
            Err(TransportError::SessionEnded { .. }) => {
                self.state = SessionState::Idle;
                self.filters.clear();
                self.emit(WebChatEvent::RestoreTimeout);
            }
            Err(_) => {
                self.state = SessionState::Idle;
                self.filters.clear();
                self.emit(WebChatEvent::RestoreFailed);
            }
        }
    }

    // ----- history ------------------------------------------------------------------------

    /// `fetchHistory`: the edge then fetches a page and reports with [`Self::history_fetched`].
    pub fn fetch_history(&self) -> Result<(), RejectionText> {
        self.capabilities.history.clone()?;
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        if self.history_exhausted {
            return Err(RejectionText::NoMoreHistory);
        }
        Ok(())
    }

    /// A fetched history page: published as `messageReceived` with `oldMessages: true`.
    pub fn history_fetched(&mut self, page: HistoryPage, now: u64) {
        self.history_exhausted = !page.has_more;
        self.touched(now);
        self.receive(page.messages, page.originals, now, false, true);
    }

    // ----- files --------------------------------------------------------------------------

    /// `sendFile`.
    pub fn send_file(&self) -> Result<(), RejectionText> {
        if !self.capabilities.file_upload {
            return Err(RejectionText::FileUploadUnsupported);
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        Ok(())
    }

    /// `downloadFile`.
    pub fn download_file(&self) -> Result<(), RejectionText> {
        if !self.capabilities.file_download {
            return Err(RejectionText::FileDownloadUnsupported);
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        Ok(())
    }

    /// `getFileLimits`: refused unless the transport uploads files and a session is active.
    pub fn file_limits(&self) -> Result<(), RejectionText> {
        if !self.capabilities.file_upload {
            return Err(RejectionText::FileLimitsUnsupported);
        }
        if !self.is_active() {
            return Err(RejectionText::NoActiveSession);
        }
        Ok(())
    }

    // ----- queries ------------------------------------------------------------------------

    /// `getTranscript`: the current session's, or the last ended one's.
    pub fn transcript(&self) -> Transcript {
        self.transcript.clone()
    }

    /// `getAgents`.
    pub fn agents(&self) -> AgentsSummary {
        AgentsSummary {
            agents: self.agents.clone(),
        }
    }

    /// `getStats`: `None` before any session (the widget resolves `false`).
    pub fn stats(&self, now: u64) -> Option<ChatStats> {
        let start = self.start_time?;
        let end = self.end_time;
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Some(ChatStats {
            agents: self.agents.clone(),
            start_time: as_i64(start),
            end_time: end.map(as_i64),
            duration: as_i64(end.unwrap_or(now).saturating_sub(start)),
        })
    }

    /// `getSessionData`.
    pub fn session_data(&self) -> Option<SessionData> {
        self.session_data.clone()
    }

    /// `verifySession`.
    pub fn verify_session(&self) -> SessionActive {
        SessionActive {
            session_active: self.is_active(),
        }
    }
}
