//! Fuzz the sticky comment's reader: any existing comment body (other jobs,
//! people editing it by hand) must parse without panicking, and composing a
//! new body from it must keep the size limit and the marker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::publish::comment::{self, GITHUB_LIMIT};
use shipgate::publish::markdown::{Links, utf16_len};
use shipgate::publish::view::ReportView;

const REPORT: &str = r#"{"base": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
 "head": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "verdict": "pass",
 "gates": [{"gate": "coverage", "status": "pass", "blocking": true, "fail_on": "error",
            "findings": [], "duration_ms": 1},
           {"gate": "secrets", "status": "not_run", "blocking": true, "fail_on": "error",
            "findings": [], "duration_ms": 0}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(previous) = std::str::from_utf8(data) else {
        return;
    };
    let _ = comment::parse_sections(previous);
    if let Ok(view) = ReportView::parse(REPORT) {
        let body = comment::compose(Some(previous), &view, &Links::none(), "shipgate", GITHUB_LIMIT);
        assert!(utf16_len(&body) <= GITHUB_LIMIT);
        assert!(comment::is_ours(&body, "shipgate"));
    }
});
