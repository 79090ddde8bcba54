//! Synthetic credentials for tests, the comparison corpus and benchmarks.
//!
//! Tokens are built at run time from a seed (and, where the format has one,
//! with a correct checksum), so the repository never holds a realistic
//! secret. They are random, not issued by any provider, and revoke nothing.
//! Not for: anything but tests and measurement.

use super::archive;
use super::checksum::crc32_base62;
use base64::Engine as _;

pub const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const BASE32_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const HEX: &[u8] = b"0123456789abcdef";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    /// `len` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

/// Join pieces (so that no source line holds a whole prefix the scanners know).
fn p(parts: &[&str]) -> String {
    parts.concat()
}

/// A GitHub token with prefix `kind` (`p`, `o`, `u`, `s`, `r`) and a valid checksum.
pub fn github(rng: &mut Rng, kind: char) -> String {
    let payload = rng.string(ALNUM, 30);
    let sum = crc32_base62(payload.as_bytes());
    format!("{}{kind}_{payload}{sum}", p(&["g", "h"]))
}

/// An npm token with a valid checksum.
pub fn npm(rng: &mut Rng) -> String {
    let payload = rng.string(ALNUM, 30);
    let sum = crc32_base62(payload.as_bytes());
    format!("{}{payload}{sum}", p(&["np", "m_"]))
}

/// A PyPI token: `pypi-` and a base64url version-2 macaroon.
pub fn pypi(rng: &mut Rng) -> String {
    let location = p(&["py", "pi.", "org"]);
    let mut raw = vec![2u8, 1, location.len() as u8];
    raw.extend_from_slice(location.as_bytes());
    raw.extend_from_slice(&[2, 32]);
    raw.extend_from_slice(rng.string(HEX, 32).as_bytes());
    raw.extend_from_slice(&[0, 2, 32]);
    raw.extend((0..60).map(|_| rng.below(256) as u8));
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
    format!("{}{body}", p(&["py", "pi-"]))
}

/// An AWS access key id (`AKIA` + 16 base32 characters).
pub fn aws_key_id(rng: &mut Rng) -> String {
    format!("{}{}", p(&["AK", "IA"]), rng.string(BASE32_UPPER, 16))
}

/// A 40-character AWS secret access key.
pub fn aws_secret(rng: &mut Rng) -> String {
    loop {
        let s = rng.string(B64, 40);
        let b = s.as_bytes();
        if b.iter().any(u8::is_ascii_digit)
            && b.iter().any(u8::is_ascii_uppercase)
            && b.iter().any(u8::is_ascii_lowercase)
        {
            return s;
        }
    }
}

