//! Subscriptions and the delivery of events to the frames subscribed to them.

use std::collections::{BTreeMap, BTreeSet};

use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::events::{Event, EventName, InteractionEvent, MESSENGER_PREFIX};
use agentdesk_protocol::scapi::{EventMessage, ServiceMessage, SubscribeMessage, SuccessResponse};

use super::frames::Frame;
use super::{Engine, FrameId, Inbound, MAX_MESSENGER_CHANNEL_BYTES, Output, Verdict, own_tab_rule};

/// Event name to the frames subscribed to it, with how many of each frame's subscriptions
/// name it.
pub(super) type Subscribers = BTreeMap<String, BTreeMap<FrameId, u32>>;

/// Records `frame` as subscribed to `names` once more.
fn index(subscribers: &mut Subscribers, frame: FrameId, names: &[String]) {
    for name in names {
        *subscribers
            .entry(name.clone())
            .or_default()
            .entry(frame)
            .or_default() += 1;
    }
}

/// Undoes one [`index`] of `frame` for `names`.
pub(super) fn unindex(subscribers: &mut Subscribers, frame: FrameId, names: &[String]) {
    for name in names {
        let Some(frames) = subscribers.get_mut(name) else {
            continue;
        };
        if let Some(count) = frames.get_mut(&frame) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                frames.remove(&frame);
            }
        }
        if frames.is_empty() {
            subscribers.remove(name);
        }
    }
}

impl Engine {
    /// The event names a frame is subscribed to, each once, in order.
    pub fn subscribed_names(&self, frame: FrameId) -> Vec<&str> {
        let names: BTreeSet<&str> = self
            .frames
            .get(&frame)
            .into_iter()
            .flat_map(|f| f.subscriptions.values())
            .flat_map(|names| names.iter().map(String::as_str))
            .collect();
        names.into_iter().collect()
    }

