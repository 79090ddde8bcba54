//! `shipgate migrations lint FILE...`: lint migration files without git.
//!
//! Uses `.shipgate.yml` (if present, or `--config`) for `gates.migrations`
//! settings and rule levels; flags override. Exit 0 when nothing fails,
//! 1 when a finding at or above `fail_on` remains, 2 on usage or input errors.
//! Hygiene and approvals need a change and run only in `shipgate check`.

use super::detect::{self, Framework};
use super::{SqlDialect, read_migration, to_findings};
use crate::cli::Format;
use crate::config::{Config, GateConfig};
use crate::gates::{GateId, GateRun, GateStatus, runner};
use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum MigrationsCommand {
    /// Lint migration files for destructive and lock-heavy statements.
    Lint(LintArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    Postgres,
    Mysql,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Migration files to lint.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// SQL dialect (default: config `dialect`, else postgres).
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    /// PostgreSQL major version (default: config, else 15).
    #[arg(long = "pg-version")]
    pub pg_version: Option<u32>,
    /// MySQL version, e.g. 5.7 or 8.0.28 (default: config, else 8.4).
    #[arg(long = "mysql-version")]
    pub mysql_version: Option<String>,
    /// Migration framework (default: config, else detected per file).
    #[arg(long)]
    pub framework: Option<String>,
    /// Require `SET lock_timeout` before lock-taking statements.
    #[arg(long)]
    pub require_lock_timeout: bool,
    /// Config file (default: .shipgate.yml in the current directory, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn parse_framework(name: &str) -> anyhow::Result<Framework> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).with_context(|| {
        format!(
            "unknown framework `{name}`: expected auto, flyway, golang-migrate, dbmate, liquibase, prisma, sqitch or plain"
        )
    })
}

pub fn run(command: MigrationsCommand) -> anyhow::Result<u8> {
    match command {
        MigrationsCommand::Lint(args) => lint_cmd(args),
    }
}

fn lint_cmd(args: LintArgs) -> anyhow::Result<u8> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut config = Config::discover(&cwd, args.config.as_deref())?;
    let cfg = &mut config.gates.migrations;
    if let Some(v) = args.pg_version {
        cfg.postgres_version = Some(v);
    }
    match args.dialect {
        Some(Dialect::Postgres) => cfg.dialect = SqlDialect::Postgres,
        Some(Dialect::Mysql) => cfg.dialect = SqlDialect::Mysql,
        None => {}
    }
    if let Some(v) = &args.mysql_version {
        if super::mysql::parse_version(v).is_none() {
            bail!("--mysql-version {v}: expected a MySQL version such as 8.0.28 or 5.7");
        }
        cfg.mysql_version = Some(v.clone());
    }
    if let Some(name) = &args.framework {
        cfg.framework = parse_framework(name)?;
    }
    if args.require_lock_timeout {
        cfg.require_lock_timeout = true;
    }
    let cfg = &config.gates.migrations;
    let mut run = GateRun::default();
    let mut statements = 0;
    for file in &args.files {
        let bytes =
            std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let path = file.display().to_string().replace('\\', "/");
        let framework = detect::classify(&path, Some(&text), cfg.framework, &|_| false)
            .map(|m| m.framework)
            .unwrap_or(if cfg.framework == Framework::Auto {
                Framework::Plain
            } else {
                cfg.framework
            });
        let result = read_migration(cfg, framework, &text, true)?
            .result
            .unwrap_or_default();
        statements += result.statements;
        run.findings.extend(to_findings(&path, &result, None));
        for a in &result.allowed {
            let (rule, line, reason) = (a.finding.rule.id, a.finding.span.start_line, &a.reason);
            run.notes
                .push(format!("{path}:{line}: {rule} allowed inline ({reason})"));
        }
    }
    run.metric("files", args.files.len());
    run.metric("statements", statements);
    let outcome = runner::apply_config(GateId::Migrations, run, cfg.common());
    match args.format {
        Format::Json => {
            let json = serde_json::json!({
                "status": outcome.status.as_str(),
                "findings": outcome.findings,
                "notes": outcome.notes,
                "metrics": outcome.metrics,
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::Text => {
            for f in &outcome.findings {
                let loc = f.location.as_ref();
                let col = loc
                    .and_then(|l| l.start_column)
                    .map(|c| format!(":{c}"))
                    .unwrap_or_default();
                println!(
                    "{}:{}{col}: {} [{}] {}",
                    loc.map(|l| l.path.as_str()).unwrap_or("-"),
                    loc.map(|l| l.start_line).unwrap_or(0),
                    f.severity,
                    f.rule,
                    f.title
                );
                println!("    why: {}", f.message);
                if !f.help.is_empty() {
                    println!("    fix: {}", f.help);
                }
            }
            for note in &outcome.notes {
                println!("note: {note}");
            }
            println!(
                "{} finding(s) in {} file(s), {} statement(s): {}",
                outcome.findings.len(),
                args.files.len(),
                statements,
                outcome.status.as_str()
            );
        }
    }
    Ok(if outcome.status == GateStatus::Fail {
        1
    } else {
        0
    })
}
