//! Where shipgate runs: GitHub Actions, GitLab CI, or a developer's machine.
//!
//! Owns: reading the CI environment (and GitHub's event payload) into a
//! [`CiEnv`]: the commit pair, the PR/MR number, the repository, the API URL
//! and the token. Not for: talking to the APIs (see `publish`). Command-line
//! flags always win over what is detected here (see `check`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The CI platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    Github,
    Gitlab,
    #[default]
    Local,
}

/// An API token. Never printed, never serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(value: String) -> Option<Token> {
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Token(trimmed.to_string()))
    }
    /// The secret value, for an Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// What the CI environment says about this run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CiEnv {
    pub platform: PlatformKind,
    /// The event that triggered the run (`pull_request`, `push`, `merge_request_event`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The target branch's commit; the base is its merge base with head.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// An exact base commit (already a merge base, or the previous push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// Pull request number (GitHub) or merge request IID (GitLab).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_number: Option<u64>,
    /// `owner/name` (GitHub) or the project path (GitLab).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// GitLab's numeric project id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    #[serde(skip)]
    pub token: Option<Token>,
}

/// A problem with the CI environment itself (e.g. an unreadable event payload).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CiError(String);

const NULL_SHA: &str = "0000000000000000000000000000000000000000";

fn real_sha(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty() && v != NULL_SHA)
}

impl CiEnv {
    /// Detect from the process environment.
    pub fn from_process_env() -> Result<CiEnv, CiError> {
        CiEnv::detect(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Detect from `var` (a lookup of environment variables; testable).
    pub fn detect(var: &dyn Fn(&str) -> Option<String>) -> Result<CiEnv, CiError> {
        if var("GITHUB_ACTIONS").as_deref() == Some("true") {
            github(var)
        } else if var("GITLAB_CI").as_deref() == Some("true") {
            Ok(gitlab(var))
        } else {
            Ok(CiEnv::default())
        }
    }
}

fn github(var: &dyn Fn(&str) -> Option<String>) -> Result<CiEnv, CiError> {
    let mut env = CiEnv {
        platform: PlatformKind::Github,
        event: var("GITHUB_EVENT_NAME"),
        head: var("GITHUB_SHA"),
        repository: var("GITHUB_REPOSITORY"),
        api_url: Some(var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into())),
        server_url: Some(var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into())),
        token: var("INPUT_TOKEN")
            .or_else(|| var("GITHUB_TOKEN"))
            .and_then(Token::new),
        ..CiEnv::default()
    };
    let Some(event_path) = var("GITHUB_EVENT_PATH") else {
        return Ok(env);
    };
    let text = std::fs::read_to_string(Path::new(&event_path)).map_err(|e| {
        CiError(format!(
            "{event_path}: cannot read the GitHub event payload (GITHUB_EVENT_PATH): {e}"
        ))
    })?;
    let event: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CiError(format!(
            "{event_path}:{}: the GitHub event payload is not valid JSON: {e}",
            e.line()
        ))
    })?;
    let str_at = |ptr: &str| {
        event
            .pointer(ptr)
            .and_then(|v| v.as_str())
            .map(String::from)
    };
    if let Some(pr) = event.get("pull_request").filter(|v| v.is_object()) {
        // For pull_request events GITHUB_SHA is the test merge commit; the
        // head of the PR is what findings and statuses belong to.
        env.target = pr
            .pointer("/base/sha")
            .and_then(|v| v.as_str())
            .map(String::from);
        env.head = pr
            .pointer("/head/sha")
            .and_then(|v| v.as_str())
            .map(String::from)
            .or(env.head);
        env.change_number = pr
            .get("number")
            .and_then(|v| v.as_u64())
            .or_else(|| event.get("number").and_then(|v| v.as_u64()));
    } else if event.get("merge_group").is_some() {
        env.target = str_at("/merge_group/base_sha");
        env.head = str_at("/merge_group/head_sha").or(env.head);
    } else {
        // push: compare with the previous tip of the branch, when there was one.
        env.base = real_sha(str_at("/before"));
        env.head = real_sha(str_at("/after")).or(env.head);
    }
    Ok(env)
}

