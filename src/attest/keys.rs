//! Signing keys: Ed25519 and ECDSA P-256, as PKCS#8 PEM private keys and SPKI
//! PEM public keys, with the keyid every signature carries.
//!
//! Owns: reading and writing key files, generating key pairs, the keyid
//! (hex SHA-256 of the public key's DER SubjectPublicKeyInfo), and raw
//! sign/verify of a message. Not for: what is signed (see `pae` and
//! `envelope`) or where a key comes from (see `key_source`).
//!
//! Never put key material into an error message: errors name the file and
//! what was expected, nothing else.

use p256::pkcs8::der::pem;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
    ObjectIdentifier, PrivateKeyInfoRef, spki::SubjectPublicKeyInfoRef,
};
use sha2::{Digest, Sha256};
use std::fmt;

/// The signature algorithms shipgate signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Algorithm {
    /// Ed25519 (RFC 8032): 64-byte signatures over the PAE bytes.
    Ed25519,
    /// ECDSA on NIST P-256 with SHA-256: ASN.1 DER signatures (as cosign and cloud KMS).
    P256,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::P256 => "ecdsa-p256-sha256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key file that cannot be used, with the reason (never the key material).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

impl KeyError {
    fn new(msg: impl Into<String>) -> KeyError {
        KeyError(msg.into())
    }
}

const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// A private key that signs.
pub enum PrivateKey {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, ***)", self.algorithm())
    }
}

/// A public key that verifies.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

/// What checking one signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    Valid,
    /// The bytes are not a signature of this key's algorithm at all.
    Malformed(String),
    /// A well-formed signature that does not verify over the message with this key.
    Mismatch,
}

impl PrivateKey {
    /// A fresh key pair from the operating system's random source.
    pub fn generate(algorithm: Algorithm) -> Result<PrivateKey, KeyError> {
        match algorithm {
            Algorithm::Ed25519 => {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed)
                    .map_err(|e| KeyError::new(format!("no random source: {e}")))?;
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                seed.fill(0);
                Ok(PrivateKey::Ed25519(key))
            }
            Algorithm::P256 => {
                // A uniformly random 32-byte string is a valid scalar except with
                // probability ~2^-32; retry the rare misses.
                for _ in 0..64 {
                    let mut bytes = [0u8; 32];
                    getrandom::fill(&mut bytes)
                        .map_err(|e| KeyError::new(format!("no random source: {e}")))?;
                    let key = p256::ecdsa::SigningKey::from_slice(&bytes);
                    bytes.fill(0);
                    if let Ok(key) = key {
                        return Ok(PrivateKey::P256(key));
                    }
                }
                Err(KeyError::new(
                    "the random source gave no valid P-256 scalar",
                ))
            }
        }
    }

    /// Read a private key from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`, Ed25519 or
    /// P-256) or SEC1 (`BEGIN EC PRIVATE KEY`, P-256). `origin` names the file or
    /// variable in messages.
    pub fn from_pem(text: &str, origin: &str) -> Result<PrivateKey, KeyError> {
        let (label, der) = first_key_block(text, origin)?;
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der, origin),
            "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&der)
                .map(|k| PrivateKey::P256(p256::ecdsa::SigningKey::from(k)))
                .map_err(|_| {
                    KeyError::new(format!(
                        "{origin}: not a P-256 SEC1 private key (only the P-256 curve is supported)"
                    ))
                }),
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::new(format!(
                "{origin}: the private key is encrypted; give an unencrypted PKCS#8 key \
                 (e.g. `openssl pkey -in KEY -out KEY.plain`) and keep it in a CI secret"
            ))),
            "PUBLIC KEY" => Err(KeyError::new(format!(
                "{origin}: is a public key; signing needs the private key (PKCS#8 `BEGIN PRIVATE KEY`)"
            ))),
            other => Err(KeyError::new(format!(
                "{origin}: a `{other}` PEM block is not supported; expected a PKCS#8 private key \
                 (`-----BEGIN PRIVATE KEY-----`, Ed25519 or ECDSA P-256)"
            ))),
        }
    }

    fn from_pkcs8_der(der: &[u8], origin: &str) -> Result<PrivateKey, KeyError> {
        let info = PrivateKeyInfoRef::try_from(der).map_err(|_| {
            KeyError::new(format!(
                "{origin}: not a valid PKCS#8 private key (bad DER)"
            ))
        })?;
        let oid = info.algorithm.oid;
        if oid == OID_ED25519 {
            ed25519_dalek::SigningKey::from_pkcs8_der(der)
                .map(PrivateKey::Ed25519)
                .map_err(|_| KeyError::new(format!("{origin}: not a valid Ed25519 PKCS#8 key")))
        } else if oid == OID_EC_PUBLIC_KEY {
            p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(PrivateKey::P256)
                .map_err(|_| {
                    KeyError::new(format!(
                        "{origin}: an EC key that is not a valid P-256 key (only the P-256 curve \
                         is supported, e.g. `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`)"
                    ))
                })
        } else {
            Err(KeyError::new(format!(
                "{origin}: {} keys are not supported; use Ed25519 or ECDSA P-256 (`shipgate keygen`)",
                algorithm_name(oid)
            )))
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            PrivateKey::Ed25519(_) => Algorithm::Ed25519,
            PrivateKey::P256(_) => Algorithm::P256,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
            PrivateKey::P256(k) => PublicKey::P256(*k.verifying_key()),
        }
    }

    /// Sign `message`: Ed25519 signs it directly; P-256 signs its SHA-256 (DER signature).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        match self {
            PrivateKey::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(k, message);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    /// PKCS#8 PEM (v1, without the optional public key, as `openssl genpkey` writes).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let doc = match self {
            PrivateKey::Ed25519(k) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: k.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
        };
        doc.map(|pem| pem.to_string())
            .map_err(|e| KeyError::new(format!("cannot encode the private key: {e}")))
    }
}

