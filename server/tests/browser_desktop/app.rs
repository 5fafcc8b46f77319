//! A third-party app for the desktop tests, served on its own loopback origin. It speaks
//! through the emulator's `agentdesk-scapi.js` (Genesys's wire format) and keeps, in the
//! page, everything the service posts to it, so a test reads it in the app's frame through
//! WebDriver:
//! - `window.log`: every message from the service, in arrival order, with
//!   `performance.now()` of its arrival (`at`);
//! - `window.ask(name, parameters)`: a request, resolving to `{ ok, answer, sent, received }`;
//! - `window.subscribed`: the subscription to the comma-separated `subscribe` query, resolving
//!   to its id.

use axum::Router;
use axum::http::header;
use axum::routing::get;

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>desk app</title>
<script src="/agentdesk-scapi.js"></script>
<script>
(function () {
  "use strict";
  var service = agentdesk.service;
  var log = [];
  window.log = log;
  // The library's own listener came first: what it accepts, this sees in the same order.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data.userAgent !== "string" || data.userAgent.indexOf("WWE") < 0) return;
    log.push({ at: performance.now(), data: data });
  });
  window.ask = function (name, parameters) {
    var sent = performance.now();
    function outcome(ok) {
      return function (answer) { return { ok: ok, answer: answer, sent: sent, received: performance.now() }; };
    }
    return service.request(name, parameters).then(outcome(true), outcome(false));
  };
  var names = (new URLSearchParams(location.search).get("subscribe") || "").split(",").filter(Boolean);
  window.subscribed = service.subscribe(names, function () {});
})();
</script>
"#;

/// Serves the app on a fresh loopback port (until the test ends); its origin,
/// `http://127.0.0.1:<port>`.
pub(crate) async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route(
            "/desk",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route(
            "/agentdesk-scapi.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../../src/emulator/assets/agentdesk-scapi.js"),
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    origin
}
