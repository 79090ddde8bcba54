//! Approvals: who must approve a change that touches migrations.
//!
//! Config maps path globs to required groups of approvers (users `@alice`,
//! teams `@org/team`); every group needs one current approval. Where the
//! approvals come from is an [`ApprovalSource`] (GitHub reviews, GitLab
//! approval state) given by the caller; without one the gate says exactly
//! which approvals it could not verify, as `approval_unverifiable` decides.
//! Not for: talking to forge APIs (the platform layer implements the source).

use super::rules::rule;
use crate::finding::{Finding, Location, Severity};
use globset::{GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

rule!(
    APPROVAL_MISSING,
    "migration-approval-missing",
    Error,
    "A change to migrations lacks an approval the policy requires",
    r#"## What it does
For each entry of `approvals` whose `paths` match a changed migration, checks that every group in
`require` has an approval from one of its members (a user `@alice` or a member of a team
`@org/dba`). Unless `accept_stale_approvals: true`, an approval counts only if it was given on a
commit at or after the last change to the migrations.

## Why is this bad?
Policies like "database migrations require DBA + platform lead approval" exist because the
reviewers know the production tables. Without the check, the policy is a wiki page.

## Example
```yaml
gates:
  migrations:
    approvals:
      - name: DBA + platform lead
        paths: ["db/migration/**"]
        require: ["@acme/dba", ["@alice", "@bob"]]
```
Ask a member of each missing group to review and approve the latest commit.
"#
);

rule!(
    APPROVAL_UNVERIFIABLE,
    "migration-approval-unverifiable",
    Error,
    "Required approvals could not be verified (no forge API access in this run)",
    r#"## What it does
Reports, for each `approvals` entry that applies to the change, that the approvals could not be
checked: the run has no pull/merge request API access (a local run, a missing token, a token
without the needed scope, or an API error). Severity is `error` with
`approval_unverifiable: fail` (the default) and `warning` with `approval_unverifiable: warn`.

## Why is this bad?
A check that silently passes when it cannot see approvals is worse than none: it looks enforced.

## Example
Run in CI with a token that can read reviews (GitHub: a token with `pull-requests: read`, plus
`read:org` or a GitHub App for team membership; GitLab: a token with `read_api`), or set
`approval_unverifiable: warn` for local runs.
"#
);

/// One approval of the pull/merge request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approver's login (without `@`).
    pub user: String,
    /// Teams the approver belongs to, as `org/team` (as far as the source knows).
    pub teams: Vec<String>,
    /// The commit the approval was given on, if known.
    pub commit: Option<String>,
}

/// Where approvals come from (GitHub reviews, GitLab approval state, a fake in tests).
pub trait ApprovalSource {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>>;
}

/// A group of approvers: one approval from any of them satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ApproverGroup {
    One(String),
    AnyOf(Vec<String>),
}

impl ApproverGroup {
    pub fn members(&self) -> Vec<&str> {
        match self {
            ApproverGroup::One(s) => vec![s.as_str()],
            ApproverGroup::AnyOf(v) => v.iter().map(String::as_str).collect(),
        }
    }

    fn describe(&self) -> String {
        self.members().join(" or ")
    }

    fn satisfied_by(&self, approval: &Approval) -> bool {
        self.members().iter().any(|m| {
            let m = m.trim().trim_start_matches('@');
            if m.contains('/') {
                approval
                    .teams
                    .iter()
                    .any(|t| t.trim_start_matches('@').eq_ignore_ascii_case(m))
            } else {
                approval
                    .user
                    .trim_start_matches('@')
                    .eq_ignore_ascii_case(m)
            }
        })
    }
}

/// Whether every group that `rules` require has an approval given on `head`
/// (what a reviewed inline suppression needs: the change exactly as it is,
/// approved by the migrations' reviewers). No rules: never.
pub fn all_groups_approved_at(rules: &[ApprovalRule], approvals: &[Approval], head: &str) -> bool {
    let current: Vec<&Approval> = approvals
        .iter()
        .filter(|a| a.commit.as_deref().is_none_or(|c| c == head))
        .collect();
    let mut any = false;
    for group in rules.iter().flat_map(|r| &r.require) {
        any = true;
        if !current.iter().any(|a| group.satisfied_by(a)) {
            return false;
        }
    }
    any
}

/// When an approval entry applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum When {
    /// Whenever a matching migration changes (the default).
    #[default]
    Always,
    /// Only when the gate reports an error-severity finding on a matching migration.
    Dangerous,
}

