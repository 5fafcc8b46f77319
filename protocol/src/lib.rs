//! Typed wire formats, option grammars and policy decisions for the protocols that Genesys
//! agent desktops speak to the applications around them.
//!
//! This crate performs no I/O and has no async runtime: it turns bytes and JSON values into
//! typed messages and back, and (in later modules) takes the current time as an argument
//! wherever a decision depends on it.
//!
//! - [`scapi`]: the Service Client API (`window.postMessage` between Agent Workspace and
//!   third-party pages): envelopes, the request table, typed results and events.
//! - [`webchat`]: WebChatService (Genesys Widgets chat): configuration, commands, events,
//!   transcript messages and the GMS Chat API v2 / guest chat v2 back-end payloads.
//! - [`schema`]: the JSON Schema catalogue that `cargo xtask codegen` writes into `schema/`.

pub mod scapi;
pub mod schema;
pub mod webchat;
