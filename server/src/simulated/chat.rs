//! Chat and email (open media).
//!
//! Chat: a customer's first message is an invitation (`ADDED` + `INVITED`, then `ACCEPTED`
//! at once under `chat.auto-answer`) ->
//! `interaction.accept`: `ACCEPTED` -> each customer or agent message: `NEW_MESSAGE` -> the
//! customer leaves: `ENDED` -> `interaction.markdone`: `COMPLETED` + `REMOVED` (marking a live
//! chat done ends it first: `ENDED`, `COMPLETED`, `REMOVED`). Message events carry the message
//! in `data.message` (`from`, `party` — `Client` or `Agent` —, `text`, `timestamp`): the
//! documentation names no field for it.
//!
//! Every chat keeps a [`ChatTranscript`]: joins and leaves, messages and typing of both sides,
//! numbered from 1, and whether the chat is over (ended, marked done or its invitation
//! rejected). Typing changes no interaction and publishes nothing; it is only in the
//! transcript. Transcripts outlive the interaction (the customer may read the end after the
//! agent marked the chat done).
//!
//! Email: `email.create` opens an outbound draft (`ADDED` + `CREATED`, state `CREATED`);
//! mark done: `COMPLETED` + `REMOVED`.
//!
//! Privileges: `privilege.email.can-mark-done=false` refuses marking an email done;
//! `privilege.chat.can-release=false` refuses marking an `ACCEPTED` chat done, the only way
//! the agent ends a chat here.

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{
    InteractionChange, InteractionEvent, InteractionEventType as T,
};
use agentdesk_protocol::scapi::types::{Interaction, InteractionState as S, Party, UserData};
use serde::Serialize;
use serde_json::json;

use super::error::SimulationError;
use super::interactions::{Role, SimInteraction, change, transition};
use super::state::{Handled, SimulatedState};
use super::{ChatMessage, millis};
use crate::workspace::Reply;

/// Who wrote a transcript entry (named as WebChatService names parties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ChatParty {
    /// The customer (WebChatService's `Client`).
    #[serde(rename = "Client")]
    Customer,
    /// The simulated agent.
    Agent,
}

impl ChatParty {
    /// The wire name: `Client` or `Agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "Client",
            Self::Agent => "Agent",
        }
    }
}

/// What a transcript entry records (named as WebChatService names message types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum ChatEntryKind {
    /// The party joined (the customer when the chat starts, the agent on accept).
    ParticipantJoined,
    /// The party left (the customer ended the chat, the agent marked it done).
    ParticipantLeft,
    /// Chat text.
    Message,
    /// The party started typing.
    TypingStarted,
    /// The party stopped typing.
    TypingStopped,
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatEntry {
    /// Position in the transcript, from 1.
    pub index: u64,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: ChatEntryKind,
    /// Who did it.
    pub party: ChatParty,
    /// The party's display name.
    pub from: String,
    /// The text of a message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When, in ms since the epoch.
    pub timestamp: i64,
}

/// A chat's transcript ([`SimulatedWorkspace::chat_transcript`](super::SimulatedWorkspace::chat_transcript)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChatTranscript {
    /// The chat interaction.
    pub interaction_id: String,
    /// The customer's nickname.
    pub customer: String,
    /// Everything that happened, oldest first.
    pub entries: Vec<ChatEntry>,
    /// Whether the chat is over (ended by either side, or its invitation rejected).
    pub ended: bool,
}

impl ChatTranscript {
    /// The entries after position `index` (all of them for 0).
    pub fn after(&self, index: u64) -> &[ChatEntry] {
        let skip = usize::try_from(index)
            .unwrap_or(usize::MAX)
            .min(self.entries.len());
        &self.entries[skip..]
    }
}

fn message_event(
    event_type: T,
    wire: &Interaction,
    party: ChatParty,
    from: &str,
    text: &str,
    now: Timestamp,
) -> Event {
    let mut body = InteractionChange::new(event_type, wire.clone());
    body.extra.insert(
        "message".to_owned(),
        json!({ "from": from, "party": party.as_str(), "text": text, "timestamp": millis(now) }),
    );
    Event::Interaction(InteractionEvent::Change(body))
}

