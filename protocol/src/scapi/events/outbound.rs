//! The `outbound` family: campaign lifecycle (mixed-case event types).

use serde::Serialize;

use super::family::{event_family, impl_body};
use crate::scapi::types::{Extra, deserialize_with_extra};

/// Body of `CampaignLoaded`, `CampaignUnloaded` and `CampaignStopped`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Campaign {
    /// Campaign name.
    pub campaign: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(Campaign {
    campaign: "campaign" required,
});

impl Campaign {
    /// A campaign body.
    pub fn new(campaign: impl Into<String>) -> Self {
        Self {
            campaign: campaign.into(),
            extra: Extra::new(),
        }
    }
}

/// Body of `CampaignStarted`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CampaignStarted {
    /// Campaign name.
    pub campaign: String,
    /// Dialing mode, e.g. `Predictive GVP`, `Preview`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

deserialize_with_extra!(CampaignStarted {
    campaign: "campaign" required,
    mode: "mode" optional,
});

impl CampaignStarted {
    /// A campaign start in dialing `mode` (when known).
    pub fn new(campaign: impl Into<String>, mode: Option<String>) -> Self {
        Self {
            campaign: campaign.into(),
            mode,
            extra: Extra::new(),
        }
    }
}

impl_body!(Campaign, CampaignStarted);

event_family! {
    /// `data` of an `outbound` event (campaign lifecycle; mixed-case event types).
    pub enum OutboundEvent {
        /// `CampaignLoaded`.
        CampaignLoaded(Campaign) = "CampaignLoaded",
        /// `CampaignStarted`.
        CampaignStarted(CampaignStarted) = "CampaignStarted",
        /// `CampaignStopped`.
        CampaignStopped(Campaign) = "CampaignStopped",
        /// `CampaignUnloaded`.
        CampaignUnloaded(Campaign) = "CampaignUnloaded",
    }
}
