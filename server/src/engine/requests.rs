//! Requests: the policy decision, the user-data write guard, the requests the engine answers
//! itself, dispatch to the back end and its completion.

use std::borrow::Cow;
use std::sync::Arc;

use agentdesk_protocol::policy::{Decision, DenyReason, Timestamp};
use agentdesk_protocol::scapi::events::Event;
use agentdesk_protocol::scapi::requests::MessengerBroadcastMessage;
use agentdesk_protocol::scapi::{
    Coercion, FailureResponse, Request, RequestMessage, ServiceMessage, SuccessResponse,
};

use super::{
    CallId, Engine, FrameId, Inbound, OWN_TAB_REQUEST, Output, Verdict, outputs, own_tab_rule,
};
use crate::workspace::{CallContext, Reply};

/// A dispatched request waiting for [`Engine::complete`]: whom to answer, and about what.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) frame: FrameId,
    reference_id: String,
    request: Cow<'static, str>,
}

impl Engine {
    /// Decides a decoded request, guards user-data writes, answers what the engine answers
    /// itself and dispatches the rest.
    pub(super) fn request(
        &mut self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        message: RequestMessage,
    ) {
        let Inbound {
            frame, origin, now, ..
        } = *inbound;
        let name = request_name(&message.request);
        let (decision, mut rule) = self.decide(inbound, &name);
        if self.config.trace && !message.coercions.is_empty() {
            rule.push_str(&coerced_suffix(&message.coercions));
        }
        match decision {
            Decision::Allow => {}
            Decision::Ignore { .. } => {
                self.trace_in(out, inbound, Verdict::Ignored, rule);
                return;
            }
            Decision::Deny { .. } => {
                self.trace_in(out, inbound, Verdict::Denied, rule);
                self.deny(out, inbound, message.reference_id, decision, &name);
                return;
            }
        }
        self.trace_in(out, inbound, Verdict::Allowed, rule);
        if let Err(refused) = self.policy.user_data.guard_request(&message.request) {
            let failure = refused.to_failure(message.reference_id);
            self.send(
                out,
                vec![frame],
                ServiceMessage::Failure(failure),
                now,
                Verdict::Failed,
                &name,
            );
            return;
        }
        match message.request {
            Request::SystemGetAllowedServices(_) => {
                let allowed = self.policy.allowed_requests(origin);
                let data = serde_json::to_value(allowed).ok();
                let reply =
                    ServiceMessage::Success(SuccessResponse::new(message.reference_id, data));
                self.send(out, vec![frame], reply, now, Verdict::Answered, &name);
            }
            Request::MessengerBroadcastMessage(MessengerBroadcastMessage {
                channel,
                message: payload,
                ..
            }) => {
                let reply =
                    ServiceMessage::Success(SuccessResponse::new(message.reference_id, None));
                self.send(out, vec![frame], reply, now, Verdict::Answered, &name);
                self.publish_into(out, Event::Messenger { channel, payload }, Some(frame), now);
            }
            request => self.dispatch(out, inbound, message.reference_id, request),
        }
    }

    /// Hands a request to the back end, unless the frame has too many waiting already.
    fn dispatch(
        &mut self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        reference_id: String,
        request: Request,
    ) {
        let Inbound { frame, now, .. } = *inbound;
        let limit = self.config.max_pending_per_frame;
        let Some(f) = self.frames.get_mut(&frame) else {
            return;
        };
        if f.pending >= limit {
            let text = format!(
                "Too many requests are pending for this frame (limit {limit}); wait for their answers."
            );
            self.fail(out, inbound, reference_id, text, request.name());
            return;
        }
        f.pending += 1;
        let call = CallId(self.next_call);
        self.next_call += 1;
        let context = CallContext::new(frame, Arc::clone(&f.origin), f.tab.clone(), now);
        self.pending.insert(
            call,
            Pending {
                frame,
                reference_id,
                request: request_name(&request),
            },
        );
        out.push(Output::Dispatch {
            call,
            context,
            request,
        });
    }

