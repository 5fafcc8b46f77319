//! Small HTTP helpers shared by the REST transports.

use reqwest::{RequestBuilder, Response};
use serde_json::Value;

use crate::error::TransportError;

/// The HTTP client every REST transport uses, with a per-request `timeout`.
pub(crate) fn client(timeout: std::time::Duration) -> Result<reqwest::Client, TransportError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|error| TransportError::Network {
            operation: "build HTTP client",
            message: error.to_string(),
        })
}

/// `application/x-www-form-urlencoded` encoding of `pairs` (reqwest's `form` feature is not
/// enabled in this workspace, and the format is a few lines).
pub(crate) fn form_urlencode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", percent_encode(key), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters; spaces become `+` (form style).
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Sends `request`; maps unreachable servers to `Network` and error statuses to `Http`.
/// Returns the reply body as JSON (`null` when empty, a string when not JSON).
pub(crate) async fn send(
    operation: &'static str,
    request: RequestBuilder,
) -> Result<Value, TransportError> {
    let response = request
        .send()
        .await
        .map_err(|error| TransportError::Network {
            operation,
            message: error.to_string(),
        })?;
    let status = response.status();
    let body = body_json(operation, response).await?;
    if !status.is_success() {
        return Err(TransportError::Http {
            operation,
            status: status.as_u16(),
            body,
        });
    }
    Ok(body)
}

async fn body_json(operation: &'static str, response: Response) -> Result<Value, TransportError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|error| TransportError::Network {
            operation,
            message: error.to_string(),
        })?;
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_escapes_brackets_spaces_and_unicode() {
        let pairs = vec![
            ("userData[Time Zone]".to_owned(), "-480".to_owned()),
            ("message".to_owned(), "héllo & bye".to_owned()),
        ];
        assert_eq!(
            form_urlencode(&pairs),
            "userData%5BTime+Zone%5D=-480&message=h%C3%A9llo+%26+bye"
        );
    }
}
