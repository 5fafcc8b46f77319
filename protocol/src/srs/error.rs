//! Errors of the SRS wire format and of the hot-seating rules.

use thiserror::Error;

/// A login that breaks the hot-seating rules of the SRS documentation, found before sending.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HotSeatingError {
    /// `server` (or `peer_server`) is not an absolute http(s) URL.
    #[error(
        "`{field}` must be an absolute http:// or https:// URL with a host, such as \
         \"https://rws.example.com:443\"; got {value:?}"
    )]
    InvalidServerUrl {
        /// `server` or `peer_server`.
        field: &'static str,
        /// The rejected value.
        value: String,
    },
    /// The place name is empty.
    #[error("`place` must name a configured place; got an empty string")]
    EmptyPlaceName,
    /// The place's configured DN list is empty, so no device can belong to it.
    #[error(
        "place {place:?} has no DN configured; list the place's DNs (Place::new(name, devices)) \
         so the login can be checked, or, when the desktop knows only the place's name, use \
         LoginRequest::hot_seating_by_name and let SRS check it"
    )]
    PlaceWithoutDevices {
        /// The place.
        place: String,
    },
    /// The place holds several DNs and the login lists none.
    #[error(
        "place {place:?} holds {count} DNs, so `devices` is required: list the DN(s) and \
         switch(es) the agent uses at this place"
    )]
    DevicesRequired {
        /// The place.
        place: String,
        /// How many DNs the place holds.
        count: usize,
    },
    /// A listed device is not one of the place's DNs.
    #[error(
        "`devices`[{position}] (dn {dn:?} on switch {switch:?}) does not belong to place \
         {place:?}; every device must be a DN of the selected place"
    )]
    DeviceNotInPlace {
        /// Index in the `devices` list.
        position: usize,
        /// The DN.
        dn: String,
        /// Its switch.
        switch: String,
        /// The place.
        place: String,
    },
    /// A device is listed twice.
    #[error("`devices`[{position}] (dn {dn:?} on switch {switch:?}) is listed twice; remove it")]
    DuplicateDevice {
        /// Index of the repeated entry.
        position: usize,
        /// The DN.
        dn: String,
        /// Its switch.
        switch: String,
    },
}

/// A decoded login configuration that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigurationError {
    /// The array has no `server` item.
    #[error(
        "the login configuration has no `server` item; add {{\"name\":\"server\",\"value\":\
         \"https://<rws-host>:<port>\"}}"
    )]
    MissingServer,
    /// A name occurs more than once.
    #[error("item {position}: `{name}` already appeared at item {first}; send each name once")]
    DuplicateName {
        /// The repeated name.
        name: String,
        /// Index of the first occurrence.
        first: usize,
        /// Index of the repetition.
        position: usize,
    },
    /// `devices` without `place`.
    #[error(
        "item {position}: `devices` needs a `place` item naming the place the devices belong to"
    )]
    DevicesWithoutPlace {
        /// Index of the `devices` item.
        position: usize,
    },
    /// The configuration breaks a hot-seating rule.
    #[error(transparent)]
    HotSeating(#[from] HotSeatingError),
}
