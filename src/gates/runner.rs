//! Runs the selected gates (in parallel) and applies the config to their results.

use super::{Gate, GateContext, GateId, GateOutcome, GateRun, GateStatus};
use crate::config::{FailOn, GateCommon};
use std::time::Instant;

/// Run every gate in `selected` that is enabled; gates not selected are
/// reported as `not_run`, disabled ones as `skipped`.
pub fn run_gates(ctx: &GateContext<'_>, selected: &[GateId]) -> Vec<GateOutcome> {
    let gates = super::registry();
    std::thread::scope(|scope| {
        let handles: Vec<_> = gates
            .iter()
            .map(|&gate| {
                let id = gate.id();
                let common = ctx.config.gate_common(id);
                if !selected.contains(&id) {
                    let reason = "not selected in this invocation (--gate)";
                    return Err(outcome_without_run(id, common, GateStatus::NotRun, reason));
                }
                if !common.enabled {
                    let reason = "disabled in config (enabled: false)";
                    return Err(outcome_without_run(id, common, GateStatus::Skipped, reason));
                }
                Ok(scope.spawn(move || run_one(gate, ctx, common)))
            })
            .collect();
        handles
            .into_iter()
            .zip(&gates)
            .map(|(handle, gate)| match handle {
                Err(outcome) => outcome,
                Ok(handle) => handle.join().unwrap_or_else(|_| {
                    let common = ctx.config.gate_common(gate.id());
                    let reason = "internal error: the gate panicked (please report this)";
                    outcome_without_run(gate.id(), common, GateStatus::Error, reason)
                }),
            })
            .collect()
    })
}

fn outcome_without_run(
    id: GateId,
    common: GateCommon<'_>,
    status: GateStatus,
    reason: &str,
) -> GateOutcome {
    GateOutcome {
        gate: id,
        status,
        reason: Some(reason.to_string()),
        blocking: common.blocking,
        fail_on: common.fail_on,
        findings: Vec::new(),
        metrics: Default::default(),
        notes: Vec::new(),
        suppressed: 0,
        duration_ms: 0,
    }
}

fn run_one(gate: &dyn Gate, ctx: &GateContext<'_>, common: GateCommon<'_>) -> GateOutcome {
    let started = Instant::now();
    let result = gate.run(ctx);
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut outcome = match result {
        Ok(run) => apply_config(gate.id(), run, common),
        Err(e) => outcome_without_run(gate.id(), common, GateStatus::Error, &format!("{e:#}")),
    };
    outcome.duration_ms = duration_ms;
    outcome
}

/// Re-level or drop findings by `rules`, then decide pass/fail by `fail_on`.
pub fn apply_config(id: GateId, run: GateRun, common: GateCommon<'_>) -> GateOutcome {
    let mut suppressed = 0;
    let mut findings = Vec::with_capacity(run.findings.len());
    for mut finding in run.findings {
        match common.rules.get(&finding.rule).map(|l| l.value.severity()) {
            Some(None) => suppressed += 1,
            Some(Some(severity)) => {
                finding.severity = severity;
                findings.push(finding);
            }
            None => findings.push(finding),
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| loc_key(a).cmp(&loc_key(b)))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    let status = if run.skipped.is_some() && findings.is_empty() {
        GateStatus::Skipped
    } else if findings.iter().any(|f| common.fail_on.fails(f.severity)) {
        GateStatus::Fail
    } else {
        GateStatus::Pass
    };
    GateOutcome {
        gate: id,
        status,
        reason: run.skipped,
        blocking: common.blocking,
        fail_on: common.fail_on,
        findings,
        metrics: run.metrics,
        notes: run.notes,
        suppressed,
        duration_ms: 0,
    }
}

fn loc_key(f: &crate::finding::Finding) -> (&str, u32) {
    f.location
        .as_ref()
        .map(|l| (l.path.as_str(), l.start_line))
        .unwrap_or(("", 0))
}

/// `fail_on` as text, for messages.
pub fn fail_on_str(f: FailOn) -> &'static str {
    match f {
        FailOn::Error => "error",
        FailOn::Warning => "warning",
        FailOn::Notice => "notice",
        FailOn::Never => "never",
    }
}
