//! Headless Debian chromium driven over WebDriver: `chromedriver` on a free loopback port, one
//! session through it with `fantoccini`.

use std::ops::Deref;
use std::path::{Path, PathBuf};

use agentdesk_server::testing;

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
            None => testing::browser::find_binary(Path::new("chromedriver")),
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

/// A WebDriver session in a fresh headless chromium, through the same driver code as
/// `agentdesk-server test`; its chromedriver (and with it the browser) is stopped on drop,
/// passing or failing.
pub(crate) struct Browser {
    browser: testing::browser::Browser,
    _driver: testing::browser::Driver,
}

impl Browser {
    pub(crate) async fn launch(binaries: &Binaries) -> Result<Self, String> {
        let mut config = testing::BrowserConfig::default();
        config.chromium = binaries.chromium.clone();
        config.chromedriver = binaries.chromedriver.clone();
        let driver = testing::browser::Driver::start(&config)
            .await
            .map_err(|e| e.to_string())?;
        let browser = testing::browser::Browser::open(&driver, &config)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            browser,
            _driver: driver,
        })
    }

    /// Ends the session (chromium quits), then stops chromedriver.
    pub(crate) async fn close(self) -> Result<(), String> {
        self.browser.close().await;
        Ok(())
    }

    /// Saves a PNG screenshot of the page.
    pub(crate) async fn save_screenshot(&self, path: &Path) -> Result<(), String> {
        let png = self.browser.screenshot().await.map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }
}

impl Deref for Browser {
    type Target = fantoccini::Client;

    fn deref(&self) -> &fantoccini::Client {
        self.browser.client()
    }
}
