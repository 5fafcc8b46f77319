//! The Service Client API security policy: the `service-client-api.*` options of the
//! Workspace cluster application, parsed into a typed [`Policy`], printed back canonically,
//! and applied to requests by a sans-IO decision function.
//!
//! ```
//! use agentdesk_protocol::policy::{self, Decision, PolicyState, Timestamp};
//!
//! let parsed = policy::parse(
//!     "[interaction-workspace]\n\
//!      service-client-api.accepted-web-content-origins=http://my-web-server2 (agent.*, voice.dial)\n\
//!      service-client-api.rate-limit.voice.dial=4\n",
//! )?;
//! let policy = parsed.policy;
//! let mut state = PolicyState::new(&policy);
//! let now = Timestamp::from_secs(1_700_000_000);
//!
//! assert!(policy.decide(&mut state, "http://my-web-server2", "agent.getState", now).is_allowed());
//! let refused = policy.decide(&mut state, "http://my-web-server2", "email.create", now);
//! assert!(matches!(refused, Decision::Deny { .. }));
//! let explanation = policy.explain(&mut state, "http://my-web-server2:8080", "agent.get", now);
//! assert!(matches!(explanation.decision, Decision::Ignore { .. }));
//! println!("{}", explanation.rule); // names the option that decided
//!
//! // The canonical printout parses back to the same policy.
//! assert_eq!(policy::parse(&policy.to_string())?.policy, policy);
//! # Ok::<(), policy::ParseErrors>(())
//! ```
//!
//! # The option file
//!
//! [`parse`] reads what administrators write: `key=value` lines, optional `[section]`
//! headers, comment lines starting with `#` or `;`, blank lines and whitespace around keys
//! and values. Lines end in `\n` or `\r\n`, and a UTF-8 byte-order mark at the start of
//! the file (as Windows editors save it), or of a line (files joined with `cat`), is
//! skipped; columns in diagnostics count from the first character after it. There are no inline comments (values may contain `#`). Options before any
//! header, or under `[interaction-workspace]`, count; a `service-client-api.*` option under
//! another header is a warning and is ignored, as is an unknown `service-client-api.*`
//! key (never silently). Setting one option twice is an error. Every error carries the
//! option, line, column and a fix; parsing reports all of them and never panics.
//!
//! | option | default | value |
//! |---|---|---|
//! | `accepted-web-content-origins` | empty: nothing accepted | see below |
//! | `rate-limit` | `0` (unlimited) | requests per minute, all requests together |
//! | `rate-limit.<request>` | `0` (unlimited) | requests per minute of one request |
//! | `rate-limit-quarantine-delay` | `30` | seconds; `0` = forever |
//! | `user-data.read-allowed` | `*` | `*` or comma-separated keys; empty = none |
//! | `user-data.write-allowed` | `*` | `*` or comma-separated keys; empty = none |
//! | `option.read-allowed-web-content-origin` | `*` | `*` or comma-separated origins |
//!
//! `accepted-web-content-origins` is `*` or a comma-separated list of entries, each an
//! origin (or `*`) with an optional parenthesised filter list of `*`, full request names
//! and `namespace.*`. No filter list and `(*)` both grant every request except
//! `auth.getJwtToken`, which is granted only when named, even by `auth.*`. A filter naming
//! a request missing from the [request table](crate::scapi::requests) is a warning (and is
//! kept). Filters granting the current name of a legacy alias
//! (`interaction.attachUserData`, `interaction.updateUserData` → `interaction.setUserData`)
//! grant the alias too.
//!
//! [`Policy`]'s `Display` is the canonical option file: one `[interaction-workspace]`
//! header, every option spelled out in a fixed order, entries in their written order, each
//! filter list as `*`, then namespaces, then names, sorted and deduplicated.
//! `parse(&policy.to_string())` gives back `policy` for every policy an option file can
//! express (an entry with an empty filter set cannot be written).
//!
//! # Origin normalisation
//!
//! Origins match exactly on scheme, host and port after these rules, never by prefix,
//! suffix or substring: `http://my-web-server.evil.com` and `http://my-web-server:8080` are
//! not `http://my-web-server`.
//!
//! 1. Schemes are case-insensitive; only `http` and `https` can be configured.
//! 2. Host names are case-insensitive (ASCII); they compare lowercased.
//! 3. The default port is elided: `:80` for `http`, `:443` for `https`. Leading zeros in a
//!    port are ignored (`:0080` is `:80`); ports above 65535 are errors.
//! 4. A trailing `/` is tolerated in configuration; any other path, query or fragment is an
//!    error there and a non-match in a reported origin (browsers never send one).
//! 5. User information (`user@host`) is an error in configuration and a non-match when
//!    reported.
//! 6. A trailing dot is significant: `example.com.` and `example.com` are different origins,
//!    as they are to browsers.
//! 7. IPv6 literals are written in brackets and compare by address, so `[::1]` and
//!    `[0:0:0:0:0:0:0:1]` are the same origin; they print in the compressed form browsers use.
//! 8. Other hosts (names and IPv4 literals) compare as written, lowercased; internationalised
//!    names must be written in their ASCII (`xn--`) form, which is what browsers report.
//! 9. The opaque origin `null` (sandboxed frames, `file:` pages) cannot be listed and matches
//!    only `*`, as does any reported origin that cannot be read.
//! 10. Wildcards inside hosts (`https://*.example.com`) are errors.
//!
//! When several entries could match, the first exact entry decides, else the first `*`
//! entry; a repeated origin is a warning because its later entries never apply.
//!
//! A service that sees many messages from one page resolves the page's origin once
//! ([`Policy::resolve`]) and decides each request with [`Policy::explain_resolved`]; the
//! answers are those of [`Policy::explain`] on the origin text.
//!
//! # Rate limits
//!
//! Windows are fixed calendar minutes of the [`Timestamp`] clock (not sliding). One
//! [`PolicyState`] holds the counters of one Workspace session and is shared by every
//! origin, as Workspace counts in the service page. A request must fit both its own
//! `rate-limit.<request>` window and the global `rate-limit` window; it is checked against
//! its own limit first, and it is counted in both only when it fits both, so refused,
//! ignored, and filtered requests never use up quota. Legacy aliases count under the
//! request they stand for. A per-request limit at or above the global limit never binds
//! (a lint says so).
//!
//! A limit written under a legacy alias (`rate-limit.interaction.attachUserData=5`) is the
//! limit of the request the alias stands for (`interaction.setUserData`), shared by the
//! request and all its aliases; [`parse`] files it under the current name (so the canonical
//! printout spells that name) and warns ([`WarningKind::LegacyAliasLimit`]). Setting the
//! limit of a request and of one of its aliases, or of two aliases of one request, is the
//! same option set twice: an error. A limit for a name that is no request at all is kept,
//! with a warning ([`WarningKind::UnknownRequest`]) suggesting the closest known name
//! ([`closest_request`]).
//!
//! The first request refused by either limit gets a failure whose `errorMessage` is
//! Workspace's text with the request name and quarantine seconds filled in, and which
//! carries `request` ([`Decision::into_failure`]); from then on requests of that type
//! (the same name, whichever limit was reached) are ignored until the quarantine delay has
//! passed, or forever when it is `0`. After the quarantine the request is counted again: if
//! its window is still full, it is refused again and a new quarantine starts. Request
//! names missing from the request table share one quarantine.
//!
//! # Events and request filters
//!
//! A subscription is not a request, but what it delivers is what requests would read, so
//! request filters govern it too: a page receives an event family only when its entry
//! grants at least one request of the family's namespace ([`event_namespace`]):
//!
//! | family | delivered when the entry grants some request of |
//! |---|---|
//! | `agent`, `media`, `interaction`, `system`, `outbound` | the namespace of the same name |
//! | `markdone` | `interaction` |
//! | `messenger:<channel>` | `messenger` (`messenger.broadcastMessage`) |
//!
//! So an origin allowed only `agent.*` receives `agent` events and no `interaction` events;
//! an entry without filters, or with `*`, receives every family. `auth.getJwtToken` grants
//! no family. The answer is worked out when the origin is resolved and costs a bit test per
//! event ([`ResolvedOrigin::may_receive`], or [`Policy::may_receive_event`] on the origin
//! text). A service applies it twice: a subscription naming a family the origin may not
//! receive is refused as a whole, like one naming an unknown event (`Cannot subscribe to
//! this event: <names>`, nothing subscribed), and each event is delivered only to frames
//! whose resolved origin may receive it, so a policy change or a navigated frame stops
//! delivery at once.
//!
//! # Decisions where the documentation is silent
//!
//! - **Error texts.** A page whose origin is not accepted gets no response ([`Decision::Ignore`]): a foreign page learns nothing, and clients already
//!   treat a timeout of `system.getAllowedServices` as "not allowed". A request outside the
//!   origin's filters gets `The request '<request>' is not allowed for the origin
//!   '<origin>'.` The rate-limit text is the documentation's, verbatim; its sample shows a
//!   different name in `request` than in the message, which we read as an editing slip:
//!   both carry the refused request. Unknown requests and bad parameters are the engine's
//!   to answer, after the policy allowed the request.
//! - **`option.read-allowed-web-content-origin`.** Read as an origin list (no
//!   filters) that additionally restricts `configuration.getOption` and
//!   `configuration.getContextualOption`; default `*`, the value Workspace environments
//!   are seen with, so only `accepted-web-content-origins` applies unless it is set.
//! - **8.5 user-data defaults.** Both allow-lists default to `*`, as documented
//!   for 9.0. An empty value allows no key.
//! - **Rate-limit replies.** The first refused request gets the failure; the
//!   rest of the quarantine is silence, as the documentation describes.
//! - **Subscriptions and request filters.** Request filters decide which event families a
//!   page receives (see [Events and request filters](#events-and-request-filters)):
//!   otherwise an origin allowed only `agent.*` would still read every interaction, its
//!   attached data and its parties through `interaction` events, which the filter exists
//!   to prevent.
//! - **Outbound record fields.** `user-data.read-allowed` governs the `userData` (attached
//!   data) of interactions only, as its documentation words it; outbound calling-list
//!   record fields are another object and are not filtered (see [User data](#user-data)).
//! - **Misspelt request names.** Request names are case-sensitive, so `Auth.getJwtToken`
//!   is not `auth.getJwtToken`: it is an unknown request, which a filter never grants by
//!   name (though `*` lets it through to be answered as unknown).
//!
//! # User data
//!
//! [`UserDataPolicy`] filters `userData` of every interaction in results and events
//! ([`UserDataPolicy::filter_value`]) by `read-allowed`, and refuses a
//! `setUserData`/`deleteUserData` write touching any key outside `write-allowed` as a whole,
//! naming every forbidden key ([`UserDataPolicy::guard_request`]). Which requests write
//! attached data, and through which parameter, only the request table says
//! ([`UserDataAccess::Write`](crate::scapi::requests::UserDataAccess::Write)).
//!
//! Outbound record fields are not user data. The calling-list fields of a record
//! (`GSW_PHONE`, `GSW_CALL_RESULT`, custom fields) travel in `interaction.chainedRecords`
//! (the `RECORDS_RETRIEVED` interaction event), in the results of
//! `outbound.getRecordFields` and `outbound.getChainedRecords`, and in the `recordData` of
//! `outbound.updateRecordFields`. Neither allow-list applies to them, even where the same
//! `GSW_*` names also appear as keys of `userData` (an outbound interaction carries its
//! record's fields as attached data too, and those copies are filtered): the options are
//! documented as lists of user-data keys, and records belong to the outbound campaign, not
//! to the interaction's attached data. What keeps record fields from a page is its request filter:
//! without `outbound` grants it can neither read nor update records, and without
//! `interaction` grants it receives no `interaction` events. A policy that restricts
//! `read-allowed` while an origin may read records gets a warning
//! ([`WarningKind::RecordFieldsUnfiltered`]). The filtering functions leave
//! `chainedRecords` and record results untouched, so a service applies them to results and
//! events as they are and needs nothing else.

