//! Fuzz the secrets scanner: any bytes, whole-text and line-range scans,
//! must not panic, and every hit must lie inside the input with a redacted
//! preview no longer than 4 characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::secrets::scan::{ScanStats, scan_text};

fuzz_target!(|data: &[u8]| {
    let mut stats = ScanStats::default();
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    for hit in scan_text(data, None, &mut stats) {
        assert!(hit.start_line >= 1 && hit.end_line <= lines && hit.start_line <= hit.end_line);
        assert!(hit.redacted.preview.len() <= 4 && hit.redacted.len <= data.len());
    }
    // The added-lines path: odd ranges, including past the end.
    let ranges = [(1, 1), (2, lines / 2 + 1), (lines, lines + 5)];
    let _ = scan_text(data, Some(&ranges), &mut stats);
});
