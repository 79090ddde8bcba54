//! Migration approvals read from the platform, judged by the migrations gate:
//! GitHub reviews and team membership (a local fake of GitHub's API), and
//! GitLab's approval state, group membership and code-owner rules (a local
//! mock of GitLab's v4 API).

mod common;
mod publish_mock;

use common::TestRepo;
use publish_mock::fake_github::{Fake, fake_github};
use publish_mock::{Mock, Req, Resp};
use serde_json::json;
use std::sync::{Arc, Mutex};

fn pr_with_migration(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".shipgate.yml", config);
    repo.write(
        "db/migration/V1__users.sql",
        "-- Team: id\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    );
    repo.commit("base");
    repo.branch("feature");
    repo.write(
        "db/migration/V2__drop_email.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    );
    repo.commit("drop email");
    repo
}

fn check_on_github(repo: &TestRepo, api: &str) -> common::Run {
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "feature"]);
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"number": 7, "pull_request": {{"number": 7, "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}}}}}"#),
    )
    .expect("event");
    let event = event.display().to_string();
    repo.shipgate_env(
        &[
            "check",
            "--gate",
            "migrations",
            "--format",
            "json",
            "--comment",
            "never",
            "--no-check-run",
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &event),
            ("GITHUB_REPOSITORY", "acme/api"),
            ("GITHUB_API_URL", api),
            ("GITHUB_TOKEN", "test-token"),
        ],
    )
}

fn rules(report: &serde_json::Value) -> Vec<(String, String)> {
    common::gate_findings(report, "migrations")
        .into_iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["title"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn team_approval_from_github_reviews_satisfies_the_rule_and_a_missing_one_is_named() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_github(fake);
    // ana approved (and is in acme/dba); nobody from @carol's group did.
    let repo = pr_with_migration(
        "gates:\n  migrations:\n    accept_stale_approvals: true\n    rules:\n      drop-column: warning\n    approvals:\n      - name: DBA\n        require: [\"@acme/dba\"]\n      - name: platform lead\n        require: [\"@carol\"]\n",
    );
    let run = check_on_github(&repo, &mock.url);
    let report = run.json();
    let found = rules(&report);
    let missing: Vec<&(String, String)> = found
        .iter()
        .filter(|(r, _)| r == "migration-approval-missing")
        .collect();
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert!(
        missing[0].1.contains("platform lead") || missing[0].1.contains("carol"),
        "{missing:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(r, _)| r == "migration-approval-unverifiable"),
        "{found:#?}"
    );
    // The reviews and the team membership were read from the API.
    let paths: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        paths.iter().any(|p| p == "/repos/acme/api/pulls/7/reviews"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p == "/orgs/acme/teams/dba/memberships/ana"),
        "{paths:?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn without_a_platform_the_approval_is_unverifiable_not_passed() {
    let repo = pr_with_migration(
        "gates:\n  migrations:\n    approvals:\n      - require: [\"@acme/dba\"]\n",
    );
    let run = repo.check_gate("migrations");
    let found = rules(&run.json());
    assert!(
        found
            .iter()
            .any(|(r, _)| r == "migration-approval-unverifiable"),
        "{found:#?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}

const MR: &str = "/api/v4/projects/99/merge_requests/5";

/// A GitLab whose merge request 5 has `state` as its approval state and
/// `approvers` in `/approvals`; only `glpat-test` may read it (the job token
/// gets 403, as on GitLab). Group acme/dba has user 4 (ana) only.
fn fake_gitlab(state: serde_json::Value, approvers: serde_json::Value) -> Mock {
    Mock::start(move |req: &Req| {
        if req.header("private-token") != Some("glpat-test") {
            return Resp::json(403, json!({"message": "403 Forbidden"}));
        }
        let path = req.path().to_string();
        match path.as_str() {
            p if p == format!("{MR}/approval_state") => Resp::json(200, state.clone()),
            p if p == format!("{MR}/approvals") => Resp::json(
                200,
                json!({"approved": false, "approved_by": approvers.clone()}),
            ),
            "/api/v4/groups/acme%2Fdba/members/all/4" => {
                Resp::json(200, json!({"id": 4, "username": "ana", "access_level": 30}))
            }
            _ => Resp::json(404, json!({"message": "404 Not found"})),
        }
    })
}

fn check_on_gitlab(repo: &TestRepo, mock: &Mock, token: (&str, &str)) -> common::Run {
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "feature"]);
    let api = format!("{}/api/v4", mock.url);
    let mut env = vec![
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "5"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
        ("CI_PROJECT_ID", "99"),
        ("CI_PROJECT_PATH", "acme/api"),
        ("CI_API_V4_URL", api.as_str()),
        ("SHIPGATE_GITLAB_TOKEN", ""),
        ("GITLAB_TOKEN", ""),
    ];
    env.push(token);
    repo.shipgate_env(
        &[
            "check",
            "--gate",
            "migrations",
            "--format",
            "json",
            "--comment",
            "never",
        ],
        &env,
    )
}

const GITLAB_POLICY: &str = "gates:\n  migrations:\n    rules:\n      drop-column: warning\n    approvals:\n      - name: DBA\n        require: [\"@acme/dba\"]\n      - name: owners\n        codeowners: true\n";

fn gitlab_pr() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".shipgate.yml", GITLAB_POLICY);
    // GitLab's rules: an unanchored directory pattern in a section, two approvals needed.
    repo.write(
        ".gitlab/CODEOWNERS",
        "[Platform][2]\nmigration/ @carol @dave\n",
    );
    repo.write(
        "db/migration/V1__users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    );
    repo.commit("base");
    repo.branch("feature");
    repo.write(
        "db/migration/V2__drop_email.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    );
    repo.commit("drop email");
    repo
}

fn user(id: u64, name: &str) -> serde_json::Value {
    json!({"id": id, "username": name, "name": name})
}

fn approval_findings(run: &common::Run) -> Vec<serde_json::Value> {
    common::gate_findings(&run.json(), "migrations")
        .into_iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("migration-approval"))
        })
        .collect()
}

