//! The decision for one request: origin, filters, option origins, rate limits.

use std::fmt;
use std::sync::OnceLock;

use super::Policy;
use super::option;
use super::origin::IncomingOrigin;
use super::origins::{GrantedBy, Grants, JWT_REQUEST, OriginPattern, OriginRule};
use super::rate::{LimitScope, RateLimitRefusal, RateLimiter, RateVerdict, Timestamp};
use crate::scapi::EventName;
use crate::scapi::envelope::FailureResponse;
use crate::scapi::requests::{self, Namespace, Source};

/// The requests that `option.read-allowed-web-content-origin` additionally restricts.
pub const OPTION_REQUESTS: [&str; 2] = [
    "configuration.getOption",
    "configuration.getContextualOption",
];

/// The current request a legacy alias stands for (`interaction.attachUserData` →
/// `interaction.setUserData`); `None` for every other name.
pub fn canonical_name(request: &str) -> Option<&'static str> {
    match requests::lookup(request)?.source {
        Source::LegacyAliasOf(target) => Some(target),
        _ => None,
    }
}

/// Mutable decision state for one Workspace session: rate windows and quarantines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyState {
    limiter: RateLimiter,
}

impl PolicyState {
    /// Fresh state for `policy` (no requests counted, nothing quarantined). Create a new
    /// state when the policy changes.
    pub fn new(policy: &Policy) -> Self {
        Self {
            limiter: RateLimiter::new(&policy.rate_limits),
        }
    }

    /// The rate limiter, for inspection.
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }
}

/// Why a request is refused with a failure response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenyReason {
    /// The origin's entry does not grant the request.
    NotGranted,
    /// The origin is not in `option.read-allowed-web-content-origin`.
    OptionOriginNotAllowed,
    /// A rate limit was reached; this is the first refused request.
    RateLimited(RateLimitRefusal),
}

/// Why a request gets no response at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// No entry accepts the origin: foreign pages learn nothing.
    OriginNotAccepted,
    /// The request type is quarantined after reaching a rate limit.
    Quarantined {
        /// End of the quarantine; `None` = forever.
        until: Option<Timestamp>,
    },
}

/// What the service does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run it.
    Allow,
    /// Answer with a failure carrying `errorMessage`.
    Deny {
        /// Why.
        reason: DenyReason,
        /// The failure's `errorMessage`.
        error_message: String,
    },
    /// Send nothing (the client times out).
    Ignore {
        /// Why.
        reason: IgnoreReason,
    },
}

impl Decision {
    /// Whether the request may run.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow)
    }

    /// The failure response answering a denied request with `reference_id`: its
    /// `errorMessage`, and for a rate-limit refusal also `request`. `None` unless the
    /// decision is a denial.
    pub fn into_failure(self, reference_id: impl Into<String>) -> Option<FailureResponse> {
        let Self::Deny {
            reason,
            error_message,
        } = self
        else {
            return None;
        };
        Some(match reason {
            DenyReason::RateLimited(refusal) => {
                FailureResponse::rate_limited(reference_id, error_message, refusal.request)
            }
            DenyReason::NotGranted | DenyReason::OptionOriginNotAllowed => {
                FailureResponse::new(reference_id, error_message)
            }
        })
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allow => f.write_str("allow"),
            Self::Deny { error_message, .. } => write!(f, "deny: {error_message:?}"),
            Self::Ignore { .. } => f.write_str("ignore (no response)"),
        }
    }
}

/// The rule that decided, borrowing from the policy (building it never allocates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule<'p> {
    /// An entry of `accepted-web-content-origins` grants the request.
    Granted {
        /// The entry.
        entry: &'p OriginRule,
        /// Which of its filters.
        by: GrantedBy<'p>,
    },
    /// No entry of `accepted-web-content-origins` matches the origin.
    NoMatchingOrigin,
    /// The matching entry's filters do not include the request.
    NotGranted {
        /// The entry.
        entry: &'p OriginRule,
    },
    /// `auth.getJwtToken` is only granted by name, and the entry does not name it.
    JwtNotNamed {
        /// The entry.
        entry: &'p OriginRule,
    },
    /// `option.read-allowed-web-content-origin` does not list the origin.
    OptionOriginNotListed,
    /// The request type is quarantined.
    Quarantine {
        /// End of the quarantine; `None` = forever.
        until: Option<Timestamp>,
    },
    /// A rate limit was reached.
    Limit(LimitScope),
}

