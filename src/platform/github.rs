//! The handful of GitHub REST endpoints shipgate calls, with typed bodies.
//!
//! Owns: check runs (create, update), commit statuses, issue comments on a
//! pull request (list, create, update), pull request reviews (latest state
//! per reviewer) and team membership. Request bodies follow GitHub's REST
//! description (`fixtures/publish/github-api-subset.json` checks them in
//! tests). Not for: deciding what to post (see `publish::github`).

use super::http::{Api, ApiError, encode_segment};
use serde::{Deserialize, Serialize};

/// A client for one repository (`owner/name`).
pub struct GitHub {
    api: Api,
    owner: String,
    repo: String,
}

/// `POST /repos/{owner}/{repo}/check-runs`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRunCreate {
    pub name: String,
    pub head_sha: String,
    pub status: CheckRunStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub output: CheckRunOutput,
}

/// `PATCH /repos/{owner}/{repo}/check-runs/{id}`: appends `output.annotations`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRunUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CheckRunStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
    pub output: CheckRunOutput,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CheckRunStatus {
    InProgress,
    Completed,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    Success,
    Failure,
    Neutral,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckRunOutput {
    pub title: String,
    /// Markdown, at most 65,535 characters.
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<CheckAnnotation>,
}

/// One annotation on the head commit (at most 50 per request).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckAnnotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// Only when `start_line == end_line` (the API rejects columns otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    pub annotation_level: AnnotationLevel,
    pub message: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_details: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLevel {
    Notice,
    Warning,
    Failure,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `POST /repos/{owner}/{repo}/statuses/{sha}`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCreate {
    pub state: StatusState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// At most 140 characters.
    pub description: String,
    pub context: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    Success,
    Failure,
    Error,
    Pending,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommitStatus {
    pub id: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentBody {
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A review as GitHub lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Review {
    pub id: u64,
    #[serde(default)]
    pub user: Option<User>,
    pub state: String,
    #[serde(default)]
    pub commit_id: Option<String>,
    #[serde(default)]
    pub submitted_at: Option<String>,
}

/// A reviewer's standing on a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Dismissed,
    Commented,
}

/// The review that counts for one reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestReview {
    pub login: String,
    pub state: ReviewState,
    /// The commit the review was made on (an approval of an older commit may
    /// not count, depending on policy).
    pub commit_id: Option<String>,
    pub submitted_at: Option<String>,
}

/// `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TeamMembership {
    /// `active` or `pending` (invited, not yet accepted).
    pub state: String,
    #[serde(default)]
    pub role: Option<String>,
}

impl TeamMembership {
    pub fn is_active(&self) -> bool {
        self.state == "active"
    }
}

/// The API version header GitHub documents for these endpoints.
const API_VERSION: &str = "2022-11-28";

impl GitHub {
    /// `repository` is `owner/name`.
    pub fn new(api: Api, repository: &str) -> Option<GitHub> {
        let (owner, repo) = repository.split_once('/')?;
        if owner.is_empty() || repo.is_empty() || repo.contains('/') {
            return None;
        }
        Some(GitHub {
            api: api.with_header("X-GitHub-Api-Version", API_VERSION),
            owner: encode_segment(owner),
            repo: encode_segment(repo),
        })
    }

    fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }

    pub fn create_check_run(&self, body: &CheckRunCreate) -> Result<CheckRun, ApiError> {
        self.api.send("POST", &self.repo_path("/check-runs"), body)
    }

    pub fn update_check_run(&self, id: u64, body: &CheckRunUpdate) -> Result<CheckRun, ApiError> {
        self.api
            .send("PATCH", &self.repo_path(&format!("/check-runs/{id}")), body)
    }

    pub fn create_status(&self, sha: &str, body: &StatusCreate) -> Result<CommitStatus, ApiError> {
        let path = self.repo_path(&format!("/statuses/{}", encode_segment(sha)));
        self.api.send("POST", &path, body)
    }

    /// Every comment on issue/PR `number`, oldest first.
    pub fn issue_comments(&self, number: u64) -> Result<Vec<IssueComment>, ApiError> {
        self.api
            .get_all(&self.repo_path(&format!("/issues/{number}/comments?per_page=100")))
    }

    pub fn create_issue_comment(&self, number: u64, body: &str) -> Result<IssueComment, ApiError> {
        let body = CommentBody {
            body: body.to_string(),
        };
        self.api.send(
            "POST",
            &self.repo_path(&format!("/issues/{number}/comments")),
            &body,
        )
    }

    pub fn update_issue_comment(&self, id: u64, body: &str) -> Result<IssueComment, ApiError> {
        let body = CommentBody {
            body: body.to_string(),
        };
        self.api.send(
            "PATCH",
            &self.repo_path(&format!("/issues/comments/{id}")),
            &body,
        )
    }

    /// Delete a comment (only ever one shipgate itself just created twice).
    pub fn delete_issue_comment(&self, id: u64) -> Result<(), ApiError> {
        self.api
            .delete(&self.repo_path(&format!("/issues/comments/{id}")))
    }

    /// Every review of pull request `number`, in the order GitHub lists them (oldest first).
    pub fn reviews(&self, number: u64) -> Result<Vec<Review>, ApiError> {
        self.api
            .get_all(&self.repo_path(&format!("/pulls/{number}/reviews?per_page=100")))
    }

    /// The review that counts for each reviewer of pull request `number`:
    /// the latest approval, change request or dismissal (a later plain
    /// comment does not undo an approval, as on GitHub's own page); a
    /// reviewer who only commented is listed as `commented`.
    pub fn pull_request_reviews(&self, number: u64) -> Result<Vec<LatestReview>, ApiError> {
        Ok(latest_reviews(&self.reviews(number)?))
    }

    /// The head commit of pull request `number` (to check that a report
    /// handed over by another workflow belongs to this pull request).
    pub fn pull_request_head(&self, number: u64) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct Head {
            sha: String,
        }
        #[derive(Deserialize)]
        struct Pull {
            head: Head,
        }
        let pull: Pull = self
            .api
            .get_json(&self.repo_path(&format!("/pulls/{number}")))?;
        Ok(pull.head.sha)
    }

    /// `user`'s membership of team `org/team_slug`: `Ok(None)` when not a
    /// member. GitHub also answers 404 when the token may not see the team
    /// (GITHUB_TOKEN cannot read organization teams: use a token with
    /// `read:org`), so `None` means "not shown to be a member".
    pub fn team_membership(
        &self,
        org: &str,
        team_slug: &str,
        user: &str,
    ) -> Result<Option<TeamMembership>, ApiError> {
        let path = format!(
            "/orgs/{}/teams/{}/memberships/{}",
            encode_segment(org),
            encode_segment(team_slug),
            encode_segment(user)
        );
        match self.api.get_json::<TeamMembership>(&path) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Reduce a review list to the review that counts per reviewer.
pub fn latest_reviews(reviews: &[Review]) -> Vec<LatestReview> {
    let mut out: Vec<LatestReview> = Vec::new();
    for review in reviews {
        let Some(user) = &review.user else { continue };
        let state = match review.state.as_str() {
            "APPROVED" => ReviewState::Approved,
            "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
            "DISMISSED" => ReviewState::Dismissed,
            "COMMENTED" => ReviewState::Commented,
            _ => continue, // PENDING: not submitted
        };
        let entry = LatestReview {
            login: user.login.clone(),
            state,
            commit_id: review.commit_id.clone(),
            submitted_at: review.submitted_at.clone(),
        };
        match out.iter_mut().find(|r| r.login == user.login) {
            Some(existing) => {
                if state != ReviewState::Commented || existing.state == ReviewState::Commented {
                    *existing = entry;
                }
            }
            None => out.push(entry),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: u64, login: &str, state: &str, sha: &str) -> Review {
        Review {
            id,
            user: Some(User {
                login: login.into(),
                kind: None,
            }),
            state: state.into(),
            commit_id: Some(sha.into()),
            submitted_at: None,
        }
    }

    #[test]
    fn a_later_comment_keeps_the_approval_a_later_change_request_replaces_it() {
        let reviews = [
            review(1, "ana", "APPROVED", "a1"),
            review(2, "ana", "COMMENTED", "a2"),
            review(3, "bo", "APPROVED", "a1"),
            review(4, "bo", "CHANGES_REQUESTED", "a2"),
            review(5, "cy", "COMMENTED", "a1"),
            review(6, "dee", "PENDING", "a2"),
        ];
        let latest = latest_reviews(&reviews);
        let of = |login: &str| latest.iter().find(|r| r.login == login).cloned();
        assert_eq!(of("ana").map(|r| r.state), Some(ReviewState::Approved));
        assert_eq!(
            of("ana").and_then(|r| r.commit_id).as_deref(),
            Some("a1"),
            "the approval's commit, not the comment's"
        );
        assert_eq!(
            of("bo").map(|r| r.state),
            Some(ReviewState::ChangesRequested)
        );
        assert_eq!(of("cy").map(|r| r.state), Some(ReviewState::Commented));
        assert_eq!(of("dee"), None);
    }

    #[test]
    fn repository_must_be_owner_slash_name() {
        let api = || Api::new("http://127.0.0.1:9", None);
        assert!(GitHub::new(api(), "acme/api").is_some());
        assert!(GitHub::new(api(), "acme").is_none());
        assert!(GitHub::new(api(), "acme/a/b").is_none());
    }
}
