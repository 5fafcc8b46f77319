//! Headless chromium over WebDriver: one `chromedriver` per run, one browser session per test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::Locator;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

/// Where to find the browser and its driver.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BrowserConfig {
    /// The chromium binary.
    pub chromium: PathBuf,
    /// The chromedriver binary.
    pub chromedriver: PathBuf,
    /// Show the browser window instead of running headless.
    pub headed: bool,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        Self {
            chromium: PathBuf::from("chromium"),
            chromedriver: PathBuf::from("chromedriver"),
            headed: false,
        }
    }
}

/// What to do when the browser cannot run.
const INSTALL_HINT: &str = "install chromium and its driver (Debian/Ubuntu: \
    `apt-get install -y chromium chromium-driver`), or pass --chromium and --chromedriver";

/// A browser error, with what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// The driver or the browser cannot start.
    #[error("cannot start the browser: {0}; {INSTALL_HINT}")]
    Unavailable(String),
    /// A WebDriver command failed.
    #[error("{0}")]
    Command(String),
}

fn command_error(what: &str, error: impl std::fmt::Display) -> BrowserError {
    BrowserError::Command(format!("{what}: {error}"))
}

/// A running chromedriver on a free loopback port, killed on drop.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts `config.chromedriver` (after checking that chromium exists) and waits until it
    /// listens.
    pub async fn start(config: &BrowserConfig) -> Result<Self, BrowserError> {
        if find_binary(&config.chromium).is_none() {
            return Err(BrowserError::Unavailable(format!(
                "{} not found",
                config.chromium.display()
            )));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| BrowserError::Unavailable(format!("no free port: {error}")))?
            .port();
        let child = Command::new(&config.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| {
                BrowserError::Unavailable(format!("{}: {error}", config.chromedriver.display()))
            })?;
        let mut driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(BrowserError::Unavailable(format!(
                    "chromedriver exited at start-up ({status})"
                )));
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(driver);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver.child.kill().ok();
        Err(BrowserError::Unavailable(format!(
            "chromedriver never listened on {}",
            driver.url
        )))
    }

    /// Its WebDriver URL, e.g. `http://127.0.0.1:9515`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Driver {
    /// Asks chromedriver to quit its browsers and exit (`GET /shutdown`).
    fn request_shutdown(&self) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let address = self.url.trim_start_matches("http://");
        let socket = address
            .parse()
            .map_err(|_| std::io::Error::other("not a socket address"))?;
        let mut stream = std::net::TcpStream::connect_timeout(&socket, Duration::from_secs(2))?;
        stream.set_write_timeout(Some(Duration::from_secs(2)))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET /shutdown HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Killing chromedriver alone would leave its browsers running: ask it first.
        if self.request_shutdown().is_ok() {
            for _ in 0..50 {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `binary` itself when it names a path (and is a file), else the first match on `PATH`.
pub fn find_binary(binary: &Path) -> Option<PathBuf> {
    if binary.components().count() > 1 {
        return binary.is_file().then(|| binary.to_owned());
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(binary))
            .find(|candidate| candidate.is_file())
    })
}

/// One browser session.
pub struct Browser {
    client: fantoccini::Client,
    /// Console errors read so far (the driver hands each out once).
    console: Vec<ConsoleEntry>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").finish_non_exhaustive()
    }
}

/// A console error or uncaught exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// The text, starting with the URL of the script that logged it.
    pub message: String,
}

impl Browser {
    /// Opens a session of `driver` (retrying while chromedriver starts listening).
    pub async fn open(driver: &Driver, config: &BrowserConfig) -> Result<Self, BrowserError> {
        let mut args = vec![
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=1400,900",
        ];
        if !config.headed {
            args.push("--headless=new");
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": find_binary(&config.chromium).unwrap_or_else(|| config.chromium.clone()), "args": args }),
        );
        capabilities.insert("goog:loggingPrefs".to_owned(), json!({ "browser": "ALL" }));
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(capabilities);
        // chromedriver waits for chromium itself; a second try covers a start-up that a
        // loaded machine made miss that deadline.
        let mut last = String::new();
        for _ in 0..2 {
            match builder.connect(&driver.url).await {
                Ok(client) => {
                    return Ok(Self {
                        client,
                        console: Vec::new(),
                    });
                }
                Err(error) => last = error.to_string(),
            }
        }
        Err(BrowserError::Unavailable(format!(
            "no session from chromedriver at {}: {last}",
            driver.url
        )))
    }

    /// The WebDriver session, for what this type does not wrap.
    pub fn client(&self) -> &fantoccini::Client {
        &self.client
    }

