//! `shipgate check`: from the environment and flags to a report and an exit code.
//!
//! Owns: choosing base and head (flags win over CI detection), loading the
//! config, building the ChangeSet, running the gates and writing outputs.

use crate::changeset::{ChangeSet, Repo};
use crate::ci::{CiEnv, PlatformKind};
use crate::config::{Config, FailOn, InlineSuppressions};
use crate::finding::Side;
use crate::gates::migrations::approvals::{ApprovalSource, all_groups_approved_at};
use crate::gates::{GateContext, GateId, GateInputs, runner};
use crate::platform::approvals;
use crate::report::Report;
use crate::trust::{self, PolicyFrom};
use anyhow::{Context, bail};
use std::path::PathBuf;

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The repository (default: the current directory).
    pub repo: Option<PathBuf>,
    /// Exact base commit.
    pub base: Option<String>,
    /// Target branch/commit: base = merge-base(target, head).
    pub target: Option<String>,
    /// Head commit (default: from CI, else HEAD).
    pub head: Option<String>,
    pub config: Option<PathBuf>,
    /// Only these gates (empty: all).
    pub gates: Vec<GateId>,
    pub inputs: GateInputs,
    /// Where the policy comes from (default: base commit in CI, working tree locally).
    pub policy_from: PolicyFrom,
    /// Override every gate's `fail_on`.
    pub fail_on: Option<FailOn>,
}

/// The base commit: --base, else merge-base(--target), else CI, else the usual target branches.
fn choose_base(repo: &Repo, opts: &CheckOptions, ci: &CiEnv, head: &str) -> anyhow::Result<String> {
    if let Some(base) = &opts.base {
        return Ok(repo.resolve(base)?);
    }
    if let Some(target) = &opts.target {
        return Ok(repo.merge_base(target, head)?);
    }
    if let Some(base) = &ci.base {
        return Ok(repo.resolve(base)?);
    }
    if let Some(target) = &ci.target {
        return Ok(repo.merge_base(target, head)?);
    }
    // Local run: the usual names of the target branch.
    for candidate in [
        "origin/HEAD",
        "origin/main",
        "origin/master",
        "main",
        "master",
    ] {
        if repo.has_commit(candidate) {
            let base = repo.merge_base(candidate, head)?;
            if base != repo.resolve(head)? {
                return Ok(base);
            }
        }
    }
    bail!(
        "cannot tell what to compare against: no --base/--target given, no CI pull/merge request \
         detected, and no origin/main, main or master branch that HEAD has diverged from. \
         Pass --target main (compare with the merge base) or --base REV (compare with REV)"
    )
}

/// Open the repository and compute the change that `opts` and `ci` describe.
pub fn open_change(opts: &CheckOptions, ci: &CiEnv) -> anyhow::Result<(Repo, ChangeSet)> {
    let start = opts.repo.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = Repo::open(&start)?;
    let head_rev = opts
        .head
        .clone()
        .or_else(|| ci.head.clone())
        .unwrap_or_else(|| "HEAD".to_string());
    let head = repo.resolve(&head_rev)?;
    let base = choose_base(&repo, opts, ci, &head)?;
    let changes = repo
        .changeset(&base, &head)
        .with_context(|| format!("diffing {base}..{head}"))?;
    Ok((repo, changes))
}

/// The `org/team` slugs whose membership decides approvals: the teams the
/// migrations gate requires, and the teams in the policy side's CODEOWNERS.
fn approval_teams(
    repo: &Repo,
    changes: &ChangeSet,
    side: Side,
    config: &Config,
) -> anyhow::Result<Vec<String>> {
    let mut teams: Vec<String> = config
        .gates
        .migrations
        .approvals
        .iter()
        .flat_map(|rule| rule.require.iter().flat_map(|g| g.members()))
        .filter(|m| m.contains('/'))
        .map(|m| m.trim_start_matches('@').to_string())
        .collect();
    let commit = match side {
        Side::Base => &changes.base,
        Side::Head => &changes.head,
    };
    for path in trust::CODEOWNERS_PATHS {
        if let Some(bytes) = repo.read(commit, path.as_bytes())? {
            let owners = trust::parse_codeowners(&String::from_utf8_lossy(&bytes));
            teams.extend(
                owners
                    .into_values()
                    .flatten()
                    .filter(|o| o.contains('/'))
                    .map(|o| o.trim_start_matches('@').to_string()),
            );
        }
    }
    teams.sort();
    teams.dedup();
    Ok(teams)
}

/// Run the gates and build the report.
pub fn run(opts: &CheckOptions, ci: &CiEnv) -> anyhow::Result<Report> {
    let (repo, changes) = open_change(opts, ci)?;
    let in_ci = ci.platform != PlatformKind::Local;
    let mut policy = trust::load(
        &repo,
        &changes,
        opts.config.as_deref(),
        opts.policy_from,
        in_ci,
    )?;
    if let Some(fail_on) = opts.fail_on {
        policy.config.gates.set_fail_on(fail_on);
    }
    let config = &policy.config;
    let selected: Vec<GateId> = if opts.gates.is_empty() {
        GateId::ALL.to_vec()
    } else {
        opts.gates.clone()
    };
    let teams = approval_teams(&repo, &changes, policy.side, config)?;
    let source = approvals::from_ci(ci, teams, &|name| std::env::var(name).ok());
    let cached = source.as_deref().map(approvals::Cached::new);
    let mut ctx =
        GateContext::new(&repo, &changes, config, ci, &opts.inputs).with_policy_side(policy.side);
    ctx.approvals = cached.as_ref().map(|c| c as &(dyn ApprovalSource + Sync));
    if config.policy.allow_inline_suppressions == InlineSuppressions::Reviewed {
        ctx.approved = cached
            .as_ref()
            .and_then(|c| c.approvals().ok())
            .map(|list| {
                all_groups_approved_at(&config.gates.migrations.approvals, &list, &changes.head)
            });
    }
    let gate_outcomes = runner::run_gates(&ctx, &selected);
    // The policy gate reports last-known facts: the config diff, and the
    // inline suppressions the gates met on lines this change added.
    let mut policy_run = policy.run;
    policy_run.notes.extend(policy.info.note.clone());
    trust::report_suppressions(&ctx.suppression_attempts(), &mut policy_run);
    let mut outcomes = vec![runner::apply_config(
        GateId::Policy,
        policy_run,
        config.gate_common(GateId::Policy),
    )];
    outcomes.extend(gate_outcomes);
    let inputs = ctx.inputs_read();
    Ok(Report::build(
        ci,
        &changes,
        config,
        policy.info,
        outcomes,
        inputs,
    ))
}
