//! The engine's async edge: a shared [`Service`] that owns an [`Engine`] and a
//! [`Workspace`] back end, and gives each connected client window a [`Connection`].
//!
//! Transports (the native WebSocket endpoint, the host page's relay, an in-process client)
//! all go through a `Connection`, so they share one policy state, one set of subscriptions
//! and one back end. Messages of one connection are handled in order: a request's back-end
//! call is awaited before the connection's next message is read, so responses and the events
//! they cause come out in a deterministic order.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::{Event, ServiceMessage};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::chaos::{ChaosConfig, ChaosPlan};
use crate::engine::{Engine, EngineError, FrameId, Output, SharedTrace};
use crate::workspace::Workspace;

/// Messages queued for one frame before the slowest consumers start losing them.
pub const FRAME_QUEUE: usize = 1024;

/// Where the service reads the time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Timestamp::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
    }
}

/// A clock tests move by hand.
#[derive(Debug, Default)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance_secs(&self, secs: u64) {
        let mut now = lock(&self.0);
        *now = now.plus_secs(secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *lock(&self.0)
    }
}

/// The wall clock, jumped forward by hand: real time passes as usual, and a test can skip a
/// rate-limit window or a quarantine at once (`agentdesk-server test`'s `clock` steps).
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_millis: std::sync::atomic::AtomicU64,
}

impl OffsetClock {
    /// The wall clock, not yet moved.
    pub fn new() -> Self {
        Self::default()
    }

    /// Jumps the clock `millis` milliseconds forward.
    pub fn advance_millis(&self, millis: u64) {
        self.offset_millis
            .fetch_add(millis, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let offset = self
            .offset_millis
            .load(std::sync::atomic::Ordering::Relaxed);
        Timestamp::from_millis(SystemClock.now().as_millis().saturating_add(offset))
    }
}

/// A poisoned lock only means another task panicked mid-update; the engine's state is still
/// consistent between calls, so keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Inner {
    engine: Mutex<Engine>,
    workspace: Arc<dyn Workspace>,
    clock: Arc<dyn Clock>,
    frames: Mutex<BTreeMap<FrameId, Route>>,
    traces: broadcast::Sender<Arc<SharedTrace>>,
    /// With chaos timing on: the plan, and the instant its durations count from.
    chaos: Option<(Mutex<ChaosPlan>, Instant)>,
}

/// How a frame's messages reach its connection.
enum Route {
    /// At once.
    Direct(mpsc::Sender<Arc<ServiceMessage>>),
    /// Through a forwarder that holds each message until its instant (chaos timing).
    Delayed(mpsc::Sender<(Instant, Arc<ServiceMessage>)>),
}

impl Route {
    fn try_send_now(&self, message: Arc<ServiceMessage>) -> bool {
        match self {
            Self::Direct(sender) => sender.try_send(message).is_ok(),
            Self::Delayed(sender) => sender.try_send((Instant::now(), message)).is_ok(),
        }
    }

    fn try_send(&self, at: Instant, message: Arc<ServiceMessage>) -> bool {
        match self {
            Self::Direct(sender) => sender.try_send(message).is_ok(),
            Self::Delayed(sender) => sender.try_send((at, message)).is_ok(),
        }
    }
}

/// Holds each message until its instant, then hands it on; instants come in order.
async fn forward_late(
    mut delayed: mpsc::Receiver<(Instant, Arc<ServiceMessage>)>,
    connection: mpsc::Sender<Arc<ServiceMessage>>,
) {
    while let Some((at, message)) = delayed.recv().await {
        tokio::time::sleep_until(at).await;
        if connection.send(message).await.is_err() {
            return;
        }
    }
}

/// A running Service Client API service. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

impl Service {
    /// A service running `engine` against `workspace`, reading time from `clock`.
    pub fn new(engine: Engine, workspace: Arc<dyn Workspace>, clock: Arc<dyn Clock>) -> Self {
        Self::with_chaos(engine, workspace, clock, ChaosConfig::default())
    }

