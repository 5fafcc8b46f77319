//! What the browser test binaries share: one browser at a time, the skip rule, running and
//! waiting for scripts in the page, and `agentdesk-server serve` as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::driver;

/// One browser at a time: several chromiums starting at once on a small machine can miss
/// their start-up deadline.
pub(crate) static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Chromium and chromedriver, or `None` when the test may be skipped (never under CI).
pub(crate) fn chromium_or_skip() -> Option<driver::Binaries> {
    match driver::Binaries::find() {
        Ok(binaries) => Some(binaries),
        Err(missing) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the browser tests are required under CI; {missing}"
            );
            eprintln!("skipped: {missing}");
            None
        }
    }
}

/// What `script` (a function body) returns in the current frame; a promise is awaited.
pub(crate) async fn run(browser: &fantoccini::Client, script: &str) -> Value {
    browser
        .execute(script, Vec::new())
        .await
        .unwrap_or_else(|error| panic!("{script}: {error}"))
}

/// Runs `script` in the current frame until it returns `expected`. A script that throws
/// (what it reads is not there yet) is tried again.
pub(crate) async fn wait_for_page(browser: &fantoccini::Client, script: &str, expected: &Value) {
    let mut last = String::new();
    // Patient: a loaded machine may take seconds.
    for _ in 0..300 {
        match browser.execute(script, Vec::new()).await {
            Ok(value) if &value == expected => return,
            Ok(value) => last = value.to_string(),
            Err(error) if error.is_javascript_error() => last = error.to_string(),
            Err(error) => panic!("{script}: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{script}: {last}, expected {expected}");
}

/// `agentdesk-server serve` with debug logging, stopped when dropped.
pub(crate) struct Served {
    child: std::process::Child,
    /// The host page URL it printed.
    pub(crate) page_url: String,
    /// What it printed to stdout on start.
    pub(crate) banner: Vec<String>,
}

impl Served {
    /// `serve --listen 127.0.0.1:0 --no-srs` with `args`.
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
            .args(["serve", "--listen", "127.0.0.1:0", "--no-srs"])
            .args(args)
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drain stderr as a terminal would, so logging never blocks on a full pipe.
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        // Everything up to "Press Ctrl-C": the URLs, then what chaos timing does.
        let mut banner = Vec::new();
        for line in stdout.by_ref().map_while(Result::ok) {
            let last = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if last {
                break;
            }
        }
        let page_url = banner
            .iter()
            .find_map(|line| Some(line.split("(open this):").nth(1)?.trim().to_owned()))
            .unwrap_or_else(|| panic!("serve printed no host page URL: {banner:#?}"));
        std::thread::spawn(move || stdout.for_each(drop));
        Self {
            child,
            page_url,
            banner,
        }
    }

    /// The control API's base URL (the host page's origin, with `/`).
    pub(crate) fn host_url(&self) -> String {
        let url = url::Url::parse(&self.page_url).unwrap();
        format!("{}/", url.origin().ascii_serialization())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
