//! [`ChatService`]: the async facade driving a [`ChatSession`] over a [`ChatTransport`].
//!
//! Every command locks the state machine briefly (never across an `.await`), performs the
//! transport call it asked for, and reports the outcome back. A background driver task
//! receives pushed transport updates and fires the machine's deadlines (typing timers,
//! polling). Events go out on a broadcast channel.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use agentdesk_protocol::webchat::{
    AddPrefilterOptions, AgentsSummary, ChatStats, FilteredMessageOptions, Message, MessageOptions,
    PrefilterPattern, RejectionText, RestoreOptions, SessionActive, SessionData, StartChatOptions,
    Transcript, UserData, WebChatCommand, WebChatEvent,
};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, watch};

use crate::clock::{Clock, TokioClock};
use crate::config::ChatConfig;
use crate::error::{CommandError, TransportError};
use crate::reply::Reply;
use crate::session::{
    Caller, ChatSession, PreProcessor, SavedSession, SessionState, TimerAction, UserDataUpdate,
};
use crate::transport::{ChatTransport, FilePart, SendOptions, StartedSession, UpdateReceiver};

/// How many events a slow subscriber may lag behind before it misses some.
const EVENT_BUFFER: usize = 256;

enum DriverMessage {
    Attach(UpdateReceiver),
    Wake,
}

struct Shared {
    session: Mutex<ChatSession>,
    transport: Arc<dyn ChatTransport>,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<WebChatEvent>,
    driver: mpsc::UnboundedSender<DriverMessage>,
    state: watch::Sender<SessionState>,
}

impl Shared {
    fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    fn lock(&self) -> MutexGuard<'_, ChatSession> {
        // A panic while holding the lock leaves a consistent machine (no partial updates
        // across awaits), so a poisoned lock is still usable.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the machine, then publishes its events and re-arms the timer.
    fn with<T>(&self, f: impl FnOnce(&mut ChatSession, u64) -> T) -> T {
        let now = self.now();
        let (result, events) = {
            let mut session = self.lock();
            let result = f(&mut session, now);
            self.state.send_if_modified(|state| {
                let changed = *state != session.state();
                *state = session.state();
                changed
            });
            (result, session.take_events())
        };
        for event in events {
            // No subscriber is not an error: events are fire-and-forget like the bus.
            let _ = self.events.send(event);
        }
        let _ = self.driver.send(DriverMessage::Wake);
        result
    }

    /// Hands a session's update stream to the driver (after the machine knows the session).
    fn attach(&self, started: &mut StartedSession) {
        if let Some(updates) = started.updates.take() {
            let _ = self.driver.send(DriverMessage::Attach(updates));
        }
    }

    async fn run_timers(&self) {
        let actions = self.with(|s, now| s.handle_timeout(now));
        for action in actions {
            match action {
                TimerAction::StopTyping => {
                    let outcome = self.transport.send_typing(false, "").await;
                    self.report(outcome.map(|_| ()));
                }
                TimerAction::Poll => {
                    let outcome = self.transport.poll().await;
                    self.with(|s, now| s.poll_finished(outcome, now));
                }
            }
        }
    }

    fn report(&self, outcome: Result<(), TransportError>) {
        match outcome {
            Ok(()) => self.with(|s, now| s.touched(now)),
            Err(error) => self.with(|s, _| s.call_failed(&error)),
        }
    }
}

/// Events a subscriber missed because it fell more than the buffer (256 events) behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} WebChatService events were missed: the subscriber fell more than 256 events behind")]
pub struct Lagged(pub u64);

type Pending = Pin<
    Box<
        dyn Future<
                Output = (
                    Result<WebChatEvent, broadcast::error::RecvError>,
                    broadcast::Receiver<WebChatEvent>,
                ),
            > + Send,
    >,
>;

/// Receives a service's events.
///
/// As a [`futures_util::Stream`] it yields `Ok(event)` and, when the subscriber fell more
/// than 256 events behind, one `Err(Lagged(n))` saying how many it missed, then goes on
/// with the oldest event still buffered; it ends when the service is gone.
/// [`EventStream::recv`] is the same as an async method. [`EventStream::next`] skips lag
/// (it is convenient where losing events does not matter) but still counts it in
/// [`EventStream::missed`].
pub struct EventStream {
    receiver: Option<broadcast::Receiver<WebChatEvent>>,
    pending: Option<Pending>,
    missed: u64,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("missed", &self.missed)
            .finish_non_exhaustive()
    }
}

impl EventStream {
    fn new(receiver: broadcast::Receiver<WebChatEvent>) -> Self {
        Self {
            receiver: Some(receiver),
            pending: None,
            missed: 0,
        }
    }

