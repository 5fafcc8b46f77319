//! Typed results and parameters of the Service Client API (spec section 3).
//!
//! Every struct keeps the fields it does not know in `extra`, so a value from a newer
//! Workspace survives decode and re-encode unchanged. Fields the documentation shows as
//! nullable (`parentInteractionId`, `startDate`, `endDate`) are `Option<Option<T>>`: the outer
//! `Option` says whether the key was present, the inner one whether it was `null`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::open_enum::open_enum;

/// Fields a type does not model, kept verbatim.
pub type Extra = BTreeMap<String, Value>;

/// Attached data of an interaction: key to value (strings and numbers in practice; nested
/// objects such as `IWAttachedDataInformation` occur too).
pub type UserData = BTreeMap<String, Value>;

/// Telephony (TServer) extensions passed through to the switch: key to value.
pub type Extensions = BTreeMap<String, Value>;

/// Calling-list fields of an outbound record (`GSW_*` and custom fields) to their values.
pub type RecordFields = BTreeMap<String, Value>;

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        d.deserialize_str(KeyVisitor)
    }
}

/// A string value, borrowed from the input when it has no escapes; it fails as `String`
/// does on anything else ("expected a string").
pub(crate) struct Text<'de>(Cow<'de, str>);

impl<'de> Text<'de> {
    /// The open enum (or any type built from a string) this text names, without allocating
    /// for a borrowed known value.
    pub(crate) fn into_enum<T: for<'s> From<&'s str> + From<String>>(self) -> T {
        match self.0 {
            Cow::Borrowed(text) => T::from(text),
            Cow::Owned(text) => T::from(text),
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }

        d.deserialize_string(TextVisitor)
    }
}

/// Implements `Deserialize` for a struct whose unmodelled keys go to `extra`, in one pass
/// over the object.
///
/// It decodes exactly what `#[derive(Deserialize)]` with `#[serde(flatten)] extra` does (same
/// errors, in the same order: a repeated modelled key, a mistyped value as it comes, then the
/// first missing required field in declaration order), without buffering the object first.
/// Each field is `required` (missing is an error), `optional` (`Option<T>`, missing or `null`
/// is `None`) or `present` (`Option<Option<T>>`: missing is `None`, `null` is `Some(None)`);
/// `open` and `optional_open` are `required` and `optional` for an open enum, read from the
/// borrowed text (same result and errors as its own `Deserialize`, without the `String`).
/// `WIRE_FIELDS` lists the modelled keys, so a test can hold them to the schema.
macro_rules! deserialize_with_extra {
    ($ty:ident { $( $field:ident : $wire:literal $kind:ident ),* $(,)? }) => {
        impl $ty {
            /// The modelled keys, in declaration order.
            #[cfg(test)]
            pub(crate) const WIRE_FIELDS: &'static [&'static str] = &[$($wire),*];
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct FieldsVisitor;

                impl<'de> ::serde::de::Visitor<'de> for FieldsVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($ty)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        $( let mut $field = None; )*
                        let mut extra = $crate::scapi::types::Extra::new();
                        while let Some(key) = map.next_key::<$crate::scapi::types::Key<'de>>()? {
                            match &*key.0 {
                                $(
                                    $wire => {
                                        if $field.is_some() {
                                            return Err(<A::Error as ::serde::de::Error>::duplicate_field($wire));
                                        }
                                        $field = Some($crate::scapi::types::deserialize_with_extra!(@read $kind map));
                                    }
                                )*
                                _ => {
                                    extra.insert(key.0.into_owned(), map.next_value()?);
                                }
                            }
                        }
                        Ok($ty {
                            $( $field: $crate::scapi::types::deserialize_with_extra!(@finish $kind $field $wire), )*
                            extra,
                        })
                    }
                }

                d.deserialize_map(FieldsVisitor)
            }
        }
    };
    (@read required $map:ident) => { $map.next_value()? };
    (@read optional $map:ident) => { $map.next_value()? };
    (@read present $map:ident) => { Some($map.next_value()?) };
    (@read open $map:ident) => {
        $map.next_value::<$crate::scapi::types::Text<'de>>()?.into_enum()
    };
    (@read optional_open $map:ident) => {
        $map.next_value::<Option<$crate::scapi::types::Text<'de>>>()?
            .map($crate::scapi::types::Text::into_enum)
    };
    (@finish required $field:ident $wire:literal) => {
        match $field {
            Some(value) => value,
            None => return Err(<A::Error as ::serde::de::Error>::missing_field($wire)),
        }
    };
    (@finish optional $field:ident $wire:literal) => { $field.unwrap_or_default() };
    (@finish present $field:ident $wire:literal) => { $field.unwrap_or_default() };
    (@finish open $field:ident $wire:literal) => {
        $crate::scapi::types::deserialize_with_extra!(@finish required $field $wire)
    };
    (@finish optional_open $field:ident $wire:literal) => { $field.unwrap_or_default() };
}

