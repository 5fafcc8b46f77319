//! Expectations about traffic and the desktop: met, or a report of what was seen instead.

use agentdesk_protocol::emulator::relay::{TraceDirection, Verdict};
use agentdesk_protocol::emulator::test_file::{Expectation, Match};
use serde_json::Value;

use super::traffic::{Seen, compact, verdict_name};

/// How many seen messages a failure report lists (the latest ones).
const LISTED: usize = 12;

/// Checks a traffic expectation against everything seen; `Err` says what was expected and
/// what was seen instead. `None`: not a traffic expectation.
pub(crate) fn check_traffic(
    expectation: &Expectation,
    seen: &[Seen],
) -> Option<Result<(), String>> {
    let result = match expectation {
        Expectation::Request {
            name,
            parameters,
            at,
            match_,
            verdict,
            origin,
            count,
            ..
        } => {
            let wanted = |s: &&Seen| {
                s.request_name() == Some(name.as_str())
                    && verdict.is_none_or(|v| v == s.verdict)
                    && origin_matches(origin.as_deref(), s)
                    && parameters_match(s, parameters.as_ref(), at, *match_)
            };
            let needed = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
            if seen.iter().filter(wanted).count() >= needed {
                Ok(())
            } else {
                let mut expected = match count {
                    Some(count) => format!("{count} requests {name}"),
                    None => format!("request {name}"),
                };
                if let Some(parameters) = parameters {
                    expected.push_str(&format!(
                        " with parameters {} ({})",
                        compact(parameters),
                        match_name(*match_)
                    ));
                }
                for (pointer, value) in at {
                    expected.push_str(&format!(", {pointer} = {}", compact(value)));
                }
                if let Some(verdict) = verdict {
                    expected.push_str(&format!(", {}", verdict_name(*verdict)));
                }
                if let Some(origin) = origin {
                    expected.push_str(&format!(", from {origin}"));
                }
                Err(report(
                    &expected,
                    "requests",
                    seen.iter().filter(|s| s.is_request()),
                ))
            }
        }
        Expectation::Subscription { topics, origin, .. } => {
            let subscribed: Vec<String> = seen
                .iter()
                .filter(|s| {
                    is_subscribe(s)
                        && s.verdict == Verdict::Accepted
                        && origin_matches(origin.as_deref(), s)
                })
                .flat_map(|s| topics_of(&s.message))
                .collect();
            if topics.iter().all(|topic| subscribed.contains(topic)) {
                Ok(())
            } else {
                let expected = format!("a subscription to {}", topics.join(", "));
                Err(report(
                    &expected,
                    "subscriptions",
                    seen.iter().filter(|s| is_subscribe(s)),
                ))
            }
        }
        Expectation::Broadcast {
            channel,
            message,
            match_,
            ..
        } => {
            let wanted = |s: &Seen| {
                s.request_name() == Some("messenger.broadcastMessage")
                    && s.verdict == Verdict::Allowed
                    && broadcast_matches(s, channel, message.as_ref(), *match_)
            };
            if seen.iter().any(wanted) {
                Ok(())
            } else {
                let mut expected = format!("a broadcast on channel {channel:?}");
                if let Some(message) = message {
                    expected.push_str(&format!(
                        " of {} ({})",
                        compact(message),
                        match_name(*match_)
                    ));
                }
                Err(report(
                    &expected,
                    "requests",
                    seen.iter().filter(|s| s.is_request()),
                ))
            }
        }
        Expectation::Answer {
            name,
            failed,
            data,
            match_,
            ..
        } => {
            let verdict = if *failed {
                Verdict::Failed
            } else {
                Verdict::Answered
            };
            let key = if *failed { "errorMessage" } else { "data" };
            let wanted = |s: &Seen| {
                s.direction == TraceDirection::Outbound
                    && s.verdict == verdict
                    && s.reason == *name
                    && data.as_ref().is_none_or(|want| {
                        match_.matches(want, s.message.get(key).unwrap_or(&Value::Null))
                    })
            };
            if seen.iter().any(wanted) {
                Ok(())
            } else {
                let mut expected = format!(
                    "{} to {name}",
                    if *failed { "a failure" } else { "a success" }
                );
                if let Some(data) = data {
                    expected.push_str(&format!(
                        " with {key} {} ({})",
                        compact(data),
                        match_name(*match_)
                    ));
                }
                let answers = seen.iter().filter(|s| {
                    s.direction == TraceDirection::Outbound
                        && matches!(s.verdict, Verdict::Answered | Verdict::Failed)
                });
                Err(report(&expected, "answers", answers))
            }
        }
        Expectation::Event {
            event,
            data,
            match_,
            ..
        } => {
            let wanted = |s: &Seen| {
                s.direction == TraceDirection::Outbound
                    && s.verdict == Verdict::Delivered
                    && s.message.get("event").and_then(Value::as_str) == Some(event.as_str())
                    && data.as_ref().is_none_or(|want| {
                        match_.matches(want, s.message.get("data").unwrap_or(&Value::Null))
                    })
            };
            if seen.iter().any(wanted) {
                Ok(())
            } else {
                let mut expected = format!("event {event}");
                if let Some(data) = data {
                    expected.push_str(&format!(
                        " with data {} ({})",
                        compact(data),
                        match_name(*match_)
                    ));
                }
                let events = seen.iter().filter(|s| {
                    s.direction == TraceDirection::Outbound && s.verdict == Verdict::Delivered
                });
                Err(report(&expected, "events delivered", events))
            }
        }
        Expectation::NoRefusal { except } => {
            let refused: Vec<&Seen> = seen
                .iter()
                .filter(|s| s.direction == TraceDirection::Inbound)
                .filter(|s| {
                    matches!(
                        s.verdict,
                        Verdict::Denied | Verdict::Ignored | Verdict::Dropped
                    )
                })
                .filter(|s| {
                    !s.request_name()
                        .is_some_and(|name| except.iter().any(|e| e == name))
                })
                .collect();
            if refused.is_empty() {
                Ok(())
            } else {
                Err(report(
                    "no refused message",
                    "refusals",
                    refused.into_iter(),
                ))
            }
        }
        _ => return None,
    };
    Some(result)
}

