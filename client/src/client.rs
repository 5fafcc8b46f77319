//! The client: reference-id correlation, timeouts, the frame-id echo, and the task that
//! drives the transport.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use agentdesk_protocol::scapi::{
    Event, EventName, Payload, Request, RequestMessage, Salvaged, ScapiRequest, ServiceMessage,
    SubscribeMessage, SuccessResponse, UnsubscribeMessage,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::error::ClientError;
use crate::subscription::Subscription;
use crate::transport::{Transport, WebSocketTransport};

/// How long a call waits for its answer unless told otherwise: 10 seconds, as Genesys's
/// client library.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The request name a subscription is reported under (in [`ClientError::Timeout`]).
const SUBSCRIBE: &str = "subscribe";

/// A typed Service Client API client over any [`Transport`].
///
/// Cheap to clone; clones share the connection. A client must be created inside a Tokio
/// runtime: it spawns one task that owns the transport. The connection closes when every
/// clone and every [`Subscription`] is dropped, or on [`Client::close`].
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("timeout", &self.timeout)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// What every handle of one connection shares. The driver task holds only `state`, so the
/// outgoing queue closes (and the driver ends) when the last handle goes.
pub(crate) struct Shared {
    state: Arc<Mutex<State>>,
    outgoing: mpsc::UnboundedSender<Outgoing>,
}

enum Outgoing {
    /// A message; `reference_id` fails the matching call if the transport cannot send it.
    Message {
        text: String,
        reference_id: Option<String>,
    },
    /// Close the connection, then acknowledge.
    Close(oneshot::Sender<()>),
}

#[derive(Default)]
struct State {
    closed: bool,
    /// The decimal counter of reference ids: `"0"`, `"1"`, ...
    next_reference: u64,
    /// From the service's frame-id handshake; echoed on every later message.
    frame_id: Option<Value>,
    pending: BTreeMap<String, Pending>,
    /// The one live subscription (see [`ClientError::AlreadySubscribed`]).
    subscription: Option<Slot>,
}

struct Pending {
    request: String,
    reply: oneshot::Sender<Result<SuccessResponse, ClientError>>,
}

/// The live subscription: events whose name it covers go to `events`.
struct Slot {
    /// The subscribe message's reference id (identifies the slot before the acknowledgement).
    reference_id: String,
    /// `None` until the acknowledgement arrives.
    id: Option<String>,
    names: Vec<EventName>,
    events: mpsc::UnboundedSender<Event>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    fn next_reference(&mut self) -> String {
        let id = self.next_reference.to_string();
        self.next_reference += 1;
        id
    }
}

impl Client {
    /// A client over `transport`, with the [`DEFAULT_TIMEOUT`]. Must be called inside a
    /// Tokio runtime.
    pub fn new(transport: impl Transport + 'static) -> Self {
        Self::from_boxed(Box::new(transport))
    }