pub(crate) use deserialize_with_extra;

open_enum! {
    /// A role of the agent (`agent.Agent.roles`).
    pub enum Role {
        /// An agent.
        Agent => "ROLE_AGENT",
        /// A supervisor.
        Supervisor => "ROLE_SUPERVISOR",
        /// An administrator.
        Admin => "ROLE_ADMIN",
    }
}

/// The current agent (`agent.get`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Agent {
    /// Login username; globally unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// First name (the wire spells it with a lower-case n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// Agent id used for routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// Roles (8.5/8.6 editions; absent from current cloud documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(Agent {
    username: "username" optional,
    firstname: "firstname" optional,
    lastname: "lastname" optional,
    employee_id: "employeeId" optional,
    roles: "roles" optional,
});

/// A state the agent or one of its media can be in (`media.State`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MediaState {
    /// The name passed to `agent.setState` / `media.setState` (e.g. `Ready`, `NotReady`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    /// Label shown in Workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Fields not modelled here (deployments are seen to send `type`, `reason`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(MediaState {
    operation_name: "operationName" optional,
    display_name: "displayName" optional,
});

/// One media (channel) the agent is logged on to (`media.Media`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Media {
    /// Media name, e.g. `voice`, `chat`, `email`, `workitem`.
    pub media: String,
    /// Current state on that media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MediaState>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(Media {
    media: "media" required,
    state: "state" optional,
});

open_enum! {
    /// State of an interaction (`interaction.Interaction.state` / `previousState`).
    pub enum InteractionState {
        /// Unknown.
        Unknown => "UNKNOWN",
        /// Idle (released, not yet done).
        Idle => "IDLE",
        /// Ringing.
        Ringing => "RINGING",
        /// Dialing.
        Dialing => "DIALING",
        /// Talking.
        Talking => "TALKING",
        /// Held.
        Held => "HELD",
        /// Preview (legacy spelling).
        Preview => "PREVIEW",
        /// Previewing an outbound record.
        Previewing => "PREVIEWING",
        /// Invited.
        Invited => "INVITED",
        /// Accepted.
        Accepted => "ACCEPTED",
        /// Created.
        Created => "CREATED",
        /// Pulled from a workbin.
        Pulled => "PULLED",
        /// Revoked.
        Revoked => "REVOKED",
        /// Completed.
        Completed => "COMPLETED",
        /// Error.
        Error => "ERROR",
        /// Saved.
        Saved => "SAVED",
        /// Transferring.
        Transferring => "TRANSFERRING",
        /// Transfer completed.
        TransferCompleted => "TRANSFER_COMPLETED",
        /// Invited to a conference.
        InvitedConference => "INVITED_CONFERENCE",
        /// Outbound record rejected.
        Rejected => "REJECTED",
        /// Outbound record canceled.
        Canceled => "CANCELED",
        /// Chat ended.
        Ended => "ENDED",
    }
}

open_enum! {
    /// Direction of a voice interaction.
    pub enum Direction {
        /// Inbound.
        In => "IN",
        /// Outbound.
        Out => "OUT",
        /// Unknown.
        Unknown => "UNKNOWN",
    }
}

open_enum! {
    /// Call type of an interaction. Workspace spells the internal call `Internal`, in mixed
    /// case beside the upper-case values; matching is exact, so `INTERNAL` is not this variant.
    pub enum CallType {
        /// Internal call.
        Internal => "Internal",
        /// Inbound call.
        Inbound => "INBOUND",
        /// Outbound call.
        Outbound => "OUTBOUND",
        /// Consultation call.
        Consult => "CONSULT",
        /// Unknown.
        Unknown => "UNKNOWN",
        /// Pull or direct-push outbound preview record.
        OutboundPreview => "OUTBOUND_PREVIEW",
        /// Regular push outbound preview record.
        OutboundPushPreview => "OUTBOUND_PUSH_PREVIEW",
    }
}

