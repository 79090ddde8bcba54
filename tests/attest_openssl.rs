//! Interoperability of the signed report with a standard tool: the `openssl` CLI.
//!
//! Both directions: envelopes shipgate writes verify with `openssl pkeyutl`
//! (Ed25519) and `openssl dgst -sha256` (P-256, DER signature) using shipgate's
//! .pub file and a PAE computed here independently of shipgate's code; and keys
//! made by `openssl genpkey` / `openssl ecparam` sign with `--signing-key`.
//!
//! These tests need `openssl` on PATH and FAIL when it is missing: a silent
//! skip would let an interop break through unnoticed (CI machines have it).

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{TestRepo, shipgate_in};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run openssl in `dir`; panics loudly when the CLI is not installed.
fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the `openssl` CLI is required by the signing interop tests and could not be run \
                 ({e}); install it (Debian: apt-get install openssl)"
            )
        })
}

fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// DSSE v1 PAE, written here from the spec rather than taken from shipgate.
fn spec_pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

fn repo() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("base");
    repo.branch("feature");
    repo.write("a.txt", "a\nb\n");
    let head = repo.commit("change");
    (repo, head)
}

/// `check --signing-key KEY`, then write the envelope's PAE and signature to files.
fn sign_and_extract(repo: &TestRepo, key: &str) -> (String, PathBuf, PathBuf) {
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
    let env: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("out/r.dsse.json")).unwrap(),
    )
    .unwrap();
    let payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
    let sig = STANDARD
        .decode(env["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    let pae = repo.path().join("out/pae.bin");
    let sig_path = repo.path().join("out/sig.bin");
    std::fs::write(
        &pae,
        spec_pae(env["payloadType"].as_str().unwrap(), &payload),
    )
    .unwrap();
    std::fs::write(&sig_path, sig).unwrap();
    let keyid = env["signatures"][0]["keyid"].as_str().unwrap().to_string();
    (keyid, pae, sig_path)
}

/// keyid = hex SHA-256 of the public key's DER SPKI, as openssl encodes it.
fn openssl_keyid(dir: &Path, public: &str) -> String {
    let out = openssl(dir, &["pkey", "-pubin", "-in", public, "-outform", "DER"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    hex::encode(Sha256::digest(&out.stdout))
}

#[test]
fn openssl_verifies_an_ed25519_envelope_with_our_public_key() {
    let (repo, _) = repo();
    let run = repo.shipgate(&["keygen", "--algorithm", "ed25519", "--out", "k"]);
    assert_eq!(run.code, 0, "{run:?}");
    let (keyid, pae, sig) = sign_and_extract(&repo, "k.key");
    let dir = repo.path();
    let (pae, sig) = (pae.to_str().unwrap(), sig.to_str().unwrap());
    let out = openssl_ok(
        dir,
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "k.pub", "-rawin", "-in", pae, "-sigfile",
            sig,
        ],
    );
    assert!(out.contains("Signature Verified Successfully"), "{out}");
    assert_eq!(keyid, openssl_keyid(dir, "k.pub"));
    // The same check fails on a changed PAE: openssl really looked.
    let mut bytes = std::fs::read(pae).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(pae, bytes).unwrap();
    let out = openssl(
        dir,
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "k.pub", "-rawin", "-in", pae, "-sigfile",
            sig,
        ],
    );
    assert!(!out.status.success());
    // openssl reads our private key and derives the same public key.
    assert_eq!(
        openssl_ok(dir, &["pkey", "-in", "k.key", "-pubout"]),
        std::fs::read_to_string(dir.join("k.pub")).unwrap()
    );
}

#[test]
fn openssl_verifies_a_p256_envelope_with_our_public_key() {
    let (repo, _) = repo();
    let run = repo.shipgate(&["keygen", "--algorithm", "p256", "--out", "k"]);
    assert_eq!(run.code, 0, "{run:?}");
    let (keyid, pae, sig) = sign_and_extract(&repo, "k.key");
    let dir = repo.path();
    let (pae, sig) = (pae.to_str().unwrap(), sig.to_str().unwrap());
    let out = openssl_ok(
        dir,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "k.pub",
            "-signature",
            sig,
            pae,
        ],
    );
    assert!(out.contains("Verified OK"), "{out}");
    assert_eq!(keyid, openssl_keyid(dir, "k.pub"));
    // The signature is ASN.1 DER: openssl parses it as a SEQUENCE of two INTEGERs.
    let parsed = openssl_ok(dir, &["asn1parse", "-inform", "DER", "-in", sig]);
    assert_eq!(parsed.matches("INTEGER").count(), 2, "{parsed}");
    assert_eq!(
        openssl_ok(dir, &["pkey", "-in", "k.key", "-pubout"]),
        std::fs::read_to_string(dir.join("k.pub")).unwrap()
    );
}

