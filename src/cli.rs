//! The command line: argument definitions and dispatch to the library.

use crate::check::{self, CheckOptions};
use crate::ci::CiEnv;
use crate::gates::GateId;
use crate::report::text::{self, Style};
use crate::rules;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "shipgate",
    version,
    about = "Quality gates for pull and merge requests: coverage, OpenAPI, Avro, secrets, migrations",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gates on the current change (in CI: the pull/merge request).
    Check(CheckArgs),
    /// Show the change the gates would judge: files, status, added and removed lines.
    Changes {
        #[command(flatten)]
        revs: RevArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Merge the reports of several pipeline stages (same head commit, same policy) into one.
    Merge {
        /// Report files, or directories holding them.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Where to write the merged report.
        #[arg(long, default_value = "shipgate-report.json")]
        report: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write a commented starter .shipgate.yml.
    Init {
        /// Where to write it.
        #[arg(long, default_value = ".shipgate.yml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// List every rule id, by gate.
    Rules {
        /// Only this gate's rules.
        #[arg(long)]
        gate: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Explain one rule: what it checks, why, and how to fix it.
    Explain {
        /// The rule id (see `shipgate rules`).
        rule: String,
    },
    /// Build a demo repository whose change trips the gates, and check it.
    Demo {
        /// Where to create the demo repository (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Which change to look at.
#[derive(Debug, Clone, clap::Args)]
pub struct RevArgs {
    /// Repository to check (default: current directory).
    #[arg(long, short = 'C')]
    pub repo: Option<PathBuf>,
    /// Compare with exactly this commit.
    #[arg(long, env = "INPUT_BASE", conflicts_with = "target")]
    pub base: Option<String>,
    /// Compare with the merge base of this branch/commit and head (like a PR does).
    #[arg(long, env = "INPUT_TARGET")]
    pub target: Option<String>,
    /// The head commit (default: the PR/MR head in CI, else HEAD).
    #[arg(long, env = "INPUT_HEAD")]
    pub head: Option<String>,
}

impl RevArgs {
    fn into_options(self) -> CheckOptions {
        CheckOptions {
            repo: self.repo,
            base: self.base,
            target: self.target,
            head: self.head,
            ..CheckOptions::default()
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub revs: RevArgs,
    /// Config file (default: .shipgate.yml at the repository root).
    #[arg(long, env = "INPUT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Run only this gate (repeatable, or comma-separated).
    #[arg(
        long = "gate",
        alias = "gates",
        env = "INPUT_GATES",
        value_delimiter = ','
    )]
    pub gates: Vec<String>,
    /// Override every gate's fail_on (error, warning, notice, never).
    #[arg(long, env = "INPUT_FAIL_ON", value_parser = parse_fail_on)]
    pub fail_on: Option<crate::config::FailOn>,
    /// Coverage report to read (repeatable, or comma-separated).
    #[arg(long = "coverage", env = "INPUT_COVERAGE", value_delimiter = ',')]
    pub coverage: Vec<PathBuf>,
    /// API token for publishing (default: GITHUB_TOKEN / GITLAB_TOKEN / CI_JOB_TOKEN).
    #[arg(long, env = "INPUT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where the policy (.shipgate.yml, CODEOWNERS, baselines) is read from:
    /// auto = the base commit in CI (a change cannot weaken its judge), the working tree locally.
    #[arg(long, value_enum, default_value = "auto")]
    pub policy_from: crate::trust::PolicyFrom,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Where to write the JSON report.
    #[arg(long, env = "INPUT_REPORT", default_value = "shipgate-report.json")]
    pub report: PathBuf,
}

fn parse_fail_on(value: &str) -> Result<crate::config::FailOn, String> {
    match value.trim() {
        "error" => Ok(crate::config::FailOn::Error),
        "warning" => Ok(crate::config::FailOn::Warning),
        "notice" => Ok(crate::config::FailOn::Notice),
        "never" => Ok(crate::config::FailOn::Never),
        other => Err(format!(
            "`{other}`: expected error, warning, notice or never"
        )),
    }
}

/// Parse the command line. GitHub passes every action input as an `INPUT_*`
/// variable, empty when unset; empty ones are removed first so that they mean
/// "not given" rather than "given as empty".
pub fn parse() -> Cli {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(k, v)| {
            k.to_string_lossy().starts_with("INPUT_") && v.to_string_lossy().trim().is_empty()
        })
        .map(|(k, _)| k)
        .collect();
    for key in empty {
        // SAFETY: called at the start of `main`, before any other thread exists.
        unsafe { std::env::remove_var(key) };
    }
    Cli::parse()
}

/// Run a parsed command line; the result is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(args) => check_cmd(args),
        Command::Changes { revs, format } => changes_cmd(revs, format),
        Command::Merge {
            reports,
            report,
            format,
        } => merge_cmd(&reports, &report, format),
        Command::Init { path, force } => init_cmd(&path, force),
        Command::Rules { gate, format } => rules_cmd(gate.as_deref(), format),
        Command::Explain { rule } => explain_cmd(&rule),
        Command::Demo { dir } => crate::demo::run(dir.as_deref()),
    }
}

fn parse_gates(names: &[String]) -> anyhow::Result<Vec<GateId>> {
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|n| {
            GateId::parse(n).with_context(|| {
                format!("unknown gate `{n}`: expected one of coverage, openapi, avro, secrets, migrations")
            })
        })
        .collect()
}

fn check_cmd(args: CheckArgs) -> anyhow::Result<u8> {
    let mut ci = CiEnv::from_process_env()?;
    if let Some(token) = args.token.and_then(crate::ci::Token::new) {
        ci.token = Some(token);
    }
    let opts = CheckOptions {
        fail_on: args.fail_on,
        config: args.config,
        gates: parse_gates(&args.gates)?,
        policy_from: args.policy_from,
        inputs: crate::gates::GateInputs {
            coverage_reports: args.coverage,
        },
        ..args.revs.into_options()
    };
    let report = check::run(&opts, &ci)?;
    emit(&report, &args.report, args.format)
}

fn merge_cmd(inputs: &[PathBuf], out: &std::path::Path, format: Format) -> anyhow::Result<u8> {
    let paths = crate::report::merge::collect_paths(inputs)?;
    let report = crate::report::merge::merge(&paths)?;
    emit(&report, out, format)
}

/// Write the report file, then print it.
fn emit(
    report: &crate::report::Report,
    path: &std::path::Path,
    format: Format,
) -> anyhow::Result<u8> {
    report
        .write(path)
        .with_context(|| format!("{}: cannot write the report", path.display()))?;
    match format {
        Format::Json => println!("{}", report.to_json()),
        Format::Text => {
            print!("{}", text::render(report, Style::detect()));
            println!("report: {}", path.display());
        }
    }
    Ok(report.verdict.exit_code())
}

fn changes_cmd(revs: RevArgs, format: Format) -> anyhow::Result<u8> {
    let ci = CiEnv::from_process_env()?;
    let opts = revs.into_options();
    let (_repo, changes) = check::open_change(&opts, &ci)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&changes)?),
        Format::Text => {
            println!("base {}\nhead {}", changes.base, changes.head);
            for f in &changes.files {
                let from = f
                    .old_path
                    .as_deref()
                    .map(|p| format!(" (from {p})"))
                    .unwrap_or_default();
                let lines = if f.binary {
                    "binary, skipped".to_string()
                } else {
                    format!("+{} -{}", f.added.len(), f.removed.len())
                };
                println!("{:<12} {}{from}  {lines}", f.status.as_str(), f.path);
            }
        }
    }
    Ok(0)
}

