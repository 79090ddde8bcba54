//! The handful of GitLab REST (v4) endpoints shipgate calls, with typed bodies.
//!
//! Owns: merge request notes (list, create, update), commit statuses,
//! merge request approvals and approval state (per rule), and group
//! membership. Not for: deciding what to post (see
//! `publish::gitlab`).

use super::http::{Api, ApiError, encode_segment};
use serde::{Deserialize, Serialize};

/// A client for one project (numeric id or `group/project` path).
pub struct GitLab {
    api: Api,
    project: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteBody {
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Author {
    pub username: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub id: u64,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub system: bool,
    #[serde(default)]
    pub author: Option<Author>,
}

/// `POST /projects/:id/statuses/:sha`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCreate {
    pub state: StatusState,
    /// The stable label of the status (GitLab's `name`, alias `context`).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    Pending,
    Running,
    Success,
    Failed,
    Canceled,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommitStatus {
    pub id: u64,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ApprovalUser {
    pub username: String,
    #[serde(default)]
    pub id: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ApprovedBy {
    pub user: ApprovalUser,
}

/// `GET /projects/:id/merge_requests/:iid/approvals`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Approvals {
    #[serde(default)]
    pub approved: bool,
    #[serde(default)]
    pub approvals_required: u32,
    #[serde(default)]
    pub approvals_left: u32,
    #[serde(default)]
    pub approved_by: Vec<ApprovedBy>,
}

impl Approvals {
    /// The usernames that approved, in GitLab's order.
    pub fn approvers(&self) -> Vec<&str> {
        self.approved_by
            .iter()
            .map(|a| a.user.username.as_str())
            .collect()
    }
}

/// A group an approval rule names.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ApprovalGroup {
    #[serde(default)]
    pub id: Option<u64>,
    /// `group/subgroup`.
    #[serde(default)]
    pub full_path: String,
}

/// One rule of `GET /projects/:id/merge_requests/:iid/approval_state`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ApprovalStateRule {
    /// The rule's name; for `code_owner` rules the CODEOWNERS pattern.
    #[serde(default)]
    pub name: String,
    /// `regular`, `code_owner`, `any_approver`, `report_approver`, ...
    #[serde(default)]
    pub rule_type: String,
    /// The CODEOWNERS section of a `code_owner` rule.
    #[serde(default)]
    pub section: Option<String>,
    #[serde(default)]
    pub approved: bool,
    #[serde(default)]
    pub approvals_required: u32,
    #[serde(default)]
    pub approved_by: Vec<ApprovalUser>,
    #[serde(default)]
    pub eligible_approvers: Vec<ApprovalUser>,
    /// Users the rule names directly (as opposed to through `groups`).
    #[serde(default)]
    pub users: Vec<ApprovalUser>,
    #[serde(default)]
    pub groups: Vec<ApprovalGroup>,
}

/// `GET /projects/:id/merge_requests/:iid/approval_state`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
pub struct ApprovalState {
    #[serde(default)]
    pub rules: Vec<ApprovalStateRule>,
}

impl GitLab {
    /// `project` is the numeric id (preferred: `CI_PROJECT_ID`) or the full path.
    pub fn new(api: Api, project: &str) -> GitLab {
        GitLab {
            api,
            project: encode_segment(project),
        }
    }

    fn mr_path(&self, iid: u64, rest: &str) -> String {
        format!("/projects/{}/merge_requests/{iid}{rest}", self.project)
    }

    /// Every note on merge request `iid`, oldest first.
    pub fn merge_request_notes(&self, iid: u64) -> Result<Vec<Note>, ApiError> {
        self.api
            .get_all(&self.mr_path(iid, "/notes?sort=asc&order_by=created_at&per_page=100"))
    }

    pub fn create_merge_request_note(&self, iid: u64, body: &str) -> Result<Note, ApiError> {
        let body = NoteBody {
            body: body.to_string(),
        };
        self.api.send("POST", &self.mr_path(iid, "/notes"), &body)
    }

    pub fn update_merge_request_note(
        &self,
        iid: u64,
        note_id: u64,
        body: &str,
    ) -> Result<Note, ApiError> {
        let body = NoteBody {
            body: body.to_string(),
        };
        self.api.send(
            "PUT",
            &self.mr_path(iid, &format!("/notes/{note_id}")),
            &body,
        )
    }

    /// Delete a note (only ever a duplicate shipgate itself just created).
    pub fn delete_merge_request_note(&self, iid: u64, note_id: u64) -> Result<(), ApiError> {
        self.api
            .delete(&self.mr_path(iid, &format!("/notes/{note_id}")))
    }

    pub fn create_commit_status(
        &self,
        sha: &str,
        body: &StatusCreate,
    ) -> Result<CommitStatus, ApiError> {
        let path = format!(
            "/projects/{}/statuses/{}",
            self.project,
            encode_segment(sha)
        );
        self.api.send("POST", &path, body)
    }

    /// Who approved merge request `iid`, and how many approvals are still needed.
    pub fn merge_request_approvals(&self, iid: u64) -> Result<Approvals, ApiError> {
        self.api.get_json(&self.mr_path(iid, "/approvals"))
    }

    /// Each approval rule of merge request `iid` with who approved under it
    /// (needs `read_api`; `CI_JOB_TOKEN` is refused).
    pub fn merge_request_approval_state(&self, iid: u64) -> Result<ApprovalState, ApiError> {
        self.api.get_json(&self.mr_path(iid, "/approval_state"))
    }

    /// Whether user `user_id` is a member of `group` (path or id), directly or
    /// through an ancestor group: `GET /groups/:id/members/all/:user_id`.
    pub fn group_member(&self, group: &str, user_id: u64) -> Result<bool, ApiError> {
        let path = format!(
            "/groups/{}/members/all/{user_id}",
            encode_segment(group.trim_start_matches('@'))
        );
        match self.api.get(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
