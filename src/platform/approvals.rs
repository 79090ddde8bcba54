//! Who approved the pull/merge request, read from GitHub or GitLab: the
//! [`ApprovalSource`] the migrations gate (and reviewed inline suppressions)
//! judge with. Not for: deciding whether the approvals suffice (see
//! `gates::migrations::approvals`).

use super::github::{GitHub, ReviewState};
use super::gitlab::{ApprovalState, ApprovalUser, GitLab};
use super::{Api, ApiError, AuthScheme};
use crate::ci::{CiEnv, PlatformKind, Token};
use crate::gates::migrations::approvals::{Approval, ApprovalSource, CodeOwnerRule};

/// GitHub: each reviewer's review that counts (the latest non-comment one)
/// when it is APPROVED, with the teams (of `teams`) the reviewer belongs to.
pub struct GitHubApprovals {
    client: GitHub,
    number: u64,
    /// `org/team` slugs whose membership matters to the policy.
    teams: Vec<String>,
}

impl ApprovalSource for GitHubApprovals {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
        let reviews = self.client.pull_request_reviews(self.number)?;
        let mut out = Vec::new();
        for review in reviews
            .into_iter()
            .filter(|r| r.state == ReviewState::Approved)
        {
            let mut teams = Vec::new();
            for team in &self.teams {
                let Some((org, slug)) = team.trim_start_matches('@').split_once('/') else {
                    continue;
                };
                match self.client.team_membership(org, slug, &review.login) {
                    Ok(Some(m)) if m.state == "active" => teams.push(format!("{org}/{slug}")),
                    Ok(_) => {}
                    Err(e) => anyhow::bail!(
                        "cannot read membership of team {org}/{slug} ({e}); GITHUB_TOKEN cannot read \
                         team membership: use a GitHub App token or a token with read:org"
                    ),
                }
            }
            out.push(Approval {
                user: review.login,
                teams,
                commit: review.commit_id,
            });
        }
        Ok(out)
    }
}

/// GitLab: who approved, per approval rule (`approval_state`), plus anyone
/// else who approved (`approvals`); group membership from the rules that name
/// the group, else from `GET /groups/:id/members/all/:user_id`. GitLab resets
/// approvals on push when the project says so; the commit is not reported.
pub struct GitLabApprovals {
    client: GitLab,
    iid: u64,
    /// `group/subgroup` paths whose membership matters to the policy.
    teams: Vec<String>,
    /// Which variable the token came from (for the explanation on 401/403).
    token_from: &'static str,
    state: std::sync::OnceLock<Result<ApprovalState, String>>,
}

impl GitLabApprovals {
    fn refused(&self, what: &str, e: &ApiError) -> anyhow::Error {
        let using = if self.token_from == "CI_JOB_TOKEN" {
            "the job token (CI_JOB_TOKEN), which GitLab does not let read approval rules or group \
             membership"
        } else {
            "a token without the `read_api` scope (or without access to this project/group)"
        };
        anyhow::anyhow!(
            "GitLab refused to show {what} ({e}): this job used {using}. Set SHIPGATE_GITLAB_TOKEN \
             (or GITLAB_TOKEN) to a project or group access token with the `read_api` scope and at \
             least the Reporter role, as a masked CI/CD variable"
        )
    }

    fn state(&self) -> anyhow::Result<ApprovalState> {
        self.state
            .get_or_init(|| {
                self.client
                    .merge_request_approval_state(self.iid)
                    .map_err(|e| match e.status() {
                        Some(401 | 403) => format!(
                            "{:#}",
                            self.refused("the merge request's approval rules", &e)
                        ),
                        _ => format!("cannot read the merge request's approval rules ({e})"),
                    })
            })
            .clone()
            .map_err(anyhow::Error::msg)
    }
}

impl ApprovalSource for GitLabApprovals {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
        let state = self.state()?;
        // Everyone who approved: under a rule, or (eligible for none) in `approvals`.
        let mut users: Vec<ApprovalUser> = Vec::new();
        let mut add = |u: &ApprovalUser| {
            if !users
                .iter()
                .any(|x| x.username.eq_ignore_ascii_case(&u.username))
            {
                users.push(u.clone());
            }
        };
        for rule in &state.rules {
            rule.approved_by.iter().for_each(&mut add);
        }
        let all = self.client.merge_request_approvals(self.iid).map_err(|e| {
            if e.is_permission() {
                self.refused("who approved the merge request", &e)
            } else {
                anyhow::anyhow!("cannot read who approved the merge request ({e})")
            }
        })?;
        all.approved_by.iter().for_each(|a| add(&a.user));

