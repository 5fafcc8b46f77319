//! From option lines to a [`Policy`]: option recognition, value grammars and lints.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::{ErrorKind, ParseErrors, PolicyError, Warning, WarningKind};
use super::optfile::{self, OptionLine, SECTION};
use super::origins::{self, JWT_REQUEST, OriginPattern, OriginRule, RuleSite};
use super::user_data::KeyAllowList;
use super::{Policy, option};
use crate::scapi::requests;

/// Collects errors and warnings, positioned relative to the option being read.
pub(crate) struct Diagnostics<'a> {
    errors: Vec<PolicyError>,
    warnings: Vec<Warning>,
    here: Option<OptionLine<'a>>,
}

impl<'a> Diagnostics<'a> {
    fn position(&self, offset: usize) -> (usize, usize, String) {
        match &self.here {
            Some(line) => {
                let (l, c) = line.at(offset);
                (l, c, line.key.to_string())
            }
            None => (1, 1, String::new()),
        }
    }

    /// Reports an error at a byte offset of the current value.
    pub(crate) fn error(&mut self, kind: ErrorKind, offset: usize, problem: String, hint: String) {
        let (line, column, option) = self.position(offset);
        self.errors.push(PolicyError {
            kind,
            line,
            column,
            option,
            problem,
            hint,
        });
    }

    /// Reports a warning at a byte offset of the current value.
    pub(crate) fn warning(
        &mut self,
        kind: WarningKind,
        offset: usize,
        message: String,
        hint: String,
    ) {
        let (line, column, option) = self.position(offset);
        self.warnings.push(Warning {
            kind,
            line,
            column,
            option,
            message,
            hint,
        });
    }

    fn warning_at(
        &mut self,
        at: OptionLine<'a>,
        offset: usize,
        kind: WarningKind,
        message: String,
        hint: String,
    ) {
        let saved = self.here.replace(at);
        self.warning(kind, offset, message, hint);
        self.here = saved;
    }

    /// Errors reported so far.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.len()
    }
}

/// A parsed option file: the policy and what a careful reader would point out.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The policy the file describes.
    pub policy: Policy,
    /// Non-fatal findings, in file order.
    pub warnings: Vec<Warning>,
}

/// Where the options that lints talk about were written.
#[derive(Default)]
struct Sites<'a> {
    origins: Option<(OptionLine<'a>, Vec<RuleSite>)>,
    rate_limits: BTreeMap<String, OptionLine<'a>>,
    read_allowed: Option<OptionLine<'a>>,
    write_allowed: Option<OptionLine<'a>>,
}

fn parse_number(value: &str, meaning_of_zero: &str, diags: &mut Diagnostics<'_>) -> Option<u32> {
    if !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && let Ok(number) = value.parse::<u32>()
    {
        return Some(number);
    }
    diags.error(
        ErrorKind::InvalidNumber,
        0,
        format!("`{value}` is not a whole number from 0 to {}", u32::MAX),
        format!("write a whole number; 0 means {meaning_of_zero}"),
    );
    None
}

fn parse_keys(value: &str, diags: &mut Diagnostics<'_>) -> Option<KeyAllowList> {
    if value == "*" {
        return Some(KeyAllowList::Any);
    }
    let mut keys = BTreeSet::new();
    if value.is_empty() {
        return Some(KeyAllowList::Keys(keys));
    }
    let errors_before = diags.error_count();
    let mut offset = 0;
    for item in value.split(',') {
        let lead = item.len() - item.trim_start().len();
        let key = item.trim();
        if key.is_empty() {
            diags.error(
                ErrorKind::EmptyEntry,
                offset,
                "empty key in the list".into(),
                "remove the extra comma".into(),
            );
        } else if key.contains('*') {
            diags.error(
                ErrorKind::WildcardKey,
                offset + lead,
                format!("`{key}` contains `*`"),
                "keys match exactly: write `*` alone to allow every key, or list the keys".into(),
            );
        } else {
            keys.insert(key.to_string());
        }
        offset += item.len() + 1;
    }
    (diags.error_count() == errors_before).then_some(KeyAllowList::Keys(keys))
}