    /// Loads `url` in the top window.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.client
            .goto(url)
            .await
            .map_err(|error| command_error(&format!("cannot load {url}"), error))
    }

    /// Waits until the host page embeds `count` app frames.
    pub async fn wait_for_apps(&self, count: usize, within: Duration) -> Result<(), BrowserError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frames = self.app_frames().await?;
            if frames.len() >= count {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(BrowserError::Command(format!(
                    "the host page shows {} of its {count} apps after {} ms",
                    frames.len(),
                    within.as_millis()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The host page's app frames and their URLs, in page order.
    async fn app_frames(
        &self,
    ) -> Result<Vec<(fantoccini::elements::Element, String)>, BrowserError> {
        let elements = self
            .client
            .find_all(Locator::Css("#apps iframe"))
            .await
            .map_err(|error| command_error("cannot list the app frames", error))?;
        let mut frames = Vec::with_capacity(elements.len());
        for element in elements {
            let src = element
                .attr("src")
                .await
                .map_err(|error| command_error("cannot read an app frame's URL", error))?
                .unwrap_or_default();
            frames.push((element, src));
        }
        Ok(frames)
    }

    /// Enters the first app frame whose URL contains `selector` (the first app when `None`).
    async fn enter_app(&self, selector: Option<&str>) -> Result<String, BrowserError> {
        let frames = self.app_frames().await?;
        let listed = || {
            frames
                .iter()
                .map(|(_, src)| src.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some((element, src)) = frames
            .iter()
            .find(|(_, src)| selector.is_none_or(|text| src.contains(text)))
        else {
            return Err(BrowserError::Command(match selector {
                Some(text) => format!(
                    "no app frame's URL contains {text:?}; the apps: {}",
                    listed()
                ),
                None => "the host page embeds no app".to_owned(),
            }));
        };
        element
            .clone()
            .enter_frame()
            .await
            .map_err(|error| command_error(&format!("cannot enter the frame of {src}"), error))?;
        Ok(src.clone())
    }

    async fn leave_app(&self) {
        let _ = self.client.enter_parent_frame().await;
    }

    /// Clicks the first element matching `css` in an app frame.
    pub async fn click(&self, frame: Option<&str>, css: &str) -> Result<(), BrowserError> {
        let src = self.enter_app(frame).await?;
        let result =
            async {
                let element = self.client.find(Locator::Css(css)).await.map_err(|error| {
                    command_error(&format!("no element {css:?} in {src}"), error)
                })?;
                element.click().await.map_err(|error| {
                    command_error(&format!("cannot click {css:?} in {src}"), error)
                })
            }
            .await;
        self.leave_app().await;
        result
    }

    /// Types `text` into the first element matching `css` in an app frame.
    pub async fn type_text(
        &self,
        frame: Option<&str>,
        css: &str,
        text: &str,
    ) -> Result<(), BrowserError> {
        let src = self.enter_app(frame).await?;
        let result = async {
            let element =
                self.client.find(Locator::Css(css)).await.map_err(|error| {
                    command_error(&format!("no element {css:?} in {src}"), error)
                })?;
            element.send_keys(text).await.map_err(|error| {
                command_error(&format!("cannot type into {css:?} in {src}"), error)
            })
        }
        .await;
        self.leave_app().await;
        result
    }

    /// The visible text of an app frame, and its URL.
    pub async fn frame_text(&self, frame: Option<&str>) -> Result<(String, String), BrowserError> {
        let src = self.enter_app(frame).await?;
        let result = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                Vec::new(),
            )
            .await
            .map_err(|error| command_error(&format!("cannot read the text of {src}"), error));
        self.leave_app().await;
        let text = result?.as_str().unwrap_or_default().to_owned();
        Ok((text, src))
    }

    /// The URL of an app frame.
    pub async fn frame_url(&self, frame: Option<&str>) -> Result<String, BrowserError> {
        let src = self.enter_app(frame).await?;
        self.leave_app().await;
        Ok(src)
    }

    /// Console errors and uncaught exceptions of every frame so far.
    pub async fn console_errors(&mut self) -> Result<&[ConsoleEntry], BrowserError> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .map_err(|error| command_error("cannot read the browser's console", error))?;
        for entry in entries.as_array().into_iter().flatten() {
            if entry.get("level").and_then(Value::as_str) == Some("SEVERE") {
                let message = entry
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                self.console.push(ConsoleEntry { message });
            }
        }
        Ok(&self.console)
    }

    /// A PNG of the host page.
    pub async fn screenshot(&self) -> Result<Vec<u8>, BrowserError> {
        self.client
            .screenshot()
            .await
            .map_err(|error| command_error("cannot take a screenshot", error))
    }

    /// Ends the session (the browser exits).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// chromedriver's log endpoint: the browser's console entries since the last read.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (hyper::Method, Option<String>) {
        (
            hyper::Method::POST,
            Some(r#"{"type":"browser"}"#.to_owned()),
        )
    }
}
