//! The avro gate: validity and Confluent-mode compatibility of changed Avro
//! schema files (`.avsc`), offline from git. Its config section is `gates.avro`.
//!
//! Modules: `json` (positions), `schema` (model and validation), `loader`
//! (named types across files), `compat` (the Avro resolution rules), `mode`
//! (Confluent levels), `history` (earlier versions for transitive modes),
//! `findings` and `rules` (what users see), `run` (the gate over a change),
//! `standalone` (`shipgate avro check`).

pub mod compat;
mod findings;
mod history;
pub mod json;
mod loader;
pub mod mode;
pub mod registry;
mod rules;
mod run;
pub mod schema;
pub mod standalone;

use crate::gates::{Gate, GateContext, GateId, GateRun};
use crate::glob;
use crate::rules::RuleInfo;
use mode::Mode;
use serde::{Deserialize, Serialize};

/// Default globs of schema files.
pub const DEFAULT_SCHEMAS: &[&str] = &["**/*.avsc"];
/// Default number of earlier versions a transitive mode checks.
pub const DEFAULT_HISTORY_DEPTH: usize = 20;

crate::gate_config! {
    /// `gates.avro` in .shipgate.yml.
    pub struct AvroConfig {
        /// Globs of the schema files (default `["**/*.avsc"]`). Changed files matching
        /// them are checked; named types resolve across all of them at the same commit.
        pub schemas: Vec<String>,
        /// Compatibility mode for every schema (default `BACKWARD`): NONE, BACKWARD,
        /// BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE.
        pub mode: Option<Mode>,
        /// Per-path modes: `[{paths: [GLOB...], mode: MODE}]`; the last matching entry wins.
        pub modes: Vec<ModeOverride>,
        /// How many earlier versions transitive modes check (default 20).
        pub history_depth: Option<usize>,
        /// Optional check against a live Schema Registry (`url`, `subjects`, `timeout_seconds`).
        pub registry: registry::RegistryConfig,
    }
}

/// A mode for the schema files matching `paths`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModeOverride {
    pub paths: Vec<String>,
    pub mode: Mode,
}

impl AvroConfig {
    /// The schema globs in force.
    pub fn schema_globs(&self) -> Vec<String> {
        if self.schemas.is_empty() {
            DEFAULT_SCHEMAS.iter().map(|s| s.to_string()).collect()
        } else {
            self.schemas.clone()
        }
    }

    /// The mode for schema file `path`.
    pub fn mode_for(&self, path: &str) -> Mode {
        self.modes
            .iter()
            .rev()
            .find(|o| o.paths.iter().any(|g| glob::matches(g, path)))
            .map(|o| o.mode)
            .or(self.mode)
            .unwrap_or_default()
    }

    pub fn history_depth(&self) -> usize {
        self.history_depth.unwrap_or(DEFAULT_HISTORY_DEPTH)
    }
}

struct AvroGate;

static GATE: AvroGate = AvroGate;

impl Gate for AvroGate {
    fn id(&self) -> GateId {
        GateId::Avro
    }

    fn rules(&self) -> &'static [RuleInfo] {
        rules::RULES
    }

    fn run(&self, ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
        run::run(ctx)
    }
}

/// This gate's implementation.
pub fn gate() -> Option<&'static dyn Gate> {
    Some(&GATE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_path_modes_override_the_global_mode() {
        let cfg = AvroConfig {
            mode: Some(Mode::Forward),
            modes: vec![
                ModeOverride {
                    paths: vec!["events/**".into()],
                    mode: Mode::Full,
                },
                ModeOverride {
                    paths: vec!["events/payments/*.avsc".into()],
                    mode: Mode::FullTransitive,
                },
            ],
            ..AvroConfig::default()
        };
        assert_eq!(cfg.mode_for("other/a.avsc"), Mode::Forward);
        assert_eq!(cfg.mode_for("events/a.avsc"), Mode::Full);
        assert_eq!(cfg.mode_for("events/payments/p.avsc"), Mode::FullTransitive);
        assert_eq!(AvroConfig::default().mode_for("x.avsc"), Mode::Backward);
    }
}
