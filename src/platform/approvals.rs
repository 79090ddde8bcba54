//! Who approved the pull/merge request, read from GitHub or GitLab: the
//! [`ApprovalSource`] the migrations gate (and reviewed inline suppressions)
//! judge with. Not for: deciding whether the approvals suffice (see
//! `gates::migrations::approvals`).

use super::github::{GitHub, ReviewState};
use super::gitlab::GitLab;
use super::{Api, AuthScheme};
use crate::ci::{CiEnv, PlatformKind, Token};
use crate::gates::migrations::approvals::{Approval, ApprovalSource};

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

/// GitLab: the users who approved the merge request (GitLab resets approvals
/// on push when the project says so; the commit is not reported).
pub struct GitLabApprovals {
    client: GitLab,
    iid: u64,
}

impl ApprovalSource for GitLabApprovals {
    fn approvals(&self) -> anyhow::Result<Vec<Approval>> {
        let state = self.client.merge_request_approvals(self.iid)?;
        Ok(state
            .approvers()
            .into_iter()
            .map(|user| Approval {
                user: user.to_string(),
                teams: Vec::new(),
                commit: None,
            })
            .collect())
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
            // Reading approvals needs read_api: a project/group access token, not CI_JOB_TOKEN.
            let token = ["SHIPGATE_GITLAB_TOKEN", "GITLAB_TOKEN"]
                .iter()
                .find_map(|name| env(name).and_then(Token::new))?;
            let api = Api::new(
                ci.api_url.as_deref()?,
                Some((AuthScheme::GitlabPrivateToken, &token)),
            );
            let project = ci.project_id.clone().or_else(|| ci.repository.clone())?;
            Some(Box::new(GitLabApprovals {
                client: GitLab::new(api, &project),
                iid: number,
            }))
        }
        PlatformKind::Local => None,
    }
}

/// Reads the approvals once, however many times they are asked for.
pub struct Cached<'a> {
    inner: &'a (dyn ApprovalSource + Sync),
    once: std::sync::OnceLock<Result<Vec<Approval>, String>>,
}

impl<'a> Cached<'a> {
    pub fn new(inner: &'a (dyn ApprovalSource + Sync)) -> Self {
        Cached {
            inner,
            once: std::sync::OnceLock::new(),
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
}
