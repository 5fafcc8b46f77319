#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The security policy: seed examples, origin spellings, rate windows on a virtual clock,
//! user-data allow-lists, diagnostics and round-trip properties.

use agentdesk_protocol::policy::{
    self, Decision, DenyReason, ErrorKind, IgnoreReason, LimitScope, Policy, PolicyState, Rule,
    Timestamp, WarningKind,
};
use agentdesk_protocol::scapi::requests::{REQUESTS, UserDataAccess};
use agentdesk_protocol::scapi::types::{Interaction, UserData};
use agentdesk_protocol::scapi::{Request, ServiceMessage};
use serde_json::{Value, json};

/// A typed request decoded from its name and `parameters` array.
fn request(name: &str, parameters: Value) -> Request {
    let parameters = parameters.as_array().cloned().unwrap_or_default();
    Request::decode(name, &parameters).unwrap()
}

#[path = "policy/properties.rs"]
mod properties;

fn policy_of(text: &str) -> Policy {
    match policy::parse(text) {
        Ok(parsed) => parsed.policy,
        Err(errors) => panic!("{errors}"),
    }
}

fn warnings_of(text: &str) -> Vec<WarningKind> {
    policy::parse(text)
        .unwrap()
        .warnings
        .iter()
        .map(|w| w.kind)
        .collect()
}

fn error_of(text: &str) -> policy::PolicyError {
    let errors = policy::parse(text)
        .expect_err("the text should not parse")
        .0;
    errors.into_iter().next().unwrap()
}

/// Start of a calendar minute on the virtual clock.
const T0: u64 = 1_700_000_040_000;

fn at(secs: u64) -> Timestamp {
    Timestamp::from_millis(T0 + secs * 1000)
}

const FOUR_ORIGINS: &str = "service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)";

fn allowed(policy: &Policy, origin: &str, request: &str) -> bool {
    let mut state = PolicyState::new(policy);
    policy
        .decide(&mut state, origin, request, at(0))
        .is_allowed()
}

#[test]
fn seed_four_origin_example() {
    assert_eq!(T0 % 60_000, 0);
    let policy = policy_of(FOUR_ORIGINS);
    for origin in ["http://my-web-server0", "http://my-web-server1"] {
        for spec in REQUESTS {
            let expected = spec.name != policy::JWT_REQUEST;
            assert_eq!(
                allowed(&policy, origin, spec.name),
                expected,
                "{origin} {}",
                spec.name
            );
        }
    }
    let server2 = policy.allowed_requests("http://my-web-server2");
    assert_eq!(
        server2,
        [
            "agent.get",
            "agent.getState",
            "agent.getStateList",
            "agent.setState",
            "voice.dial"
        ]
    );
    for request in [
        "email.create",
        "voice.dialEx",
        "interaction.setUserData",
        "media.setState",
    ] {
        assert!(
            !allowed(&policy, "http://my-web-server2", request),
            "{request}"
        );
    }
    let server3 = policy.allowed_requests("http://my-web-server3");
    assert!(server3.contains(&"agent.setState"));
    assert!(server3.contains(&"interaction.setUserData"));
    assert!(server3.contains(&"interaction.attachUserData"));
    assert!(!server3.contains(&"voice.dial"));
    assert!(
        server3
            .iter()
            .all(|r| r.starts_with("agent.") || r.starts_with("interaction."))
    );
    assert!(!allowed(&policy, "http://my-web-server4", "agent.get"));
}

#[test]
fn refusals_name_the_rule() {
    let policy = policy_of(FOUR_ORIGINS);
    let mut state = PolicyState::new(&policy);
    let denied = policy.explain(&mut state, "http://my-web-server2", "email.create", at(0));
    assert_eq!(
        denied.decision,
        Decision::Deny {
            reason: DenyReason::NotGranted,
            error_message:
                "The request 'email.create' is not allowed for the origin 'http://my-web-server2'."
                    .into(),
        }
    );
    assert!(matches!(denied.rule, Rule::NotGranted { .. }));
    assert!(
        denied
            .rule
            .to_string()
            .contains("http://my-web-server2 (agent.*, voice.dial)")
    );

    let granted = policy.explain(&mut state, "http://my-web-server2", "voice.dial", at(0));
    assert!(granted.decision.is_allowed());
    assert!(
        granted.rule.to_string().contains("the filter `voice.dial`"),
        "{}",
        granted.rule
    );

    let foreign = policy.explain(
        &mut state,
        "http://my-web-server.evil.com",
        "agent.get",
        at(0),
    );
    assert_eq!(
        foreign.decision,
        Decision::Ignore {
            reason: IgnoreReason::OriginNotAccepted
        }
    );
    assert_eq!(foreign.rule, Rule::NoMatchingOrigin);
    assert_eq!(foreign.decision.into_failure("1"), None);
}

#[test]
fn jwt_token_is_granted_only_by_name() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=https://a.example (*), https://b.example (auth.*), https://c.example (agent.*, auth.getJwtToken), https://d.example (interaction.setUserData)",
    );
    let mut state = PolicyState::new(&policy);
    for origin in ["https://a.example", "https://b.example"] {
        let explanation = policy.explain(&mut state, origin, "auth.getJwtToken", at(0));
        assert!(!explanation.decision.is_allowed());
        assert!(matches!(explanation.rule, Rule::JwtNotNamed { .. }));
    }
    assert!(allowed(
        &policy,
        "https://b.example",
        "auth.getPureCloudToken"
    ));
    assert!(allowed(&policy, "https://c.example", "auth.getJwtToken"));
    // Legacy aliases follow the request they stand for.
    assert!(allowed(
        &policy,
        "https://d.example",
        "interaction.updateUserData"
    ));
    assert!(!allowed(
        &policy,
        "https://d.example",
        "interaction.deleteUserData"
    ));
}