impl fmt::Display for Rule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Granted { entry, by } => write!(
                f,
                "{}: entry `{entry}` grants it through {by}",
                option::ORIGINS
            ),
            Self::NoMatchingOrigin => write!(f, "{}: no entry matches the origin", option::ORIGINS),
            Self::NotGranted { entry } => write!(
                f,
                "{}: entry `{entry}` matches the origin but none of its filters grants the request",
                option::ORIGINS
            ),
            Self::JwtNotNamed { entry } => write!(
                f,
                "{}: entry `{entry}` matches the origin, but {JWT_REQUEST} is granted only when named",
                option::ORIGINS
            ),
            Self::OptionOriginNotListed => {
                write!(f, "{}: the origin is not listed", option::OPTION_ORIGINS)
            }
            Self::Quarantine { until: Some(until) } => write!(
                f,
                "{}: the request type is quarantined until {until}",
                option::QUARANTINE
            ),
            Self::Quarantine { until: None } => write!(
                f,
                "{}=0: the request type is quarantined forever",
                option::QUARANTINE
            ),
            Self::Limit(LimitScope::Request { limit }) => write!(
                f,
                "{}<request>={limit}: the request's limit for this minute is reached",
                option::RATE_LIMIT_PREFIX
            ),
            Self::Limit(LimitScope::Global { limit }) => write!(
                f,
                "{}={limit}: the global limit for this minute is reached",
                option::RATE_LIMIT
            ),
        }
    }
}

/// A decision together with the rule that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation<'p> {
    /// What to do.
    pub decision: Decision,
    /// Why.
    pub rule: Rule<'p>,
}

impl fmt::Display for Explanation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\nrule: {}", self.decision, self.rule)
    }
}

fn not_allowed(request: &str, origin: &str) -> String {
    format!("The request '{request}' is not allowed for the origin '{origin}'.")
}

/// What a policy says about one reported origin, worked out once: the entry deciding for it
/// and whether it may read options. A service resolves each connected page's origin when
/// the page connects and decides its requests with [`Policy::explain_resolved`], instead of
/// parsing the origin again for every message.
///
/// Valid only for the policy that resolved it: resolve again after the policy changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedOrigin {
    /// Index into [`Policy::origins`] of the deciding entry.
    entry: Option<usize>,
    /// Listed by `option.read-allowed-web-content-origin`.
    reads_options: bool,
    /// Bit `1 << ns as u16` for every namespace with at least one request the entry grants.
    namespaces: u16,
}

impl ResolvedOrigin {
    /// Whether an entry of `accepted-web-content-origins` accepts the origin.
    pub fn is_accepted(&self) -> bool {
        self.entry.is_some()
    }

    /// Whether the origin's entry grants at least one request of `namespace`.
    pub fn grants_in(&self, namespace: Namespace) -> bool {
        self.namespaces & namespace_bit(namespace) != 0
    }

    /// Whether events of `event`'s family may be delivered to the origin: its entry grants
    /// some request of the family's namespace ([`event_namespace`]). An origin no entry
    /// accepts receives nothing, and neither does any origin for an unknown family.
    /// Constant time; see the [policy docs](super#events-and-request-filters).
    pub fn may_receive(&self, event: &EventName) -> bool {
        event_namespace(event).is_some_and(|namespace| self.grants_in(namespace))
    }
}

