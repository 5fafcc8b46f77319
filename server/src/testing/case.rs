//! One test: a fresh emulator and desktop, the host page in a browser session, the steps.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_protocol::emulator::test_file::{
    AppStep, DEFAULT_EXPECT_MS, Expectation, NativeStep, TestFile, TestStep,
};
use agentdesk_protocol::scapi::envelope::{CLIENT_USER_AGENT, PROTOCOL_VERSION, SUBSCRIBE};
use serde_json::{Value, json};

use super::browser::{Browser, BrowserConfig, Driver};
use super::expect::{check_state, check_traffic};
use super::traffic::{SeenLog, compact};
use crate::emulator::{Emulator, EmulatorConfig, RunningEmulator, default_workspace};
use crate::service::{Connection, OffsetClock};

/// How long the host page may take to embed its apps.
const APPS_LOAD: Duration = Duration::from_secs(15);
/// How often an unmet expectation is looked at again.
const POLL: Duration = Duration::from_millis(25);
/// How often a browser-side expectation is looked at again (each look is a few commands).
const BROWSER_POLL: Duration = Duration::from_millis(150);

/// A test file, read and checked, ready to run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestCase {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name in reports.
    pub name: String,
    /// The test.
    pub file: TestFile,
    /// The option file's text, when the test or the runner gives one.
    pub options: Option<String>,
}

/// How a test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step passed.
    Passed,
    /// A step failed, or the test could not run.
    Failed(Failure),
}

/// Why a test failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The failing step, from 1 (`None`: before the first step, or the whole test timed out).
    pub step: Option<usize>,
    /// One line: the step and what went wrong.
    pub summary: String,
    /// What was expected and what was seen, with the service's decision and rule for each
    /// message.
    pub detail: String,
}

/// A test's result.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CaseResult {
    /// The test's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
    /// The host page's screenshot, saved when it failed.
    pub screenshot: Option<PathBuf>,
}

/// What every test of a run shares.
#[derive(Debug, Clone)]
pub(crate) struct RunEnv {
    pub(crate) driver: Option<Arc<Driver>>,
    pub(crate) browser: BrowserConfig,
    pub(crate) timeout: Duration,
    pub(crate) artifacts: Option<PathBuf>,
}

/// Runs one test; never panics on what the test file or the app does.
pub(crate) async fn run_case(case: &TestCase, env: &RunEnv) -> CaseResult {
    let started = Instant::now();
    let mut screenshot = None;
    let outcome = match Setup::start(case, env).await {
        Err(failure) => Outcome::Failed(failure),
        Ok(mut setup) => {
            let steps = tokio::time::timeout(env.timeout, setup.run_steps(case));
            let outcome = match steps.await {
                Ok(Ok(())) => Outcome::Passed,
                Ok(Err(failure)) => Outcome::Failed(failure),
                Err(_) => Outcome::Failed(Failure {
                    step: None,
                    summary: format!(
                        "the test did not finish within {} s",
                        env.timeout.as_secs_f64()
                    ),
                    detail: "raise --timeout, or look for a step that waits on something the \
                             app never does"
                        .to_owned(),
                }),
            };
            if matches!(outcome, Outcome::Failed(_)) {
                screenshot = setup.save_screenshot(case, env).await;
            }
            setup.finish().await;
            outcome
        }
    };
    CaseResult {
        name: case.name.clone(),
        path: case.path.clone(),
        outcome,
        duration: started.elapsed(),
        screenshot,
    }
}

/// A running test: its emulator, clock, browser session and native client.
struct Setup {
    emulator: RunningEmulator,
    clock: Arc<OffsetClock>,
    seen: SeenLog,
    browser: Option<Browser>,
    native: Option<Connection>,
    next_reference: u64,
}

fn setup_failure(summary: impl Into<String>, detail: impl Into<String>) -> Failure {
    Failure {
        step: None,
        summary: summary.into(),
        detail: detail.into(),
    }
}

impl Setup {
    async fn start(case: &TestCase, env: &RunEnv) -> Result<Self, Failure> {
        let mut config = EmulatorConfig::loopback_ephemeral();
        config.srs = None;
        if !case.file.runs_demo_app() {
            config.demo_app = None;
        }
        config.options = case.options.clone();
        config.apps = case.file.apps.clone();
        let clock = Arc::new(OffsetClock::new());
        let emulator = Emulator::start_with(config, clock.clone(), Arc::new(default_workspace()))
            .await
            .map_err(|error| setup_failure("the emulator cannot start", error.to_string()))?;
        let seen = SeenLog::collect(&emulator.service);
        let mut setup = Self {
            emulator,
            clock,
            seen,
            browser: None,
            native: None,
            next_reference: 1,
        };
        if case.file.uses_browser()
            && let Err(failure) = setup.open_browser(env).await
        {
            setup.finish().await;
            return Err(failure);
        }
        Ok(setup)
    }

