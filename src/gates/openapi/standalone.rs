//! `shipgate openapi diff OLD NEW` and `shipgate openapi changelog OLD NEW`:
//! the gate's comparison on two files on disk (refs resolved relative to
//! each), outside any git repository. Exit 0 when nothing at or above
//! `fail_on` (default: error) changed, 1 otherwise, 2 on bad input.

use super::refs::Docs;
use super::{compare_docs, to_finding};
use crate::cli::Format;
use crate::config::{Config, GateConfig};
use crate::finding::{Finding, Severity, Side};
use crate::gates::runner::apply_config;
use crate::gates::{GateId, GateRun, GateStatus};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum OpenapiCommand {
    /// Compare two spec files; exit 1 when a breaking (error-level) change exists.
    Diff {
        /// The old (base) spec.
        old: PathBuf,
        /// The new (revision) spec.
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Config file whose `gates.openapi` section applies (default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a markdown changelog (breaking / deprecated / other changes) of two spec files.
    Changelog {
        old: PathBuf,
        new: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Run an `openapi` subcommand; the result is the exit code.
pub fn run(cmd: OpenapiCommand) -> Result<u8> {
    match cmd {
        OpenapiCommand::Diff {
            old,
            new,
            format,
            config,
        } => diff_cmd(&old, &new, format, config.as_deref()),
        OpenapiCommand::Changelog { old, new, config } => {
            let (findings, _) = diff_files(&old, &new, config.as_deref())?;
            print!("{}", changelog(&findings));
            Ok(0)
        }
    }
}

fn load_file(path: &Path) -> Result<Docs> {
    let name = path.to_string_lossy().replace('\\', "/");
    let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read"))?;
    let mut reader = |p: &str| -> Result<Option<Vec<u8>>> {
        match std::fs::read(p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{p}: cannot read: {e}")),
        }
    };
    Docs::load(&name, &bytes, &mut reader)
}

/// Findings of comparing two files, after the config's rule levels, and whether the gate fails.
pub fn diff_files(old: &Path, new: &Path, config: Option<&Path>) -> Result<(Vec<Finding>, bool)> {
    let config = match config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    diff_with(old, new, &config)
}

/// [`diff_files`] with a config already loaded.
pub fn diff_with(old: &Path, new: &Path, config: &Config) -> Result<(Vec<Finding>, bool)> {
    let cfg = &config.gates.openapi;
    let base = load_file(old)?;
    let head = load_file(new)?;
    let changes = compare_docs(&base, &head, &cfg.options(), cfg.require_major_bump())?;
    let run = GateRun {
        findings: changes.iter().map(to_finding).collect(),
        ..GateRun::default()
    };
    let outcome = apply_config(GateId::Openapi, run, cfg.common());
    Ok((outcome.findings, outcome.status == GateStatus::Fail))
}

fn diff_cmd(old: &Path, new: &Path, format: Format, config: Option<&Path>) -> Result<u8> {
    let (findings, failed) = diff_files(old, new, config)?;
    match format {
        Format::Json => {
            let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
            let doc = serde_json::json!({
                "base": old.to_string_lossy(),
                "revision": new.to_string_lossy(),
                "verdict": if failed { "fail" } else { "pass" },
                "summary": {
                    "error": count(Severity::Error),
                    "warning": count(Severity::Warning),
                    "notice": count(Severity::Notice),
                },
                "findings": findings,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Text => {
            for f in &findings {
                let loc = f
                    .location
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_default();
                println!(
                    "{:<8} {loc}: {} [{}]",
                    f.severity.as_str(),
                    f.message,
                    f.rule
                );
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            println!(
                "{} change(s), {errors} breaking: {}",
                findings.len(),
                if failed { "FAIL" } else { "pass" }
            );
        }
    }
    Ok(u8::from(failed))
}

/// A markdown changelog: breaking, deprecated, then other changes.
pub fn changelog(findings: &[Finding]) -> String {
    let mut out = String::from("# API changes\n");
    let deprecation = |f: &Finding| f.rule.contains("deprecated") && !f.rule.contains("removed");
    let breaking = |f: &Finding| f.severity == Severity::Error;
    let sections: [(&str, Vec<&Finding>); 3] = [
        (
            "Breaking changes",
            findings.iter().filter(|f| breaking(f)).collect(),
        ),
        (
            "Deprecated",
            findings
                .iter()
                .filter(|f| !breaking(f) && deprecation(f))
                .collect(),
        ),
        (
            "Other changes",
            findings
                .iter()
                .filter(|f| !breaking(f) && !deprecation(f))
                .collect(),
        ),
    ];
    for (title, items) in sections {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {title}\n\n"));
        for f in items {
            let side = match f.location.as_ref().map(|l| l.side) {
                Some(Side::Base) => " (removed)",
                _ => "",
            };
            out.push_str(&format!("- {}{side}\n", f.message));
        }
    }
    if findings.is_empty() {
        out.push_str("\nNo changes.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    fn finding(rule: &str, severity: Severity, message: &str, base: bool) -> Finding {
        let mut loc = Location::line("api.yaml", 3);
        if base {
            loc = loc.in_base();
        }
        Finding::new("openapi", rule, severity, "t", Some(loc), message).with_message(message)
    }

    #[test]
    fn changelog_groups_breaking_deprecated_and_other_changes() {
        let log = changelog(&[
            finding(
                "endpoint-added",
                Severity::Notice,
                "POST /b: operation added",
                false,
            ),
            finding(
                "api-removed-without-deprecation",
                Severity::Error,
                "DELETE /a: operation removed",
                true,
            ),
            finding(
                "endpoint-deprecated",
                Severity::Notice,
                "GET /c: deprecated",
                false,
            ),
        ]);
        let breaking = log
            .find("## Breaking changes\n\n- DELETE /a: operation removed (removed)")
            .unwrap();
        let deprecated = log.find("## Deprecated\n\n- GET /c: deprecated").unwrap();
        let other = log
            .find("## Other changes\n\n- POST /b: operation added")
            .unwrap();
        assert!(breaking < deprecated && deprecated < other, "{log}");
        assert!(changelog(&[]).contains("No changes."));
    }
}
