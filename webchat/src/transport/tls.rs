//! TLS for `wss://` event streams and `https://` REST calls: rustls with the aws-lc-rs
//! provider (the one reqwest's `rustls` feature builds, so none is added), verifying against the platform's root certificates plus
//! any [`ChatConfig::extra_root_certificates`](crate::ChatConfig::extra_root_certificates).

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::error::TransportError;

/// An open event-stream socket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a transport reaches its back end over TLS. The rustls configuration is built on the
/// first `wss://` connection (so a host without root certificates can still use `ws://`).
#[derive(Debug, Clone)]
pub(crate) struct Tls {
    config: Arc<OnceLock<Result<Arc<ClientConfig>, String>>>,
    extra_roots: Vec<Vec<u8>>,
}

impl Tls {
    /// TLS trusting the platform's roots and `extra_roots` (DER).
    pub(crate) fn new(extra_roots: &[Vec<u8>]) -> Result<Self, TransportError> {
        Ok(Self {
            config: Arc::new(OnceLock::new()),
            extra_roots: extra_roots.to_vec(),
        })
    }

    fn client_config(&self) -> Result<Arc<ClientConfig>, TransportError> {
        let built = self.config.get_or_init(|| {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let roots = self
                .extra_roots
                .iter()
                .map(|der| CertificateDer::from(der.clone()));
            let verifier =
                rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
                    .map_err(|error| format!("cannot load the root certificates: {error}"))?;
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|error| error.to_string())?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            Ok(Arc::new(config))
        });
        built.clone().map_err(|message| TransportError::Network {
            operation: "set up TLS",
            message,
        })
    }

    /// An HTTP client trusting the same roots, with a per-request `timeout`.
    pub(crate) fn http_client(
        &self,
        timeout: std::time::Duration,
    ) -> Result<reqwest::Client, TransportError> {
        let failed = |error: reqwest::Error| TransportError::Network {
            operation: "build HTTP client",
            message: error.to_string(),
        };
        let mut builder = reqwest::Client::builder().timeout(timeout);
        for der in &self.extra_roots {
            builder =
                builder.add_root_certificate(reqwest::Certificate::from_der(der).map_err(failed)?);
        }
        builder.build().map_err(failed)
    }

    /// Opens a `ws://` or `wss://` socket.
    pub(crate) async fn connect(&self, uri: &str) -> Result<Socket, TransportError> {
        let connector = if uri.starts_with("wss:") {
            Connector::Rustls(self.client_config()?)
        } else {
            Connector::Plain
        };
        tokio_tungstenite::connect_async_tls_with_config(uri, None, false, Some(connector))
            .await
            .map(|(socket, _)| socket)
            .map_err(|error| TransportError::Network {
                operation: "open event stream",
                message: format!("websocket failed to open: {error}"),
            })
    }
}
