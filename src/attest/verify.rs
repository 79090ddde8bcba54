//! Verifying a signed gate report: signature, key, types, commit, verdict.
//!
//! Owns: the order of checks and the distinct failure of each, with its exit
//! code. Not for: printing (see `commands`) or key parsing (see `keys`).
//!
//! Order: the envelope parses; a signature carries this key's keyid (or none);
//! the signature verifies over PAE(payloadType, payload); only then is the
//! payload read (type, statement, predicate, commit, verdict). Nothing in the
//! payload is trusted before the signature has been checked.

use super::envelope::Envelope;
use super::keys::{Algorithm, PublicKey, SignatureCheck};
use super::pae::pae;
use super::statement::{PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, Statement};
use std::fmt;

/// What the verifier was asked to hold the report to.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// The full commit id the report must name (lowercase hex).
    pub commit: Option<String>,
    /// The report's verdict must be `pass`.
    pub require_pass: bool,
}

/// A report that verified.
#[derive(Debug, Clone)]
pub struct Verified {
    pub keyid: String,
    pub algorithm: Algorithm,
    /// The head commit the report is about.
    pub commit: String,
    pub verdict: String,
    pub statement: Statement,
}

/// Why a report did not verify. Each kind has its own exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The file is not a DSSE envelope (or `--commit` is not a commit id). Exit 2.
    Malformed(String),
    /// Signed and intact, but the verdict is not `pass` (`--require-pass`). Exit 1.
    VerdictNotPass {
        verdict: String,
        reasons: Vec<String>,
    },
    /// No signature carries this key's keyid. Exit 3.
    WrongKey {
        expected: String,
        found: Vec<String>,
    },
    /// The signature bytes are not a signature of the key's algorithm. Exit 4.
    BadSignature(String),
    /// A well-formed signature by this keyid does not match the payload. Exit 5.
    Tampered { keyid: String },
    /// Signed and intact, but about another commit. Exit 6.
    OtherCommit {
        expected: String,
        found: Vec<String>,
    },
    /// Signed and intact, but not a shipgate report (payload/statement/predicate type). Exit 7.
    NotAReport(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::VerdictNotPass { .. } => 1,
            Failure::Malformed(_) => 2,
            Failure::WrongKey { .. } => 3,
            Failure::BadSignature(_) => 4,
            Failure::Tampered { .. } => 5,
            Failure::OtherCommit { .. } => 6,
            Failure::NotAReport(_) => 7,
        }
    }

    /// A short name for the kind of failure (first words of the message).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Malformed(_) => "malformed envelope",
            Failure::VerdictNotPass { .. } => "verdict not pass",
            Failure::WrongKey { .. } => "wrong key",
            Failure::BadSignature(_) => "bad signature",
            Failure::Tampered { .. } => "tampered",
            Failure::OtherCommit { .. } => "other commit",
            Failure::NotAReport(_) => "not a shipgate report",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.kind())?;
        match self {
            Failure::Malformed(msg) | Failure::BadSignature(msg) | Failure::NotAReport(msg) => {
                f.write_str(msg)
            }
            Failure::VerdictNotPass { verdict, reasons } => {
                write!(
                    f,
                    "the signed report's verdict is `{verdict}`, --require-pass wants `pass`"
                )?;
                for r in reasons {
                    write!(f, "\n  - {r}")?;
                }
                Ok(())
            }
            Failure::WrongKey { expected, found } => {
                write!(
                    f,
                    "no signature in the envelope is by the given key (keyid {expected}); \
                     the envelope is signed by keyid {}. Verify with the public key that matches, \
                     or the report was signed by someone else",
                    if found.is_empty() {
                        "(none)".to_string()
                    } else {
                        found.join(", ")
                    }
                )
            }
            Failure::Tampered { keyid } => write!(
                f,
                "the signature by keyid {keyid} does not match the envelope's payload: the payload \
                 (the report) or the signature was changed after signing. Do not trust this report"
            ),
            Failure::OtherCommit { expected, found } => write!(
                f,
                "the report is about commit {}, not {expected}",
                found.join(", ")
            ),
        }
    }
}

