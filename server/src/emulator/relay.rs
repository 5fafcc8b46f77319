//! The host page's relay: `GET /relay`.
//!
//! The host page listens for `message` events from the app frames it embeds (iframes and
//! popups), and forwards each one with the origin the browser verified (`event.origin`) and the
//! frame it came from. Replies come back addressed to a frame with the exact origin to post to
//! (never `*`). Only WebSocket handshakes whose `Origin` is the host page's own may relay: any
//! other page could otherwise claim to speak for any origin.
//!
//! The frames are [`FromPage`] (page to server) and [`ToPage`] (server to page), typed in
//! `agentdesk_protocol::emulator::relay`.
//!
//! # Views
//!
//! A registration may name the option section of the configured view the frame shows
//! (`view`). The frame is connected with it, and while the option file in force puts that
//! view in a Workspace tab of its own, the engine lets the frame call `voice.dial` only (see
//! the engine's module docs, "Own-tab views"). A section that is no view of the option file in
//! force restricts nothing: the frame is registered all the same, and the page is told (and
//! the server logs) which section it named.
//!
//! # One page, one connection
//!
//! A relayed frame is connected to the service with one origin: the one given at
//! registration (worked out by the host page from the app's URL), then the browser-verified
//! `event.origin` of its messages. When a message arrives with another origin, the window has
//! navigated to another page: the relay drops the frame's connection (the engine forgets its
//! subscriptions and pending requests, answers still queued for the previous page are
//! discarded) and connects the new page as a new frame, which gets a fresh frame-id handshake
//! if, and only if, its origin is accepted. Every reply is posted with the exact origin of the
//! connection it was queued on, so a reply or event meant for the previous page is dropped by
//! the browser even if the window navigated while it was on its way.
//!
//! The host page does not reset frames on the iframe `load` event: it fires after the new
//! page's scripts ran, often after they posted their first subscriptions, so resetting then
//! would drop a legitimate app's fresh state after every reload. A navigation the relay has
//! not yet seen (the new page posted nothing) costs nothing either: what the engine still
//! sends is addressed to the previous origin and never reaches the new page.
//!
//! # Sandboxed apps (opaque origin `null`)
//!
//! A sandboxed iframe, a `data:` URL or a `file:` page has the opaque origin `null`, which only
//! a `*` entry of `accepted-web-content-origins` accepts. A browser cannot post to the target
//! origin `"null"`, and posting with `"*"` would hand the reply to whatever page is in that
//! window when it arrives (including one the sandboxed app navigated to). So the relay does not
//! relay for opaque origins at all: their messages are dropped, the host page is told (console
//! and inspector) each time a frame comes to such an origin, and nothing is ever posted to
//! them; the app's requests time out as with a Workspace that ignores them. Serve such an app from an
//! `http(s)` origin and list that origin instead. (Native clients without an `Origin` header
//! are `null` too, but a WebSocket is addressed to one client: `/scapi` answers them when `*`
//! accepts them.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use agentdesk_protocol::emulator::relay::{FromPage, ToPage};
use agentdesk_protocol::scapi::ServiceMessage;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use tokio::sync::{broadcast, mpsc};

use super::AppState;
use crate::engine::SharedTrace;
use crate::service::{Connection, Service};
use crate::simulated::SimulatedWorkspace;
use crate::ws::{MAX_FRAME_BYTES, READ_BUFFER_BYTES, handshake_origin};

/// Most frames one host page may relay for.
pub(super) const MAX_FRAMES_PER_PAGE: usize = 64;

/// Frames to the page written with one flush at most, when replies and trace records queue up.
const MAX_FRAMES_PER_WRITE: usize = 64;

/// Bytes of frames to the page gathered before they are written without waiting for the flush
/// (one page has one relay socket, so this costs little).
const WRITE_BUFFER_BYTES: usize = 32 * 1024;

pub(super) async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let origin = handshake_origin(&headers);
    if !state.host_origins.contains(&origin) {
        tracing::warn!(%origin, "relay refused: only the host page's own origin may relay for frames");
        return (
            StatusCode::FORBIDDEN,
            "only the host page's own origin may use /relay",
        )
            .into_response();
    }
    let service = state.service.clone();
    let workspace = Arc::clone(&state.workspace);
    let desktop = state.clone();
    upgrade
        .max_message_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            let tabs = relay(service.clone(), desktop, socket).await;
            close_tabs(service, workspace, tabs).await;
        })
}

/// A host page is a Workspace browser tab: when its relay socket ends (the agent closed or
/// reloaded it), its tabs close, and closing the leader runs an election.
async fn close_tabs(service: Service, workspace: Arc<SimulatedWorkspace>, tabs: BTreeSet<String>) {
    for tab in tabs {
        // A tab the control API closed already is no error here.
        let _ = super::tabs::close(&service, &workspace, &tab).await;
    }
}

/// A frame to the page as text; `None` (logged) in the unlikely case it cannot be encoded.
fn encoded(frame: Result<String, serde_json::Error>) -> Option<String> {
    frame
        .map_err(|error| tracing::warn!(%error, "relay: frame to the page not encoded"))
        .ok()
}

