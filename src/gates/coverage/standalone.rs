//! `shipgate coverage`: the coverage gate alone, on the current change.
//!
//! A public contract: `--format json` prints the gate's outcome with
//! `findings[]` (`rule`, `severity`, `message`, `location.path`,
//! `location.start_line`, `location.end_line`) and `metrics.patch` /
//! `metrics.total` (`covered`, `total`, `percent`). Exit 0 pass (or skipped),
//! 1 a threshold failed, 2 the gate could not judge.

use crate::check::{self, CheckOptions};
use crate::ci::CiEnv;
use crate::cli::Format;
use crate::gates::{GateId, GateInputs, GateStatus};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `shipgate coverage`.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// Coverage report (repeatable; LCOV, Cobertura, JaCoCo, Clover, Go, Istanbul, llvm-cov or coverage.py JSON). Default: gates.coverage.reports, else the usual places.
    #[arg(long = "report")]
    pub reports: Vec<PathBuf>,
    /// Report of the base commit, for gates.coverage.max_drop (repeatable).
    #[arg(long = "base-report")]
    pub base_reports: Vec<PathBuf>,
    /// Minimum line coverage of added lines, percent (overrides config).
    #[arg(long)]
    pub min_patch: Option<f64>,
    /// Minimum line coverage of all measured lines, percent (overrides config).
    #[arg(long)]
    pub min_total: Option<f64>,
    /// Repository (default: current directory).
    #[arg(long, short = 'C')]
    pub repo: Option<PathBuf>,
    /// Compare with exactly this commit.
    #[arg(long, conflicts_with = "target")]
    pub base: Option<String>,
    /// Compare with the merge base of this branch and head.
    #[arg(long)]
    pub target: Option<String>,
    /// The head commit (default: the PR/MR head in CI, else HEAD).
    #[arg(long)]
    pub head: Option<String>,
    /// Config file (default: .shipgate.yml at the repository root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Run the command; the result is the exit code.
pub fn run(args: CoverageArgs) -> anyhow::Result<u8> {
    let ci = CiEnv::from_process_env()?;
    let opts = CheckOptions {
        repo: args.repo,
        base: args.base,
        target: args.target,
        head: args.head,
        config: args.config,
        gates: vec![GateId::Coverage],
        inputs: GateInputs {
            coverage_reports: args.reports,
            coverage_base_reports: args.base_reports,
            coverage_min_patch: args.min_patch,
            coverage_min_total: args.min_total,
        },
        ..CheckOptions::default()
    };
    let report = check::run(&opts, &ci)?;
    let Some(outcome) = report.gates.iter().find(|g| g.gate == GateId::Coverage) else {
        anyhow::bail!("internal error: the coverage gate did not run");
    };
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(outcome)?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("base".into(), report.base.clone().into());
                obj.insert("head".into(), report.head.clone().into());
            }
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => print!("{}", render(outcome)),
    }
    Ok(match outcome.status {
        GateStatus::Pass | GateStatus::Skipped | GateStatus::NotRun => 0,
        GateStatus::Fail => 1,
        GateStatus::Error => {
            if let Some(reason) = &outcome.reason {
                eprintln!("shipgate: error: {reason}");
            }
            2
        }
    })
}

fn figure(
    metrics: &std::collections::BTreeMap<String, serde_json::Value>,
    key: &str,
) -> Option<String> {
    let m = metrics.get(key)?;
    let name = m.get("metric")?.as_str()?;
    let covered = m.get("covered")?.as_u64()?;
    let total = m.get("total")?.as_u64()?;
    let percent = m
        .get("percent")
        .and_then(|p| p.as_f64())
        .map(|p| format!("{p:.2}%"))
        .unwrap_or_else(|| "n/a".into());
    Some(format!("{name}: {percent} ({covered} of {total})"))
}

/// The outcome for a terminal.
fn render(outcome: &crate::gates::GateOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "coverage: {}", outcome.status.as_str());
    if let Some(reason) = &outcome.reason {
        let _ = writeln!(out, "  {reason}");
    }
    for key in ["patch", "patch_branches", "total", "base_total"] {
        if let Some(line) = figure(&outcome.metrics, key) {
            let _ = writeln!(out, "  {line}");
        }
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    for f in &outcome.findings {
        let place = f
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_else(|| "(change)".into());
        let _ = writeln!(out, "  {} {place}  [{}] {}", f.severity, f.rule, f.title);
    }
    out
}
