//! Interoperability with securesystemslib (the DSSE code of in-toto and TUF):
//! envelopes shipgate writes verify with `securesystemslib.dsse.Envelope.verify`.
//! (The other direction, envelopes signed by securesystemslib verifying with
//! `shipgate verify`, runs always, from fixtures: see `attest_openssl.rs`.)
//!
//! Needs a Python with `securesystemslib` and `cryptography`, so these tests are
//! `#[ignore]`d in a plain `cargo test`; CI runs them with
//! `SHIPGATE_TEST_PYTHON=/path/to/python cargo test --test attest_sslib -- --ignored`.
//! When run, a missing Python or library FAILS the test (never a silent pass).

mod common;

use common::TestRepo;
use std::path::PathBuf;
use std::process::Command;

fn python() -> String {
    std::env::var("SHIPGATE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/attest/sslib_dsse.py")
}

/// Run `sslib_dsse.py verify ENVELOPE PUB` in `repo`; (success, output).
fn sslib_verify(repo: &TestRepo, envelope: &str, public: &str) -> (bool, String) {
    let py = python();
    let probe = Command::new(&py)
        .args(["-c", "import securesystemslib, cryptography"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {py} ({e}): set SHIPGATE_TEST_PYTHON to a Python with securesystemslib"
            )
        });
    assert!(
        probe.status.success(),
        "{py} cannot import securesystemslib/cryptography: `pip install securesystemslib cryptography` \
         or set SHIPGATE_TEST_PYTHON\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let out = Command::new(&py)
        .arg(script())
        .args(["verify", envelope, public])
        .current_dir(repo.path())
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
#[ignore = "needs Python with securesystemslib; run with --ignored (CI does)"]
fn securesystemslib_verifies_envelopes_shipgate_writes() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("a.txt", "a\nb\n");
    repo.commit("change");
    for alg in ["ed25519", "p256"] {
        let run = repo.shipgate(&["keygen", "--algorithm", alg, "--out", alg]);
        assert_eq!(run.code, 0, "{run:?}");
        let report = format!("out/{alg}.json");
        let run = repo.shipgate(&[
            "check",
            "--target",
            "main",
            "--signing-key",
            &format!("{alg}.key"),
            "--report",
            &report,
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        let envelope = format!("out/{alg}.dsse.json");
        let (ok, out) = sslib_verify(&repo, &envelope, &format!("{alg}.pub"));
        assert!(ok, "{alg}: {out}");
        assert!(
            out.contains("securesystemslib: verified by"),
            "{alg}: {out}"
        );

        // A changed payload is rejected by securesystemslib too: it really checked.
        let path = repo.path().join(&envelope);
        let mut env: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let payload = env["payload"].as_str().unwrap().to_string();
        let flipped = if payload.starts_with('e') {
            payload.replacen('e', "f", 1)
        } else {
            format!("e{}", &payload[1..])
        };
        env["payload"] = serde_json::Value::String(flipped);
        std::fs::write(&path, env.to_string()).unwrap();
        let (ok, out) = sslib_verify(&repo, &envelope, &format!("{alg}.pub"));
        assert!(
            !ok,
            "{alg}: securesystemslib accepted a changed payload: {out}"
        );
    }
}