/// Inbound messages for one relayed frame: (`event.origin`, raw JSON).
type FrameInbox = mpsc::Sender<(String, String)>;

/// Relays one host page's frames until its socket ends; returns the Workspace tabs the page's
/// frames were in.
async fn relay(service: Service, desktop: AppState, mut socket: WebSocket) -> BTreeSet<String> {
    let (to_page, mut outbox) = mpsc::channel::<String>(1024);
    let mut frames: BTreeMap<String, FrameInbox> = BTreeMap::new();
    let mut tabs = BTreeSet::new();
    let mut traces = service.traces();
    let mut shown = DesktopShown::default();
    let mut look = tokio::time::interval(STATE_LOOK);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Replies first, then what the page sends, then the inspector's traces: an app's
        // answer never waits behind the timeline of the messages that produced it.
        tokio::select! {
            biased;
            outgoing = outbox.recv() => {
                let Some(frame) = outgoing else { break };
                if write_queued(&mut socket, frame, &mut outbox, &mut traces).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                if let Err(problem) = from_page(&service, &mut frames, &mut tabs, &to_page, text.as_str()).await {
                    let frame = ToPage::error_text(&problem);
                    if socket.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
            }
            trace = traces.recv() => {
                if let Some(frame) = trace.ok().and_then(|record| trace_frame(&record))
                    && write_queued(&mut socket, frame, &mut outbox, &mut traces).await.is_err()
                {
                    break;
                }
            }
            _ = desktop.changed.notified() => {
                if shown.push(&desktop, &mut socket).await.is_err() {
                    break;
                }
            }
            _ = look.tick() => {
                if shown.push(&desktop, &mut socket).await.is_err() {
                    break;
                }
            }
        }
    }
    tabs
}

/// How often the desktop is looked at for changes nothing announced (an app's request, a
/// toast running out): a page learns of them within this time.
const STATE_LOOK: std::time::Duration = std::time::Duration::from_millis(200);

/// The desktop state a page was last sent, so only changes go out.
#[derive(Default)]
struct DesktopShown(Option<String>);

impl DesktopShown {
    /// Sends the desktop state when it differs from what the page has.
    async fn push(
        &mut self,
        desktop: &AppState,
        socket: &mut WebSocket,
    ) -> Result<(), axum::Error> {
        let state = super::control::desktop_state_of(desktop);
        let Some(text) = encoded(ToPage::state_text(&state)) else {
            return Ok(());
        };
        if self.0.as_deref() == Some(text.as_str()) {
            return Ok(());
        }
        socket.send(Message::Text(text.clone().into())).await?;
        self.0 = Some(text);
        Ok(())
    }
}

