//! `agentdesk-server test`, run as users run it: the binary, logging on, over the example
//! suite (must pass), must-fail tests (exit 1 with a readable diff) and unusable input
//! (exit 2 saying what to do).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use agentdesk_server::testing::browser::find_binary;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `agentdesk-server test ARGS` with `RUST_LOG=debug` and colour off.
fn run_tests(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_agentdesk-server"))
        .arg("test")
        .args(args)
        .current_dir(crate_dir())
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        status.code().expect("an exit code"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Whether chromium and chromedriver are here; under CI they must be.
fn browser_available() -> bool {
    let found = |name: &str| find_binary(Path::new(name)).is_some();
    let available = found("chromium") && found("chromedriver");
    assert!(
        available || std::env::var_os("CI").is_none(),
        "the runner's browser tests are required under CI: apt-get install -y chromium chromium-driver"
    );
    if !available {
        eprintln!("skipped: chromium or chromedriver missing");
    }
    available
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "agentdesk-test-runner-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_example_suite_passes_and_writes_its_reports() {
    if !browser_available() {
        return;
    }
    let out = temp_dir("examples");
    let junit = out.join("report.xml");
    let json = out.join("report.json");
    let (code, stdout, stderr) = run_tests(&[
        "examples/tests",
        "--jobs",
        "2",
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("running 5 tests (2 at a time)"), "{stdout}");
    assert_eq!(stdout.matches(" PASS ").count(), 5, "{stdout}");
    assert!(stdout.contains("5 tests: 5 passed, 0 failed"), "{stdout}");
    // Logging on: the emulators' debug lines went to stderr, not into the results.
    assert!(stderr.contains("DEBUG"), "{stderr}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"5\" failures=\"0\""), "{xml}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["passed"], 5);
    // A pass leaves no screenshot.
    assert!(
        !std::fs::read_dir(&out).unwrap().any(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "png"))
    );
}

#[test]
fn a_wrong_expectation_exits_1_with_the_decision_the_rule_and_a_screenshot() {
    if !browser_available() {
        return;
    }
    let out = temp_dir("must-fail");
    let junit = out.join("report.xml");
    let (code, stdout, stderr) = run_tests(&[
        "tests/test_runner/must-fail",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("2 tests: 0 passed, 2 failed"), "{stdout}");
    // What was expected, what was seen, with its decision and the rule that decided.
    assert!(
        stdout.contains("step 2: expect request {\"name\":\"voice.dial\",\"verdict\":\"allowed\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected: request voice.dial, allowed"),
        "{stdout}"
    );
    assert!(stdout.contains("seen 1 requests:"), "{stdout}");
    assert!(
        stdout.contains("denied    voice.dial [\"5551234\",null]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("none of its filters grants the request"),
        "{stdout}"
    );
    // A refused control action says why and what to do.
    assert!(
        stdout.contains("the control API refused it: No interaction with id '42'"),
        "{stdout}"
    );
    let screenshot = out.join("expects-a-dial-the-policy-allows--it-denies-it.png");
    let png = std::fs::read(&screenshot).expect("the failing test's screenshot");
    assert_eq!(&png[..4], b"\x89PNG");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"2\""), "{xml}");
    assert!(
        xml.contains(&format!("[[ATTACHMENT|{}]]", screenshot.display())),
        "{xml}"
    );
}

#[test]
fn shards_split_a_suite_without_overlap_and_native_tests_need_no_browser() {
    let mut seen = Vec::new();
    for shard in ["1/2", "2/2"] {
        let (code, stdout, stderr) = run_tests(&[
            "tests/test_runner/native",
            "--shard",
            shard,
            "--chromium",
            "/nonexistent/chromium",
        ]);
        assert_eq!(code, 0, "shard {shard}: {stdout}\n{stderr}");
        seen.extend(
            stdout
                .lines()
                .filter(|line| line.contains(" PASS "))
                .map(|line| line.split("PASS").nth(1).unwrap().trim().to_owned()),
        );
    }
    seen.sort();
    let names: Vec<String> = seen
        .iter()
        .map(|line| line.split("  (").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "quick native test 1",
            "quick native test 2",
            "quick native test 3"
        ]
    );
}

#[test]
fn a_bad_file_exits_2_naming_the_file_the_step_and_the_fix() {
    let dir = temp_dir("bad");
    let file = dir.join("typo.json");
    std::fs::write(
        &file,
        r#"{"steps": [{"expect": "requests", "name": "voice.dial"}]}"#,
    )
    .unwrap();
    let (code, _, stderr) = run_tests(&[file.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("typo.json"), "{stderr}");
    assert!(
        stderr.contains("`expect` \"requests\" is unknown; send one of \"request\""),
        "{stderr}"
    );
}

#[test]
fn no_browser_exits_2_saying_how_to_install_one() {
    let (code, _, stderr) = run_tests(&[
        "examples/tests/answer-writes-user-data.json",
        "--chromium",
        "/nonexistent/chromium",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("apt-get install -y chromium chromium-driver"),
        "{stderr}"
    );
}

/// Serves one page on a fresh loopback port for as long as the test runs; its URL.
fn serve_page(html: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().route(
                "/",
                axum::routing::get(move || async move { axum::response::Html(html) }),
            );
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

#[test]
fn an_app_that_logs_a_console_error_fails_no_console_error_with_the_message() {
    if !browser_available() {
        return;
    }
    let app = serve_page(
        "<!doctype html><title>noisy app</title><p>noisy app</p>\
         <script>console.error('boom from the app'); setTimeout(function () { null.x; }, 10);</script>",
    );
    let dir = temp_dir("console");
    std::fs::write(
        dir.join("options.cfg"),
        format!(
            "[interaction-workspace]\nservice-client-api.accepted-web-content-origins={}\n",
            app.trim_end_matches('/')
        ),
    )
    .unwrap();
    let test = serde_json::json!({
        "name": "a noisy app",
        "options": "options.cfg",
        "apps": [app],
        "steps": [
            { "expect": "text", "text": "noisy app" },
            { "wait": 300 },
            { "expect": "no-console-error" }
        ]
    });
    let file = dir.join("noisy.json");
    std::fs::write(&file, test.to_string()).unwrap();
    let (code, stdout, stderr) = run_tests(&[file.to_str().unwrap()]);
    assert_eq!(code, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("step 3: expect no-console-error"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: no console error in"), "{stdout}");
    assert!(stdout.contains("boom from the app"), "{stdout}");
    assert!(stdout.contains("Uncaught TypeError"), "{stdout}");
}

#[test]
fn filter_keeps_the_tests_whose_name_matches_and_an_empty_selection_is_unusable() {
    let (code, stdout, stderr) = run_tests(&[
        "tests/test_runner/native",
        "--filter",
        "test 2",
        "--chromium",
        "/nonexistent/chromium",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("running 1 test "), "{stdout}");
    assert!(stdout.contains("PASS  quick native test 2"), "{stdout}");
    let (code, _, stderr) = run_tests(&["tests/test_runner/native", "--filter", "nothing like it"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no test selected (3 found"), "{stderr}");
}

#[test]
fn a_test_over_its_timeout_fails_saying_which_limit_to_raise() {
    let dir = temp_dir("timeout");
    let file = dir.join("slow.json");
    std::fs::write(
        &file,
        r#"{"name": "slow", "browser": false, "steps": [{"wait": 5000}]}"#,
    )
    .unwrap();
    let (code, stdout, stderr) = run_tests(&[file.to_str().unwrap(), "--timeout", "1"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("the test did not finish within 1 s"),
        "{stdout}"
    );
    assert!(stdout.contains("raise --timeout"), "{stdout}");
}
