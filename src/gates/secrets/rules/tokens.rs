//! Bearer tokens with a self-describing structure: JSON Web Tokens.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Candidate, Matcher, SecretRule};
use crate::secret_doc;
use base64::Engine as _;

fn decode_json(part: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let trimmed: &[u8] = match part.iter().position(|&b| b == b'=') {
        Some(i) => &part[..i],
        None => part,
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A real header (`alg`, not `none`), a JSON payload, not expired, not the
/// jwt.io documentation example.
fn real_jwt(c: &Candidate<'_>) -> bool {
    let mut parts = c.secret.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(sig)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(header) = decode_json(header) else {
        return false;
    };
    match header.get("alg").and_then(|a| a.as_str()) {
        Some(alg) if !alg.eq_ignore_ascii_case("none") => {}
        _ => return false,
    }
    let Some(payload) = decode_json(payload) else {
        return false;
    };
    if let Some(exp) = payload.get("exp").and_then(|e| e.as_i64())
        && exp < now_unix()
    {
        return false;
    }
    let example = payload.get("name").and_then(|n| n.as_str()) == Some("John Doe")
        || payload.get("sub").and_then(|s| s.as_str()) == Some("1234567890");
    !example && sig.len() >= 16
}

pub static RULES: &[SecretRule] = &[SecretRule {
    id: "jwt",
    name: "JSON Web Token",
    doc: secret_doc!(
        "Finds JSON Web Tokens whose header decodes to JSON with a signing algorithm (`alg` other than `none`) and whose payload decodes to a JSON object. Expired tokens (`exp` in the past) and the jwt.io documentation example are ignored.",
        "A signed JWT is a bearer credential: whoever holds it is the subject until it expires, and service tokens are often issued without expiry.",
        "Authorization: Bearer eyJhbGciOi<...>.eyJzdWIiOi<...>.<signature>",
        "Authorization: Bearer ${SERVICE_TOKEN}   # minted at run time, short-lived"
    ),
    severity: Severity::Error,
    keywords: &["eyj"],
    matcher: Matcher::Regex(
        r"\b(eyJ[A-Za-z0-9_-]{10,}={0,2}\.eyJ[A-Za-z0-9_-]{2,}={0,2}\.[A-Za-z0-9_-]{16,})",
    ),
    min_entropy: 0.0,
    verify: Some(real_jwt),
    generic: false,
    revoke: "Revoke the token (or rotate the key that signed it) at the issuer; prefer short-lived tokens.",
}];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, B64URL, Rng};
    use base64::Engine as _;

    fn enc(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn jwt_needs_real_header_and_live_payload() {
        let mut rng = Rng::new(18);
        let t = synth::jwt(&mut rng);
        assert_finds("jwt", &format!("Authorization: Bearer {t}"), &t);
        let sig = rng.string(B64URL, 43);
        let none = format!(
            "{}.{}.{sig}",
            enc(r#"{"alg":"none"}"#),
            enc(r#"{"sub":"svc-1"}"#)
        );
        assert_ignores("jwt", &format!("t={none}"));
        let expired = format!(
            "{}.{}.{sig}",
            enc(r#"{"alg":"HS256","typ":"JWT"}"#),
            enc(r#"{"sub":"svc-1","exp":1500000000}"#)
        );
        assert_ignores("jwt", &format!("t={expired}"));
        let example = format!(
            "{}.{}.{sig}",
            enc(r#"{"alg":"HS256","typ":"JWT"}"#),
            enc(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#)
        );
        assert_ignores("jwt", &format!("t={example}"));
        assert_ignores(
            "jwt",
            &format!(
                "t=eyJ{}.eyJ{}.{sig}",
                rng.string(B64URL, 20),
                rng.string(B64URL, 20)
            ),
        );
    }
}
