//! The trust boundary on real repositories: in a PR, the target branch's policy
//! judges the change; the change's edits to the policy are reported and only
//! take effect once merged.

mod common;
use common::TestRepo;

/// Run `check` as GitHub Actions would for a pull request from `feature` into `main`.
fn check_as_pr(repo: &TestRepo) -> common::Run {
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "feature"]);
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request": {{"number": 3, "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}}}}}"#),
    )
    .expect("event");
    let event = event.display().to_string();
    repo.shipgate_env(
        &["check", "--format", "json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &event),
        ],
    )
}

fn policy_gate(report: &serde_json::Value) -> serde_json::Value {
    let gate = common::gate_outcome(report, "policy");
    assert!(!gate.is_null(), "no policy gate in {report:#}");
    gate
}

#[test]
fn pr_cannot_loosen_its_own_config() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    fail_on: warning\n",
    );
    repo.write("a.txt", "1\n");
    repo.commit("base policy");
    repo.branch("feature");
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    fail_on: never\n  secrets:\n    enabled: false\n",
    );
    repo.write("a.txt", "1\n2\n");
    repo.commit("loosen");
    let run = check_as_pr(&repo);
    let report = run.json();
    assert_eq!(report["policy"]["origin"], "base", "{report:#}");
    assert_eq!(
        report["policy"]["commit"],
        repo.git(&["rev-parse", "main"]).as_str()
    );
    // The effective config is the base one.
    assert_eq!(report["config"]["gates"]["openapi"]["fail_on"], "warning");
    let policy = policy_gate(&report);
    let titles: Vec<String> = policy["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("disables gate secrets")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.contains("fail_on from warning to never")),
        "{titles:?}"
    );
    assert_eq!(policy["findings"][0]["rule"], "policy-weakened");
    assert_eq!(policy["findings"][0]["location"]["path"], ".shipgate.yml");
}

#[test]
fn merged_policy_takes_effect_on_the_next_change() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    fail_on: warning\n",
    );
    repo.commit("base policy");
    repo.write(".shipgate.yml", "gates:\n  openapi:\n    fail_on: never\n");
    repo.commit("loosen, merged on main");
    repo.branch("feature");
    repo.write("a.txt", "x\n");
    repo.commit("next change");
    let report = check_as_pr(&repo).json();
    assert_eq!(report["config"]["gates"]["openapi"]["fail_on"], "never");
    assert_eq!(policy_gate(&report)["findings"], serde_json::json!([]));
}

