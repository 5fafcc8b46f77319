//! The `accepted-web-content-origins` grammar: origins, each with an optional filter list.
//!
//! ```text
//! value  := "" | entry ( "," entry )*
//! entry  := ( "*" | origin ) [ "(" filter ( "," filter )* ")" ]
//! filter := "*" | request-name | namespace ".*"
//! ```

use std::collections::BTreeSet;
use std::fmt;

use super::diagnostic::{ErrorKind, WarningKind};
use super::origin::{IncomingOrigin, Origin};
use super::parse::Diagnostics;
use crate::scapi::requests::{self, Namespace};

/// The request that a filter grants only when it names it.
pub const JWT_REQUEST: &str = "auth.getJwtToken";

/// Which pages an entry applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPattern {
    /// `*`: every page, including opaque (`null`) origins.
    Any,
    /// One origin, matched exactly after normalisation.
    Exact(Origin),
}

impl OriginPattern {
    /// Whether a reported origin falls under this pattern.
    pub fn matches(&self, incoming: &IncomingOrigin<'_>) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(origin) => origin.matches(incoming),
        }
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Exact(origin) => origin.fmt(f),
        }
    }
}

/// The requests an entry grants: the union of its filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// `*` (or no filter list): every request except [`JWT_REQUEST`].
    pub everything: bool,
    /// `namespace.*` filters (namespace spelling as written).
    pub namespaces: BTreeSet<String>,
    /// Full request names.
    pub requests: BTreeSet<String>,
}

/// Which filter of an entry granted a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantedBy<'p> {
    /// The filter names the request.
    Name(&'p str),
    /// The filter names the current request that this legacy alias stands for.
    AliasOf(&'p str),
    /// A `namespace.*` filter.
    Namespace(&'p str),
    /// `*` or an entry without filters.
    Everything,
}

impl fmt::Display for GrantedBy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => write!(f, "the filter `{name}`"),
            Self::AliasOf(name) => write!(f, "the filter `{name}` (legacy alias)"),
            Self::Namespace(ns) => write!(f, "the filter `{ns}.*`"),
            Self::Everything => f.write_str("`*` (every request except auth.getJwtToken)"),
        }
    }
}

impl Grants {
    /// Every request except [`JWT_REQUEST`], as an entry without filters grants.
    pub fn everything() -> Self {
        Self {
            everything: true,
            ..Self::default()
        }
    }

    /// Whether no filter is present (not writable in an option file).
    pub fn is_empty(&self) -> bool {
        !self.everything && self.namespaces.is_empty() && self.requests.is_empty()
    }

    /// The filter granting `request`, if any. `canonical` is the current name when
    /// `request` is a legacy alias. [`JWT_REQUEST`] is granted only by name.
    pub fn grant(&self, request: &str, canonical: Option<&'static str>) -> Option<GrantedBy<'_>> {
        if let Some(name) = self.requests.get(request) {
            return Some(GrantedBy::Name(name));
        }
        if let Some(name) = canonical.and_then(|c| self.requests.get(c)) {
            return Some(GrantedBy::AliasOf(name));
        }
        if request == JWT_REQUEST {
            return None;
        }
        let namespace = request.split_once('.').map_or(request, |(ns, _)| ns);
        if let Some(ns) = self.namespaces.get(namespace) {
            return Some(GrantedBy::Namespace(ns));
        }
        self.everything.then_some(GrantedBy::Everything)
    }

    /// Whether the filter list would grant [`JWT_REQUEST`] if it were not special.
    pub(crate) fn broadly_covers_jwt(&self) -> bool {
        self.everything || self.namespaces.contains("auth")
    }

    fn is_plain_everything(&self) -> bool {
        self.everything && self.namespaces.is_empty() && self.requests.is_empty()
    }
}

impl fmt::Display for Grants {
    /// The canonical filter list: `*` first, then namespaces, then names; nothing for a
    /// plain `*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plain_everything() {
            return Ok(());
        }
        let items = self
            .everything
            .then(|| "*".to_string())
            .into_iter()
            .chain(self.namespaces.iter().map(|ns| format!("{ns}.*")))
            .chain(self.requests.iter().cloned());
        f.write_str(" (")?;
        for (index, item) in items.enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&item)?;
        }
        f.write_str(")")
    }
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRule {
    /// Which pages it applies to.
    pub origin: OriginPattern,
    /// What they may call.
    pub grants: Grants,
}

impl fmt::Display for OriginRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.grants)
    }
}

/// Where an entry and its filters were written, for lints.
#[derive(Debug, Clone)]
pub(crate) struct RuleSite {
    pub(crate) origin_offset: usize,
    /// Each filter as written, with its offset.
    pub(crate) filters: Vec<(String, usize)>,
}

