//! Key stores added as files: PKCS#12 (`.p12`, `.pfx`), Java key stores
//! (`.jks`, `.keystore`, `.bks`) and PuTTY/OpenSSH key files by name. These are
//! usually binary, so no content rule can see inside; their path is the hint.

use crate::finding::Severity;
use crate::gates::GateId;
use crate::rules::RuleInfo;
use crate::secret_doc;

pub const RULE: RuleInfo = RuleInfo {
    id: "keystore-file",
    gate: GateId::Secrets,
    default_severity: Severity::Warning,
    summary: "A key store or private key file (.p12, .pfx, .jks, .keystore, .ppk, id_rsa, ...) was added",
    doc: secret_doc!(
        "Reports added files whose name says they hold private keys: PKCS#12 bundles (`.p12`, `.pfx`), Java/Bouncy Castle key stores (`.jks`, `.keystore`, `.bks`), PuTTY keys (`.ppk`) and OpenSSH default key names (`id_rsa`, `id_ecdsa`, `id_ed25519`, `id_dsa`). Content is not inspected (these files are usually binary and password-protected).",
        "A key store holds private keys; its password is often the default (`changeit`) or sits in the same repository.",
        "git add certs/server.p12",
        "Keep key stores in a secret store and mount them at run time; commit only certificates (public)."
    ),
};

/// Whether `path` names a key store or private key file.
pub fn is_keystore_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let by_ext = [".p12", ".pfx", ".jks", ".keystore", ".bks", ".ppk"]
        .iter()
        .any(|e| name.ends_with(e));
    let by_name = ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(&name.as_str());
    by_ext || by_name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystore_names() {
        assert!(is_keystore_path("certs/server.p12"));
        assert!(is_keystore_path("a/b/KEYS.PFX"));
        assert!(is_keystore_path(".ssh/id_ed25519"));
        assert!(!is_keystore_path(".ssh/id_ed25519.pub"));
        assert!(!is_keystore_path("src/keystore.rs"));
    }
}