#[test]
fn empty_or_missing_origins_accept_nothing() {
    for text in ["", "service-client-api.accepted-web-content-origins="] {
        let parsed = policy::parse(text).unwrap();
        assert!(parsed.policy.origins.is_empty());
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.kind == WarningKind::NothingAccepted)
        );
        assert!(!allowed(&parsed.policy, "http://a", "agent.get"));
        assert!(!allowed(&parsed.policy, "null", "agent.get"));
    }
}

#[test]
fn exact_entries_take_precedence_over_any() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=* (agent.get), https://crm.example (voice.*)",
    );
    assert!(allowed(&policy, "https://crm.example", "voice.dial"));
    assert!(!allowed(&policy, "https://crm.example", "agent.get"));
    assert!(allowed(&policy, "https://other.example", "agent.get"));
    assert!(allowed(&policy, "null", "agent.get"));
    assert!(!allowed(&policy, "null", "voice.dial"));
}

#[test]
fn option_origins_restrict_configuration_reads() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=https://a.example, https://b.example\n\
         service-client-api.option.read-allowed-web-content-origin=https://a.example",
    );
    assert!(allowed(
        &policy,
        "https://a.example",
        "configuration.getOption"
    ));
    let mut state = PolicyState::new(&policy);
    let explanation = policy.explain(
        &mut state,
        "https://b.example",
        "configuration.getOption",
        at(0),
    );
    assert_eq!(explanation.rule, Rule::OptionOriginNotListed);
    assert!(allowed(&policy, "https://b.example", "agent.get"));
    // Default `*`: no extra restriction.
    assert!(allowed(
        &policy_of(FOUR_ORIGINS),
        "http://my-web-server0",
        "configuration.getContextualOption"
    ));
}

// ---------------------------------------------------------------------------------------
// Origin spellings

/// (configured origin, reported origin, matches)
const SPELLINGS: &[(&str, &str, bool)] = &[
    ("http://my-web-server", "http://my-web-server", true),
    (
        "http://my-web-server",
        "http://my-web-server.evil.com",
        false,
    ),
    ("http://my-web-server", "http://my-web-server:8080", false),
    ("http://my-web-server", "http://evil-my-web-server", false),
    ("http://my-web-server", "http://my-web-serve", false),
    ("http://my-web-server", "https://my-web-server", false),
    ("http://my-web-server", "http://my-web-server:80", true),
    ("http://my-web-server:80", "http://my-web-server", true),
    ("https://crm.example", "https://crm.example:443", true),
    ("https://crm.example:443", "https://crm.example", true),
    ("https://crm.example", "http://crm.example:443", false),
    ("http://crm.example:443", "https://crm.example", false),
    ("HTTP://My-Web-Server", "http://my-web-server", true),
    ("http://my-web-server", "HTTP://MY-WEB-SERVER", true),
    ("http://my-web-server/", "http://my-web-server", true),
    ("http://my-web-server", "http://my-web-server/", false),
    ("http://my-web-server", "http://my-web-server/path", false),
    ("http://my-web-server", "http://user@my-web-server", false),
    (
        "http://my-web-server",
        "http://user:pw@my-web-server",
        false,
    ),
    ("http://example.com", "http://example.com.", false),
    ("http://example.com.", "http://example.com.", true),
    ("http://[::1]:8080", "http://[::1]:8080", true),
    ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080", true),
    ("http://[::1]", "http://[::1]:8080", false),
    ("http://[2001:DB8::1]", "http://[2001:db8::1]", true),
    ("http://127.0.0.1:3000", "http://127.0.0.1:3000", true),
    ("http://127.0.0.1:3000", "http://127.0.0.1:300", false),
    ("http://localhost:0080", "http://localhost", true),
    ("http://localhost:8080", "http://localhost:08080", true),
    ("https://app.example", "null", false),
    ("https://app.example", "", false),
    ("https://app.example", "app.example", false),
    ("https://app.example", "ftp://app.example", false),
    ("https://app.example", "https://app.example ", false),
    ("https://app.example", "https://app.example:99999", false),
    (
        "https://xn--bcher-kva.example",
        "https://xn--bcher-kva.example",
        true,
    ),
    ("http://a.example:8443", "http://a.example:8443", true),
];

#[test]
fn origin_spellings() {
    assert!(SPELLINGS.len() >= 30);
    for (configured, reported, expected) in SPELLINGS {
        let policy = policy_of(&format!(
            "service-client-api.accepted-web-content-origins={configured}"
        ));
        assert_eq!(
            allowed(&policy, reported, "agent.get"),
            *expected,
            "configured {configured:?}, reported {reported:?}"
        );
    }
}

#[test]
fn opaque_and_unreadable_origins_match_only_any() {
    let any = policy_of("service-client-api.accepted-web-content-origins=*");
    for reported in [
        "null",
        "",
        "file:///tmp/page.html",
        "garbage",
        "https://x.example/",
    ] {
        assert!(allowed(&any, reported, "agent.get"), "{reported:?}");
    }
}

#[test]
fn origins_print_normalised() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=HTTPS://App.Example:443/, http://[0:0::1]:80, http://h:8080",
    );
    let printed = policy.to_string();
    assert!(
        printed.contains("=https://app.example, http://[::1], http://h:8080\n"),
        "{printed}"
    );
}