impl SimulatedState {
    /// A customer writes: a new chat invitation, or a message in chat `message.interaction_id`.
    pub(crate) fn customer_chat_message(
        &mut self,
        now: Timestamp,
        message: &ChatMessage,
    ) -> Result<(String, Vec<Event>), SimulationError> {
        let customer = ChatParty::Customer;
        let Some(id) = message.interaction_id.as_deref() else {
            let mut wire = self.new_interaction("chat", S::Invited, now);
            wire.parties = Some(vec![Party::named(message.from.clone())]);
            if !message.user_data.is_empty() {
                wire.user_data
                    .get_or_insert_with(UserData::new)
                    .extend(message.user_data.clone());
            }
            let id = wire.interaction_id.clone();
            let mut events = vec![
                change(T::Added, &wire),
                message_event(
                    T::Invited,
                    &wire,
                    customer,
                    &message.from,
                    &message.text,
                    now,
                ),
            ];
            self.add_interaction(SimInteraction::plain(wire));
            self.chats.insert(
                id.clone(),
                ChatTranscript {
                    interaction_id: id.clone(),
                    customer: message.from.clone(),
                    entries: Vec::new(),
                    ended: false,
                },
            );
            self.log_chat(&id, now, ChatEntryKind::ParticipantJoined, customer, None);
            if !message.text.is_empty() {
                self.log_chat(
                    &id,
                    now,
                    ChatEntryKind::Message,
                    customer,
                    Some(&message.text),
                );
            }
            if self.options.flag("chat.auto-answer") {
                // Invited, then accepted at once: apps see INVITED before ACCEPTED, and the
                // customer's side sees the agent join after its own first message.
                if let Ok(accepted) = self.accept(now, &id) {
                    events.extend(accepted.events);
                }
            }
            return Ok((id, events));
        };
        if message.text.is_empty() {
            return Err(SimulationError::InvalidParameter {
                parameter: "message",
                value: String::new(),
                hint: "give the customer's message text",
            });
        }
        let sim = self.find(id)?;
        if sim.media() != "chat" {
            return Err(SimulationError::WrongMedia {
                id: id.to_owned(),
                action: "send a chat message to",
                media: sim.media().to_owned(),
                expected: "chat",
            });
        }
        if !matches!(sim.state(), S::Accepted | S::Invited) {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "send a chat message to",
                state: sim.state().to_string(),
                hint: "the chat has ended; start a new one",
            });
        }
        let event = message_event(
            T::NewMessage,
            &sim.wire,
            customer,
            &message.from,
            &message.text,
            now,
        );
        self.log_chat(
            id,
            now,
            ChatEntryKind::Message,
            customer,
            Some(&message.text),
        );
        Ok((id.to_owned(), vec![event]))
    }

    /// The agent writes in an accepted chat: `NEW_MESSAGE`.
    pub(crate) fn agent_chat_message(
        &mut self,
        now: Timestamp,
        id: &str,
        text: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        self.accepted_chat(id, "send an agent message in")?;
        if text.is_empty() {
            return Err(SimulationError::InvalidParameter {
                parameter: "text",
                value: String::new(),
                hint: "give the agent's message text",
            });
        }
        let agent = self.agent_name();
        let sim = self.find(id)?;
        let event = message_event(
            T::NewMessage,
            &sim.wire,
            ChatParty::Agent,
            &agent,
            text,
            now,
        );
        self.log_chat(
            id,
            now,
            ChatEntryKind::Message,
            ChatParty::Agent,
            Some(text),
        );
        Ok(vec![event])
    }

    /// The agent starts or stops typing in an accepted chat (transcript only, no events).
    pub(crate) fn agent_typing(
        &mut self,
        now: Timestamp,
        id: &str,
        typing: bool,
    ) -> Result<(), SimulationError> {
        self.accepted_chat(id, "show agent typing in")?;
        self.log_chat(id, now, typing_kind(typing), ChatParty::Agent, None);
        Ok(())
    }

    /// The customer starts or stops typing in a live chat (transcript only, no events).
    pub(crate) fn customer_typing(
        &mut self,
        now: Timestamp,
        id: &str,
        typing: bool,
    ) -> Result<(), SimulationError> {
        let sim = self.find(id)?;
        if sim.media() != "chat" || !matches!(sim.state(), S::Accepted | S::Invited) {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "show customer typing in",
                state: format!("{} {}", sim.media(), sim.state()),
                hint: "only an INVITED or ACCEPTED chat has a customer typing",
            });
        }
        self.log_chat(id, now, typing_kind(typing), ChatParty::Customer, None);
        Ok(())
    }

    fn accepted_chat(&self, id: &str, action: &'static str) -> Result<(), SimulationError> {
        let sim = self.find(id)?;
        if sim.media() != "chat" {
            return Err(SimulationError::WrongMedia {
                id: id.to_owned(),
                action,
                media: sim.media().to_owned(),
                expected: "chat",
            });
        }
        if sim.state() != S::Accepted {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action,
                state: sim.state().to_string(),
                hint: "the agent takes part only in an ACCEPTED chat: accept the invitation first",
            });
        }
        Ok(())
    }

    /// The agent's display name: first and last name, else the username, else "Agent".
    fn agent_name(&self) -> String {
        let agent = &self.agent;
        match (agent.firstname.as_deref(), agent.lastname.as_deref()) {
            (Some(first), Some(last)) => format!("{first} {last}"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => agent.username.clone().unwrap_or_else(|| "Agent".to_owned()),
        }
    }

    /// Appends to chat `id`'s transcript (no-op for an interaction without one).
    pub(crate) fn log_chat(
        &mut self,
        id: &str,
        now: Timestamp,
        kind: ChatEntryKind,
        party: ChatParty,
        text: Option<&str>,
    ) {
        let agent = self.agent_name();
        let Some(chat) = self.chats.get_mut(id) else {
            return;
        };
        let from = match party {
            ChatParty::Customer => chat.customer.clone(),
            ChatParty::Agent => agent,
        };
        let index = u64::try_from(chat.entries.len()).unwrap_or(u64::MAX - 1) + 1;
        chat.entries.push(ChatEntry {
            index,
            kind,
            party,
            from,
            text: text.map(str::to_owned),
            timestamp: millis(now),
        });
        if kind == ChatEntryKind::ParticipantLeft {
            chat.ended = true;
        }
        self.chat_changes.send_modify(|revision| *revision += 1);
    }

    /// Marks chat `id` over without a leave entry (a rejected invitation).
    pub(crate) fn close_chat(&mut self, id: &str) {
        if let Some(chat) = self.chats.get_mut(id) {
            chat.ended = true;
            self.chat_changes.send_modify(|revision| *revision += 1);
        }
    }

    /// The customer leaves a chat: `ENDED`.
    pub(crate) fn end_chat(
        &mut self,
        now: Timestamp,
        id: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let sim = self.find_mut(id)?;
        if sim.media() != "chat" || !matches!(sim.state(), S::Accepted | S::Invited) {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "end",
                state: format!("{} {}", sim.media(), sim.state()),
                hint: "only an INVITED or ACCEPTED chat can end",
            });
        }
        transition(&mut sim.wire, S::Ended);
        sim.wire.end_date = Some(Some(millis(now)));
        let events = vec![change(T::Ended, &sim.wire)];
        self.log_chat(
            id,
            now,
            ChatEntryKind::ParticipantLeft,
            ChatParty::Customer,
            None,
        );
        Ok(events)
    }

    pub(crate) fn email_create(
        &mut self,
        now: Timestamp,
        destination: &str,
        user_data: Option<UserData>,
    ) -> Handled {
        if !destination.contains('@') {
            return Err(SimulationError::InvalidParameter {
                parameter: "destination",
                value: destination.to_owned(),
                hint: "give an email address, e.g. 'customer@example.com'",
            });
        }
        let mut wire = self.new_interaction("email", S::Created, now);
        wire.parties = Some(vec![Party::named(destination)]);
        if let Some(user_data) = user_data {
            wire.user_data
                .get_or_insert_with(UserData::new)
                .extend(user_data);
        }
        let events = vec![change(T::Added, &wire), change(T::Created, &wire)];
        self.add_interaction(SimInteraction::plain(wire));
        Ok(Reply::done().with_events(events))
    }

    /// Whether the privilege options let the agent mark `sim` done:
    /// `privilege.email.can-mark-done` for an email, `privilege.chat.can-release` for a live
    /// chat (marking it done ends it; once the customer left, it can be marked done).
    pub(crate) fn markdone_permitted(&self, sim: &SimInteraction) -> Result<(), SimulationError> {
        let refused = match (&sim.role, sim.media(), sim.state()) {
            (Role::Plain, "email", _) => {
                Some(("mark an email done", "privilege.email.can-mark-done"))
            }
            (Role::Plain, "chat", S::Accepted) => {
                Some(("end a live chat", "privilege.chat.can-release"))
            }
            _ => None,
        };
        match refused {
            Some((action, option)) if !self.options.flag(option) => {
                Err(SimulationError::NotPermitted { action, option })
            }
            _ => Ok(()),
        }
    }

    /// Mark done of a chat, email or other open-media interaction.
    pub(crate) fn markdone_open_media(
        &mut self,
        now: Timestamp,
        id: &str,
    ) -> Result<Vec<Event>, SimulationError> {
        let sim = self.find_mut(id)?;
        if matches!(sim.state(), S::Invited) {
            return Err(SimulationError::WrongState {
                id: id.to_owned(),
                action: "mark done",
                state: sim.state().to_string(),
                hint: "accept or reject the invitation first",
            });
        }
        let mut events = Vec::new();
        let mut agent_left = false;
        if sim.media() == "chat" && sim.state() == S::Accepted {
            transition(&mut sim.wire, S::Ended);
            sim.wire.end_date = Some(Some(millis(now)));
            events.push(change(T::Ended, &sim.wire));
            agent_left = true;
        }
        transition(&mut sim.wire, S::Completed);
        if sim.wire.end_date == Some(None) {
            sim.wire.end_date = Some(Some(millis(now)));
        }
        events.push(change(T::Completed, &sim.wire));
        let removed = self
            .remove_interaction(id)
            .ok_or_else(|| SimulationError::NoInteraction(id.to_owned()))?;
        events.push(change(T::Removed, &removed.wire));
        if agent_left {
            self.log_chat(
                id,
                now,
                ChatEntryKind::ParticipantLeft,
                ChatParty::Agent,
                None,
            );
        }
        Ok(events)
    }
}

fn typing_kind(typing: bool) -> ChatEntryKind {
    if typing {
        ChatEntryKind::TypingStarted
    } else {
        ChatEntryKind::TypingStopped
    }
}
