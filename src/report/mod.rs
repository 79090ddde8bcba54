//! The gate report: one versioned JSON document per run.
//!
//! Owns: the report's shape (documented in `schema/report.schema.json`),
//! building it from gate outcomes, and writing it. Not for: rendering to
//! people (see [`text`]) or deciding verdicts (see [`policy`]).

pub mod merge;
pub mod policy;
pub mod text;
pub mod time;

pub use policy::Verdict;

use crate::changeset::ChangeSet;
use crate::ci::CiEnv;
use crate::gates::{GateOutcome, InputFile};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Bumped when a field changes meaning or is removed; additions keep it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Summary of the change the gates judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub files_changed: usize,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// Binary files: present in the change, skipped by line-based gates.
    pub binary_files_skipped: Vec<String>,
}

impl ChangeSummary {
    pub fn of(changes: &ChangeSet) -> ChangeSummary {
        ChangeSummary {
            files_changed: changes.files.len(),
            lines_added: changes.added_line_count(),
            lines_removed: changes.files.iter().map(|f| f.removed.len()).sum(),
            binary_files_skipped: changes.binary_files().map(|f| f.path.clone()).collect(),
        }
    }
}

/// Finding counts by severity, over all gates.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub notice: usize,
}

impl Counts {
    /// Count the findings of `gates`.
    pub fn of(gates: &[GateOutcome]) -> Counts {
        let mut counts = Counts::default();
        for finding in gates.iter().flat_map(|g| &g.findings) {
            match finding.severity {
                crate::finding::Severity::Error => counts.error += 1,
                crate::finding::Severity::Warning => counts.warning += 1,
                crate::finding::Severity::Notice => counts.notice += 1,
            }
        }
        counts
    }
}

/// The report of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub ci: CiEnv,
    pub base: String,
    pub head: String,
    pub changes: ChangeSummary,
    /// Which policy judged the change: origin, file, commit and digest.
    pub policy: crate::trust::PolicyInfo,
    /// The effective configuration the gates ran with.
    pub config: serde_json::Value,
    pub gates: Vec<GateOutcome>,
    pub counts: Counts,
    pub verdict: Verdict,
    /// Why the verdict is what it is, one line per reason.
    pub verdict_reasons: Vec<String>,
    /// Every file the gates read, with its digest.
    pub inputs: Vec<InputFile>,
}

impl Report {
    /// Assemble the report and decide the verdict.
    pub fn build(
        ci: &CiEnv,
        changes: &ChangeSet,
        config: &crate::config::Config,
        policy: crate::trust::PolicyInfo,
        gates: Vec<GateOutcome>,
        inputs: Vec<InputFile>,
    ) -> Report {
        let decision = policy::decide(&gates, config.policy.on_gate_error, false);
        let counts = Counts::of(&gates);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::this(),
            generated_at: time::now_rfc3339(),
            ci: ci.clone(),
            base: changes.base.clone(),
            head: changes.head.clone(),
            changes: ChangeSummary::of(changes),
            policy,
            config: serde_json::to_value(config).unwrap_or(serde_json::Value::Null),
            gates,
            counts,
            verdict: decision.verdict,
            verdict_reasons: decision.reasons,
            inputs,
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Write the report to `path`, creating its directory.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.to_json() + "\n")
    }
}