    /// [`Service::new`] delivering messages with chaos timing (see [`crate::chaos`]); an
    /// inactive configuration delivers at once. Needs a tokio runtime when active.
    pub fn with_chaos(
        engine: Engine,
        workspace: Arc<dyn Workspace>,
        clock: Arc<dyn Clock>,
        chaos: ChaosConfig,
    ) -> Self {
        let (traces, _) = broadcast::channel(4096);
        let chaos = chaos
            .is_active()
            .then(|| (Mutex::new(ChaosPlan::new(chaos)), Instant::now()));
        Self {
            inner: Arc::new(Inner {
                engine: Mutex::new(engine),
                workspace,
                clock,
                frames: Mutex::new(BTreeMap::new()),
                traces,
                chaos,
            }),
        }
    }

    /// The current time of the service's clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The back end.
    pub fn workspace(&self) -> &Arc<dyn Workspace> {
        &self.inner.workspace
    }

    /// Runs `f` with the engine locked (for inspection or a policy reload).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> R {
        f(&mut lock(&self.inner.engine))
    }

    /// Trace records, when the engine was configured to produce them.
    pub fn traces(&self) -> broadcast::Receiver<Arc<SharedTrace>> {
        self.inner.traces.subscribe()
    }

    /// Connects a client window whose page has `origin` (as the transport verified it).
    pub async fn connect(
        &self,
        origin: &str,
        tab: Option<String>,
    ) -> Result<Connection, EngineError> {
        self.connect_view(origin, tab, None).await
    }

    /// [`Service::connect`] for a window showing the configured view of option section
    /// `view` ([`Engine::register_view_frame`]).
    pub async fn connect_view(
        &self,
        origin: &str,
        tab: Option<String>,
        view: Option<String>,
    ) -> Result<Connection, EngineError> {
        let now = self.now();
        let (sender, incoming) = mpsc::channel(FRAME_QUEUE);
        let (frame, outputs) = {
            let mut engine = lock(&self.inner.engine);
            let (frame, outputs) = engine.register_view_frame(origin, tab, view, now)?;
            let route = if self.inner.chaos.is_some() {
                let (delayed, held) = mpsc::channel(FRAME_QUEUE);
                tokio::spawn(forward_late(held, sender));
                Route::Delayed(delayed)
            } else {
                Route::Direct(sender)
            };
            lock(&self.inner.frames).insert(frame, route);
            (frame, outputs)
        };
        self.run(outputs).await;
        let context = self.with_engine(|engine| engine.context(frame, now));
        if let Some(context) = context {
            // What a back end says about a new frame concerns its tab (its `frameState`), not
            // every window of the session.
            let events = self.inner.workspace.frame_connected(&context).await;
            if let Some(tab) = &context.tab {
                self.publish_to_tab(events, tab).await;
            }
        }
        Ok(Connection {
            frame,
            origin: origin.to_owned(),
            incoming,
            service: self.clone(),
        })
    }

    /// Publishes events from outside any request (scenarios, a back end's own notifications).
    pub async fn publish(&self, events: Vec<Event>) {
        let now = self.now();
        for event in events {
            let outputs = lock(&self.inner.engine).publish(event, now);
            self.run(outputs).await;
        }
    }

    /// Publishes events that concern one Workspace tab to that tab's subscribed frames.
    pub async fn publish_to_tab(&self, events: Vec<Event>, tab: &str) {
        let now = self.now();
        for event in events {
            let outputs = lock(&self.inner.engine).publish_to_tab(event, tab, now);
            self.run(outputs).await;
        }
    }

    async fn handle(&self, frame: FrameId, origin: &str, raw: &str) {
        let now = self.now();
        let outputs = lock(&self.inner.engine).handle(frame, origin, raw, now);
        self.run(outputs).await;
    }

    /// Delivers sends and traces, runs dispatches, and repeats with what they produce.
    async fn run(&self, outputs: Vec<Output>) {
        let mut queue = outputs;
        while !queue.is_empty() {
            let mut next = Vec::new();
            let mut sends = Vec::new();
            for output in queue {
                match output {
                    // Without chaos timing each message goes out at once, as the engine
                    // produced it; with it, a step's messages are planned together.
                    Output::Send { frames, message } if self.inner.chaos.is_none() => {
                        self.deliver_now(&frames, &message);
                    }
                    Output::Send { frames, message } => {
                        sends.extend(
                            frames
                                .into_iter()
                                .map(|frame| (frame, Arc::clone(&message))),
                        );
                    }
                    Output::Trace(record) => {
                        // Nobody listening is fine.
                        if self.inner.traces.receiver_count() > 0 {
                            let _ = self.inner.traces.send(Arc::new(SharedTrace::new(*record)));
                        }
                    }
                    Output::Dispatch {
                        call,
                        context,
                        request,
                    } => {
                        // What came before the call goes out before it is awaited.
                        self.deliver(std::mem::take(&mut sends));
                        let reply = self.inner.workspace.call(&context, request).await;
                        let now = self.now();
                        next.extend(lock(&self.inner.engine).complete(call, reply, now));
                    }
                }
            }
            self.deliver(sends);
            queue = next;
        }
    }

    /// Hands a message to its frames' connections at once.
    fn deliver_now(&self, frames: &[FrameId], message: &Arc<ServiceMessage>) {
        let routes = lock(&self.inner.frames);
        for frame in frames {
            if let Some(route) = routes.get(frame)
                && !route.try_send_now(Arc::clone(message))
            {
                tracing::warn!(%frame, "client queue full or closed: message dropped");
            }
        }
    }

    /// Hands one step's messages to their frames as chaos timing plans them.
    fn deliver(&self, sends: Vec<(FrameId, Arc<ServiceMessage>)>) {
        let Some((plan, epoch)) = &self.inner.chaos else {
            return;
        };
        if sends.is_empty() {
            return;
        }
        let now = Instant::now();
        let planned = lock(plan).schedule(now.duration_since(*epoch), sends);
        let routes = lock(&self.inner.frames);
        for delivery in planned {
            if let Some(route) = routes.get(&delivery.frame)
                && !route.try_send(now + delivery.after, delivery.message)
            {
                tracing::warn!(frame = %delivery.frame, "client queue full or closed: message dropped");
            }
        }
    }

    fn disconnect(&self, frame: FrameId, origin: &str) {
        lock(&self.inner.frames).remove(&frame);
        if let Some((plan, _)) = &self.inner.chaos {
            lock(plan).forget(frame);
        }
        let now = self.now();
        let context = {
            let mut engine = lock(&self.inner.engine);
            let context = engine.context(frame, now);
            engine.unregister_frame(frame);
            context
        };
        let workspace = Arc::clone(&self.inner.workspace);
        let service = self.clone();
        let context =
            context.unwrap_or_else(|| crate::workspace::CallContext::new(frame, origin, None, now));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                workspace.frame_disconnected(&context).await;
                drop(service);
            });
        }
    }
}

/// One connected client window. Dropping it disconnects the frame.
#[derive(Debug)]
pub struct Connection {
    frame: FrameId,
    origin: String,
    incoming: mpsc::Receiver<Arc<ServiceMessage>>,
    service: Service,
}

impl Connection {
    /// The frame handle.
    pub fn frame(&self) -> FrameId {
        self.frame
    }

    /// The origin the window was connected with; every message of this connection is
    /// handled as coming from it, and everything it receives is meant for it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Handles a message the window posted, with the origin it was connected with.
    ///
    /// A connection has one origin for its whole life: a transport that sees the window's
    /// origin change (it navigated) drops the connection and connects the new page, so
    /// nothing queued for the previous page can reach the new one.
    pub async fn send(&self, raw: &str) {
        self.service.handle(self.frame, &self.origin, raw).await;
    }

    /// The next message for this window; `None` once the service is gone.
    pub async fn recv(&mut self) -> Option<Arc<ServiceMessage>> {
        self.incoming.recv().await
    }

    /// A message already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<Arc<ServiceMessage>> {
        self.incoming.try_recv().ok()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.service.disconnect(self.frame, &self.origin);
    }
}