/// Reads one recognised option into `policy`.
fn apply<'a>(
    line: OptionLine<'a>,
    policy: &mut Policy,
    sites: &mut Sites<'a>,
    diags: &mut Diagnostics<'a>,
) {
    let value = line.value;
    match line.key {
        option::ORIGINS => {
            if let Some((rules, rule_sites)) = origins::parse_rules(value, true, diags) {
                policy.origins = rules;
                sites.origins = Some((line, rule_sites));
            }
        }
        option::OPTION_ORIGINS => {
            if let Some((rules, _)) = origins::parse_rules(value, false, diags) {
                policy.option_origins = rules.into_iter().map(|rule| rule.origin).collect();
            }
        }
        option::RATE_LIMIT => {
            if let Some(limit) = parse_number(value, "unlimited", diags) {
                policy.rate_limits.global = limit;
            }
        }
        option::QUARANTINE => {
            if let Some(secs) = parse_number(value, "forever", diags) {
                policy.rate_limits.quarantine_delay_secs = secs;
            }
        }
        option::READ_ALLOWED => {
            if let Some(keys) = parse_keys(value, diags) {
                policy.user_data.read = keys;
                sites.read_allowed = Some(line);
            }
        }
        option::WRITE_ALLOWED => {
            if let Some(keys) = parse_keys(value, diags) {
                policy.user_data.write = keys;
                sites.write_allowed = Some(line);
            }
        }
        key => {
            let Some(request) = key.strip_prefix(option::RATE_LIMIT_PREFIX) else {
                diags.warning(
                    WarningKind::UnknownOption,
                    0,
                    format!("unknown option `{key}`; it is ignored"),
                    format!("recognised options: {}", option::ALL.join(", ")),
                );
                return;
            };
            if !origins::is_request_name(request) {
                diags.error(
                    ErrorKind::InvalidRequestName,
                    0,
                    format!("`{request}` is not a request name"),
                    format!(
                        "write `{}<namespace>.<method>=N`, e.g. `{}voice.dial=4`",
                        option::RATE_LIMIT_PREFIX,
                        option::RATE_LIMIT_PREFIX
                    ),
                );
                return;
            }
            if requests::lookup(request).is_none() {
                diags.warning(
                    WarningKind::UnknownRequest,
                    0,
                    format!("`{request}` is not a known request; the limit is kept"),
                    origins::unknown_request_hint(request),
                );
            }
            // A legacy alias is counted under the request it stands for, so its limit is
            // filed there too.
            let canonical = super::decide::canonical_name(request);
            let key = canonical.unwrap_or(request);
            if let Some(first) = sites.rate_limits.get(key) {
                diags.errors.push(PolicyError {
                    kind: ErrorKind::DuplicateOption,
                    line: line.line,
                    column: line.key_column,
                    option: line.key.to_string(),
                    problem: format!(
                        "this sets the limit of `{key}` again: line {} sets it with `{}`, and a legacy alias shares the limit of its request",
                        first.line, first.key
                    ),
                    hint: format!(
                        "keep one of the two lines, written as `{}{key}`",
                        option::RATE_LIMIT_PREFIX
                    ),
                });
                return;
            }
            if let Some(target) = canonical {
                diags.warning(
                    WarningKind::LegacyAliasLimit,
                    0,
                    format!(
                        "rate-limit.{request} names the legacy alias of {target}; the limit applies to {target} and all its aliases together"
                    ),
                    format!("write rate-limit.{target} (`{}{target}`)", option::RATE_LIMIT_PREFIX),
                );
            }
            if let Some(limit) = parse_number(value, "unlimited", diags) {
                policy
                    .rate_limits
                    .per_request
                    .insert(key.to_string(), limit);
                sites.rate_limits.insert(key.to_string(), line);
            }
        }
    }
}