/// A JWT with a real header and a payload without expiry.
pub fn jwt(rng: &mut Rng) -> String {
    let e = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let header = e(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = e(&format!(
        r#"{{"sub":"svc-{}","role":"service","iat":1700000000}}"#,
        rng.string(HEX, 8)
    ));
    format!("{header}.{payload}.{}", rng.string(B64URL, 43))
}

/// A PEM private key block (random body, not a usable key) with real line breaks.
pub fn pem_private_key(rng: &mut Rng, label: &str) -> String {
    let mut out = format!("-----BEGIN {label}PRIVATE KEY-----\n");
    out.push_str("MIIE");
    for i in 0..6 {
        let n = if i == 0 { 60 } else { 64 };
        out.push_str(&rng.string(B64, n));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}PRIVATE KEY-----\n"));
    out
}

/// One synthetic credential of every covered format: (rule id, secret, line of text holding it).
pub fn samples(rng: &mut Rng) -> Vec<(&'static str, String, String)> {
    let mut v: Vec<(&'static str, String, String)> = Vec::new();
    let mut add = |rule: &'static str, secret: String, line: String| v.push((rule, secret, line));

    let t = github(rng, 'p');
    add(
        "github-personal-access-token",
        t.clone(),
        format!("GH_TOKEN={t}"),
    );
    let t = github(rng, 'o');
    add("github-oauth-token", t.clone(), format!("oauth: \"{t}\""));
    let t = github(rng, 's');
    add("github-app-token", t.clone(), format!("token = '{t}'"));
    let t = github(rng, 'r');
    add("github-refresh-token", t.clone(), format!("refresh={t}"));
    let t = format!(
        "{}{}_{}",
        p(&["git", "hub_", "pat_"]),
        rng.string(ALNUM, 22),
        rng.string(ALNUM, 59)
    );
    add(
        "github-fine-grained-token",
        t.clone(),
        format!("export GH_PAT={t}"),
    );

    let t = format!("{}{}", p(&["gl", "pat-"]), rng.string(B64URL, 20));
    add(
        "gitlab-personal-access-token",
        t.clone(),
        format!("private_token: {t}"),
    );
    let t = format!("{}{}", p(&["gl", "rt-"]), rng.string(B64URL, 20));
    add("gitlab-runner-token", t.clone(), format!("token = \"{t}\""));
    let t = format!("{}{}", p(&["gl", "dt-"]), rng.string(B64URL, 20));
    add("gitlab-deploy-token", t.clone(), format!("DEPLOY={t}"));

    let t = aws_key_id(rng);
    add(
        "aws-access-key-id",
        t.clone(),
        format!("aws_access_key_id = {t}"),
    );
    let t = aws_secret(rng);
    add(
        "aws-secret-access-key",
        t.clone(),
        format!("aws_secret_access_key = {t}"),
    );

    let t = format!("{}{}", p(&["AI", "za"]), rng.string(B64URL, 35));
    add("gcp-api-key", t.clone(), format!("const key = \"{t}\";"));
    let t = rng.string(HEX, 40);
    add(
        "gcp-service-account-key",
        t.clone(),
        format!("  \"private_key_id\": \"{t}\","),
    );
    let t = format!("{}{}", p(&["GOC", "SPX-"]), rng.string(B64URL, 28));
    add(
        "google-oauth-client-secret",
        t.clone(),
        format!("client_secret: {t}"),
    );
    let t = format!("{}==", rng.string(B64, 86));
    add(
        "azure-storage-account-key",
        t.clone(),
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;{}={t};",
            p(&["Account", "Key"])
        ),
    );
    let t = format!("{}%3D", rng.string(ALNUM, 43));
    add(
        "azure-sas-token",
        t.clone(),
        format!(
            "url = \"https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&{}={t}\"",
            p(&["si", "g"])
        ),
    );
    let t = format!("{}{}{}", rng.string(ALNUM, 3), 8, p(&["Q", "~"])) + &rng.string(ALNUM, 34);
    add(
        "azure-client-secret",
        t.clone(),
        format!("AZURE_CLIENT_SECRET={t}"),
    );
    let t = format!("{}{}", p(&["do", "p_v1_"]), rng.string(HEX, 64));
    add(
        "digitalocean-token",
        t.clone(),
        format!("do_token = \"{t}\""),
    );
    let t = format!("{}{}", p(&["HR", "KU-AA"]), rng.string(B64URL, 58));
    add("heroku-api-key", t.clone(), format!("HEROKU_API_KEY={t}"));

    let t = format!(
        "{}{}-{}-{}",
        p(&["xo", "xb-"]),
        rng.string(b"0123456789", 12),
        rng.string(b"0123456789", 13),
        rng.string(ALNUM, 24)
    );
    add("slack-bot-token", t.clone(), format!("SLACK_BOT_TOKEN={t}"));
    let t = format!(
        "{}{}/B{}/{}",
        p(&["https://hooks.", "slack.com/services/T"]),
        rng.string(UPPER_DIGITS, 10),
        rng.string(UPPER_DIGITS, 10),
        rng.string(ALNUM, 24)
    );
    add("slack-webhook-url", t.clone(), format!("webhook: {t}"));
    let t = format!("{}{}", p(&["S", "K"]), rng.string(HEX, 32));
    add("twilio-api-key", t.clone(), format!("TWILIO_API_KEY={t}"));
    let t = format!(
        "{}{}.{}",
        p(&["S", "G."]),
        rng.string(B64URL, 22),
        rng.string(B64URL, 43)
    );
    add(
        "sendgrid-api-key",
        t.clone(),
        format!("SENDGRID_API_KEY='{t}'"),
    );
    let t = format!("{}{}", p(&["ke", "y-"]), rng.string(HEX, 32));
    add(
        "mailgun-api-key",
        t.clone(),
        format!("mailgun_key = \"{t}\""),
    );

    let t = format!("{}{}", p(&["sk_", "live_"]), rng.string(ALNUM, 99));
    add(
        "stripe-secret-key",
        t.clone(),
        format!("Stripe.api_key = \"{t}\""),
    );
    let t = format!("{}{}", p(&["sh", "pat_"]), rng.string(HEX, 32));
    add("shopify-token", t.clone(), format!("SHOPIFY_TOKEN={t}"));

    let t = npm(rng);
    add(
        "npm-access-token",
        t.clone(),
        format!("//registry/:_authToken={t}"),
    );
    let t = pypi(rng);
    add("pypi-upload-token", t.clone(), format!("password = {t}"));
    let t = format!("{}{}", p(&["dckr", "_pat_"]), rng.string(B64URL, 27));
    add("dockerhub-token", t.clone(), format!("DOCKERHUB_TOKEN={t}"));
    let t = format!("{}{}", p(&["h", "f_"]), rng.string(LETTERS, 34));
    add("huggingface-token", t.clone(), format!("HF_TOKEN={t}"));

    let t = rng.string(HEX, 32);
    add("datadog-api-key", t.clone(), format!("DD_API_KEY={t}"));
    let t = format!("{}{}", p(&["NR", "AK-"]), rng.string(UPPER_DIGITS, 27));
    add("newrelic-key", t.clone(), format!("NEW_RELIC_API_KEY={t}"));
    let t = rng.string(B64URL, 20);
    add(
        "pagerduty-api-key",
        t.clone(),
        format!("pagerduty_token: \"{t}\""),
    );
    let t = format!("{}{}", p(&["ATA", "TT3"]), rng.string(B64URL, 186));
    add("atlassian-api-token", t.clone(), format!("JIRA_TOKEN={t}"));
    let t = rng.string(B64, 64);
    add(
        "confluent-api-secret",
        t.clone(),
        format!("confluent.api.secret={t}"),
    );

    let t = format!(
        "{}{}{}{}",
        p(&["sk-", "proj-"]),
        rng.string(B64URL, 74),
        p(&["T3Blbk", "FJ"]),
        rng.string(B64URL, 74)
    );
    add("openai-api-key", t.clone(), format!("OPENAI_API_KEY={t}"));
    let t = format!(
        "{}{}AA",
        p(&["sk-", "ant-", "api03-"]),
        rng.string(B64URL, 93)
    );
    add(
        "anthropic-api-key",
        t.clone(),
        format!("ANTHROPIC_API_KEY={t}"),
    );
    let t = jwt(rng);
    add("jwt", t.clone(), format!("Authorization: Bearer {t}"));

    let pw = format!("{}x{}", rng.string(ALNUM, 8), rng.string(ALNUM, 6));
    add(
        "database-url-password",
        pw.clone(),
        format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app"),
    );
    let pw = format!("{}Z{}", rng.string(ALNUM, 7), rng.string(ALNUM, 7));
    add(
        "jdbc-password",
        pw.clone(),
        format!("url: jdbc:mysql://db:3306/app?user=app&password={pw}"),
    );
    let pw = format!("{}9{}", rng.string(ALNUM, 10), rng.string(ALNUM, 8));
    add(
        "kafka-sasl-password",
        pw.clone(),
        format!(
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"{pw}\";"
        ),
    );
    let pw = format!("{}7{}", rng.string(ALNUM, 9), rng.string(ALNUM, 9));
    add(
        "generic-secret-assignment",
        pw.clone(),
        format!("    db_password = \"{pw}\""),
    );
    let pw = format!("{}4{}", rng.string(ALNUM, 11), rng.string(ALNUM, 8));
    add(
        "generic-secret-config",
        pw.clone(),
        format!("API_SECRET={pw}"),
    );
    v
}

fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// A zip file with `members` (name, content, method: 0 stored, 8 deflated),
/// for tests and synthetic corpora.
pub fn zip(members: &[(&str, &[u8], u16)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content, method) in members {
        let data = if *method == 8 {
            deflate(content)
        } else {
            content.to_vec()
        };
        let offset = out.len() as u32;
        let crc = crc32fast::hash(content);
        let header = |sig: &[u8]| {
            let mut h = sig.to_vec();
            if sig == archive::CENTRAL_ENTRY {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend([0u8; 4]);
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((content.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if sig == archive::CENTRAL_ENTRY {
                // Comment length, disk, attributes.
                h.extend([0u8; 10]);
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(&archive::LOCAL_HEADER));
        out.extend(&data);
        central.extend(header(&archive::CENTRAL_ENTRY));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(archive::END_OF_CENTRAL_DIRECTORY);
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic() {
        let a = samples(&mut Rng::new(7));
        let b = samples(&mut Rng::new(7));
        assert_eq!(
            a.iter().map(|x| &x.1).collect::<Vec<_>>(),
            b.iter().map(|x| &x.1).collect::<Vec<_>>()
        );
    }
}
