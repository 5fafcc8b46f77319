//! The cookies one SRS session carries: what `Set-Cookie` stored, sent back in `Cookie`.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};

/// Cookies SRS set for one session, by name.
///
/// A jar belongs to one [`Session`](crate::Session) and so to one SRS address; every cookie
/// goes back on every request of that session. `Path`, `Domain`, `Secure` and `Expires` are
/// not interpreted (SRS serves a handful of paths on one loopback address);
/// `Max-Age=0` or a negative `Max-Age` removes the cookie, as a browser would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    /// Stores every `Set-Cookie` of a response; returns whether any was set or removed.
    pub(crate) fn store(&mut self, headers: &HeaderMap) -> bool {
        let mut changed = false;
        for value in headers.get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
                continue;
            };
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let removed = parts.any(|attribute| {
                attribute
                    .split_once('=')
                    .filter(|(key, _)| key.trim().eq_ignore_ascii_case("max-age"))
                    .and_then(|(_, age)| age.trim().parse::<i64>().ok())
                    .is_some_and(|age| age <= 0)
            });
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies
                    .insert(name.to_owned(), value.trim().trim_matches('"').to_owned());
            }
            changed = true;
        }
        changed
    }

    /// The `Cookie` header value, if the jar holds any cookie.
    pub(crate) fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// The cookies, by name.
    pub(crate) fn to_map(&self) -> BTreeMap<String, String> {
        self.cookies.clone()
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn set_cookie_is_stored_replaced_and_removed() {
        let mut jar = CookieJar::default();
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("SRSSESSION=abc; Path=/; HttpOnly"),
        );
        headers.append(SET_COOKIE, HeaderValue::from_static("other=\"1\""));
        assert!(jar.store(&headers));
        assert_eq!(jar.header().as_deref(), Some("SRSSESSION=abc; other=1"));
        let mut headers = HeaderMap::new();
        headers.append(SET_COOKIE, HeaderValue::from_static("SRSSESSION=def"));
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("other=; Max-Age=0; Path=/"),
        );
        assert!(jar.store(&headers));
        assert_eq!(jar.header().as_deref(), Some("SRSSESSION=def"));
        assert!(!jar.store(&HeaderMap::new()));
    }
}