    /// The next event, `Err(Lagged(n))` after `n` missed ones, `None` once the service is
    /// gone.
    pub async fn recv(&mut self) -> Option<Result<WebChatEvent, Lagged>> {
        futures_util::StreamExt::next(self).await
    }

    /// The next event; `None` once the service is gone. Missed events are skipped (see
    /// [`EventStream::missed`]).
    pub async fn next(&mut self) -> Option<WebChatEvent> {
        loop {
            match self.recv().await? {
                Ok(event) => return Some(event),
                Err(Lagged(_)) => continue,
            }
        }
    }

    /// An event already queued, without waiting (`None` while [`recv`](Self::recv) or
    /// [`next`](Self::next) is part-way through waiting). Missed events are skipped and
    /// counted.
    pub fn try_next(&mut self) -> Option<WebChatEvent> {
        let receiver = self.receiver.as_mut()?;
        loop {
            match receiver.try_recv() {
                Ok(event) => return Some(event),
                Err(broadcast::error::TryRecvError::Lagged(n)) => self.missed += n,
                Err(_) => return None,
            }
        }
    }

    /// How many events this subscriber has missed so far.
    pub fn missed(&self) -> u64 {
        self.missed
    }
}

impl futures_util::Stream for EventStream {
    type Item = Result<WebChatEvent, Lagged>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(mut receiver) = this.receiver.take() else {
                return Poll::Ready(None);
            };
            this.pending = Some(Box::pin(async move {
                let outcome = receiver.recv().await;
                (outcome, receiver)
            }));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let (outcome, receiver) = match pending.as_mut().poll(cx) {
            Poll::Ready(done) => done,
            Poll::Pending => return Poll::Pending,
        };
        this.pending = None;
        this.receiver = Some(receiver);
        Poll::Ready(match outcome {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                this.missed += n;
                Some(Err(Lagged(n)))
            }
            Err(broadcast::error::RecvError::Closed) => {
                this.receiver = None;
                None
            }
        })
    }
}

/// WebChatService for one visitor: commands as async methods, events as an [`EventStream`].
#[derive(Clone)]
pub struct ChatService {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ChatService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatService")
            .field("session", &*self.shared.lock())
            .finish_non_exhaustive()
    }
}

impl ChatService {
    /// A service over `transport`, with wall-clock time advanced by tokio's clock.
    ///
    /// Must be called inside a tokio runtime (it spawns the driver task). The returned stream
    /// already holds `ready` and `capabilitiesChanged`.
    pub fn new(config: ChatConfig, transport: Arc<dyn ChatTransport>) -> (Self, EventStream) {
        Self::with_clock(config, transport, Arc::new(TokioClock::new()))
    }

    /// As [`ChatService::new`] with an explicit clock.
    pub fn with_clock(
        config: ChatConfig,
        transport: Arc<dyn ChatTransport>,
        clock: Arc<dyn Clock>,
    ) -> (Self, EventStream) {
        let session = ChatSession::new(config, transport.capabilities());
        let (events, receiver) = broadcast::channel(EVENT_BUFFER);
        let (driver, control) = mpsc::unbounded_channel();
        let (state, _) = watch::channel(session.state());
        let shared = Arc::new(Shared {
            session: Mutex::new(session),
            transport,
            clock,
            events,
            driver,
            state,
        });
        tokio::spawn(drive(Arc::downgrade(&shared), control));
        shared.with(|_, _| ());
        (Self { shared }, EventStream::new(receiver))
    }

    /// Another subscriber (receives events from now on).
    pub fn subscribe(&self) -> EventStream {
        EventStream::new(self.shared.events.subscribe())
    }

    /// `startChat`: resolves with the back end's reply.
    pub async fn start_chat(&self, options: StartChatOptions) -> Result<Reply, CommandError> {
        let request = self.shared.with(|s, _| s.start_chat(options))?;
        match self.shared.transport.start(request).await {
            Ok(mut started) => {
                let response = started.response.clone();
                let replay = std::mem::take(&mut started.replay);
                let data = started.session_data.clone();
                self.shared
                    .with(|s, now| s.start_finished(Ok((response.clone(), data, replay)), now));
                // Only now: pushes that arrived meanwhile wait in the channel, and the machine
                // ignores updates for a session that is not active yet.
                self.shared.attach(&mut started);
                Ok(Reply::new(response))
            }
            Err(error) => {
                self.shared
                    .with(|s, now| s.start_finished(Err(&error), now));
                Err(error.into())
            }
        }
    }