/// The request namespace whose grants decide who receives an event family: the namespace
/// of the same name (`agent`, `media`, `interaction`, `system`, `outbound`), `interaction`
/// for `markdone` (mark-done concerns interactions), and `messenger` for every
/// `messenger:<channel>`. `None` for unknown families.
pub fn event_namespace(event: &EventName) -> Option<Namespace> {
    match event {
        EventName::Agent => Some(Namespace::Agent),
        EventName::Media => Some(Namespace::Media),
        EventName::Interaction | EventName::Markdone => Some(Namespace::Interaction),
        EventName::System => Some(Namespace::System),
        EventName::Outbound => Some(Namespace::Outbound),
        EventName::Messenger(_) => Some(Namespace::Messenger),
        _ => None,
    }
}

fn namespace_bit(namespace: Namespace) -> u16 {
    1 << (namespace as u16)
}

/// The namespaces in which `grants` grants at least one request of the table. Worked out
/// from the filters, not by trying every request: `*` covers every namespace (`auth` too
/// only through `auth.getJwtToken`, its one request, when named).
fn granted_namespaces(grants: &Grants) -> u16 {
    // The namespaces `*` and `namespace.*` can reach: those with a request other than
    // auth.getJwtToken. A fact of the table, worked out once.
    static BROADLY_GRANTABLE: OnceLock<u16> = OnceLock::new();
    let grantable = *BROADLY_GRANTABLE.get_or_init(|| {
        requests::REQUESTS
            .iter()
            .filter(|spec| spec.name != JWT_REQUEST)
            .fold(0, |bits, spec| bits | namespace_bit(spec.namespace))
    });
    let mut bits = if grants.everything { grantable } else { 0 };
    for namespace in &grants.namespaces {
        if let Some(namespace) = Namespace::parse(namespace) {
            bits |= namespace_bit(namespace) & grantable;
        }
    }
    for name in &grants.requests {
        // A named request grants its own namespace; a name missing from the table (a
        // warning when parsed) grants nothing known.
        if let Some(spec) = requests::lookup(name) {
            bits |= namespace_bit(spec.namespace);
        }
    }
    bits
}

impl Policy {
    /// The entry deciding for a reported origin: the first exact match, else the first
    /// `*` entry.
    pub fn entry_for(&self, origin: &str) -> Option<&OriginRule> {
        self.entry_index(&IncomingOrigin::parse(origin))
            .and_then(|index| self.origins.get(index))
    }

    fn entry_index(&self, incoming: &IncomingOrigin<'_>) -> Option<usize> {
        self.origins
            .iter()
            .position(|rule| matches!(&rule.origin, OriginPattern::Exact(o) if o.matches(incoming)))
            .or_else(|| {
                self.origins
                    .iter()
                    .position(|rule| rule.origin == OriginPattern::Any)
            })
    }

    /// Resolves a reported origin (`event.origin`, possibly `null`) against this policy.
    pub fn resolve(&self, origin: &str) -> ResolvedOrigin {
        let incoming = IncomingOrigin::parse(origin);
        let entry = self.entry_index(&incoming);
        ResolvedOrigin {
            entry,
            reads_options: self.option_origins.iter().any(|p| p.matches(&incoming)),
            namespaces: entry
                .and_then(|index| self.origins.get(index))
                .map_or(0, |rule| granted_namespaces(&rule.grants)),
        }
    }

    /// Whether a page of `origin` may receive events of `event`'s family: whether the
    /// origin's entry grants some request of the family's namespace
    /// ([`ResolvedOrigin::may_receive`], which a service holding resolved origins calls
    /// instead).
    pub fn may_receive_event(&self, origin: &str, event: &EventName) -> bool {
        self.resolve(origin).may_receive(event)
    }

