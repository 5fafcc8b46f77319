//! Hot seating and default place: building a login that obeys the rules, and reading one.

use super::error::{ConfigurationError, HotSeatingError};
use super::login::{ConfigItem, Device, LoginConfiguration};

/// A place as configured in Genesys, with the DNs it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Place {
    /// The place object's name.
    pub name: String,
    /// The DNs that belong to the place.
    pub devices: Vec<Device>,
}

impl Place {
    /// A place and its DNs.
    pub fn new(name: impl Into<String>, devices: Vec<Device>) -> Self {
        Self {
            name: name.into(),
            devices,
        }
    }
}

/// Checks the hot-seating rules for `selected` devices at `place`.
///
/// A place with one DN needs no `devices`; a place with several needs them, and every listed
/// device must be one of the place's DNs (listed once).
pub fn check_hot_seat(place: &Place, selected: &[Device]) -> Result<(), HotSeatingError> {
    if place.name.trim().is_empty() {
        return Err(HotSeatingError::EmptyPlaceName);
    }
    if place.devices.is_empty() {
        return Err(HotSeatingError::PlaceWithoutDevices {
            place: place.name.clone(),
        });
    }
    if selected.is_empty() && place.devices.len() > 1 {
        return Err(HotSeatingError::DevicesRequired {
            place: place.name.clone(),
            count: place.devices.len(),
        });
    }
    for (position, device) in selected.iter().enumerate() {
        if selected[..position].contains(device) {
            return Err(HotSeatingError::DuplicateDevice {
                position,
                dn: device.dn.clone(),
                switch: device.switch.clone(),
            });
        }
        if !place.devices.contains(device) {
            return Err(HotSeatingError::DeviceNotInPlace {
                position,
                dn: device.dn.clone(),
                switch: device.switch.clone(),
                place: place.name.clone(),
            });
        }
    }
    Ok(())
}

fn check_url(field: &'static str, value: &str) -> Result<(), HotSeatingError> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(host) if !host.is_empty() && !host.starts_with(':') && !host.contains(' ') => Ok(()),
        _ => Err(HotSeatingError::InvalidServerUrl {
            field,
            value: value.to_owned(),
        }),
    }
}

/// Where the agent sits for this session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Seat {
    /// No hot seating: SRS uses the agent's configured default place; only `server` is sent.
    DefaultPlace,
    /// Hot seating: the place the agent chose and the devices used there (possibly none when
    /// the place holds a single DN).
    HotSeat {
        /// The place's name.
        place: String,
        /// The devices sent in `devices`; empty means the item is omitted.
        devices: Vec<Device>,
    },
}

impl Seat {
    /// A hot seat at `place` using `devices`, checked against the place's configured DNs
    /// (empty `devices` is allowed only when the place holds a single DN).
    pub fn at_place(place: &Place, devices: Vec<Device>) -> Result<Self, HotSeatingError> {
        check_hot_seat(place, &devices)?;
        Ok(Self::HotSeat {
            place: place.name.clone(),
            devices,
        })
    }

    /// A hot seat known only by the place's name: the login carries `place` and no
    /// `devices`, which SRS accepts when the place holds a single DN (and refuses otherwise).
    /// Use it when the desktop does not know the place's DN list; nothing but the name can be
    /// checked before sending.
    pub fn by_place_name(place: impl Into<String>) -> Result<Self, HotSeatingError> {
        let place = place.into();
        if place.trim().is_empty() {
            return Err(HotSeatingError::EmptyPlaceName);
        }
        Ok(Self::HotSeat {
            place,
            devices: Vec::new(),
        })
    }

    /// The place's name, for a hot seat.
    pub fn place(&self) -> Option<&str> {
        match self {
            Self::DefaultPlace => None,
            Self::HotSeat { place, .. } => Some(place),
        }
    }
}

/// A checked login: what the desktop sends as "Login Request with Configuration".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRequest {
    /// RWS URL SRS must use (`server`).
    pub server: String,
    /// Backup RWS URL in the recovery data centre (`peer_server`).
    pub peer_server: Option<String>,
    /// Default place or hot seat.
    pub seat: Seat,
}

impl LoginRequest {
    /// A default-place login: the body carries only `server`.
    pub fn default_place(server: impl Into<String>) -> Result<Self, HotSeatingError> {
        let server = server.into();
        check_url("server", &server)?;
        Ok(Self {
            server,
            peer_server: None,
            seat: Seat::DefaultPlace,
        })
    }

