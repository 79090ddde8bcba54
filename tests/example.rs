//! The worked example (examples/user-service): our users' typical layout, with
//! a pull request that breaks every gate and one that does the same feature
//! safely. Every gate's verdict is asserted on both.

mod common;
use common::TestRepo;
use std::path::Path;

fn copy_tree(from: &Path, to: &Path, skip: &str) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == skip {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target, skip);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The example's base as `main`, the pull request `pr` on `feature` (its
/// coverage report written after the commit, as a test job would).
fn example(pr: &str) -> TestRepo {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/user-service");
    let repo = TestRepo::new();
    copy_tree(&root.join("base"), repo.path(), "");
    repo.commit("user service");
    repo.branch("feature");
    copy_tree(&root.join(pr), repo.path(), "coverage");
    repo.commit(pr);
    copy_tree(
        &root.join(pr).join("coverage"),
        &repo.path().join("coverage"),
        "",
    );
    repo
}

fn statuses(report: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["gate"].as_str().unwrap_or_default().to_string(),
                g["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn rules_of(report: &serde_json::Value, gate: &str) -> Vec<String> {
    common::gate_findings(report, gate)
        .into_iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_breaking_pull_request_fails_every_gate_with_the_right_rules() {
    let repo = example("pr-breaking");
    let mut rng = shipgate::gates::secrets::synth::Rng::new(5);
    let key = shipgate::gates::secrets::synth::aws_key_id(&mut rng);
    let secret = shipgate::gates::secrets::synth::aws_secret(&mut rng);
    repo.write(
        "src/settings.py",
        format!("AWS_ACCESS_KEY_ID = \"{key}\"\nAWS_SECRET_ACCESS_KEY = \"{secret}\"\n"),
    );
    repo.commit("settings");
    let run = repo.shipgate(&["check", "--target", "main", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));
    let report = run.json();
    let status = statuses(&report);
    for gate in ["openapi", "avro", "migrations", "secrets", "coverage"] {
        assert_eq!(
            status.get(gate).map(String::as_str),
            Some("fail"),
            "{gate}: {status:?}\n{report:#}"
        );
    }
    assert_eq!(status.get("policy").map(String::as_str), Some("pass"));
    let openapi = rules_of(&report, "openapi");
    assert!(
        openapi
            .iter()
            .any(|r| r == "response-required-property-removed"),
        "{openapi:?}"
    );
    let avro = rules_of(&report, "avro");
    assert!(avro.iter().any(|r| r.contains("default")), "{avro:?}");
    let migrations = rules_of(&report, "migrations");
    assert!(
        migrations
            .iter()
            .any(|r| r == "create-index-without-concurrently"),
        "{migrations:?}"
    );
    assert!(
        migrations.iter().any(|r| r == "drop-column"),
        "{migrations:?}"
    );
    let secrets = rules_of(&report, "secrets");
    assert!(
        secrets.iter().any(|r| r == "aws-secret-access-key"),
        "{secrets:?}"
    );
    let coverage = rules_of(&report, "coverage");
    assert!(
        coverage.iter().any(|r| r == "patch-coverage-below-minimum"),
        "{coverage:?}"
    );
}

#[test]
fn the_same_feature_done_safely_passes_every_gate() {
    let repo = example("pr-clean");
    let run = repo.shipgate(&["check", "--target", "main", "--format", "json"]);
    let report = run.json();
    assert_eq!(run.code, 0, "no false alarm expected: {report:#}");
    let status = statuses(&report);
    for gate in ["openapi", "avro", "migrations", "coverage", "secrets"] {
        assert_eq!(
            status.get(gate).map(String::as_str),
            Some("pass"),
            "{gate}: {status:?}"
        );
    }
}
