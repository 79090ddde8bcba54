//! Generic secrets: a value assigned to a name that says password, secret,
//! token or key. With no format to check, these rules rely on context (the
//! name, the quoting), on randomness (Shannon entropy) and on filters for
//! placeholders, references, identifiers and test values. A specific rule that
//! matches the same bytes wins over these.

use crate::finding::Severity;
use crate::gates::secrets::engine::compile;
use crate::gates::secrets::placeholder::generic_value_ok;
use crate::gates::secrets::rule::{Candidate, Chunk, Matcher, SecretRule};
use crate::secret_doc;
use regex::bytes::Regex;
use std::sync::OnceLock;

/// Minimum entropy (bits per byte) of a generic value.
const MIN_ENTROPY: f64 = 3.0;

/// Name suffixes/prefixes that mark configuration *about* a secret, not the secret.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_file",
    "_path",
    "_dir",
    "_url",
    "_uri",
    "_env",
    "_name",
    "_id",
    "_length",
    "_len",
    "_size",
    "_min",
    "_max",
    "_type",
    "_field",
    "_regex",
    "_pattern",
    "_header",
    "_endpoint",
    "_prefix",
    "_expiry",
    "_expires",
    "_expiration",
    "_ttl",
    "_count",
    "_timeout",
    "_policy",
    "_mode",
    "_format",
    "_hash",
    "_label",
    "_hint",
    "_template",
    "_version",
    "_required",
    "_enabled",
    "_provider",
    "_location",
    "_column",
    "_param",
    "_key_id",
    "_ref",
    "_arn",
    "_kind",
    "_class",
    "_method",
    "_strategy",
    "_algorithm",
    "_alg",
    "_store",
    "_manager",
    "_source",
    "_secret_name",
    "_placeholder",
    "_description",
    "_text",
    "_message",
    "_error",
    "_title",
    "_help",
    "_validator",
    "_rule",
    "_rules",
    "_reset",
    "_changed",
    "_updated",
    "_created",
    "_at",
    "_uses",
    "_limit",
    "_salt_rounds",
    "_rounds",
    "_cost",
    "_char",
    "_chars",
    "_charset",
    "_digits",
    "_encoder",
    "_encoding",
    "_storage",
    "_cache",
    "_table",
    "_service",
    "_client",
    "_count",
    "_index",
];
const NOT_SECRET_PREFIXES: &[&str] = &[
    "max",
    "min",
    "is_",
    "has_",
    "no_",
    "use_",
    "enable",
    "disable",
    "show_",
    "allow",
    "require",
    "valid",
    "num_",
    "n_",
    "default_",
    "token_type",
    "tokenizer",
    "csrf",
    "xsrf",
    "next_",
    "page_",
    "continuation",
    "sync_",
    "cursor",
    "pagination",
    "forgot",
    "reset_",
    "confirm",
];

fn key_ok(key: &[u8]) -> bool {
    let norm: Vec<u8> = key
        .iter()
        .map(|b| match b {
            b'-' | b'.' => b'_',
            _ => b.to_ascii_lowercase(),
        })
        .collect();
    let norm = String::from_utf8_lossy(&norm);
    let norm = norm.trim_matches(|c| c == '_' || c == '"' || c == '\'');
    !NOT_SECRET_SUFFIXES.iter().any(|s| norm.ends_with(s))
        && !NOT_SECRET_PREFIXES.iter().any(|p| norm.starts_with(p))
}

/// Prefixes of formats whose checksum the specific rules verify: a value
/// with one of these that the specific rule rejected is a fake or test token.
const CHECKSUMMED_PREFIXES: &[&[u8]] = &[
    b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"npm_", b"pypi-",
];

fn checksummed_format(value: &[u8]) -> bool {
    CHECKSUMMED_PREFIXES.iter().any(|p| value.starts_with(p))
}

fn quoted_assignment(c: &Candidate<'_>) -> bool {
    !checksummed_format(c.secret) && generic_value_ok(c.secret, MIN_ENTROPY)
}

fn config_value(c: &Candidate<'_>) -> bool {
    !checksummed_format(c.secret) && generic_value_ok(c.secret, MIN_ENTROPY)
}