/// One comma-separated entry before interpretation.
struct RawEntry<'a> {
    origin: &'a str,
    origin_offset: usize,
    filters: Option<Vec<(&'a str, usize)>>,
}

fn trim_at(text: &str, offset: usize) -> (&str, usize) {
    let start = text.len() - text.trim_start().len();
    (text.trim(), offset + start)
}

/// Splits the value into entries, honouring parentheses.
fn split_entries<'a>(value: &'a str, diags: &mut Diagnostics<'_>) -> Option<Vec<RawEntry<'a>>> {
    let mut entries = Vec::new();
    let bytes = value.as_bytes();
    let mut pos = 0;
    let mut ok = true;
    loop {
        let start = pos;
        while pos < bytes.len() && !matches!(bytes[pos], b',' | b'(' | b')') {
            pos += 1;
        }
        let (origin, origin_offset) = trim_at(&value[start..pos], start);
        let mut filters = None;
        if pos < bytes.len() && bytes[pos] == b')' {
            diags.error(
                ErrorKind::UnbalancedParenthesis,
                pos,
                "`)` without a matching `(`".into(),
                "open the filter list with `(` right after the origin".into(),
            );
            return None;
        }
        if pos < bytes.len() && bytes[pos] == b'(' {
            let open = pos;
            pos += 1;
            let mut items = Vec::new();
            let mut item_start = pos;
            loop {
                match bytes.get(pos) {
                    None => {
                        diags.error(
                            ErrorKind::UnbalancedParenthesis,
                            open,
                            "`(` is never closed".into(),
                            "close the filter list with `)`".into(),
                        );
                        return None;
                    }
                    Some(b'(') => {
                        diags.error(
                            ErrorKind::UnbalancedParenthesis,
                            pos,
                            "nested `(` inside a filter list".into(),
                            "filters are request names or `namespace.*`; close the list with `)` before the next origin".into(),
                        );
                        return None;
                    }
                    Some(b',') | Some(b')') => {
                        items.push(trim_at(&value[item_start..pos], item_start));
                        let closing = bytes[pos] == b')';
                        pos += 1;
                        item_start = pos;
                        if closing {
                            break;
                        }
                    }
                    Some(_) => pos += 1,
                }
            }
            filters = Some(items);
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos < bytes.len() && bytes[pos] != b',' {
                diags.error(
                    ErrorKind::ExpectedComma,
                    pos,
                    "expected `,` after the filter list".into(),
                    "separate entries with commas".into(),
                );
                ok = false;
                while pos < bytes.len() && bytes[pos] != b',' {
                    pos += 1;
                }
            }
        }
        entries.push(RawEntry {
            origin,
            origin_offset,
            filters,
        });
        if pos >= bytes.len() {
            break;
        }
        pos += 1; // the comma
    }
    ok.then_some(entries)
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `text` has the shape of a request name (`namespace.method`, dots between
/// identifiers).
pub(crate) fn is_request_name(text: &str) -> bool {
    text.contains('.') && text.split('.').all(is_identifier)
}

/// The known request an unknown name most likely meant, for "did you mean" hints: the
/// request spelled the same but for letter case first, then a request the name ends with
/// (`wwe.voice.dial`), then the closest name within two edits (letters changed, added,
/// removed or swapped, ignoring case). Ties go to the earlier request of the table.
/// `None` for a known name and for names too far from any request.
pub fn closest_request(name: &str) -> Option<&'static str> {
    if requests::lookup(name).is_some() {
        return None;
    }
    let table = requests::REQUESTS.iter().map(|spec| spec.name);
    if let Some(same) = table.clone().find(|known| known.eq_ignore_ascii_case(name)) {
        return Some(same);
    }
    if let Some(suffix) = table.clone().find(|known| {
        name.strip_suffix(known)
            .is_some_and(|rest| rest.ends_with('.'))
    }) {
        return Some(suffix);
    }
    let lowered: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Two edits, but never more than a third of the name: `a.b` is close to nothing.
    let budget = 2.min(lowered.len() / 3);
    table
        .filter_map(|known| {
            let known_chars: Vec<char> = known.chars().map(|c| c.to_ascii_lowercase()).collect();
            let distance = edit_distance(&lowered, &known_chars, budget)?;
            Some((distance, known))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Optimal-string-alignment distance between `a` and `b` (a swap of neighbours is one
/// edit), or `None` when it exceeds `budget`.
fn edit_distance(a: &[char], b: &[char], budget: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > budget {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![0usize; width * (a.len() + 1)];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    let distance = rows[a.len() * width + b.len()];
    (distance <= budget).then_some(distance)
}

/// A hint for an unknown request name: the known request it may have meant.
pub(crate) fn unknown_request_hint(name: &str) -> String {
    match closest_request(name) {
        Some(known) => format!("did you mean `{known}`?"),
        None => "check the spelling against the request list; the filter is kept".into(),
    }
}

/// Adds one filter to `grants`, reporting problems.
fn add_filter(grants: &mut Grants, filter: &str, offset: usize, diags: &mut Diagnostics<'_>) {
    if filter.is_empty() {
        diags.error(
            ErrorKind::EmptyFilter,
            offset,
            "empty filter".into(),
            "remove the extra comma, or drop `()` to allow every request".into(),
        );
    } else if filter == "*" {
        grants.everything = true;
    } else if filter.starts_with('*') {
        let rest = filter.trim_start_matches(['*', '.']);
        diags.error(
            ErrorKind::LeadingWildcard,
            offset,
            format!("`{filter}` starts with a wildcard"),
            format!(
                "wildcards only end a namespace: name the request (e.g. `voice.{rest}`) or its namespace (`voice.*`)"
            ),
        );
    } else if let Some(namespace) = filter.strip_suffix(".*") {
        if !is_identifier(namespace) {
            diags.error(
                ErrorKind::PartialWildcard,
                offset,
                format!("`{filter}` is not `namespace.*`"),
                "write a namespace such as `agent.*`".into(),
            );
            return;
        }
        if Namespace::parse(namespace).is_none() {
            let known: Vec<&str> = Namespace::ALL.iter().map(|ns| ns.as_str()).collect();
            diags.warning(
                WarningKind::UnknownNamespace,
                offset,
                format!("`{namespace}` is not a Service Client API namespace"),
                format!("known namespaces: {}", known.join(", ")),
            );
        }
        grants.namespaces.insert(namespace.to_string());
    } else if filter.contains('*') {
        diags.error(
            ErrorKind::PartialWildcard,
            offset,
            format!("`{filter}` uses `*` inside a name"),
            "list each request by its full name, or grant the namespace with `namespace.*`".into(),
        );
    } else if is_request_name(filter) {
        if requests::lookup(filter).is_none() {
            diags.warning(
                WarningKind::UnknownRequest,
                offset,
                format!("`{filter}` is not a known request"),
                unknown_request_hint(filter),
            );
        }
        grants.requests.insert(filter.to_string());
    } else {
        diags.error(
            ErrorKind::InvalidFilter,
            offset,
            format!("`{filter}` is not a request name"),
            "write `*`, a full request name such as `voice.dial`, or `namespace.*`".into(),
        );
    }
}

/// Parses an `accepted-web-content-origins` value. `allow_filters` is false for
/// origin-only lists (`option.read-allowed-web-content-origin`).
pub(crate) fn parse_rules(
    value: &str,
    allow_filters: bool,
    diags: &mut Diagnostics<'_>,
) -> Option<(Vec<OriginRule>, Vec<RuleSite>)> {
    if value.trim().is_empty() {
        return Some((Vec::new(), Vec::new()));
    }
    let entries = split_entries(value, diags)?;
    let errors_before = diags.error_count();
    let mut rules = Vec::new();
    let mut sites = Vec::new();
    for entry in entries {
        if entry.origin.is_empty() {
            diags.error(
                ErrorKind::EmptyEntry,
                entry.origin_offset,
                "empty entry in the origin list".into(),
                "remove the extra comma; each entry starts with an origin".into(),
            );
            continue;
        }
        let origin = if entry.origin == "*" {
            OriginPattern::Any
        } else {
            match Origin::parse(entry.origin) {
                Ok(origin) => OriginPattern::Exact(origin),
                Err(error) => {
                    diags.error(
                        error.kind,
                        entry.origin_offset + error.offset,
                        error.problem,
                        error.hint,
                    );
                    continue;
                }
            }
        };
        let mut grants = Grants::default();
        let mut site = RuleSite {
            origin_offset: entry.origin_offset,
            filters: Vec::new(),
        };
        match entry.filters {
            None => grants.everything = true,
            Some(_) if !allow_filters => {
                diags.error(
                    ErrorKind::UnexpectedFilter,
                    entry.origin_offset,
                    "this option lists origins only".into(),
                    "remove the parenthesised filter list".into(),
                );
                continue;
            }
            Some(filters) => {
                for (filter, offset) in filters {
                    add_filter(&mut grants, filter, offset, diags);
                    site.filters.push((filter.to_string(), offset));
                }
            }
        }
        rules.push(OriginRule { origin, grants });
        sites.push(site);
    }
    (diags.error_count() == errors_before).then_some((rules, sites))
}
