//! Input that does not decode: answered with a failure when it names a call to answer.

use agentdesk_protocol::policy::Decision;
use agentdesk_protocol::scapi::Salvaged;

use super::{Engine, Inbound, Output, Verdict};

impl Engine {
    /// Handles a message that failed to decode with `error`: see the module docs of the
    /// engine ("Decisions") for who gets an answer.
    pub(super) fn malformed(&mut self, out: &mut Vec<Output>, inbound: &Inbound<'_>, error: &str) {
        let salvaged = Salvaged::from_json(inbound.raw);
        if !self.resolved(inbound).is_accepted() {
            self.trace_in(
                out,
                inbound,
                Verdict::Ignored,
                format!("malformed, from an origin no entry accepts: {error}"),
            );
            return;
        }
        let Some(reference_id) = salvaged.reference_id else {
            self.trace_in(
                out,
                inbound,
                Verdict::Dropped,
                format!("malformed, no referenceId to answer: {error}"),
            );
            return;
        };
        if let Some(name) = salvaged.request {
            let (decision, rule) = self.decide(inbound, &name);
            match decision {
                Decision::Ignore { .. } => {
                    self.trace_in(out, inbound, Verdict::Ignored, rule);
                    return;
                }
                Decision::Deny { .. } => {
                    self.trace_in(out, inbound, Verdict::Denied, rule);
                    self.deny(out, inbound, reference_id, decision, &name);
                    return;
                }
                _ => {}
            }
        }
        self.trace_in(out, inbound, Verdict::Denied, format!("malformed: {error}"));
        self.fail(
            out,
            inbound,
            reference_id,
            format!("Invalid message: {error}"),
            "malformed",
        );
    }
}
