//! GitHub tokens. Classic formats (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`)
//! are a prefix, 30 random base62 characters and a 6-character base62
//! CRC32 of those 30: the checksum is verified. Fine-grained tokens
//! (`github_pat_`, 22 + 59 characters) are matched by format.

use crate::finding::Severity;
use crate::gates::secrets::checksum::crc32_base62_tail;
use crate::gates::secrets::rule::{Candidate, Matcher, SecretRule};
use crate::secret_doc;

fn checksum(c: &Candidate<'_>) -> bool {
    c.secret.get(4..).is_some_and(crc32_base62_tail)
}

const REVOKE: &str = "Revoke it in GitHub (Settings > Developer settings, or the app's settings) and issue a new one.";

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "github-personal-access-token",
        name: "GitHub personal access token (classic)",
        doc: secret_doc!(
            "Finds GitHub classic personal access tokens (`ghp_` + 36 base62 characters) whose CRC32 checksum tail verifies.",
            "A classic PAT acts as its owner on every repository and organisation the owner can reach, until revoked. Anyone who can read the repository, its forks or its history can use it.",
            "GITHUB_TOKEN=ghp_<36 base62 characters>",
            "GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}   # injected by CI, never committed"
        ),
        severity: Severity::Error,
        keywords: &["ghp_"],
        matcher: Matcher::Regex(r"\b(ghp_[A-Za-z0-9]{36})\b"),
        min_entropy: 0.0,
        verify: Some(checksum),
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "github-oauth-token",
        name: "GitHub OAuth access token",
        doc: secret_doc!(
            "Finds GitHub OAuth access tokens (`gho_` + 36 base62 characters) whose CRC32 checksum tail verifies.",
            "An OAuth token acts as the user who authorised the app, with the app's scopes.",
            "oauth_token: gho_<36 base62 characters>",
            "oauth_token: ${GITHUB_OAUTH_TOKEN}"
        ),
        severity: Severity::Error,
        keywords: &["gho_"],
        matcher: Matcher::Regex(r"\b(gho_[A-Za-z0-9]{36})\b"),
        min_entropy: 0.0,
        verify: Some(checksum),
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "github-app-token",
        name: "GitHub App user-to-server or installation token",
        doc: secret_doc!(
            "Finds GitHub App tokens (`ghu_` user-to-server, `ghs_` server-to-server/installation; 36 base62 characters) whose CRC32 checksum tail verifies.",
            "App tokens act with the app's permissions on every installed repository until they expire or are revoked.",
            "token = 'ghs_<36 base62 characters>'",
            "token = os.environ['GH_APP_TOKEN']"
        ),
        severity: Severity::Error,
        keywords: &["ghu_", "ghs_"],
        matcher: Matcher::Regex(r"\b(gh[us]_[A-Za-z0-9]{36})\b"),
        min_entropy: 0.0,
        verify: Some(checksum),
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "github-refresh-token",
        name: "GitHub refresh token",
        doc: secret_doc!(
            "Finds GitHub App refresh tokens (`ghr_` + 36 base62 characters) whose CRC32 checksum tail verifies.",
            "A refresh token mints new user-to-server tokens for months.",
            "refresh=ghr_<36 base62 characters>",
            "refresh=${GH_REFRESH_TOKEN}"
        ),
        severity: Severity::Error,
        keywords: &["ghr_"],
        matcher: Matcher::Regex(r"\b(ghr_[A-Za-z0-9]{36})\b"),
        min_entropy: 0.0,
        verify: Some(checksum),
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "github-fine-grained-token",
        name: "GitHub fine-grained personal access token",
        doc: secret_doc!(
            "Finds GitHub fine-grained personal access tokens: `github_pat_`, 22 base62 characters, `_`, 59 base62 characters. The format is checked; GitHub does not document its checksum, so none is verified.",
            "A fine-grained PAT acts as its owner on the repositories it was granted.",
            "export GH_PAT=github_pat_<22 characters>_<59 characters>",
            "export GH_PAT=\"$(gh auth token)\""
        ),
        severity: Severity::Error,
        keywords: &["github_pat_"],
        matcher: Matcher::Regex(r"\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b"),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, Rng};

    #[test]
    fn classic_tokens_need_a_valid_checksum() {
        let mut rng = Rng::new(1);
        for (kind, rule) in [
            ('p', "github-personal-access-token"),
            ('o', "github-oauth-token"),
            ('u', "github-app-token"),
            ('s', "github-app-token"),
            ('r', "github-refresh-token"),
        ] {
            let token = synth::github(&mut rng, kind);
            assert_finds(rule, &format!("TOKEN=\"{token}\""), &token);
            // One character changed: the checksum no longer verifies.
            let mut bad = token.clone().into_bytes();
            bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
            let bad = String::from_utf8(bad).unwrap_or_default();
            assert_ignores(rule, &format!("TOKEN=\"{bad}\""));
            // Too long: part of a longer word.
            assert_ignores(rule, &format!("TOKEN={token}x"));
            // Too short.
            assert_ignores(rule, &format!("TOKEN={}", &token[..39]));
        }
    }

    #[test]
    fn fine_grained_token_format() {
        let mut rng = Rng::new(2);
        let token = format!(
            "github_pat_{}_{}",
            rng.string(synth::ALNUM, 22),
            rng.string(synth::ALNUM, 59)
        );
        assert_finds(
            "github-fine-grained-token",
            &format!("pat: {token}"),
            &token,
        );
        let short = format!(
            "github_pat_{}_{}",
            rng.string(synth::ALNUM, 22),
            rng.string(synth::ALNUM, 40)
        );
        assert_ignores("github-fine-grained-token", &format!("pat: {short}"));
        assert_ignores("github-fine-grained-token", "github_pat_<token>");
    }
}
