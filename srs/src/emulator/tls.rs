//! HTTPS on loopback: a throw-away certificate authority and server certificate made at
//! start-up, and the bounded handshake each connection task runs before HTTP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::EmulatorError;

/// The generated trust material: clients trust `root_pem`, the server presents the leaf.
pub(crate) struct GeneratedCertificate {
    pub(crate) root_pem: String,
    pub(crate) acceptor: Acceptor,
}

/// Accepts TLS connections with the generated certificate.
pub(crate) type Acceptor = TlsAcceptor;

/// Makes a CA and a server certificate for `localhost` and `127.0.0.1`.
pub(crate) fn generate() -> Result<GeneratedCertificate, EmulatorError> {
    let tls = |err: rcgen::Error| EmulatorError::Tls(err.to_string());
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "agentdesk SRS emulator CA");
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls)?).map_err(tls)?;
    let leaf_key = KeyPair::generate().map_err(tls)?;
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(tls)?
        .signed_by(&leaf_key, &ca)
        .map_err(tls)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| EmulatorError::Tls(err.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .map_err(|err| EmulatorError::Tls(err.to_string()))?;
    Ok(GeneratedCertificate {
        root_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(server_config)),
    })
}

/// Completes the TLS handshake of one connection within `limit` (the same bound as a request
/// head: hyper's header-read timer starts only once TLS is up).
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    limit: Duration,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(limit, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(err)) => {
            tracing::debug!("SRS emulator: TLS handshake with {peer} failed: {err}");
            None
        }
        Err(_) => {
            tracing::debug!("SRS emulator: TLS handshake with {peer} timed out");
            None
        }
    }
}