    /// `endChat`.
    pub async fn end_chat(&self) -> Result<Reply, CommandError> {
        self.shared.with(|s, _| s.end_chat())?;
        let outcome = self.shared.transport.end().await;
        self.shared
            .with(|s, now| s.end_finished(outcome.as_ref().map(|_| ()), now));
        outcome.map(Reply::new).map_err(Into::into)
    }

    /// `sendMessage`. `type` and `parentMessageID` of the options go to back ends that take
    /// them (GMS `messageType` and `eventAttributes`).
    pub async fn send_message(&self, options: MessageOptions) -> Result<Reply, CommandError> {
        let text = self.shared.with(|s, _| s.send_message(&options))?;
        let text_of = |key: &str| {
            options
                .extra
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let extra = SendOptions {
            message_type: text_of("type"),
            parent_message_id: text_of("parentMessageID"),
        };
        self.call(self.shared.transport.send_message_with(&text, &extra).await)
    }

    /// `sendCustomNotice`.
    pub async fn send_custom_notice(&self, options: MessageOptions) -> Result<Reply, CommandError> {
        let text = self.shared.with(|s, _| s.send_custom_notice(&options))?;
        self.call(self.shared.transport.send_custom_notice(&text).await)
    }

    /// `sendTyping`: resolves with the back end's reply, or `null` while the visitor is
    /// already typing (the stop timer just restarts).
    pub async fn send_typing(&self, options: MessageOptions) -> Result<Reply, CommandError> {
        match self.shared.with(|s, now| s.send_typing(&options, now))? {
            Some(preview) => self.call(self.shared.transport.send_typing(true, &preview).await),
            None => Ok(Reply::new(Value::Null)),
        }
    }

    /// `sendFilteredMessage`.
    pub async fn send_filtered_message(
        &self,
        options: FilteredMessageOptions,
    ) -> Result<Value, CommandError> {
        let text = self.shared.with(|s, _| s.send_filtered_message(&options))?;
        self.call(self.shared.transport.send_message(&text).await)
            .map(|_| Value::Null)
    }

    /// `addPrefilter`: resolves with every registered prefilter.
    pub fn add_prefilter(
        &self,
        options: AddPrefilterOptions,
    ) -> Result<Vec<PrefilterPattern>, CommandError> {
        Ok(self.shared.with(|s, _| s.add_prefilter(&options))?)
    }

    /// `registerPreProcessor`: `f` sees every incoming message before it is published.
    pub fn register_pre_processor(&self, f: impl Fn(Message) -> Message + Send + Sync + 'static) {
        let f: PreProcessor = Box::new(f);
        self.shared.with(|s, _| s.register_pre_processor(f));
    }

    /// `updateUserData`: before a session, resolves with the merged data; during one, with
    /// the back end's reply.
    pub async fn update_user_data(&self, data: UserData) -> Result<Reply, CommandError> {
        match self.shared.with(|s, _| s.update_user_data(data))? {
            UserDataUpdate::Stored(merged) => {
                Ok(Reply::new(Value::Object(merged.into_iter().collect())))
            }
            UserDataUpdate::Send(data) => {
                self.call(self.shared.transport.update_user_data(&data).await)
            }
        }
    }

    /// `poll`: private to the service, so callers always get the access-denied rejection
    /// (or the transport's "doesn't support polling").
    pub fn poll(&self) -> Result<(), CommandError> {
        Ok(self.shared.with(|s, _| s.poll(Caller::External))?)
    }

    /// `startPoll`.
    pub fn start_poll(&self) -> Result<(), CommandError> {
        Ok(self.shared.with(|s, now| s.start_poll(now))?)
    }

    /// `stopPoll`.
    pub fn stop_poll(&self) -> Result<(), CommandError> {
        Ok(self.shared.with(|s, _| s.stop_poll())?)
    }

    /// `resetPollExceptions`.
    pub fn reset_poll_exceptions(&self) -> Result<(), CommandError> {
        Ok(self.shared.with(|s, _| s.reset_poll_exceptions())?)
    }

    /// What to persist to [`restore`](Self::restore) this session later.
    pub fn saved_session(&self) -> Option<SavedSession> {
        self.shared.with(|s, _| s.saved_session())
    }

    /// `restore` with `sessionData` = [`SavedSession::to_json`].
    pub async fn restore(&self, options: RestoreOptions) -> Result<(), CommandError> {
        let data = self
            .shared
            .with(|s, now| s.restore(&options, Caller::External, now))?;
        match self.shared.transport.restore(data).await {
            Ok(mut started) => {
                let replay = std::mem::take(&mut started.replay);
                let data = started.session_data.clone();
                self.shared
                    .with(|s, now| s.restore_finished(Ok((data, replay)), now));
                self.shared.attach(&mut started);
                Ok(())
            }
            Err(error) => {
                self.shared
                    .with(|s, now| s.restore_finished(Err(&error), now));
                Err(error.into())
            }
        }
    }

    /// `getTranscript`.
    pub fn get_transcript(&self) -> Transcript {
        self.shared.lock().transcript()
    }

    /// `getAgents`.
    pub fn get_agents(&self) -> AgentsSummary {
        self.shared.lock().agents()
    }

    /// `getStats`.
    pub fn get_stats(&self) -> Option<ChatStats> {
        let now = self.shared.now();
        self.shared.lock().stats(now)
    }

    /// `getSessionData`.
    pub fn get_session_data(&self) -> Option<SessionData> {
        self.shared.lock().session_data()
    }

    /// `verifySession`; while a restore is in progress, waits for its outcome.
    pub async fn verify_session(&self) -> SessionActive {
        let mut state = self.shared.state.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail; fall through if it did.
        let _ = state
            .wait_for(|state| *state != SessionState::Restoring)
            .await;
        self.shared.lock().verify_session()
    }

    /// `fetchHistory`: older messages arrive as `messageReceived` with `oldMessages: true`.
    pub async fn fetch_history(&self) -> Result<(), CommandError> {
        self.shared.with(|s, _| s.fetch_history())?;
        match self.shared.transport.fetch_history().await {
            Ok(page) => {
                self.shared.with(|s, now| s.history_fetched(page, now));
                Ok(())
            }
            Err(error) => {
                self.shared.with(|s, _| s.call_failed(&error));
                Err(error.into())
            }
        }
    }

    /// `sendFile`: uploads `file` into the session; resolves with the back end's reply.
    pub async fn send_file(&self, file: FilePart) -> Result<Reply, CommandError> {
        self.shared.with(|s, _| s.send_file())?;
        self.call(self.shared.transport.send_file(&file).await)
    }

    /// `downloadFile`: the content of file `file_id` of the session.
    pub async fn download_file(&self, file_id: &str) -> Result<Vec<u8>, CommandError> {
        self.shared.with(|s, _| s.download_file())?;
        match self.shared.transport.download_file(file_id).await {
            Ok(bytes) => {
                self.shared.with(|s, now| s.touched(now));
                Ok(bytes)
            }
            Err(error) => {
                self.shared.with(|s, _| s.call_failed(&error));
                Err(error.into())
            }
        }
    }

    /// `getFileLimits`: resolves with the back end's limits reply.
    pub async fn get_file_limits(&self) -> Result<Reply, CommandError> {
        self.shared.with(|s, _| s.file_limits())?;
        self.call(self.shared.transport.file_limits().await)
    }

    /// Runs a wire command (`{"command": ..., "options": ...}`) and returns its resolution
    /// as JSON, as the widget bus would.
    pub async fn execute(&self, command: WebChatCommand) -> Result<Value, CommandError> {
        let json_of = |reply: Result<Reply, CommandError>| reply.map(Reply::into_json);
        let json = |value: Result<Value, serde_json::Error>| value.unwrap_or(Value::Null);
        match command {
            WebChatCommand::Configure(_) => Err(RejectionText::InvalidConfiguration.into()),
            WebChatCommand::StartChat(options) => json_of(self.start_chat(options).await),
            WebChatCommand::EndChat => json_of(self.end_chat().await),
            WebChatCommand::SendMessage(options) => json_of(self.send_message(options).await),
            WebChatCommand::SendCustomNotice(options) => {
                json_of(self.send_custom_notice(options).await)
            }
            WebChatCommand::SendTyping(options) => json_of(self.send_typing(options).await),
            WebChatCommand::SendFilteredMessage(options) => {
                self.send_filtered_message(options).await
            }
            WebChatCommand::AddPrefilter(options) => self
                .add_prefilter(options)
                .map(|list| json(serde_json::to_value(list))),
            WebChatCommand::UpdateUserData(data) => json_of(self.update_user_data(data).await),
            WebChatCommand::Poll => self.poll().map(|()| Value::Null),
            WebChatCommand::StartPoll => self.start_poll().map(|()| Value::Null),
            WebChatCommand::StopPoll => self.stop_poll().map(|()| Value::Null),
            WebChatCommand::ResetPollExceptions => {
                self.reset_poll_exceptions().map(|()| Value::Null)
            }
            WebChatCommand::Restore(options) => self.restore(options).await.map(|()| Value::Null),
            WebChatCommand::GetTranscript => Ok(json(serde_json::to_value(self.get_transcript()))),
            WebChatCommand::GetAgents => Ok(json(serde_json::to_value(self.get_agents()))),
            WebChatCommand::GetStats => Ok(self.get_stats().map_or(Value::Bool(false), |stats| {
                json(serde_json::to_value(stats))
            })),
            // The widget saves the file; over the bus the content has nowhere to go, so the
            // command resolves (like the widget's) with nothing once it is downloaded.
            WebChatCommand::DownloadFile(options) => self
                .download_file(&options.file_id)
                .await
                .map(|_| Value::Null),
            WebChatCommand::GetSessionData => {
                Ok(json(serde_json::to_value(self.get_session_data())))
            }
            WebChatCommand::FetchHistory => self.fetch_history().await.map(|()| Value::Null),
            WebChatCommand::VerifySession => {
                Ok(json(serde_json::to_value(self.verify_session().await)))
            }
            WebChatCommand::UpdateInteractionData(data) => Ok(self
                .shared
                .with(|s, _| s.update_interaction_data(data))
                .map(|()| Value::Null)?),
            WebChatCommand::PausePoll => Ok(self
                .shared
                .with(|s, _| s.pause_poll())
                .map(|()| Value::Null)?),
            WebChatCommand::AsyncRestore => {
                // Only asynchronous chat restores on request; elsewhere the widget rejects
                // with nothing to say.
                let saved = self
                    .saved_session()
                    .filter(|_| self.shared.transport.capabilities().async_chat);
                match saved {
                    Some(saved) => {
                        let options = RestoreOptions {
                            session_data: Some(saved.to_json()),
                            async_mode: Some(true),
                        };
                        self.restore(options).await.map(|()| Value::Null)
                    }
                    None => Err(RejectionText::Empty.into()),
                }
            }
            // A JSON command cannot carry a file: the widget's text for "cannot build the
            // upload" once the transport and session checks pass.
            WebChatCommand::SendFile(_) => {
                self.shared.with(|s, _| s.send_file())?;
                Err(RejectionText::NoFormData.into())
            }
            WebChatCommand::GetFileLimits => json_of(self.get_file_limits().await),
            WebChatCommand::RegisterTypingPreviewInput(_) => {
                Err(RejectionText::InvalidTypingPreviewInput.into())
            }
            WebChatCommand::RegisterPreProcessor(options) => Err(RejectionText::no_pre_processor(
                js_type_of(options.preprocessor.as_ref()),
            )
            .into()),
            WebChatCommand::Sleep => {
                self.shared.with(|s, _| s.sleep());
                Ok(Value::Null)
            }
            WebChatCommand::Wake(_) => {
                self.shared.with(|s, _| s.wake());
                Ok(Value::Null)
            }
            unknown @ WebChatCommand::Unknown(_) => {
                Err(CommandError::UnknownCommand(unknown.name().to_owned()))
            }
        }
    }

    fn call(&self, outcome: Result<Value, TransportError>) -> Result<Reply, CommandError> {
        match outcome {
            Ok(value) => {
                self.shared.with(|s, now| s.touched(now));
                Ok(Reply::new(value))
            }
            Err(error) => {
                self.shared.with(|s, _| s.call_failed(&error));
                Err(error.into())
            }
        }
    }
}

/// JavaScript's `typeof` of a JSON value as a widget would see it (`undefined` when absent).
fn js_type_of(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null | Value::Array(_) | Value::Object(_)) => "object",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
    }
}

/// The driver: pushed updates and deadlines. Holds only a weak reference, so dropping the
/// last [`ChatService`] ends it.
async fn drive(shared: Weak<Shared>, mut control: mpsc::UnboundedReceiver<DriverMessage>) {
    let mut updates: Option<UpdateReceiver> = None;
    loop {
        let sleep_for = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let deadline = shared.lock().next_deadline();
            deadline.map(|at| Duration::from_millis(at.saturating_sub(shared.now())))
        };
        tokio::select! {
            message = control.recv() => match message {
                Some(DriverMessage::Attach(receiver)) => updates = Some(receiver),
                Some(DriverMessage::Wake) => {}
                None => return,
            },
            update = next_update(&mut updates) => {
                let Some(shared) = shared.upgrade() else { return };
                match update {
                    Some(update) => shared.with(|s, now| s.apply_update(update, now)),
                    None => updates = None,
                }
            }
            () = sleep_or_forever(sleep_for) => {
                let Some(shared) = shared.upgrade() else { return };
                shared.run_timers().await;
            }
        }
    }
}

async fn next_update(
    updates: &mut Option<UpdateReceiver>,
) -> Option<crate::transport::TransportUpdate> {
    match updates {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_or_forever(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}