mod decide;
mod diagnostic;
pub(crate) mod optfile;
mod origin;
mod origins;
mod parse;
mod rate;
mod user_data;

use std::fmt;

pub use decide::{
    Decision, DenyReason, Explanation, IgnoreReason, OPTION_REQUESTS, PolicyState, ResolvedOrigin,
    Rule, canonical_name, event_namespace,
};
pub use diagnostic::{ErrorKind, ParseErrors, PolicyError, Warning, WarningKind};
pub use origin::{Host, IncomingHost, IncomingOrigin, Origin, OriginError, Scheme};
pub use origins::{GrantedBy, Grants, JWT_REQUEST, OriginPattern, OriginRule, closest_request};
pub use parse::{Parsed, parse};
pub use rate::{
    DEFAULT_QUARANTINE_SECS, LimitScope, RateLimitRefusal, RateLimiter, RateLimits, RateVerdict,
    Timestamp,
};
pub use user_data::{KeyAllowList, UserDataPolicy, WriteRefused};

/// The option names.
pub mod option {
    /// Prefix of every Service Client API option.
    pub const PREFIX: &str = "service-client-api.";
    /// Origins and their request filters.
    pub const ORIGINS: &str = "service-client-api.accepted-web-content-origins";
    /// Origins that may read configuration options.
    pub const OPTION_ORIGINS: &str = "service-client-api.option.read-allowed-web-content-origin";
    /// Global requests per minute.
    pub const RATE_LIMIT: &str = "service-client-api.rate-limit";
    /// Prefix of the per-request limits (`service-client-api.rate-limit.voice.dial`).
    pub const RATE_LIMIT_PREFIX: &str = "service-client-api.rate-limit.";
    /// Quarantine seconds.
    pub const QUARANTINE: &str = "service-client-api.rate-limit-quarantine-delay";
    /// Readable user-data keys.
    pub const READ_ALLOWED: &str = "service-client-api.user-data.read-allowed";
    /// Writable user-data keys.
    pub const WRITE_ALLOWED: &str = "service-client-api.user-data.write-allowed";
    /// Every recognised option (`<request>` stands for a request name).
    pub const ALL: [&str; 7] = [
        ORIGINS,
        RATE_LIMIT,
        "service-client-api.rate-limit.<request>",
        QUARANTINE,
        READ_ALLOWED,
        WRITE_ALLOWED,
        OPTION_ORIGINS,
    ];
}

