//! What a gate returns and what the runner makes of it.

use crate::finding::Finding;
use crate::gates::GateId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a gate's `run` produced, before config is applied.
#[derive(Debug, Clone, Default)]
pub struct GateRun {
    pub findings: Vec<Finding>,
    /// Figures worth reporting (e.g. `patch_line_coverage`), by name.
    pub metrics: BTreeMap<String, serde_json::Value>,
    /// Things the user should know that are not findings ("2 binary files skipped").
    pub notes: Vec<String>,
    /// `Some(reason)`: the gate had nothing to judge (e.g. no OpenAPI file changed).
    pub skipped: Option<String>,
}

impl GateRun {
    /// A run that had nothing to look at.
    pub fn skipped(reason: impl Into<String>) -> Self {
        GateRun {
            skipped: Some(reason.into()),
            ..GateRun::default()
        }
    }

    pub fn metric(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.metrics.insert(name.to_string(), value.into());
    }
}

/// A gate's result in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// Judged, and nothing at or above `fail_on`.
    Pass,
    /// Judged, and something at or above `fail_on`.
    Fail,
    /// Could not judge (bad input, internal error).
    Error,
    /// Nothing to judge in this change, or disabled in config.
    Skipped,
    /// Not selected in this invocation (`--gate`).
    NotRun,
}

impl GateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Pass => "pass",
            GateStatus::Fail => "fail",
            GateStatus::Error => "error",
            GateStatus::Skipped => "skipped",
            GateStatus::NotRun => "not_run",
        }
    }
}

/// One gate's outcome, as the report records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GateOutcome {
    pub gate: GateId,
    pub status: GateStatus,
    /// Why it was skipped / not run, or the error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether this gate's failure fails the overall verdict.
    pub blocking: bool,
    /// The severity threshold applied (`error`, `warning`, `notice`, `never`).
    pub fail_on: crate::config::FailOn,
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub metrics: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// Findings dropped because config turned their rule off.
    #[serde(default)]
    pub suppressed: usize,
    pub duration_ms: u64,
}
