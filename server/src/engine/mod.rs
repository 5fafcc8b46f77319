//! The sans-IO Service Client API engine: the service side of the protocol as a state
//! machine.
//!
//! Input: a frame (one per connected client window), the sender's origin as the browser
//! verified it, a raw message, and the current time. Output: [`Output`]s — messages to post
//! to frames, requests to run against a [`crate::workspace::Workspace`] back end, and (when
//! enabled) trace records for an inspector. There are no sockets, tasks or timers in here;
//! the edges (the emulator's WebSocket relay, an in-process transport, a test) move the
//! outputs and feed back results with [`Engine::complete`].
//!
//! One request, end to end:
//! 1. decode the message (`agentdesk_protocol::scapi`);
//! 2. decide with the security policy: allow, deny (failure with `errorMessage`) or ignore
//!    (no answer at all);
//! 3. guard user-data writes with the write allow-list;
//! 4. answer `system.getAllowedServices` and `messenger.broadcastMessage` here, dispatch
//!    everything else to the back end;
//! 5. on completion, filter the result by the read allow-list and answer; publish the events
//!    the request caused to the frames subscribed to them.
//!
//! # Decisions
//!
//! - Messages from an origin no entry of `accepted-web-content-origins` accepts are ignored
//!   whatever they are (requests, subscriptions, malformed input): foreign pages learn
//!   nothing, not even that a Workspace is there. The frame-id handshake is sent only to
//!   frames whose origin is accepted.
//! - A malformed message that carries a `referenceId` and a `request` name is decided by
//!   the policy on that name first (so it counts against rate limits and is ignored for
//!   unaccepted origins), then answered with a failure naming the problem. Without a
//!   `referenceId` there is nobody to answer: it is dropped (and traced).
//! - A subscription naming an unknown event gets a failure
//!   `Cannot subscribe to this event: <names>` (the official client logs the same words) and
//!   subscribes nothing. An event reaches a frame once, however many of its subscriptions
//!   name it. `unsubscribe` is not answered.
//! - A `frameId` echoed on a request is accepted whatever its value; the engine identifies
//!   frames by the transport, not by the echo.
//! - `messenger.broadcastMessage` reaches every *other* frame subscribed to
//!   `messenger:<channel>`; the sender gets an empty success.
//! - The response to a request is sent before the events it caused.
//! - Limits: message size, frames, subscriptions per frame, event names per frame and pending
//!   requests per frame are bounded ([`EngineConfig`]); exceeding one is a failure when there
//!   is a `referenceId` to answer, a drop otherwise.
//!
//! ## Subscriptions
//!
//! Only names the service can deliver are stored: the six families and
//! `messenger:<channel>` with a channel of at most [`MAX_MESSENGER_CHANNEL_BYTES`] bytes. A
//! subscription is all or nothing: one bad name, or one name too many, and it subscribes
//! nothing. A frame holds at most [`EngineConfig::max_subscriptions_per_frame`] subscriptions
//! naming at most [`EngineConfig::max_subscribed_names_per_frame`] names in all (a name listed
//! twice in one subscription counts once). Over a limit the frame gets a failure whose
//! `errorMessage` names the limit and says to unsubscribe first. Subscribers are indexed by
//! event name, so publishing an event costs one lookup plus its recipients, however many
//! names other frames asked for.
//!
//! ## Frames and origins
//!
//! - Frames from an origin no entry accepts are counted apart from accepted ones and capped by
//!   [`EngineConfig::max_unaccepted_frames`], so foreign pages (any web page can open a
//!   WebSocket to loopback) cannot fill [`EngineConfig::max_frames`]: an accepted app can
//!   always connect while foreign sockets are open. A frame that changes side by navigating
//!   stays connected (its window still exists) and counts on its new side, possibly over that
//!   side's limit, which then refuses new frames of that side only.
//! - A frame whose browser-verified origin changes (the window navigated) is a new frame:
//!   its subscriptions and pending requests are dropped (answers to them are never sent) and,
//!   if and only if the new origin is accepted, it gets a fresh frame-id handshake. It keeps
//!   its [`FrameId`]; transports that can, such as the emulator's relay, go further and
//!   connect the new page as a new frame altogether. The rate windows and quarantines are not
//!   the frame's: they belong to the Workspace session, shared by all origins as Workspace
//!   counts them, and survive a navigation (reloading must not end a quarantine).
//! - Nothing is ever sent to a frame whose current origin the policy does not accept: no
//!   handshake, answer, event or messenger broadcast, also after [`Engine::set_policy`]
//!   withdrew an origin (its subscriptions are kept, but deliver nothing until the origin is
//!   accepted again).

