//! The browser round-trip benchmark (`examples/roundtrip.rs`) runs end to end with a handful of
//! calls and prints its summary line. No figure is asserted: only that every measurement ran
//! and produced numbers.
//!
//! Needs Debian's `chromium` and `chromedriver` (`.ci/run` installs both). Without them the
//! test is skipped locally and fails under CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/roundtrip`, which `cargo test` builds next to this test.
fn example_binary() -> PathBuf {
    let test = std::env::current_exe().unwrap();
    // target/<profile>/deps/<this test>
    let profile = test.parent().unwrap().parent().unwrap();
    profile
        .join("examples")
        .join(format!("roundtrip{}", std::env::consts::EXE_SUFFIX))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The numbers of `round trip p50 A ms p99 B ms; floor p50 C ms p99 D ms; ratio p50 R`, or
/// `None` when the line has another shape.
fn contract_numbers(line: &str) -> Option<Vec<f64>> {
    let words: Vec<&str> = line.split(' ').collect();
    let shape = [
        "round", "trip", "p50", "#", "ms", "p99", "#", "ms;", "floor", "p50", "#", "ms", "p99",
        "#", "ms;", "ratio", "p50", "#",
    ];
    if words.len() != shape.len() {
        return None;
    }
    let mut numbers = Vec::new();
    for (word, expected) in words.iter().zip(shape) {
        if expected == "#" {
            let number: f64 = word.parse().ok()?;
            if !number.is_finite() || word.starts_with(['+', '-']) {
                return None;
            }
            numbers.push(number);
        } else if *word != expected {
            return None;
        }
    }
    Some(numbers)
}

#[test]
fn the_contract_line_is_recognised() {
    assert_eq!(
        contract_numbers(
            "round trip p50 0.900 ms p99 2.100 ms; floor p50 0.100 ms p99 0.300 ms; ratio p50 9.00"
        ),
        Some(vec![0.9, 2.1, 0.1, 0.3, 9.0])
    );
    assert_eq!(
        contract_numbers(
            "round trip p50 NaN ms p99 2 ms; floor p50 0.1 ms p99 0.3 ms; ratio p50 9"
        ),
        None
    );
    assert_eq!(contract_numbers("round trip p50 1 ms"), None);
}

#[test]
fn the_round_trip_benchmark_prints_its_summary_line() {
    let binary = example_binary();
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !binary.is_file() || !chromium.exists() || !on_path("chromedriver") {
        assert!(
            std::env::var_os("CI").is_none(),
            "under CI the example is built and chromium and chromedriver are installed \
             (apt-get install chromium chromium-driver); missing: example {} {}, chromium {} {}, chromedriver {}",
            binary.display(),
            binary.is_file(),
            chromium.display(),
            chromium.exists(),
            on_path("chromedriver"),
        );
        eprintln!("skipped: the example, chromium or chromedriver is missing");
        return;
    }
    let output = Command::new(&binary)
        .args(["--calls", "5", "--concurrent", "2", "--warmup", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the example failed: {}\n{stdout}\n{stderr}",
        output.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    let numbers = contract_numbers(last)
        .unwrap_or_else(|| panic!("the last line is not the summary line: {stdout}"));
    assert_eq!(numbers.len(), 5);
    // Every measurement reported its calls.
    for label in ["floor", "websocket floor", "round trip"] {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with(label) && line.contains("sequential p50")),
            "no {label} measurement in: {stdout}"
        );
    }
}