fn gitlab(var: &dyn Fn(&str) -> Option<String>) -> CiEnv {
    let change_number = var("CI_MERGE_REQUEST_IID").and_then(|v| v.parse().ok());
    let base = if change_number.is_some() {
        real_sha(var("CI_MERGE_REQUEST_DIFF_BASE_SHA"))
    } else {
        real_sha(var("CI_COMMIT_BEFORE_SHA"))
    };
    // In merged-results pipelines CI_COMMIT_SHA is GitLab's merge commit; the
    // MR head (what findings and statuses belong to) is the source branch's tip.
    let head = var("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").or_else(|| var("CI_COMMIT_SHA"));
    CiEnv {
        platform: PlatformKind::Gitlab,
        event: var("CI_PIPELINE_SOURCE"),
        target: None,
        base,
        head,
        change_number,
        repository: var("CI_PROJECT_PATH"),
        project_id: var("CI_PROJECT_ID"),
        api_url: var("CI_API_V4_URL"),
        server_url: var("CI_SERVER_URL"),
        token: var("SHIPGATE_GITLAB_TOKEN")
            .or_else(|| var("GITLAB_TOKEN"))
            .or_else(|| var("CI_JOB_TOKEN"))
            .and_then(Token::new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn detect(vars: &[(&str, &str)]) -> Result<CiEnv, CiError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CiEnv::detect(&|k| map.get(k).cloned())
    }

    #[test]
    fn github_pull_request_uses_head_sha_not_merge_commit() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("event.json");
        let payload = r#"{"number": 7, "pull_request": {"number": 7,
            "base": {"sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
            "head": {"sha": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}}"#;
        assert!(std::fs::write(&path, payload).is_ok());
        let env = detect(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", path.to_str().unwrap_or_default()),
            ("GITHUB_SHA", "cccccccccccccccccccccccccccccccccccccccc"),
            ("GITHUB_REPOSITORY", "acme/api"),
            ("GITHUB_TOKEN", "ghs_secret"),
        ])
        .ok()
        .unwrap_or_default();
        assert_eq!(env.platform, PlatformKind::Github);
        assert_eq!(
            env.target.as_deref(),
            Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        );
        assert_eq!(
            env.head.as_deref(),
            Some("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
        );
        assert_eq!(env.change_number, Some(7));
        assert_eq!(env.api_url.as_deref(), Some("https://api.github.com"));
        assert!(!format!("{env:?}").contains("ghs_secret"));
        assert!(
            !serde_json::to_string(&env)
                .unwrap_or_default()
                .contains("ghs_secret")
        );
    }

    #[test]
    fn github_bad_payload_names_file_and_line() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("event.json");
        assert!(std::fs::write(&path, "{\n \"pull_request\": ,\n}").is_ok());
        let p = path.to_str().unwrap_or_default().to_string();
        let err = detect(&[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_PATH", &p)])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with(&format!("{p}:2:")), "{err}");
    }

    #[test]
    fn gitlab_merge_request() {
        let env = detect(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "42"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "dddd"),
            ("CI_COMMIT_SHA", "eeee"),
            ("CI_PROJECT_ID", "1234"),
            ("CI_API_V4_URL", "https://gitlab.example/api/v4"),
            ("CI_JOB_TOKEN", "job-token"),
        ])
        .ok()
        .unwrap_or_default();
        assert_eq!(env.platform, PlatformKind::Gitlab);
        assert_eq!(env.base.as_deref(), Some("dddd"));
        assert_eq!(env.head.as_deref(), Some("eeee"));
        assert_eq!(env.change_number, Some(42));
        assert_eq!(env.project_id.as_deref(), Some("1234"));
        assert!(env.token.is_some());
    }

    #[test]
    fn gitlab_merged_results_pipeline_uses_the_source_branch_head() {
        let env = detect(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "42"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "dddd"),
            ("CI_COMMIT_SHA", "merge-commit"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "ffff"),
        ])
        .ok()
        .unwrap_or_default();
        assert_eq!(env.head.as_deref(), Some("ffff"));
    }

    #[test]
    fn gitlab_push_ignores_null_before_sha() {
        let env = detect(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_BEFORE_SHA", NULL_SHA),
            ("CI_COMMIT_SHA", "eeee"),
        ])
        .ok()
        .unwrap_or_default();
        assert_eq!(env.base, None);
    }

    #[test]
    fn local_when_no_ci_variables() {
        let env = detect(&[]).ok().unwrap_or_default();
        assert_eq!(env.platform, PlatformKind::Local);
        assert!(env.head.is_none());
    }
}
