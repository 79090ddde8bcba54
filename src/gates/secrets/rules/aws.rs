//! AWS credentials: access key ids (`AKIA`/`ASIA`/`ABIA`/`ACCA`/`A3T?` + 16
//! base32 characters) and secret access keys (40 base64 characters), which
//! have no prefix and are only reported next to an `aws...secret` key name or
//! within a few lines of an access key id.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Candidate, Chunk, Matcher, SecretRule};
use crate::secret_doc;
use regex::bytes::Regex;
use std::sync::OnceLock;

const REVOKE: &str = "Deactivate and delete the access key in IAM (or rotate the role's credentials), then check CloudTrail for its use.";

const KEY_ID: &str = r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b";

/// How far (bytes) from an access key id a bare secret key may stand.
const NEAR: usize = 400;

fn mixed(c: &Candidate<'_>) -> bool {
    let s = c.secret;
    s.iter().any(u8::is_ascii_digit)
        && s.iter().any(u8::is_ascii_uppercase)
        && s.iter().any(u8::is_ascii_lowercase)
}

/// Secret access keys: 40 base64 characters named as an AWS secret, or
/// standing near an access key id.
fn secret_keys(chunk: &Chunk<'_>, out: &mut Vec<(usize, usize)>) {
    let text = chunk.text;
    static RES: OnceLock<Option<(Regex, Regex, Regex)>> = OnceLock::new();
    let Some((named, bare, id)) = RES
        .get_or_init(|| {
            let named = crate::gates::secrets::engine::compile(
                r#"(?i)aws[\w.-]{0,20}(?:secret|sk)[\w.-]{0,20}["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
            )
            .ok()?;
            let bare = crate::gates::secrets::engine::compile(
                r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
            )
            .ok()?;
            let id = crate::gates::secrets::engine::compile(KEY_ID).ok()?;
            Some((named, bare, id))
        })
        .as_ref()
    else {
        return;
    };
    for caps in named.captures_iter(text) {
        if let Some(m) = caps.get(1) {
            out.push((m.start(), m.end()));
        }
    }
    let ids: Vec<usize> = id.find_iter(text).map(|m| m.start()).collect();
    if ids.is_empty() {
        return;
    }
    for caps in bare.captures_iter(text) {
        let Some(m) = caps.get(1) else { continue };
        let near = ids.iter().any(|&i| i.abs_diff(m.start()) <= NEAR);
        if near && !out.contains(&(m.start(), m.end())) {
            out.push((m.start(), m.end()));
        }
    }
}

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "aws-access-key-id",
        name: "AWS access key id",
        doc: secret_doc!(
            "Finds AWS access key ids: `AKIA` (long-term), `ASIA` (temporary), `ABIA`, `ACCA` or `A3T?` followed by 16 base32 characters. Documentation examples (`...EXAMPLE`) are ignored.",
            "The id alone is not enough to sign requests, but it names the account and the user, and its secret key is rarely far away. It is a warning; the `aws-secret-access-key` rule is the error.",
            "aws_access_key_id = AKIA<16 characters>",
            "# use an instance/task role, or `aws configure` outside the repository"
        ),
        severity: Severity::Warning,
        keywords: &["akia", "asia", "abia", "acca", "a3t"],
        matcher: Matcher::Regex(r"\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})\b"),
        min_entropy: 2.5,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "aws-secret-access-key",
        name: "AWS secret access key",
        doc: secret_doc!(
            "Finds AWS secret access keys (40 base64 characters) assigned to a key named like `aws_secret_access_key`, or standing within a few lines of an AWS access key id.",
            "With its access key id, the secret key signs any API call the IAM user or role may make.",
            "aws_access_key_id = AKIA<16 characters>\naws_secret_access_key = <40 characters>",
            "# credentials come from the environment, a profile outside the repository, or a role"
        ),
        severity: Severity::Error,
        keywords: &["aws", "akia", "asia"],
        matcher: Matcher::Custom(secret_keys),
        min_entropy: 4.0,
        verify: Some(mixed),
        generic: false,
        revoke: REVOKE,
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, Rng};

    #[test]
    fn access_key_ids() {
        let mut rng = Rng::new(4);
        let id = synth::aws_key_id(&mut rng);
        assert_finds("aws-access-key-id", &format!("key = \"{id}\""), &id);
        assert_ignores("aws-access-key-id", "key = AKIAIOSFODNN7EXAMPLE");
        // Lower case / wrong alphabet (0, 1, 8, 9 are not base32).
        assert_ignores("aws-access-key-id", &format!("key = {}", id.to_lowercase()));
        assert_ignores("aws-access-key-id", "key = AKIA0189018901890189");
        assert_ignores("aws-access-key-id", &format!("key = X{id}"));
    }

    #[test]
    fn secret_keys_need_a_name_or_a_nearby_id() {
        let mut rng = Rng::new(5);
        let secret = synth::aws_secret(&mut rng);
        let id = synth::aws_key_id(&mut rng);
        assert_finds(
            "aws-secret-access-key",
            &format!("aws_secret_access_key = {secret}\n"),
            &secret,
        );
        assert_finds(
            "aws-secret-access-key",
            &format!("id: {id}\nkey: \"{secret}\"\n"),
            &secret,
        );
        // The same 40 characters with no AWS context: could be any hash.
        assert_ignores("aws-secret-access-key", &format!("checksum: {secret}\n"));
        // 40 hex characters (a git sha) next to a name: not mixed case.
        assert_ignores(
            "aws-secret-access-key",
            "aws_secret_access_key = 3f786850e387550fdab836ed7e6dc881de23001b\n",
        );
        assert_ignores(
            "aws-secret-access-key",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        );
    }
}
