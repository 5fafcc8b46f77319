//! The load tool's closed-loop mode, run as users run it: the built `load` example binary
//! (`cargo test` builds the examples next to the tests), with tiny parameters. Only the shape
//! of the contract line and that every endpoint answered are checked, never a figure.

use std::path::PathBuf;
use std::process::Command;

/// The contract: the last line of `load --closed-loop`, a capital letter standing for a number.
const CONTRACT: &str =
    "saturation scapi X req/s relay Y req/s echo Z req/s; ratio R; idle K KiB/connection";

/// `target/<profile>/examples/load`, from this test's `target/<profile>/deps/<test>`.
fn load_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile = exe.parent()?.parent()?;
    let path = profile
        .join("examples")
        .join(format!("load{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

/// The numbers of `line` where [`CONTRACT`] has letters, by letter; `Err` says where the line
/// departs from the contract.
fn contract_numbers(line: &str) -> Result<Vec<(char, f64)>, String> {
    let expected: Vec<&str> = CONTRACT.split(' ').collect();
    let actual: Vec<&str> = line.split(' ').collect();
    if expected.len() != actual.len() {
        return Err(format!(
            "{} words, the contract has {}",
            actual.len(),
            expected.len()
        ));
    }
    let mut numbers = Vec::new();
    for (want, got) in expected.iter().zip(&actual) {
        let letter = want.chars().next().filter(|c| c.is_ascii_uppercase());
        match letter {
            Some(letter) if want.len() == 1 || want[1..] == *";" => {
                let suffix = &want[1..];
                let number = got
                    .strip_suffix(suffix)
                    .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
                    .and_then(|n| n.parse::<f64>().ok())
                    .ok_or_else(|| format!("{got:?} is not a number where {want:?} is"))?;
                numbers.push((letter, number));
            }
            _ if want == got => {}
            _ => return Err(format!("{got:?} where the contract has {want:?}")),
        }
    }
    Ok(numbers)
}

#[test]
fn the_contract_shape_is_checked_word_by_word() {
    let good = "saturation scapi 19137 req/s relay 13672 req/s echo 31614 req/s; ratio 0.43; idle 10.2 KiB/connection";
    let numbers = contract_numbers(good).unwrap();
    let letters: String = numbers.iter().map(|(letter, _)| letter).collect();
    assert_eq!(letters, "XYZRK");
    assert_eq!(numbers[3].1, 0.43);
    for bad in [
        "saturation scapi NaN req/s relay 1 req/s echo 1 req/s; ratio 1; idle 1 KiB/connection",
        "saturation scapi 1 req/s relay 1 req/s echo 1 req/s ratio 1; idle 1 KiB/connection",
        "saturation scapi 1 req/s relay 1 req/s echo 1 req/s; ratio 1; idle 1 KiB",
        "saturation scapi -1 req/s relay 1 req/s echo 1 req/s; ratio 1; idle 1 KiB/connection",
    ] {
        assert!(contract_numbers(bad).is_err(), "{bad}");
    }
}

#[test]
fn closed_loop_ends_with_the_contract_line_and_every_endpoint_answers() {
    let Some(load) = load_example() else {
        eprintln!("the load example is not built (cargo test builds it); nothing to run");
        return;
    };
    let output = Command::new(load)
        .args([
            "--closed-loop",
            "--clients",
            "8",
            "--paced-clients",
            "2",
            "--max-concurrency",
            "4",
            "--step-seconds",
            "0.3",
            "--paced-seconds",
            "0.3",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    let numbers = contract_numbers(last).unwrap_or_else(|problem| panic!("{problem}:\n{stdout}"));
    // Closed-loop clients got answers from each endpoint: /scapi, the relay and the echo.
    for (letter, number) in &numbers[..3] {
        assert!(*number > 0.0, "{letter} is {number}:\n{stdout}");
    }
    // The search and the paced loads ran and printed their figures.
    for part in ["scapi ", "relay ", "echo ", "p99 at 50 %", "at 90 %"] {
        assert!(stdout.contains(part), "no {part:?}:\n{stdout}");
    }
}
