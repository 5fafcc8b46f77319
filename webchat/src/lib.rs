//! WebChatService for Rust: the Genesys Widgets chat service's commands, events and session
//! behaviour, over real chat back ends.
//!
//! - [`session::ChatSession`]: the sans-IO state machine (idle, starting, active, ending,
//!   ended, restoring). It takes `now` (ms since the epoch) as an argument, returns timers as
//!   deadlines, and rejects commands with the exact WebChatService texts
//!   ([`RejectionText`](agentdesk_protocol::webchat::RejectionText)).
//! - [`service::ChatService`]: the async facade; it runs the machine's requests against a
//!   [`transport::ChatTransport`], fires its deadlines and publishes its events.
//! - [`transport::ChatTransport`]: the back-end trait (object-safe, `async-trait`).
//!   Implementations: [`transport::gms::GmsTransport`] (GMS Chat API v2, REST polling) and
//!   [`transport::guest::GuestChatTransport`] (Genesys Cloud guest chat v2, REST + WebSocket;
//!   deprecated by Genesys in favour of Web Messaging, see
//!   [its module docs](transport::guest#deprecated-upstream)).
//!   [`transport::emulator::EmulatorTransport`] talks to the agentdesk-server emulator's chat
//!   API ([`ChatConfig::emulator`]): the chat becomes a chat interaction of the simulated
//!   Agent Workspace (Service Client API apps see `INVITED`, `NEW_MESSAGE`, `ENDED`), and the
//!   simulated agent answers, types and ends it through the emulator's control API.
//! - [`config::ChatConfig`]: `_genesys.widgets.webchat` validated, with defaults;
//!   [`config::ChatConfigBuilder`] builds one in code, and [`transport::from_config`] picks
//!   the transport it selects.
//! - Wire types (commands, events, messages, back-end payloads) live in
//!   [`agentdesk_protocol::webchat`].
//!
//! # Example
//!
//! The state machine alone, with a made-up clock and a back end answered by hand:
//!
//! ```
//! use agentdesk_protocol::webchat::{
//!     GmsSessionData, MessageOptions, RejectionText, SessionData, StartChatOptions, WebChatEvent,
//! };
//! use agentdesk_webchat::config::ChatConfig;
//! use agentdesk_webchat::session::{ChatSession, TimerAction};
//! use agentdesk_webchat::transport::TransportCapabilities;
//!
//! let config = ChatConfig::gms("https://gms.example.net/genesys/2/chat/customer-support").unwrap();
//! let capabilities = TransportCapabilities {
//!     polling: true, custom_notice: true, update_user_data: true, file_upload: false,
//!     file_download: false, async_chat: false,
//!     history: Err(RejectionText::HistoryRequiresAsync),
//! };
//! let mut chat = ChatSession::new(config, capabilities);
//!
//! // No session yet: sending is rejected with the documented text.
//! let hi = MessageOptions::text("hi");
//! assert_eq!(chat.send_message(&hi), Err(RejectionText::NoActiveSession));
//!
//! // startChat: the machine says what to open; the edge opens it and reports back.
//! let _request = chat.start_chat(StartChatOptions::default()).unwrap();
//! let keys = SessionData::Gms(GmsSessionData {
//!     session_id: "c-1".into(), user_id: "u-1".into(), secure_key: "k".into(), alias: 117.into(),
//! });
//! chat.start_finished(Ok((serde_json::json!({"statusCode": 0}), keys, vec![])), 1_000);
//! assert!(chat.is_active());
//!
//! // sendTyping starts the 2 s typing-stop timer; the edge fires it when due.
//! chat.send_typing(&MessageOptions::default(), 1_000).unwrap();
//! assert_eq!(chat.next_deadline(), Some(3_000));
//! assert_eq!(chat.handle_timeout(3_000), vec![TimerAction::StopTyping]);
//! assert!(chat.take_events().contains(&WebChatEvent::ClientTypingStopped));
//! ```
//!
//! # Decisions where the sources are silent or unsure
//!
//! - **Rejection texts.** The 9.0.018.07 widget code's spelling is used where it agrees with the
//!   documentation up to a sentence-final period (documentation tables end every cell with
//!   one); the documentation's wording where the two differ (`fetchHistory`,
//!   `userData`). One text per reason for every transport: `"There is no active chat
//!   session"` (the Genesys Cloud transport's variant adds a period).
//! - **Check order.** `sendMessage` checks the text, then the length, then the session;
//!   "doesn't support" rejections come before session checks.
//! - **`endChat` failures** still end the session locally (an `error` event comes first): a
//!   back end that refuses to disconnect has almost always lost the session already.
//! - **Prefilters** run on the back end's text before the pre-processor, so a pre-processor
//!   cannot reveal a filtered token; participant and typing side effects of filtered messages
//!   still apply. Filters are kept for the session, saved in [`session::SavedSession`] and
//!   recalled on restore, and dropped when the session ends.
//! - **Restore** takes the JSON of a [`session::SavedSession`] as `sessionData`. A caller
//!   without session data outside async mode gets the "Access Denied" text; a saved session
//!   older than `restoreTimeout` publishes `restoreTimeout` and is rejected with
//!   `"No chat session found to restore."`. A back end that says the session is over
//!   ([`TransportError::SessionEnded`]: a GMS refresh without `chatEnded: false`, a Genesys
//!   Cloud guest no longer connected, an emulator chat that ended) also publishes
//!   `restoreTimeout`; other failures publish `restoreFailed`.
//! - **Restore history (Genesys Cloud):** with `transport.pagination` on, a restore replays
//!   the newest page of `maxMessagePageSize` messages and `fetchHistory` continues before
//!   it; with it off, every message (following `next` pages). The event stream is attached
//!   before the history is fetched, and messages are delivered once by id, so nothing sent
//!   in between is lost or repeated.
//! - **`poll`** is private to the service, so [`service::ChatService::poll`] always rejects;
//!   the service's own loop polls every `pollRate` while polling is on (it starts with the
//!   session on polling transports).
//! - **Configuration** is validated strictly: out-of-range `pollRate`, missing required
//!   fields and unknown transports are errors naming the field and the fix (the widget
//!   silently ignores some of these). CometD and the v3/PureConnect transports are reported
//!   as not implemented.
//! - **Browser-only commands** arrive as JSON, where a DOM element or a function cannot:
//!   `registerTypingPreviewInput` always rejects with the widget's invalid-input text and
//!   `registerPreProcessor` with "No preprocessor function provided. Type provided was
//!   'string'." (JavaScript's `typeof` of what was sent); Rust code registers a closure with
//!   [`ChatService::register_pre_processor`]. Files: GMS uploads
//!   (`file`), downloads (`file/{id}/download`) and reports limits (`file/limits`); Rust code
//!   calls [`ChatService::send_file`] with a [`transport::FilePart`]. A JSON `sendFile`
//!   command cannot carry a file, so once the transport and session checks pass it rejects
//!   with the widget's "No HTMl5 formData support on your browser"; a JSON `downloadFile`
//!   downloads and resolves with nothing (the bytes come from
//!   [`ChatService::download_file`]). The other transports reject with the "doesn't
//!   support" texts.
//! - **GMS `statusCode`:** 0 is success; 1 is transient (counted towards
//!   `chatServerWentOffline`; its other fields, `chatEnded` included, are not trusted); 2 and
//!   any other value are errors (`error`). `chatEnded: true` in any reply but a transient one
//!   ends the session (`ended`, after the `error` of a failed reply), whichever call it
//!   answered. Details in [`transport::gms`].
//! - **Ids** that GMS or `getSessionData` give as a number or a string (`sessionID`,
//!   `alias`, `userId`, `chatId`) are accepted in both forms and re-encoded in the form they
//!   came in ([`WireId`](agentdesk_protocol::webchat::WireId)).
//! - **Command results** are [`Reply`]s: typed accessors for the protocol crate's reply
//!   types, and the JSON the widget bus would resolve with.
//! - **GMS message options:** `sendMessage`'s `type` goes out as `messageType` and
//!   `parentMessageID` as `eventAttributes` `{"general-properties": {"related-event-id":
//!   ...}}`; a `text` key of `startChat`'s options is request-chat's first message.
//!   `send`, `startTyping` and `stopTyping` carry `transcriptPosition`, and the transcript
//!   their replies return is delivered like a poll's.
//! - **Code-only commands:** `pausePoll` stops polling without `pollingStopped` (`startPoll`
//!   resumes); `asyncRestore` restores a saved asynchronous session and otherwise rejects
//!   with an empty text, as the widget does; `updateInteractionData` before a session is
//!   handed to the next start ([`transport::StartRequest::interaction_data`]) and refused
//!   during one; `sleep` / `wake` publish `sleeping` / `waking`.
//! - **Interaction data (Genesys Cloud)** is the configured `transport.interactionData`,
//!   overlaid by what `updateInteractionData` set, overlaid by `startChat.interactionData`,
//!   merged key by key (a routing overlay naming only `targetAddress` keeps the configured
//!   priority). `routing` becomes `routingTarget`, the flat `journey` keys become
//!   `journeyContext` (`customer`, `customerSession`, `triggeringAction.actionMap`), and
//!   `userData` joins `memberInfo.customFields` after the form fields and the chat's
//!   `userData`. `phone` goes out as `phoneNumber` (Genesys Cloud) or `PhoneNumber` (GMS),
//!   as the widget sends it. GMS has no routing data; interaction data is ignored there.
//! - **`started`** carries the session credentials as the widget publishes them (GMS
//!   `{sessionID, userId, secureKey, alias}`, Genesys Cloud `{data: {jwt, conversationId,
//!   memberId, WebSocketUrl}}`); `startChat` resolves with the back end's reply.
//!   `agentTypingStarted` carries the normalised typing message, whose `from` has the
//!   widget's `name`, `id` (and `avatar` on Genesys Cloud).
//! - **Events** go to every subscriber through a buffer of 256; a subscriber that falls
//!   further behind is told how many it missed ([`Lagged`] from the
//!   [`EventStream`] stream, [`EventStream::missed`]).
//! - **Genesys Cloud typing:** the API has no "stopped typing" call, so the typing-stop timer
//!   only publishes `clientTypingStopped`.
//! - **Polling** uses a fixed `pollRate`; the widget's dynamic back-off (`pollRateMin`,
//!   `pollRateMax`, `pollRateMult`) and the slower polling of sleep mode are not modelled.
//! - **Bot events** (`botConnected`/`botDisconnected`) are published for every bot party;
//!   the widget gates them behind `transport.botEventsEnabled` for Genesys Cloud.
//! - **Emulator session data** is reported in the Genesys Cloud shape
//!   (`SessionData::Guest`: `conversationId` = the opaque chat id, `lastMessageId` = the
//!   last transcript index), as the protocol crate has no emulator variant.
//! - **Not published** (typed in the protocol crate, but nothing here produces them):
//!   `ajaxResponse`, `sessionLost`, `sleeping`/`waking`, `restoredOffline`,
//!   `chatServerTimeout`.
//!
//! # TLS
//!
//! `https://` REST calls and `wss://` event streams (Genesys Cloud) work in the default
//! build: rustls with the aws-lc-rs provider (the one reqwest, which this crate uses for
//! REST, already builds), verifying against the platform's root certificates as reqwest
//! does. [`ChatConfig::extra_root_certificates`] adds DER roots (a private CA, a test
//! server); [`transport::from_config`] and each transport's `from_config` honour it. The
//! `tls-native-roots` feature of earlier versions is kept and does nothing.

pub mod clock;
pub mod config;
pub mod error;
pub mod filter;
pub mod reply;
pub mod service;
pub mod session;
pub mod transport;

pub use config::ChatConfig;
pub use error::{CommandError, ConfigError, TransportError};
pub use reply::Reply;
pub use service::{ChatService, EventStream, Lagged};
pub use session::ChatSession;
pub use transport::ChatTransport;
