//! Fuzz the baseline file parser and the inline-allow parser: no panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::secrets::suppress::{Baseline, inline_allows};

fuzz_target!(|data: &[u8]| {
    let _ = Baseline::parse(data, "fuzz.json");
    let _ = inline_allows(data, "private-key");
});