    /// A client over a boxed transport (see [`Client::new`]).
    pub fn from_boxed(transport: Box<dyn Transport>) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let (outgoing, queue) = mpsc::unbounded_channel();
        tokio::spawn(drive(transport, queue, Arc::clone(&state)));
        Self {
            shared: Arc::new(Shared { state, outgoing }),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Connects over WebSocket to `url` (e.g. `ws://127.0.0.1:8080/scapi`), identified by
    /// `origin` (the handshake's `Origin` header; the opaque origin `null` when `None`).
    pub async fn connect_websocket(url: &str, origin: Option<&str>) -> Result<Self, ClientError> {
        Ok(Self::new(WebSocketTransport::connect(url, origin).await?))
    }

    /// Connects to a `Service` in this process as a window whose page has `origin`.
    #[cfg(feature = "in-memory")]
    pub async fn connect_in_memory(
        service: &agentdesk_server::service::Service,
        origin: &str,
    ) -> Result<Self, ClientError> {
        let transport = crate::transport::InMemoryTransport::connect(service, origin).await?;
        Ok(Self::new(transport))
    }

    /// A handle on the same connection whose calls wait `timeout` for their answer. Use it
    /// once for a client-wide timeout, or inline for one call:
    /// `client.with_timeout(Duration::from_secs(1)).agent().get()`.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            timeout,
        }
    }

    /// How long this handle's calls wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The frame id the service sent in its handshake, if it has; it is echoed as `frameId`
    /// on every message sent after it arrived.
    pub fn frame_id(&self) -> Option<Value> {
        lock(&self.shared.state).frame_id.clone()
    }

    /// Whether the connection is gone (every call fails with [`ClientError::Closed`]).
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.state).closed
    }

    /// Closes the connection: pending calls fail with [`ClientError::Closed`] and
    /// subscription streams end. Returns once the transport is closed.
    pub async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.shared.outgoing.send(Outgoing::Close(done)).is_ok() {
            // An error means the driver already ended, which is what we want.
            let _ = closed.await;
        }
    }

    /// Sends any request and returns the raw `data` of the answer (`None` when absent).
    pub async fn send(&self, request: impl Into<Request>) -> Result<Option<Value>, ClientError> {
        let request = request.into();
        let name = request.name().to_owned();
        let response = self
            .exchange(&name, |reference_id, frame_id| {
                let mut message = RequestMessage::new(reference_id, request);
                message.frame_id = frame_id;
                message.to_value().to_string()
            })
            .await?;
        Ok(response.data.map(Payload::into_value))
    }

    /// Sends a typed request and decodes its typed result.
    pub async fn call<R: ScapiRequest>(&self, request: R) -> Result<R::Result, ClientError> {
        let response = self
            .exchange(R::NAME, |reference_id, frame_id| {
                let mut message = RequestMessage::new(reference_id, request.into_request());
                message.frame_id = frame_id;
                message.to_value().to_string()
            })
            .await?;
        response
            .result::<R>()
            .map_err(|source| ClientError::Decode {
                request: R::NAME.to_owned(),
                source,
            })
    }

    /// Subscribes to `names` (one message, acknowledged with a subscription id) and returns
    /// the typed event stream. Genesys's documentation says to call subscribe only once, so
    /// a client holds at most one live subscription: name every event here, or unsubscribe
    /// first ([`ClientError::AlreadySubscribed`] otherwise).
    pub async fn subscribe(&self, names: &[EventName]) -> Result<Subscription, ClientError> {
        let (sender, events) = mpsc::unbounded_channel();
        let (reference_id, answer, text) = {
            let mut state = lock(&self.shared.state);
            if state.closed {
                return Err(ClientError::Closed);
            }
            if let Some(live) = &state.subscription {
                return Err(ClientError::AlreadySubscribed {
                    subscription_id: live.id.clone().unwrap_or_else(|| "pending".to_owned()),
                });
            }
            let reference_id = state.next_reference();
            let mut message = SubscribeMessage::new(reference_id.clone(), names);
            message.frame_id = state.frame_id.clone();
            // Registered before sending, so no event can arrive unrouted.
            state.subscription = Some(Slot {
                reference_id: reference_id.clone(),
                id: None,
                names: names.to_vec(),
                events: sender,
            });
            let answer = self.register(&mut state, &reference_id, SUBSCRIBE);
            (reference_id, answer, message.to_value().to_string())
        };
        let acknowledged = self
            .await_reply(&reference_id, SUBSCRIBE, text, answer)
            .await;
        let mut state = lock(&self.shared.state);
        let slot = state
            .subscription
            .as_mut()
            .filter(|slot| slot.reference_id == reference_id);
        let id = match (acknowledged, slot) {
            (Ok(response), Some(slot)) => match response.subscription_id {
                Some(id) => {
                    slot.id = Some(id.clone());
                    Ok(id)
                }
                None => Err(ClientError::Decode {
                    request: SUBSCRIBE.to_owned(),
                    source: agentdesk_protocol::scapi::DecodeError::new(
                        "$",
                        "the subscribe acknowledgement carries no subscriptionId",
                    )
                    .with_hint("a service acknowledges a subscription with \"subscriptionId\""),
                }),
            },
            (Ok(_), None) => Err(ClientError::Closed),
            (Err(error), _) => Err(error),
        };
        match id {
            Ok(id) => Ok(Subscription::new(
                id,
                names.to_vec(),
                events,
                Arc::clone(&self.shared),
            )),
            Err(error) => {
                if state
                    .subscription
                    .as_ref()
                    .is_some_and(|slot| slot.reference_id == reference_id)
                {
                    state.subscription = None;
                }
                Err(error)
            }
        }
    }

    /// Ends a subscription: its stream ends, and the service is told (fire-and-forget, as
    /// the official library does; the service does not answer). Afterwards the client may
    /// subscribe again. Dropping a [`Subscription`] does the same, without reporting errors.
    pub async fn unsubscribe(&self, subscription: Subscription) -> Result<(), ClientError> {
        subscription.end()
    }

    /// Allocates the next reference id, builds the message and waits for its answer.
    async fn exchange(
        &self,
        request: &str,
        build: impl FnOnce(String, Option<Value>) -> String,
    ) -> Result<SuccessResponse, ClientError> {
        let (reference_id, reply, text) = {
            let mut state = lock(&self.shared.state);
            if state.closed {
                return Err(ClientError::Closed);
            }
            let reference_id = state.next_reference();
            let text = build(reference_id.clone(), state.frame_id.clone());
            let reply = self.register(&mut state, &reference_id, request);
            (reference_id, reply, text)
        };
        self.await_reply(&reference_id, request, text, reply).await
    }

    fn register(
        &self,
        state: &mut State,
        reference_id: &str,
        request: &str,
    ) -> oneshot::Receiver<Result<SuccessResponse, ClientError>> {
        let (reply, answer) = oneshot::channel();
        state.pending.insert(
            reference_id.to_owned(),
            Pending {
                request: request.to_owned(),
                reply,
            },
        );
        answer
    }

    async fn await_reply(
        &self,
        reference_id: &str,
        request: &str,
        text: String,
        answer: oneshot::Receiver<Result<SuccessResponse, ClientError>>,
    ) -> Result<SuccessResponse, ClientError> {
        let queued = self.shared.outgoing.send(Outgoing::Message {
            text,
            reference_id: Some(reference_id.to_owned()),
        });
        if queued.is_err() {
            lock(&self.shared.state).pending.remove(reference_id);
            return Err(ClientError::Closed);
        }
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result,
            // The driver dropped the call without answering: it has ended.
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => {
                // A late answer finds no pending entry and is dropped.
                lock(&self.shared.state).pending.remove(reference_id);
                Err(ClientError::Timeout {
                    request: request.to_owned(),
                    after: self.timeout,
                })
            }
        }
    }
}

