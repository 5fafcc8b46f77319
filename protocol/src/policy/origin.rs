//! Origins as configured and as browsers report them, compared after normalisation.
//!
//! See the [module documentation](super) for the normalisation rules.

use std::fmt;
use std::net::Ipv6Addr;

use super::diagnostic::ErrorKind;

/// The schemes a Service Client API page can be served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// `http` (default port 80).
    Http,
    /// `https` (default port 443).
    Https,
}

impl Scheme {
    /// The lowercase spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    /// The port elided when it is written explicitly.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        if text.eq_ignore_ascii_case("http") {
            Some(Self::Http)
        } else if text.eq_ignore_ascii_case("https") {
            Some(Self::Https)
        } else {
            None
        }
    }
}

/// A host: a lowercase name (or IPv4 literal), or an IPv6 literal compared by value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Host {
    /// A DNS name or IPv4 literal, lowercase ASCII.
    Name(String),
    /// A bracketed IPv6 literal.
    Ipv6(Ipv6Addr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Ipv6(addr) => write_ipv6(f, addr),
        }
    }
}

/// Writes an IPv6 address as URL serialisation does: lowercase hex, the first longest run
/// of two or more zero groups compressed, no embedded IPv4 form.
fn write_ipv6(f: &mut fmt::Formatter<'_>, addr: &Ipv6Addr) -> fmt::Result {
    let groups = addr.segments();
    let (mut best_start, mut best_len) = (usize::MAX, 1);
    let mut index = 0;
    while index < groups.len() {
        if groups[index] == 0 {
            let start = index;
            while index < groups.len() && groups[index] == 0 {
                index += 1;
            }
            if index - start > best_len {
                (best_start, best_len) = (start, index - start);
            }
        } else {
            index += 1;
        }
    }
    f.write_str("[")?;
    let mut index = 0;
    while index < groups.len() {
        if index == best_start {
            f.write_str(if index == 0 { "::" } else { ":" })?;
            index += best_len;
            continue;
        }
        write!(f, "{:x}", groups[index])?;
        if index + 1 < groups.len() {
            f.write_str(":")?;
        }
        index += 1;
    }
    f.write_str("]")
}

/// A configured origin, normalised: scheme, host and port (`None` = the scheme's default).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    scheme: Scheme,
    host: Host,
    port: Option<u16>,
}

/// Why a configured origin was refused, and where in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginError {
    /// Classification.
    pub kind: ErrorKind,
    /// Byte offset into the origin text where the problem starts.
    pub offset: usize,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

fn origin_error(kind: ErrorKind, offset: usize, problem: String, hint: String) -> OriginError {
    OriginError {
        kind,
        offset,
        problem,
        hint,
    }
}

/// The parts of an origin before host validation: scheme, authority and what follows.
struct Split<'a> {
    scheme: Scheme,
    authority: &'a str,
    authority_offset: usize,
    rest: &'a str,
}

fn split(text: &str) -> Result<Split<'_>, OriginError> {
    let Some((scheme_text, after)) = text.split_once("://") else {
        return Err(origin_error(
            ErrorKind::MissingScheme,
            0,
            format!("`{text}` has no scheme"),
            format!("write the origin with its scheme, e.g. `https://{text}`"),
        ));
    };
    let Some(scheme) = Scheme::parse(scheme_text) else {
        return Err(origin_error(
            ErrorKind::UnknownScheme,
            0,
            format!("unknown scheme `{scheme_text}`"),
            "Service Client API pages are served over `http://` or `https://`".into(),
        ));
    };
    let authority_offset = scheme_text.len() + 3;
    let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    Ok(Split {
        scheme,
        authority,
        authority_offset,
        rest,
    })
}

fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Leading zeros are allowed, as in URLs: `:0080` is port 80.
    let digits = text.trim_start_matches('0');
    if digits.len() > 5 {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse::<u16>().ok()
}

/// Splits `host[:port]` (host possibly `[ipv6]`) into host text and port text.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(close) = authority.find(']') {
            let (host, tail) = authority.split_at(close + 1);
            return match tail.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if tail.is_empty() => (host, None),
                // Garbage after `]`: keep it in the host so validation rejects it.
                None => (authority, None),
            };
        }
        return (authority, None);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// `text` without `prefix`, compared ASCII case-insensitively.
fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

