//! `cargo xtask conformance [--filter TEXT]`: replays the checked-in corpus
//! `schema/conformance/*.jsonl` against the engine and `SimulatedWorkspace` in process.
//!
//! Prints `PASS <name>` or `FAIL <name>` (with the first differing step, expected lines
//! prefixed `-`, actual `+`) per case, then `N passed, M failed` alone on a line; exits
//! non-zero when a case fails or the corpus cannot be read. `--filter` keeps the cases whose
//! name contains the text.

pub(crate) mod corpus;
mod format;
mod replay;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use format::{Case, Expected};

/// Replays the corpus; see the module docs.
pub(crate) fn run(filter: Option<&str>) -> ExitCode {
    let cases = match load(&corpus_dir()) {
        Ok(cases) => cases,
        Err(err) => {
            eprintln!("conformance: {err}");
            return ExitCode::FAILURE;
        }
    };
    let selected: Vec<&Case> = cases
        .iter()
        .filter(|case| filter.is_none_or(|text| case.name.contains(text)))
        .collect();
    if selected.is_empty() {
        eprintln!("conformance: no case matches");
        return ExitCode::FAILURE;
    }
    let mut failed = 0usize;
    for case in &selected {
        match check(case) {
            Ok(()) => println!("PASS {}", case.name),
            Err(diff) => {
                failed += 1;
                println!("FAIL {}", case.name);
                for line in diff.lines() {
                    println!("    {line}");
                }
            }
        }
    }
    println!("{} passed, {failed} failed", selected.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|root| root.join("schema/conformance"))
        .unwrap_or_else(|| PathBuf::from("schema/conformance"))
}

/// Every case of every `*.jsonl` file under `dir`, files in name order.
fn load(dir: &Path) -> Result<Vec<Case>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|err| format!("cannot read {}: {err}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        cases.extend(parse(&text).map_err(|err| format!("{}: {err}", path.display()))?);
    }
    if cases.is_empty() {
        return Err(format!("no case under {}", dir.display()));
    }
    Ok(cases)
}

/// The cases of one file: lines without `name` are comments.
fn parse(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|err| format!("line {}: {err}", index + 1))?;
        if value.get("name").is_none() {
            continue;
        }
        let case =
            serde_json::from_value(value).map_err(|err| format!("line {}: {err}", index + 1))?;
        cases.push(case);
    }
    Ok(cases)
}

/// Replays one case; `Err` describes the first difference.
fn check(case: &Case) -> Result<(), String> {
    let actual = replay::run(case)?;
    for (index, (step, actual)) in case.steps.iter().zip(&actual).enumerate() {
        if step.expect != *actual {
            let mut diff = format!("step {index} (at {} ms):\n", step.at);
            for line in lines(&step.expect).lines() {
                diff.push_str(&format!("- {line}\n"));
            }
            for line in lines(actual).lines() {
                diff.push_str(&format!("+ {line}\n"));
            }
            return Err(diff);
        }
    }
    Ok(())
}

/// One `frame: message` line per message, or `(nothing)`.
fn lines(messages: &[Expected]) -> String {
    if messages.is_empty() {
        return "(nothing)".to_owned();
    }
    messages
        .iter()
        .map(|m| format!("{}: {}", m.frame, m.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_corpus_passes() {
        let cases = load(&corpus_dir());
        assert!(cases.is_ok(), "{cases:?}");
        let cases = cases.unwrap_or_default();
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|case| {
                check(case)
                    .err()
                    .map(|diff| format!("{}\n{diff}", case.name))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_request_of_the_table_has_a_case() {
        use agentdesk_protocol::scapi::REQUESTS;
        use std::collections::BTreeSet;
        let table: BTreeSet<&str> = REQUESTS.iter().map(|spec| spec.name).collect();
        let covered: BTreeSet<&str> = corpus::requests::covered().into_iter().collect();
        assert_eq!(covered, table);
        let names: BTreeSet<String> = load(&corpus_dir())
            .unwrap_or_default()
            .into_iter()
            .map(|case| case.name)
            .collect();
        for name in table {
            assert!(
                names.contains(&format!("requests/{name}")),
                "no case for {name}"
            );
        }
    }

    #[test]
    fn a_changed_expectation_fails_with_a_diff() {
        let cases = load(&corpus_dir()).unwrap_or_default();
        let mut case = cases
            .into_iter()
            .find(|case| case.name == "seeds/rate-limit-sample")
            .unwrap_or_else(|| panic!("seed case missing"));
        let refusal = case
            .steps
            .iter_mut()
            .flat_map(|step| &mut step.expect)
            .find(|m| m.message.get("request").is_some())
            .unwrap_or_else(|| panic!("no rate-limit refusal"));
        refusal.message["errorMessage"] = "something else".into();
        let diff = check(&case).err().unwrap_or_default();
        assert!(diff.contains("- a: "), "{diff}");
        assert!(diff.contains("+ a: "), "{diff}");
        assert!(diff.contains("has been reached."), "{diff}");
    }

    #[test]
    fn an_expected_silence_that_is_broken_fails() {
        let cases = load(&corpus_dir()).unwrap_or_default();
        let mut case = cases
            .into_iter()
            .find(|case| case.name == "policy/origin-not-accepted-ignored")
            .unwrap_or_else(|| panic!("case missing"));
        let last = case.steps.len() - 2;
        assert!(case.steps[last].expect.is_empty());
        case.steps[last].expect = case.steps[0].expect.clone();
        let diff = check(&case).err().unwrap_or_default();
        assert!(diff.contains("+ (nothing)"), "{diff}");
    }

    #[test]
    fn comment_lines_are_skipped_and_bad_lines_named() {
        let text = "{\"$comment\": \"x\"}\n\n";
        assert_eq!(parse(text).map(|cases| cases.len()), Ok(0));
        let bad = "{\"$comment\": \"x\"}\n{\"name\": \"n\"}\n";
        let err = parse(bad).err().unwrap_or_default();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