#[test]
fn gitlab_approval_state_rules_satisfy_group_and_code_owner_requirements() {
    // ana approved under the rule naming group acme/dba; GitLab's own
    // code-owner rule for `migration/` in section Platform is approved.
    let state = json!({"rules": [
        {"name": "DBA", "rule_type": "regular", "approved": true, "approvals_required": 1,
         "users": [], "groups": [{"id": 12, "full_path": "acme/dba"}],
         "eligible_approvers": [user(4, "ana")], "approved_by": [user(4, "ana")]},
        {"name": "migration/", "rule_type": "code_owner", "section": "Platform",
         "approved": true, "approvals_required": 2, "users": [user(5, "carol"), user(6, "dave")],
         "groups": [], "approved_by": [user(5, "carol"), user(6, "dave")]}
    ]});
    let mock = fake_gitlab(state, json!([{"user": user(4, "ana")}]));
    let repo = gitlab_pr();
    let run = check_on_gitlab(&repo, &mock, ("GITLAB_TOKEN", "glpat-test"));
    assert!(approval_findings(&run).is_empty(), "{run:?}");
    assert_eq!(run.code, 0, "{run:?}");
    let paths: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(paths.contains(&format!("{MR}/approval_state")), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.ends_with("/members/all/4")),
        "the rule naming the group is evidence enough for ana: {paths:?}"
    );
}

#[test]
fn gitlab_missing_approvals_are_named() {
    // bob approved but is in no rule and not in acme/dba; carol alone is one of
    // the two approvals section Platform needs, and GitLab's rule is not approved.
    let state = json!({"rules": [
        {"name": "DBA", "rule_type": "regular", "approved": false, "approvals_required": 1,
         "users": [], "groups": [{"id": 12, "full_path": "acme/dba"}], "approved_by": []},
        {"name": "migration/", "rule_type": "code_owner", "section": "Platform",
         "approved": false, "approvals_required": 2, "users": [user(5, "carol"), user(6, "dave")],
         "groups": [], "approved_by": [user(5, "carol")]}
    ]});
    let mock = fake_gitlab(
        state,
        json!([{"user": user(7, "bob")}, {"user": user(5, "carol")}]),
    );
    let repo = gitlab_pr();
    let run = check_on_gitlab(&repo, &mock, ("GITLAB_TOKEN", "glpat-test"));
    let found = approval_findings(&run);
    let titles: Vec<&str> = found.iter().filter_map(|f| f["title"].as_str()).collect();
    assert_eq!(found.len(), 2, "{titles:?}");
    assert!(
        found
            .iter()
            .all(|f| f["rule"] == "migration-approval-missing"),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t.contains("@acme/dba")), "{titles:?}");
    assert!(
        titles.iter().any(|t| t.contains("2 of @carol or @dave")),
        "{titles:?}"
    );
    let paths: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "/api/v4/groups/acme%2Fdba/members/all/7"),
        "bob's membership was asked: {paths:?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn gitlab_job_token_refusal_says_which_token_to_set() {
    let mock = fake_gitlab(json!({"rules": []}), json!([]));
    let repo = gitlab_pr();
    let run = check_on_gitlab(&repo, &mock, ("CI_JOB_TOKEN", "job-secret-value"));
    let found = approval_findings(&run);
    assert!(!found.is_empty(), "{run:?}");
    for f in &found {
        assert_eq!(f["rule"], "migration-approval-unverifiable", "{f}");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("CI_JOB_TOKEN")
                && message.contains("SHIPGATE_GITLAB_TOKEN")
                && message.contains("read_api"),
            "{message}"
        );
    }
    assert!(!run.stdout.contains("job-secret-value"));
    assert!(!run.stderr.contains("job-secret-value"));
    // The job token was sent as GitLab expects it, and refused.
    let sent = mock.requests();
    assert!(
        sent.iter()
            .any(|r| r.header("job-token") == Some("job-secret-value")),
        "{sent:?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn gitlab_without_any_token_says_which_token_to_set_without_calling() {
    let mock = fake_gitlab(json!({"rules": []}), json!([]));
    let repo = gitlab_pr();
    let run = check_on_gitlab(&repo, &mock, ("CI_JOB_TOKEN", ""));
    let found = approval_findings(&run);
    assert!(!found.is_empty(), "{run:?}");
    for f in &found {
        assert_eq!(f["rule"], "migration-approval-unverifiable", "{f}");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("SHIPGATE_GITLAB_TOKEN") && message.contains("read_api"),
            "{message}"
        );
    }
    assert!(
        !mock
            .requests()
            .iter()
            .any(|r| r.path().contains("/approval")),
        "no approvals call without a token"
    );
    assert_eq!(run.code, 1, "{run:?}");
}
