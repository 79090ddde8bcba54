//! Fuzz the archive readers (zip central directory walk, gzip): any bytes,
//! no panics, and no member larger than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::secrets::archive::{gunzip, zip_members};

fuzz_target!(|data: &[u8]| {
    for m in zip_members(data, 1 << 16) {
        assert!(m.bytes.len() <= 1 << 16);
    }
    if let Some(m) = gunzip("fuzz.gz", data, 1 << 16) {
        assert!(m.bytes.len() <= 1 << 16);
    }
});
