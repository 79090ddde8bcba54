//! The secrets gate end to end: real git repositories, the real binary.

mod common;

use common::TestRepo;
use shipgate::gates::secrets::synth::{self, Rng};

/// Every window of 6 bytes of `secret` (longer than any 4-character preview) must be
/// absent from `haystack`.
fn assert_not_leaked(secret: &str, haystack: &str, what: &str) {
    let bytes = secret.as_bytes();
    for window in bytes.windows(6) {
        let w = String::from_utf8_lossy(window);
        assert!(
            !haystack.contains(w.as_ref()),
            "{what} leaks part of the secret ({w:?}):\n{haystack}"
        );
    }
}

fn findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    common::gate_findings(v, "secrets")
}

fn gate<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["gates"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["gate"] == name))
        .unwrap_or(&serde_json::Value::Null)
}

#[test]
fn diff_mode_reports_added_secrets_at_their_head_line_and_never_prints_them() {
    let mut rng = Rng::new(100);
    let old = synth::github(&mut rng, 'p');
    let new = synth::github(&mut rng, 'p');
    let pw = format!(
        "{}9{}",
        rng.string(synth::ALNUM, 10),
        rng.string(synth::ALNUM, 9)
    );
    let repo = TestRepo::new();
    repo.write("config/app.env", format!("# app\nOLD_TOKEN={old}\n"));
    repo.write("README.md", "hello\n");
    repo.commit("base");
    repo.branch("feature");
    // Modified file: one added line after the old secret (which is not reported).
    repo.write(
        "config/app.env",
        format!("# app\nOLD_TOKEN={old}\nDB_PASSWORD={pw}\n"),
    );
    // New file: the token on line 3, column 12.
    repo.write(
        "src/client.py",
        format!("import os\n\nTOKEN   = \"{new}\"\n"),
    );
    repo.commit("add client");

    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let mut found: Vec<(String, String, u64, u64)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["start_line"].as_u64().unwrap_or(0),
                f["location"]["start_column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "generic-secret-config".to_string(),
                "config/app.env".to_string(),
                3,
                13
            ),
            (
                "github-personal-access-token".to_string(),
                "src/client.py".to_string(),
                3,
                12
            ),
        ],
        "{run:?}"
    );

    // Redaction: no part of any secret in stdout, stderr, the report file, or the text output.
    let report_file =
        std::fs::read_to_string(repo.path().join("shipgate-report.json")).unwrap_or_default();
    let text = repo.shipgate(&["check", "--target", "main", "--gate", "secrets"]);
    assert_eq!(text.code, 1, "{text:?}");
    for secret in [&new, &pw, &old] {
        assert_not_leaked(secret, &run.stdout, "json stdout");
        assert_not_leaked(secret, &run.stderr, "stderr");
        assert_not_leaked(secret, &report_file, "report file");
        assert_not_leaked(secret, &text.stdout, "text stdout");
        assert_not_leaked(secret, &text.stderr, "text stderr");
    }
    assert!(text.stdout.contains("ghp_…"), "{text:?}");

    // The standalone scanner on the same tree: also redacted, and it finds the old one too.
    let scan = repo.shipgate(&["secrets", "scan", ".", "--format", "json"]);
    assert_eq!(scan.code, 1, "{scan:?}");
    assert_eq!(
        scan.json()["findings"].as_array().map(Vec::len),
        Some(3),
        "{scan:?}"
    );
    for secret in [&new, &pw, &old] {
        assert_not_leaked(secret, &scan.stdout, "scan stdout");
        assert_not_leaked(secret, &scan.stderr, "scan stderr");
    }
}

