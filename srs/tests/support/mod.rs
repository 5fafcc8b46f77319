//! Fixtures the SRS tests share: the data centres, the desktop origin, the places and the
//! agent every test logs in as.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use agentdesk_protocol::srs::{Device, LoginRequest, Place};
use agentdesk_srs::emulator::{EmulatorConfig, UserAccount};
use agentdesk_srs::{ClientConfig, RunningEmulator, serve};

/// The data centre logins name.
pub(crate) const RWS_A: &str = "https://rws-a.corp.example:8443";
/// Its peer, for fail-over.
pub(crate) const RWS_B: &str = "https://rws-b.corp.example:8443";
/// The desktop page's origin.
pub(crate) const DESKTOP: &str = "https://desktop.corp.example";
/// The agent every test logs in as, and the password.
pub(crate) const AGENT: (&str, &str) = ("agent7101", "secret");

/// A place with two DNs on one switch.
pub(crate) fn place_7101() -> Place {
    Place::new(
        "Place_7101",
        vec![
            Device::new("7101", "SIP_Main"),
            Device::new("7102", "SIP_Main"),
        ],
    )
}

/// A place with one DN.
pub(crate) fn place_5001() -> Place {
    Place::new("Place_5001", vec![Device::new("5001", "SIP_Switch")])
}

/// Both places and [`AGENT`] (whose account `agent` may adjust), for [`DESKTOP`] only.
/// Keep-alive connections outlive the 30 s ping period, so virtual time never jumps while
/// a reconnection waits for real loopback I/O.
pub(crate) fn emulator_config(agent: impl FnOnce(UserAccount) -> UserAccount) -> EmulatorConfig {
    EmulatorConfig::default()
        .with_header_read_timeout(Duration::from_secs(45))
        .with_user(agent(UserAccount::new(AGENT.0, AGENT.1)))
        .with_place(place_7101())
        .with_place(place_5001())
}

/// The client configuration of [`AGENT`] at the desktop origin, without a request timeout
/// (timeouts would fire in virtual time while loopback I/O is real).
pub(crate) fn client_config(base_url: &str) -> ClientConfig {
    ClientConfig::new(base_url, AGENT.0, AGENT.1)
        .with_origin(DESKTOP)
        .with_request_timeout(None)
}

/// A hot-seating login at [`place_7101`] on its first DN, with [`RWS_B`] as peer.
pub(crate) fn hot_seat() -> LoginRequest {
    LoginRequest::hot_seating(RWS_A, &place_7101(), vec![Device::new("7101", "SIP_Main")])
        .unwrap()
        .with_peer_server(RWS_B)
        .unwrap()
}

/// Starts an emulator.
pub(crate) async fn start(config: EmulatorConfig) -> RunningEmulator {
    serve(config).await.unwrap()
}