mod trace;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use agentdesk_protocol::policy::{Decision, Policy, PolicyState, ResolvedOrigin, Timestamp};
use agentdesk_protocol::scapi::envelope::FrameIdMessage;
use agentdesk_protocol::scapi::events::{Event, EventName, InteractionEvent, MESSENGER_PREFIX};
use agentdesk_protocol::scapi::requests::MessengerBroadcastMessage;
use agentdesk_protocol::scapi::{
    ClientMessage, EventMessage, FailureResponse, Request, RequestMessage, Salvaged,
    ServiceMessage, SubscribeMessage, SuccessResponse,
};

pub use trace::{Direction, TRACED_TEXT_BYTES, TraceMessage, TraceRecord, Verdict};

use crate::workspace::{CallContext, Reply};

/// A connected client window (an iframe, a popup, or a native client connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FrameId(pub u64);

impl fmt::Display for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame-{}", self.0)
    }
}

/// A request handed to the back end, awaiting [`Engine::complete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

/// Longest messenger channel a frame may subscribe to, in bytes (`messenger:` excluded).
pub const MAX_MESSENGER_CHANNEL_BYTES: usize = 128;

/// Bounds that keep one misbehaving page from exhausting the service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineConfig {
    /// Largest message accepted, in bytes of JSON text.
    pub max_message_bytes: usize,
    /// Most frames from accepted origins connected at once.
    pub max_frames: usize,
    /// Most frames from origins no entry accepts connected at once, counted apart from
    /// [`EngineConfig::max_frames`].
    pub max_unaccepted_frames: usize,
    /// Most live subscriptions per frame.
    pub max_subscriptions_per_frame: usize,
    /// Most event names per frame, over all its subscriptions.
    pub max_subscribed_names_per_frame: usize,
    /// Most requests per frame waiting for the back end.
    pub max_pending_per_frame: usize,
    /// Emit [`Output::Trace`] records (for an inspector or a traffic log).
    pub trace: bool,
}

impl EngineConfig {
    /// Default of [`EngineConfig::max_frames`].
    pub const DEFAULT_MAX_FRAMES: usize = 4096;
    /// Default of [`EngineConfig::max_unaccepted_frames`].
    pub const DEFAULT_MAX_UNACCEPTED_FRAMES: usize = 64;
    /// Default of [`EngineConfig::max_subscriptions_per_frame`].
    pub const DEFAULT_MAX_SUBSCRIPTIONS_PER_FRAME: usize = 64;
    /// Default of [`EngineConfig::max_subscribed_names_per_frame`]: the six families and
    /// over a hundred messenger channels.
    pub const DEFAULT_MAX_SUBSCRIBED_NAMES_PER_FRAME: usize = 128;
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 256 * 1024,
            max_frames: Self::DEFAULT_MAX_FRAMES,
            max_unaccepted_frames: Self::DEFAULT_MAX_UNACCEPTED_FRAMES,
            max_subscriptions_per_frame: Self::DEFAULT_MAX_SUBSCRIPTIONS_PER_FRAME,
            max_subscribed_names_per_frame: Self::DEFAULT_MAX_SUBSCRIBED_NAMES_PER_FRAME,
            max_pending_per_frame: 256,
            trace: false,
        }
    }
}

/// What the engine asks its edges to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Outputs are consumed right away; boxing the request of `Dispatch` would cost an allocation
// per request for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Output {
    /// Post `message` to each of `frames` (encode once, send many).
    Send {
        /// Recipients.
        frames: Vec<FrameId>,
        /// The message.
        message: Arc<ServiceMessage>,
    },
    /// Run `request` against the back end, then call [`Engine::complete`] with `call`.
    Dispatch {
        /// Correlates the completion.
        call: CallId,
        /// Who asked, and when.
        context: CallContext,
        /// The request.
        request: Request,
    },
    /// A traffic-log record (only with [`EngineConfig::trace`]).
    Trace(Box<TraceRecord>),
}

