//! Small HTTP helpers shared by the REST transports.

use reqwest::{RequestBuilder, Response};
use serde_json::Value;

use crate::error::TransportError;

/// `application/x-www-form-urlencoded` encoding of `pairs` (reqwest's `form` feature is not
/// enabled in this workspace, and the format is a few lines).
pub(crate) fn form_urlencode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", percent_encode(key), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes `text` for use as one URL path segment (spaces become `%20`).
pub(crate) fn path_segment(text: &str) -> String {
    percent_encode(text).replace('+', "%20")
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

/// A reply body as bytes, with its HTTP status and `Content-Type`.
pub(crate) struct RawReply {
    /// HTTP status.
    pub(crate) status: u16,
    /// `Content-Type`, when sent.
    pub(crate) content_type: Option<String>,
    /// The body.
    pub(crate) bytes: Vec<u8>,
}

/// Sends `request` and returns the reply whatever its status (unreachable servers map to
/// `Network`).
pub(crate) async fn send_raw(
    operation: &'static str,
    request: RequestBuilder,
) -> Result<RawReply, TransportError> {
    let network = |error: reqwest::Error| TransportError::Network {
        operation,
        message: error.to_string(),
    };
    let response = request.send().await.map_err(network)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.map_err(network)?.to_vec();
    Ok(RawReply {
        status,
        content_type,
        bytes,
    })
}

/// A `multipart/form-data` body: text fields, then one file part. Returns the body and its
/// `Content-Type` (with the boundary).
pub(crate) fn multipart(
    fields: &[(String, String)],
    file_field: &str,
    file: &FilePart,
) -> (Vec<u8>, String) {
    let boundary = boundary_for(fields, file);
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{value}\r\n",
                quoted(name)
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            quoted(file_field),
            quoted(&file.name),
            file.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// A file to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// File name sent to the back end.
    pub name: String,
    /// MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Quotes for a `Content-Disposition` parameter: `"`, CR and LF are escaped as the HTML
/// form encoder does.
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A boundary that occurs in no part (the content is scanned, so no randomness is needed).
fn boundary_for(fields: &[(String, String)], file: &FilePart) -> String {
    let mut n: u64 = 0;
    loop {
        let boundary = format!("agentdesk-boundary-{n:016x}");
        let needle = boundary.as_bytes();
        let in_file = file.bytes.windows(needle.len()).any(|w| w == needle);
        let in_fields = fields.iter().any(|(_, v)| v.contains(&boundary));
        if !in_file && !in_fields {
            return boundary;
        }
        n += 1;
    }
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
