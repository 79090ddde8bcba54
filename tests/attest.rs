//! The signed gate report end to end: a real git repository, `shipgate keygen`,
//! `shipgate check --signing-key`, `shipgate verify`, and each way a report can
//! fail verification, through the real binary.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Run, TestRepo, shipgate_in};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A repository with a change on branch `feature`; returns it and the head commit.
fn repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write("src/app.txt", "one\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("src/app.txt", "one\ntwo\n");
    let head = repo.commit("change");
    (repo, head)
}

fn keygen(repo: &TestRepo, alg: &str, prefix: &str) -> String {
    let run = repo.shipgate(&["keygen", "--algorithm", alg, "--out", prefix]);
    assert_eq!(run.code, 0, "{run:?}");
    let keyid = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("keyid "))
        .unwrap_or_else(|| panic!("keygen printed no keyid: {run:?}"))
        .to_string();
    assert_eq!(keyid.len(), 64, "{run:?}");
    keyid
}

fn check_signed(repo: &TestRepo, key: &str) -> Run {
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--signing-key",
        key,
        "--report",
        "out/r.json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    run
}

fn verify(repo: &TestRepo, envelope: &str, key: &str, extra: &[&str]) -> Run {
    let mut args = vec!["verify", envelope, "--key", key];
    args.extend_from_slice(extra);
    repo.shipgate(&args)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).expect("json")).expect("write");
}

#[test]
fn check_signs_the_report_and_verify_accepts_it_for_both_key_types() {
    let (repo, head) = repo();
    for alg in ["ed25519", "p256"] {
        let keyid = keygen(&repo, alg, &format!("keys/{alg}"));
        let run = check_signed(&repo, &format!("keys/{alg}.key"));
        assert!(run.stdout.contains("signed: out/r.dsse.json"), "{run:?}");
        assert!(run.stdout.contains(&keyid), "{run:?}");

        // The envelope's shape and the statement inside it.
        let env = read_json(&repo.path().join("out/r.dsse.json"));
        assert_eq!(env["payloadType"], "application/vnd.in-toto+json");
        assert_eq!(env["signatures"][0]["keyid"], keyid.as_str());
        let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
        let statement: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(statement["predicateType"], "https://shipgate.dev/report/v1");
        assert_eq!(
            statement["subject"][0]["digest"]["gitCommit"],
            head.as_str()
        );
        let report = read_json(&repo.path().join("out/r.json"));
        assert_eq!(statement["predicate"]["head"], report["head"]);
        assert_eq!(statement["predicate"]["verdict"], "pass");
        assert_eq!(statement["predicate"]["tool"], report["tool"]);
        assert_eq!(statement["predicate"]["config"], report["config"]);
        assert_eq!(statement["predicate"]["inputs"], report["inputs"]);

        let run = verify(
            &repo,
            "out/r.dsse.json",
            &format!("keys/{alg}.pub"),
            &["--commit", &head, "--require-pass"],
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains(&format!("commit      {head}")),
            "{run:?}"
        );
        assert!(run.stdout.contains(&keyid), "{run:?}");
    }
}

