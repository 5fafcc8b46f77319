//! The `interaction` family: lifecycle and update events that carry the interaction, and
//! the case-selection events that do not.

use serde::Serialize;

use super::family::{OwnTag, TagSelector, event_family, impl_body};
use crate::open_enum::open_enum;
use crate::scapi::types::{Extra, Interaction, deserialize_with_extra};

open_enum! {
    /// `eventType` of `interaction` events that carry a whole interaction.
    pub enum InteractionEventType {
        /// An unknown event occurred.
        Unknown => "UNKNOWN",
        /// Added to the interaction list.
        Added => "ADDED",
        /// Removed from the interaction list.
        Removed => "REMOVED",
        /// Attached data changed.
        AttachedDataChanged => "ATTACHED_DATA_CHANGED",
        /// Case or bundle id changed.
        CaseOrBundleIdChanged => "CASE_OR_BUNDLE_ID_CHANGED",
        /// New message.
        NewMessage => "NEW_MESSAGE",
        /// Error.
        Error => "ERROR",
        /// Contact changed.
        ContactChanged => "CONTACT_CHANGED",
        /// Voice: recording state changed.
        CallRecordingStateChanged => "CALL_RECORDING_STATE_CHANGED",
        /// Voice: outbound call ringing.
        Dialing => "DIALING",
        /// Voice: established.
        Established => "ESTABLISHED",
        /// Voice: held.
        Held => "HELD",
        /// Voice: parties changed.
        PartyChanged => "PARTY_CHANGED",
        /// Voice: released.
        Released => "RELEASED",
        /// Voice: inbound call ringing.
        Ringing => "RINGING",
        /// Open media: accepted.
        Accepted => "ACCEPTED",
        /// Open media: completed (marked done).
        Completed => "COMPLETED",
        /// Open media: composing.
        Composing => "COMPOSING",
        /// Open media: created.
        Created => "CREATED",
        /// Open media: standard response inserted.
        InsertStandardResponse => "INSERT_STANDARD_RESPONSE",
        /// Open media: invitation.
        Invited => "INVITED",
        /// Open media: conference invitation.
        InvitedConference => "INVITED_CONFERENCE",
        /// Open media: queueing failed.
        InQueueFailed => "IN_QUEUE_FAILED",
        /// Open media: placed in a workbin.
        InWorkbin => "IN_WORKBIN",
        /// Open media: workbin placement failed.
        InWorkbinFailed => "IN_WORKBIN_FAILED",
        /// Open media: left the conference.
        LeftConference => "LEFT_CONFERENCE",
        /// Open media: pulled from a workbin.
        Pulled => "PULLED",
        /// Open media: pull from the queue failed.
        PullFailed => "PULL_FAILED",
        /// Open media: pull from the workbin failed.
        PullWorkbinFailed => "PULL_WORKBIN_FAILED",
        /// Open media: revoked.
        Revoked => "REVOKED",
        /// Open media: transfer completed.
        TransferCompleted => "TRANSFER_COMPLETED",
        /// Chat: accepted in another session (one L).
        Canceled => "CANCELED",
        /// Chat: ended.
        Ended => "ENDED",
        /// Chat: joining failed.
        JoinFailed => "JOIN_FAILED",
        /// Chat: joining.
        JoinPending => "JOIN_PENDING",
        /// Outbound email: cancelled (two Ls).
        Cancelled => "CANCELLED",
        /// Outbound email: sent.
        Sent => "SENT",
        /// Outbound preview: previewing.
        Previewing => "PREVIEWING",
        /// Outbound preview: state change (not `STATE_CHANGED`).
        StateChange => "STATE_CHANGE",
        /// Outbound: mark done applied.
        MarkdoneApply => "MARKDONE_APPLY",
        /// Outbound: every record of the chain retrieved.
        RecordsRetrieved => "RECORDS_RETRIEVED",
    }
}

/// An `interaction` event that carries the interaction (`media` + `interaction`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InteractionChange {
    /// What happened.
    pub event_type: InteractionEventType,
    /// Media name of the interaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// The interaction after the change.
    pub interaction: Interaction,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(InteractionChange {
    event_type: "eventType" open,
    media: "media" optional,
    interaction: "interaction" required,
});

impl InteractionChange {
    /// A change event for `interaction`, with `media` copied from it.
    pub fn new(event_type: InteractionEventType, interaction: Interaction) -> Self {
        Self {
            event_type,
            media: interaction.media.clone(),
            interaction,
            extra: Extra::new(),
        }
    }
}

impl OwnTag for InteractionChange {
    fn has_known_tag(&self) -> bool {
        self.event_type.is_known()
    }
}

/// Which case-selection change happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseSelection {
    /// `CASE_SELECTED`
    Selected,
    /// `CASE_EXPANDED`
    Expanded,
    /// `CASE_COLLAPSED`
    Collapsed,
}

impl CaseSelection {
    /// The wire `eventType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selected => "CASE_SELECTED",
            Self::Expanded => "CASE_EXPANDED",
            Self::Collapsed => "CASE_COLLAPSED",
        }
    }
}

impl TagSelector for CaseSelection {
    const ALL: &'static [Self] = &[Self::Selected, Self::Expanded, Self::Collapsed];

    fn as_str(self) -> &'static str {
        CaseSelection::as_str(self)
    }
}

/// Body of the case-selection events.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaseSelected {
    /// The selected case.
    pub selected_case_id: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CaseSelected {
    selected_case_id: "selectedCaseId" required,
});

impl CaseSelected {
    /// A case-selection body naming `selected_case_id`.
    pub fn new(selected_case_id: impl Into<String>) -> Self {
        Self {
            selected_case_id: selected_case_id.into(),
            extra: Extra::new(),
        }
    }
}

/// Body of `CASE_ID_CHANGED` (no `interaction`, ids at the top of `data`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CaseIdChanged {
    /// The new case id.
    pub case_id: String,
    /// The case id before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_case_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CaseIdChanged {
    case_id: "caseId" required,
    previous_case_id: "previousCaseId" optional,
});

impl CaseIdChanged {
    /// A case id change from `previous_case_id` (when known) to `case_id`.
    pub fn new(case_id: impl Into<String>, previous_case_id: Option<String>) -> Self {
        Self {
            case_id: case_id.into(),
            previous_case_id,
            extra: Extra::new(),
        }
    }
}

impl_body!(CaseSelected, CaseIdChanged);

event_family! {
    /// `data` of an `interaction` event.
    //
    // Messages are decoded, handled once and dropped: boxing the large variant would add an
    // allocation to every message for no saving.
    #[allow(clippy::large_enum_variant)]
    pub enum InteractionEvent {
        /// A lifecycle or update event carrying the interaction.
        Change(InteractionChange) in InteractionEventType eager "\"interaction\"",
        /// `CASE_SELECTED`, `CASE_EXPANDED` or `CASE_COLLAPSED`.
        Case[CaseSelection](CaseSelected),
        /// `CASE_ID_CHANGED`.
        CaseIdChanged(CaseIdChanged) = "CASE_ID_CHANGED",
    }
}

impl InteractionEvent {
    /// The interaction carried by a change event.
    pub fn interaction(&self) -> Option<&Interaction> {
        match self {
            Self::Change(change) => Some(&change.interaction),
            _ => None,
        }
    }

    /// Mutable access to the interaction carried by a change event (for user-data filtering).
    pub fn interaction_mut(&mut self) -> Option<&mut Interaction> {
        match self {
            Self::Change(change) => Some(&mut change.interaction),
            _ => None,
        }
    }
}
