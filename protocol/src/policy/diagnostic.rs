//! Errors and warnings of the option-file parser, each with a position and a fix.

use std::fmt;

/// What went wrong in an option file; the [`PolicyError`] around it says where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A line that is neither `key=value`, `[section]`, a comment nor blank.
    MissingEquals,
    /// A `[section` header without its closing bracket, or an empty name.
    MalformedSection,
    /// A line starting with `=`.
    EmptyKey,
    /// The same `service-client-api.*` option set twice in the effective section.
    DuplicateOption,
    /// A number option whose value is not an integer in range.
    InvalidNumber,
    /// `(` without `)`, `)` without `(`, or nested parentheses.
    UnbalancedParenthesis,
    /// `()` or an empty item inside a filter list.
    EmptyFilter,
    /// A filter starting with a wildcard, such as `*.dial`.
    LeadingWildcard,
    /// A wildcard that is neither the whole filter nor a `namespace.*` suffix.
    PartialWildcard,
    /// A filter that is not a request name.
    InvalidFilter,
    /// An empty item in a comma-separated list (`a,,b`, leading or trailing comma).
    EmptyEntry,
    /// An origin without `scheme://`.
    MissingScheme,
    /// A scheme other than `http` or `https`.
    UnknownScheme,
    /// An origin followed by a path, query or fragment.
    OriginWithPath,
    /// An origin with `user:password@`.
    OriginWithUserinfo,
    /// A host name that is empty, contains a wildcard or an invalid character.
    InvalidHost,
    /// A port that is empty, not a number or above 65535.
    InvalidPort,
    /// The opaque origin `null` listed as if it were an origin.
    OpaqueOrigin,
    /// Something after a `)` other than a comma.
    ExpectedComma,
    /// A filter list where the option takes none.
    UnexpectedFilter,
    /// A user-data key list that mixes `*` with keys, or a key containing `*`.
    WildcardKey,
    /// A `rate-limit.<request>` option whose request part is not a request name.
    InvalidRequestName,
}

/// A fatal problem in an option file: the policy is not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {option}: {problem}; fix: {hint}")]
pub struct PolicyError {
    /// Classification, for programs.
    pub kind: ErrorKind,
    /// 1-based line in the option file.
    pub line: usize,
    /// 1-based column (in characters) where the problem starts.
    pub column: usize,
    /// The option (or `[section]`) the problem is in.
    pub option: String,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

/// Every error of one parse, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseErrors(pub Vec<PolicyError>);

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for error in &self.0 {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "error: {error}")?;
        }
        Ok(())
    }
}

/// What a [`Warning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WarningKind {
    /// A `service-client-api.*` key this crate does not know.
    UnknownOption,
    /// A `service-client-api.*` key in a section other than `[interaction-workspace]`.
    OptionOutsideSection,
    /// A filter or rate limit naming a request missing from the request table.
    UnknownRequest,
    /// A `rate-limit.<request>` written under a legacy alias; it applies to the current
    /// request the alias stands for.
    LegacyAliasLimit,
    /// A `namespace.*` filter naming an unknown namespace.
    UnknownNamespace,
    /// The origin `*`: any page, including opaque (`null`) origins, may use the API.
    AnyOrigin,
    /// `auth.getJwtToken` granted to `*`: any page may obtain the agent's token.
    JwtReachableByAnyOrigin,
    /// An origin listed twice; the later entry never applies.
    DuplicateOrigin,
    /// A filter already covered by another filter of the same entry.
    RedundantFilter,
    /// A per-request limit that the global limit always reaches first.
    LimitNeverBinds,
    /// A rate limit or allow-list for requests that no origin may call.
    UnreachableRule,
    /// `user-data.read-allowed` restricts keys while an origin may read outbound record
    /// fields, which the list does not filter.
    RecordFieldsUnfiltered,
    /// No origin is accepted: every request is ignored.
    NothingAccepted,
}

/// A non-fatal finding: the policy is built, but probably not as intended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Classification, for programs.
    pub kind: WarningKind,
    /// 1-based line in the option file.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The option the finding is about.
    pub option: String,
    /// What was found.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}: {}; hint: {}",
            self.line, self.column, self.option, self.message, self.hint
        )
    }
}