/// Sign, tamper one way, verify: each tampering has its own exit code and message.
#[test]
fn each_tampering_fails_with_its_own_message_and_exit_code() {
    let (repo, head) = repo();
    keygen(&repo, "ed25519", "k");
    keygen(&repo, "ed25519", "stranger");
    check_signed(&repo, "k.key");
    let original = read_json(&repo.path().join("out/r.dsse.json"));
    let tampered = repo.path().join("out/t.dsse.json");

    let case = |name: &str, edit: &dyn Fn(&mut Value), key: &str, extra: &[&str]| -> Run {
        let mut env = original.clone();
        edit(&mut env);
        write_json(&tampered, &env);
        let run = verify(&repo, "out/t.dsse.json", key, extra);
        assert_ne!(run.code, 0, "{name}: {run:?}");
        run
    };

    // One changed byte of the payload: the commit it names.
    let run = case(
        "payload",
        &|env| {
            let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
            let text = String::from_utf8(payload).unwrap();
            let at = text.find(&head).unwrap();
            let mut bytes = text.into_bytes();
            bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
            env["payload"] = Value::String(STANDARD.encode(bytes));
        },
        "k.pub",
        &[],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("tampered: the signature by keyid"),
        "{run:?}"
    );
    assert!(run.stderr.contains("changed after signing"), "{run:?}");

    // One changed byte of the signature.
    let run = case(
        "signature",
        &|env| {
            let mut sig = STANDARD
                .decode(env["signatures"][0]["sig"].as_str().unwrap())
                .unwrap();
            sig[10] ^= 0x20;
            env["signatures"][0]["sig"] = Value::String(STANDARD.encode(sig));
        },
        "k.pub",
        &[],
    );
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("tampered"), "{run:?}");

    // A signature of the wrong length.
    let run = case(
        "short signature",
        &|env| env["signatures"][0]["sig"] = Value::String(STANDARD.encode([7u8; 12])),
        "k.pub",
        &[],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("bad signature"), "{run:?}");
    assert!(run.stderr.contains("has 12"), "{run:?}");

    // One changed character of the keyid.
    let run = case(
        "keyid",
        &|env| {
            let mut id = env["signatures"][0]["keyid"].as_str().unwrap().to_string();
            let first = if id.starts_with('0') { "1" } else { "0" };
            id.replace_range(0..1, first);
            env["signatures"][0]["keyid"] = Value::String(id);
        },
        "k.pub",
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("wrong key"), "{run:?}");

    // The right envelope, the wrong public key.
    let run = verify(&repo, "out/r.dsse.json", "stranger.pub", &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("wrong key: no signature in the envelope is by the given key"),
        "{run:?}"
    );

    // Several keys (rotation): passes when one of them signed, else names them all.
    let run = verify(
        &repo,
        "out/r.dsse.json",
        "stranger.pub",
        &["--key", "k.pub"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = verify(
        &repo,
        "out/r.dsse.json",
        "stranger.pub",
        &["--key", "stranger.pub"],
    );
    assert_eq!(run.code, 3, "{run:?}");

    // Another commit.
    let base = repo.git(&["rev-parse", "main"]);
    let run = verify(&repo, "out/r.dsse.json", "k.pub", &["--commit", &base]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "other commit: the report is about commit {head}, not {base}"
        )),
        "{run:?}"
    );

    // Malformed envelope: names the file and line.
    std::fs::write(
        &tampered,
        "{\n  \"payloadType\": \"x\",\n  \"payload\": [\n",
    )
    .unwrap();
    let run = verify(&repo, "out/t.dsse.json", "k.pub", &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("malformed envelope: out/t.dsse.json:"),
        "{run:?}"
    );

    // The untouched envelope still verifies (the cases above did not pass by accident).
    let run = verify(&repo, "out/r.dsse.json", "k.pub", &["--commit", &head]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn require_pass_refuses_a_signed_failing_report() {
    // The fixture was signed by openssl over a report whose verdict is `fail`.
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/attest");
    let commit = std::fs::read_to_string(fixtures.join("commit.txt")).unwrap();
    let run = shipgate_in(
        &fixtures,
        &[
            "verify",
            "openssl-ed25519.dsse.json",
            "--key",
            "openssl-ed25519.pub",
            "--commit",
            commit.trim(),
            "--require-pass",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("verdict not pass: the signed report's verdict is `fail`"),
        "{run:?}"
    );
    assert!(run.stderr.contains("response-property-removed"), "{run:?}");
}

#[test]
fn the_key_can_come_from_the_environment_and_a_missing_key_can_be_an_error() {
    let (repo, head) = repo();
    keygen(&repo, "p256", "k");
    let pem = std::fs::read_to_string(repo.path().join("k.key")).unwrap();

    // Required but missing: an error, and no unsigned report passes for signed.
    let run = repo.shipgate(&[
        "check",
        "--target",
        "main",
        "--require-signature",
        "--report",
        "out/r.json",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("signing is required (--require-signature) but no key was given"),
        "{run:?}"
    );
    assert!(!repo.path().join("out/r.dsse.json").exists());

    // Set but empty (a fork PR without secrets): said so.
    let run = repo.shipgate_env(
        &["check", "--target", "main", "--require-signature"],
        &[("SHIPGATE_SIGNING_KEY", "")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("SHIPGATE_SIGNING_KEY is set but empty"),
        "{run:?}"
    );

    // The PEM text in the variable signs; JSON stdout stays one JSON document.
    let run = repo.shipgate_env(
        &[
            "check",
            "--target",
            "main",
            "--require-signature",
            "--format",
            "json",
            "--report",
            "out/r.json",
        ],
        &[("SHIPGATE_SIGNING_KEY", &pem)],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["head"], head.as_str());
    assert!(run.stderr.contains("signed: out/r.dsse.json"), "{run:?}");
    let run = verify(&repo, "out/r.dsse.json", "k.pub", &["--commit", &head]);
    assert_eq!(run.code, 0, "{run:?}");

    // A value that is not a key: an error that does not echo the secret.
    let run = repo.shipgate_env(
        &["check", "--target", "main"],
        &[("SHIPGATE_SIGNING_KEY", "hunter2-not-a-key")],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("SHIPGATE_SIGNING_KEY does not hold a PEM key"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("hunter2"), "{run:?}");

    // A public key given as the signing key.
    let run = repo.shipgate(&["check", "--target", "main", "--signing-key", "k.pub"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("k.pub: is a public key"), "{run:?}");

    // An unsigned run over a signed one's output removes the old envelope, so the
    // .dsse.json next to a report is never another run's.
    let run = repo.shipgate(&["check", "--target", "main", "--report", "out/r.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("removed out/r.dsse.json"), "{run:?}");
    assert!(!repo.path().join("out/r.dsse.json").exists());

    // Without a key and without --require-signature: an unsigned report, as before.
    let run = repo.shipgate(&["check", "--target", "main", "--report", "plain/r.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(repo.path().join("plain/r.json").exists());
    assert!(!repo.path().join("plain/r.dsse.json").exists());
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read_and_does_not_overwrite() {
    let (repo, _) = repo();
    keygen(&repo, "ed25519", "keys/ci");
    let key = repo.path().join("keys/ci.key");
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let public = std::fs::read_to_string(repo.path().join("keys/ci.pub")).unwrap();
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{public}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let run = repo.shipgate(&["keygen", "--out", "keys/ci"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("already exists"), "{run:?}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);
    let run = repo.shipgate(&["keygen", "--out", "keys/ci", "--force"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_ne!(std::fs::read_to_string(&key).unwrap(), pem);
}

#[test]
fn verify_refuses_a_short_commit_id_and_a_private_key() {
    let (repo, head) = repo();
    keygen(&repo, "ed25519", "k");
    check_signed(&repo, "k.key");
    let run = verify(
        &repo,
        "out/r.dsse.json",
        "k.pub",
        &["--commit", &head[..12]],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a full commit id"), "{run:?}");
    let run = verify(&repo, "out/r.dsse.json", "k.key", &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("k.key: is a private key"), "{run:?}");
}
