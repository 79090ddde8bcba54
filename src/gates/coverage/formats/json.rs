//! Shared by the JSON report parsers: counts that may be written as floats,
//! and serde_json errors turned into `ParseError`s with the line.

use crate::gates::coverage::model::ParseError;

/// A serde_json error as "line: what was expected".
pub fn error(e: &serde_json::Error, what: &str) -> ParseError {
    let text = e.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text).to_string();
    ParseError::at(
        e.line() as u64,
        format!("expected {what}: {text} (column {})", e.column()),
    )
}

/// A JSON number as an execution count (negative and NaN: 0).
pub fn count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.ceil().min(u64::MAX as f64) as u64
    } else {
        0
    }
}

/// A JSON number as a line number (`None` when not a positive integer in range).
pub fn line(v: f64) -> Option<u32> {
    (v.is_finite() && v >= 1.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0).then_some(v as u32)
}