impl PublicKey {
    /// Read an SPKI PEM public key (`BEGIN PUBLIC KEY`, Ed25519 or P-256).
    pub fn from_pem(text: &str, origin: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = first_key_block(text, origin)?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der, origin),
            "PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                Err(KeyError::new(format!(
                    "{origin}: is a private key; verifying needs only the public key \
                 (the .pub file `shipgate keygen` wrote, or `openssl pkey -in KEY -pubout`)"
                )))
            }
            other => Err(KeyError::new(format!(
                "{origin}: a `{other}` PEM block is not supported; expected a public key \
                 (`-----BEGIN PUBLIC KEY-----`, Ed25519 or ECDSA P-256)"
            ))),
        }
    }

    fn from_spki_der(der: &[u8], origin: &str) -> Result<PublicKey, KeyError> {
        let info = SubjectPublicKeyInfoRef::try_from(der).map_err(|_| {
            KeyError::new(format!(
                "{origin}: not a valid SubjectPublicKeyInfo (bad DER)"
            ))
        })?;
        let oid = info.algorithm.oid;
        if oid == OID_ED25519 {
            ed25519_dalek::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::Ed25519)
                .map_err(|_| KeyError::new(format!("{origin}: not a valid Ed25519 public key")))
        } else if oid == OID_EC_PUBLIC_KEY {
            p256::ecdsa::VerifyingKey::from_public_key_der(der)
                .map(PublicKey::P256)
                .map_err(|_| {
                    KeyError::new(format!(
                        "{origin}: an EC public key that is not a valid P-256 key (only P-256 is supported)"
                    ))
                })
        } else {
            Err(KeyError::new(format!(
                "{origin}: {} keys are not supported; use Ed25519 or ECDSA P-256",
                algorithm_name(oid)
            )))
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
            PublicKey::P256(_) => Algorithm::P256,
        }
    }

    /// The DER SubjectPublicKeyInfo (P-256 points uncompressed).
    pub fn spki_der(&self) -> Vec<u8> {
        let doc = match self {
            PublicKey::Ed25519(k) => k.to_public_key_der(),
            PublicKey::P256(k) => k.to_public_key_der(),
        };
        // Encoding a valid in-memory key into a growable buffer does not fail.
        doc.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// The keyid: lowercase hex SHA-256 of [`Self::spki_der`].
    pub fn keyid(&self) -> String {
        hex::encode(Sha256::digest(self.spki_der()))
    }

    pub fn to_pem(&self) -> String {
        pem::encode_string("PUBLIC KEY", LineEnding::LF, &self.spki_der()).unwrap_or_default()
    }

    /// Check `signature` over `message`. Ed25519 uses strict verification
    /// (canonical S, no small-order keys); P-256 takes a DER signature and
    /// accepts high-S values, as OpenSSL produces them.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> SignatureCheck {
        match self {
            PublicKey::Ed25519(k) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return SignatureCheck::Malformed(format!(
                        "an Ed25519 signature has 64 bytes, this one has {}",
                        signature.len()
                    ));
                };
                match k.verify_strict(message, &sig) {
                    Ok(()) => SignatureCheck::Valid,
                    Err(_) => SignatureCheck::Mismatch,
                }
            }
            PublicKey::P256(k) => {
                let Ok(sig) = p256::ecdsa::Signature::from_der(signature) else {
                    return SignatureCheck::Malformed(
                        "not an ASN.1 DER ECDSA P-256 signature (SEQUENCE of two INTEGERs)".into(),
                    );
                };
                match p256::ecdsa::signature::Verifier::verify(k, message, &sig) {
                    Ok(()) => SignatureCheck::Valid,
                    Err(_) => SignatureCheck::Mismatch,
                }
            }
        }
    }
}