#[test]
fn configuration_origin_errors() {
    let cases = [
        ("my-web-server", ErrorKind::MissingScheme),
        ("ftp://my-web-server", ErrorKind::UnknownScheme),
        ("chrome-extension://abc", ErrorKind::UnknownScheme),
        (
            "http://my-web-server/path/page.html",
            ErrorKind::OriginWithPath,
        ),
        ("http://my-web-server?x=1", ErrorKind::OriginWithPath),
        ("http://user@my-web-server", ErrorKind::OriginWithUserinfo),
        ("http://my-web-server:", ErrorKind::InvalidPort),
        ("http://my-web-server:70000", ErrorKind::InvalidPort),
        ("http://*.example.com", ErrorKind::InvalidHost),
        ("http://", ErrorKind::InvalidHost),
        ("http://bücher.example", ErrorKind::InvalidHost),
        ("http://[::1", ErrorKind::InvalidHost),
        ("null", ErrorKind::OpaqueOrigin),
        ("http://a http://b", ErrorKind::InvalidHost),
    ];
    for (origin, kind) in cases {
        let error = error_of(&format!(
            "service-client-api.accepted-web-content-origins={origin}"
        ));
        assert_eq!(error.kind, kind, "{origin}: {error}");
        assert_eq!(error.line, 1);
        assert!(!error.hint.is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// Grammar diagnostics

#[test]
fn grammar_errors_carry_line_column_and_hint() {
    let prefix = "service-client-api.accepted-web-content-origins=";
    let col = prefix.chars().count() + 1;
    let cases = [
        (
            "http://a (agent.*",
            ErrorKind::UnbalancedParenthesis,
            col + 9,
        ),
        (
            "http://a agent.*)",
            ErrorKind::UnbalancedParenthesis,
            col + 16,
        ),
        (
            "http://a ((agent.*))",
            ErrorKind::UnbalancedParenthesis,
            col + 10,
        ),
        ("http://a ()", ErrorKind::EmptyFilter, col + 10),
        ("http://a (agent.*, )", ErrorKind::EmptyFilter, col + 19),
        ("http://a (*.dial)", ErrorKind::LeadingWildcard, col + 10),
        ("http://a (voice.di*)", ErrorKind::PartialWildcard, col + 10),
        ("http://a (dial)", ErrorKind::InvalidFilter, col + 10),
        ("http://a,,http://b", ErrorKind::EmptyEntry, col + 9),
        (
            "http://a (agent.*) http://b",
            ErrorKind::ExpectedComma,
            col + 19,
        ),
        (
            "https://a.example/path (agent.*)",
            ErrorKind::OriginWithPath,
            col + 17,
        ),
        ("gopher://a", ErrorKind::UnknownScheme, col),
    ];
    for (value, kind, column) in cases {
        let text = format!("# comment\n[interaction-workspace]\n{prefix}{value}\n");
        let error = error_of(&text);
        assert_eq!(
            (error.kind, error.line, error.column),
            (kind, 3, column),
            "{value}: {error}"
        );
        assert_eq!(
            error.option,
            "service-client-api.accepted-web-content-origins"
        );
        let message = error.to_string();
        assert!(message.starts_with("line 3, column "), "{message}");
        assert!(message.contains("fix: "), "{message}");
    }
}

#[test]
fn option_file_errors() {
    assert_eq!(
        error_of("service-client-api.rate-limit=fifty").kind,
        ErrorKind::InvalidNumber
    );
    assert_eq!(
        error_of("service-client-api.rate-limit=-1").kind,
        ErrorKind::InvalidNumber
    );
    assert_eq!(
        error_of("service-client-api.rate-limit-quarantine-delay=99999999999").kind,
        ErrorKind::InvalidNumber
    );
    assert_eq!(error_of("just some words").kind, ErrorKind::MissingEquals);
    assert_eq!(
        error_of("[interaction-workspace").kind,
        ErrorKind::MalformedSection
    );
    assert_eq!(error_of("=value").kind, ErrorKind::EmptyKey);
    assert_eq!(
        error_of("service-client-api.user-data.read-allowed=Key1,,Key2").kind,
        ErrorKind::EmptyEntry
    );
    assert_eq!(
        error_of("service-client-api.user-data.read-allowed=Key*").kind,
        ErrorKind::WildcardKey
    );
    assert_eq!(
        error_of("service-client-api.rate-limit.dial=4").kind,
        ErrorKind::InvalidRequestName
    );
    assert_eq!(
        error_of("service-client-api.option.read-allowed-web-content-origin=http://a (agent.*)")
            .kind,
        ErrorKind::UnexpectedFilter
    );
    let duplicate =
        error_of("service-client-api.rate-limit=1\n  service-client-api.rate-limit = 2");
    assert_eq!(
        (duplicate.kind, duplicate.line, duplicate.column),
        (ErrorKind::DuplicateOption, 2, 3)
    );
    // Every error is reported, not just the first.
    let all = policy::parse("a\nb\nservice-client-api.rate-limit=x")
        .unwrap_err()
        .0;
    assert_eq!(all.len(), 3);
}

#[test]
fn layout_whitespace_sections_and_comments() {
    let policy = policy_of(
        "; WWEWS Cluster options\n\
         [other-section]\n\
         label = CRM\n\
         [ interaction-workspace ]\n\
         \t# origins\n\
         \x20 service-client-api.accepted-web-content-origins =  http://a ( agent.* ,voice.dial ) ,http://b  \n\
         \n\
         service-client-api.rate-limit= 7 \n",
    );
    assert_eq!(policy.origins.len(), 2);
    assert_eq!(policy.rate_limits.global, 7);
    assert!(allowed(&policy, "http://a", "voice.dial"));
}

#[test]
fn warnings() {
    let unknown = policy::parse(&format!("{FOUR_ORIGINS}\nservice-client-api.rate-limit.voice.dail=3\nservice-client-api.colour=blue\nService-Client-API.rate-limit=1"))
        .unwrap();
    let kinds: Vec<_> = unknown.warnings.iter().map(|w| w.kind).collect();
    assert!(kinds.contains(&WarningKind::UnknownRequest));
    assert!(kinds.contains(&WarningKind::UnknownOption));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == WarningKind::UnknownOption)
            .count(),
        2
    );
    assert!(
        unknown
            .warnings
            .iter()
            .all(|w| w.line >= 1 && w.column >= 1)
    );

    let filter = warnings_of(
        "service-client-api.accepted-web-content-origins=http://a (agent.*, voice.dail, origin.system.closeToast, crm.*)",
    );
    assert_eq!(
        filter,
        [
            WarningKind::UnknownRequest,
            WarningKind::UnknownRequest,
            WarningKind::UnknownNamespace
        ]
    );
    let suggestion = policy::parse(
        "service-client-api.accepted-web-content-origins=http://a (origin.system.closeToast)",
    )
    .unwrap();
    assert!(suggestion.warnings[0].hint.contains("`system.closeToast`"));

    let broad =
        warnings_of("service-client-api.accepted-web-content-origins=* (*, auth.getJwtToken)");
    assert_eq!(
        broad,
        [WarningKind::AnyOrigin, WarningKind::JwtReachableByAnyOrigin]
    );

    let duplicate = warnings_of(
        "service-client-api.accepted-web-content-origins=http://a (agent.*), HTTP://A:80/ (voice.*)",
    );
    assert_eq!(duplicate, [WarningKind::DuplicateOrigin]);
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=http://a (agent.*), HTTP://A:80/ (voice.*)",
    );
    assert!(
        !allowed(&policy, "http://a", "voice.dial"),
        "the first entry decides"
    );

    let redundant = warnings_of(
        "service-client-api.accepted-web-content-origins=http://a (agent.*, agent.get, voice.dial, voice.dial), http://b (*, email.create, auth.getJwtToken)",
    );
    assert_eq!(redundant, [WarningKind::RedundantFilter; 3]);

    let limits = warnings_of(&format!(
        "{FOUR_ORIGINS}\nservice-client-api.rate-limit=5\nservice-client-api.rate-limit.voice.dial=5\nservice-client-api.rate-limit.auth.getJwtToken=1"
    ));
    assert_eq!(
        limits,
        [WarningKind::LimitNeverBinds, WarningKind::UnreachableRule]
    );

    let outside = warnings_of("[somewhere-else]\nservice-client-api.rate-limit=5");
    assert!(outside.contains(&WarningKind::OptionOutsideSection));

    let write = warnings_of(
        "service-client-api.accepted-web-content-origins=http://a (agent.*)\nservice-client-api.user-data.write-allowed=Key1",
    );
    assert_eq!(write, [WarningKind::UnreachableRule]);

    assert!(warnings_of(FOUR_ORIGINS).is_empty());
}

