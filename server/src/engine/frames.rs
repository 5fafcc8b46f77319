//! Connecting, navigating and disconnecting frames, and what the engine tells about them.

use std::collections::BTreeMap;
use std::sync::Arc;

use agentdesk_protocol::policy::{ResolvedOrigin, Timestamp};
use agentdesk_protocol::scapi::ServiceMessage;
use agentdesk_protocol::scapi::envelope::FrameIdMessage;

use super::subscriptions::unindex;
use super::{Engine, EngineError, FrameId, Inbound, Output, Verdict};
use crate::workspace::CallContext;

/// What the engine keeps of a connected frame.
#[derive(Debug, Clone)]
pub(super) struct Frame {
    pub(super) tab: Option<Arc<str>>,
    /// The section of the configured view the frame shows, as its transport said.
    pub(super) view: Option<Arc<str>>,
    pub(super) origin: Arc<str>,
    /// `origin` as the policy in force resolved it.
    pub(super) resolved: ResolvedOrigin,
    /// Subscription id to the wire names it covers, each once.
    pub(super) subscriptions: BTreeMap<String, Box<[String]>>,
    /// Names over all `subscriptions`.
    pub(super) names: usize,
    /// Requests waiting for the back end.
    pub(super) pending: usize,
}

impl Engine {
    /// Connected frames.
    pub fn frames(&self) -> impl Iterator<Item = FrameId> + '_ {
        self.frames.keys().copied()
    }

    /// Connected frames whose origin no entry accepts (the ones
    /// [`EngineConfig::max_unaccepted_frames`](super::EngineConfig::max_unaccepted_frames) caps).
    pub fn unaccepted_frames(&self) -> usize {
        self.unaccepted
    }

    /// The section of the configured view a frame was registered as showing.
    pub fn frame_view(&self, frame: FrameId) -> Option<&str> {
        self.frames.get(&frame)?.view.as_deref()
    }

    /// A frame's origin and tab.
    pub fn frame_info(&self, frame: FrameId) -> Option<(&str, Option<&str>)> {
        self.frames
            .get(&frame)
            .map(|f| (&*f.origin, f.tab.as_deref()))
    }

    /// The call context of a frame, for back-end hooks such as `frame_connected`.
    pub fn context(&self, frame: FrameId, now: Timestamp) -> Option<CallContext> {
        let f = self.frames.get(&frame)?;
        Some(CallContext::new(
            frame,
            f.origin.clone(),
            f.tab.clone(),
            now,
        ))
    }

    /// Connects a client window whose page has `origin`, in Workspace tab `tab` if known.
    /// An accepted origin gets the frame-id handshake. Accepted and unaccepted frames are
    /// limited apart ([`EngineConfig::max_frames`](super::EngineConfig::max_frames), [`EngineConfig::max_unaccepted_frames`](super::EngineConfig::max_unaccepted_frames)).
    pub fn register_frame(
        &mut self,
        origin: impl Into<String>,
        tab: Option<String>,
        now: Timestamp,
    ) -> Result<(FrameId, Vec<Output>), EngineError> {
        self.register_view_frame(origin, tab, None, now)
    }

    /// [`Engine::register_frame`] for a window showing the configured view of option section
    /// `view`: while that view is in a Workspace tab of its own, the frame may only call
    /// `voice.dial` (see the module docs, "Own-tab views"). `None` is a window no view
    /// describes (an app given by URL, a dialog).
    pub fn register_view_frame(
        &mut self,
        origin: impl Into<String>,
        tab: Option<String>,
        view: Option<String>,
        now: Timestamp,
    ) -> Result<(FrameId, Vec<Output>), EngineError> {
        let origin: Arc<str> = origin.into().into();
        let resolved = self.policy.resolve(&origin);
        let accepted = resolved.is_accepted();
        if accepted && self.frames.len() - self.unaccepted >= self.config.max_frames {
            return Err(EngineError::TooManyFrames {
                limit: self.config.max_frames,
            });
        }
        if !accepted && self.unaccepted >= self.config.max_unaccepted_frames {
            return Err(EngineError::TooManyUnacceptedFrames {
                limit: self.config.max_unaccepted_frames,
            });
        }
        let frame = FrameId(self.next_frame);
        self.next_frame += 1;
        if !accepted {
            self.unaccepted += 1;
        }
        self.frames.insert(
            frame,
            Frame {
                tab: tab.map(Arc::from),
                view: view.map(Arc::from),
                origin,
                resolved,
                subscriptions: BTreeMap::new(),
                names: 0,
                pending: 0,
            },
        );
        let mut out = Vec::new();
        if accepted {
            let handshake = ServiceMessage::FrameId(FrameIdMessage::new(frame.to_string()));
            let about = match self.own_tab_view(frame) {
                Some(section) if self.config.trace => {
                    format!("frame registered ({})", super::own_tab_rule(section))
                }
                _ => "frame registered".to_owned(),
            };
            self.send(
                &mut out,
                vec![frame],
                handshake,
                now,
                Verdict::Handshake,
                &about,
            );
        }
        Ok((frame, out))
    }

    /// Disconnects a frame: its subscriptions end, its pending requests will not be answered.
    pub fn unregister_frame(&mut self, frame: FrameId) {
        if let Some(f) = self.frames.remove(&frame) {
            if !f.resolved.is_accepted() {
                self.unaccepted = self.unaccepted.saturating_sub(1);
            }
            for names in f.subscriptions.values() {
                unindex(&mut self.subscribers, frame, names);
            }
        }
        self.pending.retain(|_, pending| pending.frame != frame);
    }

    /// The frame's window now shows a page of another origin: forget what the previous page
    /// set up and start afresh, with the handshake if the new origin is accepted.
    pub(super) fn navigated(&mut self, out: &mut Vec<Output>, inbound: &Inbound<'_>) {
        let Inbound {
            frame, origin, now, ..
        } = *inbound;
        let resolved = self.policy.resolve(origin);
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        let previous = std::mem::replace(&mut f.origin, origin.into());
        let was_accepted = f.resolved.is_accepted();
        f.resolved = resolved;
        f.pending = 0;
        f.names = 0;
        let subscriptions = std::mem::take(&mut f.subscriptions);
        for names in subscriptions.values() {
            unindex(&mut self.subscribers, frame, names);
        }
        self.pending.retain(|_, pending| pending.frame != frame);
        match (was_accepted, resolved.is_accepted()) {
            (true, false) => self.unaccepted += 1,
            (false, true) => self.unaccepted = self.unaccepted.saturating_sub(1),
            _ => {}
        }
        self.trace_in(out, &inbound.without_text(), Verdict::Navigated,
            format!(
                "the window navigated from {previous}: {} subscription(s) and its pending requests dropped",
                subscriptions.len()
            ),
        );
        if resolved.is_accepted() {
            let handshake = ServiceMessage::FrameId(FrameIdMessage::new(frame.to_string()));
            self.send(
                out,
                vec![frame],
                handshake,
                now,
                Verdict::Handshake,
                "frame navigated to an accepted origin",
            );
        }
    }

    /// The sender's origin as the policy resolved it (an unknown frame is accepted by none).
    pub(super) fn resolved(&self, inbound: &Inbound<'_>) -> ResolvedOrigin {
        match self.frames.get(&inbound.frame) {
            Some(f) => f.resolved,
            None => self.policy.resolve(inbound.origin),
        }
    }
}
