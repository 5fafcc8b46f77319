//! Per-minute fixed windows and the quarantine that follows a reached limit.
//!
//! Time is an argument ([`Timestamp`]); nothing here reads a clock.

use std::collections::BTreeMap;
use std::fmt;

use crate::scapi::requests::{self, Source};

/// Milliseconds since the Unix epoch. Windows are calendar minutes of this clock, so the
/// engine passes wall-clock time and tests pass a virtual clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// From whole seconds since the Unix epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// This instant plus `secs` seconds (saturating).
    pub const fn plus_secs(self, secs: u64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// The calendar minute this instant falls in (minutes since the epoch).
    pub const fn minute(self) -> u64 {
        self.0 / 60_000
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// The configured limits (`rate-limit`, `rate-limit.<request>`,
/// `rate-limit-quarantine-delay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per minute over all request names; 0 = unlimited.
    pub global: u32,
    /// Requests per minute for one request name; 0 = unlimited.
    pub per_request: BTreeMap<String, u32>,
    /// Seconds during which a request type is ignored after its limit was reached;
    /// 0 = forever.
    pub quarantine_delay_secs: u32,
}

/// The documented default quarantine, in seconds.
pub const DEFAULT_QUARANTINE_SECS: u32 = 30;

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            global: 0,
            per_request: BTreeMap::new(),
            quarantine_delay_secs: DEFAULT_QUARANTINE_SECS,
        }
    }
}

/// The current name of a legacy alias, or `request` itself.
fn current_name(request: &str) -> &str {
    match requests::lookup(request).map(|spec| spec.source) {
        Some(Source::LegacyAliasOf(target)) => target,
        _ => request,
    }
}

impl RateLimits {
    /// The per-request limit for `request`, 0 when none is set. A legacy alias has the
    /// limit of the request it stands for (`interaction.attachUserData` that of
    /// `interaction.setUserData`).
    pub fn limit_for(&self, request: &str) -> u32 {
        self.per_request
            .get(current_name(request))
            .copied()
            .unwrap_or(0)
    }

    /// These limits with every `per_request` key written as a current request name: a
    /// limit kept under a legacy alias moves to its request (the parser already files it
    /// there). When an alias and its request both have a limit, the stricter non-zero one
    /// stays.
    pub fn canonicalised(&self) -> Self {
        let mut per_request: BTreeMap<String, u32> = BTreeMap::new();
        for (request, limit) in &self.per_request {
            let slot = per_request
                .entry(current_name(request).to_string())
                .or_insert(*limit);
            if *slot == 0 || (*limit != 0 && *limit < *slot) {
                *slot = *limit;
            }
        }
        Self {
            global: self.global,
            per_request,
            quarantine_delay_secs: self.quarantine_delay_secs,
        }
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// `service-client-api.rate-limit.<request>`.
    Request {
        /// Its value.
        limit: u32,
    },
    /// `service-client-api.rate-limit`.
    Global {
        /// Its value.
        limit: u32,
    },
}

/// The first request refused after a limit was reached: it gets a failure response;
/// later requests of the same type are ignored until [`RateLimitRefusal::until`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitRefusal {
    /// The refused request's name, as the client sent it (the response's `request`).
    pub request: String,
    /// Which limit was reached.
    pub scope: LimitScope,
    /// The quarantine delay in seconds (0 = forever).
    pub quarantine_secs: u32,
    /// End of the quarantine; `None` = forever.
    pub until: Option<Timestamp>,
}

impl RateLimitRefusal {
    /// The failure's `errorMessage`, exactly as Workspace words it. A quarantine of 0
    /// (forever) is reported as `0 seconds`, the literal configured value.
    pub fn error_message(&self) -> String {
        format!(
            "The rate limit for the request '{}' has been reached.\nFurther requests of the same type will be ignored for {} seconds.",
            self.request, self.quarantine_secs
        )
    }
}