/// Parses an option file into a policy, or every error found.
pub fn parse(text: &str) -> Result<Parsed, ParseErrors> {
    let mut diags = Diagnostics {
        errors: Vec::new(),
        warnings: Vec::new(),
        here: None,
    };
    let lines = optfile::lex(text, &mut diags.errors);
    let mut policy = Policy::default();
    let mut sites = Sites::default();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for line in lines {
        diags.here = Some(line);
        let scapi = line.key.starts_with(option::PREFIX);
        if !scapi {
            if line.key.to_ascii_lowercase().starts_with(option::PREFIX) {
                diags.warning(
                    WarningKind::UnknownOption,
                    0,
                    format!(
                        "`{}` is not recognised: option names are case-sensitive",
                        line.key
                    ),
                    format!("write `{}`", line.key.to_ascii_lowercase()),
                );
            }
            continue;
        }
        if line.section.is_some_and(|s| s != SECTION) {
            diags.warning(
                WarningKind::OptionOutsideSection,
                0,
                format!(
                    "ignored: the option is in `[{}]`",
                    line.section.unwrap_or_default()
                ),
                format!("move it to `[{SECTION}]`"),
            );
            continue;
        }
        if let Some(first) = seen.insert(line.key, line.line) {
            diags.errors.push(PolicyError {
                kind: ErrorKind::DuplicateOption,
                line: line.line,
                column: line.key_column,
                option: line.key.to_string(),
                problem: format!("the option is already set on line {first}"),
                hint: "keep one of the two lines".into(),
            });
            continue;
        }
        apply(line, &mut policy, &mut sites, &mut diags);
    }
    if !diags.errors.is_empty() {
        diags.errors.sort_by_key(|e| (e.line, e.column));
        return Err(ParseErrors(diags.errors));
    }
    lint(&policy, &sites, &mut diags);
    diags.warnings.sort_by_key(|w| (w.line, w.column));
    Ok(Parsed {
        policy,
        warnings: diags.warnings,
    })
}

/// Findings about a valid policy: broad grants and rules that can never apply.
fn lint<'a>(policy: &Policy, sites: &Sites<'a>, diags: &mut Diagnostics<'a>) {
    lint_origins(policy, sites, diags);
    lint_rate_limits(policy, sites, diags);
    if let (Some(line), KeyAllowList::Keys(_)) = (sites.read_allowed, &policy.user_data.read)
        && let Some(reader) = RECORD_READS.iter().find(|r| reachable(policy, r))
    {
        diags.warning_at(
            line,
            0,
            WarningKind::RecordFieldsUnfiltered,
            format!(
                "the list hides `userData` keys only: an origin may call {reader}, and outbound record fields (`GSW_*` and custom calling-list fields, also in the `chainedRecords` of interaction events) are not filtered"
            ),
            "keep record fields from a page by not granting it the outbound record requests; list only attached-data keys here".into(),
        );
    }
    if let (Some(line), KeyAllowList::Keys(_)) = (sites.write_allowed, &policy.user_data.write) {
        let writable = ["interaction.setUserData", "interaction.deleteUserData"];
        if !policy.origins.is_empty() && !writable.iter().any(|r| reachable(policy, r)) {
            diags.warning_at(
                line,
                0,
                WarningKind::UnreachableRule,
                "no origin may call interaction.setUserData or interaction.deleteUserData, so this list never applies".into(),
                "grant those requests to an origin, or remove the option".into(),
            );
        }
    }
}

/// The requests that read outbound record fields, which `user-data.read-allowed` does not
/// filter.
const RECORD_READS: [&str; 2] = ["outbound.getRecordFields", "outbound.getChainedRecords"];

fn reachable(policy: &Policy, request: &str) -> bool {
    let canonical = super::decide::canonical_name(request);
    policy
        .origins
        .iter()
        .any(|rule| rule.grants.grant(request, canonical).is_some())
}

