//! `auth.*` and the UI side of `system.*`: toasts, dialogs, menu-bar views, activity.
//!
//! - `auth.getJwtToken`: an unsigned (`alg` `none`) JWT naming the agent, valid one hour from
//!   `now`, reused while still valid; `expiration` is its ISO 8601 UTC expiry.
//! - `auth.getPureCloudToken`: `{ "accessToken", "tokenType": "bearer", "expiresIn" }`
//!   (shape undocumented), a new token when `forceNewToken` is true.
//! - Toasts are `wweCustomToast<n>` from 0, dialogs `wweCustomDialog<n>` from 1 (the ids the
//!   official sample shows); `$Dialog.Id$` in a dialog URL is replaced by its id.
//! - `system.getAllowedServices` answered directly lists every request name (the engine
//!   normally answers it with the origin's policy).

use agentdesk_protocol::config::{fill_agent_placeholders, substitute_placeholders};
use agentdesk_protocol::policy::Timestamp;
use agentdesk_protocol::scapi::REQUESTS;
use agentdesk_protocol::scapi::types::{DialogOptions, JwtToken, MenuBarView, ToastParameters};
use serde_json::{Value, json};

use super::error::SimulationError;
use super::state::{Dialog, Handled, SimulatedState, Toast};
use super::to_value;
use crate::workspace::Reply;

/// Lifetime of issued tokens.
const TOKEN_LIFETIME_SECS: u64 = 3600;

/// Unpadded base64url, as JWT segments are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch.
pub(crate) fn iso8601(millis: u64) -> String {
    let secs = millis / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

impl SimulatedState {
    fn issue_jwt(&self, now: Timestamp) -> (String, u64) {
        let issued = now.as_millis() / 1000;
        let expires = issued + TOKEN_LIFETIME_SECS;
        let header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = json!({
            "iss": "agentdesk-simulated-workspace",
            "sub": self.agent.username,
            "employeeId": self.agent.employee_id,
            "iat": issued,
            "exp": expires,
        });
        let payload = base64url(claims.to_string().as_bytes());
        (format!("{header}.{payload}."), expires * 1000)
    }

    pub(crate) fn jwt_token(&mut self, now: Timestamp) -> Handled {
        let (token, expires) = match &self.jwt {
            Some((token, expires)) if *expires > now.as_millis() => (token.clone(), *expires),
            _ => {
                let issued = self.issue_jwt(now);
                self.jwt = Some(issued.clone());
                issued
            }
        };
        let mut answer = JwtToken::default();
        answer.expiration = iso8601(expires);
        answer.jwt_token = token;
        Ok(Reply::data(to_value(&answer)))
    }

    pub(crate) fn pure_cloud_token(&mut self, now: Timestamp, force_new: Option<bool>) -> Handled {
        if force_new == Some(true) {
            self.jwt = None;
        }
        let token = self.jwt_token(now)?;
        let access_token = token
            .result
            .ok()
            .flatten()
            .and_then(|data| data.get("jwtToken").cloned())
            .unwrap_or(Value::Null);
        let expires_in = self.jwt.as_ref().map_or(0, |(_, expires)| {
            expires.saturating_sub(now.as_millis()) / 1000
        });
        Ok(Reply::data(json!({
            "accessToken": access_token,
            "tokenType": "bearer",
            "expiresIn": expires_in,
        })))
    }

    pub(crate) fn allowed_services(&self) -> Reply {
        let names: Vec<&str> = REQUESTS.iter().map(|spec| spec.name).collect();
        Reply::data(to_value(&names))
    }

    pub(crate) fn trigger_activity(&mut self, now: Timestamp) -> Reply {
        self.last_activity = Some(now);
        Reply::done()
    }

    pub(crate) fn popup_toast(&mut self, now: Timestamp, parameters: ToastParameters) -> Reply {
        let id = self.ids.toast();
        let closes_at = closes_at(now, &parameters);
        self.toasts.insert(
            id.clone(),
            Toast {
                parameters,
                closes_at,
            },
        );
        Reply::data(Value::String(id))
    }

    pub(crate) fn update_toast(
        &mut self,
        now: Timestamp,
        id: &str,
        parameters: ToastParameters,
    ) -> Handled {
        let toast = self
            .toasts
            .get_mut(id)
            .ok_or_else(|| SimulationError::NotOpen {
                kind: "toast",
                id: id.to_owned(),
            })?;
        // An update with its own timeout restarts the count; one without keeps the running one.
        if let Some(at) = closes_at(now, &parameters) {
            toast.closes_at = Some(at);
        }
        toast.parameters = parameters;
        Ok(Reply::done())
    }

    /// Closes the toasts whose `autoCloseTimeout` has run out by `now`. Time moves only with
    /// requests and reads, so a toast closes when the desktop next looks at it after its time.
    pub(crate) fn expire_toasts(&mut self, now: Timestamp) {
        self.toasts
            .retain(|_, toast| toast.closes_at.is_none_or(|at| now < at));
    }

    pub(crate) fn close_toast(&mut self, id: &str) -> Handled {
        self.toasts
            .remove(id)
            .ok_or_else(|| SimulationError::NotOpen {
                kind: "toast",
                id: id.to_owned(),
            })?;
        Ok(Reply::done())
    }

    pub(crate) fn open_dialog(&mut self, url: &str, options: Option<DialogOptions>) -> Reply {
        let id = self.ids.dialog();
        let url = url.replace("$Dialog.Id$", &id);
        // The agent placeholders of view URLs, percent-encoded; `$Dialog.Id$` is the id itself.
        // A dialog has no interaction: its `$Interaction.*$` placeholders become empty.
        let url = fill_agent_placeholders(&url, &self.agent);
        let url = substitute_placeholders(&url, |_| None);
        let dialog = Dialog { url, options };
        self.dialogs.insert(id.clone(), dialog);
        Reply::data(Value::String(id))
    }

    pub(crate) fn close_dialog(&mut self, id: &str) -> Handled {
        self.dialogs
            .remove(id)
            .ok_or_else(|| SimulationError::NotOpen {
                kind: "dialog",
                id: id.to_owned(),
            })?;
        Ok(Reply::done())
    }

    pub(crate) fn update_menu_bar_view(&mut self, view: MenuBarView) -> Reply {
        self.menu_bar_views.insert(view.name.clone(), view);
        Reply::done()
    }

    pub(crate) fn close_menu_bar_view(&mut self, name: &str) -> Handled {
        self.menu_bar_views
            .remove(name)
            .ok_or_else(|| SimulationError::NotOpen {
                kind: "menu-bar view",
                id: name.to_owned(),
            })?;
        Ok(Reply::done())
    }
}

/// When a toast with these parameters closes by itself, if it does.
fn closes_at(now: Timestamp, parameters: &ToastParameters) -> Option<Timestamp> {
    parameters
        .auto_close_timeout
        .filter(|millis| *millis > 0)
        .map(|millis| Timestamp::from_millis(now.as_millis().saturating_add(millis)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_and_base64url_match_known_values() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
