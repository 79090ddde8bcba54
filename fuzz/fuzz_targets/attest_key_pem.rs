//! Fuzz the key readers behind `--signing-key`, `SHIPGATE_SIGNING_KEY` and
//! `verify --key`: arbitrary text as a PEM private key and as a PEM public key.
//! Must never panic, and errors must never contain the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::attest::{PrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = PrivateKey::from_pem(text, "fuzz.key") {
        // A key that parses must sign something its own public key verifies.
        let public = key.public_key();
        let sig = key.sign(b"fuzz");
        assert_eq!(
            public.verify(b"fuzz", &sig),
            shipgate::attest::keys::SignatureCheck::Valid
        );
    }
    let _ = PublicKey::from_pem(text, "fuzz.pub");
});
