//! What a gate sees: the change, the repository, the config and the run's inputs.

use crate::changeset::{ChangeSet, Repo};
use crate::ci::CiEnv;
use crate::config::Config;
use crate::finding::Side;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Inputs given on the command line (or found by the gates) for this run.
#[derive(Debug, Clone, Default)]
pub struct GateInputs {
    /// Coverage reports (`--coverage FILE`, repeatable).
    pub coverage_reports: Vec<PathBuf>,
    /// Coverage reports of the base commit (`shipgate coverage --base-report`).
    pub coverage_base_reports: Vec<PathBuf>,
    /// `shipgate coverage --min-patch`: overrides gates.coverage.min_patch.
    pub coverage_min_patch: Option<f64>,
    /// `shipgate coverage --min-total`: overrides gates.coverage.min_total.
    pub coverage_min_total: Option<f64>,
}

/// A file a gate read, recorded for the signed report's subjects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputFile {
    pub path: String,
    /// `base`, `head`, or `workdir` (files outside git, e.g. coverage reports).
    pub source: String,
    pub sha256: String,
}

/// An inline suppression a gate found on a line the change added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionAttempt {
    pub gate: String,
    /// The rule the comment would silence (or `*` for all).
    pub rule: String,
    pub path: String,
    pub line: u32,
    /// Whether policy let it take effect.
    pub honoured: bool,
}

/// Everything a gate may look at. Shared by gate threads.
pub struct GateContext<'a> {
    pub repo: &'a Repo,
    pub changes: &'a ChangeSet,
    pub config: &'a Config,
    pub ci: &'a CiEnv,
    pub inputs: &'a GateInputs,
    /// Where policy files (baselines, CODEOWNERS, approval rules) are read
    /// from: the base commit in a PR/MR, so a change cannot weaken its judge.
    pub policy_side: Side,
    /// Whether the change has the approvals policy requires (None: unknown).
    pub approved: Option<bool>,
    /// Who approved the PR/MR (GitHub reviews, GitLab approvals); `None` locally.
    pub approvals: Option<&'a (dyn crate::gates::migrations::approvals::ApprovalSource + Sync)>,
    read_log: Mutex<Vec<InputFile>>,
    suppressions: Mutex<Vec<SuppressionAttempt>>,
}

impl<'a> GateContext<'a> {
    pub fn new(
        repo: &'a Repo,
        changes: &'a ChangeSet,
        config: &'a Config,
        ci: &'a CiEnv,
        inputs: &'a GateInputs,
    ) -> Self {
        GateContext {
            repo,
            changes,
            config,
            ci,
            inputs,
            policy_side: Side::Head,
            approved: None,
            approvals: None,
            read_log: Mutex::new(Vec::new()),
            suppressions: Mutex::new(Vec::new()),
        }
    }

    /// May an inline suppression of `rule` at head `path:line` take effect?
    /// Comments already on the target branch were reviewed when they merged:
    /// always yes. Comments the change adds follow
    /// `policy.allow_inline_suppressions`; every such attempt is recorded, and
    /// the built-in policy gate reports the ones not honoured.
    pub fn allow_inline_suppression(&self, gate: &str, rule: &str, path: &str, line: u32) -> bool {
        use crate::config::InlineSuppressions;
        if !self.changes.is_added(path, line) {
            return true;
        }
        let honoured = match self.config.policy.allow_inline_suppressions {
            InlineSuppressions::Always => true,
            InlineSuppressions::Reviewed => self.approved == Some(true),
            InlineSuppressions::Never => false,
        };
        let mut log = self.suppressions.lock().unwrap_or_else(|p| p.into_inner());
        log.push(SuppressionAttempt {
            gate: gate.to_string(),
            rule: rule.to_string(),
            path: path.to_string(),
            line,
            honoured,
        });
        honoured
    }

    /// Suppressions the change added, in the order gates met them.
    pub fn suppression_attempts(&self) -> Vec<SuppressionAttempt> {
        self.suppressions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Read policy files from `side` (see [`GateContext::read_policy`]).
    pub fn with_policy_side(mut self, side: Side) -> Self {
        self.policy_side = side;
        self
    }

    /// A policy file (baseline, CODEOWNERS, approval rules) as the policy side has it.
    pub fn read_policy(&self, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        self.read(self.policy_side, path.as_bytes())
    }

    /// The commit of `side`.
    pub fn commit(&self, side: Side) -> &str {
        match side {
            Side::Base => &self.changes.base,
            Side::Head => &self.changes.head,
        }
    }

    /// The bytes of `path` at `side` (`None` if absent there). Recorded as an input.
    pub fn read(&self, side: Side, path: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        let bytes = self.repo.read(self.commit(side), path)?;
        if let Some(bytes) = &bytes {
            self.record(
                String::from_utf8_lossy(path).into_owned(),
                match side {
                    Side::Base => "base",
                    Side::Head => "head",
                },
                bytes,
            );
        }
        Ok(bytes)
    }

    /// Read a file from the working directory (e.g. a coverage report). Recorded as an input.
    pub fn read_workdir_file(&self, path: &Path) -> anyhow::Result<Vec<u8>> {
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.repo.workdir().join(path)
        };
        let bytes = std::fs::read(&full)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
        self.record(path.display().to_string(), "workdir", &bytes);
        Ok(bytes)
    }

    fn record(&self, path: String, source: &str, bytes: &[u8]) {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let mut log = self.read_log.lock().unwrap_or_else(|p| p.into_inner());
        log.push(InputFile {
            path,
            source: source.to_string(),
            sha256,
        });
    }

    /// Every file read so far, sorted and de-duplicated.
    pub fn inputs_read(&self) -> Vec<InputFile> {
        let mut log = self
            .read_log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        log.sort();
        log.dedup();
        log
    }
}