        let mut out = Vec::new();
        for user in users {
            let mut teams = Vec::new();
            for team in &self.teams {
                let team = team.trim_start_matches('@');
                // A rule naming the group (not the user) that the user approved under.
                let by_rule = state.rules.iter().any(|r| {
                    r.approved_by
                        .iter()
                        .any(|a| a.username.eq_ignore_ascii_case(&user.username))
                        && !r
                            .users
                            .iter()
                            .any(|a| a.username.eq_ignore_ascii_case(&user.username))
                        && r.groups.len() == 1
                        && r.groups[0].full_path.eq_ignore_ascii_case(team)
                });
                let member = match (by_rule, user.id) {
                    (true, _) => true,
                    (false, None) => false,
                    (false, Some(id)) => match self.client.group_member(team, id) {
                        Ok(m) => m,
                        Err(e) if matches!(e.status(), Some(401 | 403)) => {
                            return Err(self.refused(&format!("members of group {team}"), &e));
                        }
                        Err(e) => anyhow::bail!("cannot read members of group {team} ({e})"),
                    },
                };
                if member {
                    teams.push(team.to_string());
                }
            }
            out.push(Approval {
                user: user.username,
                teams,
                commit: None,
            });
        }
        Ok(out)
    }

    fn code_owner_rules(&self) -> anyhow::Result<Vec<CodeOwnerRule>> {
        Ok(self
            .state()?
            .rules
            .into_iter()
            .filter(|r| r.rule_type == "code_owner")
            .map(|r| CodeOwnerRule {
                section: r.section,
                pattern: r.name,
                approved: r.approved,
            })
            .collect())
    }
}

/// A platform run whose approvals cannot be read, and why.
pub struct Unavailable(pub String);

impl ApprovalSource for Unavailable {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
        Err(anyhow::anyhow!("{}", self.0))
    }
}

/// The approval source for this CI run, if it is a PR/MR with a token.
pub fn from_ci(
    ci: &CiEnv,
    teams: Vec<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Box<dyn ApprovalSource + Sync>> {
    let number = ci.change_number?;
    match ci.platform {
        PlatformKind::Github => {
            let token = ci.token.as_ref()?;
            let api_url = ci.api_url.as_deref().unwrap_or("https://api.github.com");
            let api = Api::new(api_url, Some((AuthScheme::Bearer, token)));
            let client = GitHub::new(api, ci.repository.as_deref()?)?;
            Some(Box::new(GitHubApprovals {
                client,
                number,
                teams,
            }))
        }
        PlatformKind::Gitlab => {
            // Reading approvals needs read_api: a project/group access token. The job
            // token is tried (GitLab refuses it, and the refusal is explained).
            let found = [
                ("SHIPGATE_GITLAB_TOKEN", AuthScheme::GitlabPrivateToken),
                ("GITLAB_TOKEN", AuthScheme::GitlabPrivateToken),
                ("CI_JOB_TOKEN", AuthScheme::GitlabJobToken),
            ]
            .into_iter()
            .find_map(|(name, scheme)| env(name).and_then(Token::new).map(|t| (name, scheme, t)));
            let Some((token_from, scheme, token)) = found else {
                return Some(Box::new(Unavailable(
                    "this GitLab job has no API token: set SHIPGATE_GITLAB_TOKEN (or GITLAB_TOKEN) \
                     to a project or group access token with the `read_api` scope"
                        .to_string(),
                )));
            };
            let api = Api::new(ci.api_url.as_deref()?, Some((scheme, &token)));
            let project = ci.project_id.clone().or_else(|| ci.repository.clone())?;
            Some(Box::new(GitLabApprovals {
                client: GitLab::new(api, &project),
                iid: number,
                teams,
                token_from,
                state: std::sync::OnceLock::new(),
            }))
        }
        PlatformKind::Local => None,
    }
}

/// Reads the approvals once, however many times they are asked for.
pub struct Cached<'a> {
    inner: &'a (dyn ApprovalSource + Sync),
    once: std::sync::OnceLock<Result<Vec<Approval>, String>>,
    rules: std::sync::OnceLock<Result<Vec<CodeOwnerRule>, String>>,
}

impl<'a> Cached<'a> {
    pub fn new(inner: &'a (dyn ApprovalSource + Sync)) -> Self {
        Cached {
            inner,
            once: std::sync::OnceLock::new(),
            rules: std::sync::OnceLock::new(),
        }
    }
}

impl ApprovalSource for Cached<'_> {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
        self.once
            .get_or_init(|| self.inner.approvals().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(anyhow::Error::msg)
    }

    fn code_owner_rules(&self) -> anyhow::Result<Vec<CodeOwnerRule>> {
        self.rules
            .get_or_init(|| self.inner.code_owner_rules().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(anyhow::Error::msg)
    }
}
