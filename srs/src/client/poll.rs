//! The background ping: every period, ping; after a 401 log in again with the current login.

use std::sync::Weak;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use super::{ReloginReason, SessionChange, SessionShared};
use crate::Error;

/// What the poller does after a ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollAction {
    /// The session is alive.
    Continue,
    /// SRS answered 401: the session timed out or was lost; log in again now.
    Relogin,
    /// Another failure: keep the session and try again at the next tick, as the SRS
    /// documentation advises for ping errors.
    RetryNextTick,
}

/// Decides the poller's next step from a ping result.
pub fn after_ping(result: &Result<(), Error>) -> PollAction {
    match result {
        Ok(()) => PollAction::Continue,
        Err(err) if err.status() == Some(401) => PollAction::Relogin,
        Err(_) => PollAction::RetryNextTick,
    }
}

/// Counters the poller publishes after every tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollStatus {
    /// Pings SRS accepted.
    pub pings: u64,
    /// Logins repeated after a 401.
    pub relogins: u64,
    /// Pings or re-logins that failed.
    pub failures: u64,
    /// The last failure, rendered.
    pub last_error: Option<String>,
}

pub(super) async fn run(shared: Weak<SessionShared>, period: Duration) {
    let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut state = shared.state.lock().await;
        if state.ended {
            return;
        }
        let ping = shared.client.ping_in(&mut state.conversation).await;
        let action = after_ping(&ping);
        let outcome = match action {
            PollAction::Continue => Ok(false),
            PollAction::Relogin => {
                let form = state.form.clone();
                shared
                    .relogin(&mut state, form, ReloginReason::AfterTimeout)
                    .await
                    .map(|()| true)
            }
            PollAction::RetryNextTick => ping.map(|()| false),
        };
        drop(state);
        shared.status.send_modify(|status| match &outcome {
            Ok(false) => status.pings += 1,
            Ok(true) => status.relogins += 1,
            Err(err) => {
                status.failures += 1;
                status.last_error = Some(err.to_string());
            }
        });
        match &outcome {
            Ok(false) => {
                shared.changes.send_if_modified(|change| {
                    let recovered = matches!(
                        change,
                        SessionChange::Failed { .. } | SessionChange::TimedOut { .. }
                    );
                    if recovered {
                        *change = SessionChange::Recovered;
                    }
                    recovered
                });
            }
            Ok(true) => {}
            Err(err) => {
                // A failed re-login already published TimedOut.
                if action == PollAction::RetryNextTick {
                    shared.changes.send_replace(SessionChange::Failed {
                        error: err.to_string(),
                    });
                }
                tracing::warn!("SRS polling: {err}");
            }
        }
    }
}
