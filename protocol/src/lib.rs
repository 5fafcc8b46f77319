//! Typed wire formats, option grammars and policy decisions for the protocols that Genesys
//! agent desktops speak to the applications around them.
//!
//! This crate performs no I/O and has no async runtime: it turns JSON into typed messages and
//! back, and takes the current time as an argument wherever a decision depends on it.
//!
//! - [`scapi`]: the Service Client API (`window.postMessage` between Agent Workspace and
//!   third-party pages): envelopes, the request table, typed results and events.
//! - [`policy`]: the `service-client-api.*` security options: option-file parser, origins,
//!   request filters, rate windows with quarantine, user-data allow-lists, `decide`/`explain`.
//! - [`srs`]: the Screen Recording Service local HTTP API: login configuration, ping, logout,
//!   hot-seating rules and the emulator's inspection format.
//! - [`webchat`]: WebChatService (Genesys Widgets chat): configuration, commands, events,
//!   transcript messages and the GMS Chat API v2 / guest chat v2 back-end payloads.
//! - [`emulator`]: agentdesk-server's own protocols: the host page's relay frames, the control
//!   API's actions and desktop state, and the customer-chat API.
//! - `schema` (feature `schema`): the JSON Schema catalogue that `cargo xtask codegen` writes
//!   into `schema/`.
//!
//! # Features
//!
//! - `schema` (off by default): implements `schemars::JsonSchema` for every wire type and adds
//!   the `schema` module, the catalogue of generated schemas. Code generation and this crate's
//!   own tests enable it; services and clients that only encode and decode leave it off and do
//!   not build schemars.
//!
//! # Example
//!
//! A service decodes what a client page posted, and answers it:
//!
//! ```
//! use agentdesk_protocol::scapi::requests::VoiceDial;
//! use agentdesk_protocol::scapi::{ClientMessage, Request, ServiceMessage, SuccessResponse};
//! use serde_json::json;
//!
//! let posted = json!({
//!     "request": "voice.dial",
//!     "parameters": ["5551234", null],
//!     "referenceId": "0",
//!     "userAgent": "WWE Client",
//!     "protocolVersion": 2
//! });
//! let ClientMessage::Request(message) = ClientMessage::decode(&posted)? else {
//!     unreachable!("a request decodes to a request");
//! };
//! let Request::VoiceDial(VoiceDial { destination, user_data, .. }) = &message.request else {
//!     unreachable!("voice.dial decodes to its own variant");
//! };
//! assert_eq!(destination, "5551234");
//! assert_eq!(user_data, &None);
//! // Re-encoding gives back exactly what was posted.
//! assert_eq!(message.to_value(), posted);
//!
//! let reply = ServiceMessage::Success(SuccessResponse::new(message.reference_id.clone(), None));
//! assert_eq!(reply.to_value()["userAgent"], "WWE Server");
//!
//! // A number where a string belongs is converted, as JavaScript would, and reported.
//! let ClientMessage::Request(lenient) = ClientMessage::decode(
//!     &json!({ "request": "voice.dial", "parameters": [5551234], "referenceId": "1" }),
//! )? else {
//!     unreachable!("a request decodes to a request");
//! };
//! assert_eq!(lenient.to_value()["parameters"], json!(["5551234"]));
//! assert_eq!(
//!     lenient.coercions[0].to_string(),
//!     "argument 0 `destination`: number 5551234 → \"5551234\""
//! );
//!
//! // Malformed input is an error that names the place and the fix.
//! let err = ClientMessage::decode(&json!({ "request": "voice.dial", "parameters": [{}], "referenceId": "1" }))
//!     .unwrap_err();
//! assert_eq!(err.path, "$.parameters[0]");
//! # Ok::<(), agentdesk_protocol::scapi::DecodeError>(())
//! ```
//!
//! # Decisions where the Service Client API documentation is silent
//!
//! Each choice below is what a real Workspace most plausibly does; all of them keep unknown
//! input intact rather than rejecting it. `docs/decisions.md` indexes the decisions of every
//! crate.
//!
//! - **Event catalogue**: every `eventType`, state, call type, capability and
//!   media-state value is an open enum; unknown values and unknown fields survive decode and
//!   re-encode. An unknown `eventType` lands in the family's `Other` variant with `data`
//!   verbatim; an unknown family in [`scapi::Event::Other`].
//! - **Return shapes**: requests documented with no result answer [`scapi::types::NoData`]:
//!   agentdesk omits `data`, and any `data` a Workspace sends is accepted and ignored.
//!   `system.getAllowedServices` answers an array of request names; `sipEndpoint.is*Mute`,
//!   `system.amIVisible` and `system.isFrame*` answer booleans; `popupToast` and `openDialog`
//!   answer the id string. Undocumented shapes (`interaction.consult`, `outbound.getCampaigns`,
//!   `getPreviewRecord`, `getListOfCallResults`, `getCallResult`, `getChainedRecords`,
//!   `auth.getPureCloudToken`) are raw JSON values. `configuration.Section` and
//!   `interaction.Party` are open maps; `media.State`, `media.Media` and every other struct
//!   keep unknown fields in `extra`.
//! - **Subscriptions**: `subscriptionId` is a string; the acknowledgement is a success
//!   response with `subscriptionId` and no `data`; unsubscribe is not acknowledged.
//! - **TargetQuery key**: both `type` and `target` are decoded and kept as received;
//!   [`scapi::types::TargetQuery::new`] writes both.
//! - **`outbound.rejectPreviewRecord` / `cancelPreviewRecord`**: the `interactionId` slot
//!   is optional, so both the documented (no argument) and the library form decode.
//! - **`agent.setState` / `media.setState`**: the argument is the operation-name string. A
//!   number is taken as its decimal text, as JavaScript would; `"1"` names no state, and the
//!   back end's refusal lists the operation names there are.
//! - **Argument leniency**: a parameter of another JSON type that a JavaScript Workspace
//!   would convert (a number for a string id, `"2"` for an integer, an ISO date for
//!   `rescheduleDate`, `"500px"` for a toast width) is converted and reported in
//!   [`scapi::RequestMessage::coercions`]; what no JavaScript could use stays an error. The
//!   rules per parameter type are in [`scapi::coerce`]. The JSON Schemas describe the
//!   documented types only.
//! - **Doc-only and sample-only requests**: `interaction.getByBundleId`, `getByCaseId`,
//!   `configuration.getContextualOption` and `auth.getPureCloudToken` are in the table with
//!   their inferred parameters and marked [`scapi::requests::Source::Documentation`] or
//!   [`scapi::requests::Source::Sample`]; legacy `interaction.attachUserData` and
//!   `updateUserData` are marked [`scapi::requests::Source::LegacyAliasOf`].
//! - **`frameId`**: opaque; any JSON value is accepted and echoed; agentdesk sends strings.
//! - **`userAgent`**: decoding does not require it (documentation examples leave the
//!   envelope out); [`scapi::ServiceMessage::library_accepts`] applies the official client's
//!   filter (a string containing `WWE`) for code that must behave like it. When present,
//!   `userAgent` must be a string and `protocolVersion` an integer.
//! - **`referenceId`** must be a non-empty string, as the official client sends it; a number is
//!   an error with a hint rather than a silent conversion.
//! - **`null`**: optional fields accept `null` as absent. The fields the documentation shows
//!   as `null` (`parentInteractionId`, `startDate`, `endDate`) keep `null` apart from absent so
//!   the documentation's examples round-trip exactly.

pub mod config;
pub mod emulator;
mod open_enum;
pub mod policy;
pub mod scapi;
#[cfg(feature = "schema")]
pub mod schema;
pub mod srs;
pub mod webchat;

pub use open_enum::UnknownValue;
