//! The report as the publishers read it: parsed from the report JSON.
//!
//! `shipgate check` hands its in-memory report over through the same JSON the
//! report file holds, so `shipgate publish --report FILE` (a report made by
//! another, possibly untrusted, job) and `check` publish exactly alike. The
//! report is data: nothing in it chooses where to publish or with which token.

use crate::finding::{Finding, Severity};
use crate::gates::{GateId, GateOutcome, GateStatus};
use serde::Deserialize;
use std::path::Path;

/// The overall verdict (the report's own type).
pub use crate::report::Verdict;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ToolView {
    #[serde(default)]
    pub version: String,
}

/// What the report says about where it ran. Informational only: the
/// publishers take repository, API URL and token from their own environment.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct CiView {
    #[serde(default)]
    pub change_number: Option<u64>,
    #[serde(default)]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CountsView {
    #[serde(default)]
    pub error: usize,
    #[serde(default)]
    pub warning: usize,
    #[serde(default)]
    pub notice: usize,
}

/// The parts of a report the publishers use.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportView {
    #[serde(default)]
    pub tool: ToolView,
    #[serde(default)]
    pub ci: CiView,
    pub base: String,
    pub head: String,
    pub gates: Vec<GateOutcome>,
    #[serde(default)]
    pub counts: CountsView,
    pub verdict: Verdict,
    #[serde(default)]
    pub verdict_reasons: Vec<String>,
}

impl ReportView {
    pub fn from_report(report: &crate::report::Report) -> anyhow::Result<ReportView> {
        let value = serde_json::to_value(report)?;
        Ok(serde_json::from_value(value)?)
    }

    /// Parse a report file; errors name the file and line.
    pub fn load(path: &Path) -> anyhow::Result<ReportView> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the report: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))
    }

    /// Parse report JSON; the error starts with `line:column:`.
    pub fn parse(text: &str) -> Result<ReportView, String> {
        let view: ReportView = serde_json::from_str(text).map_err(|e| {
            format!(
                "{}:{}: not a shipgate report ({e}); expected the JSON that `shipgate check --report FILE` writes",
                e.line(),
                e.column()
            )
        })?;
        Ok(view)
    }

    /// Gates that ran in this report (not `not_run`), in report order.
    /// The view of one gate alone, with that gate's own verdict (for per-gate check runs).
    pub fn for_gate(&self, gate: &GateOutcome) -> ReportView {
        let verdict = match gate.status {
            GateStatus::Fail if gate.blocking => Verdict::Fail,
            GateStatus::Error if gate.blocking => Verdict::Error,
            _ => Verdict::Pass,
        };
        let mut counts = CountsView::default();
        for f in &gate.findings {
            match f.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Notice => counts.notice += 1,
            }
        }
        let tag = format!("gate {} ", gate.gate);
        ReportView {
            gates: vec![gate.clone()],
            counts,
            verdict,
            verdict_reasons: self
                .verdict_reasons
                .iter()
                .filter(|r| r.starts_with(&tag))
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    pub fn ran(&self) -> impl Iterator<Item = &GateOutcome> {
        self.gates.iter().filter(|g| g.status != GateStatus::NotRun)
    }

    pub fn gate(&self, id: GateId) -> Option<&GateOutcome> {
        self.gates.iter().find(|g| g.gate == id)
    }

    /// Every finding, most important first: severity, then gate order, then place.
    pub fn findings_by_importance(&self) -> Vec<&Finding> {
        let mut all: Vec<&Finding> = self.gates.iter().flat_map(|g| &g.findings).collect();
        all.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| gate_rank(&a.gate).cmp(&gate_rank(&b.gate)))
                .then_with(|| place(a).cmp(&place(b)))
        });
        all
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.gates
            .iter()
            .flat_map(|g| &g.findings)
            .filter(|f| f.severity == severity)
            .count()
    }
}

fn gate_rank(name: &str) -> usize {
    GateId::ALL
        .iter()
        .position(|g| g.as_str() == name)
        .unwrap_or(usize::MAX)
}

fn place(f: &Finding) -> (&str, u32) {
    f.location
        .as_ref()
        .map(|l| (l.path.as_str(), l.start_line))
        .unwrap_or(("", 0))
}
