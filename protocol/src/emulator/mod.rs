//! The emulator's own protocols: what agentdesk-server's local Agent Workspace speaks to its
//! host page, to the tools that drive it and to the customer side of its chats.
//!
//! - [`relay`]: the text frames on `GET /relay` between the host page and the server (the
//!   page forwards what its app frames post; the server answers addressed to a frame and an
//!   exact origin, and streams the inspector's timeline).
//! - [`control`]: the control API: [`control::Action`] (the one vocabulary of
//!   `POST /api/actions`, its shortcut routes, scenario files and the host page), its answer,
//!   and the documents of `GET /api/state` and `GET /api/config`.
//! - [`test_file`]: the test files of `agentdesk-server test` (steps that act on the desktop
//!   and expectations about what the apps do).
//! - [`chat`]: the customer-chat API (`/chat/sessions/...`) and the frames of its stream.
//!
//! Tagged messages are decoded tag-first: the tag is read and checked against the known
//! names before the rest, so an error speaks about the message the peer meant to send and
//! names the field that is wrong.

pub mod chat;
pub mod control;
mod decode;
pub mod relay;
pub mod test_file;

pub use decode::DecodeError;

#[cfg(feature = "schema")]
use crate::schema::{SchemaEntry, entry_for};

/// The emulator's catalogue entries (`schema/emulator/`).
#[cfg(feature = "schema")]
pub(crate) fn schemas(out: &mut Vec<SchemaEntry>) {
    out.extend([
        entry_for::<relay::FromPage>(
            "emulator/FromPage.json",
            "A relay frame from the host page to the server (`GET /relay`)",
        ),
        entry_for::<relay::ToPage>(
            "emulator/ToPage.json",
            "A relay frame from the server to the host page (`GET /relay`)",
        ),
        entry_for::<control::Action>(
            "emulator/Action.json",
            "A control-API action (`POST /api/actions`, scenario steps)",
        ),
        entry_for::<control::ActionOutcome>(
            "emulator/ActionOutcome.json",
            "The answer to an applied action",
        ),
        entry_for::<control::ErrorBody>(
            "emulator/ErrorBody.json",
            "A refusal of the control or chat API (4xx)",
        ),
        entry_for::<control::DesktopState>(
            "emulator/DesktopState.json",
            "The simulated desktop (`GET /api/state`)",
        ),
        entry_for::<control::HostConfig>(
            "emulator/HostConfig.json",
            "The host page's configuration (`GET /api/config`)",
        ),
        entry_for::<test_file::TestFile>(
            "emulator/TestFile.json",
            "A test file of `agentdesk-server test`",
        ),
        entry_for::<chat::StartChat>("emulator/StartChat.json", "Body of `POST /chat/sessions`"),
        entry_for::<chat::ChatStarted>(
            "emulator/ChatStarted.json",
            "Answer of `POST /chat/sessions`",
        ),
        entry_for::<chat::SendText>(
            "emulator/SendText.json",
            "Body of `POST /chat/sessions/{id}/messages`",
        ),
        entry_for::<chat::TextSent>(
            "emulator/TextSent.json",
            "Answer of `POST /chat/sessions/{id}/messages`",
        ),
        entry_for::<chat::SetTyping>(
            "emulator/SetTyping.json",
            "Body of `POST /chat/sessions/{id}/typing`",
        ),
        entry_for::<chat::Done>(
            "emulator/Done.json",
            "Answer of `POST /chat/sessions/{id}/typing`",
        ),
        entry_for::<chat::ChatClosed>(
            "emulator/ChatClosed.json",
            "Answer of `POST /chat/sessions/{id}/end`",
        ),
        entry_for::<chat::ChatTranscript>(
            "emulator/ChatTranscript.json",
            "A chat's transcript (`GET /chat/sessions/{id}`)",
        ),
        entry_for::<chat::StreamFrame>(
            "emulator/StreamFrame.json",
            "A frame of a chat's stream (`GET /chat/sessions/{id}/stream`)",
        ),
    ]);
}
