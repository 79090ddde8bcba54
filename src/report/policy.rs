//! The overall verdict: which gate outcomes fail the run.

use crate::config::OnGateError;
use crate::gates::{GateOutcome, GateStatus};
use serde::{Deserialize, Serialize};

/// The run's verdict, ordered `Pass < Fail < Error`. Exit codes: pass 0, fail 1, error 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    /// A blocking gate failed.
    Fail,
    /// A blocking gate could not judge, and policy says fail closed.
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            "error" => Some(Verdict::Error),
            _ => None,
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Error => 2,
        }
    }
}

/// The verdict with its reasons.
pub struct Decision {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
}

/// Blocking gates decide: an error (when `on_gate_error: fail`) outranks a
/// failure, which outranks a pass. Non-blocking gates never change the verdict.
/// With `require_all_ran` (merged stage reports), a blocking gate that no
/// stage ran is a failure: a required gate cannot pass by being skipped.
pub fn decide(gates: &[GateOutcome], on_error: OnGateError, require_all_ran: bool) -> Decision {
    let mut reasons = Vec::new();
    let mut verdict = Verdict::Pass;
    for gate in gates {
        match gate.status {
            GateStatus::Error if gate.blocking && on_error == OnGateError::Fail => {
                verdict = Verdict::Error;
                reasons.push(format!(
                    "gate {} could not judge the change: {}",
                    gate.gate,
                    gate.reason.as_deref().unwrap_or("unknown error")
                ));
            }
            GateStatus::Fail if gate.blocking => {
                if verdict == Verdict::Pass {
                    verdict = Verdict::Fail;
                }
                let failing = gate
                    .findings
                    .iter()
                    .filter(|f| gate.fail_on.fails(f.severity))
                    .count();
                reasons.push(format!(
                    "gate {} failed: {failing} finding(s) at or above fail_on={}",
                    gate.gate,
                    crate::gates::runner::fail_on_str(gate.fail_on)
                ));
            }
            GateStatus::NotRun if gate.blocking && require_all_ran => {
                if verdict == Verdict::Pass {
                    verdict = Verdict::Fail;
                }
                reasons.push(format!(
                    "gate {} is required by the policy but no stage ran it (run `shipgate check --gate {}` in a stage, or set `enabled: false`)",
                    gate.gate, gate.gate
                ));
            }
            _ => {}
        }
    }
    Decision { verdict, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FailOn;
    use crate::gates::GateId;

    fn outcome(gate: GateId, status: GateStatus, blocking: bool) -> GateOutcome {
        GateOutcome {
            gate,
            status,
            reason: Some("why".into()),
            blocking,
            fail_on: FailOn::Error,
            findings: vec![],
            metrics: Default::default(),
            notes: vec![],
            suppressed: 0,
            duration_ms: 0,
        }
    }

    #[test]
    fn error_fails_closed_by_default_and_outranks_failure() {
        let gates = vec![
            outcome(GateId::Secrets, GateStatus::Fail, true),
            outcome(GateId::Coverage, GateStatus::Error, true),
        ];
        let d = decide(&gates, OnGateError::Fail, false);
        assert_eq!(d.verdict, Verdict::Error);
        assert_eq!(d.reasons.len(), 2);
        let d = decide(&gates, OnGateError::Ignore, false);
        assert_eq!(d.verdict, Verdict::Fail);
    }

    #[test]
    fn non_blocking_and_skipped_gates_do_not_fail() {
        let gates = vec![
            outcome(GateId::Secrets, GateStatus::Fail, false),
            outcome(GateId::Avro, GateStatus::Skipped, true),
            outcome(GateId::Openapi, GateStatus::NotRun, true),
            outcome(GateId::Coverage, GateStatus::Pass, true),
        ];
        assert_eq!(
            decide(&gates, OnGateError::Fail, false).verdict,
            Verdict::Pass
        );
        // Merged stage reports: a required gate that never ran fails.
        let d = decide(&gates, OnGateError::Fail, true);
        assert_eq!(d.verdict, Verdict::Fail);
        assert!(d.reasons[0].contains("no stage ran it"), "{:?}", d.reasons);
    }
}