#[test]
fn inline_allow_paths_and_binary_files_are_not_reported() {
    let mut rng = Rng::new(101);
    let a = synth::github(&mut rng, 'p');
    let b = synth::npm(&mut rng);
    let c = synth::github(&mut rng, 'o');
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    allow_paths: [\"tests/fixtures/**\"]\npolicy:\n  allow_inline_suppressions: always\n",
    );
    repo.write("README.md", "x\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("a.txt", format!("t = \"{a}\"  # shipgate:allow github-personal-access-token\nu = \"{b}\" // gitleaks:allow\n"));
    repo.write("tests/fixtures/tokens.txt", format!("{c}\n"));
    let mut blob = vec![0u8, 1, 2, 3];
    blob.extend_from_slice(c.as_bytes());
    repo.write("data.bin", blob);
    repo.commit("allowed");
    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert!(findings(&report).is_empty(), "{run:?}");
    let notes = gate(&report, "secrets")["notes"].to_string();
    assert!(notes.contains("1 binary file(s) skipped"), "{notes}");
    assert!(
        notes.contains("1 file(s) skipped by gates.secrets.allow_paths"),
        "{notes}"
    );
    assert!(
        notes.contains("2 secret(s) allowed by an inline"),
        "{notes}"
    );

    // An allow comment naming another rule does not cover this one.
    repo.write("b.txt", format!("t = \"{a}\"  # shipgate:allow jwt\n"));
    repo.commit("wrong rule id");
    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn baseline_written_by_the_cli_silences_known_secrets_only() {
    let mut rng = Rng::new(102);
    let known = synth::github(&mut rng, 'p');
    let fresh = synth::github(&mut rng, 's');
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("old.env", format!("TOKEN={known}\n"));
    let run = repo.shipgate(&[
        "secrets",
        "baseline",
        "--output",
        ".shipgate-secrets-baseline.json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let baseline = std::fs::read_to_string(repo.path().join(".shipgate-secrets-baseline.json"))
        .unwrap_or_default();
    assert!(baseline.contains("\"fingerprint\""), "{baseline}");
    assert_not_leaked(&known, &baseline, "baseline file");
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    baseline: .shipgate-secrets-baseline.json\n",
    );
    // The known secret moves to another line: still known.
    repo.write("old.env", format!("# moved\n\nTOKEN={known}\n"));
    repo.commit("known secret, baselined");
    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        gate(&run.json(), "secrets")["notes"]
            .to_string()
            .contains("1 known secret(s) matched the baseline"),
        "{run:?}"
    );

    repo.write("new.env", format!("TOKEN={fresh}\n"));
    repo.commit("a new one");
    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 1, "{run:?}");
    let f = findings(&run.json());
    assert_eq!(f.len(), 1, "{run:?}");
    assert_eq!(f[0]["location"]["path"], "new.env");

    // Standalone scan honours the configured baseline too.
    let scan = repo.shipgate(&["secrets", "scan", "--format", "json"]);
    assert_eq!(
        scan.json()["findings"].as_array().map(Vec::len),
        Some(1),
        "{scan:?}"
    );
}

