//! The gate interface and the registry of gates.
//!
//! A gate is pure over a [`GateContext`]: the change, the repository at both
//! sides, the config and the run's inputs. It returns a [`GateRun`] (findings,
//! metrics, notes) or an error when it could not judge. The runner
//! ([`runner::run_gates`]) applies config (rule re-levels, `fail_on`) and turns
//! runs into [`GateOutcome`]s. Not for: overall verdicts (see `report::policy`).

pub mod avro;
mod context;
pub mod coverage;
pub mod migrations;
pub mod openapi;
mod outcome;
pub mod runner;
pub mod secrets;

pub use context::{GateContext, GateInputs, InputFile, SuppressionAttempt};
pub use outcome::{GateOutcome, GateRun, GateStatus};

use crate::rules::RuleInfo;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The five gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateId {
    Coverage,
    Openapi,
    Avro,
    Secrets,
    Migrations,
    /// Built in, always on: what the change does to the policy that judges it (see `trust`).
    Policy,
}

impl GateId {
    /// The five configurable gates (not the built-in `policy`).
    pub const ALL: [GateId; 5] = [
        GateId::Coverage,
        GateId::Openapi,
        GateId::Avro,
        GateId::Secrets,
        GateId::Migrations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GateId::Coverage => "coverage",
            GateId::Openapi => "openapi",
            GateId::Avro => "avro",
            GateId::Secrets => "secrets",
            GateId::Migrations => "migrations",
            GateId::Policy => "policy",
        }
    }

    pub fn parse(name: &str) -> Option<GateId> {
        GateId::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

impl fmt::Display for GateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A quality gate.
pub trait Gate: Sync {
    fn id(&self) -> GateId;
    /// Every rule this gate can report.
    fn rules(&self) -> &'static [RuleInfo];
    /// Judge the change. `Err` means the gate could not judge (bad input,
    /// internal error); the message must name the file and line where known.
    fn run(&self, ctx: &GateContext<'_>) -> anyhow::Result<GateRun>;
}

/// The gates this build implements, in report order.
pub fn registry() -> Vec<&'static dyn Gate> {
    GateId::ALL.into_iter().filter_map(implementation).collect()
}

/// The implementation of gate `id`, if this build has one.
pub fn implementation(id: GateId) -> Option<&'static dyn Gate> {
    match id {
        GateId::Coverage => coverage::gate(),
        GateId::Openapi => openapi::gate(),
        GateId::Avro => avro::gate(),
        GateId::Secrets => secrets::gate(),
        GateId::Migrations => migrations::gate(),
        GateId::Policy => None,
    }
}

/// The rules gate `id` defines (empty when the gate is not implemented).
pub fn rules_of(id: GateId) -> &'static [RuleInfo] {
    if id == GateId::Policy {
        return crate::trust::RULES;
    }
    implementation(id).map(|g| g.rules()).unwrap_or(&[])
}
