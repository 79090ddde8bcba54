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
    /// Coverage gate alone: line coverage of added lines (and total) from coverage reports.
    Coverage(crate::gates::coverage::standalone::CoverageArgs),
    /// Build a demo repository whose change trips the gates, and check it.
    Demo {
        /// Where to create the demo repository (default: a temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Repository to check (default: current directory).
    #[arg(long, short = 'C')]
    pub repo: Option<PathBuf>,
    /// Compare with exactly this commit.
    #[arg(long, conflicts_with = "target")]
    pub base: Option<String>,
    /// Compare with the merge base of this branch/commit and head (like a PR does).
    #[arg(long)]
    pub target: Option<String>,
    /// The head commit (default: the PR/MR head in CI, else HEAD).
    #[arg(long)]
    pub head: Option<String>,
    /// Config file (default: .shipgate.yml at the repository root).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Run only this gate (repeatable, or comma-separated).
    #[arg(long = "gate", alias = "gates", value_delimiter = ',')]
    pub gates: Vec<String>,
    /// Coverage report to read (repeatable).
    #[arg(long = "coverage")]
    pub coverage: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Where to write the JSON report.
    #[arg(long, default_value = "shipgate-report.json")]
    pub report: PathBuf,
}

/// Run a parsed command line; the result is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(args) => check_cmd(args),
        Command::Init { path, force } => init_cmd(&path, force),
        Command::Rules { gate, format } => rules_cmd(gate.as_deref(), format),
        Command::Explain { rule } => explain_cmd(&rule),
        Command::Demo { dir } => crate::demo::run(dir.as_deref()),
        Command::Coverage(args) => crate::gates::coverage::standalone::run(args),
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
    let ci = CiEnv::from_process_env()?;
    let opts = CheckOptions {
        repo: args.repo,
        base: args.base,
        target: args.target,
        head: args.head,
        config: args.config,
        gates: parse_gates(&args.gates)?,
        inputs: crate::gates::GateInputs {
            coverage_reports: args.coverage,
            ..Default::default()
        },
    };
    let report = check::run(&opts, &ci)?;
    report
        .write(&args.report)
        .with_context(|| format!("{}: cannot write the report", args.report.display()))?;
    match args.format {
        Format::Json => println!("{}", report.to_json()),
        Format::Text => {
            print!("{}", text::render(&report, Style::detect()));
            println!("report: {}", args.report.display());
        }
    }
    Ok(report.verdict.exit_code())
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
        None => GateId::ALL.to_vec(),
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