// ---------------------------------------------------------------------------------------
// Rate limits on a virtual clock

const RATE_SAMPLE: &str = "service-client-api.accepted-web-content-origins=https://crm.example\n\
service-client-api.rate-limit=0\n\
service-client-api.rate-limit.voice.dial=4\n\
service-client-api.rate-limit.email.create=2\n";

const ORIGIN: &str = "https://crm.example";

fn seed_message(request: &str, secs: u32) -> String {
    format!(
        "The rate limit for the request '{request}' has been reached.\nFurther requests of the same type will be ignored for {secs} seconds."
    )
}

#[test]
fn seed_rate_limit_sample() {
    let policy = policy_of(RATE_SAMPLE);
    assert_eq!(policy.rate_limits.quarantine_delay_secs, 30);
    let mut state = PolicyState::new(&policy);
    let mut decide =
        |request: &str, secs: u64| policy.decide(&mut state, ORIGIN, request, at(secs));

    for second in 0..4 {
        assert_eq!(decide("voice.dial", second), Decision::Allow);
    }
    // email.create has its own window.
    assert_eq!(decide("email.create", 4), Decision::Allow);
    assert_eq!(decide("email.create", 5), Decision::Allow);
    // No global limit: other requests are never counted against anything.
    for second in 0..100 {
        assert_eq!(decide("agent.get", second % 60), Decision::Allow);
    }

    // The fifth dial in the minute: failure with the seed text and `request`.
    let refused = decide("voice.dial", 10);
    let Decision::Deny {
        reason: DenyReason::RateLimited(refusal),
        error_message,
    } = &refused
    else {
        panic!("{refused:?}");
    };
    assert_eq!(error_message, &seed_message("voice.dial", 30));
    assert_eq!(refusal.scope, LimitScope::Request { limit: 4 });
    assert_eq!(refusal.until, Some(at(40)));
    let failure = refused.into_failure("7").unwrap();
    assert_eq!(
        ServiceMessage::Failure(failure).to_value(),
        json!({ "referenceId": "7", "errorMessage": seed_message("voice.dial", 30),
                "request": "voice.dial", "userAgent": "WWE Server", "protocolVersion": 2 })
    );

    // Quarantine: ignored, no response, even after the window rolls over at 60 s.
    for second in [11, 39] {
        assert_eq!(
            decide("voice.dial", second),
            Decision::Ignore {
                reason: IgnoreReason::Quarantined {
                    until: Some(at(40))
                }
            }
        );
    }
    // Other request types are unaffected by the quarantine.
    assert!(
        !decide("email.create", 12).is_allowed(),
        "email.create has used its 2"
    );
    assert_eq!(decide("agent.getState", 12), Decision::Allow);

    // Quarantine over at 40 s, but the minute's window is still full: refused again.
    let again = decide("voice.dial", 45);
    assert!(
        matches!(again, Decision::Deny { reason: DenyReason::RateLimited(ref r), .. } if r.until == Some(at(75)))
    );
    // New minute at 60 s, still quarantined until 75 s.
    assert!(matches!(decide("voice.dial", 60), Decision::Ignore { .. }));
    // After 75 s: a fresh window.
    for second in 75..79 {
        assert_eq!(decide("voice.dial", second), Decision::Allow, "{second}");
    }
    assert!(matches!(decide("voice.dial", 79), Decision::Deny { .. }));
}

#[test]
fn windows_are_calendar_minutes_not_sliding() {
    let policy = policy_of(RATE_SAMPLE);
    let mut state = PolicyState::new(&policy);
    // Two just before the minute boundary, two more right after: all within limit 2
    // per window, although four fall within one sliding minute.
    for secs in [58, 59] {
        assert!(
            policy
                .decide(&mut state, ORIGIN, "email.create", at(secs))
                .is_allowed()
        );
    }
    for secs in [60, 61] {
        assert!(
            policy
                .decide(&mut state, ORIGIN, "email.create", at(secs))
                .is_allowed()
        );
    }
    assert!(
        !policy
            .decide(&mut state, ORIGIN, "email.create", at(62))
            .is_allowed()
    );
}

