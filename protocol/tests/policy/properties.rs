//! Property tests: the canonical printout parses back to the same policy, and the parser
//! never panics.

use agentdesk_protocol::policy::{
    self, Grants, IncomingOrigin, KeyAllowList, Origin, OriginPattern, OriginRule, Policy,
    PolicyState, RateLimits, Timestamp, UserDataPolicy,
};
use proptest::prelude::*;

fn origin() -> impl Strategy<Value = OriginPattern> {
    let host = prop_oneof![
        "[a-zA-Z][a-zA-Z0-9-]{0,10}(\\.[a-z0-9]{1,6}){0,2}\\.?",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        any::<[u16; 8]>().prop_map(|g| format!("[{}]", std::net::Ipv6Addr::from(g))),
    ];
    let exact = (
        prop_oneof!["http", "HTTPS", "https"],
        host,
        proptest::option::of(any::<u16>()),
    )
        .prop_map(|(scheme, host, port)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            OriginPattern::Exact(Origin::parse(&format!("{scheme}://{host}{port}")).unwrap())
        });
    prop_oneof![1 => Just(OriginPattern::Any), 6 => exact]
}

fn request_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            agentdesk_protocol::scapi::REQUESTS
                .iter()
                .map(|s| s.name.to_string())
                .collect::<Vec<_>>()
        ),
        "[a-z][a-zA-Z0-9_]{0,6}\\.[a-zA-Z0-9_]{1,8}",
    ]
}

fn grants() -> impl Strategy<Value = Grants> {
    (
        any::<bool>(),
        proptest::collection::btree_set("[a-z][a-zA-Z]{0,8}", 0..3),
        proptest::collection::btree_set(request_name(), 0..4),
    )
        .prop_map(|(everything, namespaces, requests)| Grants {
            everything,
            namespaces,
            requests,
        })
        .prop_filter("an empty filter set cannot be written", |g| !g.is_empty())
}

fn keys() -> impl Strategy<Value = KeyAllowList> {
    prop_oneof![
        Just(KeyAllowList::Any),
        proptest::collection::btree_set(
            "[A-Za-z0-9_.#;=-][A-Za-z0-9_ .#=-]{0,8}[A-Za-z0-9_]|[A-Za-z]",
            0..5
        )
        .prop_map(KeyAllowList::Keys),
    ]
}

prop_compose! {
    fn any_policy()(
        origins in proptest::collection::vec((origin(), grants()), 0..6),
        option_origins in proptest::collection::vec(origin(), 0..3),
        global in any::<u32>(),
        // Limits are kept under current names: the parser files an alias's limit there.
        per_request in proptest::collection::btree_map(
            request_name().prop_filter("a current request name", |name| policy::canonical_name(name).is_none()),
            any::<u32>(),
            0..4,
        ),
        quarantine_delay_secs in any::<u32>(),
        read in keys(),
        write in keys(),
    ) -> Policy {
        Policy {
            origins: origins.into_iter().map(|(origin, grants)| OriginRule { origin, grants }).collect(),
            option_origins,
            rate_limits: RateLimits { global, per_request, quarantine_delay_secs },
            user_data: UserDataPolicy { read, write },
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(policy in any_policy()) {
        let printed = policy.to_string();
        let parsed = policy::parse(&printed).map_err(|e| TestCaseError::fail(format!("{e}\n{printed}")))?;
        prop_assert_eq!(parsed.policy, policy);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = policy::parse(&text);
    }

    #[test]
    fn parser_never_panics_on_option_shaped_text(
        key in prop_oneof![
            Just("service-client-api.accepted-web-content-origins".to_string()),
            Just("service-client-api.option.read-allowed-web-content-origin".to_string()),
            Just("service-client-api.user-data.read-allowed".to_string()),
            Just("service-client-api.rate-limit".to_string()),
            "service-client-api\\.[a-z.-]{0,20}",
        ],
        value in "[ a-zA-Z0-9:/.,()*@\\[\\]_?#é-]{0,80}",
    ) {
        if let Ok(parsed) = policy::parse(&format!("[interaction-workspace]\n{key}={value}\n")) {
            let reparsed = policy::parse(&parsed.policy.to_string());
            prop_assert_eq!(reparsed.map(|p| p.policy).ok(), Some(parsed.policy));
        }
    }

    #[test]
    fn decisions_never_panic(policy in any_policy(), origin in "\\PC{0,40}", request in "\\PC{0,30}", now in any::<u64>()) {
        let mut state = PolicyState::new(&policy);
        let _ = policy.explain(&mut state, &origin, &request, Timestamp::from_millis(now));
        let _ = policy.allowed_requests(&origin);
    }

    #[test]
    fn reported_origins_match_their_configured_form(pattern in origin()) {
        let OriginPattern::Exact(configured) = pattern else {
            return Ok(());
        };
        let text = configured.to_string();
        prop_assert!(configured.matches(&IncomingOrigin::parse(&text)), "{}", text);
        prop_assert!(configured.matches(&IncomingOrigin::parse(&text.to_uppercase())), "{}", text);
        for suffix in ["/", "/app", "?q", "#top", "\\x"] {
            let with_path = format!("{text}{suffix}");
            prop_assert_eq!(IncomingOrigin::parse(&with_path), IncomingOrigin::Unparseable, "{}", with_path);
        }
        let credentials = text.replacen("://", "://user@", 1);
        prop_assert_eq!(IncomingOrigin::parse(&credentials), IncomingOrigin::Unparseable);
    }
}