/// Checks a desktop-state expectation against `state` (the JSON of `GET /api/state`).
pub(crate) fn check_state(
    pointer: &str,
    equals: &Value,
    match_: Match,
    state: &Value,
) -> Result<(), String> {
    match state.pointer(pointer) {
        Some(value) if match_.matches(equals, value) => Ok(()),
        Some(value) => Err(format!(
            "expected the desktop to show {} at {pointer} ({}), it shows {}",
            compact(equals),
            match_name(match_),
            compact(value)
        )),
        None => Err(format!(
            "expected the desktop to show {} at {pointer}, there is nothing there; the desktop: {}",
            compact(equals),
            compact(state)
        )),
    }
}

fn report<'a>(expected: &str, kind: &str, seen: impl Iterator<Item = &'a Seen>) -> String {
    let seen: Vec<&Seen> = seen.collect();
    let mut text = format!("expected: {expected}\n");
    if seen.is_empty() {
        text.push_str(&format!("seen: no {kind}"));
        return text;
    }
    text.push_str(&format!("seen {} {kind}", seen.len()));
    if seen.len() > LISTED {
        text.push_str(&format!(" (the last {LISTED})"));
    }
    text.push(':');
    for s in &seen[seen.len().saturating_sub(LISTED)..] {
        text.push_str("\n  ");
        text.push_str(&s.summary());
    }
    text
}

fn match_name(match_: Match) -> &'static str {
    match match_ {
        Match::Partial => "partial",
        Match::Exact => "exact",
    }
}

fn origin_matches(origin: Option<&str>, seen: &Seen) -> bool {
    origin.is_none_or(|origin| seen.origin == origin)
}

fn parameters_match(
    seen: &Seen,
    parameters: Option<&Value>,
    at: &std::collections::BTreeMap<String, Value>,
    match_: Match,
) -> bool {
    let sent = seen.message.get("parameters").unwrap_or(&Value::Null);
    parameters.is_none_or(|want| match_.matches(want, sent))
        && at.iter().all(|(pointer, want)| {
            sent.pointer(pointer)
                .is_some_and(|got| match_.matches(want, got))
        })
}