#[test]
fn tree_mode_honours_gitignore_and_history_mode_finds_removed_secrets() {
    let mut rng = Rng::new(103);
    let ignored = synth::github(&mut rng, 'p');
    let removed = synth::npm(&mut rng);
    let repo = TestRepo::new();
    repo.write(".gitignore", "build/\n");
    repo.write("build/out.txt", format!("{ignored}\n"));
    repo.write("clean.txt", "nothing here\n");
    let run = repo.shipgate(&["secrets", "scan", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("0 finding(s)"), "{run:?}");

    repo.write("app.cfg", format!("npm={removed}\n"));
    repo.commit("oops");
    repo.write("app.cfg", "npm=${NPM_TOKEN}\n");
    repo.commit("remove it");
    // The tree is clean now...
    let run = repo.shipgate(&["secrets", "scan", "app.cfg"]);
    assert_eq!(run.code, 0, "{run:?}");
    // ...but history still holds it.
    let run = repo.shipgate(&["secrets", "scan", "--history", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let doc = run.json();
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "npm-access-token");
    assert_eq!(f["location"]["path"], "app.cfg");
    assert_eq!(f["location"]["start_line"], 1);
    assert!(
        f["message"].as_str().unwrap_or("").contains("commit "),
        "{f}"
    );
    assert_eq!(doc["mode"], "history");
    assert_not_leaked(&removed, &run.stdout, "history stdout");
    // A range that excludes the commit finds nothing.
    let run = repo.shipgate(&["secrets", "scan", "--history", "HEAD~1..HEAD"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = repo.shipgate(&["secrets", "scan", "--history", "nope..HEAD"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--history nope..HEAD"), "{run:?}");
}

#[test]
fn config_errors_name_the_file() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    allow_paths: [\"a[\"]\n",
    );
    repo.write("x.txt", "x\n");
    repo.commit("base");
    let run = repo.shipgate(&["secrets", "scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(".shipgate.yml") && run.stderr.contains("allow_paths"),
        "{run:?}"
    );
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    baseline: missing.json\n",
    );
    let run = repo.shipgate(&["secrets", "scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("missing.json"), "{run:?}");
}

#[test]
fn keystore_files_are_reported_by_name() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("certs/server.p12", [0u8, 1, 2, 3, 0xff, 0x30, 0x82]);
    repo.commit("add keystore");
    let run = repo.check_gate("secrets");
    let f = findings(&run.json());
    assert_eq!(f.len(), 1, "{run:?}");
    assert_eq!(f[0]["rule"], "keystore-file");
    assert_eq!(f[0]["severity"], "warning");
    // A warning does not fail the default `fail_on: error`.
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn rules_can_be_turned_off_or_relevelled_and_are_explained() {
    let mut rng = Rng::new(104);
    let token = synth::github(&mut rng, 'p');
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    rules:\n      github-personal-access-token: off\n      aws-access-key-id: error\n",
    );
    repo.write("README.md", "x\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("a.env", format!("T={token}\n"));
    repo.commit("token");
    let run = repo.check_gate("secrets");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(gate(&run.json(), "secrets")["suppressed"], 1, "{run:?}");
    let scan = repo.shipgate(&["secrets", "scan", "a.env"]);
    assert_eq!(scan.code, 0, "{scan:?}");

    let explain = repo.shipgate(&["explain", "npm-access-token"]);
    assert_eq!(explain.code, 0, "{explain:?}");
    for part in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "CRC32",
    ] {
        assert!(explain.stdout.contains(part), "{explain:?}");
    }
    let rules = repo.shipgate(&["rules", "--gate", "secrets"]);
    assert!(
        rules.stdout.contains("pypi-upload-token") && rules.stdout.contains("keystore-file"),
        "{rules:?}"
    );

    repo.write(
        ".shipgate.yml",
        "gates:\n  secrets:\n    rules:\n      no-such-rule: off\n",
    );
    let run = repo.shipgate(&["secrets", "scan", "a.env"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(".shipgate.yml:4") && run.stderr.contains("no-such-rule"),
        "{run:?}"
    );
}

#[test]
fn zip_members_gzip_files_and_hex_runs_are_scanned_one_level_deep() {
    use std::io::Write;
    let mut rng = Rng::new(104);
    let in_zip = synth::github(&mut rng, 'p');
    let in_gz = synth::npm(&mut rng);
    let in_hex = synth::github(&mut rng, 'p');
    let repo = TestRepo::new();
    let env = format!("# app settings\nGITHUB_TOKEN={in_zip}\n");
    let bundle = synth::zip(&[("README.md", b"docs\n", 0), ("app/.env", env.as_bytes(), 8)]);
    repo.write("dist/bundle.zip", bundle);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(format!("line one\nnpm={in_gz}\n").as_bytes());
    repo.write("logs/app.log.gz", gz.finish().unwrap_or_default());
    let hex: String = format!("{{\"token\": \"{in_hex}\"}}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    repo.write("fixtures.txt", format!("first\nblob = \"{hex}\"\n"));
    repo.commit("archives");
    for args in [
        &["secrets", "scan", ".", "--format", "json"][..],
        &["secrets", "scan", "--history", "HEAD", "--format", "json"][..],
    ] {
        let run = repo.shipgate(args);
        assert_eq!(run.code, 1, "{run:?}");
        let doc = run.json();
        let mut got: Vec<(String, i64, String)> = doc["findings"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| {
                        (
                            f["location"]["path"].as_str().unwrap_or("").to_string(),
                            f["location"]["start_line"].as_i64().unwrap_or(0),
                            f["rule"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        got.sort();
        assert_eq!(
            got,
            vec![
                (
                    "dist/bundle.zip!app/.env".into(),
                    2,
                    "github-personal-access-token".into()
                ),
                (
                    "fixtures.txt".into(),
                    2,
                    "github-personal-access-token".into()
                ),
                (
                    "logs/app.log.gz!app.log".into(),
                    2,
                    "npm-access-token".into()
                ),
            ],
            "{args:?}"
        );
        assert!(run.stdout.contains("hex-encoded"), "{}", run.stdout);
        for s in [&in_zip, &in_gz, &in_hex] {
            assert_not_leaked(s, &run.stdout, "archive scan stdout");
        }
    }
}
