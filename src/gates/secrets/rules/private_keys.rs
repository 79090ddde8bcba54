//! Private key material: PEM blocks (PKCS#1, PKCS#8, SEC1, DSA, encrypted),
//! OpenSSH keys, PGP private key blocks and PuTTY key files. A header alone
//! (in docs or parsers) is not reported: key material must follow it.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

pub static RULES: &[SecretRule] = &[SecretRule {
    id: "private-key",
    name: "private key",
    doc: secret_doc!(
        "Finds private keys: `-----BEGIN ... PRIVATE KEY-----` (RSA, EC, DSA, OpenSSH, encrypted PKCS#8, PGP `PRIVATE KEY BLOCK`) followed by at least 40 characters of base64 key material, also inside JSON strings with `\\n` escapes, and PuTTY `PuTTY-User-Key-File` blocks. The first line of key material is what is fingerprinted.",
        "A private key is an identity: it signs commits and tokens, decrypts traffic and logs into servers. Unlike a token it often cannot be revoked centrally.",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE<...>\n-----END RSA PRIVATE KEY-----",
        "Load the key from a file outside the repository, a secret store or an agent; commit only the public key."
    ),
    severity: Severity::Error,
    keywords: &["private key", "putty-user-key-file"],
    matcher: Matcher::Regex(
        r"(?:-----BEGIN[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn])*(?:[A-Za-z][A-Za-z-]*: ?[^\r\n\\]*(?:\r?\n|\\r\\n|\\n)(?:\s|\\[rn])*)*|PuTTY-User-Key-File-[0-9]: [^\r\n]*\r?\n(?:[A-Za-z-]+: [^\r\n]*\r?\n)*?Private-Lines: [0-9]+\r?\n)([A-Za-z0-9+/]{40,}={0,2})",
    ),
    min_entropy: 4.0,
    verify: None,
    generic: false,
    revoke: "Treat the key as compromised: replace it (new key pair, new certificate), remove the public key from every place that trusts it.",
}];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, B64, Rng};

    #[test]
    fn pem_blocks_with_material() {
        let mut rng = Rng::new(19);
        for label in ["RSA ", "", "EC ", "OPENSSH ", "ENCRYPTED "] {
            let pem = synth::pem_private_key(&mut rng, label);
            let first = pem.lines().nth(1).unwrap_or_default().to_string();
            assert_finds("private-key", &pem, &first);
        }
        // Escaped inside JSON (service-account key files).
        let body = rng.string(B64, 64);
        let json = format!(
            "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\""
        );
        assert_finds("private-key", &json, &body);
        // Encrypted legacy PEM with headers.
        let body = rng.string(B64, 64);
        let enc = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00AA\n\n{body}\n"
        );
        assert_finds("private-key", &enc, &body);
        let pgp_body = rng.string(B64, 64);
        let pgp = format!("-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n\n{pgp_body}\n");
        assert_finds("private-key", &pgp, &pgp_body);
    }

    #[test]
    fn headers_without_material_are_not_keys() {
        assert_ignores(
            "private-key",
            "if line == \"-----BEGIN RSA PRIVATE KEY-----\" {",
        );
        assert_ignores(
            "private-key",
            "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        );
        assert_ignores(
            "private-key",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        );
        assert_ignores(
            "private-key",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n",
        );
    }
}
