//! The migrations gate: finds the migration files a change touches, lints
//! their SQL for destructive and lock-heavy statements, checks hygiene
//! (applied migrations left alone, version order, naming, forward-only,
//! header) and required approvals. Config section: `gates.migrations`.
//!
//! Modules: `detect` (which files are migrations, which framework), `sql`
//! (PostgreSQL parse), `lint` + `rules/` (SQL rules), `hygiene`, `approvals`,
//! `cli` (`shipgate migrations lint`). User docs: docs/migrations.md.

pub mod approvals;
pub mod cli;
pub mod codeowners;
pub mod detect;
pub mod hygiene;
pub mod lint;
pub mod mysql;
pub mod plpgsql;
pub mod rules;
pub mod sql;

use crate::changeset::FileStatus;
use crate::finding::{Finding, Location, Severity, Side};
use crate::gates::{Gate, GateContext, GateId, GateRun};
use crate::rules::RuleInfo;
use approvals::{ApprovalRule, ApprovalSource, Unverifiable};
use detect::{Framework, Migration, Role};
use hygiene::{ChangedMigration, HygieneConfig};
use lint::{LintOptions, LintResult, SqlFinding, TxWrap};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Whether the framework's transaction handling is overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TransactionMode {
    /// What the framework does (the default; see docs/migrations.md).
    #[default]
    Auto,
    /// Every file runs in one transaction.
    Always,
    /// Files run statement by statement; only explicit BEGIN opens a transaction.
    Never,
}

/// The SQL dialect of the migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SqlDialect {
    /// PostgreSQL (the default): squawk's parser, the PostgreSQL rules.
    #[default]
    Postgres,
    /// MySQL (InnoDB): sqlparser statement by statement, the MySQL rules.
    Mysql,
}

crate::gate_config! {
    /// `gates.migrations` in .shipgate.yml.
    pub struct MigrationsConfig {
        /// Migration framework: auto (default), flyway, golang-migrate, dbmate,
        /// liquibase, prisma, sqitch, plain.
        pub framework: Framework,
        /// Globs of migration files. Default: files recognised by name/content,
        /// plus `.sql` files under a `migration(s)`/`migrate` directory.
        pub paths: Vec<String>,
        /// SQL dialect: postgres (default) | mysql.
        pub dialect: SqlDialect,
        /// PostgreSQL major version the migrations run on (default 15).
        pub postgres_version: Option<u32>,
        /// MySQL version the migrations run on, e.g. "5.7" or "8.0.28" (default "8.4").
        pub mysql_version: Option<String>,
        /// Override the framework's transaction handling: auto | always | never.
        pub transaction: TransactionMode,
        /// Require `SET lock_timeout` before lock-taking statements (default false).
        pub require_lock_timeout: bool,
        /// Forbid down/undo migrations (default false).
        pub forward_only: bool,
        /// Header fields every new migration must carry, e.g. [Team, Risk, Rollback] (default none).
        pub required_header: Vec<String>,
        /// Who must approve changes to migrations (default none).
        pub approvals: Vec<ApprovalRule>,
        /// When approvals cannot be checked: fail (default) | warn.
        pub approval_unverifiable: Unverifiable,
        /// Count approvals given before the migrations last changed (default false).
        pub accept_stale_approvals: bool,
        /// Whose CODEOWNERS rules apply: auto (default: GitLab's in GitLab CI,
        /// GitHub's otherwise) | github | gitlab.
        pub codeowners_dialect: codeowners::Dialect,
    }
}

/// The migrations gate.
pub struct MigrationsGate;

static GATE: MigrationsGate = MigrationsGate;

/// This gate's implementation.
pub fn gate() -> Option<&'static dyn Gate> {
    Some(&GATE)
}

impl Gate for MigrationsGate {
    fn id(&self) -> GateId {
        GateId::Migrations
    }

    fn rules(&self) -> &'static [RuleInfo] {
        rules::RULES
    }

    fn run(&self, ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
        let source = ctx.approvals.map(|s| s as &dyn ApprovalSource);
        run_with(ctx, source)
    }
}

