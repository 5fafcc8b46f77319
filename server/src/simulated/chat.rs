//! Chat and email (open media).
//!
//! Chat: a customer's first message is an invitation (`ADDED` + `INVITED`) ->
//! `interaction.accept`: `ACCEPTED` -> each customer message: `NEW_MESSAGE` -> the customer
//! leaves: `ENDED` -> `interaction.markdone`: `COMPLETED` + `REMOVED` (marking a live chat
//! done ends it first: `ENDED`, `COMPLETED`, `REMOVED`). Message events carry the message in
//! `data.message` (`from`, `text`, `timestamp`): the documentation names no field for it.
//!
//! Email: `email.create` opens an outbound draft (`ADDED` + `CREATED`, state `CREATED`);
//! mark done: `COMPLETED` + `REMOVED`.

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::Event;
use agentdesk_protocol::scapi::events::{
    InteractionChange, InteractionEvent, InteractionEventType as T,
};
use agentdesk_protocol::scapi::types::{Interaction, InteractionState as S, Party, UserData};
use serde_json::json;

use super::error::SimulationError;
use super::interactions::{Role, SimInteraction, change, transition};
use super::state::{Handled, SimulatedState};
use super::{ChatMessage, millis};
use crate::workspace::Reply;

fn message_event(
    event_type: T,
    wire: &Interaction,
    message: &ChatMessage,
    now: Timestamp,
) -> Event {
    let mut body = InteractionChange::new(event_type, wire.clone());
    body.extra.insert(
        "message".to_owned(),
        json!({ "from": message.from, "text": message.text, "timestamp": millis(now) }),
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
        let Some(id) = message.interaction_id.as_deref() else {
            let mut wire = self.new_interaction("chat", S::Invited, now);
            wire.parties = Some(vec![Party::named(message.from.clone())]);
            let id = wire.interaction_id.clone();
            let events = vec![
                change(T::Added, &wire),
                message_event(T::Invited, &wire, message, now),
            ];
            self.add_interaction(SimInteraction {
                wire,
                markdone_block: None,
                role: Role::Plain,
                chain: None,
            });
            return Ok((id, events));
        };
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
        Ok((
            id.to_owned(),
            vec![message_event(T::NewMessage, &sim.wire, message, now)],
        ))
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
        Ok(vec![change(T::Ended, &sim.wire)])
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
        self.add_interaction(SimInteraction {
            wire,
            markdone_block: None,
            role: Role::Plain,
            chain: None,
        });
        Ok(Reply::done().with_events(events))
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
        if sim.media() == "chat" && sim.state() == S::Accepted {
            transition(&mut sim.wire, S::Ended);
            sim.wire.end_date = Some(Some(millis(now)));
            events.push(change(T::Ended, &sim.wire));
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
        Ok(events)
    }
}