fn broadcast_matches(seen: &Seen, channel: &str, message: Option<&Value>, match_: Match) -> bool {
    let parameters = seen.message.get("parameters");
    let sent_channel = parameters.and_then(|p| p.get(0)).and_then(Value::as_str);
    let sent_message = parameters.and_then(|p| p.get(1)).unwrap_or(&Value::Null);
    sent_channel == Some(channel) && message.is_none_or(|want| match_.matches(want, sent_message))
}

fn is_subscribe(seen: &Seen) -> bool {
    seen.direction == TraceDirection::Inbound
        && seen.message.get("event").and_then(Value::as_str) == Some("subscribe")
}

/// The topics of a subscribe message: `data` is one topic or a list of them.
fn topics_of(message: &Value) -> Vec<String> {
    match message.get("data") {
        Some(Value::String(topic)) => vec![topic.clone()],
        Some(Value::Array(topics)) => topics
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn inbound(message: Value, verdict: Verdict) -> Seen {
        Seen {
            origin: "http://app.test".into(),
            direction: TraceDirection::Inbound,
            verdict,
            reason: "rule".into(),
            message,
        }
    }

    fn request(expectation: Value) -> Expectation {
        serde_json::from_value(expectation).expect("an expectation")
    }

    #[test]
    fn a_request_matches_by_name_parameters_pointer_and_verdict() {
        let seen = [inbound(
            json!({"request": "interaction.setUserData", "parameters": ["1", {"Note": "VIP", "X": 1}]}),
            Verdict::Allowed,
        )];
        let met = request(
            json!({"expect": "request", "name": "interaction.setUserData",
            "parameters": ["1"], "at": {"/1/Note": "VIP"}, "verdict": "allowed"}),
        );
        assert_eq!(check_traffic(&met, &seen), Some(Ok(())));
        let wrong_verdict = request(
            json!({"expect": "request", "name": "interaction.setUserData", "verdict": "denied"}),
        );
        let report = check_traffic(&wrong_verdict, &seen)
            .and_then(Result::err)
            .expect("unmet");
        assert!(
            report.contains("expected: request interaction.setUserData, denied"),
            "{report}"
        );
        assert!(
            report.contains("allowed   interaction.setUserData [\"1\""),
            "{report}"
        );
    }

    #[test]
    fn no_refusal_lists_the_refused_and_honours_except() {
        let seen = [inbound(
            json!({"request": "voice.dial", "parameters": []}),
            Verdict::Denied,
        )];
        let strict = request(json!({"expect": "no-refusal"}));
        let report = check_traffic(&strict, &seen)
            .and_then(Result::err)
            .expect("unmet");
        assert!(report.contains("denied    voice.dial"), "{report}");
        let lenient = request(json!({"expect": "no-refusal", "except": ["voice.dial"]}));
        assert_eq!(check_traffic(&lenient, &seen), Some(Ok(())));
    }

    #[test]
    fn a_subscription_needs_every_topic_accepted() {
        let seen = [inbound(
            json!({"event": "subscribe", "data": ["agent", "interaction"]}),
            Verdict::Accepted,
        )];
        assert_eq!(
            check_traffic(
                &request(json!({"expect": "subscription", "topics": ["interaction"]})),
                &seen
            ),
            Some(Ok(()))
        );
        assert!(matches!(
            check_traffic(
                &request(json!({"expect": "subscription", "topics": ["outbound"]})),
                &seen
            ),
            Some(Err(_))
        ));
    }

    #[test]
    fn state_reports_what_the_desktop_shows() {
        let state = json!({"interactions": [{"userData": {"Note": "other"}}]});
        let error = check_state(
            "/interactions/0/userData/Note",
            &json!("VIP"),
            Match::Partial,
            &state,
        )
        .unwrap_err();
        assert!(error.contains("it shows \"other\""), "{error}");
        assert!(
            check_state(
                "/interactions/0/userData/Note",
                &json!("other"),
                Match::Exact,
                &state
            )
            .is_ok()
        );
    }
}