#[test]
fn quarantine_zero_is_forever() {
    let policy = policy_of(&format!(
        "{RATE_SAMPLE}service-client-api.rate-limit-quarantine-delay=0"
    ));
    let mut state = PolicyState::new(&policy);
    for secs in 0..2 {
        assert!(
            policy
                .decide(&mut state, ORIGIN, "email.create", at(secs))
                .is_allowed()
        );
    }
    let refused = policy.decide(&mut state, ORIGIN, "email.create", at(2));
    let Decision::Deny {
        reason: DenyReason::RateLimited(refusal),
        error_message,
    } = refused
    else {
        panic!();
    };
    assert_eq!(refusal.until, None);
    assert_eq!(error_message, seed_message("email.create", 0));
    for secs in [3, 600, 86_400, 10 * 365 * 86_400] {
        let explanation = policy.explain(&mut state, ORIGIN, "email.create", at(secs));
        assert_eq!(explanation.rule, Rule::Quarantine { until: None });
        assert!(explanation.rule.to_string().contains("forever"));
    }
    assert!(
        policy
            .decide(&mut state, ORIGIN, "voice.dial", at(86_400))
            .is_allowed()
    );
}

#[test]
fn global_and_per_request_limits_interact() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=https://crm.example (*, auth.getJwtToken)\n\
         service-client-api.rate-limit=3\n\
         service-client-api.rate-limit.voice.dial=1\n\
         service-client-api.rate-limit-quarantine-delay=10",
    );
    let mut state = PolicyState::new(&policy);
    let mut decide =
        |request: &str, secs: u64| policy.decide(&mut state, ORIGIN, request, at(secs));
    assert!(decide("voice.dial", 0).is_allowed());
    // Refused by its own limit; refused requests are not counted globally.
    let dial = decide("voice.dial", 1);
    assert!(
        matches!(dial, Decision::Deny { reason: DenyReason::RateLimited(ref r), .. } if r.scope == LimitScope::Request { limit: 1 })
    );
    assert!(decide("agent.get", 2).is_allowed());
    assert!(decide("agent.getState", 3).is_allowed());
    // Global window (3) is full: the next request type is refused and quarantined itself.
    let global = decide("media.getMediaList", 4);
    assert!(
        matches!(global, Decision::Deny { reason: DenyReason::RateLimited(ref r), .. } if r.scope == LimitScope::Global { limit: 3 } && r.request == "media.getMediaList")
    );
    assert!(matches!(
        decide("media.getMediaList", 5),
        Decision::Ignore { .. }
    ));
    // A different type gets its own first refusal.
    assert!(matches!(decide("agent.get", 6), Decision::Deny { .. }));
    // Next minute: quarantines over, global window fresh.
    assert!(decide("media.getMediaList", 60).is_allowed());
    assert!(decide("agent.get", 61).is_allowed());
    // Filtered requests never count.
    let mut state = PolicyState::new(&policy);
    for _ in 0..10 {
        assert!(
            !policy
                .decide(&mut state, "https://evil.example", "agent.get", at(0))
                .is_allowed()
        );
    }
    assert!(
        policy
            .decide(&mut state, ORIGIN, "agent.get", at(0))
            .is_allowed()
    );
}

#[test]
fn legacy_aliases_share_the_limit_of_their_request() {
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=https://crm.example\n\
         service-client-api.rate-limit.interaction.setUserData=1",
    );
    let mut state = PolicyState::new(&policy);
    assert!(
        policy
            .decide(&mut state, ORIGIN, "interaction.attachUserData", at(0))
            .is_allowed()
    );
    let refused = policy.decide(&mut state, ORIGIN, "interaction.setUserData", at(1));
    assert_eq!(
        refused.into_failure("1").unwrap().request.as_deref(),
        Some("interaction.setUserData")
    );
    assert!(matches!(
        policy.decide(&mut state, ORIGIN, "interaction.updateUserData", at(2)),
        Decision::Ignore { .. }
    ));
}

// ---------------------------------------------------------------------------------------
// User data

const USER_DATA_SAMPLE: &str = "service-client-api.user-data.write-allowed=Key1,Key3\n\
service-client-api.user-data.read-allowed=Key1,Key2,Key3\n";

fn sample_user_data() -> UserData {
    serde_json::from_value(
        json!({ "Key1": "a", "Key2": "b", "Key3": "c", "Key4": "d", "key1": "e" }),
    )
    .unwrap()
}

#[test]
fn seed_read_allow_list_filters_every_shape() {
    let policy = policy_of(USER_DATA_SAMPLE);
    let rules = &policy.user_data;

    let mut data = sample_user_data();
    rules.filter_user_data(&mut data);
    assert_eq!(data.keys().collect::<Vec<_>>(), ["Key1", "Key2", "Key3"]);

    let mut interaction: Interaction =
        serde_json::from_value(json!({ "interactionId": "1", "userData": sample_user_data() }))
            .unwrap();
    rules.filter_interaction(&mut interaction);
    assert_eq!(interaction.user_data.unwrap().len(), 3);

    let mut event = json!({
        "data": {
            "media": "voice",
            "interaction": { "interactionId": "1", "userData": { "Key1": 1, "Key4": { "userData": { "Key4": 2 } } } },
            "interactions": [ { "userData": { "Key2": 2, "Secret": 3 } } ]
        }
    });
    assert!(rules.hides_any(&event));
    rules.filter_value(&mut event);
    assert!(
        !rules.hides_any(&event),
        "nothing left to hide once filtered"
    );
    assert_eq!(
        event,
        json!({
            "data": {
                "media": "voice",
                "interaction": { "interactionId": "1", "userData": { "Key1": 1 } },
                "interactions": [ { "userData": { "Key2": 2 } } ]
            }
        })
    );

    // Values without hidden keys are left alone (and shared results stay shared).
    assert!(!rules.hides_any(&json!({ "username": "agent1", "userData": { "Key1": 1 } })));
    assert!(!rules.hides_any(&json!([{ "interactionId": "1" }, 3, "userData"])));

    // The default `*` leaves everything.
    let open = Policy::default();
    assert!(
        !open
            .user_data
            .hides_any(&json!({ "userData": { "Key4": 1 } }))
    );
    let mut data = sample_user_data();
    open.user_data.filter_user_data(&mut data);
    assert_eq!(data.len(), 5);
}

