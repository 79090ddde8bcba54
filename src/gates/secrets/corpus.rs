//! The comparison corpus: synthetic positives (one per covered format, plus
//! multi-line ones) and near-miss negatives (placeholders, documentation
//! examples, hashes, ids, wrong checksums), generated deterministically so
//! that the repository holds the generator, not the secrets. The reference
//! tools' verdicts on it are committed under `fixtures/secrets/`; the
//! benchmark adds code-like filler text with planted secrets.

use super::synth::{self, ALNUM, B64, B64URL, HEX, Rng};
use std::path::Path;

/// One corpus file.
#[derive(Debug, Clone)]
pub struct Case {
    /// File name in the corpus directory.
    pub name: String,
    pub content: String,
    /// The rule that must report it, or `None` for a negative.
    pub expect: Option<&'static str>,
}

const SEED: u64 = 20_251_123;

fn wrap(line: &str) -> String {
    format!("# service configuration\nLOG_LEVEL=info\nREGION=eu-west-1\n{line}\nTIMEOUT_MS=2500\n")
}

/// Every case, in a stable order.
pub fn cases() -> Vec<Case> {
    let mut rng = Rng::new(SEED);
    let mut out = Vec::new();
    for (i, (rule, _secret, line)) in synth::samples(&mut rng).into_iter().enumerate() {
        out.push(Case {
            name: format!("pos-{i:02}-{rule}.txt"),
            content: wrap(&line),
            expect: Some(rule),
        });
    }
    let pem = synth::pem_private_key(&mut rng, "RSA ");
    out.push(Case {
        name: "pos-90-private-key.txt".into(),
        content: pem,
        expect: Some("private-key"),
    });
    let body = rng.string(B64, 64);
    out.push(Case {
        name: "pos-91-private-key-json.txt".into(),
        content: format!(
            "{{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\"\n}}\n"
        ),
        expect: Some("private-key"),
    });
    let data = base64_std(&rng.string(ALNUM, 20));
    out.push(Case {
        name: "pos-92-kubernetes-secret-data.txt".into(),
        content: format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {data}\n"
        ),
        expect: Some("kubernetes-secret-data"),
    });
    let id = synth::aws_key_id(&mut rng);
    out.push(Case {
        name: "pos-93-aws-access-key-id.txt".into(),
        content: wrap(&format!("aws_access_key_id = {id}")),
        expect: Some("aws-access-key-id"),
    });

    for (i, content) in negatives(&mut rng).into_iter().enumerate() {
        out.push(Case {
            name: format!("neg-{i:02}.txt"),
            content: wrap(&content),
            expect: None,
        });
    }
    out
}