impl Origin {
    /// Parses an origin as written in configuration (see the module docs for the rules).
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        if text.eq_ignore_ascii_case("null") {
            return Err(origin_error(
                ErrorKind::OpaqueOrigin,
                0,
                "the opaque origin `null` cannot be listed".into(),
                "sandboxed frames and `file:` pages report `null`; only `*` accepts them".into(),
            ));
        }
        if let Some(space) = text.find(char::is_whitespace) {
            return Err(origin_error(
                ErrorKind::InvalidHost,
                space,
                format!("`{text}` contains whitespace"),
                "separate origins with commas".into(),
            ));
        }
        let Split {
            scheme,
            authority,
            authority_offset,
            rest,
        } = split(text)?;
        // A single trailing slash is tolerated; anything else is a path.
        if !rest.is_empty() && rest != "/" {
            return Err(origin_error(
                ErrorKind::OriginWithPath,
                authority_offset + authority.len(),
                format!("`{text}` has a path, query or fragment"),
                format!(
                    "an origin is scheme, host and port only: write `{}://{authority}`",
                    scheme.as_str()
                ),
            ));
        }
        if let Some(at) = authority.rfind('@') {
            return Err(origin_error(
                ErrorKind::OriginWithUserinfo,
                authority_offset,
                "the origin carries user information (`user@`)".into(),
                format!(
                    "browsers never report credentials in an origin: write `{}://{}`",
                    scheme.as_str(),
                    &authority[at + 1..]
                ),
            ));
        }
        let (host_text, port_text) = split_host_port(authority);
        let port_offset = authority_offset + host_text.len() + 1;
        let port = match port_text {
            None => None,
            Some(port_text) => match parse_port(port_text) {
                Some(port) if port == scheme.default_port() => None,
                Some(port) => Some(port),
                None => {
                    return Err(origin_error(
                        ErrorKind::InvalidPort,
                        port_offset,
                        format!("`{port_text}` is not a port"),
                        "write a port number from 0 to 65535 after the colon, or drop the colon"
                            .into(),
                    ));
                }
            },
        };
        let host = parse_config_host(host_text).map_err(|(problem, hint)| {
            origin_error(ErrorKind::InvalidHost, authority_offset, problem, hint)
        })?;
        Ok(Self { scheme, host, port })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The effective port (the scheme's default when none was written).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// Whether a browser-reported origin is this origin.
    pub fn matches(&self, incoming: &IncomingOrigin<'_>) -> bool {
        match incoming {
            IncomingOrigin::Tuple { scheme, host, port } => {
                *scheme == self.scheme
                    && *port == self.port()
                    && match (&self.host, host) {
                        (Host::Name(name), IncomingHost::Name(other)) => {
                            name.eq_ignore_ascii_case(other)
                        }
                        (Host::Ipv6(addr), IncomingHost::Ipv6(other)) => addr == other,
                        _ => false,
                    }
            }
            IncomingOrigin::Opaque | IncomingOrigin::Unparseable => false,
        }
    }
}

fn parse_config_host(text: &str) -> Result<Host, (String, String)> {
    if text.is_empty() {
        return Err((
            "the host is empty".into(),
            "write the host name after `://`".into(),
        ));
    }
    if let Some(inner) = text.strip_prefix('[') {
        return match inner.strip_suffix(']').and_then(|a| a.parse().ok()) {
            Some(addr) => Ok(Host::Ipv6(addr)),
            None => Err((
                format!("`{text}` is not an IPv6 literal"),
                "write IPv6 addresses in brackets, e.g. `http://[::1]:8080`".into(),
            )),
        };
    }
    if text.contains('*') {
        return Err((
            format!("`{text}` contains a wildcard"),
            "origins match exactly: list every origin, or use `*` alone for any origin".into(),
        ));
    }
    if let Some(bad) = text.chars().find(|c| !is_host_char(*c)) {
        let hint = if bad.is_ascii_whitespace() {
            "separate origins with commas".to_string()
        } else if !bad.is_ascii() {
            "write internationalised names in their ASCII (`xn--`) form, as browsers report them"
                .to_string()
        } else {
            "host names use letters, digits, `-`, `.` and `_`".to_string()
        };
        return Err((format!("`{text}` contains `{bad}`"), hint));
    }
    Ok(Host::Name(text.to_ascii_lowercase()))
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// The host of a browser-reported origin, borrowed (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomingHost<'a> {
    /// A name or IPv4 literal, compared case-insensitively.
    Name(&'a str),
    /// An IPv6 literal, compared by value.
    Ipv6(Ipv6Addr),
}

/// An origin as the browser reports it (`MessageEvent.origin` or an `Origin` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncomingOrigin<'a> {
    /// `null`: sandboxed frames, `file:` and `data:` pages. Matches only `*`.
    Opaque,
    /// A tuple origin of an `http` or `https` page.
    Tuple {
        /// Scheme.
        scheme: Scheme,
        /// Host.
        host: IncomingHost<'a>,
        /// Effective port (default filled in).
        port: u16,
    },
    /// Anything else (other schemes, paths, credentials, garbage). Matches only `*`.
    Unparseable,
}

impl<'a> IncomingOrigin<'a> {
    /// Reads a reported origin without allocating. Case and default ports are normalised
    /// as in configuration; unlike configuration, no trailing slash is tolerated, because
    /// browsers never send one.
    pub fn parse(text: &'a str) -> Self {
        if text == "null" {
            return Self::Opaque;
        }
        // Runs for every decision on origin text, so it reads bytes instead of sharing the
        // error-reporting path of configured origins; the outcome is the same.
        let (scheme, authority) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (Scheme::Http, rest)
        } else {
            return Self::Unparseable;
        };
        // A path, query, fragment or credentials: browsers never report those.
        if authority
            .bytes()
            .any(|b| matches!(b, b'/' | b'?' | b'#' | b'\\' | b'@'))
        {
            return Self::Unparseable;
        }
        let (host_text, port_text) = split_host_port(authority);
        let port = match port_text {
            None => scheme.default_port(),
            Some(port_text) => match parse_port(port_text) {
                Some(port) => port,
                None => return Self::Unparseable,
            },
        };
        let host = if let Some(inner) = host_text.strip_prefix('[') {
            match inner.strip_suffix(']').and_then(|a| a.parse().ok()) {
                Some(addr) => IncomingHost::Ipv6(addr),
                None => return Self::Unparseable,
            }
        } else if !host_text.is_empty() && host_text.bytes().all(|b| is_host_char(char::from(b))) {
            IncomingHost::Name(host_text)
        } else {
            return Self::Unparseable;
        };
        Self::Tuple { scheme, host, port }
    }
}
