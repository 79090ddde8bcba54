//! Approvals: who must approve a change that touches migrations.
//!
//! Config maps path globs to required groups of approvers (users `@alice`,
//! teams `@org/team`); every group needs one current approval. Where the
//! approvals come from is an [`ApprovalSource`] (GitHub reviews, GitLab
//! approval state) given by the caller; without one the gate says exactly
//! which approvals it could not verify, as `approval_unverifiable` decides.
//! Not for: talking to forge APIs (the platform layer implements the source).

pub use super::codeowners::CodeOwners;
use super::rules::rule;
use crate::finding::{Finding, Location, Severity};
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

    /// The platform's own CODEOWNERS approval rules and their state (GitLab's
    /// `code_owner` rules); none where the platform has no such rules.
    fn code_owner_rules(&self) -> anyhow::Result<Vec<CodeOwnerRule>> {
        Ok(Vec::new())
    }
}

/// A CODEOWNERS approval rule as the platform judged it (GitLab `rule_type: code_owner`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeOwnerRule {
    /// The CODEOWNERS section (GitLab's `section`), if reported.
    pub section: Option<String>,
    /// The CODEOWNERS pattern (GitLab names the rule after it).
    pub pattern: String,
    /// Whether the platform counts the rule as approved.
    pub approved: bool,
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

/// One group that must approve: `count` distinct members of `group`, or, for a
/// CODEOWNERS entry, the platform's own approved code-owner rule for it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    group: ApproverGroup,
    count: u32,
    /// The CODEOWNERS entry this comes from.
    code_owner: Option<OwnerEntry>,
}

/// A CODEOWNERS entry and the changed paths it decides.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnerEntry {
    section: Option<String>,
    pattern: String,
    paths: Vec<String>,
}

impl OwnerEntry {
    /// The platform approved its own rule for this entry: same section, and the
    /// same pattern, or one (GitLab's rules) that covers every path.
    fn approved_by_platform(&self, rules: &[CodeOwnerRule]) -> bool {
        rules.iter().any(|r| {
            let same_section = match (&r.section, &self.section) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            let covers = r.pattern == self.pattern
                || (!self.paths.is_empty()
                    && self.paths.iter().all(|p| {
                        super::codeowners::pattern_matches(
                            &r.pattern,
                            p,
                            super::codeowners::Dialect::Gitlab,
                        )
                    }));
            r.approved && same_section && covers
        })
    }
}

impl Requirement {
    fn describe(&self) -> String {
        match self.count {
            0 | 1 => self.group.describe(),
            n => format!("{n} of {}", self.group.describe()),
        }
    }

    fn satisfied(&self, current: &[&Approval], rules: &[CodeOwnerRule]) -> bool {
        if self
            .code_owner
            .as_ref()
            .is_some_and(|e| e.approved_by_platform(rules))
        {
            return true;
        }
        let mut users: Vec<String> = current
            .iter()
            .filter(|a| self.group.satisfied_by(a))
            .map(|a| a.user.to_ascii_lowercase())
            .collect();
        users.sort();
        users.dedup();
        users.len() >= self.count.max(1) as usize
    }
}

fn unverifiable(
    input: &ApprovalInput<'_>,
    name: &str,
    groups: &str,
    matched: usize,
    location: Location,
    why: &str,
) -> Finding {
    let severity = match input.unverifiable {
        Unverifiable::Fail => Severity::Error,
        Unverifiable::Warn => Severity::Warning,
    };
    Finding::new(
        "migrations",
        APPROVAL_UNVERIFIABLE.id,
        severity,
        format!("Approval \"{name}\" ({groups}) could not be verified"),
        Some(location),
        name,
    )
    .with_message(format!(
        "{matched} change(s) under this policy need approval from {groups}, but {why}."
    ))
    .with_help(
        "Run in CI with a token that can read reviews and team membership (GitHub: read:org or a \
         GitHub App for teams; GitLab: SHIPGATE_GITLAB_TOKEN with read_api, see \
         docs/migrations.md), or set `approval_unverifiable: warn` for local runs.",
    )
}