/// Words that make a name secret-like, matched case-insensitively anywhere
/// inside a longer name (`DB_PASSWORD`, `clientSecret`, `x-api-key`). They are
/// the rules' keywords: the engine's one keyword pass finds them.
const NAME_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "api.key",
    "accesskey",
    "access_key",
    "access-key",
    "access.key",
    "authkey",
    "auth_key",
    "auth-key",
    "auth.key",
    "privatekey",
    "private_key",
    "private-key",
    "private.key",
    "signingkey",
    "signing_key",
    "signing-key",
    "signing.key",
    "encryptionkey",
    "encryption_key",
    "encryption-key",
    "encryption.key",
];

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Byte spans of names holding a secret-like word: each keyword hit extended
/// over name characters (up to 40 before and 20 after the word). The cost
/// follows the number of such names, not the size of the text. Callers check
/// [`key_ok`] only for names followed by an assignment (the cheaper test
/// first: most such names in code are not assigned a literal).
fn secret_names(chunk: &Chunk<'_>) -> Vec<(usize, usize)> {
    let text = chunk.text;
    let mut out = Vec::new();
    let mut last_end = 0;
    for &(word_start, word_end) in chunk.keyword_hits {
        if word_start < last_end || word_end > text.len() {
            continue;
        }
        let mut start = word_start;
        let floor = word_start.saturating_sub(40);
        while start > floor && key_byte(text[start - 1]) {
            start -= 1;
        }
        let mut end = word_end;
        let ceiling = (word_end + 20).min(text.len());
        while end < ceiling && key_byte(text[end]) {
            end += 1;
        }
        last_end = end;
        out.push((start, end));
    }
    out
}

fn line_end(text: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &text[from..]).map_or(text.len(), |i| from + i)
}

fn anchored(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| compile(pattern).ok()).as_ref()
}

/// `name = "value"`, `"name": "value"`, `name => 'value'`, `name is "value"`.
fn quoted_values(chunk: &Chunk<'_>, out: &mut Vec<(usize, usize)>) {
    let text = chunk.text;
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = anchored(
        &RE,
        r#"^["'`]?\s*(?::=|=>|=|:|\bis\b)\s*(?:[A-Za-z]*\()?\s*@?["'`]([^"'`\s\\]{8,200})["'`]"#,
    ) else {
        return;
    };
    for (key_start, key_end) in secret_names(chunk) {
        let tail = &text[key_end..line_end(text, key_end)];
        if let Some(m) = re.captures(tail).and_then(|c| c.get(1))
            && key_ok(&text[key_start..key_end])
        {
            out.push((key_end + m.start(), key_end + m.end()));
        }
    }
}

/// A whole line `[export |- |set ]NAME=value` or `NAME: value`, value unquoted.
fn config_values(chunk: &Chunk<'_>, out: &mut Vec<(usize, usize)>) {
    let text = chunk.text;
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = anchored(
        &RE,
        r#"^(?:[ \t]*=[ \t]*|:[ \t]+)([^\s"'`#;,(){}\[\]:=][^\s"'`#;,(){}\[\]]{7,199})[ \t]*(?:[ \t]#.*)?\r?$"#,
    ) else {
        return;
    };
    for (key_start, key_end) in secret_names(chunk) {
        let line_start = memchr::memrchr(b'\n', &text[..key_start]).map_or(0, |i| i + 1);
        if !line_prefix_ok(&text[line_start..key_start]) {
            continue;
        }
        let tail = &text[key_end..line_end(text, key_end)];
        if let Some(m) = re.captures(tail).and_then(|c| c.get(1))
            && key_ok(&text[key_start..key_end])
        {
            out.push((key_end + m.start(), key_end + m.end()));
        }
    }
}