    /// Feeds back the back end's answer to a [`Output::Dispatch`].
    pub fn complete(&mut self, call: CallId, reply: Reply, now: Timestamp) -> Vec<Output> {
        let mut out = outputs();
        let Some(pending) = self.pending.remove(&call) else {
            return out;
        };
        if let Some(frame) = self.frames.get_mut(&pending.frame) {
            frame.pending = frame.pending.saturating_sub(1);
        }
        if self
            .frames
            .get(&pending.frame)
            .is_some_and(|frame| frame.resolved.is_accepted())
        {
            let message = match reply.result {
                Ok(mut data) => {
                    let filter = &self.policy.user_data;
                    if let Some(data) = &mut data
                        && filter.hides_any(data)
                    {
                        filter.filter_value(data.make_mut());
                    }
                    ServiceMessage::Success(SuccessResponse::shared(pending.reference_id, data))
                }
                Err(error) => ServiceMessage::Failure(FailureResponse::new(
                    pending.reference_id,
                    error.message,
                )),
            };
            let verdict = if matches!(message, ServiceMessage::Success(_)) {
                Verdict::Answered
            } else {
                Verdict::Failed
            };
            self.send(
                &mut out,
                vec![pending.frame],
                message,
                now,
                verdict,
                &pending.request,
            );
        }
        for event in reply.events {
            self.publish_into(&mut out, event, None, now);
        }
        out
    }

    /// The policy's decision on request `name` from the sender, narrowed for an own-tab view
    /// (see the module docs, "Own-tab views"), and the rule behind it as text when tracing
    /// (empty otherwise: allowing stays allocation-free).
    pub(super) fn decide(&mut self, inbound: &Inbound<'_>, name: &str) -> (Decision, String) {
        if name != OWN_TAB_REQUEST
            && let Some(section) = self.own_tab_view(inbound.frame)
            // Only what the origin's entry grants reaches this rule: an unaccepted origin
            // stays ignored and a filter's refusal keeps its own rule (decided below).
            && self.policy.is_granted(inbound.origin, name)
        {
            let rule = if self.config.trace {
                own_tab_rule(section)
            } else {
                String::new()
            };
            let decision = Decision::Deny {
                reason: DenyReason::NotGranted,
                error_message: format!(
                    "The request '{name}' is not allowed for the origin '{}': the view `{section}` is shown in its own Workspace tab, where only {OWN_TAB_REQUEST} is allowed.",
                    inbound.origin
                ),
            };
            return (decision, rule);
        }
        let resolved = self.resolved(inbound);
        let explanation = self.policy.explain_resolved(
            &mut self.state,
            inbound.origin,
            resolved,
            name,
            inbound.now,
        );
        let rule = if self.config.trace {
            explanation.rule.to_string()
        } else {
            String::new()
        };
        (explanation.decision, rule)
    }

    /// Answers a request the policy denied with the failure the decision describes.
    pub(super) fn deny(
        &self,
        out: &mut Vec<Output>,
        inbound: &Inbound<'_>,
        reference_id: String,
        decision: Decision,
        request: &str,
    ) {
        if let Some(failure) = decision.into_failure(reference_id) {
            self.send_failure(out, inbound, failure, request);
        }
    }
}

/// The request's name, borrowed from the request table when it is a known one.
fn request_name(request: &Request) -> Cow<'static, str> {
    match request.spec() {
        Some(spec) => Cow::Borrowed(spec.name),
        None => Cow::Owned(request.name().to_owned()),
    }
}

/// What the trace adds to a request's reason when decoding converted parameters:
/// ` (coerced: argument 0 `interactionId`: number 1 → "1"; ...)`.
fn coerced_suffix(coercions: &[Coercion]) -> String {
    let listed: Vec<String> = coercions.iter().map(Coercion::to_string).collect();
    format!(" (coerced: {})", listed.join("; "))
}
