//! `.shipgate.yml`: the policy a run applies.
//!
//! Owns: the file's shape (every key documented, every key defaulted, unknown
//! keys rejected with file:line), loading it, and the per-gate settings every
//! gate shares (`enabled`, `blocking`, `fail_on`, `rules`). Gate-specific keys
//! live in each gate's own config struct, declared with [`gate_config!`].
//! Not for: deciding verdicts (see `report::policy`).

mod starter;

pub use starter::STARTER;

use crate::finding::Severity;
use crate::gates::GateId;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file names looked for at the repository root, in order.
pub const FILE_NAMES: &[&str] = &[".shipgate.yml", ".shipgate.yaml"];

/// A configuration problem, with the file and line where known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{detail}")]
    Parse { path: String, detail: String },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: u64,
        message: String,
    },
}

/// At which finding severity a gate fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Fail on error findings (the default).
    #[default]
    Error,
    /// Fail on warning or error findings.
    Warning,
    /// Fail on any finding.
    Notice,
    /// Never fail; report only.
    Never,
}

impl FailOn {
    /// Whether a finding of `severity` makes the gate fail.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Notice => true,
            FailOn::Never => false,
        }
    }
}

/// What a rule is set to in config: another severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Notice,
    Off,
}

impl RuleLevel {
    /// The severity to report at, or `None` when the rule is off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Notice => Some(Severity::Notice),
            RuleLevel::Off => None,
        }
    }
}

/// Per-rule overrides, keyed by rule id, with the line each was set on.
pub type RuleLevels = BTreeMap<String, Spanned<RuleLevel>>;

/// The settings every gate shares, borrowed from that gate's config section.
#[derive(Debug, Clone, Copy)]
pub struct GateCommon<'a> {
    /// Whether the gate runs at all (default true).
    pub enabled: bool,
    /// Whether a failure of this gate fails the overall verdict (default true).
    pub blocking: bool,
    /// At which severity the gate fails (default `error`).
    pub fail_on: FailOn,
    pub rules: &'a RuleLevels,
}

/// Implemented by every gate's config section (through [`gate_config!`]).
pub trait GateConfig {
    fn common(&self) -> GateCommon<'_>;
    fn set_fail_on(&mut self, fail_on: FailOn);
}

/// Declare a gate's config section: the shared keys (`enabled`, `blocking`,
/// `fail_on`, `rules`) plus the gate's own fields. Every field must have a
/// `Default`; unknown keys are rejected.
#[macro_export]
macro_rules! gate_config {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// Whether the gate runs (default true).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub enabled: Option<bool>,
            /// Whether a failure of this gate fails the overall verdict (default true).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub blocking: Option<bool>,
            /// At which severity the gate fails (default error).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub fail_on: Option<$crate::config::FailOn>,
            /// Rule id -> error | warning | notice | off.
            #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
            pub rules: $crate::config::RuleLevels,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::config::GateConfig for $name {
            fn common(&self) -> $crate::config::GateCommon<'_> {
                $crate::config::GateCommon {
                    enabled: self.enabled.unwrap_or(true),
                    blocking: self.blocking.unwrap_or(true),
                    fail_on: self.fail_on.unwrap_or_default(),
                    rules: &self.rules,
                }
            }

            fn set_fail_on(&mut self, fail_on: $crate::config::FailOn) {
                self.fail_on = Some(fail_on);
            }
        }
    };
}

/// What a gate *error* (it could not judge: unreadable input, internal error) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnGateError {
    /// Fail closed: the overall verdict is `error` (the default; a required check must not pass blind).
    #[default]
    Fail,
    /// Report the error but let the verdict be decided by the other gates.
    Ignore,
}

/// Which commit's policy judges a pull/merge request (see `trust`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    /// The target branch's policy judges the change (the default): a change
    /// cannot weaken the gate that judges it.
    #[default]
    Base,
    /// The change's own policy judges it. Risky: a PR can turn off the gate it fails.
    Head,
}

/// Whether inline suppressions (`shipgate:allow`, migration allow comments)
/// that the change itself adds are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InlineSuppressions {
    /// Not honoured; reported as `suppression-added-without-review` (the default).
    #[default]
    Never,
    /// Honoured when the change has the approvals the migrations gate requires.
    Reviewed,
    /// Honoured (a change can silence its own findings: use only with mandatory review).
    Always,
}

/// Run-wide policy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    pub on_gate_error: OnGateError,
    /// Whether inline suppressions added by the change itself are honoured.
    pub allow_inline_suppressions: InlineSuppressions,
    /// Whose policy judges a PR/MR: `base` (the target branch's) or `head`.
    pub trust: Trust,
    /// Re-level the policy rules (`policy-weakened`, ...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: RuleLevels,
}