/// Why the engine cannot take a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// [`EngineConfig::max_frames`] frames are connected already.
    #[error("too many frames connected (limit {limit}); close a client window first")]
    TooManyFrames {
        /// The limit.
        limit: usize,
    },
    /// [`EngineConfig::max_unaccepted_frames`] frames from origins no entry of
    /// `accepted-web-content-origins` accepts are connected already.
    #[error(
        "too many frames from origins that accepted-web-content-origins does not accept (limit {limit}); add the origin to accepted-web-content-origins or close those pages"
    )]
    TooManyUnacceptedFrames {
        /// The limit.
        limit: usize,
    },
}

#[derive(Debug, Clone)]
struct Frame {
    tab: Option<Arc<str>>,
    origin: Arc<str>,
    /// `origin` as the policy in force resolved it.
    resolved: ResolvedOrigin,
    /// Subscription id to the wire names it covers, each once.
    subscriptions: BTreeMap<String, Box<[String]>>,
    /// Names over all `subscriptions`.
    names: usize,
    pending: usize,
}

/// Event name to the frames subscribed to it, with how many of each frame's subscriptions
/// name it.
type Subscribers = BTreeMap<String, BTreeMap<FrameId, u32>>;

fn index(subscribers: &mut Subscribers, frame: FrameId, names: &[String]) {
    for name in names {
        *subscribers
            .entry(name.clone())
            .or_default()
            .entry(frame)
            .or_default() += 1;
    }
}

fn unindex(subscribers: &mut Subscribers, frame: FrameId, names: &[String]) {
    for name in names {
        let Some(frames) = subscribers.get_mut(name) else {
            continue;
        };
        if let Some(count) = frames.get_mut(&frame) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                frames.remove(&frame);
            }
        }
        if frames.is_empty() {
            subscribers.remove(name);
        }
    }
}

#[derive(Debug, Clone)]
struct Pending {
    frame: FrameId,
    reference_id: String,
    request: Cow<'static, str>,
}

/// The Service Client API service, as a state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Engine {
    policy: Policy,
    state: PolicyState,
    config: EngineConfig,
    frames: BTreeMap<FrameId, Frame>,
    /// How many of `frames` no entry accepts.
    unaccepted: usize,
    subscribers: Subscribers,
    pending: BTreeMap<CallId, Pending>,
    next_frame: u64,
    next_call: u64,
    next_subscription: u64,
}

