//! A suite's results: JUnit XML (what GitLab, GitHub and Jenkins read) and JSON.

use std::time::Duration;

use serde::Serialize;

use super::case::{CaseResult, Outcome};

/// Every test's result, in suite order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SuiteReport {
    /// One per test.
    pub results: Vec<CaseResult>,
    /// The whole run.
    pub duration: Duration,
}

impl SuiteReport {
    /// Whether every test passed.
    pub fn passed(&self) -> bool {
        self.failures() == 0
    }

    /// How many tests failed.
    pub fn failures(&self) -> usize {
        self.results
            .iter()
            .filter(|result| matches!(result.outcome, Outcome::Failed(_)))
            .count()
    }

    /// The report as JUnit XML.
    pub fn to_junit(&self) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let tests = self.results.len();
        let failures = self.failures();
        let time = seconds(self.duration);
        xml.push_str(&format!(
            "<testsuites name=\"agentdesk-server test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time}\">\n"
        ));
        xml.push_str(&format!(
            "  <testsuite name=\"agentdesk\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{time}\">\n"
        ));
        for result in &self.results {
            let file = result.path.display().to_string();
            xml.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{}\"",
                escape(&result.name),
                escape(&file),
                escape(&file),
                seconds(result.duration)
            ));
            match &result.outcome {
                Outcome::Passed => xml.push_str("/>\n"),
                Outcome::Failed(failure) => {
                    xml.push_str(">\n");
                    xml.push_str(&format!(
                        "      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                        escape(&failure.summary),
                        escape(&failure.detail)
                    ));
                    if let Some(screenshot) = &result.screenshot {
                        // The attachment convention Jenkins and GitLab read.
                        xml.push_str(&format!(
                            "      <system-out>[[ATTACHMENT|{}]]</system-out>\n",
                            escape(&screenshot.display().to_string())
                        ));
                    }
                    xml.push_str("    </testcase>\n");
                }
            }
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }

    /// The report as JSON: `{passed, failed, durationMs, tests: [...]}`.
    pub fn to_json(&self) -> String {
        let tests = self
            .results
            .iter()
            .map(|result| {
                let failure = match &result.outcome {
                    Outcome::Passed => None,
                    Outcome::Failed(failure) => Some(JsonFailure {
                        step: failure.step,
                        summary: &failure.summary,
                        detail: &failure.detail,
                    }),
                };
                JsonTest {
                    name: &result.name,
                    file: result.path.display().to_string(),
                    status: if failure.is_some() {
                        "failed"
                    } else {
                        "passed"
                    },
                    duration_ms: millis(result.duration),
                    failure,
                    screenshot: result.screenshot.as_ref().map(|p| p.display().to_string()),
                }
            })
            .collect();
        let report = JsonReport {
            passed: self.results.len() - self.failures(),
            failed: self.failures(),
            duration_ms: millis(self.duration),
            tests,
        };
        serde_json::to_string_pretty(&report).unwrap_or_else(|error| {
            format!("{{\"error\": \"the report cannot be written: {error}\"}}")
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    passed: usize,
    failed: usize,
    duration_ms: u64,
    tests: Vec<JsonTest<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTest<'a> {
    name: &'a str,
    file: String,
    status: &'static str,
    duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<JsonFailure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    screenshot: Option<String>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    step: Option<usize>,
    summary: &'a str,
    detail: &'a str,
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Text for an XML attribute or element: markup characters escaped, characters XML cannot
/// hold (most control characters) dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::testing::case::Failure;

    fn report() -> SuiteReport {
        SuiteReport {
            results: vec![
                CaseResult {
                    name: "answers <calls>".into(),
                    path: PathBuf::from("tests/a.json"),
                    outcome: Outcome::Passed,
                    duration: Duration::from_millis(1500),
                    screenshot: None,
                },
                CaseResult {
                    name: "dials".into(),
                    path: PathBuf::from("tests/b.json"),
                    outcome: Outcome::Failed(Failure {
                        step: Some(2),
                        summary: "step 2: expect \"x\"".into(),
                        detail: "expected: a & b\nseen: \u{1}none".into(),
                    }),
                    duration: Duration::from_millis(20),
                    screenshot: Some(PathBuf::from("out/dials.png")),
                },
            ],
            duration: Duration::from_secs(2),
        }
    }

    #[test]
    fn junit_counts_escapes_and_attaches_the_screenshot() {
        let xml = report().to_junit();
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"answers &lt;calls&gt;\""), "{xml}");
        assert!(
            xml.contains("message=\"step 2: expect &quot;x&quot;\""),
            "{xml}"
        );
        assert!(
            xml.contains(">expected: a &amp; b&#10;seen: none</failure>"),
            "{xml}"
        );
        assert!(xml.contains("[[ATTACHMENT|out/dials.png]]"), "{xml}");
    }

    #[test]
    fn json_lists_each_test_with_its_failure() {
        let json: serde_json::Value = serde_json::from_str(&report().to_json()).expect("JSON");
        assert_eq!(json["passed"], 1);
        assert_eq!(json["failed"], 1);
        assert_eq!(json["tests"][1]["failure"]["step"], 2);
        assert_eq!(json["tests"][0]["status"], "passed");
    }
}