/// What may stand before the name on its line: indentation, then optionally
/// `export `, `- ` (a YAML list item) or `set `.
fn line_prefix_ok(prefix: &[u8]) -> bool {
    let rest = prefix.trim_ascii_start();
    if rest.is_empty() {
        return true;
    }
    [&b"export"[..], b"-", b"set"].iter().any(|word| {
        rest.strip_prefix(*word)
            .is_some_and(|r| !r.is_empty() && r.iter().all(|b| matches!(b, b' ' | b'\t')))
    })
}

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "generic-secret-assignment",
        name: "hard-coded secret in a string literal",
        doc: secret_doc!(
            "Finds a quoted string literal assigned to a name that says password, secret, token or key (`db_password = \"...\"`, `\"apiKey\": \"...\"`, `clientSecret: '...'`), when the value looks random: at least 8 characters, Shannon entropy of at least 3.0 bits per character, two or more character classes, and not a placeholder (`changeme`, `<token>`, `${VAR}`, `xxxx`, `your_key_here`), a reference (`$VAR`, `process.env...`), a word or identifier, or a test value (`test`, `dummy`, `example`). Names about a secret rather than holding one (`password_field`, `token_url`, `secret_name`, `max_token_length`) are ignored.",
            "A hard-coded credential ships with every clone, fork, build log and container image of the code, and is rarely rotated.",
            "db_password = \"<random 18 characters>\"",
            "db_password = os.environ[\"DB_PASSWORD\"]"
        ),
        severity: Severity::Error,
        keywords: NAME_WORDS,
        matcher: Matcher::Custom(quoted_values),
        min_entropy: 0.0,
        verify: Some(quoted_assignment),
        generic: true,
        revoke: "Rotate the credential wherever it is issued, and read it from the environment or a secret store.",
    },
    SecretRule {
        id: "generic-secret-config",
        name: "secret value in a configuration file",
        doc: secret_doc!(
            "Finds unquoted values of secret-named keys in `.env`, `.properties`, YAML and INI-style lines (`API_SECRET=...`, `db.password=...`, `  token: ...`): the whole line is the assignment and the value passes the same randomness and placeholder filters as `generic-secret-assignment`.",
            "Configuration files are copied into images, attached to tickets and pasted into chats; a live value in one travels with them.",
            "API_SECRET=<random 20 characters>",
            "API_SECRET=   # set in the deployment's secret store"
        ),
        severity: Severity::Error,
        keywords: NAME_WORDS,
        matcher: Matcher::Custom(config_values),
        min_entropy: 0.0,
        verify: Some(config_value),
        generic: true,
        revoke: "Rotate the credential and inject it at deploy time instead of committing it.",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, Rng};

    #[test]
    fn quoted_assignments() {
        let mut rng = Rng::new(22);
        let v = format!("{}7{}", rng.string(ALNUM, 9), rng.string(ALNUM, 8));
        for line in [
            format!("db_password = \"{v}\""),
            format!("\"apiKey\": \"{v}\","),
            format!("const clientSecret = '{v}';"),
            format!("PASSWORD := \"{v}\""),
            format!(":secret_token => \"{v}\""),
        ] {
            assert_finds("generic-secret-assignment", &line, &v);
        }
        for near in [
            "password = \"changeme\"",
            "password = \"${DB_PASSWORD}\"",
            "token = \"access_token\"",
            "password_field = \"q7Xv9LmT2rB8kW4n\"",
            "token_url = \"q7Xv9LmT2rB8kW4n\"",
            "max_token_length = \"q7Xv9LmT2rB8kW4n\"",
            "secret = \"test-secret-value-1\"",
            "api_key = \"your_api_key_here\"",
            "password = \"aaaaaaaaaaaa\"",
            "name = \"q7Xv9LmT2rB8kW4n\"",
            "password = getPassword()",
            "let encoded_signing_key = \"[62,70,27,163,92,182,11,3,77]\";",
            "- Rename `From/ToPrivateKey` => `DecodePrivateKey`",
        ] {
            assert_ignores("generic-secret-assignment", near);
        }
    }

    #[test]
    fn config_values() {
        let mut rng = Rng::new(23);
        let v = format!("{}4{}", rng.string(ALNUM, 11), rng.string(ALNUM, 8));
        for line in [
            format!("API_SECRET={v}"),
            format!("export DB_PASSWORD={v}"),
            format!("spring.datasource.password={v}"),
            format!("  client_secret: {v}"),
        ] {
            assert_finds("generic-secret-config", &line, &v);
        }
        for near in [
            "API_SECRET=",
            "DB_PASSWORD=${DB_PASSWORD}",
            "spring.datasource.password=changeme",
            "password: password123",
            "  token: some_identifier_name",
            "SECRET_KEY_FILE=/run/secrets/key1234",
            "let token = compute(a, b)",
            "    password = self.get_password()",
            "                TokenType::FlowSequenceStart",
            "        PasswordError::InvalidCharacter",
            "token:value1234abcd",
        ] {
            assert_ignores("generic-secret-config", near);
        }
    }
}
