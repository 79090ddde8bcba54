//! Fuzz the migrations gate's MySQL front end: the statement splitter
//! (strings, comments, `DELIMITER`, executable comments), sqlparser on each
//! statement, and every MySQL rule, under old and new MySQL versions. No input
//! may panic, and every finding must point inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::migrations::mysql::{MysqlOptions, MysqlSql, lint, split};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pieces = split::split(&text);
    for p in &pieces.pieces {
        assert!(p.start <= p.end && p.end <= text.len());
        assert_eq!(p.sql.len(), p.end - p.start);
    }
    let lines = text.lines().count().max(1) as u32 + 1;
    let parsed = MysqlSql::parse(&text);
    for version in [(5, 7, 0), (8, 4, 0)] {
        let opts = MysqlOptions {
            version,
            stop_at: None,
        };
        let result = lint(&parsed, &opts);
        for f in &result.findings {
            assert!(f.span.start_line >= 1 && f.span.end_line >= f.span.start_line);
            assert!(f.span.start_line <= lines);
        }
    }
    let _ = parsed.leading_comments();
});