    /// Subscribes the sender to the names of `message`, all or nothing (see the module
    /// docs of the engine, "Subscriptions").
    pub(super) fn subscribe(
        &mut self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        message: SubscribeMessage,
    ) {
        let Inbound { frame, now, .. } = *inbound;
        if !self.resolved(inbound).is_accepted() {
            self.trace_in(
                out,
                inbound,
                Verdict::Ignored,
                "accepted-web-content-origins: no entry matches the origin".into(),
            );
            return;
        }
        let raw_names = message.names.raw();
        if let Some(section) = self.own_tab_view(frame) {
            let text = format!(
                "Cannot subscribe to this event: {} ({})",
                raw_names.join(", "),
                own_tab_rule(section)
            );
            self.trace_in(out, inbound, Verdict::Denied, text.clone());
            self.fail(out, inbound, message.reference_id, text, "subscribe");
            return;
        }
        let unknown: Vec<&str> = raw_names
            .iter()
            .copied()
            .filter(|raw| !EventName::parse(raw).is_known())
            .collect();
        if !unknown.is_empty() || raw_names.is_empty() {
            let text = format!("Cannot subscribe to this event: {}", unknown.join(", "));
            self.trace_in(out, inbound, Verdict::Denied, text.clone());
            self.fail(out, inbound, message.reference_id, text, "subscribe");
            return;
        }
        if let Some(long) = raw_names.iter().find(|raw| {
            raw.strip_prefix(MESSENGER_PREFIX)
                .is_some_and(|channel| channel.len() > MAX_MESSENGER_CHANNEL_BYTES)
        }) {
            let shown: String = long.chars().take(MESSENGER_PREFIX.len() + 32).collect();
            let text = format!(
                "Cannot subscribe to this event: {shown}… (a messenger channel name is at most {MAX_MESSENGER_CHANNEL_BYTES} bytes; use a shorter channel name)"
            );
            self.trace_in(out, inbound, Verdict::Denied, text.clone());
            self.fail(out, inbound, message.reference_id, text, "subscribe");
            return;
        }
        // A page receives an event family only when its entry grants some request of the
        // family's namespace (see the policy docs, "Events and request filters").
        let resolved = self.resolved(inbound);
        let withheld: Vec<&str> = raw_names
            .iter()
            .copied()
            .filter(|raw| !resolved.may_receive(&EventName::parse(raw)))
            .collect();
        if !withheld.is_empty() {
            let text = format!(
                "Cannot subscribe to this event: {} (the origin's entry in service-client-api.accepted-web-content-origins grants no request of that namespace; add one, or `*`)",
                withheld.join(", ")
            );
            self.trace_in(out, inbound, Verdict::Denied, text.clone());
            self.fail(out, inbound, message.reference_id, text, "subscribe");
            return;
        }
        let covered: BTreeSet<&str> = raw_names.into_iter().collect();
        let max_subscriptions = self.config.max_subscriptions_per_frame;
        let max_names = self.config.max_subscribed_names_per_frame;
        let id = format!("subscription-{}", self.next_subscription);
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        let refused = if f.subscriptions.len() >= max_subscriptions {
            Some(format!(
                "Too many subscriptions for this frame (limit {max_subscriptions}); unsubscribe first."
            ))
        } else if f.names + covered.len() > max_names {
            Some(format!(
                "Too many event names subscribed for this frame: this subscription would make {} in all, the limit is {max_names}; unsubscribe from names you no longer need first, or subscribe to fewer messenger channels.",
                f.names + covered.len()
            ))
        } else {
            None
        };
        if let Some(text) = refused {
            self.trace_in(out, inbound, Verdict::Denied, text.clone());
            self.fail(out, inbound, message.reference_id, text, "subscribe");
            return;
        }
        self.next_subscription += 1;
        let names: Box<[String]> = covered.iter().map(|name| (*name).to_owned()).collect();
        f.names += names.len();
        index(&mut self.subscribers, frame, &names);
        f.subscriptions.insert(id.clone(), names);
        self.trace_in(
            out,
            inbound,
            Verdict::Accepted,
            format!(
                "subscribed to {}",
                covered.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
        let mut ack = SuccessResponse::new(message.reference_id, None);
        ack.subscription_id = Some(id);
        self.send(
            out,
            vec![frame],
            ServiceMessage::Success(ack),
            now,
            Verdict::Answered,
            "subscribe",
        );
    }

    /// Ends a subscription of the sender; an unknown id changes nothing. Not answered.
    pub(super) fn unsubscribe(
        &mut self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        subscription_id: &str,
    ) {
        if let Some(f) = self.frames.get_mut(&inbound.frame)
            && let Some(names) = f.subscriptions.remove(subscription_id)
        {
            f.names = f.names.saturating_sub(names.len());
            unindex(&mut self.subscribers, inbound.frame, &names);
        }
        self.trace_in(out, inbound, Verdict::Accepted, "unsubscribed".into());
    }

    /// Publishes an event to every frame subscribed to its name.
    pub fn publish(&mut self, event: Event, now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        self.publish_into(&mut out, event, None, now);
        out
    }

    /// Publishes an event that concerns one Workspace tab (a `frameState` change) to the
    /// subscribed frames of that tab only.
    pub fn publish_to_tab(&mut self, event: Event, tab: &str, now: Timestamp) -> Vec<Output> {
        let mut out = Vec::new();
        self.publish_where(&mut out, event, now, |_, frame| {
            frame.tab.as_deref() == Some(tab)
        });
        out
    }

    /// Publishes `event` to its subscribers, except the frame `except`.
    pub(super) fn publish_into(
        &mut self,
        out: &mut Vec<Output>,
        event: Event,
        except: Option<FrameId>,
        now: Timestamp,
    ) {
        self.publish_where(out, event, now, |id, _| Some(id) != except);
    }

    fn publish_where(
        &mut self,
        out: &mut Vec<Output>,
        mut event: Event,
        now: Timestamp,
        include: impl Fn(FrameId, &Frame) -> bool,
    ) {
        let event_name = event.name();
        let name = event_name.as_string();
        let Some(subscribed) = self.subscribers.get(&name) else {
            return;
        };
        // `may_receive` again at delivery: a policy change may have narrowed the entry since
        // the frame subscribed.
        let frames: Vec<FrameId> = subscribed
            .keys()
            .filter(|id| {
                self.frames.get(id).is_some_and(|frame| {
                    frame.resolved.is_accepted()
                        && frame.resolved.may_receive(&event_name)
                        && include(**id, frame)
                })
            })
            .copied()
            .collect();
        if frames.is_empty() {
            return;
        }
        self.filter_event(&mut event);
        let message = ServiceMessage::Event(EventMessage::new(event));
        self.send(out, frames, message, now, Verdict::Delivered, &name);
    }

    /// Applies the read allow-list to whatever user data an event carries. Messenger
    /// payloads are app-to-app and pass untouched.
    fn filter_event(&self, event: &mut Event) {
        let filter = &self.policy.user_data;
        match event {
            Event::Interaction(InteractionEvent::Change(change)) => {
                filter.filter_interaction(&mut change.interaction)
            }
            Event::Interaction(InteractionEvent::Other(raw)) | Event::Markdone(raw) => {
                raw.0
                    .values_mut()
                    .for_each(|value| filter.filter_value(value));
            }
            Event::Other { data, .. } => filter.filter_value(data),
            _ => {}
        }
    }
}