/// Lint options for one file, from config and the framework.
pub fn lint_options(config: &MigrationsConfig, framework: Framework, text: &str) -> LintOptions {
    let mut opts = LintOptions {
        pg_version: config.postgres_version.unwrap_or(lint::DEFAULT_PG_VERSION),
        wrap: framework.wrap(),
        require_lock_timeout: config.require_lock_timeout,
        ..LintOptions::default()
    };
    match framework {
        Framework::Dbmate => {
            let (down, no_tx) = detect::dbmate_sections(text);
            opts.stop_at = down;
            if no_tx {
                opts.wrap = TxWrap::None;
            }
        }
        Framework::Liquibase => {
            opts.units = detect::liquibase_units(text);
            opts.wrap = TxWrap::None;
        }
        _ => {}
    }
    match config.transaction {
        TransactionMode::Auto => {}
        TransactionMode::Always => opts.wrap = TxWrap::Always,
        TransactionMode::Never => {
            opts.wrap = TxWrap::None;
            opts.units.clear();
        }
    }
    opts
}

/// The MySQL lint options for one file (`mysql_version`, dbmate's down section).
pub fn mysql_options(
    config: &MigrationsConfig,
    framework: Framework,
    text: &str,
) -> anyhow::Result<mysql::MysqlOptions> {
    let version = match &config.mysql_version {
        None => mysql::DEFAULT_MYSQL_VERSION,
        Some(v) => mysql::parse_version(v).ok_or_else(|| {
            anyhow::anyhow!(
                "gates.migrations.mysql_version: `{v}` is not a MySQL version (expected e.g. \"8.0.28\" or \"5.7\")"
            )
        })?,
    };
    let stop_at = match framework {
        Framework::Dbmate => detect::dbmate_sections(text).0,
        _ => None,
    };
    Ok(mysql::MysqlOptions { version, stop_at })
}

/// A migration's text read in the configured dialect: its header comments,
/// its inline allows, and (when `lint` is given) the lint result.
pub struct Read {
    pub header: Vec<String>,
    pub allows: Vec<sql::Allow>,
    pub result: Option<LintResult>,
}

/// Read (and lint, unless `lint` is false) one migration in the configured dialect.
pub fn read_migration(
    config: &MigrationsConfig,
    framework: Framework,
    text: &str,
    lint: bool,
) -> anyhow::Result<Read> {
    Ok(match config.dialect {
        SqlDialect::Postgres => {
            let parsed = sql::ParsedSql::parse(text);
            let result =
                lint.then(|| lint::lint_parsed(&parsed, &lint_options(config, framework, text)));
            Read {
                header: parsed.leading_comments(),
                allows: parsed.allows.clone(),
                result,
            }
        }
        SqlDialect::Mysql => {
            let opts = mysql_options(config, framework, text)?;
            let parsed = mysql::MysqlSql::parse(text);
            let result = lint.then(|| mysql::lint(&parsed, &opts));
            Read {
                header: parsed.leading_comments(),
                allows: parsed.allows.clone(),
                result,
            }
        }
    })
}

/// Turn the lint result of `path` into findings. `only_lines`: report only
/// findings touching these head lines (for edited files).
pub fn to_findings(
    path: &str,
    result: &LintResult,
    only_lines: Option<&crate::changeset::LineSet>,
) -> Vec<Finding> {
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for f in &result.findings {
        if let Some(lines) = only_lines
            && !lines.overlaps(f.span.start_line, f.span.end_line)
        {
            continue;
        }
        out.push(to_finding(path, f, &mut seen));
    }
    out
}

fn to_finding(path: &str, f: &SqlFinding, seen: &mut BTreeMap<(String, String), usize>) -> Finding {
    let n = seen
        .entry((f.rule.id.to_string(), f.key.clone()))
        .or_default();
    *n += 1;
    let key = if *n == 1 {
        f.key.clone()
    } else {
        format!("{}#{n}", f.key)
    };
    let mut location = Location::lines(path, f.span.start_line, f.span.end_line);
    if f.span.start_line == f.span.end_line {
        location = location.with_columns(f.span.start_col, f.span.end_col);
    }
    Finding::new(
        "migrations",
        f.rule.id,
        f.severity,
        f.title.clone(),
        Some(location),
        &key,
    )
    .with_message(f.message.clone())
    .with_help(f.help.clone())
}

