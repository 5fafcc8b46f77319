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

use crate::engine::{Engine, EngineError, FrameId, Output, TraceRecord};
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
    frames: Mutex<BTreeMap<FrameId, mpsc::Sender<Arc<ServiceMessage>>>>,
    traces: broadcast::Sender<TraceRecord>,
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
        let (traces, _) = broadcast::channel(4096);
        Self {
            inner: Arc::new(Inner {
                engine: Mutex::new(engine),
                workspace,
                clock,
                frames: Mutex::new(BTreeMap::new()),
                traces,
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
    pub fn traces(&self) -> broadcast::Receiver<TraceRecord> {
        self.inner.traces.subscribe()
    }

    /// Connects a client window whose page has `origin` (as the transport verified it).
    pub async fn connect(
        &self,
        origin: &str,
        tab: Option<String>,
    ) -> Result<Connection, EngineError> {
        let now = self.now();
        let (sender, incoming) = mpsc::channel(FRAME_QUEUE);
        let (frame, outputs) = {
            let mut engine = lock(&self.inner.engine);
            let (frame, outputs) = engine.register_frame(origin, tab, now)?;
            lock(&self.inner.frames).insert(frame, sender);
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
            for output in queue {
                match output {
                    Output::Send { frames, message } => self.deliver(&frames, &message),
                    Output::Trace(record) => {
                        // Nobody listening is fine.
                        let _ = self.inner.traces.send(*record);
                    }
                    Output::Dispatch {
                        call,
                        context,
                        request,
                    } => {
                        let reply = self.inner.workspace.call(&context, request).await;
                        let now = self.now();
                        next.extend(lock(&self.inner.engine).complete(call, reply, now));
                    }
                }
            }
            queue = next;
        }
    }

    fn deliver(&self, frames: &[FrameId], message: &Arc<ServiceMessage>) {
        let senders = lock(&self.inner.frames);
        for frame in frames {
            if let Some(sender) = senders.get(frame)
                && sender.try_send(Arc::clone(message)).is_err()
            {
                tracing::warn!(%frame, "client queue full or closed: message dropped");
            }
        }
    }

    fn disconnect(&self, frame: FrameId, origin: &str) {
        lock(&self.inner.frames).remove(&frame);
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