#[test]
fn seed_write_allow_list_refuses_whole_writes() {
    let policy = policy_of(USER_DATA_SAMPLE);
    let rules = &policy.user_data;
    assert_eq!(
        rules.guard_request(&request(
            "interaction.setUserData",
            json!(["1", { "Key1": "x", "Key3": "y" }])
        )),
        Ok(())
    );

    let refused = rules
        .guard_request(&request(
            "interaction.setUserData",
            json!(["1", { "Key1": "x", "Key2": "y", "Key4": "z" }]),
        ))
        .unwrap_err();
    assert_eq!(
        refused.forbidden.iter().collect::<Vec<_>>(),
        ["Key2", "Key4"]
    );
    assert_eq!(
        refused.error_message(),
        "The request 'interaction.setUserData' was refused: writing the user data keys 'Key2', 'Key4' is not allowed. Nothing was written."
    );

    assert!(
        rules
            .guard_request(&request("interaction.deleteUserData", json!(["1", "Key2"])))
            .is_err()
    );
    assert!(
        rules
            .guard_request(&request("interaction.deleteUserData", json!(["1", "Key3"])))
            .is_ok()
    );
    for alias in ["interaction.attachUserData", "interaction.updateUserData"] {
        let refused = rules
            .guard_request(&request(alias, json!(["1", { "Key2": 1 }])))
            .unwrap_err();
        assert_eq!(refused.request, alias);
    }
    // Other requests are not write-guarded: attached data handed to a new call is not a
    // write, and neither is a request the table does not know.
    assert!(
        rules
            .guard_request(&request("voice.dial", json!(["555", { "Key2": 1 }])))
            .is_ok()
    );
    assert!(
        rules
            .guard_request(&request("crm.setUserData", json!(["1", { "Key2": 1 }])))
            .is_ok()
    );
    // An empty list allows nothing.
    let none = policy_of("service-client-api.user-data.write-allowed=");
    assert!(
        none.user_data
            .check_write("interaction.setUserData", ["Key1"])
            .is_err()
    );
}

#[test]
fn the_request_table_says_which_requests_touch_user_data() {
    let writes: Vec<(&str, &str)> = REQUESTS
        .iter()
        .filter_map(|spec| match spec.user_data {
            UserDataAccess::Write { param } => Some((spec.name, spec.params[param].name)),
            _ => None,
        })
        .collect();
    assert_eq!(
        writes,
        [
            ("interaction.setUserData", "keyValues"),
            ("interaction.deleteUserData", "key"),
            ("interaction.attachUserData", "keyValues"),
            ("interaction.updateUserData", "keyValues"),
        ]
    );
    // Every request whose result type holds interactions is marked as reading user data.
    for spec in REQUESTS {
        if spec.result.contains("Interaction") {
            assert_eq!(spec.user_data, UserDataAccess::Read, "{}", spec.name);
        }
    }
    let set = request("interaction.setUserData", json!(["1", { "A": 1, "B": 2 }]));
    let keys: Vec<&str> = set.written_user_data().unwrap().collect();
    assert_eq!(keys, ["A", "B"]);
}

#[test]
fn canonical_print_of_seed_samples() {
    let policy = policy_of(&format!(
        "{FOUR_ORIGINS}\n{RATE_SAMPLE_TAIL}{USER_DATA_SAMPLE}"
    ));
    let expected = "[interaction-workspace]\n\
service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1, http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*)\n\
service-client-api.option.read-allowed-web-content-origin=*\n\
service-client-api.rate-limit=0\n\
service-client-api.rate-limit-quarantine-delay=30\n\
service-client-api.rate-limit.email.create=2\n\
service-client-api.rate-limit.voice.dial=4\n\
service-client-api.user-data.read-allowed=Key1,Key2,Key3\n\
service-client-api.user-data.write-allowed=Key1,Key3\n";
    assert_eq!(policy.to_string(), expected);
    assert_eq!(policy_of(expected), policy);
}

const RATE_SAMPLE_TAIL: &str = "service-client-api.rate-limit=0\n\
service-client-api.rate-limit.voice.dial=4\n\
service-client-api.rate-limit.email.create=2\n";

// ---------------------------------------------------------------------------------------
// Corners: byte-order marks, legacy aliases in limits, misspelt names, record fields,
// event families

#[test]
fn byte_order_mark_and_crlf_read_like_any_other_file() {
    let plain = format!(
        "[interaction-workspace]\n{FOUR_ORIGINS}\nservice-client-api.rate-limit.voice.dail=3\n"
    );
    let windows = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let (plain, windows) = (
        policy::parse(&plain).unwrap(),
        policy::parse(&windows).unwrap(),
    );
    assert_eq!(windows.policy, plain.policy);
    assert_eq!(
        windows.warnings, plain.warnings,
        "same findings at the same places"
    );

    // A mark before an option on line 1: the option counts, columns start after the mark.
    let policy = policy_of("\u{feff}service-client-api.rate-limit=7\r\n");
    assert_eq!(policy.rate_limits.global, 7);
    let error = error_of("\u{feff}service-client-api.rate-limit=x\r\n");
    assert_eq!((error.line, error.column), (1, 31));
    assert_eq!(error.kind, ErrorKind::InvalidNumber);
    // A last line without its line ending still counts.
    assert_eq!(
        policy_of("\r\nservice-client-api.rate-limit=3\r")
            .rate_limits
            .global,
        3
    );
    // Files joined with `cat`: the second file's mark starts a line, and its option counts.
    let joined = error_of(
        "\u{feff}service-client-api.rate-limit=1\r\n\u{feff}service-client-api.rate-limit=2\r\n",
    );
    assert_eq!(
        (joined.kind, joined.line, joined.column),
        (ErrorKind::DuplicateOption, 2, 1)
    );
}

