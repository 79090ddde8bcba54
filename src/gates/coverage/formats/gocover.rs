//! Go coverprofiles (`go test -coverprofile`, modes `set`, `count`, `atomic`).
//!
//! Each block `file.go:L1.C1,L2.C2 numStmt count` covers lines L1..=L2.
//! Blocks listed more than once (one per test binary with `-coverpkg`, or
//! concatenated profiles) are merged first, as `go tool cover` does: counts
//! are summed (`set`: or-ed). A line's count is then the largest count of the
//! blocks with statements that touch it, so `if err != nil {` is covered when
//! the condition ran even if the body did not. Blocks with no statements are
//! not executable. Repeated `mode:` lines (concatenated profiles) are accepted.

use super::lcov::{parse_count, preview};
use crate::gates::coverage::model::{
    FileCoverage, Format, MAX_LINE, ParseError, ParsedReport, ReportFile,
};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Block {
    start_line: u32,
    start_col: u32,
    end_line: u32,
    end_col: u32,
}

/// Parse a Go coverprofile.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let mut mode: Option<String> = None;
    // file -> block -> (statements, count)
    let mut files: BTreeMap<String, HashMap<Block, (u32, u64)>> = BTreeMap::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = index as u64 + 1;
        let line = raw.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if let Some(m) = line.strip_prefix(b"mode:") {
            let m = String::from_utf8_lossy(m).trim().to_string();
            if !matches!(m.as_str(), "set" | "count" | "atomic") {
                return Err(ParseError::at(
                    n,
                    format!("expected `mode: set|count|atomic`, found `mode: {m}`"),
                ));
            }
            mode = Some(m);
            continue;
        }
        if mode.is_none() {
            return Err(ParseError::at(
                n,
                "expected `mode: set|count|atomic` on the first line of a Go coverprofile",
            ));
        }
        let bad = || {
            ParseError::at(
                n,
                format!(
                    "expected `<file>:<line>.<col>,<line>.<col> <statements> <count>`, found `{}`",
                    preview(line)
                ),
            )
        };
        let text = std::str::from_utf8(line).map_err(|_| bad())?;
        let mut fields = text.rsplitn(3, ' ');
        let count = fields
            .next()
            .and_then(|c| parse_count(c.as_bytes()))
            .ok_or_else(bad)?;
        let stmts: u32 = fields.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let location = fields.next().ok_or_else(bad)?;
        let (file, range) = location.rsplit_once(':').ok_or_else(bad)?;
        let (start, end) = range.split_once(',').ok_or_else(bad)?;
        let pos = |p: &str| -> Option<(u32, u32)> {
            let (l, c) = p.split_once('.')?;
            Some((l.parse().ok()?, c.parse().ok()?))
        };
        let ((start_line, start_col), (end_line, end_col)) =
            pos(start).zip(pos(end)).ok_or_else(bad)?;
        if file.is_empty() || start_line == 0 || end_line < start_line {
            return Err(bad());
        }
        if end_line > MAX_LINE {
            return Err(ParseError::at(
                n,
                format!("line {end_line} is beyond any real source file (at most {MAX_LINE})"),
            ));
        }
        let block = Block {
            start_line,
            start_col,
            end_line,
            end_col,
        };
        let entry = files
            .entry(file.to_string())
            .or_default()
            .entry(block)
            .or_insert((stmts, 0));
        entry.0 = entry.0.max(stmts);
        entry.1 = if mode.as_deref() == Some("set") {
            u64::from(entry.1 > 0 || count > 0)
        } else {
            entry.1.saturating_add(count)
        };
    }
    let mut report = ParsedReport::new(Format::GoCoverprofile);
    for (path, blocks) in files {
        let mut coverage = FileCoverage::default();
        for (block, (stmts, count)) in blocks {
            if stmts == 0 {
                continue;
            }
            for line in block.start_line..=block.end_line {
                coverage.lines.raise(line, count);
            }
        }
        report.files.push(ReportFile {
            path,
            roots: Vec::new(),
            coverage,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_blocks_merge_and_lines_take_the_best_block() {
        let text = "mode: count\n\
            example.com/shop/cart/cart.go:5.30,7.16 2 1\n\
            example.com/shop/cart/cart.go:7.16,9.3 1 0\n\
            example.com/shop/cart/cart.go:10.2,10.10 1 0\n\
            mode: count\n\
            example.com/shop/cart/cart.go:10.2,10.10 1 2\n\
            example.com/shop/cart/cart.go:12.1,12.5 0 0\n";
        let r = parse(text.as_bytes()).expect("parse");
        let f = &r.files[0].coverage;
        assert_eq!(r.files[0].path, "example.com/shop/cart/cart.go");
        assert_eq!(f.lines.get(7), Some(1), "shared line: the condition ran");
        assert_eq!(f.lines.get(8), Some(0));
        assert_eq!(f.lines.get(10), Some(2), "duplicate blocks summed");
        assert_eq!(f.lines.get(12), None, "no statements: not executable");
    }

    #[test]
    fn set_mode_ors_and_errors_name_the_line() {
        let r = parse(b"mode: set\na.go:1.1,1.5 1 0\na.go:1.1,1.5 1 1\n").expect("parse");
        assert_eq!(r.files[0].coverage.lines.get(1), Some(1));
        let err = parse(b"mode: set\na.go:1.1,1.5 1 0\na.go 1 1\n").expect_err("bad");
        assert_eq!(err.line, 3);
        let err = parse(b"a.go:1.1,1.5 1 0\n").expect_err("no mode");
        assert_eq!(err.line, 1);
    }
}