fn lint_origins<'a>(policy: &Policy, sites: &Sites<'a>, diags: &mut Diagnostics<'a>) {
    let Some((line, rule_sites)) = &sites.origins else {
        diags.warnings.push(Warning {
            kind: WarningKind::NothingAccepted,
            line: 1,
            column: 1,
            option: option::ORIGINS.into(),
            message: "the option is not set, so no origin is accepted and every request is ignored"
                .into(),
            hint: format!("set `{}` to the origins of your pages", option::ORIGINS),
        });
        return;
    };
    let line = *line;
    if policy.origins.is_empty() {
        diags.warning_at(
            line,
            0,
            WarningKind::NothingAccepted,
            "the list is empty, so no origin is accepted and every request is ignored".into(),
            "list the origins of your pages".into(),
        );
    }
    for (index, (rule, site)) in policy.origins.iter().zip(rule_sites).enumerate() {
        let at = site.origin_offset;
        if let Some(first) = policy.origins[..index]
            .iter()
            .position(|r| r.origin == rule.origin)
        {
            diags.warning_at(
                line,
                at,
                WarningKind::DuplicateOrigin,
                format!(
                    "`{}` is listed again; this entry never applies (entry {} decides)",
                    rule.origin,
                    first + 1
                ),
                "merge the filters into the first entry and remove this one".into(),
            );
        }
        if rule.origin == OriginPattern::Any {
            diags.warning_at(
                line,
                at,
                WarningKind::AnyOrigin,
                "`*` lets any page use the API, including sandboxed and `file:` pages (origin `null`)".into(),
                "list the origins of your pages instead".into(),
            );
            if rule.grants.requests.contains(JWT_REQUEST) {
                diags.warning_at(
                    line,
                    at,
                    WarningKind::JwtReachableByAnyOrigin,
                    "`*` is granted auth.getJwtToken: any page can obtain the agent's token".into(),
                    "grant auth.getJwtToken only to named origins".into(),
                );
            }
        }
        lint_filters(rule, site, line, diags);
    }
}

fn lint_filters<'a>(
    rule: &OriginRule,
    site: &RuleSite,
    line: OptionLine<'a>,
    diags: &mut Diagnostics<'a>,
) {
    let grants = &rule.grants;
    let mut seen = BTreeSet::new();
    for (filter, offset) in &site.filters {
        let covered_by = if !seen.insert(filter.as_str()) {
            Some("the same filter earlier in the list".to_string())
        } else if filter == "*" || filter == JWT_REQUEST {
            None
        } else if grants.everything {
            Some("`*`".to_string())
        } else if let Some((ns, method)) = filter.split_once('.') {
            (method != "*" && grants.namespaces.contains(ns)).then(|| format!("`{ns}.*`"))
        } else {
            None
        };
        if let Some(covered_by) = covered_by {
            diags.warning_at(
                line,
                *offset,
                WarningKind::RedundantFilter,
                format!("`{filter}` never adds anything: {covered_by} already grants it"),
                "remove the filter".into(),
            );
        }
    }
}

fn lint_rate_limits<'a>(policy: &Policy, sites: &Sites<'a>, diags: &mut Diagnostics<'a>) {
    let limits = &policy.rate_limits;
    for (request, line) in &sites.rate_limits {
        let limit = limits.limit_for(request);
        if limit > 0 && limits.global > 0 && limit >= limits.global {
            diags.warning_at(
                *line,
                0,
                WarningKind::LimitNeverBinds,
                format!(
                    "{limit} per minute never binds: the global limit of {} is always reached first",
                    limits.global
                ),
                format!("lower it below {}, or remove it", limits.global),
            );
        }
        if !policy.origins.is_empty() && !reachable(policy, request) {
            diags.warning_at(
                *line,
                0,
                WarningKind::UnreachableRule,
                format!("no origin may call `{request}`, so this limit never applies"),
                "grant the request to an origin, or remove the limit".into(),
            );
        }
    }
}