open_enum! {
    /// Call recording state of a voice interaction.
    pub enum RecordingState {
        /// Not recording.
        Stopped => "STOPPED",
        /// Recording.
        Recording => "RECORDING",
        /// Recording paused.
        Paused => "PAUSED",
    }
}

open_enum! {
    /// An action the agent can currently take on an interaction.
    pub enum Capability {
        /// Dial the previewed record.
        Call => "CALL",
        /// Reject the previewed record.
        RejectRecord => "REJECT_RECORD",
        /// Cancel the previewed record.
        CancelRecord => "CANCEL_RECORD",
        /// Accept an invitation.
        Accept => "ACCEPT",
        /// Reject an invitation.
        Reject => "REJECT",
        /// Hang up.
        Hangup => "HANGUP",
        /// Hold.
        Hold => "HOLD",
        /// Mark done.
        MarkDone => "MARK_DONE",
    }
}

/// A participant of an interaction (`interaction.Party`): an open map, since no
/// documentation lists its fields; `name` is the one field seen in examples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Party(pub BTreeMap<String, Value>);

impl Party {
    /// A party with only a `name`.
    pub fn named(name: impl Into<String>) -> Self {
        Self(BTreeMap::from([(
            "name".to_owned(),
            Value::String(name.into()),
        )]))
    }

    /// The `name` field, when it is a string.
    pub fn name(&self) -> Option<&str> {
        self.0.get("name").and_then(Value::as_str)
    }
}

/// An interaction (`interaction.Interaction`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Interaction {
    /// Workspace-session-local id (not stable across a Workspace refresh).
    pub interaction_id: String,
    /// Parent interaction (consultations, replies); may be `null`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_interaction_id: Option<Option<String>>,
    /// Case the interaction belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Bundle the interaction belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// Media name (`voice`, `chat`, `email`, custom such as `instagram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// Attached data, filtered by `service-client-api.user-data.read-allowed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<UserData>,
    /// Outbound: the records of the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_records: Option<Vec<RecordFields>>,
    /// Current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<InteractionState>,
    /// Previous state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_state: Option<InteractionState>,
    /// Actions currently possible (outbound preview interactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<Capability>>,
    /// Participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parties: Option<Vec<Party>>,
    /// Whether this is a consultation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_consultation: Option<bool>,
    /// Whether this is the main interaction of its case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_main_case_interaction: Option<bool>,
    /// Whether its case is selected in the Workspace UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_case_selected: Option<bool>,
    /// Whether its case is expanded in the Workspace UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_case_expanded: Option<bool>,
    /// Start, epoch milliseconds; may be `null`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Option<Option<i64>>,
    /// End, epoch milliseconds; may be `null`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date: Option<Option<i64>>,
    /// Voice: call UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_uuid: Option<String>,
    /// Voice: direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Voice and outbound: call type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<CallType>,
    /// Voice: calling number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ani: Option<String>,
    /// Voice: called number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnis: Option<String>,
    /// Voice: call recording state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_state: Option<RecordingState>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(Interaction {
    interaction_id: "interactionId" required,
    parent_interaction_id: "parentInteractionId" present,
    case_id: "caseId" optional,
    bundle_id: "bundleId" optional,
    media: "media" optional,
    user_data: "userData" optional,
    chained_records: "chainedRecords" optional,
    state: "state" optional_open,
    previous_state: "previousState" optional_open,
    capabilities: "capabilities" optional,
    parties: "parties" optional,
    is_consultation: "isConsultation" optional,
    is_main_case_interaction: "isMainCaseInteraction" optional,
    is_case_selected: "isCaseSelected" optional,
    is_case_expanded: "isCaseExpanded" optional,
    start_date: "startDate" present,
    end_date: "endDate" present,
    call_uuid: "callUuid" optional,
    direction: "direction" optional_open,
    call_type: "callType" optional_open,
    ani: "ani" optional,
    dnis: "dnis" optional,
    recording_state: "recordingState" optional_open,
});

impl Interaction {
    /// An interaction with only its id set.
    pub fn new(interaction_id: impl Into<String>) -> Self {
        Self {
            interaction_id: interaction_id.into(),
            ..Self::default()
        }
    }
}

