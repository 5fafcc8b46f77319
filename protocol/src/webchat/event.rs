//! WebChatService events (`WebChatService.<name>`), as `{"event": "<name>", "data": ...}`.

use serde_json::Value;

use super::{Capabilities, Message, MessageReceived, ParticipantChange, tagged_enum};

tagged_enum! {
    /// A `WebChatService.<name>` event with its data.
    WebChatEvent, tag = "event", content = "data";
    /// The service accepts commands.
    Ready = "ready",
    /// A session started; data is the back end's start reply.
    Started = "started" (Value),
    /// A session was restored.
    Restored = "restored",
    /// A restore failed.
    RestoreFailed = "restoreFailed",
    /// A restore was refused: the visitor was away longer than `restoreTimeout`.
    RestoreTimeout = "restoreTimeout",
    /// New transcript items.
    MessageReceived = "messageReceived" (MessageReceived),
    /// A client/server error (the failed reply).
    Error = "error" (Value),
    /// The session ended.
    Ended = "ended",
    /// The visitor joined.
    ClientConnected = "clientConnected" (ParticipantChange),
    /// The visitor left.
    ClientDisconnected = "clientDisconnected" (ParticipantChange),
    /// An agent joined.
    AgentConnected = "agentConnected" (ParticipantChange),
    /// An agent left.
    AgentDisconnected = "agentDisconnected" (ParticipantChange),
    /// A supervisor joined.
    SupervisorConnected = "supervisorConnected" (ParticipantChange),
    /// A supervisor left.
    SupervisorDisconnected = "supervisorDisconnected" (ParticipantChange),
    /// A bot joined.
    BotConnected = "botConnected" (ParticipantChange),
    /// A bot left.
    BotDisconnected = "botDisconnected" (ParticipantChange),
    /// An agent started typing.
    AgentTypingStarted = "agentTypingStarted" (Message),
    /// An agent stopped typing (or sent a message).
    AgentTypingStopped = "agentTypingStopped" (Message),
    /// No new agent typing indication within the timeout.
    AgentTypingTimeout = "agentTypingTimeout",
    /// The visitor started typing.
    ClientTypingStarted = "clientTypingStarted",
    /// The visitor stopped typing (timer elapsed).
    ClientTypingStopped = "clientTypingStopped",
    /// Automatic polling started.
    PollingStarted = "pollingStarted",
    /// Automatic polling stopped.
    PollingStopped = "pollingStopped",
    /// A back-end reply.
    AjaxResponse = "ajaxResponse" (Value),
    /// The back end cannot be reached.
    Disconnected = "disconnected",
    /// The back end is reachable again (only after `disconnected`).
    Reconnected = "reconnected",
    /// More than `pollExceptionLimit` transient failures in a row.
    ChatServerWentOffline = "chatServerWentOffline",
    /// First success after `chatServerWentOffline`.
    ChatServerBackOnline = "chatServerBackOnline",
    /// The transport's capabilities are known.
    CapabilitiesChanged = "capabilitiesChanged" (Capabilities),
    /// The back end says the session is gone.
    SessionLost = "sessionLost" (Value),
    /// The page went to sleep (`sleepEnabled`); polling slows down.
    Sleeping = "sleeping",
    /// The page woke up.
    Waking = "waking",
    /// Restored while the chat server reported a transient error (legacy, unregistered).
    RestoredOffline = "restoredOffline",
    /// A chat server request timed out (legacy, unregistered).
    ChatServerTimeout = "chatServerTimeout",
}
