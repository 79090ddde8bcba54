//! Where the signing key comes from: `--signing-key FILE`, or the environment
//! variable `SHIPGATE_SIGNING_KEY` (the CI secret case).
//!
//! Owns: choosing the source, reading it, and the errors when a key is
//! required but missing. The variable may hold the PEM text itself, the
//! base64 of the PEM text (for CI systems that mask only one-line values), or
//! a path to a file (GitLab's file-type variables hold a path). The value is
//! a secret: it is never printed, not even in part.

use super::keys::PrivateKey;
use base64::Engine as _;
use std::ffi::OsString;
use std::path::Path;

/// The environment variable that may hold the signing key.
pub const SIGNING_KEY_ENV: &str = "SHIPGATE_SIGNING_KEY";

/// A key ready to sign, with where it came from (for messages).
#[derive(Debug)]
pub struct SigningKey {
    pub key: PrivateKey,
    pub origin: String,
}

/// The signing key from `file`, else from the variable's value `env_value`.
/// `Ok(None)`: no key and none required (the report goes out unsigned).
pub fn load(
    file: Option<&Path>,
    env_value: Option<OsString>,
    required: bool,
) -> anyhow::Result<Option<SigningKey>> {
    if let Some(file) = file {
        let origin = file.display().to_string();
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{origin}: cannot read the signing key: {e}"))?;
        let key = PrivateKey::from_pem(&text, &origin)?;
        return Ok(Some(SigningKey { key, origin }));
    }
    let set_but_empty = env_value
        .as_ref()
        .is_some_and(|v| v.to_string_lossy().trim().is_empty());
    if let Some(value) = env_value.filter(|v| !v.to_string_lossy().trim().is_empty()) {
        let Some(value) = value.to_str() else {
            anyhow::bail!("{SIGNING_KEY_ENV}: not UTF-8 text; it must hold a PEM private key");
        };
        let origin = SIGNING_KEY_ENV.to_string();
        let pem = pem_from_env_value(value)?;
        let key = PrivateKey::from_pem(&pem, &origin)?;
        return Ok(Some(SigningKey { key, origin }));
    }
    if required {
        anyhow::bail!(
            "signing is required (--require-signature) but no key was given{}: pass \
             --signing-key FILE, or set {SIGNING_KEY_ENV} to the PEM text of a PKCS#8 private key \
             (from a CI secret; note that pull requests from forks get no secrets)",
            if set_but_empty {
                format!(" ({SIGNING_KEY_ENV} is set but empty)")
            } else {
                String::new()
            }
        );
    }
    Ok(None)
}

/// PEM text from the variable: the text itself, its base64, or a file it names.
fn pem_from_env_value(value: &str) -> anyhow::Result<String> {
    if value.contains("-----BEGIN ") {
        return Ok(value.to_string());
    }
    let compact: String = value.split_whitespace().collect();
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
        && let Ok(text) = String::from_utf8(bytes)
        && text.contains("-----BEGIN ")
    {
        return Ok(text);
    }
    let path = Path::new(value.trim());
    if value.len() < 4096 && path.is_file() {
        return std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("{SIGNING_KEY_ENV} names a file that cannot be read: {e}")
        });
    }
    anyhow::bail!(
        "{SIGNING_KEY_ENV} does not hold a PEM key: expected the text of a PKCS#8 private key \
         (`-----BEGIN PRIVATE KEY-----` ...), its base64, or the path of a file holding it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::keys::Algorithm;

    fn pem() -> (PrivateKey, String) {
        let key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        (key, pem)
    }

    #[test]
    fn env_value_may_be_pem_base64_or_a_file() {
        let (key, pem) = pem();
        let id = key.public_key().keyid();
        let from = |v: &str| {
            load(None, Some(v.into()), true)
                .unwrap()
                .unwrap()
                .key
                .public_key()
                .keyid()
        };
        assert_eq!(from(&pem), id);
        assert_eq!(from(&pem.replace('\n', "\r\n")), id);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pem);
        assert_eq!(from(&b64), id);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        std::fs::write(&file, &pem).unwrap();
        assert_eq!(from(file.to_str().unwrap()), id);
    }

    #[test]
    fn the_file_wins_over_the_variable() {
        let (key, pem) = pem();
        let (_, other) = pem_pair_other();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        std::fs::write(&file, &pem).unwrap();
        let got = load(Some(&file), Some(other.into()), false)
            .unwrap()
            .unwrap();
        assert_eq!(got.key.public_key().keyid(), key.public_key().keyid());
    }

    fn pem_pair_other() -> (PrivateKey, String) {
        pem()
    }

    #[test]
    fn missing_key_is_an_error_only_when_required() {
        assert!(load(None, None, false).unwrap().is_none());
        assert!(load(None, Some("  ".into()), false).unwrap().is_none());
        let err = load(None, None, true).unwrap_err().to_string();
        assert!(err.contains("signing is required"), "{err}");
        let err = load(None, Some("".into()), true).unwrap_err().to_string();
        assert!(err.contains("is set but empty"), "{err}");
    }

    #[test]
    fn a_bad_value_is_not_echoed() {
        let secret = "not-a-key-but-secret-looking-value-123";
        let err = load(None, Some(secret.into()), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not hold a PEM key"), "{err}");
        assert!(!err.contains(secret), "{err}");
    }
}
