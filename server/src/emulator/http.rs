//! Serving a router on a loopback listener with bounded time and connections.
//!
//! `axum::serve` sets no timer, so a client that sends half a request head keeps its socket
//! (and a file descriptor) for ever. Here each connection is served by hyper's HTTP/1 server
//! with a timer: the head of every request, the first one and each next one on a kept-alive
//! connection, must arrive within [`HttpLimits::header_read_timeout`], so an idle or stalled
//! connection closes by itself. At most [`HttpLimits::max_connections`] HTTP connections are
//! served at once; past that a new connection is closed at once. A connection that upgrades to
//! a WebSocket leaves this count: long-lived sockets are bounded by the engine's frame limits
//! and the chat table instead. Sockets get `TCP_NODELAY`: the relay sends small messages in
//! both directions and must not wait for delayed acknowledgements.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// Time and connection limits of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// How long a client may take to send a request head, and how long a kept-alive
    /// connection may stay idle.
    pub header_read_timeout: Duration,
    /// HTTP connections served at once (upgraded WebSockets not counted).
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 512,
        }
    }
}

/// Serves `router` on `listener` until `stopped` turns true; open connections are then asked
/// to finish their current request and close.
pub(crate) fn serve_until(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    mut stopped: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = stop_requested(&mut stopped) => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                tracing::debug!(%peer, limit = limits.max_connections, "connection refused: too many open");
                drop(stream);
                continue;
            };
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
            }
            let service = TowerToHyperService::new(router.clone());
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_read_timeout);
                let connection = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                tokio::pin!(connection);
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::trace!(%peer, %error, "connection ended");
                        }
                    }
                    () = stop_requested(&mut stopped) => {
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
                drop(permit);
            });
        }
    })
}

/// Resolves once `stopped` turns true (or its sender is gone), holding no borrow of it.
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}
