//! A minimal Chrome DevTools Protocol driver for headless Debian chromium: launch, open a
//! page, evaluate, screenshot. Enough for end-to-end tests without a WebDriver crate.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Where Debian installs chromium; `CHROMIUM` overrides it.
pub(crate) fn chromium_path() -> Option<PathBuf> {
    let candidate = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    candidate.exists().then_some(candidate)
}

/// A running headless browser, killed on drop.
pub(crate) struct Browser {
    child: Child,
    socket: Socket,
    next_id: u64,
    session: Option<String>,
    _profile: TempDir,
}

/// A temporary profile folder, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    /// Starts chromium headless with a fresh profile and attaches to a blank page.
    pub(crate) async fn launch(binary: &Path) -> Result<Self, String> {
        let profile = std::env::temp_dir().join(format!(
            "agentdesk-chromium-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&profile).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--window-size=1400,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let active_port = profile.join("DevToolsActivePort");
        let mut endpoint = None;
        // Generous: a busy machine can take many seconds to start chromium.
        for _ in 0..600 {
            if let Ok(text) = std::fs::read_to_string(&active_port) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    endpoint = Some(format!("ws://127.0.0.1:{port}{path}"));
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let endpoint = endpoint.ok_or("chromium did not open its DevTools port")?;
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .map_err(|e| e.to_string())?;
        let mut browser = Self {
            child,
            socket,
            next_id: 1,
            session: None,
            _profile: TempDir(profile),
        };
        let target = browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await?;
        let target_id = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        browser.session = attached["sessionId"].as_str().map(str::to_owned);
        browser.call("Page.enable", json!({})).await?;
        browser.call("Runtime.enable", json!({})).await?;
        Ok(browser)
    }

    /// Sends one command (to the attached page once there is one) and waits for its result.
    pub(crate) async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::Text(command.to_string().into()))
            .await
            .map_err(|e| e.to_string())?;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .map_err(|_| format!("{method}: no answer from chromium"))?;
            let Some(Ok(Message::Text(text))) = frame else {
                if frame.is_none() {
                    return Err("chromium closed the DevTools connection".into());
                }
                continue;
            };
            let reply: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if reply["id"] == json!(id) {
                if let Some(error) = reply.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(reply["result"].clone());
            }
        }
    }

    /// Navigates the page.
    pub(crate) async fn navigate(&mut self, url: &str) -> Result<(), String> {
        self.call("Page.navigate", json!({ "url": url }))
            .await
            .map(|_| ())
    }

    /// Evaluates an expression in the top page and returns its JSON value.
    pub(crate) async fn evaluate(&mut self, expression: &str) -> Result<Value, String> {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        Ok(result["result"]["value"].clone())
    }

    /// Saves a PNG screenshot of the page.
    pub(crate) async fn screenshot(&mut self, path: &Path) -> Result<(), String> {
        use base64::Engine as _;
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, bytes).map_err(|e| e.to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
