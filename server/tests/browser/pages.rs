//! Third-party pages for the browser tests, served on two loopback origins: one the policy
//! accepts, one it does not. Every page reports what it sees to a shared sink.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use serde_json::Value;

/// One page for every role, chosen by its query:
/// - `who`: the name its reports carry;
/// - `subscribe`: subscribe to `interaction`;
/// - `ask`: also call `agent.get`;
/// - `next`: where to navigate once the subscription is acknowledged;
/// - `echo`: keep the frame id of the handshake and echo it, as Genesys's library does;
/// - `delay`: start the script this many milliseconds after the page loads.
///
/// It reports `asked` once it posted, and `message` for every message it receives.
const APP: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>test app</title>
<script>
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var who = params.get("who");
  var seq = 0;
  var frameId;
  function report(step, value) {
    // no-cors: a sandboxed page (opaque origin) reports too.
    return fetch("/reports", {
      method: "POST",
      mode: "no-cors",
      body: JSON.stringify({ who: who, origin: self.origin, seq: seq++, step: step, value: value === undefined ? null : value })
    });
  }
  function post(message) {
    message.userAgent = "WWE Client";
    message.protocolVersion = 2;
    if (frameId !== undefined) message.frameId = frameId;
    // A popup speaks to its opener, a frame to its parent, as the client library does.
    (window.opener && window.opener !== window ? window.opener : window.parent).postMessage(message, "*");
  }
  function start() {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (params.has("echo") && data && data.frameId !== undefined && data.referenceId === undefined) {
        frameId = data.frameId;
      }
      report("message", data).then(function () {
        if (data && data.subscriptionId && params.get("next")) location.href = params.get("next");
      });
    });
    if (params.has("subscribe")) post({ event: "subscribe", data: ["interaction"], referenceId: "s1" });
    if (params.has("ask")) post({ request: "agent.get", referenceId: "r1" });
    report("asked");
  }
  if (params.has("delay")) setTimeout(start, Number(params.get("delay")));
  else start();
})();
</script>
"#;

/// The two origins and what their pages reported.
pub(crate) struct Pages {
    /// `http://127.0.0.1:<port>` of the first origin.
    pub(crate) a: String,
    /// `http://127.0.0.1:<port>` of the second origin.
    pub(crate) b: String,
    reports: Arc<Mutex<Vec<Value>>>,
}

impl Pages {
    /// Serves the pages on two fresh loopback ports (until the test ends).
    pub(crate) async fn serve() -> Self {
        let reports: Arc<Mutex<Vec<Value>>> = Arc::default();
        let mut origins = Vec::new();
        for _ in 0..2 {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            origins.push(format!("http://{}", listener.local_addr().unwrap()));
            let router = router(reports.clone());
            tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        }
        let b = origins.pop().unwrap();
        let a = origins.pop().unwrap();
        Self { a, b, reports }
    }

    /// What the pages reported so far, in the order each made them.
    pub(crate) fn reports(&self) -> Vec<Value> {
        let mut list = self.reports.lock().unwrap().clone();
        list.sort_by_key(|r| (r["who"].as_str().map(str::to_owned), r["seq"].as_u64()));
        list
    }

    /// The messages page `who` received.
    pub(crate) fn received(&self, who: &str) -> Vec<Value> {
        self.reports()
            .into_iter()
            .filter(|r| r["who"] == who && r["step"] == "message")
            .map(|r| r["value"].clone())
            .collect()
    }

    /// Waits until the reports satisfy `done`.
    pub(crate) async fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) {
        for _ in 0..300 {
            if done(&self.reports()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("never saw {what}: {:#?}", self.reports());
    }
}

fn router(reports: Arc<Mutex<Vec<Value>>>) -> Router {
    let sink = reports.clone();
    Router::new()
        .route(
            "/app",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], APP) }),
        )
        .route(
            "/sandboxed",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (header::CONTENT_SECURITY_POLICY, "sandbox allow-scripts"),
                    ],
                    APP,
                )
            }),
        )
        .route(
            "/reports",
            get(move || {
                let list = reports.lock().unwrap().clone();
                async move { axum::Json(list) }
            })
            .post(move |body: String| {
                let sink = sink.clone();
                async move {
                    if let Ok(report) = serde_json::from_str::<Value>(&body) {
                        let mut list = sink.lock().unwrap();
                        if list.len() < 1000 {
                            list.push(report);
                        }
                    }
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
}

/// `text` as a URL query value.
pub(crate) fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
