//! Scenario files: a timeline of control-API actions, run with `serve --scenario FILE`.
//!
//! A scenario is a JSON document:
//!
//! ```json
//! { "steps": [
//!     { "at": 2, "action": "incoming-call", "ani": "+15551234567", "userData": { "Segment": "Gold" } },
//!     { "at": 10, "action": "customer-message", "customer": "Ada", "message": "Hello" },
//!     { "at": 15, "action": "campaign", "campaign": "Offer of the Month", "step": "load" }
//! ] }
//! ```
//!
//! `at` is seconds after start (fractions allowed); steps run in `at` order. Each step is an
//! [`Action`] exactly as `POST /api/actions` takes it; a step that
//! does not fit the desktop's state at its time is logged and skipped.

use std::time::Duration;

use serde::Deserialize;

use super::AppState;
use super::control::{Action, apply};

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scenario {
    /// The steps.
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Step {
    /// Seconds after start.
    pub at: f64,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// A scenario file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("scenario: {0}")]
pub struct ScenarioError(String);

impl Scenario {
    /// Parses a scenario document, checking every step.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let mut scenario: Scenario = serde_json::from_str(text)
            .map_err(|e| ScenarioError(format!("{e} (see the scenario format in the README)")))?;
        if let Some(step) = scenario
            .steps
            .iter()
            .find(|s| !s.at.is_finite() || s.at < 0.0)
        {
            return Err(ScenarioError(format!(
                "step at {} : `at` must be a non-negative number of seconds",
                step.at
            )));
        }
        scenario.steps.sort_by(|a, b| a.at.total_cmp(&b.at));
        Ok(scenario)
    }
}

pub(crate) async fn run(state: AppState, scenario: Scenario) {
    let start = tokio::time::Instant::now();
    for step in scenario.steps {
        tokio::time::sleep_until(start + Duration::from_secs_f64(step.at)).await;
        match apply(&state, step.action.clone()).await {
            Ok(applied) => tracing::info!(
                at = step.at,
                events = applied.events,
                "scenario step: {:?}",
                step.action
            ),
            Err(error) => {
                tracing::warn!(at = step.at, %error, "scenario step skipped: {:?}", step.action)
            }
        }
    }
}