/// The inspector's frame for `record`, from the JSON every listener shares.
fn trace_frame(record: &SharedTrace) -> Option<String> {
    let json = record.json()?;
    let mut frame = String::with_capacity(json.len() + 28);
    frame.push_str(r#"{"type":"trace","record":"#);
    frame.push_str(json);
    frame.push('}');
    Some(frame)
}

/// Writes `first` and what else is already queued for the page (up to
/// [`MAX_FRAMES_PER_WRITE`]), then flushes once: under load a reply and its trace records go
/// out in one write instead of one each.
async fn write_queued(
    socket: &mut WebSocket,
    first: String,
    outbox: &mut mpsc::Receiver<String>,
    traces: &mut broadcast::Receiver<Arc<SharedTrace>>,
) -> Result<(), axum::Error> {
    socket.feed(Message::Text(first.into())).await?;
    for _ in 1..MAX_FRAMES_PER_WRITE {
        let next = match outbox.try_recv() {
            Ok(frame) => Some(frame),
            Err(_) => match traces.try_recv() {
                Ok(record) => trace_frame(&record),
                Err(broadcast::error::TryRecvError::Lagged(_)) => None,
                Err(_) => break,
            },
        };
        if let Some(frame) = next {
            socket.feed(Message::Text(frame.into())).await?;
        }
    }
    socket.flush().await
}

async fn from_page(
    service: &Service,
    frames: &mut BTreeMap<String, FrameInbox>,
    tabs: &mut BTreeSet<String>,
    to_page: &mpsc::Sender<String>,
    text: &str,
) -> Result<(), String> {
    let message = FromPage::decode(text).map_err(|error| error.to_string())?;
    match message {
        FromPage::Register {
            frame,
            origin,
            tab,
            view,
        } => {
            if frames.len() >= MAX_FRAMES_PER_PAGE && !frames.contains_key(&frame) {
                return Err(format!(
                    "too many frames on one page (limit {MAX_FRAMES_PER_PAGE})"
                ));
            }
            if let Some(tab) = &tab
                && tabs.len() < MAX_FRAMES_PER_PAGE
            {
                tabs.insert(tab.clone());
            }
            let unknown_view = view
                .as_deref()
                .and_then(|section| unknown_view(service, &frame, section));
            let opened = open(service, &frame, &origin, tab.clone(), view.clone()).await;
            let (connection, problem) = match opened {
                Ok(connection) => (Some(connection), unknown_view),
                Err(problem) => (None, Some(problem)),
            };
            let (inbox, messages) = mpsc::channel(256);
            let page = Page {
                service: service.clone(),
                frame: frame.clone(),
                tab,
                view,
                origin,
                connection,
                to_page: to_page.clone(),
            };
            tokio::spawn(page.pump(messages));
            // Replacing an entry drops the old inbox, which ends its pump and disconnects it.
            frames.insert(frame, inbox);
            problem.map_or(Ok(()), Err)
        }
        FromPage::Message {
            frame,
            origin,
            data,
        } => {
            let inbox = frames
                .get(&frame)
                .ok_or_else(|| format!("frame {frame:?} is not registered"))?;
            inbox
                .send((origin, data.to_string()))
                .await
                .map_err(|_| format!("frame {frame:?} is closed"))
        }
        FromPage::Unregister { frame } => {
            frames.remove(&frame);
            Ok(())
        }
    }
}

/// Whether `origin` is opaque: no target origin can address it.
fn is_opaque(origin: &str) -> bool {
    origin == "null" || origin.is_empty()
}

/// `None` when `section` is a view of the configuration in force; otherwise the warning
/// (also logged) that frame `frame` is not restricted as an own-tab view.
fn unknown_view(service: &Service, frame: &str, section: &str) -> Option<String> {
    if service.with_engine(|engine| engine.knows_view(section)) {
        return None;
    }
    tracing::warn!(%frame, view = %section, "relay: the frame names a view the option file does not configure; not restricted");
    Some(format!(
        "frame {frame:?} shows view `{section}`, which is no view of the option file in force: it is registered without the own-tab restriction (voice.dial only); list `{section}` in workspace.web-content or interaction.web-content, or leave `view` out"
    ))
}

/// Connects the page now shown in relayed frame `frame`, or says why it cannot be.
async fn open(
    service: &Service,
    frame: &str,
    origin: &str,
    tab: Option<String>,
    view: Option<String>,
) -> Result<Connection, String> {
    if is_opaque(origin) {
        tracing::debug!(%frame, "relay: opaque origin, not relayed");
        return Err(format!(
            "frame {frame:?} has the opaque origin null (a sandboxed iframe, a data: URL or a file: page): replies cannot be addressed to it, so its messages are not relayed; serve the app from an http(s) origin and accept that origin"
        ));
    }
    service
        .connect_view(origin, tab, view)
        .await
        .map_err(|error| {
            tracing::debug!(%frame, %origin, %error, "relay: frame not connected");
            format!("frame {frame:?} ({origin}) is not connected: {error}")
        })
}

/// One relayed frame: the page it shows now and that page's connection.
struct Page {
    service: Service,
    frame: String,
    tab: Option<String>,
    /// The section of the configured view the frame shows; it stays when the window
    /// navigates, as the frame is still shown where it was.
    view: Option<String>,
    /// The origin of the page in the frame, as last verified.
    origin: String,
    /// `None` while the page cannot be connected (opaque origin, limits).
    connection: Option<Connection>,
    to_page: mpsc::Sender<String>,
}

impl Page {
    /// Moves the frame's traffic: posted messages into the service, replies out to the page.
    async fn pump(mut self, mut messages: mpsc::Receiver<(String, String)>) {
        loop {
            tokio::select! {
                posted = messages.recv() => {
                    let Some((from, raw)) = posted else { break };
                    if from != self.origin && !self.navigated(from).await {
                        break;
                    }
                    if let Some(connection) = &self.connection {
                        connection.send(&raw).await;
                    }
                }
                reply = next_reply(&mut self.connection) => {
                    let Some((origin, reply)) = reply else { break };
                    let Some(post) = encoded(ToPage::post_text(&self.frame, &origin, &reply)) else { continue };
                    if self.to_page.send(post).await.is_err() {
                        break;
                    }
                }
            }
        }
    }

    /// The window shows a page of another origin: a new frame. `false` once the host page
    /// is gone.
    async fn navigated(&mut self, origin: String) -> bool {
        // Disconnect first: what was queued for the previous page goes with it, and its slot
        // is free for the new one.
        self.connection = None;
        tracing::debug!(frame = %self.frame, from = %self.origin, to = %origin, "relay: frame navigated");
        self.origin = origin;
        let opened = open(
            &self.service,
            &self.frame,
            &self.origin,
            self.tab.clone(),
            self.view.clone(),
        )
        .await;
        match opened {
            Ok(connection) => {
                self.connection = Some(connection);
                true
            }
            Err(problem) => self
                .to_page
                .send(ToPage::error_text(&problem))
                .await
                .is_ok(),
        }
    }
}

/// The next reply of a connection with the origin it is for; never, without a connection.
async fn next_reply(connection: &mut Option<Connection>) -> Option<(String, Arc<ServiceMessage>)> {
    match connection {
        Some(connection) => {
            let reply = connection.recv().await?;
            Some((connection.origin().to_owned(), reply))
        }
        None => std::future::pending().await,
    }
}
