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
//! Each message enters as an inbound context (frame, origin, text, time) that every step
//! down to its trace record reads; `frames` connects and navigates frames, `requests`
//! decides and dispatches requests, `subscriptions` keeps subscriptions and delivers events,
//! `malformed` answers input that does not decode, and `trace` writes the traffic log.
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
//! - Parameters a JavaScript Workspace would convert (`voice.answer(1)`, a record handle
//!   `"1"`, ...) are converted while decoding (`agentdesk_protocol::scapi::coerce`) and the
//!   request is handled as if sent converted; its trace reason ends with what was converted,
//!   ` (coerced: argument 0 `interactionId`: number 1 → "1")`, whatever the decision.
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
//! ## Own-tab views
//!
//! A frame registered as showing a configured view ([`Engine::register_view_frame`]) whose
//! configuration in force ([`Engine::set_views`]) puts it in a Workspace tab of its own
//! ([`View::is_own_tab`]) may only call `voice.dial` ([`OWN_TAB_REQUEST`]); the decision is
//! in `docs/decisions.md`. The rule comes after `accepted-web-content-origins`, so the two
//! combine: a request runs only if the origin's entry grants it *and* it is `voice.dial`.
//! - An origin no entry accepts is still ignored, and a request the entry's filters refuse is
//!   still denied by that filter's rule; neither is counted against the rate limits.
//! - Any other request the entry grants is denied with a failure
//!   (`The request '<name>' is not allowed for the origin '<origin>': ...`) and the trace rule
//!   ``own-tab view `<section>`: a view in its own Workspace tab may only use voice.dial``;
//!   it is not counted against the rate limits either, so such a frame cannot quarantine a
//!   request for the other frames. `system.getAllowedServices` is such a request.
//! - `voice.dial` itself is decided as for any frame (filters, rate limits, quarantine).
//! - Subscriptions are refused, all of them, with
//!   `Cannot subscribe to this event: <names> (...)`: a frame that may only dial has no event
//!   to receive. The frame still gets the frame-id handshake, which is no operation but what
//!   lets the client library start.
//! - The restriction follows the configuration in force: the frame keeps the view's section,
//!   and a reloaded option file that changes the view's mode (or drops the view) changes what
//!   the frame may do from its next message on. A section no view of the configuration has
//!   restricts nothing. Navigating keeps the section: the frame is still shown where it was.
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

mod frames;
mod malformed;
mod requests;
mod subscriptions;
mod trace;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use agentdesk_protocol::config::OWN_TAB_REQUEST;
use agentdesk_protocol::config::View;
use agentdesk_protocol::policy::{Policy, PolicyState, Timestamp};
use agentdesk_protocol::scapi::{ClientMessage, FailureResponse, Request, ServiceMessage};

pub use trace::{Direction, SharedTrace, TRACED_TEXT_BYTES, TraceMessage, TraceRecord, Verdict};

use crate::workspace::CallContext;
use frames::Frame;
use requests::Pending;
use subscriptions::Subscribers;

/// A connected client window (an iframe, a popup, or a native client connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FrameId(pub u64);

impl fmt::Display for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "frame-{}", self.0)
    }
}

/// A request handed to the back end, awaiting [`Engine::complete`]. Only the engine makes
/// one, so a completion always answers a call the engine dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(u64);

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

/// One message as it arrived: the frame that posted it, the sender's browser-verified
/// origin, the text, and when. Everything that handles the message, down to its trace
/// record, reads these from here.
#[derive(Debug, Clone, Copy)]
struct Inbound<'a> {
    frame: FrameId,
    origin: &'a str,
    raw: &'a str,
    now: Timestamp,
}

impl Inbound<'_> {
    /// The same arrival traced without its text (an oversized message, a navigation).
    fn without_text(&self) -> Self {
        Self { raw: "", ..*self }
    }
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
    /// The configured views' sections, each with whether it is shown in a Workspace tab of
    /// its own.
    views: BTreeMap<String, bool>,
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
            views: BTreeMap::new(),
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

    /// Replaces the configured views (as a Workspace configuration refresh does): frames
    /// registered as showing one are restricted, from their next message on, if the view is
    /// now in a Workspace tab of its own (see the module docs, "Own-tab views").
    pub fn set_views<'v>(&mut self, views: impl IntoIterator<Item = &'v View>) {
        self.views = views
            .into_iter()
            .map(|view| (view.section.clone(), view.is_own_tab()))
            .collect();
    }

    /// Whether `section` is the section of a configured view.
    pub fn knows_view(&self, section: &str) -> bool {
        self.views.contains_key(section)
    }

    /// The section of the own-tab view `frame` shows, if it shows one: the frame may then
    /// only call [`OWN_TAB_REQUEST`].
    pub fn own_tab_view(&self, frame: FrameId) -> Option<&str> {
        let section = self.frames.get(&frame)?.view.as_deref()?;
        self.views
            .get(section)
            .copied()
            .unwrap_or(false)
            .then_some(section)
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
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
        let inbound = &Inbound {
            frame,
            origin,
            raw,
            now,
        };
        let Some(known) = self.frames.get(&frame) else {
            self.trace_in(&mut out, inbound, Verdict::Dropped, "unknown frame".into());
            return out;
        };
        if *known.origin != *origin {
            self.navigated(&mut out, inbound);
        }
        if raw.len() > self.config.max_message_bytes {
            let reason = format!(
                "message of {} bytes exceeds the limit of {}",
                raw.len(),
                self.config.max_message_bytes
            );
            self.trace_in(&mut out, &inbound.without_text(), Verdict::Dropped, reason);
            return out;
        }
        match ClientMessage::from_json(raw) {
            Ok(ClientMessage::Request(message)) => self.request(&mut out, inbound, message),
            Ok(ClientMessage::Subscribe(message)) => self.subscribe(&mut out, inbound, message),
            Ok(ClientMessage::Unsubscribe(message)) => {
                self.unsubscribe(&mut out, inbound, &message.subscription_id)
            }
            Ok(_) => self.trace_in(
                &mut out,
                inbound,
                Verdict::Dropped,
                "unsupported message kind".into(),
            ),
            Err(error) => self.malformed(&mut out, inbound, &error.to_string()),
        }
        out
    }

    /// Answers the message `inbound` with a failure.
    fn fail(
        &self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        reference_id: String,
        text: String,
        about: &str,
    ) {
        self.send_failure(
            out,
            inbound,
            FailureResponse::new(reference_id, text),
            about,
        );
    }

    /// Answers the message `inbound` with `failure`.
    fn send_failure(
        &self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        failure: FailureResponse,
        about: &str,
    ) {
        self.send(
            out,
            vec![inbound.frame],
            ServiceMessage::Failure(failure),
            inbound.now,
            Verdict::Failed,
            about,
        );
    }

    /// Posts `message` to `frames`, with its trace record first.
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
        self.trace_out(out, &frames, &message, now, verdict, about);
        out.push(Output::Send { frames, message });
    }
}

/// An output list sized for the common case (one message or dispatch, and its trace
/// record). Outputs are large; the default first growth to four would leave the
/// allocator's fast size classes on every request.
fn outputs() -> Vec<Output> {
    Vec::with_capacity(2)
}

/// The trace rule of a request or subscription an own-tab view may not make.
fn own_tab_rule(section: &str) -> String {
    format!(
        "own-tab view `{section}`: a view in its own Workspace tab may only use {OWN_TAB_REQUEST}"
    )
}