fn init_cmd(path: &std::path::Path, force: bool) -> anyhow::Result<u8> {
    if path.exists() && !force {
        bail!(
            "{}: already exists (use --force to overwrite)",
            path.display()
        );
    }
    std::fs::write(path, crate::config::STARTER)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    println!("wrote {}", path.display());
    Ok(0)
}

fn rules_cmd(gate: Option<&str>, format: Format) -> anyhow::Result<u8> {
    let gates = match gate {
        Some(name) => parse_gates(&[name.to_string()])?,
        None => GateId::ALL.into_iter().chain([GateId::Policy]).collect(),
    };
    let list: Vec<_> = gates.iter().flat_map(|&g| rules::for_gate(g)).collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&list)?),
        Format::Text => {
            for g in gates {
                let rules = rules::for_gate(g);
                println!("{g} ({} rule(s))", rules.len());
                for r in rules {
                    println!("  {:<44} {:<8} {}", r.id, r.default_severity, r.summary);
                }
            }
        }
    }
    Ok(0)
}

fn explain_cmd(id: &str) -> anyhow::Result<u8> {
    let Some(rule) = rules::find(id) else {
        bail!("unknown rule `{id}` (see `shipgate rules`)");
    };
    println!(
        "{} ({} gate, default severity {})\n",
        rule.id, rule.gate, rule.default_severity
    );
    println!("{}\n", rule.summary);
    println!("{}", rule.doc.trim());
    Ok(0)
}