/// The whole Service Client API security policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `accepted-web-content-origins`, in written order.
    pub origins: Vec<OriginRule>,
    /// `option.read-allowed-web-content-origin`.
    pub option_origins: Vec<OriginPattern>,
    /// `rate-limit`, `rate-limit.<request>`, `rate-limit-quarantine-delay`.
    pub rate_limits: RateLimits,
    /// `user-data.read-allowed`, `user-data.write-allowed`.
    pub user_data: UserDataPolicy,
}

impl Default for Policy {
    /// The documented defaults: no origin accepted, no limits, 30 s quarantine, every
    /// user-data key readable and writable.
    fn default() -> Self {
        Self {
            origins: Vec::new(),
            option_origins: vec![OriginPattern::Any],
            rate_limits: RateLimits::default(),
            user_data: UserDataPolicy::default(),
        }
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        item.fmt(f)?;
    }
    Ok(())
}

impl fmt::Display for Policy {
    /// The canonical option file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[{}]", optfile::SECTION)?;
        write!(f, "{}=", option::ORIGINS)?;
        write_list(f, &self.origins)?;
        writeln!(f)?;
        write!(f, "{}=", option::OPTION_ORIGINS)?;
        write_list(f, &self.option_origins)?;
        writeln!(f)?;
        writeln!(f, "{}={}", option::RATE_LIMIT, self.rate_limits.global)?;
        writeln!(
            f,
            "{}={}",
            option::QUARANTINE,
            self.rate_limits.quarantine_delay_secs
        )?;
        for (request, limit) in &self.rate_limits.per_request {
            writeln!(f, "{}{request}={limit}", option::RATE_LIMIT_PREFIX)?;
        }
        writeln!(f, "{}={}", option::READ_ALLOWED, self.user_data.read)?;
        writeln!(f, "{}={}", option::WRITE_ALLOWED, self.user_data.write)
    }
}
