//! The Service Client API wire format.
//!
//! - [`envelope`]: the seven message shapes and the two decode entry points
//!   ([`ClientMessage::decode`], [`ServiceMessage::decode`]).
//! - [`requests`]: the request table ([`REQUESTS`]), one typed struct per request and the
//!   [`Request`] enum.
//! - [`types`]: results and parameters (agent, states, interactions, target queries, ...).
//! - [`events`]: every event family, decoded tag-first with lossless catch-alls.
//! - [`coerce`]: the parameter values of another JSON type that decoding converts, as a
//!   JavaScript Workspace would, and reports.

mod args;
pub mod coerce;
pub mod envelope;
mod error;
pub mod events;
mod fast;
mod payload;
pub mod requests;
#[cfg(feature = "schema")]
mod schemas;
pub mod types;

pub use args::{Arg, JsonShape};
pub use coerce::{Coercion, Coercions};
pub use envelope::{
    ClientMessage, Envelope, EventMessage, FailureResponse, FrameIdMessage, RequestMessage,
    Salvaged, ServiceMessage, SubscribeMessage, SubscriptionNames, SuccessResponse,
    UnsubscribeMessage,
};
pub use error::DecodeError;
pub use events::{Event, EventName};
pub use payload::Payload;
pub use requests::{REQUESTS, Request, RequestSpec, ScapiRequest};

#[cfg(feature = "schema")]
pub(crate) use schemas::schemas;
