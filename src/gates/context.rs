//! What a gate sees: the change, the repository, the config and the run's inputs.

use crate::changeset::{ChangeSet, Repo};
use crate::ci::CiEnv;
use crate::config::Config;
use crate::finding::Side;
use serde::Serialize;
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InputFile {
    pub path: String,
    /// `base`, `head`, or `workdir` (files outside git, e.g. coverage reports).
    pub source: String,
    pub sha256: String,
}

/// Everything a gate may look at. Shared by gate threads.
pub struct GateContext<'a> {
    pub repo: &'a Repo,
    pub changes: &'a ChangeSet,
    pub config: &'a Config,
    pub ci: &'a CiEnv,
    pub inputs: &'a GateInputs,
    read_log: Mutex<Vec<InputFile>>,
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
            read_log: Mutex::new(Vec::new()),
        }
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