/// Each gate's section. Absent sections mean "defaults".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatesConfig {
    pub coverage: crate::gates::coverage::CoverageConfig,
    pub openapi: crate::gates::openapi::OpenapiConfig,
    pub avro: crate::gates::avro::AvroConfig,
    pub secrets: crate::gates::secrets::SecretsConfig,
    pub migrations: crate::gates::migrations::MigrationsConfig,
}

impl GatesConfig {
    /// Set `fail_on` of every gate (the `--fail-on` override).
    pub fn set_fail_on(&mut self, fail_on: FailOn) {
        self.coverage.set_fail_on(fail_on);
        self.openapi.set_fail_on(fail_on);
        self.avro.set_fail_on(fail_on);
        self.secrets.set_fail_on(fail_on);
        self.migrations.set_fail_on(fail_on);
    }

    /// The shared settings of gate `id` (one of the five configurable gates).
    pub fn common(&self, id: GateId) -> GateCommon<'_> {
        static NO_RULES: RuleLevels = BTreeMap::new();
        match id {
            GateId::Policy => GateCommon {
                enabled: true,
                blocking: true,
                fail_on: FailOn::Error,
                rules: &NO_RULES,
            },
            GateId::Coverage => self.coverage.common(),
            GateId::Openapi => self.openapi.common(),
            GateId::Avro => self.avro.common(),
            GateId::Secrets => self.secrets.common(),
            GateId::Migrations => self.migrations.common(),
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub gates: GatesConfig,
    pub policy: PolicyConfig,
    /// Where the config came from (`None`: built-in defaults).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Parse config text; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse {
                path: name.to_string(),
                detail: render_yaml_error(&e, name),
            })?
        };
        config.validate(name)?;
        Ok(config)
    }

    /// Load `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: name.clone(),
            source,
        })?;
        let mut config = Config::parse(&text, &name)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Load `explicit` if given, else the first of [`FILE_NAMES`] in `root`, else defaults.
    pub fn discover(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        for name in FILE_NAMES {
            let path = root.join(name);
            if path.is_file() {
                return Config::load(&path);
            }
        }
        Ok(Config::default())
    }

    /// The shared settings of gate `id` (the built-in policy gate always runs and blocks).
    pub fn gate_common(&self, id: GateId) -> GateCommon<'_> {
        match id {
            GateId::Policy => GateCommon {
                enabled: true,
                blocking: true,
                fail_on: FailOn::Error,
                rules: &self.policy.rules,
            },
            _ => self.gates.common(id),
        }
    }

    /// Checks serde cannot do: rule ids must exist in their gate.
    fn validate(&self, name: &str) -> Result<(), ConfigError> {
        for id in GateId::ALL.into_iter().chain([GateId::Policy]) {
            let known = crate::rules::for_gate(id);
            let section = match id {
                GateId::Policy => "policy".to_string(),
                _ => format!("gates.{}", id.as_str()),
            };
            for (rule, level) in self.gate_common(id).rules {
                if !known.iter().any(|r| r.id == rule) {
                    let hint = if known.is_empty() {
                        format!("gate `{}` defines no rules", id.as_str())
                    } else {
                        format!("see `shipgate rules --gate {}` for its rules", id.as_str())
                    };
                    return Err(ConfigError::Invalid {
                        path: name.to_string(),
                        line: level.referenced.line(),
                        message: format!("{section}.rules: unknown rule id `{rule}` ({hint})"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// serde-saphyr's message with its snippet, labelled with the file name.
fn render_yaml_error(e: &serde_saphyr::Error, name: &str) -> String {
    let text = e.to_string().replace("<input>", name);
    match e.location() {
        Some(loc) => format!("{}: {}", loc.line(), text.trim_start_matches("error: ")),
        None => format!(" {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = Config::parse(
            "gates:\n  secrets:\n    enabled: true\n    bogus: 1\n",
            "x.yml",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.starts_with("x.yml:4:"), "{err}");
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn wrong_type_names_line() {
        let err = Config::parse("gates:\n  openapi:\n    fail_on: sometimes\n", "c.yml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("c.yml:3:"), "{err}");
    }

    #[test]
    fn empty_file_means_defaults() {
        let config = Config::parse("\n# nothing\n", "e.yml");
        assert!(config.is_ok());
    }

    #[test]
    fn starter_config_parses() {
        let config = Config::parse(STARTER, "starter");
        assert!(config.is_ok(), "{:?}", config.err());
    }

    #[test]
    fn fail_on_thresholds() {
        assert!(FailOn::Error.fails(Severity::Error));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Warning.fails(Severity::Warning));
        assert!(!FailOn::Warning.fails(Severity::Notice));
        assert!(FailOn::Notice.fails(Severity::Notice));
        assert!(!FailOn::Never.fails(Severity::Error));
    }
}
