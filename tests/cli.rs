//! The command line as a user meets it: check, exit codes, report, config errors, rules.

mod common;
use common::TestRepo;

fn simple_change() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("src/a.txt", "hello\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("src/a.txt", "hello\nworld\n");
    repo.commit("feature");
    repo
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/report.schema.json"
    ))
    .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    jsonschema::validator_for(&schema).expect("valid schema")
}

fn assert_valid_report(report: &serde_json::Value) {
    let validator = schema_validator();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match schema/report.schema.json: {errors:#?}\n{report:#}"
    );
}

#[test]
fn check_writes_documented_report_and_exits_zero_on_pass() {
    let repo = simple_change();
    let run = repo.shipgate(&["check", "--target", "main"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("verdict: PASS"), "{run:?}");
    let report = repo.report();
    assert_valid_report(&report);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["head"], repo.git(&["rev-parse", "HEAD"]).as_str());
    assert_eq!(report["base"], repo.git(&["rev-parse", "main"]).as_str());
    assert_eq!(report["changes"]["lines_added"], 1);
    assert_eq!(report["ci"]["platform"], "local");
}

#[test]
fn json_format_prints_the_report_on_stdout() {
    let repo = simple_change();
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--format",
        "json",
        "--report",
        "out/r.json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let printed = run.json();
    assert_valid_report(&printed);
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("out/r.json")).expect("report"),
    )
    .expect("json");
    assert_eq!(printed["head"], written["head"]);
}

#[test]
fn config_unknown_key_names_file_line_and_key_and_exits_2() {
    let repo = simple_change();
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    enabled: true\n    fail_onn: warning\n",
    );
    let run = repo.shipgate(&["check", "--target", "main"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".shipgate.yml:4"), "{run:?}");
    assert!(run.stderr.contains("fail_onn"), "{run:?}");
}

#[test]
fn config_wrong_type_and_bad_yaml_are_errors_with_lines() {
    let repo = simple_change();
    repo.write("custom.yml", "policy:\n  on_gate_error: sometimes\n");
    let run = repo.shipgate(&["check", "--target", "main", "--config", "custom.yml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("custom.yml:2"), "{run:?}");
    repo.write("broken.yml", "gates: [\n");
    let run = repo.shipgate(&["check", "--target", "main", "--config", "broken.yml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("broken.yml:"), "{run:?}");
    let run = repo.shipgate(&["check", "--target", "main", "--config", "missing.yml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("missing.yml"), "{run:?}");
}

#[test]
fn unknown_rule_id_in_config_is_an_error_with_line() {
    let repo = simple_change();
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    rules:\n      no-such-rule: off\n",
    );
    let run = repo.shipgate(&["check", "--target", "main"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".shipgate.yml:4"), "{run:?}");
    assert!(run.stderr.contains("no-such-rule"), "{run:?}");
}

#[test]
fn disabled_and_unselected_gates_are_reported_as_such() {
    let repo = simple_change();
    repo.write(".shipgate.yml", "gates:\n  secrets:\n    enabled: false\n");
    repo.commit("config");
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--format",
        "json",
        "--gate",
        "secrets,avro",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    for gate in report["gates"].as_array().into_iter().flatten() {
        let name = gate["gate"].as_str().unwrap_or_default();
        let status = gate["status"].as_str().unwrap_or_default();
        match name {
            "secrets" => assert_eq!(status, "skipped", "{gate:#}"),
            "avro" => assert_ne!(status, "not_run", "{gate:#}"),
            "policy" => assert_eq!(
                status, "pass",
                "the built-in policy gate always runs: {gate:#}"
            ),
            _ => assert_eq!(status, "not_run", "{gate:#}"),
        }
    }
}

#[test]
fn unknown_gate_name_is_a_usage_error() {
    let repo = simple_change();
    let run = repo.shipgate(&["check", "--target", "main", "--gate", "lint"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("unknown gate `lint`"), "{run:?}");
}

#[test]
fn init_writes_a_starter_config_that_check_accepts() {
    let repo = simple_change();
    let run = repo.shipgate(&["init"]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(repo.path().join(".shipgate.yml")).expect("written");
    assert!(text.contains("fail_on: error"));
    let again = repo.shipgate(&["init"]);
    assert_eq!(again.code, 2, "refuses to overwrite: {again:?}");
    let run = repo.shipgate(&["check", "--target", "main"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("policy: .shipgate.yml"), "{run:?}");
}

#[test]
fn rules_and_explain() {
    let repo = simple_change();
    let run = repo.shipgate(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let rules = run.json();
    let rules = rules.as_array().cloned().unwrap_or_default();
    for rule in &rules {
        let id = rule["id"].as_str().unwrap_or_default();
        let explained = repo.shipgate(&["explain", id]);
        assert_eq!(explained.code, 0, "{explained:?}");
        assert!(explained.stdout.contains(id));
    }
    let run = repo.shipgate(&["explain", "no-such-rule"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn version_and_help() {
    let repo = simple_change();
    let run = repo.shipgate(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(env!("CARGO_PKG_VERSION")));
    let run = repo.shipgate(&["--help"]);
    assert_eq!(run.code, 0);
    for cmd in ["check", "init", "rules", "explain", "demo", "changes"] {
        assert!(run.stdout.contains(cmd), "{cmd} missing from --help");
    }
}

#[test]
fn github_pull_request_environment_is_used_when_no_flags() {
    let repo = simple_change();
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    // Check out main so that HEAD is not the PR head: the event must decide.
    repo.git(&["checkout", "-q", "main"]);
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"number": 12, "pull_request": {{"number": 12, "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}}}}}"#),
    )
    .expect("event");
    let event = event.display().to_string();
    let run = repo.shipgate_env(
        &["check", "--format", "json"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", &event),
            ("GITHUB_REPOSITORY", "acme/orders"),
            ("GITHUB_SHA", &base),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["head"], head.as_str());
    assert_eq!(report["base"], base.as_str());
    assert_eq!(report["ci"]["platform"], "github");
    assert_eq!(report["ci"]["change_number"], 12);
    // Flags win over the environment.
    let run = repo.shipgate_env(
        &[
            "check", "--format", "json", "--base", &base, "--head", &base,
        ],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_PATH", &event)],
    );
    assert_eq!(run.json()["head"], base.as_str());
}

#[test]
fn gitlab_merge_request_environment_is_used() {
    let repo = simple_change();
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = repo.shipgate_env(
        &["check", "--format", "json"],
        &[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "5"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base),
            ("CI_COMMIT_SHA", &head),
            ("CI_PROJECT_ID", "99"),
            ("CI_JOB_TOKEN", "job-token-value"),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("job-token-value"));
    let report = run.json();
    assert_eq!(report["ci"]["platform"], "gitlab");
    assert_eq!(report["ci"]["change_number"], 5);
    assert_eq!(report["base"], base.as_str());
}

#[test]
fn demo_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = common::shipgate_in(dir.path(), &["demo", "--dir", "demo"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("verdict:"), "{run:?}");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("demo/shipgate-report.json")).expect("report"),
    )
    .expect("json");
    assert_valid_report(&report);
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    // `shipgate rules | head -1`: the reader goes away after one line.
    use std::io::Read;
    let mut child = std::process::Command::new(common::bin())
        .arg("rules")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    let _ = child.stdout.as_mut().expect("stdout").read(&mut first);
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
