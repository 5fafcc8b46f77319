//! Workspace browser tabs as the emulator drives them: a host page is a tab, and the control
//! API opens, closes and focuses tabs; closing the leader runs an election.

use std::sync::Arc;
use std::time::Duration;

use crate::service::Service;
use crate::simulated::{SimulatedWorkspace, TabEvent};

/// How long an election runs after the leading tab closed: remaining tabs are `NEGOTIATING`
/// meanwhile, then the earliest-opened one leads.
pub(super) const ELECTION: Duration = Duration::from_millis(500);

/// Publishes each tab event to the frames of its tab; how many there were.
pub(super) async fn publish(service: &Service, events: Vec<TabEvent>) -> usize {
    let count = events.len();
    for TabEvent { tab, event } in events {
        service.publish_to_tab(vec![event], &tab).await;
    }
    count
}

/// Closes `tab`; when it led, the others negotiate now and learn the outcome [`ELECTION`]
/// later. The events published at once.
pub(super) async fn close(
    service: &Service,
    workspace: &Arc<SimulatedWorkspace>,
    tab: &str,
) -> Result<usize, String> {
    let events = workspace
        .close_tab(service.now(), tab)
        .map_err(|error| error.to_string())?;
    let election = !events.is_empty();
    let published = publish(service, events).await;
    if election {
        let (service, workspace) = (service.clone(), Arc::clone(workspace));
        tokio::spawn(async move {
            tokio::time::sleep(ELECTION).await;
            let events = workspace.elect_leader(service.now());
            publish(&service, events).await;
        });
    }
    Ok(published)
}
