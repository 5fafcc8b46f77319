//! Headless Debian chromium driven over WebDriver: `chromedriver` on a free loopback port, one
//! session through it with `fantoccini`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

/// How to get both binaries on Debian.
pub(crate) const INSTALL: &str = "apt-get install -y chromium chromium-driver";

/// The browser and its WebDriver server.
pub(crate) struct Binaries {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Binaries {
    /// Both binaries (`CHROMIUM` and `CHROMEDRIVER` override where they are looked for), or
    /// what is missing and how to install it.
    pub(crate) fn find() -> Result<Self, String> {
        let chromium = std::env::var_os("CHROMIUM")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
        let chromedriver = match std::env::var_os("CHROMEDRIVER") {
            Some(path) => Some(PathBuf::from(path)),
            None => on_path("chromedriver"),
        };
        let mut missing = Vec::new();
        if !chromium.is_file() {
            missing.push(format!("chromium (no {})", chromium.display()));
        }
        match chromedriver {
            Some(chromedriver) if chromedriver.is_file() => {
                if missing.is_empty() {
                    return Ok(Self {
                        chromium,
                        chromedriver,
                    });
                }
            }
            Some(chromedriver) => {
                missing.push(format!("chromedriver (no {})", chromedriver.display()));
            }
            None => missing.push("chromedriver (not on PATH)".to_owned()),
        }
        Err(format!("missing {}: {INSTALL}", missing.join(" and ")))
    }
}

/// The first `name` in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|folder| folder.join(name))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a loopback port; on drop it quits its browsers and exits.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(binary: &Path) -> Result<Self, String> {
        let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {} ({e}): {INSTALL}", binary.display()))?;
        Ok(Self { child, port })
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn url(&self) -> String {
        format!("http://{}", self.address())
    }

    /// Waits until chromedriver accepts connections.
    async fn listening(&mut self) -> Result<(), String> {
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited at start-up ({status})"));
            }
            if tokio::net::TcpStream::connect(self.address()).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("chromedriver never listened on {}", self.address()))
    }

    /// Asks chromedriver to quit its browsers and exit (what `GET /shutdown` does).
    fn request_shutdown(&self) -> std::io::Result<()> {
        let mut stream = TcpStream::connect_timeout(&self.address(), Duration::from_secs(2))?;
        stream.set_write_timeout(Some(Duration::from_secs(2)))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET /shutdown HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address()
        )?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Killing chromedriver alone would leave its chromium running, so it is asked to
        // shut down first and only killed if it does not.
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

/// A WebDriver session in a fresh headless chromium; its chromedriver (and with it the
/// browser) is stopped on drop, passing or failing.
pub(crate) struct Browser {
    client: fantoccini::Client,
    driver: Driver,
}

impl Browser {
    pub(crate) async fn launch(binaries: &Binaries) -> Result<Self, String> {
        let mut driver = Driver::start(&binaries.chromedriver)?;
        driver.listening().await?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": binaries.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--no-first-run",
                    "--window-size=1400,900",
                ],
            }),
        );
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(capabilities);
        // chromedriver waits for chromium itself; a second try covers a start-up that a
        // loaded machine made miss that deadline.
        let mut last = String::new();
        for _ in 0..2 {
            match builder.connect(&driver.url()).await {
                Ok(client) => return Ok(Self { client, driver }),
                Err(error) => last = error.to_string(),
            }
        }
        Err(format!(
            "no WebDriver session from chromedriver at {}: {last}",
            driver.url()
        ))
    }

    /// Ends the session (chromium quits), then stops chromedriver.
    pub(crate) async fn close(self) -> Result<(), String> {
        let Self { client, driver } = self;
        let closed = client.close().await.map_err(|e| e.to_string());
        drop(driver);
        closed
    }

    /// Saves a PNG screenshot of the page.
    pub(crate) async fn save_screenshot(&self, path: &Path) -> Result<(), String> {
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }
}

impl Deref for Browser {
    type Target = fantoccini::Client;

    fn deref(&self) -> &fantoccini::Client {
        &self.client
    }
}