/// The items in first-seen order, each once.
fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Check every approval rule against the change.
pub fn check(
    rules: &[ApprovalRule],
    input: &ApprovalInput<'_>,
    source: Option<&dyn ApprovalSource>,
) -> anyhow::Result<Vec<Finding>> {
    let mut out = Vec::new();
    let mut fetched: Option<Result<Vec<Approval>, String>> = None;
    let mut fetched_rules: Option<Result<Vec<CodeOwnerRule>, String>> = None;
    for (i, rule) in rules.iter().enumerate() {
        // The same path globs as every other config key (`crate::glob`).
        let matches = |p: &String| {
            rule.paths.is_empty() || rule.paths.iter().any(|g| crate::glob::matches(g, p))
        };
        let matched: Vec<&String> = input.paths.iter().filter(|p| matches(p)).collect();
        let mut required: Vec<Requirement> = rule
            .require
            .iter()
            .map(|g| Requirement {
                group: g.clone(),
                count: 1,
                code_owner: None,
            })
            .collect();
        if rule.codeowners
            && let Some(co) = input.codeowners
        {
            for path in &matched {
                for own in co.ownership(path).into_iter().filter(|o| !o.optional) {
                    let group = ApproverGroup::AnyOf(own.owners);
                    let same = required.iter_mut().find(|r| {
                        r.group == group
                            && r.count == own.approvals
                            && r.code_owner.as_ref().is_some_and(|e| {
                                e.section == own.section && e.pattern == own.pattern
                            })
                    });
                    match same {
                        Some(r) => {
                            if let Some(e) = r.code_owner.as_mut() {
                                e.paths.push(path.to_string());
                            }
                        }
                        None => required.push(Requirement {
                            group,
                            count: own.approvals,
                            code_owner: Some(OwnerEntry {
                                section: own.section,
                                pattern: own.pattern,
                                paths: vec![path.to_string()],
                            }),
                        }),
                    }
                }
            }
        }
        if matched.is_empty() || required.is_empty() {
            continue;
        }
        if rule.when == When::Dangerous && !input.dangerous_paths.iter().any(matches) {
            continue;
        }
        let name = rule
            .name
            .clone()
            .unwrap_or_else(|| format!("approvals[{i}]"));
        let groups = unique(required.iter().map(Requirement::describe)).join(" + ");
        let location = Location::line(matched[0].clone(), 1);
        let approvals = match source {
            None => Err("no pull/merge request API is available in this run".to_string()),
            Some(source) => fetched
                .get_or_insert_with(|| source.approvals().map_err(|e| format!("{e:#}")))
                .clone(),
        };
        let platform_rules = match (source, required.iter().any(|r| r.code_owner.is_some())) {
            (Some(source), true) => fetched_rules
                .get_or_insert_with(|| source.code_owner_rules().map_err(|e| format!("{e:#}")))
                .clone(),
            _ => Ok(Vec::new()),
        };
        let (approvals, platform_rules) = match (approvals, platform_rules) {
            (Ok(a), Ok(r)) => (a, r),
            (Err(why), _) | (_, Err(why)) => {
                out.push(unverifiable(
                    input,
                    &name,
                    &groups,
                    matched.len(),
                    location,
                    &why,
                ));
                continue;
            }
        };
        let current: Vec<&Approval> = approvals
            .iter()
            .filter(|a| {
                input.accept_stale || a.commit.as_deref().is_none_or(|c| (input.is_current)(c))
            })
            .collect();
        let missing: Vec<&Requirement> = required
            .iter()
            .filter(|r| !r.satisfied(&current, &platform_rules))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let stale: Vec<&str> = approvals
            .iter()
            .filter(|a| !current.contains(a) && missing.iter().any(|r| r.group.satisfied_by(a)))
            .map(|a| a.user.as_str())
            .collect();
        let missing_text = unique(missing.iter().map(|r| r.describe())).join(" + ");
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
    use super::super::codeowners::Dialect;
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

    /// A platform with its own code-owner rules (GitLab).
    struct WithRules(Vec<Approval>, Vec<CodeOwnerRule>);

    impl ApprovalSource for WithRules {
        fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
            Ok(self.0.clone())
        }

        fn code_owner_rules(&self) -> anyhow::Result<Vec<CodeOwnerRule>> {
            Ok(self.1.clone())
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
    fn codeowners_of_matched_paths_must_approve() {
        let co = CodeOwners::parse("/db/ @acme/dba\n", Dialect::Github);
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

    fn gitlab_input<'a>(
        co: &'a CodeOwners,
        paths: &'a [String],
        is_current: &'a dyn Fn(&str) -> bool,
    ) -> ApprovalInput<'a> {
        ApprovalInput {
            paths,
            dangerous_paths: &[],
            is_current,
            accept_stale: false,
            unverifiable: Unverifiable::Fail,
            codeowners: Some(co),
        }
    }

    #[test]
    fn gitlab_sections_each_need_their_owners_and_count() {
        let co = CodeOwners::parse(
            "[DBA][2]\ndb/ @ann @ben @cid\n^[Docs]\ndb/ @doc\n[Platform]\ndb/ @pat\n",
            Dialect::Gitlab,
        );
        let rules = vec![ApprovalRule {
            codeowners: true,
            ..ApprovalRule::default()
        }];
        let paths = vec!["db/V2__x.sql".to_string()];
        let is_current = |_: &str| true;
        let input = gitlab_input(&co, &paths, &is_current);
        let one_dba = Fake(Ok(vec![
            approval("ann", &[], "h"),
            approval("pat", &[], "h"),
        ]));
        let found = check(&rules, &input, Some(&one_dba)).expect("check");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].title.contains("2 of @ann or @ben or @cid"),
            "{}",
            found[0].title
        );
        assert!(
            !found[0].title.contains("@doc"),
            "optional section is not required"
        );
        assert!(!found[0].title.contains("@pat"));
        let two = Fake(Ok(vec![
            approval("ann", &[], "h"),
            approval("BEN", &[], "h"),
            approval("pat", &[], "h"),
        ]));
        assert!(check(&rules, &input, Some(&two)).expect("check").is_empty());
    }

    #[test]
    fn an_approved_gitlab_code_owner_rule_counts_for_its_entry() {
        let co = CodeOwners::parse("[DBA]\ndb/ @acme/dba\n", Dialect::Gitlab);
        let rules = vec![ApprovalRule {
            codeowners: true,
            ..ApprovalRule::default()
        }];
        let paths = vec!["db/V2__x.sql".to_string()];
        let is_current = |_: &str| true;
        let input = gitlab_input(&co, &paths, &is_current);
        let rule = |section: &str, approved| CodeOwnerRule {
            section: Some(section.into()),
            pattern: "db/".into(),
            approved,
        };
        let approved = WithRules(vec![approval("zed", &[], "h")], vec![rule("dba", true)]);
        assert!(
            check(&rules, &input, Some(&approved))
                .expect("check")
                .is_empty()
        );
        let pending = WithRules(vec![], vec![rule("DBA", false)]);
        assert_eq!(
            check(&rules, &input, Some(&pending)).expect("check").len(),
            1
        );
        let other_section = WithRules(vec![], vec![rule("Docs", true)]);
        assert_eq!(
            check(&rules, &input, Some(&other_section))
                .expect("check")
                .len(),
            1
        );
        // GitLab wrote the pattern differently but it covers the path.
        let spelled = CodeOwnerRule {
            section: Some("DBA".into()),
            pattern: "/db/".into(),
            approved: true,
        };
        let spelled = WithRules(vec![], vec![spelled]);
        assert!(
            check(&rules, &input, Some(&spelled))
                .expect("check")
                .is_empty()
        );
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