fn base64_std(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Near misses: things that look like secrets and are not.
fn negatives(rng: &mut Rng) -> Vec<String> {
    let gh = synth::github(rng, 'p');
    let mut broken = gh.clone().into_bytes();
    broken[8] = if broken[8] == b'Q' { b'R' } else { b'Q' };
    let broken = String::from_utf8_lossy(&broken).into_owned();
    let npm = synth::npm(rng);
    let npm_broken = format!(
        "{}{}",
        &npm[..npm.len() - 1],
        if npm.ends_with('0') { '1' } else { '0' }
    );
    vec![
        format!("GITHUB_TOKEN={broken}"),
        format!("NPM_TOKEN={npm_broken}"),
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into(),
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE".into(),
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        "password = \"changeme\"".into(),
        "DB_PASSWORD=${DB_PASSWORD}".into(),
        "api_key: <your-api-key>".into(),
        "secret = \"your_secret_here\"".into(),
        "token = os.environ[\"API_TOKEN\"]".into(),
        "const password = process.env.DB_PASSWORD;".into(),
        "password: {{ .Values.db.password }}".into(),
        format!("commit = \"{}\"", rng.string(HEX, 40)),
        format!("sha256 = \"{}\"", rng.string(HEX, 64)),
        format!("request_id = \"{}-{}-4{}-a{}-{}\"", rng.string(HEX, 8), rng.string(HEX, 4), rng.string(HEX, 3), rng.string(HEX, 3), rng.string(HEX, 12)),
        format!("\"integrity\": \"sha512-{}==\"", rng.string(B64, 86)),
        "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app".into(),
        "spring.datasource.password=".into(),
        "password_field = \"user_password_input\"".into(),
        "max_token_length = 4096".into(),
        "-----BEGIN RSA PRIVATE KEY-----  # header only, in a parser".into(),
        "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c".into(),
        format!("image = \"data:image/png;base64,{}\"", rng.string(B64, 120)),
        "webhook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX".into(),
        "key = AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX".into(),
        format!("cache_key = \"{}\"", rng.string(B64URL, 32)),
        "secret_name = \"prod/db/credentials\"".into(),
        "password = \"password123\"".into(),
        "token = \"test-token-1234\"".into(),
        "Stripe.api_key = \"sk_test_xxxxxxxxxxxxxxxxxxxxxxxx\"".into(),
        format!("session_id = {}", rng.string(ALNUM, 32)),
        "private_key_path = \"/etc/ssl/private/server.key\"".into(),
    ]
}

/// Code-like filler: identifiers, literals, comments; no planted secrets.
pub fn filler(rng: &mut Rng, bytes: usize) -> String {
    const WORDS: &[&str] = &[
        "let", "value", "config", "request", "response", "handler", "user", "order", "items",
        "return", "if", "else", "match", "for", "in", "self", "client", "server", "result",
        "error", "parse", "build", "timeout", "retry", "count", "index", "offset", "limit", "name",
        "id",
    ];
    let mut out = String::with_capacity(bytes + 128);
    while out.len() < bytes {
        let a = WORDS[rng.below(WORDS.len())];
        let b = WORDS[rng.below(WORDS.len())];
        let c = WORDS[rng.below(WORDS.len())];
        match rng.below(6) {
            0 => out.push_str(&format!("    let {a}_{b} = {c}.get(\"{b}\")?;\n")),
            1 => out.push_str(&format!("    // {a} the {b} before {c} is called\n")),
            2 => out.push_str(&format!(
                "    if {a}.{b} > {} {{ return Err({c}); }}\n",
                rng.below(10_000)
            )),
            3 => out.push_str(&format!(
                "fn {a}_{b}(&self, {c}: usize) -> Result<(), Error> {{\n"
            )),
            4 => out.push_str(&format!(
                "    log::debug!(\"{a} {b}: {{}}\", {c}_{});\n",
                rng.below(100)
            )),
            _ => out.push_str("}\n\n"),
        }
    }
    out
}

/// Write the corpus (and `expected.json`) into `dir`; with `filler_mib` > 0,
/// also `filler/` files of code-like text with one planted secret per MiB.
pub fn write(dir: &Path, filler_mib: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut expected = serde_json::Map::new();
    for case in cases() {
        std::fs::write(dir.join(&case.name), &case.content)?;
        expected.insert(
            case.name.clone(),
            case.expect.map_or(serde_json::Value::Null, |r| r.into()),
        );
    }
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&expected)? + "\n",
    )?;
    if filler_mib > 0 {
        let filler_dir = dir.join("filler");
        std::fs::create_dir_all(&filler_dir)?;
        let mut rng = Rng::new(SEED ^ 0xF111);
        let samples = synth::samples(&mut rng);
        for i in 0..filler_mib {
            let mut text = filler(&mut rng, 1 << 20);
            let (_, _, line) = &samples[(i as usize) % samples.len()];
            let at = text.len() / 2;
            let at = text[..at].rfind('\n').map_or(0, |p| p + 1);
            text.insert_str(at, &format!("{line}\n"));
            std::fs::write(filler_dir.join(format!("f{i:04}.rs")), text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::secrets::rules::testkit::found;

    #[test]
    fn every_positive_is_found_by_its_rule_and_no_negative_is_found() {
        let mut failures = Vec::new();
        for case in cases() {
            let hits = found(&case.content);
            match case.expect {
                Some(rule) => {
                    if !hits.iter().any(|(r, _)| *r == rule) {
                        failures.push(format!(
                            "{}: {rule} missed (got {:?})",
                            case.name,
                            hits.iter().map(|h| h.0).collect::<Vec<_>>()
                        ));
                    }
                }
                None => {
                    if !hits.is_empty() {
                        failures.push(format!(
                            "{}: false alarm {:?}",
                            case.name,
                            hits.iter().map(|h| h.0).collect::<Vec<_>>()
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn filler_is_clean() {
        let text = filler(&mut Rng::new(1), 200_000);
        assert!(found(&text).is_empty());
    }
}
