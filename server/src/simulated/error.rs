//! Why the simulated workspace refuses a request or a scenario step.

use crate::workspace::WorkspaceError;

/// A refused request or scenario step. The text becomes the client's `errorMessage`, so each
/// message names the thing and says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimulationError {
    /// No interaction has this id.
    #[error("No interaction with id '{0}': use an interactionId from interaction.getInteractions.")]
    NoInteraction(String),
    /// No interaction belongs to this case.
    #[error("No interaction with case id '{0}': use a caseId from interaction.getInteractions.")]
    NoCase(String),
    /// The interaction is not in a state that allows the action.
    #[error("Cannot {action} interaction '{id}' while it is {state}: {hint}.")]
    WrongState {
        /// The interaction id.
        id: String,
        /// What was asked, e.g. `hold`.
        action: &'static str,
        /// Its current state.
        state: String,
        /// What would work instead.
        hint: &'static str,
    },
    /// The action needs another media, e.g. recording a chat.
    #[error("Cannot {action} interaction '{id}': it is a {media} interaction, not {expected}.")]
    WrongMedia {
        /// The interaction id.
        id: String,
        /// What was asked.
        action: &'static str,
        /// Its media.
        media: String,
        /// The media the action needs.
        expected: &'static str,
    },
    /// Mark done is blocked by `interaction.blockMarkdone`; carries the warning.
    #[error("{0}")]
    MarkdoneBlocked(String),
    /// An operation name that is not in the state list.
    #[error("Unknown state '{name}': use an operationName of agent.getStateList ({known}).")]
    UnknownState {
        /// The name received.
        name: String,
        /// The known operation names, comma-separated.
        known: String,
    },
    /// A media name the agent is not logged on to.
    #[error("Unknown media '{name}': use a media of media.getMediaList ({known}).")]
    UnknownMedia {
        /// The name received.
        name: String,
        /// The known media names, comma-separated.
        known: String,
    },
    /// A campaign the workspace does not know.
    #[error("Unknown campaign '{0}': use a campaign of outbound.getCampaigns.")]
    UnknownCampaign(String),
    /// The campaign is not in the lifecycle step the action needs.
    #[error("Campaign '{campaign}' is {status}: {hint}.")]
    CampaignState {
        /// The campaign name.
        campaign: String,
        /// Its status.
        status: &'static str,
        /// What would work instead.
        hint: &'static str,
    },
    /// The interaction carries no outbound record.
    #[error(
        "Interaction '{0}' is not an outbound record: use the id of an outbound preview or call interaction."
    )]
    NotOutbound(String),
    /// A record handle that is not in the chain.
    #[error(
        "Record handle {handle} is not in the chain of interaction '{id}': use a GSW_RECORD_HANDLE of outbound.getChainedRecords."
    )]
    UnknownRecordHandle {
        /// The interaction id.
        id: String,
        /// The handle received.
        handle: i64,
    },
    /// A call result code that is not in the list.
    #[error("Unknown call result {0}: use a value of outbound.getListOfCallResults.")]
    UnknownCallResult(i64),
    /// A malformed parameter.
    #[error("Invalid {parameter} '{value}': {hint}.")]
    InvalidParameter {
        /// The parameter name.
        parameter: &'static str,
        /// The value received.
        value: String,
        /// What a valid value looks like.
        hint: &'static str,
    },
    /// A toast, dialog or menu-bar view id that is not open.
    #[error("No {kind} with id '{id}' is open: use the id returned when it was opened.")]
    NotOpen {
        /// `toast`, `dialog` or `menu-bar view`.
        kind: &'static str,
        /// The id received.
        id: String,
    },
    /// A Workspace tab the session does not have.
    #[error("No Workspace tab '{0}': open it first.")]
    UnknownTab(String),
    /// A scenario step that does not fit the simulation's current state.
    #[error("{0}")]
    Scenario(String),
    /// A behaviour option of the configuration (a `privilege.*` option, or
    /// `sipendpoint.enabled`) withholds the operation.
    #[error("Cannot {action}: the option {option} is false for this agent.")]
    NotPermitted {
        /// What was refused.
        action: &'static str,
        /// The option that refuses it.
        option: &'static str,
    },
    /// A request name outside the request table.
    #[error(
        "Unknown request '{0}': see system.getAllowedServices for the requests this Workspace answers."
    )]
    UnknownRequest(String),
}

impl From<SimulationError> for WorkspaceError {
    fn from(error: SimulationError) -> Self {
        WorkspaceError::new(error.to_string())
    }
}