    /// The origin and filter part of the decision (no rate limits): `Ok` with the
    /// granting rule, or `Err` with the refusing decision and rule.
    fn access<'p>(
        &'p self,
        origin: &str,
        resolved: ResolvedOrigin,
        request: &str,
        canonical: Option<&'static str>,
    ) -> Result<Rule<'p>, Explanation<'p>> {
        let Some(entry) = resolved.entry.and_then(|index| self.origins.get(index)) else {
            return Err(Explanation {
                decision: Decision::Ignore {
                    reason: IgnoreReason::OriginNotAccepted,
                },
                rule: Rule::NoMatchingOrigin,
            });
        };
        let Some(by) = entry.grants.grant(request, canonical) else {
            let rule = if request == JWT_REQUEST && entry.grants.broadly_covers_jwt() {
                Rule::JwtNotNamed { entry }
            } else {
                Rule::NotGranted { entry }
            };
            return Err(Explanation {
                decision: Decision::Deny {
                    reason: DenyReason::NotGranted,
                    error_message: not_allowed(request, origin),
                },
                rule,
            });
        };
        let key = canonical.unwrap_or(request);
        if OPTION_REQUESTS.contains(&key) && !resolved.reads_options {
            return Err(Explanation {
                decision: Decision::Deny {
                    reason: DenyReason::OptionOriginNotAllowed,
                    error_message: not_allowed(request, origin),
                },
                rule: Rule::OptionOriginNotListed,
            });
        }
        Ok(Rule::Granted { entry, by })
    }

    /// Whether `origin` may call `request` at all, ignoring rate limits.
    pub fn is_granted(&self, origin: &str, request: &str) -> bool {
        self.access(
            origin,
            self.resolve(origin),
            request,
            canonical_name(request),
        )
        .is_ok()
    }

    /// Every request of the table that `origin` may call, in table order: the answer to
    /// `system.getAllowedServices`.
    pub fn allowed_requests(&self, origin: &str) -> Vec<&'static str> {
        let resolved = self.resolve(origin);
        requests::REQUESTS
            .iter()
            .map(|spec| spec.name)
            .filter(|name| {
                self.access(origin, resolved, name, canonical_name(name))
                    .is_ok()
            })
            .collect()
    }

    /// Decides a request from `origin` (the browser-reported `event.origin`, possibly
    /// `null`) at `now`, counting it against the rate limits in `state`, and names the
    /// rule that decided. Allowing never allocates.
    pub fn explain<'p>(
        &'p self,
        state: &mut PolicyState,
        origin: &str,
        request: &str,
        now: Timestamp,
    ) -> Explanation<'p> {
        self.explain_resolved(state, origin, self.resolve(origin), request, now)
    }

    /// [`Policy::explain`] for an origin resolved beforehand with [`Policy::resolve`];
    /// `origin` is its text, for the failure's `errorMessage`.
    pub fn explain_resolved<'p>(
        &'p self,
        state: &mut PolicyState,
        origin: &str,
        resolved: ResolvedOrigin,
        request: &str,
        now: Timestamp,
    ) -> Explanation<'p> {
        let canonical = canonical_name(request);
        let granted = match self.access(origin, resolved, request, canonical) {
            Ok(rule) => rule,
            Err(refusal) => return refusal,
        };
        let key = canonical.unwrap_or(request);
        match state.limiter.check(request, key, now) {
            RateVerdict::Admitted => Explanation {
                decision: Decision::Allow,
                rule: granted,
            },
            RateVerdict::Quarantined { until } => Explanation {
                decision: Decision::Ignore {
                    reason: IgnoreReason::Quarantined { until },
                },
                rule: Rule::Quarantine { until },
            },
            RateVerdict::Refused(refusal) => Explanation {
                rule: Rule::Limit(refusal.scope),
                decision: Decision::Deny {
                    error_message: refusal.error_message(),
                    reason: DenyReason::RateLimited(refusal),
                },
            },
        }
    }

    /// [`Policy::explain`] without the rule.
    pub fn decide(
        &self,
        state: &mut PolicyState,
        origin: &str,
        request: &str,
        now: Timestamp,
    ) -> Decision {
        self.explain(state, origin, request, now).decision
    }

    /// [`Policy::explain_resolved`] without the rule.
    pub fn decide_resolved(
        &self,
        state: &mut PolicyState,
        origin: &str,
        resolved: ResolvedOrigin,
        request: &str,
        now: Timestamp,
    ) -> Decision {
        self.explain_resolved(state, origin, resolved, request, now)
            .decision
    }
}