    async fn open_browser(&mut self, env: &RunEnv) -> Result<(), Failure> {
        let Some(driver) = &env.driver else {
            return Err(setup_failure(
                "this test needs a browser and none runs",
                "set `\"browser\": false` in the test if it drives native clients only",
            ));
        };
        let browser = Browser::open(driver, &env.browser)
            .await
            .map_err(|error| setup_failure("the browser cannot start", error.to_string()))?;
        let loaded = async {
            browser.goto(&self.emulator.page_url).await?;
            let apps = self.emulator.host_config().apps.len();
            browser.wait_for_apps(apps, APPS_LOAD).await
        }
        .await;
        self.browser = Some(browser);
        loaded.map_err(|error| {
            setup_failure("the host page did not load its apps", error.to_string())
        })
    }

    async fn run_steps(&mut self, case: &TestCase) -> Result<(), Failure> {
        let default_wait = case.file.timeout_ms.unwrap_or(DEFAULT_EXPECT_MS);
        for (index, step) in case.file.steps.iter().enumerate() {
            let result = self.run_step(step, default_wait).await;
            self.drain_native();
            if let Err(detail) = result {
                return Err(Failure {
                    step: Some(index + 1),
                    summary: format!("step {}: {}", index + 1, describe(step)),
                    detail,
                });
            }
        }
        Ok(())
    }

    async fn run_step(&mut self, step: &TestStep, default_wait: u64) -> Result<(), String> {
        match step {
            TestStep::Action(action) => self
                .emulator
                .apply(action.clone())
                .await
                .map(drop)
                .map_err(|refusal| format!("the control API refused it: {}", refusal.error)),
            TestStep::Clock(step) => {
                // Checked finite and non-negative when the file was read.
                let millis = (step.clock * 1000.0).round();
                self.clock.advance_millis(millis as u64);
                Ok(())
            }
            TestStep::Wait(step) => {
                tokio::time::sleep(Duration::from_millis(step.wait)).await;
                Ok(())
            }
            TestStep::App(step) => self.app_step(step).await,
            TestStep::Native(step) => self.native_step(step).await,
            TestStep::Expect(expectation) => {
                let within = Duration::from_millis(expectation.within_ms().unwrap_or(default_wait));
                self.expect(expectation, within).await
            }
            _ => Err("this runner does not know this step".to_owned()),
        }
    }

    fn browser(&mut self) -> Result<&mut Browser, String> {
        self.browser.as_mut().ok_or_else(|| {
            "this step needs the browser, and the test sets `\"browser\": false`".to_owned()
        })
    }

    async fn app_step(&mut self, step: &AppStep) -> Result<(), String> {
        let browser = self.browser()?;
        let done = match step {
            AppStep::Click { selector, frame } => browser.click(frame.as_deref(), selector).await,
            AppStep::Type {
                selector,
                text,
                frame,
            } => browser.type_text(frame.as_deref(), selector, text).await,
            _ => return Err("this runner does not know this app step".to_owned()),
        };
        done.map_err(|error| error.to_string())
    }

    async fn native_step(&mut self, step: &NativeStep) -> Result<(), String> {
        let (connection, message) = match step {
            NativeStep::Connect { origin } => {
                if self.native.is_some() {
                    return Err("the native client is connected already".to_owned());
                }
                let connection = self
                    .emulator
                    .service
                    .connect(origin, None)
                    .await
                    .map_err(|error| format!("cannot connect: {error}"))?;
                self.native = Some(connection);
                return Ok(());
            }
            NativeStep::Request { name, parameters } => (
                self.native.as_ref(),
                json!({
                    "request": name,
                    "parameters": parameters.clone().unwrap_or_else(|| json!([])),
                    "referenceId": self.next_reference.to_string(),
                    "userAgent": CLIENT_USER_AGENT,
                    "protocolVersion": PROTOCOL_VERSION,
                }),
            ),
            NativeStep::Subscribe { topics } => (
                self.native.as_ref(),
                json!({
                    "event": SUBSCRIBE,
                    "data": topics,
                    "referenceId": self.next_reference.to_string(),
                    "userAgent": CLIENT_USER_AGENT,
                    "protocolVersion": PROTOCOL_VERSION,
                }),
            ),
            _ => return Err("this runner does not know this native step".to_owned()),
        };
        let connection = connection
            .ok_or_else(|| "connect the native client first: {\"native\": \"connect\", \"origin\": \"https://...\"}".to_owned())?;
        connection.send(&message.to_string()).await;
        self.next_reference += 1;
        Ok(())
    }

    /// Reads what the native client was sent, so its queue never fills (the traffic log
    /// holds what expectations look at).
    fn drain_native(&mut self) {
        if let Some(connection) = self.native.as_mut() {
            while connection.try_recv().is_some() {}
        }
    }

