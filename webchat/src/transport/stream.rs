//! The skeleton the WebSocket transports share (Genesys Cloud guest chat and the emulator):
//! one HTTP client and TLS configuration, the open session's credentials, and the task that
//! watches the back end's event stream, reopening it after a drop.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::TransportUpdate;
use super::tls::{Socket, Tls};
use crate::error::TransportError;

/// The HTTP client, TLS roots and session credentials of a REST + WebSocket back end.
#[derive(Debug)]
pub(super) struct Link<S> {
    /// REST calls.
    pub(super) http: reqwest::Client,
    /// WebSocket connections.
    pub(super) tls: Tls,
    session: Mutex<Option<S>>,
}

impl<S: Clone> Link<S> {
    /// A link with a per-request `timeout`, also trusting `extra_roots` (DER certificates).
    pub(super) fn new(timeout: Duration, extra_roots: &[Vec<u8>]) -> Result<Self, TransportError> {
        let tls = Tls::new(extra_roots)?;
        let http = tls.http_client(timeout)?;
        Ok(Self {
            http,
            tls,
            session: Mutex::new(None),
        })
    }

    /// The open session's credentials.
    pub(super) fn session(&self) -> Option<S> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Opens (`Some`) or forgets (`None`) the session.
    pub(super) fn set_session(&self, session: Option<S>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = session;
    }

    /// Changes the open session, if there is one.
    pub(super) fn update_session(&self, change: impl FnOnce(&mut S)) {
        if let Some(session) = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            change(session);
        }
    }
}

/// The task watching the event stream; replacing or dropping it stops the previous one.
#[derive(Debug, Default)]
pub(super) struct StreamTask(Mutex<Option<JoinHandle<()>>>);

impl StreamTask {
    /// Stops watching.
    pub(super) fn stop(&self) {
        if let Some(task) = self.0.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }

    /// Connects to `url` (`None`: no session) and watches the socket with `watch`, instead of
    /// what was watched before; the updates `watch` sends arrive on the returned receiver.
    pub(super) async fn attach<W, F>(
        &self,
        tls: &Tls,
        url: Option<String>,
        watch: W,
    ) -> Result<mpsc::UnboundedReceiver<TransportUpdate>, TransportError>
    where
        W: FnOnce(Socket, mpsc::UnboundedSender<TransportUpdate>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let url = url.ok_or(TransportError::NoSession {
            operation: "open event stream",
        })?;
        let socket = tls.connect(&url).await?;
        let (updates, receiver) = mpsc::unbounded_channel();
        self.stop();
        let task = tokio::spawn(watch(socket, updates));
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        Ok(receiver)
    }
}

impl Drop for StreamTask {
    fn drop(&mut self) {
        self.stop();
    }
}

/// After the stream dropped: reports `Disconnected`, tries `url()` every `retry` until a
/// socket opens, reports `Reconnected` and gives the new socket. `None` once nobody listens
/// or the session is gone.
pub(super) async fn reopen(
    tls: &Tls,
    retry: Duration,
    updates: &mpsc::UnboundedSender<TransportUpdate>,
    url: impl Fn() -> Option<String>,
) -> Option<Socket> {
    updates.send(TransportUpdate::Disconnected).ok()?;
    let socket = loop {
        tokio::time::sleep(retry).await;
        if updates.is_closed() {
            return None;
        }
        if let Ok(socket) = tls.connect(&url()?).await {
            break socket;
        }
    };
    let _ = updates.send(TransportUpdate::Reconnected);
    Some(socket)
}