impl Engine {
    /// An engine enforcing `policy`.
    pub fn new(policy: Policy, config: EngineConfig) -> Self {
        Self {
            state: PolicyState::new(&policy),
            policy,
            config,
            frames: BTreeMap::new(),
            unaccepted: 0,
            subscribers: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_frame: 1,
            next_call: 1,
            next_subscription: 1,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replaces the policy (as a Workspace configuration refresh does); rate windows and
    /// quarantines start afresh. Frames whose origin the new policy no longer accepts stay
    /// connected but receive nothing more.
    pub fn set_policy(&mut self, policy: Policy) {
        self.state = PolicyState::new(&policy);
        for frame in self.frames.values_mut() {
            frame.resolved = policy.resolve(&frame.origin);
        }
        self.unaccepted = self
            .frames
            .values()
            .filter(|f| !f.resolved.is_accepted())
            .count();
        self.policy = policy;
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Connected frames.
    pub fn frames(&self) -> impl Iterator<Item = FrameId> + '_ {
        self.frames.keys().copied()
    }

    /// Connected frames whose origin no entry accepts (the ones
    /// [`EngineConfig::max_unaccepted_frames`] caps).
    pub fn unaccepted_frames(&self) -> usize {
        self.unaccepted
    }

    /// The event names a frame is subscribed to, each once, in order.
    pub fn subscribed_names(&self, frame: FrameId) -> Vec<&str> {
        let names: BTreeSet<&str> = self
            .frames
            .get(&frame)
            .into_iter()
            .flat_map(|f| f.subscriptions.values())
            .flat_map(|names| names.iter().map(String::as_str))
            .collect();
        names.into_iter().collect()
    }

    /// A frame's origin and tab.
    pub fn frame_info(&self, frame: FrameId) -> Option<(&str, Option<&str>)> {
        self.frames
            .get(&frame)
            .map(|f| (&*f.origin, f.tab.as_deref()))
    }

    /// The call context of a frame, for back-end hooks such as `frame_connected`.
    pub fn context(&self, frame: FrameId, now: Timestamp) -> Option<CallContext> {
        let f = self.frames.get(&frame)?;
        Some(CallContext::new(
            frame,
            f.origin.clone(),
            f.tab.clone(),
            now,
        ))
    }

    /// Connects a client window whose page has `origin`, in Workspace tab `tab` if known.
    /// An accepted origin gets the frame-id handshake. Accepted and unaccepted frames are
    /// limited apart ([`EngineConfig::max_frames`], [`EngineConfig::max_unaccepted_frames`]).
    pub fn register_frame(
        &mut self,
        origin: impl Into<String>,
        tab: Option<String>,
        now: Timestamp,
    ) -> Result<(FrameId, Vec<Output>), EngineError> {
        let origin: Arc<str> = origin.into().into();
        let resolved = self.policy.resolve(&origin);
        let accepted = resolved.is_accepted();
        if accepted && self.frames.len() - self.unaccepted >= self.config.max_frames {
            return Err(EngineError::TooManyFrames {
                limit: self.config.max_frames,
            });
        }
        if !accepted && self.unaccepted >= self.config.max_unaccepted_frames {
            return Err(EngineError::TooManyUnacceptedFrames {
                limit: self.config.max_unaccepted_frames,
            });
        }
        let frame = FrameId(self.next_frame);
        self.next_frame += 1;
        if !accepted {
            self.unaccepted += 1;
        }
        self.frames.insert(
            frame,
            Frame {
                tab: tab.map(Arc::from),
                origin,
                resolved,
                subscriptions: BTreeMap::new(),
                names: 0,
                pending: 0,
            },
        );
        let mut out = Vec::new();
        if accepted {
            let handshake = ServiceMessage::FrameId(FrameIdMessage::new(frame.to_string()));
            self.send(
                &mut out,
                vec![frame],
                handshake,
                now,
                Verdict::Handshake,
                "frame registered",
            );
        }
        Ok((frame, out))
    }

    /// Disconnects a frame: its subscriptions end, its pending requests will not be answered.
    pub fn unregister_frame(&mut self, frame: FrameId) {
        if let Some(f) = self.frames.remove(&frame) {
            if !f.resolved.is_accepted() {
                self.unaccepted = self.unaccepted.saturating_sub(1);
            }
            for names in f.subscriptions.values() {
                unindex(&mut self.subscribers, frame, names);
            }
        }
        self.pending.retain(|_, pending| pending.frame != frame);
    }

    /// The frame's window now shows a page of another origin: forget what the previous page
    /// set up and start afresh, with the handshake if the new origin is accepted.
    fn navigated(&mut self, out: &mut Vec<Output>, frame: FrameId, origin: &str, now: Timestamp) {
        let resolved = self.policy.resolve(origin);
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        let previous = std::mem::replace(&mut f.origin, origin.into());
        let was_accepted = f.resolved.is_accepted();
        f.resolved = resolved;
        f.pending = 0;
        f.names = 0;
        let subscriptions = std::mem::take(&mut f.subscriptions);
        for names in subscriptions.values() {
            unindex(&mut self.subscribers, frame, names);
        }
        self.pending.retain(|_, pending| pending.frame != frame);
        match (was_accepted, resolved.is_accepted()) {
            (true, false) => self.unaccepted += 1,
            (false, true) => self.unaccepted = self.unaccepted.saturating_sub(1),
            _ => {}
        }
        self.trace_in(
            out,
            frame,
            origin,
            "",
            now,
            Verdict::Navigated,
            format!(
                "the window navigated from {previous}: {} subscription(s) and its pending requests dropped",
                subscriptions.len()
            ),
        );
        if resolved.is_accepted() {
            let handshake = ServiceMessage::FrameId(FrameIdMessage::new(frame.to_string()));
            self.send(
                out,
                vec![frame],
                handshake,
                now,
                Verdict::Handshake,
                "frame navigated to an accepted origin",
            );
        }
    }

    /// Handles one message a frame posted. `origin` is the browser-verified origin of the
    /// sender (`event.origin`), never one claimed inside the message.
    pub fn handle(
        &mut self,
        frame: FrameId,
        origin: &str,
        raw: &str,
        now: Timestamp,
    ) -> Vec<Output> {
        let mut out = outputs();
        let Some(known) = self.frames.get(&frame) else {
            self.trace_in(
                &mut out,
                frame,
                origin,
                raw,
                now,
                Verdict::Dropped,
                "unknown frame".into(),
            );
            return out;
        };
        if *known.origin != *origin {
            self.navigated(&mut out, frame, origin, now);
        }
        if raw.len() > self.config.max_message_bytes {
            let reason = format!(
                "message of {} bytes exceeds the limit of {}",
                raw.len(),
                self.config.max_message_bytes
            );
            self.trace_in(&mut out, frame, origin, "", now, Verdict::Dropped, reason);
            return out;
        }
        match ClientMessage::from_json(raw) {
            Ok(ClientMessage::Request(message)) => {
                self.request(&mut out, frame, origin, message, raw, now)
            }
            Ok(ClientMessage::Subscribe(message)) => {
                self.subscribe(&mut out, frame, origin, message, raw, now)
            }
            Ok(ClientMessage::Unsubscribe(message)) => {
                if let Some(f) = self.frames.get_mut(&frame)
                    && let Some(names) = f.subscriptions.remove(&message.subscription_id)
                {
                    f.names = f.names.saturating_sub(names.len());
                    unindex(&mut self.subscribers, frame, &names);
                }
                self.trace_in(
                    &mut out,
                    frame,
                    origin,
                    raw,
                    now,
                    Verdict::Accepted,
                    "unsubscribed".into(),
                );
            }
            Ok(_) => self.trace_in(
                &mut out,
                frame,
                origin,
                raw,
                now,
                Verdict::Dropped,
                "unsupported message kind".into(),
            ),
            Err(error) => self.malformed(&mut out, frame, origin, raw, &error.to_string(), now),
        }
        out
    }

    /// Feeds back the back end's answer to a [`Output::Dispatch`].
    pub fn complete(&mut self, call: CallId, reply: Reply, now: Timestamp) -> Vec<Output> {
        let mut out = outputs();
        let Some(pending) = self.pending.remove(&call) else {
            return out;
        };
        if let Some(frame) = self.frames.get_mut(&pending.frame) {
            frame.pending = frame.pending.saturating_sub(1);
        }
        if self
            .frames
            .get(&pending.frame)
            .is_some_and(|frame| frame.resolved.is_accepted())
        {
            let message = match reply.result {
                Ok(mut data) => {
                    let filter = &self.policy.user_data;
                    if let Some(data) = &mut data
                        && filter.hides_any(data)
                    {
                        filter.filter_value(data.make_mut());
                    }
                    ServiceMessage::Success(SuccessResponse::shared(pending.reference_id, data))
                }
                Err(error) => ServiceMessage::Failure(FailureResponse::new(
                    pending.reference_id,
                    error.message,
                )),
            };
            let verdict = if matches!(message, ServiceMessage::Success(_)) {
                Verdict::Answered
            } else {
                Verdict::Failed
            };
            self.send(
                &mut out,
                vec![pending.frame],
                message,
                now,
                verdict,
                &pending.request,
            );
        }
        for event in reply.events {
            self.publish_into(&mut out, event, None, now);
        }
        out
    }

    /// Publishes an event to every frame subscribed to its name.
    pub fn publish(&mut self, event: Event, now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        self.publish_into(&mut out, event, None, now);
        out
    }

    /// Publishes an event that concerns one Workspace tab (a `frameState` change) to the
    /// subscribed frames of that tab only.
    pub fn publish_to_tab(&mut self, event: Event, tab: &str, now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        self.publish_where(&mut out, event, now, |_, frame| {
            frame.tab.as_deref() == Some(tab)
        });
        out
    }

    fn publish_into(
        &mut self,
        out: &mut Vec<Output>,
        event: Event,
        except: Option<FrameId>,
        now: Timestamp,
    ) {
        self.publish_where(out, event, now, |id, _| Some(id) != except);
    }

    fn publish_where(
        &mut self,
        out: &mut Vec<Output>,
        mut event: Event,
        now: Timestamp,
        include: impl Fn(FrameId, &Frame) -> bool,
    ) {
        let event_name = event.name();
        let name = event_name.as_string();
        let Some(subscribed) = self.subscribers.get(&name) else {
            return;
        };
        // `may_receive` again at delivery: a policy change may have narrowed the entry since
        // the frame subscribed.
        let frames: Vec<FrameId> = subscribed
            .keys()
            .filter(|id| {
                self.frames.get(id).is_some_and(|frame| {
                    frame.resolved.is_accepted()
                        && frame.resolved.may_receive(&event_name)
                        && include(**id, frame)
                })
            })
            .copied()
            .collect();
        if frames.is_empty() {
            return;
        }
        self.filter_event(&mut event);
        let message = ServiceMessage::Event(EventMessage::new(event));
        self.send(out, frames, message, now, Verdict::Delivered, &name);
    }

    /// Applies the read allow-list to whatever user data an event carries. Messenger
    /// payloads are app-to-app and pass untouched.
    fn filter_event(&self, event: &mut Event) {
        let filter = &self.policy.user_data;
        match event {
            Event::Interaction(InteractionEvent::Change(change)) => {
                filter.filter_interaction(&mut change.interaction)
            }
            Event::Interaction(InteractionEvent::Other(raw)) | Event::Markdone(raw) => {
                raw.0
                    .values_mut()
                    .for_each(|value| filter.filter_value(value));
            }
            Event::Other { data, .. } => filter.filter_value(data),
            _ => {}
        }
    }

    fn request(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        origin: &str,
        message: RequestMessage,
        raw: &str,
        now: Timestamp,
    ) {
        let name = request_name(&message.request);
        let (decision, rule) = self.decide(frame, origin, &name, now);
        match decision {
            Decision::Allow => {}
            Decision::Ignore { .. } => {
                self.trace_in(out, frame, origin, raw, now, Verdict::Ignored, rule);
                return;
            }
            Decision::Deny { .. } => {
                self.trace_in(out, frame, origin, raw, now, Verdict::Denied, rule);
                self.deny(out, frame, message.reference_id, decision, &name, now);
                return;
            }
        }
        self.trace_in(out, frame, origin, raw, now, Verdict::Allowed, rule);
        if let Err(refused) = self.policy.user_data.guard_request(&message.request) {
            let failure = refused.to_failure(message.reference_id);
            self.send(
                out,
                vec![frame],
                ServiceMessage::Failure(failure),
                now,
                Verdict::Failed,
                &name,
            );
            return;
        }
        match message.request {
            Request::SystemGetAllowedServices(_) => {
                let allowed = self.policy.allowed_requests(origin);
                let data = serde_json::to_value(allowed).ok();
                let reply =
                    ServiceMessage::Success(SuccessResponse::new(message.reference_id, data));
                self.send(out, vec![frame], reply, now, Verdict::Answered, &name);
            }
            Request::MessengerBroadcastMessage(MessengerBroadcastMessage {
                channel,
                message: payload,
                ..
            }) => {
                let reply =
                    ServiceMessage::Success(SuccessResponse::new(message.reference_id, None));
                self.send(out, vec![frame], reply, now, Verdict::Answered, &name);
                self.publish_into(out, Event::Messenger { channel, payload }, Some(frame), now);
            }
            request => self.dispatch(out, frame, message.reference_id, request, now),
        }
    }

    fn dispatch(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        reference_id: String,
        request: Request,
        now: Timestamp,
    ) {
        let limit = self.config.max_pending_per_frame;
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        if f.pending >= limit {
            let text = format!(
                "Too many requests are pending for this frame (limit {limit}); wait for their answers."
            );
            self.fail(out, frame, reference_id, text, request.name(), now);
            return;
        }
        f.pending += 1;
        let call = CallId(self.next_call);
        self.next_call += 1;
        let context = CallContext::new(frame, Arc::clone(&f.origin), f.tab.clone(), now);
        self.pending.insert(
            call,
            Pending {
                frame,
                reference_id,
                request: request_name(&request),
            },
        );
        out.push(Output::Dispatch {
            call,
            context,
            request,
        });
    }

    fn subscribe(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        origin: &str,
        message: SubscribeMessage,
        raw: &str,
        now: Timestamp,
    ) {
        if !self.resolved(frame, origin).is_accepted() {
            self.trace_in(
                out,
                frame,
                origin,
                raw,
                now,
                Verdict::Ignored,
                "accepted-web-content-origins: no entry matches the origin".into(),
            );
            return;
        }
        let raw_names = message.names.raw();
        let unknown: Vec<&str> = raw_names
            .iter()
            .copied()
            .filter(|raw| !EventName::parse(raw).is_known())
            .collect();
        if !unknown.is_empty() || raw_names.is_empty() {
            let text = format!("Cannot subscribe to this event: {}", unknown.join(", "));
            self.trace_in(out, frame, origin, raw, now, Verdict::Denied, text.clone());
            self.fail(out, frame, message.reference_id, text, "subscribe", now);
            return;
        }
        if let Some(long) = raw_names.iter().find(|raw| {
            raw.strip_prefix(MESSENGER_PREFIX)
                .is_some_and(|channel| channel.len() > MAX_MESSENGER_CHANNEL_BYTES)
        }) {
            let shown: String = long.chars().take(MESSENGER_PREFIX.len() + 32).collect();
            let text = format!(
                "Cannot subscribe to this event: {shown}… (a messenger channel name is at most {MAX_MESSENGER_CHANNEL_BYTES} bytes; use a shorter channel name)"
            );
            self.trace_in(out, frame, origin, raw, now, Verdict::Denied, text.clone());
            self.fail(out, frame, message.reference_id, text, "subscribe", now);
            return;
        }
        // A page receives an event family only when its entry grants some request of the
        // family's namespace (see the policy docs, "Events and request filters").
        let resolved = self.resolved(frame, origin);
        let withheld: Vec<&str> = raw_names
            .iter()
            .copied()
            .filter(|raw| !resolved.may_receive(&EventName::parse(raw)))
            .collect();
        if !withheld.is_empty() {
            let text = format!(
                "Cannot subscribe to this event: {} (the origin's entry in service-client-api.accepted-web-content-origins grants no request of that namespace; add one, or `*`)",
                withheld.join(", ")
            );
            self.trace_in(out, frame, origin, raw, now, Verdict::Denied, text.clone());
            self.fail(out, frame, message.reference_id, text, "subscribe", now);
            return;
        }
        let covered: BTreeSet<&str> = raw_names.into_iter().collect();
        let max_subscriptions = self.config.max_subscriptions_per_frame;
        let max_names = self.config.max_subscribed_names_per_frame;
        let id = format!("subscription-{}", self.next_subscription);
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        let refused = if f.subscriptions.len() >= max_subscriptions {
            Some(format!(
                "Too many subscriptions for this frame (limit {max_subscriptions}); unsubscribe first."
            ))
        } else if f.names + covered.len() > max_names {
            Some(format!(
                "Too many event names subscribed for this frame: this subscription would make {} in all, the limit is {max_names}; unsubscribe from names you no longer need first, or subscribe to fewer messenger channels.",
                f.names + covered.len()
            ))
        } else {
            None
        };
        if let Some(text) = refused {
            self.trace_in(out, frame, origin, raw, now, Verdict::Denied, text.clone());
            self.fail(out, frame, message.reference_id, text, "subscribe", now);
            return;
        }
        self.next_subscription += 1;
        let names: Box<[String]> = covered.iter().map(|name| (*name).to_owned()).collect();
        f.names += names.len();
        index(&mut self.subscribers, frame, &names);
        f.subscriptions.insert(id.clone(), names);
        self.trace_in(
            out,
            frame,
            origin,
            raw,
            now,
            Verdict::Accepted,
            format!(
                "subscribed to {}",
                covered.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
        let mut ack = SuccessResponse::new(message.reference_id, None);
        ack.subscription_id = Some(id);
        self.send(
            out,
            vec![frame],
            ServiceMessage::Success(ack),
            now,
            Verdict::Answered,
            "subscribe",
        );
    }

    fn malformed(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        origin: &str,
        raw: &str,
        error: &str,
        now: Timestamp,
    ) {
        let salvaged = Salvaged::from_json(raw);
        if !self.resolved(frame, origin).is_accepted() {
            self.trace_in(
                out,
                frame,
                origin,
                raw,
                now,
                Verdict::Ignored,
                format!("malformed, from an origin no entry accepts: {error}"),
            );
            return;
        }
        let Some(reference_id) = salvaged.reference_id else {
            self.trace_in(
                out,
                frame,
                origin,
                raw,
                now,
                Verdict::Dropped,
                format!("malformed, no referenceId to answer: {error}"),
            );
            return;
        };
        if let Some(name) = salvaged.request {
            let (decision, rule) = self.decide(frame, origin, &name, now);
            match decision {
                Decision::Ignore { .. } => {
                    self.trace_in(out, frame, origin, raw, now, Verdict::Ignored, rule);
                    return;
                }
                Decision::Deny { .. } => {
                    self.trace_in(out, frame, origin, raw, now, Verdict::Denied, rule);
                    self.deny(out, frame, reference_id, decision, &name, now);
                    return;
                }
                _ => {}
            }
        }
        self.trace_in(
            out,
            frame,
            origin,
            raw,
            now,
            Verdict::Denied,
            format!("malformed: {error}"),
        );
        self.fail(
            out,
            frame,
            reference_id,
            format!("Invalid message: {error}"),
            "malformed",
            now,
        );
    }

    /// The frame's origin as the policy resolved it (an unknown frame is accepted by none).
    fn resolved(&self, frame: FrameId, origin: &str) -> ResolvedOrigin {
        match self.frames.get(&frame) {
            Some(f) => f.resolved,
            None => self.policy.resolve(origin),
        }
    }

    fn decide(
        &mut self,
        frame: FrameId,
        origin: &str,
        request: &str,
        now: Timestamp,
    ) -> (Decision, String) {
        let resolved = self.resolved(frame, origin);
        let explanation =
            self.policy
                .explain_resolved(&mut self.state, origin, resolved, request, now);
        // The rule is text only for the traffic log; allowing stays allocation-free.
        let rule = if self.config.trace {
            explanation.rule.to_string()
        } else {
            String::new()
        };
        (explanation.decision, rule)
    }

    fn deny(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        reference_id: String,
        decision: Decision,
        request: &str,
        now: Timestamp,
    ) {
        let Some(failure) = decision.into_failure(reference_id) else {
            return;
        };
        self.send(
            out,
            vec![frame],
            ServiceMessage::Failure(failure),
            now,
            Verdict::Failed,
            request,
        );
    }

    fn fail(
        &mut self,
        out: &mut Vec<Output>,
        frame: FrameId,
        reference_id: String,
        text: String,
        request: &str,
        now: Timestamp,
    ) {
        let failure = ServiceMessage::Failure(FailureResponse::new(reference_id, text));
        self.send(out, vec![frame], failure, now, Verdict::Failed, request);
    }

    fn send(
        &self,
        out: &mut Vec<Output>,
        frames: Vec<FrameId>,
        message: ServiceMessage,
        now: Timestamp,
        verdict: Verdict,
        about: &str,
    ) {
        let message = Arc::new(message);
        if self.config.trace
            && let Some(first) = frames.first()
        {
            // One record per send, however many frames it reaches: a fan-out to a thousand
            // frames is one line in the log, sharing the message instead of copying it.
            let origin = self
                .frames
                .get(first)
                .map(|f| f.origin.to_string())
                .unwrap_or_default();
            out.push(Output::Trace(Box::new(TraceRecord {
                at: now,
                frame: *first,
                recipients: frames.len(),
                origin,
                direction: Direction::Outbound,
                verdict,
                reason: about.to_owned(),
                message: TraceMessage::Outbound(Arc::clone(&message)),
            })));
        }
        out.push(Output::Send { frames, message });
    }

    #[allow(clippy::too_many_arguments)]
    fn trace_in(
        &self,
        out: &mut Vec<Output>,
        frame: FrameId,
        origin: &str,
        raw: &str,
        now: Timestamp,
        verdict: Verdict,
        reason: String,
    ) {
        if !self.config.trace {
            return;
        }
        let message = TraceMessage::inbound(raw);
        out.push(Output::Trace(Box::new(TraceRecord {
            at: now,
            frame,
            recipients: 1,
            origin: origin.to_owned(),
            direction: Direction::Inbound,
            verdict,
            reason,
            message,
        })));
    }
}

/// An output list sized for the common case (one message or dispatch, and its trace
/// record). Outputs are large; the default first growth to four would leave the
/// allocator's fast size classes on every request.
fn outputs() -> Vec<Output> {
    Vec::with_capacity(2)
}

/// The request's name, borrowed from the request table when it is a known one.
fn request_name(request: &Request) -> Cow<'static, str> {
    match request.spec() {
        Some(spec) => Cow::Borrowed(spec.name),
        None => Cow::Owned(request.name().to_owned()),
    }
}
