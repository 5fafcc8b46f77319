//! `agentdesk-server test`: unattended tests of contact-centre apps against the emulator.
//!
//! Each [test file](agentdesk_protocol::emulator::test_file) gets a fresh emulator on
//! ephemeral loopback ports (its own simulated desktop, its own policy state, a clock `clock`
//! steps can jump), the host page loaded in its own headless chromium session (one
//! `chromedriver` serves the run), and its steps run in order. The first step that fails
//! ends the test with a report of what was expected and what was seen, each message with
//! the service's decision and rule, and a screenshot of the host page.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use agentdesk_server::testing::{self, SuiteConfig};
//!
//! let cases = testing::load(&["tests/answer.json".into()], None)?;
//! let report = testing::run_suite(cases, &SuiteConfig::default(), |_result, _done, _total| {}).await?;
//! assert!(report.passed());
//! # Ok(()) }
//! ```

pub mod browser;
mod case;
mod expect;
pub mod report;
mod traffic;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_protocol::emulator::test_file::{TestFile, TestStep};
use futures_util::StreamExt;

pub use self::browser::{BrowserConfig, BrowserError};
pub use self::case::{CaseResult, Failure, Outcome, TestCase};
use self::case::{RunEnv, run_case};
pub use self::report::SuiteReport;

/// How to run a suite.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SuiteConfig {
    /// The browser and its driver.
    pub browser: BrowserConfig,
    /// Tests run at once, each in its own emulator and browser session.
    pub jobs: usize,
    /// The longest a test may take.
    pub timeout: Duration,
    /// Where failure screenshots go (`None`: not taken).
    pub artifacts: Option<PathBuf>,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        Self {
            browser: BrowserConfig::default(),
            jobs: 1,
            timeout: Duration::from_secs(60),
            artifacts: None,
        }
    }
}

/// Test files that cannot be used: every problem, each naming its file.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct LoadError {
    /// One line per problem.
    pub problems: Vec<String>,
}

/// Reads test files (a directory stands for the `.json` files in it, sorted), each with the
/// option file it names (relative to it) or `default_options`.
pub fn load(paths: &[PathBuf], default_options: Option<&Path>) -> Result<Vec<TestCase>, LoadError> {
    let mut problems = Vec::new();
    let default_text = default_options.and_then(|path| match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) => {
            problems.push(format!("--options {}: {error}", path.display()));
            None
        }
    });
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|entry| entry.path())
                        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(error) => problems.push(format!("{}: {error}", path.display())),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut cases = Vec::new();
    for path in files {
        match load_one(&path, default_text.as_deref()) {
            Ok(case) => cases.push(case),
            Err(problem) => problems.push(format!("{}: {problem}", path.display())),
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(LoadError { problems })
    }
}

fn load_one(path: &Path, default_options: Option<&str>) -> Result<TestCase, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    let file = TestFile::decode(&text).map_err(|error| error.to_string())?;
    for (index, step) in file.steps.iter().enumerate() {
        if let TestStep::Clock(clock) = step
            && (!clock.clock.is_finite() || clock.clock < 0.0 || clock.clock > 1e9)
        {
            return Err(format!(
                "step {}: `clock` must be a number of seconds from 0 to 1e9, got {}",
                index + 1,
                clock.clock
            ));
        }
    }
    let options = match &file.options {
        Some(relative) => {
            let options_path = path.parent().unwrap_or(Path::new(".")).join(relative);
            let text = std::fs::read_to_string(&options_path)
                .map_err(|error| format!("`options` {}: {error}", options_path.display()))?;
            Some(text)
        }
        None => default_options.map(str::to_owned),
    };
    let name = file.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    });
    Ok(TestCase {
        path: path.to_owned(),
        name,
        file,
        options,
    })
}

/// Which part of a suite a machine runs: shard `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 1.
    pub index: usize,
    /// How many machines share the suite.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || format!("{text:?}: write K/N with 1 <= K <= N, e.g. 2/4");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: usize = index.trim().parse().map_err(|_| usage())?;
        let count: usize = count.trim().parse().map_err(|_| usage())?;
        if index == 0 || index > count {
            return Err(usage());
        }
        Ok(Self { index, count })
    }
}

/// The tests a run keeps: names containing `filter`, then shard `shard` of them, the same on
/// every machine (tests are ordered by file path first).
pub fn select(
    mut cases: Vec<TestCase>,
    filter: Option<&str>,
    shard: Option<Shard>,
) -> Vec<TestCase> {
    cases.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.name.cmp(&b.name)));
    if let Some(filter) = filter {
        cases.retain(|case| {
            case.name.contains(filter) || case.path.to_string_lossy().contains(filter)
        });
    }
    if let Some(shard) = shard {
        cases = cases
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % shard.count == shard.index - 1)
            .map(|(_, case)| case)
            .collect();
    }
    cases
}

/// Runs `cases`, up to `config.jobs` at once; `progress` hears of each result as it comes
/// (with how many are done and how many there are). Fails only when a test needs a browser
/// and none can start.
pub async fn run_suite(
    cases: Vec<TestCase>,
    config: &SuiteConfig,
    mut progress: impl FnMut(&CaseResult, usize, usize),
) -> Result<SuiteReport, BrowserError> {
    let started = Instant::now();
    let driver = if cases.iter().any(|case| case.file.uses_browser()) {
        Some(Arc::new(browser::Driver::start(&config.browser).await?))
    } else {
        None
    };
    let env = RunEnv {
        driver,
        browser: config.browser.clone(),
        timeout: config.timeout,
        artifacts: config.artifacts.clone(),
    };
    let total = cases.len();
    let mut results: Vec<Option<CaseResult>> = vec![None; total];
    let env = &env;
    let mut runs = futures_util::stream::iter(cases.iter().enumerate())
        .map(|(index, case)| async move { (index, run_case(case, env).await) })
        .buffer_unordered(config.jobs.max(1));
    let mut done = 0;
    while let Some((index, result)) = runs.next().await {
        done += 1;
        progress(&result, done, total);
        results[index] = Some(result);
    }
    Ok(SuiteReport {
        results: results.into_iter().flatten().collect(),
        duration: started.elapsed(),
    })
}