open_enum! {
    /// What a transfer/consult target is (`interaction.TargetQuery` `type`/`target`).
    pub enum TargetType {
        /// An agent (destination: employee id).
        Agent => "AGENT",
        /// An agent group.
        AgentGroup => "AGENT_GROUP",
        /// A skill.
        Skill => "SKILL",
        /// An interaction queue.
        InteractionQueue => "INTERACTION_QUEUE",
        /// A routing point.
        RoutingPoint => "ROUTING_POINT",
        /// A number or address.
        CustomContact => "CUSTOM_CONTACT",
    }
}

/// The `visit_*` methods of a visitor that accepts some JSON types and rejects the others
/// with "`problem`, found <kind>", the kind spelled as `JsonKind` spells it.
macro_rules! wrong_kind_visits {
    ($problem:literal, rejects arrays) => {
        wrong_kind_visits!(@scalars $problem);

        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom(concat!($problem, ", found an array")))
        }
    };
    ($problem:literal, rejects objects) => {
        wrong_kind_visits!(@scalars $problem);

        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom(concat!($problem, ", found an object")))
        }
    };
    (@scalars $problem:literal) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom(concat!($problem, ", found a boolean")))
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom(concat!($problem, ", found an integer")))
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom(concat!($problem, ", found an integer")))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom(concat!($problem, ", found a number")))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(E::custom(concat!($problem, ", found null")))
        }
    };
}

/// Target of `interaction.consult`, `singleStepTransfer` and `singleStepConference`.
///
/// The documentation names the kind `target`, the official sample sends `type`; both keys
/// are decoded and kept as received, and [`TargetQuery::new`] writes both so either reading
/// works.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(untagged))]
#[non_exhaustive]
pub enum TargetQuery {
    /// A plain string: a custom contact such as a phone number.
    Contact(String),
    /// A structured target.
    Target(TargetObject),
}

/// The object form of a [`TargetQuery`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TargetObject {
    /// Kind, as the official sample spells it.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<TargetType>,
    /// Kind, as the documentation spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetType>,
    /// Employee id, group, skill or queue name, routing point or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Media, e.g. `voice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(TargetObject {
    type_: "type" optional_open,
    target: "target" optional_open,
    destination: "destination" optional,
    media: "media" optional,
});

impl TargetQuery {
    /// A structured target carrying the kind under both `type` and `target`.
    pub fn new(kind: TargetType, destination: impl Into<String>) -> Self {
        Self::Target(TargetObject {
            type_: Some(kind.clone()),
            target: Some(kind),
            destination: Some(destination.into()),
            ..TargetObject::default()
        })
    }

    /// The kind of target: `type`, else `target`, else a custom contact for the string form.
    pub fn kind(&self) -> Option<TargetType> {
        match self {
            Self::Contact(_) => Some(TargetType::CustomContact),
            Self::Target(t) => t.type_.clone().or_else(|| t.target.clone()),
        }
    }

    /// The destination: the string itself, or the object's `destination`.
    pub fn destination(&self) -> Option<&str> {
        match self {
            Self::Contact(s) => Some(s),
            Self::Target(t) => t.destination.as_deref(),
        }
    }
}

impl Serialize for TargetQuery {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Contact(c) => s.serialize_str(c),
            Self::Target(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for TargetQuery {
    /// Dispatches on the JSON type (string or object), never by trial and error.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TargetVisitor;

        impl<'de> Visitor<'de> for TargetVisitor {
            type Value = TargetQuery;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an object")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TargetQuery::Contact(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(TargetQuery::Contact(v))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                TargetObject::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(TargetQuery::Target)
            }

            wrong_kind_visits!("a target query must be a string or an object", rejects arrays);
        }

        d.deserialize_any(TargetVisitor)
    }
}

/// Appearance and content of a toast (`system.popupToast` / `updateToast`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToastParameters {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Body; may contain line breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Key/value rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_values: Option<BTreeMap<String, Value>>,
    /// Custom button labels; clicks arrive as `CUSTOM_TOAST_BUTTON_CLICK` system events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buttons: Option<Vec<String>>,
    /// Use the built-in Show/Dismiss buttons instead of `buttons`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_show_dismiss: Option<bool>,
    /// Close automatically after this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_close_timeout: Option<u64>,
    /// Also copy the toast into the agent's "My Messages".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_to_my_message: Option<bool>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(ToastParameters {
    title: "title" optional,
    icon_url: "iconUrl" optional,
    subject: "subject" optional,
    message: "message" optional,
    key_values: "keyValues" optional,
    buttons: "buttons" optional,
    button_show_dismiss: "buttonShowDismiss" optional,
    auto_close_timeout: "autoCloseTimeout" optional,
    send_to_my_message: "sendToMyMessage" optional,
    width: "width" optional,
});

