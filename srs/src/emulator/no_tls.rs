//! HTTPS in a build without the `emulator-tls` feature: asking for it is an error that says
//! which feature to enable. The acceptor type has no values, so the HTTPS branch of the
//! accept loop is never taken.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::EmulatorError;

/// Never constructed: there is no HTTPS without the feature.
#[derive(Clone)]
pub(crate) enum Acceptor {}

/// The generated trust material of a TLS build; never made here.
pub(crate) struct GeneratedCertificate {
    pub(crate) root_pem: String,
    pub(crate) acceptor: Acceptor,
}

/// Refuses: this build cannot serve HTTPS.
pub(crate) fn generate() -> Result<GeneratedCertificate, EmulatorError> {
    Err(EmulatorError::Tls(
        "this build has no HTTPS; enable the `emulator-tls` feature of agentdesk-srs".into(),
    ))
}

/// Unreachable: no [`Acceptor`] exists.
pub(crate) async fn handshake(
    acceptor: &Acceptor,
    _stream: TcpStream,
    _peer: SocketAddr,
    _limit: Duration,
) -> Option<TcpStream> {
    match *acceptor {}
}
