//! Fuzz the migrations gate's SQL front end: parse + every lint rule, under
//! each transaction mode, plus the framework detection helpers. No input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::migrations::detect::{self, Framework};
use shipgate::gates::migrations::lint::{LintOptions, TxWrap, lint_text};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for wrap in [TxWrap::None, TxWrap::Always, TxWrap::MultiStatement, TxWrap::Flyway] {
        let opts = LintOptions {
            wrap,
            pg_version: 10 + (data.len() % 8) as u32,
            require_lock_timeout: true,
            units: detect::liquibase_units(&text),
            stop_at: detect::dbmate_sections(&text).0,
        };
        let (_, result) = lint_text(&text, &opts);
        for f in &result.findings {
            assert!(f.span.start_line >= 1 && f.span.end_line >= f.span.start_line);
        }
    }
    // The first line doubles as a path for the name-based detection.
    let path = text.lines().next().unwrap_or("");
    let _ = detect::classify(path, Some(&text), Framework::Auto, &|_| true);
    let _ = detect::Version::parse(path);
});
