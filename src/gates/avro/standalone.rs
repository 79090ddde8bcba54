//! `shipgate avro check OLD.avsc [OLDER...] NEW.avsc --mode MODE`: the gate's
//! checks on files outside any git change. All files but the last are earlier
//! versions, newest last; each file must be self-contained.
//! Not for: repository runs (see `run`).

use super::findings::{self, Against};
use super::loader::{Loaded, Loader};
use super::mode::Mode;
use crate::finding::{Finding, Severity};
use anyhow::bail;
use std::path::PathBuf;

/// `shipgate avro ...`
#[derive(Debug, clap::Subcommand)]
pub enum AvroCommand {
    /// Check a new schema against earlier versions: OLD.avsc [OLDER...] NEW.avsc
    /// (all files but the last are earlier versions, newest last). Exit 0
    /// compatible, 1 incompatible, 2 unreadable input.
    Check {
        /// Earlier versions then the new schema (at least two files).
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// Compatibility mode: NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD,
        /// FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE.
        #[arg(long, default_value = "BACKWARD")]
        mode: String,
        /// Output format on stdout.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
}

/// Run `shipgate avro ...`; the result is the exit code.
pub fn run(cmd: AvroCommand) -> anyhow::Result<u8> {
    match cmd {
        AvroCommand::Check {
            files,
            mode,
            format,
        } => {
            let mode: Mode = mode.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let findings = check_files(&files, mode)?;
            let incompatible = findings.iter().any(|f| f.severity == Severity::Error);
            if format == "json" {
                let doc = serde_json::json!({
                    "mode": mode.as_str(),
                    "compatible": !incompatible,
                    "findings": findings,
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                print!("{}", render_text(&findings));
                match (incompatible, files.last()) {
                    (false, Some(new)) => println!("{}: compatible ({mode})", new.display()),
                    (true, Some(new)) => println!("{}: incompatible ({mode})", new.display()),
                    _ => {}
                }
            }
            Ok(u8::from(incompatible))
        }
    }
}

fn render_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let at = f
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default();
        out.push_str(&format!("{}[{}] {at}: {}\n", f.severity, f.rule, f.title));
        if !f.message.is_empty() {
            out.push_str(&format!("  {}\n", f.message));
        }
        if !f.help.is_empty() {
            out.push_str(&format!("  help: {}\n", f.help));
        }
    }
    out
}

/// Findings for the last of `files` against the others (newest last) under `mode`.
/// Unreadable or invalid files are errors naming file:line.
pub fn check_files(files: &[PathBuf], mode: Mode) -> anyhow::Result<Vec<Finding>> {
    if files.len() < 2 {
        bail!("give at least two schema files: OLD.avsc [OLDER...] NEW.avsc");
    }
    let mut loader = Loader::new(None, Vec::new());
    let mut loaded: Vec<(String, Loaded)> = Vec::with_capacity(files.len());
    let mut findings = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let shown = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("{shown}: cannot read: {e}"))?;
        let l = loader.load(None, &shown, &bytes).map_err(|errors| {
            anyhow::anyhow!(
                "{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
        let issues = l.set.validate(|f| f == 0);
        if let Some(e) = issues.iter().find(|e| !e.is_warning()) {
            bail!("{e}");
        }
        if i + 1 == files.len() {
            findings.extend(issues.iter().map(findings::schema_problem));
        }
        loaded.push((shown, l));
    }
    let Some((new_path, new)) = loaded.pop() else {
        bail!("no schema files given");
    };
    let roots: Vec<_> = loaded.iter().map(|(_, l)| l.root).collect();
    let against: Vec<Against<'_>> = loaded
        .iter()
        .map(|(path, l)| Against {
            path,
            label: format!("the previous version ({path})"),
            set: &l.set,
            // The earlier file's own lines (a removed field is shown there).
            is_base: true,
        })
        .collect();
    findings.extend(findings::compare(
        mode,
        &new_path,
        (&new.set, new.root),
        &against,
        &roots,
        new_path.ends_with(".avpr"),
    ));
    Ok(findings)
}