#[test]
fn rate_limit_under_a_legacy_alias_binds_its_request() {
    let text = "service-client-api.accepted-web-content-origins=https://crm.example\n\
         service-client-api.rate-limit.interaction.attachUserData=1";
    let parsed = policy::parse(text).unwrap();
    let kinds: Vec<_> = parsed.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::LegacyAliasLimit]);
    let warning = &parsed.warnings[0];
    assert_eq!(warning.line, 2);
    assert!(
        warning.message.starts_with(
            "rate-limit.interaction.attachUserData names the legacy alias of interaction.setUserData"
        ),
        "{warning}"
    );
    assert!(
        warning
            .hint
            .contains("write rate-limit.interaction.setUserData"),
        "{warning}"
    );

    let policy = parsed.policy;
    assert_eq!(
        policy.rate_limits.per_request.keys().collect::<Vec<_>>(),
        ["interaction.setUserData"],
        "filed under the current name"
    );
    assert_eq!(
        policy.rate_limits.limit_for("interaction.updateUserData"),
        1
    );
    assert!(
        policy
            .to_string()
            .contains("service-client-api.rate-limit.interaction.setUserData=1\n")
    );
    assert_eq!(policy_of(&policy.to_string()), policy);

    // The limit binds the request and every alias together.
    let mut state = PolicyState::new(&policy);
    assert!(
        policy
            .decide(&mut state, ORIGIN, "interaction.setUserData", at(0))
            .is_allowed()
    );
    let refused = policy.decide(&mut state, ORIGIN, "interaction.attachUserData", at(1));
    assert!(matches!(
        refused,
        Decision::Deny {
            reason: DenyReason::RateLimited(_),
            ..
        }
    ));
    assert!(matches!(
        policy.decide(&mut state, ORIGIN, "interaction.updateUserData", at(2)),
        Decision::Ignore { .. }
    ));

    // A policy built in code with the alias as key binds the same way.
    let mut built = Policy {
        origins: policy.origins.clone(),
        ..Policy::default()
    };
    built
        .rate_limits
        .per_request
        .insert("interaction.updateUserData".into(), 1);
    let mut state = PolicyState::new(&built);
    assert!(
        built
            .decide(&mut state, ORIGIN, "interaction.setUserData", at(0))
            .is_allowed()
    );
    assert!(
        !built
            .decide(&mut state, ORIGIN, "interaction.setUserData", at(1))
            .is_allowed()
    );
}

#[test]
fn one_limit_set_through_a_request_and_its_alias_is_an_error() {
    for (first, second) in [
        ("interaction.setUserData", "interaction.attachUserData"),
        ("interaction.attachUserData", "interaction.setUserData"),
        ("interaction.attachUserData", "interaction.updateUserData"),
    ] {
        let error = error_of(&format!(
            "service-client-api.rate-limit.{first}=1\nservice-client-api.rate-limit.{second}=2"
        ));
        assert_eq!(
            (error.kind, error.line, error.column),
            (ErrorKind::DuplicateOption, 2, 1)
        );
        assert!(
            error.problem.contains("interaction.setUserData")
                && error.problem.contains(&format!(
                    "line 1 sets it with `service-client-api.rate-limit.{first}`"
                )),
            "{error}"
        );
    }
}

#[test]
fn rate_limit_for_no_request_at_all_is_a_warning() {
    let parsed = policy::parse(&format!(
        "{FOUR_ORIGINS}\nservice-client-api.rate-limit.Voice.Dial=3\nservice-client-api.rate-limit.crm.open=2"
    ))
    .unwrap();
    let found: Vec<_> = parsed
        .warnings
        .iter()
        .map(|w| (w.kind, w.line, w.hint.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (WarningKind::UnknownRequest, 2, "did you mean `voice.dial`?"),
            (
                WarningKind::UnknownRequest,
                3,
                "check the spelling against the request list; the filter is kept"
            ),
        ]
    );
    assert_eq!(parsed.policy.rate_limits.limit_for("crm.open"), 2);
}

#[test]
fn closest_request_prefers_case_then_suffix_then_few_edits() {
    let cases = [
        ("Auth.getJwtToken", Some("auth.getJwtToken")),
        ("AGENT.GETSTATE", Some("agent.getState")),
        ("wwe.voice.dial", Some("voice.dial")),
        ("origin.system.closeToast", Some("system.closeToast")),
        ("voice.dail", Some("voice.dial")),
        ("agent.getStat", Some("agent.getState")),
        ("interaction.setUserDta", Some("interaction.setUserData")),
        ("voice.dial", None),
        ("crm.open", None),
        ("a.b", None),
        ("", None),
    ];
    for (name, expected) in cases {
        assert_eq!(policy::closest_request(name), expected, "{name}");
    }
}

const RECORD: &str = "+33647005";

/// A `RECORDS_RETRIEVED` event as the seed shows it: the same calling-list fields in
/// `chainedRecords` (numbers) and in `userData` (strings).
fn records_retrieved() -> Value {
    json!({
        "eventType": "RECORDS_RETRIEVED",
        "interaction": {
            "interactionId": "1",
            "chainedRecords": [
                { "GSW_PHONE": RECORD, "GSW_RECORD_HANDLE": 283, "Custom_String": "Hi there!" },
                { "GSW_PHONE": "+33647004", "GSW_RECORD_HANDLE": 284 }
            ],
            "userData": { "GSW_PHONE": RECORD, "GSW_RECORD_HANDLE": "283", "Segment": "Gold" }
        }
    })
}