fn is_sql(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() > 4 && b[b.len() - 4..].eq_ignore_ascii_case(b".sql")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Every migration in a tree listing, classified by name (dbmate by its
/// directory when a changed file there is dbmate).
fn listing(
    files: &[String],
    framework: Framework,
    dbmate_dirs: &BTreeSet<String>,
) -> Vec<Migration> {
    let set: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let plan = |dir: &str| {
        let p = if dir.is_empty() {
            "sqitch.plan".to_string()
        } else {
            format!("{dir}/sqitch.plan")
        };
        set.contains(p.as_str())
    };
    files
        .iter()
        .filter(|p| is_sql(p))
        .filter_map(|p| {
            if dbmate_dirs.contains(parent(p)) {
                return detect::classify(p, Some("-- migrate:up\n"), Framework::Dbmate, &plan);
            }
            let m = detect::classify(p, None, framework, &plan)?;
            (m.framework != Framework::Plain).then_some(m)
        })
        .collect()
}

/// A finding's severity after the config's `rules:` levels (`None`: turned off).
fn effective_severity(config: &MigrationsConfig, finding: &Finding) -> Option<Severity> {
    match config.rules.get(&finding.rule) {
        Some(level) => level.value.severity(),
        None => Some(finding.severity),
    }
}

/// Run the gate with an approval source (the platform layer passes one; `None`: local run).
pub fn run_with(
    ctx: &GateContext<'_>,
    source: Option<&dyn ApprovalSource>,
) -> anyhow::Result<GateRun> {
    let config = &ctx.config.gates.migrations;
    let head_files = ctx.repo.list_files(&ctx.changes.head)?;
    let base_files = ctx.repo.list_files(&ctx.changes.base)?;
    let head_set: BTreeSet<&str> = head_files.iter().map(String::as_str).collect();
    let base_set: BTreeSet<&str> = base_files.iter().map(String::as_str).collect();
    let plan_in = |set: &BTreeSet<&str>, dir: &str| {
        let p = if dir.is_empty() {
            "sqitch.plan".to_string()
        } else {
            format!("{dir}/sqitch.plan")
        };
        set.contains(p.as_str())
    };
    let head_plan = |dir: &str| plan_in(&head_set, dir);
    let base_plan = |dir: &str| plan_in(&base_set, dir);

    struct Candidate {
        file_index: usize,
        head: Option<Migration>,
        base: Option<Migration>,
        head_text: Option<String>,
    }
    let mut candidates = Vec::new();
    for (i, f) in ctx.changes.files.iter().enumerate() {
        if f.binary {
            continue;
        }
        let base_path = f.base_path().map(|_| f.base_display_path().to_string());
        let head_path = f.head_path().map(|_| f.path.clone());
        if !head_path.as_deref().is_some_and(is_sql) && !base_path.as_deref().is_some_and(is_sql) {
            continue;
        }
        let head_text = match f.head_path() {
            Some(raw) => ctx
                .read(Side::Head, raw)?
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            None => None,
        };
        let base_text = match f.base_path() {
            Some(raw) => ctx
                .read(Side::Base, raw)?
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            None => None,
        };
        let head = head_path
            .as_deref()
            .and_then(|p| detect::classify(p, head_text.as_deref(), config.framework, &head_plan));
        let base = base_path
            .as_deref()
            .and_then(|p| detect::classify(p, base_text.as_deref(), config.framework, &base_plan));
        let in_globs = |p: &str| config.paths.iter().any(|g| crate::glob::matches(g, p));
        let selected = match config.paths.is_empty() {
            false => {
                head_path.as_deref().is_some_and(in_globs)
                    || base_path.as_deref().is_some_and(in_globs)
            }
            true => {
                head.as_ref()
                    .is_some_and(|m| m.framework != Framework::Plain)
                    || base
                        .as_ref()
                        .is_some_and(|m| m.framework != Framework::Plain)
                    || head_path.as_deref().is_some_and(detect::in_migrations_dir)
                    || base_path.as_deref().is_some_and(detect::in_migrations_dir)
            }
        };
        if selected {
            candidates.push(Candidate {
                file_index: i,
                head,
                base,
                head_text,
            });
        }
    }
    if candidates.is_empty() {
        return Ok(GateRun::skipped("no migration files changed"));
    }

    let dbmate_dirs: BTreeSet<String> = candidates
        .iter()
        .filter_map(|c| c.head.as_ref().or(c.base.as_ref()))
        .filter(|m| m.framework == Framework::Dbmate)
        .map(|m| parent(&m.path).to_string())
        .collect();
    let head_migrations = listing(&head_files, config.framework, &dbmate_dirs);
    let base_migrations = listing(&base_files, config.framework, &dbmate_dirs);

    let mut run = GateRun::default();
    let mut changed = Vec::new();
    let mut statements = 0usize;
    let mut dangerous_paths = Vec::new();
    let mut approval_paths = Vec::new();
    for c in &candidates {
        let f = &ctx.changes.files[c.file_index];
        let head_path = f.head_path().map(|_| f.path.clone());
        approval_paths.push(
            head_path
                .clone()
                .unwrap_or_else(|| f.base_display_path().to_string()),
        );
        // A file the framework would not recognise, in a directory of that framework.
        let dir_framework = head_path.as_deref().and_then(|p| {
            head_migrations
                .iter()
                .filter(|m| parent(&m.path) == parent(p) && m.framework != Framework::Plain)
                .map(|m| m.framework)
                .next()
        });
        let head = match (&c.head, &head_path) {
            (Some(m), _) => Some(m.clone()),
            (None, Some(p)) if dir_framework.is_none() && config.framework == Framework::Auto => {
                detect::classify(p, None, Framework::Plain, &head_plan)
            }
            _ => None,
        };
        let mut header = Vec::new();
        let mut allowed = Vec::new();
        if let (Some(text), Some(path)) = (&c.head_text, &head_path) {
            let framework = head
                .as_ref()
                .map(|m| m.framework)
                .unwrap_or(Framework::Plain);
            let role = head.as_ref().map(|m| m.role).unwrap_or(Role::Versioned);
            let lints = matches!(role, Role::Versioned | Role::Repeatable);
            let read = read_migration(config, framework, text, lints)?;
            header = read.header;
            // File-level (hygiene) allows, as far as policy honours them.
            allowed = read
                .allows
                .iter()
                .filter(|a| rules::is_hygiene_rule(&a.rule))
                .filter(|a| ctx.allow_inline_suppression("migrations", &a.rule, path, a.line))
                .map(|a| a.rule.clone())
                .collect();
            if let Some(mut result) = read.result {
                statements += result.statements;
                // Allow comments the change adds take effect only as policy says
                // (`policy.allow_inline_suppressions`); the others come back as findings.
                let (honoured, refused): (Vec<_>, Vec<_>) = std::mem::take(&mut result.allowed)
                    .into_iter()
                    .partition(|a| {
                        ctx.allow_inline_suppression(
                            "migrations",
                            a.finding.rule.id,
                            path,
                            a.comment_line,
                        )
                    });
                result.allowed = honoured;
                for a in refused {
                    let mut finding = a.finding;
                    finding.message.push_str(&format!(
                        " (The `shipgate:allow` comment on line {} was added by this change and is \
                         not honoured under policy.allow_inline_suppressions.)",
                        a.comment_line
                    ));
                    result.findings.push(finding);
                }
                let only = match f.status {
                    FileStatus::Added | FileStatus::Copied => None,
                    _ => Some(&f.added),
                };
                let findings = to_findings(path, &result, only);
                // An inline allow is an override: it needs the same approval as the finding.
                if !read.allows.is_empty()
                    || findings
                        .iter()
                        .any(|x| effective_severity(config, x) == Some(Severity::Error))
                {
                    dangerous_paths.push(path.clone());
                }
                run.findings.extend(findings);
                for a in &result.allowed {
                    run.notes.push(format!(
                        "{path}:{}: {} allowed inline ({})",
                        a.finding.span.start_line,
                        a.finding.rule.id,
                        if a.reason.is_empty() {
                            "no reason given"
                        } else {
                            a.reason.as_str()
                        }
                    ));
                }
            }
        }
        changed.push(ChangedMigration {
            status: f.status,
            head,
            base: c.base.clone(),
            head_path,
            base_path: f.base_path().map(|_| f.base_display_path().to_string()),
            first_added_line: f.added.iter().next().unwrap_or(1),
            pure_append: f.removed.is_empty(),
            header,
            allowed,
            has_down_section_sql: c
                .head
                .as_ref()
                .is_some_and(|m| m.framework == Framework::Dbmate)
                && c.head_text
                    .as_deref()
                    .is_some_and(detect::dbmate_down_has_sql),
        });
    }

    let hygiene_config = HygieneConfig {
        framework: config.framework,
        forward_only: config.forward_only,
        required_header: config.required_header.clone(),
    };
    let hygiene_findings = hygiene::check(
        &changed,
        &base_migrations,
        &head_migrations,
        &hygiene_config,
    );
    for f in &hygiene_findings {
        if effective_severity(config, f) == Some(Severity::Error)
            && let Some(l) = &f.location
        {
            dangerous_paths.push(l.path.clone());
        }
    }
    run.findings.extend(hygiene_findings);

    // Approvals: an approval still counts if no migration changed since its commit.
    let is_current = |commit: &str| {
        approval_paths.iter().all(|p| {
            let at = ctx.repo.read(commit, p.as_bytes());
            let now = ctx.repo.read(&ctx.changes.head, p.as_bytes());
            matches!((at, now), (Ok(a), Ok(b)) if a == b)
        })
    };
    // The platform's locations and rules; read from the policy side (the base in a
    // PR/MR), so that a change cannot name its own owners.
    let dialect = config.codeowners_dialect.resolve(ctx.ci.platform);
    let codeowners = dialect
        .locations()
        .iter()
        .find_map(|p| ctx.read_policy(p).ok().flatten())
        .map(|b| codeowners::CodeOwners::parse(&String::from_utf8_lossy(&b), dialect));
    let input = approvals::ApprovalInput {
        paths: &approval_paths,
        dangerous_paths: &dangerous_paths,
        is_current: &is_current,
        accept_stale: config.accept_stale_approvals,
        unverifiable: config.approval_unverifiable,
        codeowners: codeowners.as_ref(),
    };
    run.findings
        .extend(approvals::check(&config.approvals, &input, source)?);

    run.metric("migrations_checked", candidates.len());
    run.metric("statements", statements);
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_for(framework: Framework, text: &str) -> Vec<(&'static str, u32)> {
        let config = MigrationsConfig::default();
        let opts = lint_options(&config, framework, text);
        let (_, result) = lint::lint_text(text, &opts);
        result
            .findings
            .iter()
            .map(|f| (f.rule.id, f.span.start_line))
            .collect()
    }

    #[test]
    fn dbmate_wraps_unless_transaction_false_and_skips_the_down_section() {
        let wrapped = "-- migrate:up\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n";
        assert_eq!(
            rules_for(Framework::Dbmate, wrapped),
            vec![("concurrently-in-transaction", 2)]
        );
        let no_tx = wrapped.replace("-- migrate:up", "-- migrate:up transaction:false");
        assert!(rules_for(Framework::Dbmate, &no_tx).is_empty());
    }

    #[test]
    fn liquibase_changesets_are_separate_transactions() {
        let text = "--liquibase formatted sql\n--changeset a:1\nALTER TABLE t ADD COLUMN b int;\n\
                    --changeset a:2 runInTransaction:false\nCREATE INDEX CONCURRENTLY i ON t (b);\n\
                    --changeset a:3\nCREATE INDEX CONCURRENTLY j ON t (b);\n";
        assert_eq!(
            rules_for(Framework::Liquibase, text),
            vec![("concurrently-in-transaction", 7)]
        );
    }

    #[test]
    fn config_overrides_transaction_handling() {
        let config = MigrationsConfig {
            transaction: TransactionMode::Never,
            ..MigrationsConfig::default()
        };
        let opts = lint_options(&config, Framework::Dbmate, "-- migrate:up\nSELECT 1;\n");
        assert_eq!(opts.wrap, TxWrap::None);
    }

    #[test]
    fn config_keys_parse_and_unknown_keys_are_rejected() {
        let yaml = "gates:\n  migrations:\n    framework: golang-migrate\n    postgres_version: 12\n    \
                    transaction: always\n    required_header: [Team]\n    approval_unverifiable: warn\n";
        let config = crate::config::Config::parse(yaml, "c.yml").expect("config");
        assert_eq!(config.gates.migrations.framework, Framework::GolangMigrate);
        assert_eq!(config.gates.migrations.postgres_version, Some(12));
        let err =
            crate::config::Config::parse("gates:\n  migrations:\n    postgres: 12\n", "c.yml")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
        assert!(err.starts_with("c.yml:3"), "{err}");
    }
}
