//! `options check` and `options explain`: the option file on the command line.
//!
//! Exit statuses are a contract relied on by external checks: `check` exits 0 when the
//! file parses (warnings allowed) and 1 on errors; `explain` exits 0 when the request is
//! allowed, 1 when it is denied or ignored, and 2 when there is no decision to give: the
//! file cannot be read or parsed, or the request is not one the Service Client API knows
//! (a misspelt name such as `Auth.getJwtToken`, with the closest known name suggested).

use std::io::Write;
use std::path::Path;

use agentdesk_protocol::config;
use agentdesk_protocol::policy::{self, Parsed, PolicyState, Timestamp};
use agentdesk_protocol::scapi::requests;

/// `check`: the file parses.
pub(crate) const CHECK_OK: u8 = 0;
/// `check`: the file has errors or cannot be read.
pub(crate) const CHECK_ERRORS: u8 = 1;
/// `explain`: the request is allowed.
pub(crate) const ALLOWED: u8 = 0;
/// `explain`: the request is denied or ignored.
pub(crate) const DENIED: u8 = 1;
/// `explain`: the file cannot be read or parsed, or the request name is unknown, so
/// there is no decision.
pub(crate) const UNUSABLE: u8 = 2;

fn read(path: &Path, err: &mut impl Write) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) => {
            let _ = writeln!(err, "error: cannot read {}: {error}", path.display());
            None
        }
    }
}

/// Parses `text`, reporting errors and warnings (prefixed with `name`) on `err`.
fn parse_reporting(name: &str, text: &str, err: &mut impl Write) -> Option<Parsed> {
    match policy::parse(text) {
        Ok(parsed) => {
            for warning in &parsed.warnings {
                let _ = writeln!(err, "warning: {name}: {warning}");
            }
            Some(parsed)
        }
        Err(errors) => {
            for error in &errors.0 {
                let _ = writeln!(err, "error: {name}: {error}");
            }
            None
        }
    }
}

/// `options check` on option-file text: canonical policy on `out`, diagnostics on `err`:
/// those of the security options, then those of the views and behaviour options (a view
/// whose origin the policy does not accept, a view section that is missing, ...).
pub(crate) fn check(name: &str, text: &str, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let Some(parsed) = parse_reporting(name, text, err) else {
        return CHECK_ERRORS;
    };
    let configuration_warnings = match config::parse(text) {
        Ok(configuration) => configuration.warnings,
        // The security options parsed above; the configuration reads the same file.
        Err(_) => Vec::new(),
    };
    for warning in &configuration_warnings {
        let _ = writeln!(err, "warning: {name}: {warning}");
    }
    let _ = write!(out, "{}", parsed.policy);
    let warnings = parsed.warnings.len() + configuration_warnings.len();
    let _ = writeln!(err, "{name}: ok, {warnings} warning(s)");
    CHECK_OK
}

/// `options check FILE`.
pub(crate) fn check_file(path: &Path, out: &mut impl Write, err: &mut impl Write) -> u8 {
    match read(path, err) {
        Some(text) => check(&path.display().to_string(), &text, out, err),
        None => CHECK_ERRORS,
    }
}

/// Reports an unknown request name on `err`, with the known name it most likely meant.
fn unknown_request(request: &str, err: &mut impl Write) {
    let _ = match policy::closest_request(request) {
        Some(known) => writeln!(
            err,
            "error: `{request}` is not a known request (names are case-sensitive); did you mean `{known}`?"
        ),
        None => writeln!(
            err,
            "error: `{request}` is not a known request; write a full request name such as `voice.dial`"
        ),
    };
}

/// `options explain` on option-file text: the decision for the first request of a fresh
/// session (no rate limit has been reached), and the rule that made it. An unknown request
/// name gets no decision ([`UNUSABLE`]): a policy would let a misspelt name through to be
/// refused as unknown later, which says nothing about the request that was meant.
pub(crate) fn explain(
    name: &str,
    text: &str,
    origin: &str,
    request: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let Some(parsed) = parse_reporting(name, text, err) else {
        return UNUSABLE;
    };
    if requests::lookup(request).is_none() {
        unknown_request(request, err);
        return UNUSABLE;
    }
    let policy = parsed.policy;
    let mut state = PolicyState::new(&policy);
    let explanation = policy.explain(&mut state, origin, request, Timestamp::default());
    let _ = writeln!(out, "origin: {origin}");
    let _ = writeln!(out, "request: {request}");
    let _ = writeln!(out, "decision: {}", explanation.decision);
    let _ = writeln!(out, "rule: {}", explanation.rule);
    if explanation.decision.is_allowed() {
        ALLOWED
    } else {
        DENIED
    }
}

/// `options explain FILE --origin ORIGIN --request NAME`.
pub(crate) fn explain_file(
    path: &Path,
    origin: &str,
    request: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    match read(path, err) {
        Some(text) => explain(
            &path.display().to_string(),
            &text,
            origin,
            request,
            out,
            err,
        ),
        None => UNUSABLE,
    }
}