    /// A hot-seating login at `place` using `devices` (empty is allowed only when the place
    /// holds a single DN), checked against the place's configured DNs.
    pub fn hot_seating(
        server: impl Into<String>,
        place: &Place,
        devices: Vec<Device>,
    ) -> Result<Self, HotSeatingError> {
        let server = server.into();
        check_url("server", &server)?;
        check_hot_seat(place, &devices)?;
        Ok(Self {
            server,
            peer_server: None,
            seat: Seat::HotSeat {
                place: place.name.clone(),
                devices,
            },
        })
    }

    /// A hot-seating login at the place named `place`, without `devices`: for a desktop that
    /// knows only the place's name, where the place holds one DN (see [`Seat::by_place_name`]).
    pub fn hot_seating_by_name(
        server: impl Into<String>,
        place: impl Into<String>,
    ) -> Result<Self, HotSeatingError> {
        let server = server.into();
        check_url("server", &server)?;
        Ok(Self {
            server,
            peer_server: None,
            seat: Seat::by_place_name(place)?,
        })
    }

    /// The same `server` and `peer_server` with another seat: what a place switch sends.
    pub fn with_seat(mut self, seat: Seat) -> Self {
        self.seat = seat;
        self
    }

    /// Adds the backup RWS of the recovery data centre (`peer_server`).
    pub fn with_peer_server(mut self, peer: impl Into<String>) -> Result<Self, HotSeatingError> {
        let peer = peer.into();
        check_url("peer_server", &peer)?;
        self.peer_server = Some(peer);
        Ok(self)
    }

    /// The same login sent to the recovery data centre: `server` becomes `recovery`, and the
    /// old `server` becomes `peer_server` so SRS can come back when the primary recovers.
    pub fn fail_over_to(&self, recovery: impl Into<String>) -> Result<Self, HotSeatingError> {
        let recovery = recovery.into();
        check_url("server", &recovery)?;
        Ok(Self {
            peer_server: Some(self.server.clone()),
            server: recovery,
            seat: self.seat.clone(),
        })
    }

    /// The wire body, items in the documented order.
    pub fn to_configuration(&self) -> LoginConfiguration {
        let mut items = vec![ConfigItem::Server(self.server.clone())];
        if let Some(peer) = &self.peer_server {
            items.push(ConfigItem::PeerServer(peer.clone()));
        }
        if let Seat::HotSeat { place, devices } = &self.seat {
            items.push(ConfigItem::Place(place.clone()));
            if !devices.is_empty() {
                items.push(ConfigItem::Devices(devices.clone()));
            }
        }
        LoginConfiguration::new(items)
    }
}

/// A received configuration, read into fields: what a server applies.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct LoginSettings {
    /// `server`.
    pub server: String,
    /// `peer_server`.
    pub peer_server: Option<String>,
    /// `place`; `None` means the default place.
    pub place: Option<String>,
    /// `devices`; empty when the item was absent.
    pub devices: Vec<Device>,
    /// Items with names SRS does not document, in order.
    pub other: Vec<ConfigItem>,
}

impl LoginSettings {
    /// Reads a configuration: `server` is required, names appear once, `devices` needs `place`.
    /// Unknown names are kept in [`LoginSettings::other`] and otherwise ignored.
    pub fn from_configuration(
        configuration: &LoginConfiguration,
    ) -> Result<Self, ConfigurationError> {
        let mut seen: Vec<(&str, usize)> = Vec::new();
        let mut server = None;
        let mut settings = Self::default();
        let mut devices_at = None;
        for (position, item) in configuration.items.iter().enumerate() {
            let name = item.name();
            if let Some((_, first)) = seen.iter().find(|(seen, _)| *seen == name) {
                return Err(ConfigurationError::DuplicateName {
                    name: name.to_owned(),
                    first: *first,
                    position,
                });
            }
            seen.push((name, position));
            match item {
                ConfigItem::Server(url) => server = Some(url.clone()),
                ConfigItem::PeerServer(url) => settings.peer_server = Some(url.clone()),
                ConfigItem::Place(place) => settings.place = Some(place.clone()),
                ConfigItem::Devices(devices) => {
                    devices_at = Some(position);
                    settings.devices = devices.clone();
                }
                other => settings.other.push(other.clone()),
            }
        }
        if let (Some(position), None) = (devices_at, &settings.place) {
            return Err(ConfigurationError::DevicesWithoutPlace { position });
        }
        let server = server.ok_or(ConfigurationError::MissingServer)?;
        check_url("server", &server)?;
        if let Some(peer) = &settings.peer_server {
            check_url("peer_server", peer)?;
        }
        settings.server = server;
        Ok(settings)
    }
}