    async fn expect(&mut self, expectation: &Expectation, within: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.drain_native();
            let looked = self.look(expectation).await?;
            let last_chance = tokio::time::Instant::now() >= deadline || !waits(expectation);
            match looked {
                Ok(()) => return Ok(()),
                Err(report) if last_chance => {
                    let waited = if waits(expectation) {
                        format!("\n(waited {} ms)", within.as_millis())
                    } else {
                        String::new()
                    };
                    return Err(format!("{report}{waited}"));
                }
                Err(_) => {}
            }
            let pause = if is_browser_side(expectation) {
                BROWSER_POLL
            } else {
                POLL
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// One look: `Ok(Ok)` met, `Ok(Err(report))` not (yet), `Err` the look itself failed.
    async fn look(&mut self, expectation: &Expectation) -> Result<Result<(), String>, String> {
        if let Some(result) = check_traffic(expectation, &self.seen.snapshot()) {
            return Ok(result);
        }
        match expectation {
            Expectation::State {
                pointer,
                equals,
                match_,
                ..
            } => {
                let state = serde_json::to_value(self.emulator.desktop_state())
                    .map_err(|error| format!("cannot read the desktop state: {error}"))?;
                Ok(check_state(pointer, equals, *match_, &state))
            }
            Expectation::Text { text, frame, .. } => {
                let browser = self.browser()?;
                let (shown, url) = browser
                    .frame_text(frame.as_deref())
                    .await
                    .map_err(|error| error.to_string())?;
                if shown.contains(text.as_str()) {
                    Ok(Ok(()))
                } else {
                    let start: String = shown.chars().take(600).collect();
                    Ok(Err(format!(
                        "expected: the text {text:?} in {url}\nit shows: {}",
                        compact(&Value::String(start))
                    )))
                }
            }
            Expectation::NoConsoleError { frame } => {
                let browser = self.browser()?;
                let url = browser
                    .frame_url(frame.as_deref())
                    .await
                    .map_err(|error| error.to_string())?;
                let origin = origin_of(&url);
                let errors: Vec<String> = browser
                    .console_errors()
                    .await
                    .map_err(|error| error.to_string())?
                    .iter()
                    .filter(|entry| entry.message.starts_with(&origin))
                    .map(|entry| entry.message.clone())
                    .collect();
                if errors.is_empty() {
                    Ok(Ok(()))
                } else {
                    Ok(Err(format!(
                        "expected: no console error in {url}\nseen {}:\n  {}",
                        errors.len(),
                        errors.join("\n  ")
                    )))
                }
            }
            _ => Err("this runner does not know this expectation".to_owned()),
        }
    }

    async fn save_screenshot(&self, case: &TestCase, env: &RunEnv) -> Option<PathBuf> {
        let (browser, dir) = (self.browser.as_ref()?, env.artifacts.as_ref()?);
        let png = browser.screenshot().await.ok()?;
        let path = dir.join(format!("{}.png", slug(&case.name)));
        std::fs::create_dir_all(dir).ok()?;
        std::fs::write(&path, png).ok()?;
        Some(path)
    }

    async fn finish(mut self) {
        if let Some(browser) = self.browser.take() {
            browser.close().await;
        }
        drop(self.native.take());
        self.emulator.shutdown().await;
    }
}

/// Whether an expectation waits for its time, or is a look at what happened so far.
fn waits(expectation: &Expectation) -> bool {
    !matches!(
        expectation,
        Expectation::NoRefusal { .. } | Expectation::NoConsoleError { .. }
    )
}

fn is_browser_side(expectation: &Expectation) -> bool {
    matches!(
        expectation,
        Expectation::Text { .. } | Expectation::NoConsoleError { .. }
    )
}

/// A step on one line, its tag first: `expect request {"name":"voice.dial",...}`.
fn describe(step: &TestStep) -> String {
    let Ok(Value::Object(mut fields)) = serde_json::to_value(step) else {
        return format!("{step:?}");
    };
    let Some((key, tag)) = TestStep::KEYS
        .into_iter()
        .find_map(|key| fields.remove(key).map(|tag| (key, tag)))
    else {
        return compact(&Value::Object(fields));
    };
    let tag = match tag {
        Value::String(text) => text,
        other => other.to_string(),
    };
    if fields.is_empty() {
        format!("{key} {tag}")
    } else {
        format!("{key} {tag} {}", compact(&Value::Object(fields)))
    }
}

/// `scheme://host:port` of a URL (the start of the console lines its scripts log).
fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|_| url.to_owned())
}

/// A file name for a test name: letters and digits, the rest as `-`.
pub(crate) fn slug(name: &str) -> String {
    let mut slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.truncate(80);
    let trimmed = slug.trim_matches('-');
    if trimmed.is_empty() {
        "test".to_owned()
    } else {
        trimmed.to_owned()
    }
}
