//! `shipgate merge`: one report from the reports of several pipeline stages.
//!
//! Each stage runs `shipgate check --gate ...` on the same head commit with the
//! same policy; the merge keeps every gate's outcome and timing and decides the
//! verdict with the same policy as a single run, except that a gate the policy
//! enables and that no stage ran fails the merged verdict (a required gate
//! cannot pass by being skipped).

use super::{Counts, Report, policy};
use crate::config::Config;
use crate::gates::{GateId, GateOutcome, GateStatus};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Expand directories into the `*.json` reports they hold (not `*.dsse.json` envelopes).
pub fn collect_paths(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("{}: cannot list", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.ends_with(".json") && !name.ends_with(".dsse.json")
                })
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    if out.is_empty() {
        bail!("no reports to merge (give report files or directories holding them)");
    }
    Ok(out)
}

fn load(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a shipgate report: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Merge the reports at `paths`.
pub fn merge(paths: &[PathBuf]) -> anyhow::Result<Report> {
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        reports.push((path, load(path)?));
    }
    let Some((first_path, first)) = reports.first() else {
        bail!("no reports to merge");
    };
    for (path, r) in &reports[1..] {
        if r.schema_version != first.schema_version {
            bail!(
                "{}: schema_version {} differs from {} in {}",
                path.display(),
                r.schema_version,
                first.schema_version,
                first_path.display()
            );
        }
        if r.head != first.head {
            bail!(
                "{}: report of commit {} cannot be merged with {} (commit {}): every stage must check the same head",
                path.display(),
                r.head,
                first_path.display(),
                first.head
            );
        }
        if r.config != first.config || r.policy.sha256 != first.policy.sha256 {
            bail!(
                "{}: ran with another policy than {} (config differs): stages must share one policy",
                path.display(),
                first_path.display()
            );
        }
    }
    let config: Config = serde_json::from_value(first.config.clone()).with_context(|| {
        format!(
            "{}: the report's config cannot be read back",
            first_path.display()
        )
    })?;

    // The latest run of each gate wins (a re-run stage replaces its earlier report).
    let mut by_gate: BTreeMap<GateId, (String, GateOutcome)> = BTreeMap::new();
    let mut inputs = Vec::new();
    for (_, r) in &reports {
        inputs.extend(r.inputs.iter().cloned());
        for outcome in &r.gates {
            if outcome.status == GateStatus::NotRun {
                by_gate
                    .entry(outcome.gate)
                    .or_insert_with(|| (String::new(), outcome.clone()));
                continue;
            }
            let replace = match by_gate.get(&outcome.gate) {
                None => true,
                Some((_, prev)) if prev.status == GateStatus::NotRun => true,
                Some((at, _)) => r.generated_at >= *at,
            };
            if replace {
                by_gate.insert(outcome.gate, (r.generated_at.clone(), outcome.clone()));
            }
        }
    }
    let mut gates: Vec<GateOutcome> = by_gate.into_values().map(|(_, o)| o).collect();
    gates.sort_by_key(|g| (g.gate != GateId::Policy, g.gate));
    for gate in &mut gates {
        if gate.status == GateStatus::NotRun && gate.gate != GateId::Policy {
            let common = config.gate_common(gate.gate);
            gate.reason = Some("no stage ran this gate".to_string());
            gate.blocking = common.blocking && common.enabled;
        }
    }
    inputs.sort();
    inputs.dedup();

    let decision = policy::decide(&gates, config.policy.on_gate_error, true);
    let counts = Counts::of(&gates);
    let mut merged = first.clone();
    merged.tool = super::Tool::this();
    merged.generated_at = super::time::now_rfc3339();
    merged.gates = gates;
    merged.counts = counts;
    merged.verdict = decision.verdict;
    merged.verdict_reasons = decision.reasons;
    merged.inputs = inputs;
    Ok(merged)
}