#[test]
fn read_allow_list_governs_user_data_not_outbound_record_fields() {
    let policy = policy_of(
        "service-client-api.user-data.read-allowed=Segment\nservice-client-api.user-data.write-allowed=Segment",
    );
    let rules = &policy.user_data;

    // The event: userData loses GSW_*, chainedRecords keep every field.
    let mut event = records_retrieved();
    assert!(rules.hides_any(&event));
    rules.filter_value(&mut event);
    let mut expected = records_retrieved();
    expected["interaction"]["userData"] = json!({ "Segment": "Gold" });
    assert_eq!(event, expected);

    // The typed interaction: the same.
    let mut interaction: Interaction =
        serde_json::from_value(records_retrieved()["interaction"].clone()).unwrap();
    rules.filter_interaction(&mut interaction);
    assert_eq!(
        interaction
            .user_data
            .as_ref()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["Segment"]
    );
    let records = interaction.chained_records.as_ref().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["GSW_PHONE"], RECORD);
    assert_eq!(records[0].len(), 3);

    // outbound.getRecordFields / getChainedRecords results are left alone (and stay shared).
    let fields = json!({ "GSW_PHONE": RECORD, "GSW_CALL_RESULT": 28 });
    let chain = json!([{ "GSW_PHONE": RECORD }, { "GSW_CHAIN_ID": 3 }]);
    for result in [fields, chain] {
        assert!(!rules.hides_any(&result));
        let mut filtered = result.clone();
        rules.filter_value(&mut filtered);
        assert_eq!(filtered, result);
    }

    // outbound.updateRecordFields is not a user-data write.
    assert_eq!(
        rules.guard_request(&request(
            "outbound.updateRecordFields",
            json!(["1", { "GSW_PHONE": "+1555", "Custom_String": "x" }])
        )),
        Ok(())
    );
}

#[test]
fn restricted_read_list_warns_when_records_are_readable() {
    let read = "service-client-api.user-data.read-allowed=Segment";
    let readable = policy::parse(&format!(
        "service-client-api.accepted-web-content-origins=http://a (agent.*), http://b (outbound.getChainedRecords)\n{read}"
    ))
    .unwrap();
    let warning = readable
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::RecordFieldsUnfiltered)
        .expect("the lint fires");
    assert_eq!(
        (warning.line, warning.option.as_str()),
        (2, policy::option::READ_ALLOWED)
    );
    assert!(
        warning.message.contains("outbound.getChainedRecords"),
        "{warning}"
    );

    for quiet in [
        // Nobody may read records.
        format!("service-client-api.accepted-web-content-origins=http://a (agent.*, interaction.*)\n{read}"),
        // Every key is readable anyway.
        "service-client-api.accepted-web-content-origins=http://a\nservice-client-api.user-data.read-allowed=*".into(),
    ] {
        assert!(
            !warnings_of(&quiet).contains(&WarningKind::RecordFieldsUnfiltered),
            "{quiet}"
        );
    }
    assert!(
        warnings_of(&format!("{FOUR_ORIGINS}\n{read}"))
            .contains(&WarningKind::RecordFieldsUnfiltered)
    );
}

#[test]
fn event_families_follow_the_origin_request_filter() {
    use agentdesk_protocol::scapi::EventName;
    let policy = policy_of(
        "service-client-api.accepted-web-content-origins=http://my-web-server0, http://my-web-server1 (*), http://my-web-server2 (agent.*, voice.dial), http://my-web-server3 (agent.*, interaction.*), \
         http://named (interaction.getInteractions, messenger.broadcastMessage), http://jwt (auth.getJwtToken), http://auth (auth.*), http://typo (Interaction.*, crm.*, interaction.getInteraction)",
    );
    let families = [
        EventName::Agent,
        EventName::Media,
        EventName::Interaction,
        EventName::System,
        EventName::Markdone,
        EventName::Outbound,
        EventName::Messenger("crm-sync".into()),
        EventName::Messenger(String::new()),
    ];
    let receives = |origin: &str| -> Vec<String> {
        families
            .iter()
            .filter(|family| policy.may_receive_event(origin, family))
            .map(EventName::as_string)
            .collect()
    };
    let every: Vec<String> = families.iter().map(EventName::as_string).collect();
    assert_eq!(receives("http://my-web-server0"), every);
    assert_eq!(receives("http://my-web-server1"), every);
    assert_eq!(
        receives("http://my-web-server2"),
        ["agent"],
        "agent.* only: no interaction events"
    );
    assert_eq!(
        receives("http://my-web-server3"),
        ["agent", "interaction", "markdone"]
    );
    assert_eq!(
        receives("http://named"),
        [
            "interaction",
            "markdone",
            "messenger:crm-sync",
            "messenger:"
        ]
    );
    assert!(receives("http://jwt").is_empty());
    assert!(receives("http://auth").is_empty());
    assert!(
        receives("http://typo").is_empty(),
        "unknown names grant no family"
    );
    assert!(receives("http://evil.example").is_empty());
    assert!(receives("null").is_empty());

    // Unknown families are never delivered, not even to `*`.
    assert!(!policy.may_receive_event("http://my-web-server0", &EventName::parse("weather")));

    // The rule, checked against the request table: a family is delivered exactly when the
    // origin may call some request of its namespace.
    for origin in [
        "http://my-web-server0",
        "http://my-web-server2",
        "http://my-web-server3",
        "http://named",
        "http://jwt",
        "http://auth",
        "http://typo",
        "null",
    ] {
        let allowed = policy.allowed_requests(origin);
        let resolved = policy.resolve(origin);
        for family in &families {
            let namespace = policy::event_namespace(family).unwrap();
            let expected = allowed.iter().any(|request| {
                agentdesk_protocol::scapi::requests::lookup(request)
                    .is_some_and(|spec| spec.namespace == namespace)
            });
            assert_eq!(
                resolved.may_receive(family),
                expected,
                "{origin} {family:?}"
            );
            assert_eq!(resolved.grants_in(namespace), expected);
        }
    }

    // `*` as an origin accepts opaque pages, and with them every family.
    let any = policy_of("service-client-api.accepted-web-content-origins=* (agent.*)");
    assert!(any.may_receive_event("null", &EventName::Agent));
    assert!(!any.may_receive_event("null", &EventName::Interaction));
}