/// One approval requirement (`gates.migrations.approvals[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalRule {
    /// A name for messages, e.g. "DBA + platform lead".
    pub name: Option<String>,
    /// Globs of the migration paths this applies to (default: every migration).
    pub paths: Vec<String>,
    /// Groups that must each approve: `"@org/dba"` or `["@alice", "@bob"]` (any of).
    pub require: Vec<ApproverGroup>,
    /// Also require, for each matched path, one of its CODEOWNERS owners (default false).
    pub codeowners: bool,
    pub when: When,
}

/// A CODEOWNERS file, GitHub rules: gitignore-style patterns, the last matching line wins.
#[derive(Debug, Default)]
pub struct CodeOwners {
    entries: Vec<(GlobSet, Vec<String>)>,
}

impl CodeOwners {
    /// Parse CODEOWNERS text. Lines that are not `pattern owner...` (comments, GitLab section
    /// headers `[Name]`) are skipped; a pattern with no owners clears ownership.
    pub fn parse(text: &str) -> CodeOwners {
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with('[')
                || line.starts_with("^[")
            {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<String> = words
                .take_while(|w| !w.starts_with('#'))
                .map(str::to_string)
                .collect();
            if let Some(glob) = codeowners_glob(pattern) {
                entries.push((glob, owners));
            }
        }
        CodeOwners { entries }
    }

    /// The owners of `path` (empty: nobody owns it).
    pub fn owners(&self, path: &str) -> Vec<String> {
        self.entries
            .iter()
            .rev()
            .find(|(glob, _)| glob.is_match(path))
            .map(|(_, owners)| owners.clone())
            .unwrap_or_default()
    }
}

/// A gitignore-style CODEOWNERS pattern as globs over repository paths: a pattern
/// without an inner `/` matches at any depth, a leading `/` anchors it at the root,
/// and a pattern naming a directory owns everything below it.
fn codeowners_glob(pattern: &str) -> Option<GlobSet> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let mut p = pattern
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string();
    if p.is_empty() {
        p = "**".to_string();
    }
    if !anchored && !p.starts_with("**") {
        p = format!("**/{p}");
    }
    let mut set = GlobSetBuilder::new();
    for g in [p.clone(), format!("{p}/**")] {
        set.add(
            globset::GlobBuilder::new(&g)
                .literal_separator(true)
                .build()
                .ok()?,
        );
    }
    set.build().ok()
}

/// What to report when approvals cannot be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unverifiable {
    /// An error finding (fail closed; the default).
    #[default]
    Fail,
    /// A warning finding.
    Warn,
}

/// Everything the approval check needs about the change.
pub struct ApprovalInput<'a> {
    /// Changed migration paths (head path, or base path for deletions).
    pub paths: &'a [String],
    /// Paths with an error-severity finding.
    pub dangerous_paths: &'a [String],
    /// Whether an approval given on `commit` still covers the migrations (no migration
    /// changed between that commit and head).
    pub is_current: &'a dyn Fn(&str) -> bool,
    pub accept_stale: bool,
    pub unverifiable: Unverifiable,
    /// The CODEOWNERS file of the base branch, if any (for `codeowners: true`).
    pub codeowners: Option<&'a CodeOwners>,
}

