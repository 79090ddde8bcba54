//! Per-stage runs merged into one report: `shipgate merge`.

mod common;
use common::TestRepo;

fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("a.txt", "1\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("a.txt", "1\n2\n");
    repo.commit("change");
    repo
}

fn stage(repo: &TestRepo, gates: &str, out: &str) -> common::Run {
    repo.shipgate(&[
        "check", "--target", "main", "--gate", gates, "--report", out,
    ])
}

#[test]
fn stages_merge_into_one_report_with_every_gate_once() {
    let repo = repo();
    for (gates, out) in [
        ("secrets,migrations", "stages/1.json"),
        ("openapi,avro", "stages/2.json"),
        ("coverage", "stages/3.json"),
    ] {
        let run = stage(&repo, gates, out);
        assert_ne!(run.code, 2, "{run:?}");
    }
    let run = repo.shipgate(&[
        "merge",
        "stages",
        "--report",
        "merged.json",
        "--format",
        "json",
    ]);
    assert_ne!(run.code, 2, "{run:?}");
    let merged = run.json();
    let gates = merged["gates"].as_array().cloned().unwrap_or_default();
    for gate in &gates {
        assert_ne!(
            gate["status"], "not_run",
            "every gate ran in some stage: {gate:#}"
        );
    }
    let mut names: Vec<String> = gates
        .iter()
        .map(|g| g["gate"].as_str().unwrap_or_default().to_string())
        .collect();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "each gate once: {names:?}");
    assert!(repo.path().join("merged.json").is_file());
}

#[test]
fn a_required_gate_no_stage_ran_fails_the_merge() {
    let repo = repo();
    let run = stage(&repo, "secrets", "s/1.json");
    assert_ne!(run.code, 2, "{run:?}");
    let stage_report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("s/1.json")).expect("stage"),
    )
    .expect("json");
    let not_run: Vec<String> = stage_report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["status"] == "not_run")
        .map(|g| g["gate"].as_str().unwrap_or_default().to_string())
        .collect();
    let run = repo.shipgate(&["merge", "s/1.json", "--format", "json"]);
    let merged = run.json();
    if not_run.is_empty() {
        // This build has no other gate, so nothing can be missing.
        assert_eq!(merged["verdict"], stage_report["verdict"]);
        return;
    }
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(merged["verdict"], "fail");
    let reasons = merged["verdict_reasons"].to_string();
    for gate in not_run {
        assert!(
            reasons.contains(&format!("gate {gate} is required")),
            "{reasons}"
        );
    }
}

#[test]
fn reports_of_another_commit_or_policy_are_refused() {
    let repo = repo();
    assert_ne!(stage(&repo, "secrets", "a.json").code, 2);
    repo.write("a.txt", "1\n2\n3\n");
    repo.commit("another head");
    assert_ne!(stage(&repo, "avro", "b.json").code, 2);
    let run = repo.shipgate(&["merge", "a.json", "b.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("every stage must check the same head"),
        "{run:?}"
    );

    repo.write(".shipgate.yml", "gates:\n  avro:\n    fail_on: warning\n");
    assert_ne!(stage(&repo, "avro", "c.json").code, 2);
    assert_ne!(stage(&repo, "secrets", "d.json").code, 2);
    repo.write(".shipgate.yml", "gates:\n  avro:\n    fail_on: notice\n");
    assert_ne!(stage(&repo, "coverage", "e.json").code, 2);
    let run = repo.shipgate(&["merge", "c.json", "d.json", "e.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("another policy"), "{run:?}");
}

#[test]
fn the_merged_report_is_signed_and_verifies() {
    let repo = repo();
    assert_ne!(stage(&repo, "secrets", "st/1.json").code, 2);
    assert_ne!(stage(&repo, "avro", "st/2.json").code, 2);
    let keygen = repo.shipgate(&["keygen", "--out", "k"]);
    assert_eq!(keygen.code, 0, "{keygen:?}");
    let run = repo.shipgate(&[
        "merge",
        "st",
        "--report",
        "merged.json",
        "--signing-key",
        "k.key",
    ]);
    assert_ne!(run.code, 2, "{run:?}");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let verify = repo.shipgate(&[
        "verify",
        "merged.dsse.json",
        "--key",
        "k.pub",
        "--commit",
        &head,
    ]);
    assert_eq!(verify.code, 0, "{verify:?}");
}

#[test]
fn a_broken_report_names_file_and_line() {
    let repo = repo();
    repo.write("bad.json", "{\n  \"schema_version\": 1,\n  oops\n}\n");
    let run = repo.shipgate(&["merge", "bad.json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("bad.json:3:"), "{run:?}");
}