/// Whether `s` is a full git commit id (SHA-1 or SHA-256 object format).
pub fn is_full_commit_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Verify the envelope in `bytes` (read from `origin`) against `key` and `expect`.
pub fn verify_envelope(
    bytes: &[u8],
    origin: &str,
    key: &PublicKey,
    expect: &Expectations,
) -> Result<Verified, Failure> {
    let envelope = Envelope::parse(bytes, origin).map_err(|e| Failure::Malformed(e.0))?;
    if let Some(commit) = &expect.commit
        && !is_full_commit_id(commit)
    {
        return Err(Failure::Malformed(format!(
            "--commit `{commit}` is not a full commit id: give all 40 hex digits (`git rev-parse HEAD`); \
             a prefix could name a different commit"
        )));
    }
    if envelope.signatures.is_empty() {
        return Err(Failure::BadSignature(format!(
            "{origin}: the envelope has no signatures (an unsigned report proves nothing)"
        )));
    }
    let keyid = key.keyid();
    let candidates: Vec<_> = envelope
        .signatures
        .iter()
        .filter(|s| match s.keyid.as_deref() {
            None | Some("") => true,
            Some(id) => id.eq_ignore_ascii_case(&keyid),
        })
        .collect();
    if candidates.is_empty() {
        return Err(Failure::WrongKey {
            expected: keyid,
            found: envelope
                .signatures
                .iter()
                .filter_map(|s| s.keyid.clone())
                .collect(),
        });
    }
    let payload = envelope.payload_bytes().map_err(|e| {
        Failure::Malformed(format!(
            "{origin}:{}: `payload` is {e}",
            super::envelope::line_of_key(bytes, "payload")
        ))
    })?;
    let message = pae(&envelope.payload_type, &payload);
    let mut malformed = None;
    let mut mismatched = false;
    let mut valid = false;
    for sig in candidates {
        let check = match super::envelope::decode_base64(&sig.sig) {
            Ok(raw) => key.verify(&message, &raw),
            Err(e) => SignatureCheck::Malformed(format!("`sig` is {e}")),
        };
        match check {
            SignatureCheck::Valid => {
                valid = true;
                break;
            }
            SignatureCheck::Mismatch => mismatched = true,
            SignatureCheck::Malformed(reason) => malformed = Some(reason),
        }
    }
    if !valid {
        return Err(if mismatched {
            Failure::Tampered { keyid }
        } else {
            Failure::BadSignature(format!(
                "{origin}:{}: the signature for keyid {keyid} is not a {} signature: {}",
                super::envelope::line_of_key(bytes, "sig"),
                key.algorithm(),
                malformed.unwrap_or_default()
            ))
        });
    }
    // From here on the payload is authentic: what it says was signed.
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(Failure::NotAReport(format!(
            "payloadType is `{}`, expected `{PAYLOAD_TYPE}` (an in-toto Statement)",
            envelope.payload_type
        )));
    }
    let statement: Statement = serde_json::from_slice(&payload).map_err(|e| {
        Failure::NotAReport(format!(
            "the signed payload is not an in-toto Statement: {e} (line/column inside the decoded payload)"
        ))
    })?;
    if statement.statement_type != STATEMENT_TYPE {
        return Err(Failure::NotAReport(format!(
            "the statement's _type is `{}`, expected `{STATEMENT_TYPE}`",
            statement.statement_type
        )));
    }
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(Failure::NotAReport(format!(
            "the predicateType is `{}`, expected `{PREDICATE_TYPE}` (a shipgate gate report)",
            statement.predicate_type
        )));
    }
    let commits = statement.commits();
    let head = statement
        .predicate_str("head")
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if commits.is_empty() || !commits.contains(&head) {
        return Err(Failure::NotAReport(format!(
            "the statement's gitCommit subject ({}) does not match the report's head commit (`{head}`)",
            if commits.is_empty() {
                "none".to_string()
            } else {
                commits.join(", ")
            }
        )));
    }
    if let Some(expected) = &expect.commit {
        let expected = expected.to_ascii_lowercase();
        if !commits.contains(&expected) {
            return Err(Failure::OtherCommit {
                expected,
                found: commits,
            });
        }
    }
    let Some(verdict) = statement.predicate_str("verdict").map(str::to_string) else {
        return Err(Failure::NotAReport(
            "the report has no `verdict` string".to_string(),
        ));
    };
    if expect.require_pass && verdict != "pass" {
        let reasons = statement
            .predicate
            .get("verdict_reasons")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        return Err(Failure::VerdictNotPass { verdict, reasons });
    }
    Ok(Verified {
        keyid,
        algorithm: key.algorithm(),
        commit: head,
        verdict,
        statement,
    })
}