fn algorithm_name(oid: ObjectIdentifier) -> String {
    if oid == OID_RSA {
        "RSA".into()
    } else if oid == OID_ED448 {
        "Ed448".into()
    } else {
        format!("algorithm {oid}")
    }
}

/// The label and DER of the first key block in `text`, skipping anything
/// around it (comments, `EC PARAMETERS` blocks as `openssl ecparam -genkey` writes).
fn first_key_block(text: &str, origin: &str) -> Result<(String, Vec<u8>), KeyError> {
    let normalized = text.replace("\r\n", "\n");
    let mut rest = normalized.as_str();
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block["-----BEGIN ".len()..]
            .find("-----")
            .map(|i| i + "-----BEGIN ".len());
        let Some(label_end) = label_end else { break };
        let label = &block["-----BEGIN ".len()..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Err(KeyError::new(format!(
                "{origin}: PEM block `{label}` has no `{end_marker}` line"
            )));
        };
        let whole = &block[..end + end_marker.len()];
        rest = &block[end + end_marker.len()..];
        if label == "EC PARAMETERS" {
            continue;
        }
        let mut owned = whole.trim().to_string();
        owned.push('\n');
        let (decoded_label, der) = pem::decode_vec(owned.as_bytes()).map_err(|_| {
            KeyError::new(format!(
                "{origin}: the `{label}` PEM block is not valid (bad base64 or headers)"
            ))
        })?;
        return Ok((decoded_label.to_string(), der));
    }
    Err(KeyError::new(format!(
        "{origin}: no PEM key found (expected a line `-----BEGIN PRIVATE KEY-----` or `-----BEGIN PUBLIC KEY-----`)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_pem_and_keep_their_keyid() {
        for alg in [Algorithm::Ed25519, Algorithm::P256] {
            let key = PrivateKey::generate(alg).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
            let again = PrivateKey::from_pem(&pem, "k").unwrap();
            assert_eq!(again.algorithm(), alg);
            let pubkey = PublicKey::from_pem(&key.public_key().to_pem(), "p").unwrap();
            assert_eq!(pubkey.keyid(), again.public_key().keyid());
            assert_eq!(pubkey.keyid().len(), 64);
            let sig = key.sign(b"message");
            assert_eq!(pubkey.verify(b"message", &sig), SignatureCheck::Valid);
            assert_eq!(pubkey.verify(b"messagf", &sig), SignatureCheck::Mismatch);
        }
    }

    #[test]
    fn keyid_is_sha256_of_the_spki_der() {
        let key = PrivateKey::generate(Algorithm::Ed25519)
            .unwrap()
            .public_key();
        let der = key.spki_der();
        // Ed25519 SPKI: 12 bytes of header + 32 bytes of key.
        assert_eq!(der.len(), 44);
        assert_eq!(key.keyid(), hex::encode(Sha256::digest(&der)));
    }

    #[test]
    fn two_generated_keys_differ() {
        let a = PrivateKey::generate(Algorithm::P256).unwrap().public_key();
        let b = PrivateKey::generate(Algorithm::P256).unwrap().public_key();
        assert_ne!(a.keyid(), b.keyid());
    }

    #[test]
    fn wrong_kind_of_pem_is_named() {
        let key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
        let pub_pem = key.public_key().to_pem();
        let err = PrivateKey::from_pem(&pub_pem, "k.pub")
            .unwrap_err()
            .to_string();
        assert!(err.contains("k.pub: is a public key"), "{err}");
        let priv_pem = key.to_pkcs8_pem().unwrap();
        let err = PublicKey::from_pem(&priv_pem, "k.key")
            .unwrap_err()
            .to_string();
        assert!(err.contains("k.key: is a private key"), "{err}");
        assert!(!err.contains(priv_pem.lines().nth(1).unwrap()));
        let err = PublicKey::from_pem("hello", "x").unwrap_err().to_string();
        assert!(err.contains("no PEM key found"), "{err}");
    }

    #[test]
    fn malformed_signatures_are_told_apart_from_mismatches() {
        let ed = PrivateKey::generate(Algorithm::Ed25519)
            .unwrap()
            .public_key();
        assert!(matches!(
            ed.verify(b"m", &[0; 10]),
            SignatureCheck::Malformed(_)
        ));
        let ec = PrivateKey::generate(Algorithm::P256).unwrap().public_key();
        assert!(matches!(
            ec.verify(b"m", &[0; 64]),
            SignatureCheck::Malformed(_)
        ));
    }

    #[test]
    fn ec_parameters_block_before_the_key_is_skipped() {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let pem = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
            key.to_pkcs8_pem().unwrap()
        );
        let again = PrivateKey::from_pem(&pem, "k").unwrap();
        assert_eq!(again.public_key().keyid(), key.public_key().keyid());
    }
}
