//! Fuzz `shipgate verify`'s input path: arbitrary bytes as a DSSE envelope,
//! parsed and verified against an Ed25519 and a P-256 public key (the
//! openssl-made keys in fixtures/attest), with a commit and --require-pass.
//! Must never panic; nothing random may verify.
//!
//! Seeds worth giving: fixtures/attest/*.dsse.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::attest::{Expectations, PublicKey, verify_envelope};
use std::sync::OnceLock;

const ED25519_PUB: &str = include_str!("../../fixtures/attest/openssl-ed25519.pub");
const P256_PUB: &str = include_str!("../../fixtures/attest/openssl-p256.pub");
const COMMIT: &str = include_str!("../../fixtures/attest/commit.txt");

fn keys() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [ED25519_PUB, P256_PUB]
            .iter()
            .filter_map(|pem| PublicKey::from_pem(pem, "fixture").ok())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let expect = Expectations {
        commit: Some(COMMIT.trim().to_string()),
        require_pass: true,
    };
    for key in keys() {
        let _ = verify_envelope(data, "fuzz.dsse.json", key, &expect);
    }
    let _ = verify_envelope(data, "fuzz.dsse.json", &keys()[0], &Expectations::default());
});
