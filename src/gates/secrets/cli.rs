//! `shipgate secrets ...`: the standalone scanner.
//!
//! `scan [PATH...] [--history RANGE] [--format json]` scans directories
//! (tree mode) or a commit range (history mode) and exits 1 when anything is
//! found; `baseline` writes the fingerprints of what is found now, so that a
//! repository with old (rotated) secrets can adopt the gate. The config's
//! `gates.secrets` section (allow_paths, baseline, rules, max_file_bytes)
//! applies here as in `shipgate check`.

use super::suppress::Baseline;
use super::whole_files::WholeFileScan;
use super::{apply_baseline, history, tree};
use crate::cli::Format;
use crate::config::{Config, GateConfig};
use crate::gates::runner::apply_config;
use crate::gates::{GateId, GateOutcome, GateRun};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(Debug, clap::Args)]
pub struct Source {
    /// Files or directories to scan (default: the current directory). With
    /// --history: the repository (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Scan every blob of a commit range instead (`A..B`, or a revision for all its history).
    #[arg(long, value_name = "RANGE")]
    pub history: Option<String>,
    /// Config file (default: .shipgate.yml in the current directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum SecretsCommand {
    /// Scan files, directories (honouring .gitignore) or git history; exit 1 if a secret is found.
    Scan {
        #[command(flatten)]
        source: Source,
        /// Baseline file of known findings (default: gates.secrets.baseline from the config).
        #[arg(long)]
        baseline: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write a baseline: the fingerprints (never the secrets) of everything found now.
    Baseline {
        #[command(flatten)]
        source: Source,
        /// Where to write it.
        #[arg(long, default_value = ".shipgate-secrets-baseline.json")]
        output: PathBuf,
    },
    /// Write the synthetic comparison corpus (for the reference comparison and the benchmark).
    #[command(hide = true)]
    GenCorpus {
        /// Directory to create.
        dir: PathBuf,
        /// Also write this many MiB of filler text with planted secrets (benchmark input).
        #[arg(long, default_value_t = 0)]
        filler_mib: u64,
    },
}

/// Run `shipgate secrets ...`; the result is the exit code.
pub fn run(args: SecretsArgs) -> anyhow::Result<u8> {
    match args.command {
        SecretsCommand::Scan {
            source,
            baseline,
            format,
        } => scan_cmd(&source, baseline.as_deref(), format),
        SecretsCommand::Baseline { source, output } => baseline_cmd(&source, &output),
        SecretsCommand::GenCorpus { dir, filler_mib } => {
            super::corpus::write(&dir, filler_mib)?;
            println!("wrote {}", dir.display());
            Ok(0)
        }
    }
}

fn load_config(explicit: Option<&Path>) -> anyhow::Result<Config> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(Config::discover(&cwd, explicit)?)
}

fn config_name(config: &Config) -> String {
    config
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".shipgate.yml".to_string())
}

/// Scan the source; returns the run (before config) and the mode's name.
fn collect(source: &Source, config: &Config) -> anyhow::Result<(GateRun, &'static str)> {
    let cfg = &config.gates.secrets;
    let mut scan = WholeFileScan::new(cfg.allow_paths(&config_name(config))?, cfg.max_file_bytes());
    let started = Instant::now();
    let mut run = GateRun::default();
    let mode = if let Some(range) = &source.history {
        let root = source
            .paths
            .first()
            .map_or(Path::new("."), PathBuf::as_path);
        let commits = history::scan_history(root, range, &mut scan)?;
        run.metric("commits", commits);
        "history"
    } else {
        let default = [PathBuf::from(".")];
        let paths = if source.paths.is_empty() {
            &default[..]
        } else {
            &source.paths[..]
        };
        for p in paths {
            tree::scan_path(p, &mut scan)?;
        }
        "tree"
    };
    let secs = started.elapsed().as_secs_f64();
    run.metric("files_scanned", scan.files_scanned);
    run.metric("archive_members_scanned", scan.archive_members);
    run.metric("bytes_scanned", scan.stats.bytes);
    if secs > 0.0 {
        let mbps = scan.stats.bytes as f64 / 1e6 / secs;
        run.metric("mb_per_s", (mbps * 10.0).round() / 10.0);
    }
    scan.skips.allowed_inline = scan.stats.allowed_inline;
    run.findings = std::mem::take(&mut scan.findings);
    scan.skips.write_to(&mut run, cfg.max_file_bytes());
    Ok((run, mode))
}

fn outcome(run: GateRun, config: &Config) -> GateOutcome {
    apply_config(GateId::Secrets, run, config.gates.secrets.common())
}

fn scan_cmd(source: &Source, baseline: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let config = load_config(source.config.as_deref())?;
    let (mut run, mode) = collect(source, &config)?;
    let baseline_path = baseline
        .map(Path::to_path_buf)
        .or_else(|| config.gates.secrets.baseline.as_ref().map(PathBuf::from));
    if let Some(path) = baseline_path {
        let bytes = std::fs::read(&path).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot read the baseline: {e} (create it with `shipgate secrets baseline --output {}`)",
                path.display(),
                path.display()
            )
        })?;
        let baseline = Baseline::parse(&bytes, &path.display().to_string())?;
        let known = apply_baseline(&mut run.findings, Some(&baseline));
        if known > 0 {
            run.notes.push(format!(
                "{known} known secret(s) matched the baseline and were not reported; make sure they were rotated"
            ));
        }
        run.metric("baselined", known as u64);
    }
    let outcome = outcome(run, &config);
    let code = u8::from(!outcome.findings.is_empty());
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "mode": mode,
                "verdict": if code == 0 { "pass" } else { "fail" },
                "findings": outcome.findings,
                "notes": outcome.notes,
                "metrics": outcome.metrics,
                "suppressed": outcome.suppressed,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Text => print!("{}", render_text(&outcome, mode)),
    }
    Ok(code)
}

fn render_text(outcome: &GateOutcome, mode: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for f in &outcome.findings {
        let (path, line, col) = f
            .location
            .as_ref()
            .map(|l| (l.path.as_str(), l.start_line, l.start_column.unwrap_or(1)))
            .unwrap_or(("", 0, 0));
        let _ = writeln!(
            out,
            "{path}:{line}:{col}: {} [{}] {}",
            f.severity, f.rule, f.title
        );
        let _ = writeln!(out, "    {}", f.message);
        let _ = writeln!(out, "    fix: {}", f.help);
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let bytes = outcome
        .metrics
        .get("bytes_scanned")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let files = outcome
        .metrics
        .get("files_scanned")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "secrets ({mode} mode): {} finding(s) in {files} file(s), {bytes} bytes scanned",
        outcome.findings.len()
    );
    out
}

fn baseline_cmd(source: &Source, output: &Path) -> anyhow::Result<u8> {
    let config = load_config(source.config.as_deref())?;
    let (run, _) = collect(source, &config)?;
    let outcome = outcome(run, &config);
    let baseline = Baseline::of(&outcome.findings);
    std::fs::write(output, baseline.to_json())
        .with_context(|| format!("{}: cannot write the baseline", output.display()))?;
    println!(
        "wrote {} with {} fingerprint(s); rotate those secrets, then commit the file and set gates.secrets.baseline: {}",
        output.display(),
        baseline.findings.len(),
        output.display()
    );
    Ok(0)
}
