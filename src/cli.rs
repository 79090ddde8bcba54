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
        #[command(flatten)]
        signing: SigningArgs,
        #[command(flatten)]
        publish: crate::publish::PublishArgs,
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
    /// Migration tools: `shipgate migrations lint FILE...`.
    Migrations {
        #[command(subcommand)]
        command: crate::gates::migrations::cli::MigrationsCommand,
    },
    /// Write a signing key pair: PREFIX.key (PKCS#8 PEM, private, mode 0600) and PREFIX.pub.
    Keygen {
        #[arg(long, value_enum, default_value = "ed25519")]
        algorithm: crate::attest::Algorithm,
        /// Path prefix of the two files.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Verify a signed report (DSSE envelope). Exit 0 verified, 1 verdict not pass,
    /// 2 malformed, 3 wrong key, 4 bad signature, 5 tampered, 6 other commit, 7 not a report.
    Verify {
        /// The envelope (`*.dsse.json` written by `check --signing-key`).
        envelope: PathBuf,
        /// The signer's public key (SPKI PEM, e.g. the .pub from `shipgate keygen`).
        /// Repeatable (key rotation): one of them must have signed.
        #[arg(long = "key", value_name = "PUB", required = true)]
        keys: Vec<PathBuf>,
        /// The full commit id the report must be about.
        #[arg(long, value_name = "SHA")]
        commit: Option<String>,
        /// Also require the report's verdict to be `pass`.
        #[arg(long)]
        require_pass: bool,
    },
    /// Publish a report made by another job (the fork-safe `workflow_run` split).
    Publish(crate::publish::handover::HandoverArgs),
    /// Scan for secrets outside a change: directories (tree mode) or git history.
    Secrets(crate::gates::secrets::cli::SecretsArgs),
    /// Avro schema compatibility outside a change (`shipgate avro check OLD.avsc NEW.avsc --mode FULL`).
    #[command(subcommand)]
    Avro(crate::gates::avro::standalone::AvroCommand),
    /// Compare OpenAPI/Swagger specs on disk (`openapi diff OLD NEW`, `openapi changelog OLD NEW`).
    Openapi {
        #[command(subcommand)]
        command: crate::gates::openapi::standalone::OpenapiCommand,
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
    #[command(flatten)]
    pub publish: crate::publish::PublishArgs,
    #[command(flatten)]
    pub signing: SigningArgs,
}

/// Signing the report (DSSE envelope next to it).
#[derive(Debug, Clone, clap::Args)]
pub struct SigningArgs {
    /// Sign the report with this PKCS#8 PEM private key (Ed25519 or P-256); the
    /// envelope goes next to the report (x.json -> x.dsse.json). Without it, the
    /// environment variable SHIPGATE_SIGNING_KEY may hold the PEM text.
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Fail (exit 2) when no signing key is given, instead of writing an unsigned report.
    #[arg(
        long,
        env = "SHIPGATE_REQUIRE_SIGNATURE",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub require_signature: bool,
}

impl SigningArgs {
    /// The key to sign with, if any (an error when required and missing).
    fn load(&self) -> anyhow::Result<Option<crate::attest::key_source::SigningKey>> {
        crate::attest::key_source::load(
            self.signing_key.as_deref(),
            std::env::var_os(crate::attest::key_source::SIGNING_KEY_ENV),
            self.require_signature,
        )
    }
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
            signing,
            publish,
        } => merge_cmd(&reports, &report, format, &signing, &publish),
        Command::Init { path, force } => init_cmd(&path, force),
        Command::Rules { gate, format } => rules_cmd(gate.as_deref(), format),
        Command::Explain { rule } => explain_cmd(&rule),
        Command::Keygen {
            algorithm,
            out,
            force,
        } => crate::attest::commands::keygen(algorithm, &out, force),
        Command::Verify {
            envelope,
            keys,
            commit,
            require_pass,
        } => Ok(crate::attest::commands::verify(
            &envelope,
            &keys,
            commit,
            require_pass,
        )),
        Command::Publish(args) => crate::publish::handover::run(args),
        Command::Demo { dir } => crate::demo::run(dir.as_deref()),
        Command::Secrets(args) => crate::gates::secrets::cli::run(args),
        Command::Avro(cmd) => crate::gates::avro::standalone::run(cmd),
        Command::Openapi { command } => crate::gates::openapi::standalone::run(command),
        Command::Migrations { command } => crate::gates::migrations::cli::run(command),
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
    let mut ci = CiEnv::from_process_env()?;
    if let Some(token) = args.token.and_then(crate::ci::Token::new) {
        ci.token = Some(token);
    }
    let signing_key = args.signing.load()?;
    let opts = CheckOptions {
        fail_on: args.fail_on,
        config: args.config,
        gates: parse_gates(&args.gates)?,
        policy_from: args.policy_from,
        inputs: crate::gates::GateInputs {
            coverage_reports: args.coverage,
            ..Default::default()
        },
        ..args.revs.into_options()
    };
    let report = check::run(&opts, &ci)?;
    emit(
        &report,
        &args.report,
        args.format,
        signing_key.as_ref(),
        &ci,
        &args.publish,
    )
}

fn merge_cmd(
    inputs: &[PathBuf],
    out: &std::path::Path,
    format: Format,
    signing: &SigningArgs,
    publish: &crate::publish::PublishArgs,
) -> anyhow::Result<u8> {
    let ci = CiEnv::from_process_env()?;
    let key = signing.load()?;
    let paths = crate::report::merge::collect_paths(inputs)?;
    let report = crate::report::merge::merge(&paths)?;
    emit(&report, out, format, key.as_ref(), &ci, publish)
}

/// Write the report file (and its signature when a key is given), then print it.
fn emit(
    report: &crate::report::Report,
    path: &std::path::Path,
    format: Format,
    signing_key: Option<&crate::attest::key_source::SigningKey>,
    ci: &CiEnv,
    publish: &crate::publish::PublishArgs,
) -> anyhow::Result<u8> {
    report
        .write(path)
        .with_context(|| format!("{}: cannot write the report", path.display()))?;
    let signed = crate::attest::commands::sign_next_to(report, signing_key, path)?;
    match format {
        Format::Json => println!("{}", report.to_json()),
        Format::Text => {
            print!("{}", text::render(report, Style::detect()));
            println!("report: {}", path.display());
        }
    }
    if let Some(line) = signed {
        // On stderr in JSON mode: stdout stays one JSON document.
        match format {
            Format::Json => eprintln!("{line}"),
            Format::Text => println!("{line}"),
        }
    }
    // After the report is written; never changes the exit code.
    crate::publish::after_check(report, ci, path, publish, matches!(format, Format::Json));
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
            let width = list.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for g in gates {
                let rules = rules::for_gate(g);
                println!("{g} ({} rule(s))", rules.len());
                for r in rules {
                    println!("  {:<width$} {:<8} {}", r.id, r.default_severity, r.summary);
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
