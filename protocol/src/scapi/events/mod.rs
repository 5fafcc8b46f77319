//! Events the service pushes to subscribed clients.
//!
//! Each family's `data` is decoded tag-first on `eventType`: a known tag selects its typed
//! variant (missing or mistyped fields are errors that name the field), an unknown tag or
//! an absent one lands in `Other`, which keeps the whole `data` object verbatim. Every struct
//! keeps unknown fields in `extra`, so decode then encode is lossless.
//!
//! Each family is declared once, with the tag of every variant, by a private `event_family!`
//! macro that derives its decoders, encoder and schema; one source file per family (`agent` and
//! `media` share theirs), and the envelope level pairs the `event` name with the family's
//! `data`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod event;
mod family;
mod interaction;
mod outbound;
mod state;
mod system;

pub(crate) use event::EventData;
#[cfg(feature = "schema")]
pub(crate) use event::event_pair_schema;
pub use event::{Event, EventName};
pub(crate) use family::FromEager;
pub use interaction::{
    CaseIdChanged, CaseSelected, CaseSelection, InteractionChange, InteractionEvent,
    InteractionEventType,
};
pub use outbound::{Campaign, CampaignStarted, OutboundEvent};
pub use state::{MediaStateName, StateChanged, StateEvent};
pub use system::{
    ConnectionState, FrameState, FrameStateChanged, RealtimeConnection, SystemEvent,
    ToastButtonClick,
};

/// The key that carries the event type inside `data`.
pub const EVENT_TYPE: &str = "eventType";

/// Prefix of messenger subscription and event names: `messenger:<channel>`.
pub const MESSENGER_PREFIX: &str = "messenger:";

/// `data` of an event this version does not model, kept verbatim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RawEventData(pub BTreeMap<String, Value>);

impl RawEventData {
    /// The `eventType`, when present and a string.
    pub fn event_type(&self) -> Option<&str> {
        self.0.get(EVENT_TYPE).and_then(Value::as_str)
    }
}
