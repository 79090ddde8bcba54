//! Package and model registries: npm access tokens (CRC32 checksum), PyPI
//! upload tokens (macaroon structure), Docker Hub and Hugging Face tokens.

use crate::finding::Severity;
use crate::gates::secrets::checksum::{crc32_base62_tail, pypi_macaroon};
use crate::gates::secrets::rule::{Candidate, Matcher, SecretRule};
use crate::secret_doc;

fn npm_checksum(c: &Candidate<'_>) -> bool {
    c.secret.get(4..).is_some_and(crc32_base62_tail)
}

fn macaroon(c: &Candidate<'_>) -> bool {
    c.secret.get(5..).is_some_and(pypi_macaroon)
}

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "npm-access-token",
        name: "npm access token",
        doc: secret_doc!(
            "Finds npm access tokens: `npm_`, 30 base62 characters and a 6-character base62 CRC32 of them; the checksum is verified.",
            "A publish token lets anyone release a new version of your packages: a supply-chain attack on every user.",
            "//registry/:_authToken=npm_<36 characters>",
            "//registry/:_authToken=${NPM_TOKEN}"
        ),
        severity: Severity::Error,
        keywords: &["npm_"],
        matcher: Matcher::Regex(r"\b(npm_[A-Za-z0-9]{36})\b"),
        min_entropy: 0.0,
        verify: Some(npm_checksum),
        generic: false,
        revoke: "Delete the token in the npm website's Access Tokens page (or `npm token revoke`).",
    },
    SecretRule {
        id: "pypi-upload-token",
        name: "PyPI API token",
        doc: secret_doc!(
            "Finds PyPI (and TestPyPI) API tokens: `pypi-` followed by a base64url macaroon; the decoded header must be a version-2 macaroon with a location and an identifier.",
            "An upload token publishes new releases of your projects (or of every project, for account-wide tokens).",
            "password = pypi-AgEI<...>",
            "password = ${PYPI_TOKEN}   # better: trusted publishing, no token at all"
        ),
        severity: Severity::Error,
        keywords: &["pypi-ag"],
        matcher: Matcher::Regex(r"\b(pypi-Ag[A-Za-z0-9_-]{60,})"),
        min_entropy: 0.0,
        verify: Some(macaroon),
        generic: false,
        revoke: "Remove the token in the PyPI account's API tokens page.",
    },
    SecretRule {
        id: "dockerhub-token",
        name: "Docker Hub access token",
        doc: secret_doc!(
            "Finds Docker Hub personal (`dckr_pat_`) and organisation (`dckr_oat_`) access tokens.",
            "A Docker Hub token pushes images under your namespace: anyone pulling them runs what the holder pushed.",
            "DOCKERHUB_TOKEN=dckr_pat_<27 characters>",
            "DOCKERHUB_TOKEN from the CI's secret store"
        ),
        severity: Severity::Error,
        keywords: &["dckr_pat_", "dckr_oat_"],
        matcher: Matcher::Regex(r"\b(dckr_[po]at_[A-Za-z0-9_-]{27,})(?:[^A-Za-z0-9_-]|$)"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Delete the token in Docker Hub (Account settings > Personal access tokens).",
    },
    SecretRule {
        id: "huggingface-token",
        name: "Hugging Face access token",
        doc: secret_doc!(
            "Finds Hugging Face user access tokens (`hf_` + 34 letters) and organisation API tokens (`api_org_` + 34 letters).",
            "A write token pushes models and datasets under your name; a read token reads private repositories.",
            "HF_TOKEN=hf_<34 letters>",
            "HF_TOKEN from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["hf_", "api_org_"],
        matcher: Matcher::Regex(r"\b((?:hf_|api_org_)[A-Za-z]{34})\b"),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Invalidate the token in the Hugging Face settings (Access Tokens).",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, B64URL, LETTERS, Rng};

    #[test]
    fn npm_needs_checksum() {
        let mut rng = Rng::new(12);
        let t = synth::npm(&mut rng);
        assert_finds("npm-access-token", &format!("_authToken={t}"), &t);
        let mut bad = t.clone().into_bytes();
        bad[6] = if bad[6] == b'A' { b'B' } else { b'A' };
        assert_ignores(
            "npm-access-token",
            &format!("_authToken={}", String::from_utf8_lossy(&bad)),
        );
    }

    #[test]
    fn pypi_needs_macaroon_structure() {
        let mut rng = Rng::new(13);
        let t = synth::pypi(&mut rng);
        assert_finds("pypi-upload-token", &format!("password = {t}"), &t);
        // Right prefix, random tail: not a macaroon.
        let fake = format!("pypi-Ag{}", rng.string(B64URL, 80));
        assert_ignores("pypi-upload-token", &format!("password = {fake}"));
    }

    #[test]
    fn docker_and_hugging_face() {
        let mut rng = Rng::new(14);
        let d = format!("dckr_pat_{}", rng.string(B64URL, 27));
        assert_finds("dockerhub-token", &format!("T={d}"), &d);
        assert_ignores(
            "dockerhub-token",
            &format!("T=dckr_pat_{}", rng.string(B64URL, 20)),
        );
        let h = format!("hf_{}", rng.string(LETTERS, 34));
        assert_finds("huggingface-token", &format!("T={h}"), &h);
        assert_ignores(
            "huggingface-token",
            &format!("T=hf_{}", rng.string(LETTERS, 33)),
        );
        assert_ignores(
            "huggingface-token",
            "T=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        );
    }
}
