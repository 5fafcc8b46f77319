//! `agentdesk-server test`: runs test files against fresh emulators in headless chromium.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use agentdesk_server::testing::{
    self, BrowserConfig, CaseResult, Outcome, Shard, SuiteConfig, SuiteReport,
};
use clap::Args;

/// Exit status when a file or the environment is unusable.
const UNUSABLE: u8 = 2;

/// `agentdesk-server test FILES...`
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every test passes, 1 when one fails, 2 when a \
    file or the environment cannot be used (e.g. no chromium). The test-file format: \
    schema/emulator/TestFile.json and the README's \"Test your app in CI\"."
)]
pub(crate) struct TestArgs {
    /// Test files, or directories of them (their `.json` files).
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    /// The WWE option file of every test that names none.
    #[arg(long, value_name = "FILE")]
    pub(crate) options: Option<PathBuf>,
    /// Write a JUnit XML report (failure screenshots go next to it).
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Write a JSON report (failure screenshots go next to it).
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Where failure screenshots go (default: the report's directory; none without a report).
    #[arg(long, value_name = "DIR")]
    pub(crate) artifacts: Option<PathBuf>,
    /// Tests run at once, each with its own emulator and browser.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) jobs: u16,
    /// Run shard K of N (1 <= K <= N): the same split on every machine of a CI matrix.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<Shard>,
    /// Run only tests whose name or file contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub(crate) filter: Option<String>,
    /// The longest one test may take, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) timeout: u64,
    /// Show the browser instead of running it headless (needs a display).
    #[arg(long)]
    pub(crate) headed: bool,
    /// The chromium binary.
    #[arg(
        long,
        env = "CHROMIUM",
        default_value = "chromium",
        value_name = "PATH"
    )]
    pub(crate) chromium: PathBuf,
    /// The chromedriver binary.
    #[arg(
        long,
        env = "CHROMEDRIVER",
        default_value = "chromedriver",
        value_name = "PATH"
    )]
    pub(crate) chromedriver: PathBuf,
}

impl TestArgs {
    fn suite_config(&self) -> SuiteConfig {
        let mut browser = BrowserConfig::default();
        browser.chromium = self.chromium.clone();
        browser.chromedriver = self.chromedriver.clone();
        browser.headed = self.headed;
        let report_dir = self
            .junit
            .as_ref()
            .or(self.json.as_ref())
            .map(|report| report.parent().map(PathBuf::from).unwrap_or_default());
        let mut config = SuiteConfig::default();
        config.browser = browser;
        config.jobs = usize::from(self.jobs);
        config.timeout = Duration::from_secs(self.timeout);
        config.artifacts = self.artifacts.clone().or(report_dir);
        config
    }
}

/// Colours for a terminal that wants them (`NO_COLOR` unset).
struct Style {
    colour: bool,
}

impl Style {
    fn detect() -> Self {
        Self {
            colour: std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub(crate) fn run(args: &TestArgs) -> ExitCode {
    let cases = match testing::load(&args.files, args.options.as_deref()) {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("error: these test files cannot be used:\n{error}");
            return ExitCode::from(UNUSABLE);
        }
    };
    let found = cases.len();
    let cases = testing::select(cases, args.filter.as_deref(), args.shard);
    if cases.is_empty() {
        if args.shard.is_some() && args.filter.is_none() && found > 0 {
            println!("no test in this shard ({found} in the suite)");
            return ExitCode::SUCCESS;
        }
        eprintln!("error: no test selected ({found} found; check the paths and --filter)");
        return ExitCode::from(UNUSABLE);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(UNUSABLE);
        }
    };
    let style = Style::detect();
    let config = args.suite_config();
    println!(
        "running {} test{} ({} at a time)",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" },
        config.jobs.min(cases.len())
    );
    let report = runtime.block_on(testing::run_suite(cases, &config, |result, done, total| {
        print_result(&style, result, done, total);
    }));
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(UNUSABLE);
        }
    };
    if let Err(code) = write_reports(args, &report) {
        return code;
    }
    let failed = report.failures();
    let summary = format!(
        "{} test{}: {} passed, {failed} failed in {:.1} s",
        report.results.len(),
        if report.results.len() == 1 { "" } else { "s" },
        report.results.len() - failed,
        report.duration.as_secs_f64()
    );
    if failed == 0 {
        println!("{}", style.paint("32", &summary));
        ExitCode::SUCCESS
    } else {
        println!("{}", style.paint("31", &summary));
        ExitCode::FAILURE
    }
}

fn print_result(style: &Style, result: &CaseResult, done: usize, total: usize) {
    let seconds = result.duration.as_secs_f64();
    match &result.outcome {
        Outcome::Passed => println!(
            "[{done}/{total}] {}  {}  ({seconds:.2} s)",
            style.paint("32", "PASS"),
            result.name
        ),
        Outcome::Failed(failure) => {
            println!(
                "[{done}/{total}] {}  {}  ({seconds:.2} s)  {}",
                style.paint("31", "FAIL"),
                result.name,
                result.path.display()
            );
            println!("      {}", failure.summary);
            for line in failure.detail.lines() {
                println!("      {line}");
            }
            if let Some(screenshot) = &result.screenshot {
                println!("      screenshot: {}", screenshot.display());
            }
        }
    }
}

fn write_reports(args: &TestArgs, report: &SuiteReport) -> Result<(), ExitCode> {
    let mut writes = Vec::new();
    if let Some(path) = &args.junit {
        writes.push((path, report.to_junit()));
    }
    if let Some(path) = &args.json {
        writes.push((path, report.to_json()));
    }
    for (path, text) in writes {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(error) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return Err(ExitCode::from(UNUSABLE));
        }
    }
    Ok(())
}