/// What the limiter says about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateVerdict {
    /// Within every limit; counted.
    Admitted,
    /// A limit is reached: answer with a failure, quarantine begins.
    Refused(RateLimitRefusal),
    /// The request type is quarantined: send nothing.
    Quarantined {
        /// End of the quarantine; `None` = forever.
        until: Option<Timestamp>,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Window {
    minute: u64,
    count: u32,
}

impl Window {
    /// Whether one more request fits in `limit` during `minute`, after rolling over.
    fn has_room(&mut self, minute: u64, limit: u32) -> bool {
        if self.minute != minute {
            *self = Self { minute, count: 0 };
        }
        limit == 0 || self.count < limit
    }
}

/// Requests whose table entry is missing share one quarantine, so unknown names cannot
/// grow the limiter's state without bound.
const UNKNOWN_REQUESTS: &str = "";

/// Counters and quarantines for one Workspace session (the service page), shared by all
/// origins, as Workspace counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimiter {
    limits: RateLimits,
    global: Window,
    /// One window per request with a non-zero limit, created up front so the admit path
    /// never allocates.
    per_request: BTreeMap<String, Window>,
    /// Quarantined request types and when each quarantine ends (`None` = forever).
    quarantined: BTreeMap<String, Option<Timestamp>>,
}

impl RateLimiter {
    /// Fresh counters for `limits` ([canonicalised](RateLimits::canonicalised), so a limit
    /// kept under a legacy alias binds its request).
    pub fn new(limits: &RateLimits) -> Self {
        let limits = limits.canonicalised();
        let per_request = limits
            .per_request
            .iter()
            .filter(|(_, limit)| **limit > 0)
            .map(|(name, _)| (name.clone(), Window::default()))
            .collect();
        Self {
            limits,
            global: Window::default(),
            per_request,
            quarantined: BTreeMap::new(),
        }
    }

    /// The limits in force, canonicalised.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    fn quarantine_key<'a>(&self, key: &'a str) -> &'a str {
        if requests::lookup(key).is_some() || self.limits.per_request.contains_key(key) {
            key
        } else {
            UNKNOWN_REQUESTS
        }
    }

    /// The end of `key`'s quarantine if it is quarantined at `now` (expired ones are
    /// forgotten).
    fn quarantine(&mut self, key: &str, now: Timestamp) -> Option<Option<Timestamp>> {
        if self.quarantined.is_empty() {
            return None;
        }
        let key = self.quarantine_key(key);
        match self.quarantined.get(key) {
            Some(Some(until)) if now >= *until => {
                self.quarantined.remove(key);
                None
            }
            Some(until) => Some(*until),
            None => None,
        }
    }

    /// Counts `request` at `now`. `key` is the name limits are kept under: the request
    /// itself, or the current name a legacy alias stands for.
    pub fn check(&mut self, request: &str, key: &str, now: Timestamp) -> RateVerdict {
        if let Some(until) = self.quarantine(key, now) {
            return RateVerdict::Quarantined { until };
        }
        let minute = now.minute();
        // `key` is a current name and the limits are canonicalised: a plain lookup.
        let request_limit = self.limits.per_request.get(key).copied().unwrap_or(0);
        let request_room = match self.per_request.get_mut(key) {
            Some(window) => window.has_room(minute, request_limit),
            None => true,
        };
        let scope = if !request_room {
            Some(LimitScope::Request {
                limit: request_limit,
            })
        } else if !self.global.has_room(minute, self.limits.global) {
            Some(LimitScope::Global {
                limit: self.limits.global,
            })
        } else {
            None
        };
        match scope {
            None => {
                self.global.count = self.global.count.saturating_add(1);
                if let Some(window) = self.per_request.get_mut(key) {
                    window.count = window.count.saturating_add(1);
                }
                RateVerdict::Admitted
            }
            Some(scope) => {
                let secs = self.limits.quarantine_delay_secs;
                let until = (secs > 0).then(|| now.plus_secs(u64::from(secs)));
                let quarantine_key = self.quarantine_key(key).to_string();
                self.quarantined.insert(quarantine_key, until);
                RateVerdict::Refused(RateLimitRefusal {
                    request: request.to_string(),
                    scope,
                    quarantine_secs: secs,
                    until,
                })
            }
        }
    }
}