#[cfg(test)]
mod tests {
    use super::super::keys::PrivateKey;
    use super::super::sign_statement;
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use std::collections::BTreeMap;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn statement(verdict: &str) -> Statement {
        Statement {
            statement_type: STATEMENT_TYPE.into(),
            subject: vec![super::super::statement::Subject {
                name: "git+commit".into(),
                digest: BTreeMap::from([("gitCommit".into(), COMMIT.into())]),
            }],
            predicate_type: PREDICATE_TYPE.into(),
            predicate: serde_json::json!({
                "head": COMMIT, "verdict": verdict, "verdict_reasons": ["coverage failed"]
            }),
        }
    }

    fn expect(commit: Option<&str>, require_pass: bool) -> Expectations {
        Expectations {
            commit: commit.map(str::to_string),
            require_pass,
        }
    }

    fn signed(alg: Algorithm, verdict: &str) -> (PrivateKey, Envelope) {
        let key = PrivateKey::generate(alg).unwrap();
        let env = sign_statement(&statement(verdict), &key);
        (key, env)
    }

    fn check(env: &Envelope, key: &PrivateKey, e: &Expectations) -> Result<Verified, Failure> {
        verify_envelope(
            env.to_json().as_bytes(),
            "e.dsse.json",
            &key.public_key(),
            e,
        )
    }