/// Check every approval rule against the change.
pub fn check(
    rules: &[ApprovalRule],
    input: &ApprovalInput<'_>,
    source: Option<&dyn ApprovalSource>,
) -> anyhow::Result<Vec<Finding>> {
    let mut out = Vec::new();
    let mut fetched: Option<Result<Vec<Approval>, String>> = None;
    for (i, rule) in rules.iter().enumerate() {
        // The same path globs as every other config key (`crate::glob`).
        let matches = |p: &String| {
            rule.paths.is_empty() || rule.paths.iter().any(|g| crate::glob::matches(g, p))
        };
        let matched: Vec<&String> = input.paths.iter().filter(|p| matches(p)).collect();
        let mut groups_required = rule.require.clone();
        if rule.codeowners
            && let Some(co) = input.codeowners
        {
            for path in &matched {
                let owners = co.owners(path);
                let group = ApproverGroup::AnyOf(owners);
                if !group.members().is_empty() && !groups_required.contains(&group) {
                    groups_required.push(group);
                }
            }
        }
        if matched.is_empty() || groups_required.is_empty() {
            continue;
        }
        if rule.when == When::Dangerous && !input.dangerous_paths.iter().any(matches) {
            continue;
        }
        let name = rule
            .name
            .clone()
            .unwrap_or_else(|| format!("approvals[{i}]"));
        let groups = groups_required
            .iter()
            .map(ApproverGroup::describe)
            .collect::<Vec<_>>()
            .join(" + ");
        let location = Location::line(matched[0].clone(), 1);
        let approvals = match source {
            None => Err("no pull/merge request API is available in this run".to_string()),
            Some(source) => fetched
                .get_or_insert_with(|| source.approvals().map_err(|e| format!("{e:#}")))
                .clone(),
        };
        let approvals = match approvals {
            Ok(a) => a,
            Err(why) => {
                let severity = match input.unverifiable {
                    Unverifiable::Fail => Severity::Error,
                    Unverifiable::Warn => Severity::Warning,
                };
                out.push(
                    Finding::new(
                        "migrations",
                        APPROVAL_UNVERIFIABLE.id,
                        severity,
                        format!("Approval \"{name}\" ({groups}) could not be verified"),
                        Some(location),
                        &name,
                    )
                    .with_message(format!(
                        "{} change(s) under this policy need approval from {groups}, but {why}.",
                        matched.len()
                    ))
                    .with_help(
                        "Run in CI with a token that can read reviews and team membership (see \
                         docs/migrations.md), or set `approval_unverifiable: warn` for local runs.",
                    ),
                );
                continue;
            }
        };
        let current: Vec<&Approval> = approvals
            .iter()
            .filter(|a| {
                input.accept_stale || a.commit.as_deref().is_none_or(|c| (input.is_current)(c))
            })
            .collect();
        let missing: Vec<&ApproverGroup> = groups_required
            .iter()
            .filter(|g| !current.iter().any(|a| g.satisfied_by(a)))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let stale: Vec<&str> = approvals
            .iter()
            .filter(|a| !current.contains(a) && missing.iter().any(|g| g.satisfied_by(a)))
            .map(|a| a.user.as_str())
            .collect();
        let missing_text = missing
            .iter()
            .map(|g| g.describe())
            .collect::<Vec<_>>()
            .join(" + ");
        let mut message = format!(
            "Policy \"{name}\" requires approval from {groups} for changes to {}; missing: {missing_text}.",
            matched
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !stale.is_empty() {
            message.push_str(&format!(
                " Approvals by {} were given before the migrations last changed and no longer count.",
                stale.join(", ")
            ));
        }
        out.push(
            Finding::new(
                "migrations",
                APPROVAL_MISSING.id,
                APPROVAL_MISSING.default_severity,
                format!("Approval missing from {missing_text} (\"{name}\")"),
                Some(location),
                &name,
            )
            .with_message(message)
            .with_help(format!(
                "Ask {missing_text} to review and approve the latest commit; the check re-runs on \
                 the review event."
            )),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(anyhow::Result<Vec<Approval>>);

    impl ApprovalSource for Fake {
        fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
            match &self.0 {
                Ok(v) => Ok(v.clone()),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }

    fn approval(user: &str, teams: &[&str], commit: &str) -> Approval {
        Approval {
            user: user.into(),
            teams: teams.iter().map(|t| t.to_string()).collect(),
            commit: Some(commit.into()),
        }
    }

    fn policy(when: When) -> Vec<ApprovalRule> {
        vec![ApprovalRule {
            name: Some("DBA + platform lead".into()),
            paths: vec!["db/migration/**".into()],
            require: vec![
                ApproverGroup::One("@acme/dba".into()),
                ApproverGroup::AnyOf(vec!["@alice".into(), "@bob".into()]),
            ],
            codeowners: false,
            when,
        }]
    }

    fn run(
        rules: &[ApprovalRule],
        source: Option<&dyn ApprovalSource>,
        accept_stale: bool,
        unverifiable: Unverifiable,
    ) -> Vec<Finding> {
        let paths = vec!["db/migration/V2__x.sql".to_string()];
        let dangerous: Vec<String> = vec![];
        let is_current = |c: &str| c == "head";
        let input = ApprovalInput {
            paths: &paths,
            dangerous_paths: &dangerous,
            is_current: &is_current,
            accept_stale,
            unverifiable,
            codeowners: None,
        };
        check(rules, &input, source).expect("check")
    }

    #[test]
    fn every_group_must_approve() {
        let both = Fake(Ok(vec![
            approval("carol", &["acme/dba"], "head"),
            approval("Bob", &[], "head"),
        ]));
        assert!(
            run(
                &policy(When::Always),
                Some(&both),
                false,
                Unverifiable::Fail
            )
            .is_empty()
        );
        let dba_only = Fake(Ok(vec![approval("carol", &["acme/dba"], "head")]));
        let found = run(
            &policy(When::Always),
            Some(&dba_only),
            false,
            Unverifiable::Fail,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "migration-approval-missing");
        assert!(
            found[0].title.contains("@alice or @bob"),
            "{}",
            found[0].title
        );
        assert!(!found[0].title.contains("dba"));
    }

    #[test]
    fn approvals_on_an_older_commit_do_not_count_unless_configured() {
        let stale = Fake(Ok(vec![
            approval("carol", &["acme/dba"], "old"),
            approval("alice", &[], "head"),
        ]));
        let found = run(
            &policy(When::Always),
            Some(&stale),
            false,
            Unverifiable::Fail,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("carol"), "{}", found[0].message);
        assert!(
            run(
                &policy(When::Always),
                Some(&stale),
                true,
                Unverifiable::Fail
            )
            .is_empty()
        );
    }

    #[test]
    fn no_source_is_reported_not_passed() {
        let found = run(&policy(When::Always), None, false, Unverifiable::Fail);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "migration-approval-unverifiable");
        assert_eq!(found[0].severity, Severity::Error);
        let found = run(&policy(When::Always), None, false, Unverifiable::Warn);
        assert_eq!(found[0].severity, Severity::Warning);
        let failing = Fake(Err(anyhow::anyhow!("HTTP 403 from the reviews API")));
        let found = run(
            &policy(When::Always),
            Some(&failing),
            false,
            Unverifiable::Fail,
        );
        assert!(found[0].message.contains("403"), "{}", found[0].message);
    }

    #[test]
    fn unmatched_paths_and_dangerous_only_rules_need_nothing() {
        let mut rules = policy(When::Always);
        rules[0].paths = vec!["other/**".into()];
        assert!(run(&rules, None, false, Unverifiable::Fail).is_empty());
        assert!(run(&policy(When::Dangerous), None, false, Unverifiable::Fail).is_empty());
    }

    #[test]
    fn codeowners_last_match_wins_and_patterns_follow_gitignore() {
        let co = CodeOwners::parse(
            "# owners\n*.sql @acme/sql\n/db/ @acme/dba\ndb/migration/legacy/ @carol\ndocs @acme/docs\n",
        );
        assert_eq!(co.owners("db/migration/V1__a.sql"), vec!["@acme/dba"]);
        assert_eq!(co.owners("db/migration/legacy/V0__a.sql"), vec!["@carol"]);
        assert_eq!(co.owners("svc/queries.sql"), vec!["@acme/sql"]);
        assert_eq!(co.owners("a/docs/x.md"), vec!["@acme/docs"]);
        assert!(co.owners("src/main.rs").is_empty());
    }

    #[test]
    fn codeowners_of_matched_paths_must_approve() {
        let co = CodeOwners::parse("/db/ @acme/dba\n");
        let rules = vec![ApprovalRule {
            codeowners: true,
            ..ApprovalRule::default()
        }];
        let paths = vec!["db/migration/V2__x.sql".to_string()];
        let is_current = |_: &str| true;
        let input = ApprovalInput {
            paths: &paths,
            dangerous_paths: &[],
            is_current: &is_current,
            accept_stale: false,
            unverifiable: Unverifiable::Fail,
            codeowners: Some(&co),
        };
        let nobody = Fake(Ok(vec![approval("alice", &[], "head")]));
        let found = check(&rules, &input, Some(&nobody)).expect("check");
        assert_eq!(found.len(), 1);
        assert!(found[0].title.contains("@acme/dba"), "{}", found[0].title);
        let dba = Fake(Ok(vec![approval("dan", &["acme/dba"], "head")]));
        assert!(check(&rules, &input, Some(&dba)).expect("check").is_empty());
    }

    #[test]
    fn config_shape_accepts_users_teams_and_any_of_groups() {
        let yaml = "name: DBA + lead\npaths: [\"db/**\"]\nrequire: [\"@acme/dba\", [\"@alice\", \"@bob\"]]\nwhen: dangerous\n";
        let rule: ApprovalRule = serde_saphyr::from_str(yaml).expect("parse");
        assert_eq!(rule.require.len(), 2);
        assert_eq!(rule.require[1].members(), vec!["@alice", "@bob"]);
        assert_eq!(rule.when, When::Dangerous);
    }
}