#[test]
fn keys_made_by_openssl_sign_and_verify() {
    let (repo, head) = repo();
    let dir = repo.path();
    openssl_ok(dir, &["genpkey", "-algorithm", "ed25519", "-out", "ed.key"]);
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ec.key",
        ],
    );
    // SEC1 `EC PRIVATE KEY` preceded by an `EC PARAMETERS` block.
    openssl_ok(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-out",
            "sec1.key",
        ],
    );
    for (key, pem_marker) in [
        ("ed", "BEGIN PRIVATE KEY"),
        ("ec", "BEGIN PRIVATE KEY"),
        ("sec1", "BEGIN EC PRIVATE KEY"),
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{key}.key"))).unwrap();
        assert!(text.contains(pem_marker), "{text}");
        openssl_ok(
            dir,
            &[
                "pkey",
                "-in",
                &format!("{key}.key"),
                "-pubout",
                "-out",
                &format!("{key}.pub"),
            ],
        );
        let run = repo.shipgate(&[
            "check",
            "--target",
            "main",
            "--signing-key",
            &format!("{key}.key"),
            "--report",
            "out/r.json",
        ]);
        assert_eq!(run.code, 0, "{key}: {run:?}");
        let keyid = openssl_keyid(dir, &format!("{key}.pub"));
        assert!(
            run.stdout.contains(&keyid),
            "{key}: keyid {keyid} not in {run:?}"
        );
        let run = repo.shipgate(&[
            "verify",
            "out/r.dsse.json",
            "--key",
            &format!("{key}.pub"),
            "--commit",
            &head,
        ]);
        assert_eq!(run.code, 0, "{key}: {run:?}");
    }
    // An openssl key in the environment variable, as a CI secret holds it.
    let pem = std::fs::read_to_string(dir.join("ec.key")).unwrap();
    let run = repo.shipgate_env(
        &["check", "--target", "main", "--report", "env/r.json"],
        &[("SHIPGATE_SIGNING_KEY", &pem)],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = repo.shipgate(&[
        "verify",
        "env/r.dsse.json",
        "--key",
        "ec.pub",
        "--commit",
        &head,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    // Unsupported key types are named, not mis-parsed.
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "rsa.key",
        ],
    );
    let run = repo.shipgate(&["check", "--target", "main", "--signing-key", "rsa.key"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("rsa.key: RSA keys are not supported"),
        "{run:?}"
    );
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            "p384.key",
        ],
    );
    let run = repo.shipgate(&["check", "--target", "main", "--signing-key", "p384.key"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("only the P-256 curve is supported"),
        "{run:?}"
    );
}

#[test]
fn envelopes_signed_by_openssl_and_securesystemslib_verify_with_shipgate() {
    // Made by fixtures/attest/make.sh: statement + PAE in Python, signatures by
    // openssl; and the same statement signed by securesystemslib's DSSE code.
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/attest");
    let commit = std::fs::read_to_string(fixtures.join("commit.txt")).unwrap();
    let commit = commit.trim();
    for (maker, alg) in [
        ("openssl", "ed25519"),
        ("openssl", "p256"),
        ("sslib", "ed25519"),
        ("sslib", "p256"),
    ] {
        let env = format!("{maker}-{alg}.dsse.json");
        let public = format!("{maker}-{alg}.pub");
        // The keyid in the fixture is what openssl's DER hashes to, and what we compute.
        let keyid = openssl_keyid(&fixtures, &public);
        let run = shipgate_in(
            &fixtures,
            &["verify", &env, "--key", &public, "--commit", commit],
            &[],
        );
        assert_eq!(run.code, 0, "{alg}: {run:?}");
        assert!(run.stdout.contains(&keyid), "{alg}: {run:?}");
        assert!(run.stdout.contains("verdict     fail"), "{alg}: {run:?}");
        let other = "f".repeat(40);
        let run = shipgate_in(
            &fixtures,
            &["verify", &env, "--key", &public, "--commit", &other],
            &[],
        );
        assert_eq!(run.code, 6, "{alg}: {run:?}");
    }
    // The Ed25519 key does not verify the P-256 envelope.
    let run = shipgate_in(
        &fixtures,
        &[
            "verify",
            "openssl-p256.dsse.json",
            "--key",
            "openssl-ed25519.pub",
        ],
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
}
