//! An agent desktop session against the SRS emulator, over HTTPS on loopback.
//!
//! Run with `cargo run -p agentdesk-srs --example srs_session`. It starts the emulator with a
//! generated certificate, logs in with hot seating, lets the background ping run for a few
//! seconds (a 1 s period instead of 30 s, to keep the demo short), switches place, and logs out.

use std::time::Duration;

use agentdesk_protocol::srs::{Device, LoginRequest, Place, Seat};
use agentdesk_srs::emulator::{EmulatorConfig, UserAccount};
use agentdesk_srs::{ClientConfig, SrsClient, serve};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let desk = Place::new(
        "Place_7101",
        vec![
            Device::new("7101", "SIP_Main"),
            Device::new("7102", "SIP_Main"),
        ],
    );
    let spare = Place::new("Place_5001", vec![Device::new("5001", "SIP_Main")]);
    let srs = serve(
        EmulatorConfig::default()
            .with_tls(true)
            .with_user(UserAccount::new("agent7101", "secret"))
            .with_place(desk.clone())
            .with_place(spare.clone()),
    )
    .await?;
    println!("SRS emulator listening on {}", srs.base_url());

    let client = SrsClient::new(
        ClientConfig::new(srs.base_url(), "agent7101", "secret")
            .with_root_certificate_pem(srs.root_certificate_pem().unwrap_or_default())
            .with_poll_interval(Duration::from_secs(1)),
    )?;
    let login = LoginRequest::hot_seating(
        "https://rws-a.corp.example:8443",
        &desk,
        vec![Device::new("7102", "SIP_Main")],
    )?;
    let session = client.login(login).await?;
    println!("logged in; CSRF token {:?}", session.csrf_token().await);

    tokio::time::sleep(Duration::from_millis(3500)).await;
    println!("after 3.5 s: {:?}", session.poll_status());

    // The new place has one DN, so no `devices`; `server` and `peer_server` stay as they are.
    session
        .switch_place(Seat::at_place(&spare, vec![])?)
        .await?;
    println!("{}", serde_json::to_string_pretty(&srs.snapshot())?);

    session.logout().await.map_err(|err| err.error)?;
    println!("logged out: {:?}", srs.snapshot().state);
    srs.shutdown().await;
    Ok(())
}
