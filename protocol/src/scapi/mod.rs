//! The Service Client API wire format.

mod args;
mod error;
mod open_enum;
pub mod requests;
pub mod types;

pub use args::{Arg, JsonShape};
pub use error::DecodeError;
pub use requests::{REQUESTS, Request, RequestSpec, ScapiRequest};

use crate::schema::SchemaEntry;

pub(crate) fn schemas(_out: &mut Vec<SchemaEntry>) {}