#[test]
fn first_time_config_comes_from_head_and_says_so() {
    let repo = TestRepo::new();
    repo.write("a.txt", "1\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write(".shipgate.yml", "gates:\n  avro:\n    fail_on: warning\n");
    repo.commit("add config");
    let report = check_as_pr(&repo).json();
    assert_eq!(report["policy"]["origin"], "head");
    assert!(
        report["policy"]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("first-time config")
    );
    assert_eq!(report["config"]["gates"]["avro"]["fail_on"], "warning");
}

#[test]
fn invalid_config_in_change_fails_the_policy_gate_but_base_still_judges() {
    let repo = TestRepo::new();
    repo.write(".shipgate.yml", "gates: {}\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write(".shipgate.yml", "gates:\n  secrets:\n    enabledd: false\n");
    repo.commit("typo");
    let run = check_as_pr(&repo);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let policy = policy_gate(&report);
    assert_eq!(policy["status"], "fail");
    assert_eq!(policy["findings"][0]["rule"], "policy-invalid-in-change");
    assert_eq!(policy["findings"][0]["location"]["start_line"], 3);
}

#[test]
fn trust_head_on_base_lets_the_change_judge_itself() {
    let repo = TestRepo::new();
    repo.write(".shipgate.yml", "policy:\n  trust: head\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write(
        ".shipgate.yml",
        "policy:\n  trust: head\ngates:\n  openapi:\n    fail_on: never\n",
    );
    repo.commit("change");
    let report = check_as_pr(&repo).json();
    assert_eq!(report["policy"]["origin"], "head");
    assert_eq!(report["config"]["gates"]["openapi"]["fail_on"], "never");
}

#[test]
fn removing_a_codeowner_is_reported() {
    let repo = TestRepo::new();
    repo.write(
        ".github/CODEOWNERS",
        "/db/migration/ @org/dba-team @org/platform-lead\n",
    );
    repo.commit("base");
    repo.branch("feature");
    repo.write(".github/CODEOWNERS", "/db/migration/ @org/platform-lead\n");
    repo.commit("drop dba");
    let report = check_as_pr(&repo).json();
    let policy = policy_gate(&report);
    let title = policy["findings"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        title.contains("removes @org/dba-team from /db/migration/"),
        "{policy:#}"
    );
}

#[test]
fn local_runs_and_explicit_config_use_the_working_tree() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    fail_on: warning\n",
    );
    repo.commit("base");
    repo.branch("feature");
    repo.write(".shipgate.yml", "gates:\n  openapi:\n    fail_on: notice\n");
    repo.commit("change");
    let run = repo.shipgate(&["check", "--target", "main", "--format", "json"]);
    let report = run.json();
    assert_eq!(report["policy"]["origin"], "workdir");
    assert_eq!(report["config"]["gates"]["openapi"]["fail_on"], "notice");
    // --policy-from base gives the CI behaviour locally.
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--format",
        "json",
        "--policy-from",
        "base",
    ]);
    assert_eq!(
        run.json()["config"]["gates"]["openapi"]["fail_on"],
        "warning"
    );
}

fn findings_of(report: &serde_json::Value, gate: &str) -> Vec<serde_json::Value> {
    common::gate_findings(report, gate)
}

#[test]
fn pr_cannot_allow_its_own_secret_with_an_inline_comment() {
    use shipgate::gates::secrets::synth::{self, Rng};
    let token = synth::github(&mut Rng::new(7), 'p');
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("app.env", format!("\nTOKEN={token} # shipgate:allow\n"));
    repo.commit("leak, allowed by itself");
    let run = check_as_pr(&repo);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let secrets = findings_of(&report, "secrets");
    assert_eq!(secrets.len(), 1, "the finding stands: {report:#}");
    let policy = findings_of(&report, "policy");
    assert_eq!(
        policy[0]["rule"], "suppression-added-without-review",
        "{policy:#?}"
    );
    assert_eq!(policy[0]["location"]["path"], "app.env");
    assert_eq!(policy[0]["location"]["start_line"], 2);
    assert!(!run.stdout.contains(&token));

    // A repository that reviews suppressions may honour them: here, unconditionally.
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        ".shipgate.yml",
        "policy:\n  allow_inline_suppressions: always\n",
    );
    repo.commit("allow inline suppressions");
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["rebase", "-q", "main"]);
    let run = check_as_pr(&repo);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(findings_of(&run.json(), "secrets").is_empty());
}

#[test]
fn pr_cannot_baseline_its_own_secret_until_merged() {
    use shipgate::gates::secrets::synth::{self, Rng};
    let token = synth::github(&mut Rng::new(8), 'p');
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    baseline: .secrets-baseline.json\n",
    );
    repo.write(
        ".secrets-baseline.json",
        "{\"version\": 1, \"findings\": []}\n",
    );
    repo.commit("base");
    repo.branch("feature");
    repo.write("app.env", format!("TOKEN={token}\n"));
    let run = repo.shipgate(&["secrets", "baseline", "--output", ".secrets-baseline.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    repo.commit("leak, and baseline it");
    let run = check_as_pr(&repo);
    assert_eq!(run.code, 1, "the target branch's baseline judges: {run:?}");
    let report = run.json();
    assert_eq!(findings_of(&report, "secrets").len(), 1);
    let titles = findings_of(&report, "policy")
        .iter()
        .map(|f| f["title"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>();
    assert!(
        titles.iter().any(|t| t.contains("adds 1 baseline entry")),
        "{titles:?}"
    );
}