    #[test]
    fn round_trip_for_both_key_types() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let (key, env) = signed(alg, "pass");
            let ok = check(&env, &key, &expect(Some(COMMIT), true)).unwrap();
            assert_eq!(ok.commit, COMMIT);
            assert_eq!(ok.verdict, "pass");
            assert_eq!(ok.keyid, key.public_key().keyid());
            assert_eq!(env.signatures[0].keyid.as_deref(), Some(ok.keyid.as_str()));
            // Upper-case commit ids are the same commit.
            assert!(check(&env, &key, &expect(Some(&COMMIT.to_uppercase()), true)).is_ok());
        }
    }

    #[test]
    fn each_failure_has_its_own_kind_and_exit_code() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let (key, env) = signed(alg, "fail");
            // Verdict.
            let f = check(&env, &key, &expect(None, true)).unwrap_err();
            assert_eq!(f.exit_code(), 1, "{f}");
            assert!(f.to_string().contains("coverage failed"), "{f}");
            assert!(check(&env, &key, &expect(None, false)).is_ok());
            // Other commit.
            let other = "1".repeat(40);
            let f = check(&env, &key, &expect(Some(&other), false)).unwrap_err();
            assert_eq!(f.exit_code(), 6, "{f}");
            assert!(f.to_string().contains(COMMIT), "{f}");
            // Wrong key.
            let stranger = PrivateKey::generate(alg).unwrap();
            let f = check(&env, &stranger, &expect(None, false)).unwrap_err();
            assert_eq!(f.exit_code(), 3, "{f}");
            // Tampered payload: one byte of the decoded payload.
            let mut t = env.clone();
            let mut p = t.payload_bytes().unwrap();
            let i = p.len() / 2;
            p[i] ^= 1;
            t.payload = STANDARD.encode(&p);
            assert_eq!(
                check(&t, &key, &expect(None, false))
                    .unwrap_err()
                    .exit_code(),
                5
            );
            // Tampered payload type.
            let mut t = env.clone();
            t.payload_type.push('x');
            assert_eq!(
                check(&t, &key, &expect(None, false))
                    .unwrap_err()
                    .exit_code(),
                5
            );
            // One byte of the signature.
            let mut t = env.clone();
            let mut s = STANDARD.decode(&t.signatures[0].sig).unwrap();
            let last = s.len() - 1;
            s[last] ^= 1;
            t.signatures[0].sig = STANDARD.encode(&s);
            let f = check(&t, &key, &expect(None, false)).unwrap_err();
            assert!(matches!(f.exit_code(), 4 | 5), "{f}");
            // One byte of the keyid.
            let mut t = env.clone();
            let mut id = t.signatures[0].keyid.clone().unwrap();
            id.replace_range(0..1, if id.starts_with('0') { "1" } else { "0" });
            t.signatures[0].keyid = Some(id);
            assert_eq!(
                check(&t, &key, &expect(None, false))
                    .unwrap_err()
                    .exit_code(),
                3
            );
            // A signature of the wrong shape.
            let mut t = env.clone();
            t.signatures[0].sig = STANDARD.encode([1u8; 7]);
            assert_eq!(
                check(&t, &key, &expect(None, false))
                    .unwrap_err()
                    .exit_code(),
                4
            );
            // No signatures.
            let mut t = env.clone();
            t.signatures.clear();
            assert_eq!(
                check(&t, &key, &expect(None, false))
                    .unwrap_err()
                    .exit_code(),
                4
            );
        }
    }

    #[test]
    fn short_commit_ids_are_refused() {
        let (key, env) = signed(Algorithm::Ed25519, "pass");
        let f = check(&env, &key, &expect(Some("0123456"), false)).unwrap_err();
        assert_eq!(f.exit_code(), 2);
        assert!(f.to_string().contains("full commit id"), "{f}");
    }

    #[test]
    fn a_signed_payload_of_another_kind_is_not_a_report() {
        let key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
        let mut st = statement("pass");
        st.predicate_type = "https://slsa.dev/provenance/v1".into();
        let env = sign_statement(&st, &key);
        let f = check(&env, &key, &expect(None, false)).unwrap_err();
        assert_eq!(f.exit_code(), 7, "{f}");
        // Subject and predicate disagree on the commit.
        let mut st = statement("pass");
        st.predicate["head"] = serde_json::json!("f".repeat(40));
        let env = sign_statement(&st, &key);
        assert_eq!(
            check(&env, &key, &expect(None, false))
                .unwrap_err()
                .exit_code(),
            7
        );
    }

    #[test]
    fn a_signature_without_keyid_is_tried() {
        let (key, mut env) = signed(Algorithm::P256, "pass");
        env.signatures[0].keyid = None;
        assert!(check(&env, &key, &expect(Some(COMMIT), true)).is_ok());
    }

    #[test]
    fn no_byte_flip_anywhere_in_the_file_verifies_or_panics() {
        let (key, env) = signed(Algorithm::Ed25519, "fail");
        let text = env.to_json().into_bytes();
        let public = key.public_key();
        let e = expect(Some(COMMIT), false);
        assert!(verify_envelope(&text, "e", &public, &e).is_ok());
        // Every 3rd byte outside the payload's base64, every 16th inside it (each of
        // those costs a signature check, slow in debug builds).
        let payload_at = text
            .windows(env.payload.len())
            .position(|w| w == env.payload.as_bytes())
            .unwrap();
        let inside = payload_at..payload_at + env.payload.len();
        for i in (0..text.len()).filter(|i| {
            if inside.contains(i) {
                i % 16 == 0
            } else {
                i % 3 == 0
            }
        }) {
            let mut t = text.clone();
            t[i] ^= 0x01;
            if let Ok(v) = verify_envelope(&t, "e", &public, &e) {
                // Only flips that keep the same bytes signed may pass: JSON
                // whitespace/key letters are not signed, but then the fields
                // must still be found, so the statement is the one signed.
                assert_eq!(v.statement.to_payload(), statement("fail").to_payload());
            }
        }
    }

    /// A tiny deterministic generator, so the no-panic tests need no extra crate.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn truncated_and_random_inputs_never_panic_or_verify() {
        let (key, env) = signed(Algorithm::P256, "pass");
        let public = key.public_key();
        let text = env.to_json().into_bytes();
        let e = expect(Some(COMMIT), true);
        // Cut anywhere before the closing brace (dropping only the final newline is fine).
        let closing = text.len() - 2;
        for len in (0..closing).step_by(7).chain([closing]) {
            assert!(verify_envelope(&text[..len], "e", &public, &e).is_err());
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..500 {
            let len = (xorshift(&mut state) % 300) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut state) as u8).collect();
            assert!(verify_envelope(&bytes, "r", &public, &e).is_err());
            let text = String::from_utf8_lossy(&bytes);
            let _ = PublicKey::from_pem(&text, "r");
            let _ = PrivateKey::from_pem(
                &format!("-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----\n"),
                "r",
            );
        }
        // Structurally valid JSON with wrong types and shapes.
        for json in [
            r#"{"payloadType":"","payload":"","signatures":[]}"#,
            r#"{"payloadType":"","payload":"","signatures":[{"sig":""}]}"#,
            r#"{"payloadType":1,"payload":"","signatures":[]}"#,
            r#"{"payloadType":"","payload":"","signatures":{}}"#,
            r#"[]"#,
            r#"null"#,
            r#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":null,"sig":"MEUCIQ=="}]}"#,
        ] {
            let f = verify_envelope(json.as_bytes(), "j", &public, &e).unwrap_err();
            assert!(matches!(f.exit_code(), 2 | 4 | 5), "{json}: {f}");
        }
    }
}
