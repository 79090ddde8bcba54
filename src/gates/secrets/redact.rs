//! Redaction at the source: the only form in which a detected secret leaves
//! the scanner. A [`Redacted`] holds a short preview (a few leading
//! characters, none for short secrets), the length, and a salted SHA-256
//! that identifies the secret in fingerprints and baselines. The secret
//! bytes themselves are never stored in a finding, a note, a log or a report.

use sha2::{Digest, Sha256};
use std::fmt;

/// Domain-separation salt for secret hashes. Fixed, so that baselines work
/// across machines and runs; it keeps the hashes from matching plain SHA-256
/// lookup tables of leaked credentials.
const SALT: &[u8] = b"shipgate/secrets/v1\0";

/// What may be shown about a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// Up to 4 leading printable ASCII characters (fewer for short secrets).
    pub preview: String,
    /// Length in bytes.
    pub len: usize,
    /// Hex SHA-256 of the salt and the secret.
    pub hash: String,
}

/// How many leading characters may be shown for a secret of `len` bytes:
/// 4 for 24 and more, 2 for 12 to 23, none below.
pub fn preview_len(len: usize) -> usize {
    match len {
        24.. => 4,
        12..=23 => 2,
        _ => 0,
    }
}

/// Redact `secret`.
pub fn redact(secret: &[u8]) -> Redacted {
    let mut hasher = Sha256::new();
    hasher.update(SALT);
    hasher.update(secret);
    let hash = hex::encode(hasher.finalize());
    let preview: String = secret
        .iter()
        .take(preview_len(secret.len()))
        .take_while(|b| b.is_ascii_graphic())
        .map(|&b| char::from(b))
        .collect();
    Redacted {
        preview,
        len: secret.len(),
        hash,
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}…` ({} characters, salted sha256 {})",
            self.preview,
            self.len,
            &self.hash[..12]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_never_shows_more_than_four_characters() {
        let r = redact(b"abcdefghijklmnopqrstuvwxyz0123");
        assert_eq!(r.preview, "abcd");
        assert_eq!(r.len, 30);
        let shown = r.to_string();
        assert!(!shown.contains("abcde"), "{shown}");
        assert_eq!(redact(b"short-pw").preview, "");
        assert_eq!(redact(b"medium-secret").preview, "me");
    }

    #[test]
    fn hash_is_stable_salted_and_distinct() {
        assert_eq!(redact(b"x1").hash, redact(b"x1").hash);
        assert_ne!(redact(b"x1").hash, redact(b"x2").hash);
        // Not the plain SHA-256 of the secret.
        assert_ne!(redact(b"x1").hash, hex::encode(Sha256::digest(b"x1")));
    }
}