/// The `rescheduleDate` of `outbound.rescheduleRecord`: `M/D/YYYY H:m` local time in the
/// official sample (`"10/21/2021 14:30"`). Decoding turns an ISO-8601 date-time (what
/// `JSON.stringify` makes of a JavaScript `Date`) into that form and keeps any other string
/// as received, for the back end to judge ([`crate::scapi::coerce`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RescheduleDate(String);

impl RescheduleDate {
    /// A date as given (not checked: the back end judges it).
    pub fn new(date: impl Into<String>) -> Self {
        Self(date.into())
    }

    /// The date text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for RescheduleDate {
    fn from(date: String) -> Self {
        Self(date)
    }
}

impl From<&str> for RescheduleDate {
    fn from(date: &str) -> Self {
        Self(date.to_owned())
    }
}

impl fmt::Display for RescheduleDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RescheduleDate {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "RescheduleDate".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

/// Options of `system.openDialog`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct DialogOptions {
    /// Label; `$Agent.FullName$` is substituted by Workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// CSS width, e.g. `430px`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<String>,
    /// CSS height, e.g. `40%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(DialogOptions {
    label: "label" optional,
    width: "width" optional,
    height: "height" optional,
});

/// A custom view in the application menu bar (`system.updateViewInApplicationMenuBar`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MenuBarView {
    /// Key; reused by `closeViewInApplicationMenuBar`.
    pub name: String,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    /// Long label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Compact label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// Tooltip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// CSS background colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// CSS label colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(MenuBarView {
    name: "name" required,
    icon_url: "iconUrl" optional,
    label: "label" optional,
    short_label: "shortLabel" optional,
    tooltip: "tooltip" optional,
    background_color: "backgroundColor" optional,
    label_color: "labelColor" optional,
});

/// Result of `auth.getJwtToken`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JwtToken {
    /// Expiry instant, ISO 8601.
    pub expiration: String,
    /// The token.
    pub jwt_token: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(JwtToken {
    expiration: "expiration" required,
    jwt_token: "jwtToken" required,
});

/// One element of the `configuration.getOption` result: an open map, since the field names
/// are undocumented.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct ConfigSection(pub BTreeMap<String, Value>);

/// Option selectors of `configuration.getOption`: one selector or a list.
///
/// Grammar: `option`, `Section/option`, trailing wildcard (`voice.*`, `MySection/*`); a
/// leading `*` is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(untagged))]
#[non_exhaustive]
pub enum OptionSelectors {
    /// A single selector.
    One(String),
    /// Several selectors (union).
    Many(Vec<String>),
}

impl OptionSelectors {
    /// The selectors as a slice-like list.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Self::One(s) => (Some(s.as_str()), &[][..]),
            Self::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl Serialize for OptionSelectors {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::One(one) => s.serialize_str(one),
            Self::Many(many) => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for OptionSelectors {
    /// Dispatches on the JSON type (string or array).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SelectorsVisitor;

        impl<'de> Visitor<'de> for SelectorsVisitor {
            type Value = OptionSelectors;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OptionSelectors::One(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(OptionSelectors::One(v))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(OptionSelectors::Many)
            }

            wrong_kind_visits!(
                "option selectors must be a string or an array of strings",
                rejects objects
            );
        }

        d.deserialize_any(SelectorsVisitor)
    }
}

/// The result of a request that documents no return value.
///
/// Decision (the documentation is silent): our service omits `data` for such requests; when
/// decoding, any `data` a Workspace sends (`null`, `true`, an echo) is accepted and ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoData;

impl Serialize for NoData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for NoData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de::IgnoredAny::deserialize(d).map(|_| NoData)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for NoData {
    fn schema_name() -> Cow<'static, str> {
        "NoData".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "No documented result: `data` is omitted by agentdesk and ignored when present."
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::scapi::events::{
        Campaign, CampaignStarted, CaseIdChanged, CaseSelected, FrameStateChanged,
        InteractionChange, RealtimeConnection, StateChanged, ToastButtonClick,
    };

