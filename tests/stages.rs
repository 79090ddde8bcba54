//! Per-stage runs end to end: three `check` stages and a final `merge`, as a
//! GitHub workflow runs them, against a local fake of GitHub's API. The stages
//! share one sticky comment (each updates only its own gates' sections), each
//! gate gets its own check run, and the merged report is signed.

mod common;
mod publish_mock;

use common::TestRepo;
use publish_mock::fake_github::{Fake, fake_github};
use std::sync::{Arc, Mutex};

const GATES: [&str; 5] = ["secrets", "migrations", "openapi", "avro", "coverage"];

#[test]
fn three_stages_and_a_merge_share_one_comment_and_give_one_signed_verdict() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_github(fake.clone());

    let repo = TestRepo::new();
    repo.write("src/app.py", "def f():\n    return 1\n");
    repo.commit("base");
    repo.branch("feature");
    // Generated at run time (valid formats, never real keys), so this file holds no key.
    let mut rng = shipgate::gates::secrets::synth::Rng::new(11);
    let key = shipgate::gates::secrets::synth::aws_key_id(&mut rng);
    let secret = shipgate::gates::secrets::synth::aws_secret(&mut rng);
    repo.write(
        "src/app.py",
        "def f():\n    return 1\n\n\ndef g():\n    return 2\n",
    );
    repo.write(
        "src/settings.py",
        format!("AWS_ACCESS_KEY_ID = \"{key}\"\nAWS_SECRET_ACCESS_KEY = \"{secret}\"\n"),
    );
    repo.commit("feature");
    repo.write(
        "lcov.info",
        "SF:src/app.py\nDA:1,1\nDA:2,1\nDA:5,1\nDA:6,1\nend_of_record\n",
    );
    let base = repo.git(&["rev-parse", "main"]);
    let head = repo.git(&["rev-parse", "feature"]);
    let event = repo.path().join("event.json");
    std::fs::write(
        &event,
        format!(r#"{{"number": 7, "pull_request": {{"number": 7, "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}}}}}"#),
    )
    .expect("event");
    let event = event.display().to_string();
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", event.as_str()),
        ("GITHUB_REPOSITORY", "acme/api"),
        ("GITHUB_API_URL", mock.url.as_str()),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_TOKEN", "test-token"),
        ("GITHUB_SHA", base.as_str()),
    ];
    let stages: [(&str, &[&str]); 3] = [
        ("secrets,migrations", &[]),
        ("openapi,avro", &[]),
        ("coverage", &["--coverage", "lcov.info"]),
    ];
    for (i, (gates, extra)) in stages.iter().enumerate() {
        let out = format!("stages/{i}.json");
        let mut args = vec![
            "check",
            "--gate",
            gates,
            "--report",
            &out,
            "--check-runs",
            "per-gate",
        ];
        args.extend_from_slice(extra);
        let run = repo.shipgate_env(&args, &env);
        assert_ne!(run.code, 2, "stage {gates}: {run:?}");
        assert!(
            !run.stdout.contains(&key) && !run.stderr.contains(&key),
            "secret leaked"
        );
    }
    assert_eq!(repo.shipgate(&["keygen", "--out", "k"]).code, 0);
    let run = repo.shipgate_env(
        &[
            "merge",
            "stages",
            "--report",
            "final.json",
            "--signing-key",
            "k.key",
            "--format",
            "json",
        ],
        &env,
    );
    assert_eq!(run.code, 1, "the secret fails the merged verdict: {run:?}");
    let merged = run.json();
    assert_eq!(merged["verdict"], "fail");
    for gate in GATES {
        let outcome = merged["gates"]
            .as_array()
            .and_then(|g| g.iter().find(|o| o["gate"] == gate))
            .unwrap_or_else(|| panic!("{gate} missing from {merged:#}"));
        assert_ne!(outcome["status"], "not_run", "{gate} ran in a stage");
    }
    let secrets = merged["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|o| o["gate"] == "secrets"))
        .cloned();
    assert_eq!(
        secrets.map(|s| s["status"].clone()),
        Some(serde_json::json!("fail"))
    );

    // One comment, with a section per gate, written by several stages.
    let comments = fake.lock().expect("lock").comments.clone();
    assert_eq!(comments.len(), 1, "one sticky comment: {comments:#?}");
    let body = &comments[0].1;
    for gate in GATES {
        assert!(
            body.contains(&format!("<!-- shipgate:gate name={gate} ")),
            "{gate} section missing:\n{body}"
        );
    }
    assert!(body.contains("name=secrets state=fail"), "{body}");
    assert!(!body.contains(&secret), "secret leaked into the comment");

    // A check run per gate from the stages, and one overall from the merge.
    let names: Vec<String> = mock
        .writes()
        .iter()
        .filter(|r| r.method == "POST" && r.path().ends_with("/check-runs"))
        .map(|r| r.json()["name"].as_str().unwrap_or_default().to_string())
        .collect();
    for gate in GATES {
        assert!(names.contains(&format!("shipgate / {gate}")), "{names:?}");
    }
    assert!(names.contains(&"shipgate".to_string()), "{names:?}");

    // The merged report is signed and verifies for the PR head.
    let verify = repo.shipgate(&[
        "verify",
        "final.dsse.json",
        "--key",
        "k.pub",
        "--commit",
        &head,
    ]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let verify = repo.shipgate(&[
        "verify",
        "final.dsse.json",
        "--key",
        "k.pub",
        "--commit",
        &head,
        "--require-pass",
    ]);
    assert_eq!(verify.code, 1, "the signed verdict is fail: {verify:?}");
}