impl Shared {
    /// Releases the live subscription `id` and tells the service, fire-and-forget.
    pub(crate) fn release(&self, id: &str) -> Result<(), ClientError> {
        let text = {
            let mut state = lock(&self.state);
            if state
                .subscription
                .as_ref()
                .is_some_and(|slot| slot.id.as_deref() == Some(id))
            {
                state.subscription = None;
            }
            if state.closed {
                return Err(ClientError::Closed);
            }
            let mut message = UnsubscribeMessage::new(state.next_reference(), id);
            message.frame_id = state.frame_id.clone();
            message.to_value().to_string()
        };
        self.outgoing
            .send(Outgoing::Message {
                text,
                reference_id: None,
            })
            .map_err(|_| ClientError::Closed)
    }
}

/// Owns the transport: writes queued messages, routes what arrives, and on the end of the
/// connection fails every pending call with [`ClientError::Closed`].
async fn drive(
    mut transport: Box<dyn Transport>,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
    state: Arc<Mutex<State>>,
) {
    let mut acknowledge = None;
    loop {
        tokio::select! {
            biased;
            outgoing = queue.recv() => match outgoing {
                Some(Outgoing::Message { text, reference_id }) => {
                    if let Err(error) = transport.send(text).await {
                        if let Some(pending) =
                            reference_id.and_then(|id| lock(&state).pending.remove(&id))
                        {
                            let _ = pending.reply.send(Err(ClientError::Transport(error)));
                        }
                        break;
                    }
                }
                Some(Outgoing::Close(done)) => {
                    acknowledge = Some(done);
                    break;
                }
                None => break,
            },
            incoming = transport.recv() => match incoming {
                Some(Ok(text)) => route(&state, &text),
                Some(Err(_)) | None => break,
            },
        }
    }
    {
        let mut state = lock(&state);
        state.closed = true;
        state.subscription = None;
        for (_, pending) in std::mem::take(&mut state.pending) {
            let _ = pending.reply.send(Err(ClientError::Closed));
        }
    }
    transport.close().await;
    if let Some(done) = acknowledge {
        let _ = done.send(());
    }
}

/// Routes one message from the service, as the official library does: events by name to
/// the subscription, responses by reference id to their call, the handshake to the state.
fn route(state: &Mutex<State>, text: &str) {
    let message = match ServiceMessage::from_json(text) {
        Ok(message) => message,
        Err(source) => {
            // An answer we cannot read still ends its call, with the reason.
            let reference_id = Salvaged::from_json(text).reference_id;
            let pending = reference_id.and_then(|id| lock(state).pending.remove(&id));
            if let Some(pending) = pending {
                let _ = pending.reply.send(Err(ClientError::Decode {
                    request: pending.request,
                    source,
                }));
            }
            return;
        }
    };
    let mut state = lock(state);
    match message {
        ServiceMessage::Success(response) => {
            if let Some(pending) = state.pending.remove(&response.reference_id) {
                let _ = pending.reply.send(Ok(response));
            }
        }
        ServiceMessage::Failure(failure) => {
            if let Some(pending) = state.pending.remove(&failure.reference_id) {
                let error = match failure.request {
                    Some(request) => ClientError::RateLimited {
                        request,
                        error_message: failure.error_message,
                    },
                    None => ClientError::Denied {
                        error_message: failure.error_message,
                    },
                };
                let _ = pending.reply.send(Err(error));
            }
        }
        ServiceMessage::Event(message) => {
            let name = message.event.name();
            if let Some(slot) = &state.subscription
                && slot.names.contains(&name)
            {
                // A dropped stream is released by its own drop; nothing to do here.
                let _ = slot.events.send(message.event);
            }
        }
        ServiceMessage::FrameId(handshake) => state.frame_id = Some(handshake.frame_id),
        // A message kind this version does not know: nothing to route it to.
        _ => {}
    }
}