    /// The keys each hand-written decoder models are the properties its schema (derived from
    /// the serde attributes that also drive encoding) lists, so decoding and encoding agree.
    #[test]
    fn decoders_model_the_keys_the_schemas_list() {
        macro_rules! check {
            ($($ty:ty),*) => {$(
                let schema = serde_json::to_value(schemars::schema_for!($ty)).unwrap();
                let listed: BTreeSet<&str> = schema["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                let modelled: BTreeSet<&str> = <$ty>::WIRE_FIELDS.iter().copied().collect();
                assert_eq!(listed, modelled, "{}", stringify!($ty));
            )*};
        }
        check!(
            Agent,
            MediaState,
            Media,
            Interaction,
            TargetObject,
            ToastParameters,
            DialogOptions,
            MenuBarView,
            JwtToken,
            StateChanged,
            InteractionChange,
            CaseSelected,
            CaseIdChanged,
            ToastButtonClick,
            RealtimeConnection,
            FrameStateChanged,
            Campaign,
            CampaignStarted
        );
    }

    #[test]
    fn decoded_structs_keep_derive_semantics() {
        // Absent versus null for the nullable fields, unknown keys kept, open enums open.
        let interaction: Interaction = serde_json::from_str(
            r#"{"interactionId":"1","parentInteractionId":null,"state":"NEW_STATE","direction":"IN","x":[1]}"#,
        )
        .unwrap();
        assert_eq!(interaction.parent_interaction_id, Some(None));
        assert_eq!(interaction.start_date, None);
        assert_eq!(interaction.state, Some(InteractionState::from("NEW_STATE")));
        assert_eq!(interaction.direction, Some(Direction::In));
        assert_eq!(interaction.extra["x"], serde_json::json!([1]));
        // Escaped text still names the known value.
        let escaped: Interaction =
            serde_json::from_str(r#"{"interactionId":"1","direction":"\u0049N"}"#).unwrap();
        assert_eq!(escaped.direction, Some(Direction::In));
        // The errors a derive gives, in its order.
        let err = |text: &str| {
            serde_json::from_str::<Interaction>(text)
                .unwrap_err()
                .to_string()
        };
        assert!(err(r#"{"caseId":"c"}"#).starts_with("missing field `interactionId`"));
        assert!(
            err(r#"{"interactionId":"1","caseId":"a","caseId":"b"}"#)
                .starts_with("duplicate field `caseId`")
        );
        assert!(
            err(r#"{"interactionId":"1","state":5}"#)
                .starts_with("invalid type: integer `5`, expected a string")
        );
        assert!(err(r#"["1"]"#).starts_with("invalid type: sequence, expected struct Interaction"));
        // Through a parsed value, as the precise decoder reads it.
        let value = serde_json::json!({"interactionId": 1});
        assert_eq!(
            Interaction::deserialize(&value).unwrap_err().to_string(),
            "invalid type: integer `1`, expected a string"
        );
    }

    #[test]
    fn call_types_parse_as_workspace_spells_them() {
        // The voice example has `"callType": "Internal"` beside `"OUTBOUND_PREVIEW"`.
        assert_eq!(CallType::from("Internal"), CallType::Internal);
        assert_eq!(
            CallType::from("OUTBOUND_PREVIEW"),
            CallType::OutboundPreview
        );
        // Matching is exact: another spelling is kept verbatim, never folded into a variant.
        let upper = CallType::from("INTERNAL");
        assert!(!upper.is_known());
        assert_eq!(
            serde_json::to_value(&upper).ok(),
            Some(Value::from("INTERNAL"))
        );
        assert_eq!(
            serde_json::to_value(CallType::Internal).ok(),
            Some(Value::from("Internal"))
        );
    }

    #[test]
    fn one_of_decoders_reject_other_kinds_by_name() {
        let err = |value: Value| TargetQuery::deserialize(&value).unwrap_err().to_string();
        assert_eq!(
            err(serde_json::json!([1])),
            "a target query must be a string or an object, found an array"
        );
        assert_eq!(
            err(serde_json::json!(1.5)),
            "a target query must be a string or an object, found a number"
        );
        let err = |value: Value| {
            OptionSelectors::deserialize(&value)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(serde_json::json!({"a": 1})),
            "option selectors must be a string or an array of strings, found an object"
        );
        assert_eq!(
            err(serde_json::json!(null)),
            "option selectors must be a string or an array of strings, found null"
        );
        assert_eq!(
            OptionSelectors::deserialize(&serde_json::json!(["a", "b"])).unwrap(),
            OptionSelectors::Many(vec!["a".into(), "b".into()])
        );
    }
}
