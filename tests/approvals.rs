//! Migration approvals read from the platform: GitHub reviews and team
//! membership (a local fake of GitHub's API), judged by the migrations gate.

mod common;
mod publish_mock;

use common::TestRepo;
use publish_mock::fake_github::{Fake, fake_github};
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
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--gate",
        "migrations",
        "--format",
        "json",
    ]);
    let found = rules(&run.json());
    assert!(
        found
            .iter()
            .any(|(r, _)| r == "migration-approval-unverifiable"),
        "{found:#?}"
    );
    assert_eq!(run.code, 1, "{run:?}");
}
