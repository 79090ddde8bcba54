//! coverage.py JSON (`coverage json`, format 2 and 3).
//!
//! `executed_lines` are covered, `missing_lines` uncovered; `excluded_lines`
//! are not executable. With branch measurement, `executed_branches` and
//! `missing_branches` (`[from, to]` arcs) give branch outcomes per `from` line.
//! Per-function and per-class sections (format 3) repeat the same lines and
//! are not read.

use super::json;
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    executed_lines: Vec<f64>,
    #[serde(default)]
    missing_lines: Vec<f64>,
    #[serde(default)]
    executed_branches: Vec<Vec<f64>>,
    #[serde(default)]
    missing_branches: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Report {
    files: BTreeMap<String, File>,
}

/// Parse a coverage.py JSON report.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let parsed: Report = serde_json::from_slice(bytes).map_err(|e| {
        json::error(
            &e,
            "a coverage.py JSON report {\"meta\": ..., \"files\": {...}}",
        )
    })?;
    let mut report = ParsedReport::new(Format::CoveragePy);
    for (path, file) in parsed.files {
        let mut coverage = FileCoverage::default();
        for line in file.missing_lines.iter().filter_map(|&l| json::line(l)) {
            coverage.add_line(line, 0);
        }
        for line in file.executed_lines.iter().filter_map(|&l| json::line(l)) {
            coverage.add_line(line, 1);
        }
        let mut per_line: BTreeMap<u32, BranchCount> = BTreeMap::new();
        for (arcs, taken) in [
            (&file.executed_branches, true),
            (&file.missing_branches, false),
        ] {
            for arc in arcs {
                let Some(from) = arc.first().and_then(|&l| json::line(l)) else {
                    continue;
                };
                let c = per_line.entry(from).or_default();
                c.total += 1;
                c.covered += u32::from(taken);
            }
        }
        for (line, count) in per_line {
            coverage.add_branches(line, count);
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
    fn executed_missing_and_arcs() {
        let text = r#"{"meta": {"format": 3, "version": "7.6.1", "branch_coverage": true, "show_contexts": false},
          "files": {"src/orders.py": {"executed_lines": [1, 2, 5], "missing_lines": [6, 7], "excluded_lines": [9],
             "executed_branches": [[5, 6], [5, -1]], "missing_branches": [[6, 7]],
             "summary": {}, "functions": {"f": {"executed_lines": [5], "missing_lines": [6]}}}},
          "totals": {}}"#;
        let r = parse(text.as_bytes()).expect("parse");
        let f = &r.files[0].coverage;
        assert_eq!(f.line_totals(), (3, 5));
        assert_eq!(f.lines.get(9), None);
        assert_eq!(
            f.branches.get(&5),
            Some(&BranchCount {
                covered: 2,
                total: 2
            })
        );
        assert_eq!(
            f.branches.get(&6),
            Some(&BranchCount {
                covered: 0,
                total: 1
            })
        );
    }

    #[test]
    fn missing_files_key_is_an_error() {
        let err = parse(b"{\"meta\": {}}").expect_err("no files");
        assert!(err.message.contains("files"), "{err}");
    }
}
