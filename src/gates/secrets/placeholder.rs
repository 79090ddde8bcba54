//! Values that look like secrets but are not: placeholders, variable
//! references, documentation examples and test values.
//!
//! Every rule applies [`is_placeholder`]; generic rules also apply
//! [`generic_value_ok`], which adds entropy and shape checks. Not for:
//! provider formats (see `rules`).

use super::entropy::shannon;

/// Substrings (lower-case) that mark a value as an example or placeholder.
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "<",
    ">",
    "${",
    "{{",
    "#{",
    "$(",
    "%(",
    "%{",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yourpassword",
    "_here",
    "-here",
    "redacted",
    "dummy",
    "notreal",
    "not_real",
    "not-real",
    "sample",
    "0000000000",
    "1234567890",
    "abcdefgh",
    "fake",
];

/// Whether `value` is a placeholder, template variable or documentation example.
pub fn is_placeholder(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    if MARKERS
        .iter()
        .any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some())
    {
        return true;
    }
    // One character repeated (`aaaaaaaa...`), or a single run of digits.
    let first = value.first().copied();
    first.is_some_and(|f| value.iter().all(|&b| b == f))
}

/// Words (lower-case) that, inside a generic value, mark a test or default value.
const WEAK_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "test",
    "todo",
    "fixme",
    "insert",
    "replace",
    "default",
    "admin",
    "qwerty",
    "letmein",
    "foobar",
    "null",
    "none",
    "undefined",
    "true",
    "false",
    "localhost",
    "mock",
    "stub",
    "demo",
    "pass1",
    "s3cr3t",
    "p@ss",
    "api_key",
    "apikey",
];

/// Values that start like a reference to something else, not a literal secret.
const REFERENCE_PREFIXES: &[&str] = &[
    "$",
    "%",
    "@",
    "&",
    "*",
    "/",
    "./",
    "../",
    "~/",
    "env.",
    "env:",
    "process.env",
    "os.environ",
    "os.getenv",
    "getenv",
    "system.getenv",
    "settings.",
    "config.",
    "secrets.",
    "vault:",
    "http://",
    "https://",
    "file:",
    "sha256:",
    "sha1:",
    "md5:",
    "arn:",
    "ref+",
    "!",
    // Encrypted values and secret-store references (jasypt, SOPS, KMS, 1Password, ...).
    "enc(",
    "encrypted:",
    "kms:",
    "aws-kms:",
    "gcp-kms:",
    "azure-kv:",
    "sops:",
    "ssm:",
    "secretsmanager:",
    "sm://",
    "akv:",
    "keyvault:",
    "op://",
    "vault(",
];

/// Whether `value`, found after a secret-like key, is plausibly a real secret:
/// long enough, random enough, not a placeholder, reference, identifier or
/// test value.
pub fn generic_value_ok(value: &[u8], min_entropy: f64) -> bool {
    if value.len() < 8 || value.len() > 200 || is_placeholder(value) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if REFERENCE_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p.as_bytes()))
    {
        return false;
    }
    if WEAK_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return false;
    }
    if value.iter().any(|b| b.is_ascii_whitespace() || *b < 0x20) {
        return false;
    }
    let digit = value.iter().any(u8::is_ascii_digit);
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let lower_case = value.iter().any(u8::is_ascii_lowercase);
    let symbol = value.iter().any(|b| !b.is_ascii_alphanumeric());
    let identifier_like = value
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    // `password = getPassword`, `token: access-token`, `DecodePrivateKey`:
    // words and identifiers, not secrets.
    if identifier_like && !digit {
        return false;
    }
    // Lists, objects, paths in code (`[1,2,3]`, `{a}`, `Token::Kind`).
    if !(upper || lower_case)
        || matches!(value.first(), Some(b'[' | b'{' | b'('))
        || memchr::memmem::find(value, b"::").is_some()
    {
        return false;
    }
    let classes = [digit, upper, lower_case, symbol]
        .iter()
        .filter(|&&c| c)
        .count();
    if classes < 2 {
        return false;
    }
    shannon(value) >= min_entropy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for v in [
            "your_api_key_here",
            "<token>",
            "${DB_PASSWORD}",
            "{{ secret }}",
            "changeme",
            "xxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "zzzzzzzzzzzz",
        ] {
            assert!(is_placeholder(v.as_bytes()), "{v}");
        }
        assert!(!is_placeholder(b"q7Xv9LmT2rB8kW4n"));
    }

    #[test]
    fn generic_values_need_randomness_and_shape() {
        assert!(generic_value_ok(b"q7Xv9LmT2rB8kW4n", 3.0));
        assert!(generic_value_ok(b"Vb3-x9_Lq2#Tz8", 3.0));
        for v in [
            "getPassword",
            "access-token",
            "app.db.password",
            "password123",
            "test1234abcd",
            "$ENV_VAR_NAME",
            "process.env.TOKEN",
            "https://host/x",
            "short1",
            "aaaaaaaaaaaaaaaaaaaa",
            "1111111122222222",
            "value with spaces 1",
            "ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)",
            "op://vault/item/field1",
        ] {
            assert!(!generic_value_ok(v.as_bytes(), 3.0), "{v}");
        }
    }
}
