//! Istanbul `coverage-final.json` (nyc, jest, c8 `--reporter=json`, vitest).
//!
//! Line coverage is derived the way istanbul itself does it: each statement
//! counts for the line it starts on, and a line's count is the largest count
//! of the statements starting there. Branches (`branchMap`/`b`) count for the
//! line the branch is declared on. Entries wrapped in `{"data": ...}` (older
//! serializations) are read too.

use super::json;
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize, Default)]
struct Pos {
    #[serde(default)]
    line: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Loc {
    #[serde(default)]
    start: Pos,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(default)]
    line: Option<f64>,
    #[serde(default)]
    loc: Option<Loc>,
    #[serde(default)]
    locations: Vec<Loc>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    path: Option<String>,
    #[serde(default, rename = "statementMap")]
    statement_map: HashMap<String, Loc>,
    #[serde(default)]
    s: HashMap<String, f64>,
    #[serde(default, rename = "branchMap")]
    branch_map: HashMap<String, Branch>,
    #[serde(default)]
    b: HashMap<String, Vec<f64>>,
    #[serde(default)]
    data: Option<Box<Entry>>,
}

/// Parse an Istanbul coverage-final.json.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let entries: BTreeMap<String, Entry> = serde_json::from_slice(bytes).map_err(|e| {
        json::error(
            &e,
            "an Istanbul coverage object {\"<path>\": {\"statementMap\", \"s\", ...}}",
        )
    })?;
    let mut report = ParsedReport::new(Format::Istanbul);
    for (key, entry) in entries {
        let entry = match entry.data {
            Some(inner) => *inner,
            None => entry,
        };
        let path = entry.path.clone().filter(|p| !p.is_empty()).unwrap_or(key);
        let mut coverage = FileCoverage::default();
        for (id, loc) in &entry.statement_map {
            let Some(line) = loc.start.line.and_then(json::line) else {
                continue;
            };
            let hits = entry.s.get(id).copied().map(json::count).unwrap_or(0);
            coverage.lines.raise(line, hits);
        }
        let mut per_line: BTreeMap<u32, BranchCount> = BTreeMap::new();
        for (id, branch) in &entry.branch_map {
            let line = branch
                .line
                .or_else(|| branch.loc.as_ref().and_then(|l| l.start.line))
                .or_else(|| branch.locations.first().and_then(|l| l.start.line))
                .and_then(json::line);
            let (Some(line), Some(counts)) = (line, entry.b.get(id)) else {
                continue;
            };
            let c = per_line.entry(line).or_default();
            c.total += counts.len() as u32;
            c.covered += counts.iter().filter(|&&n| json::count(n) > 0).count() as u32;
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
    fn statements_give_lines_by_max_and_branches_by_declaration_line() {
        let text = r#"{"/ci/web/src/price.js": {"path": "/ci/web/src/price.js",
          "statementMap": {"0": {"start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 9}},
                           "1": {"start": {"line": 2, "column": 2}, "end": {"line": 2, "column": 30}},
                           "2": {"start": {"line": 2, "column": 31}, "end": {"line": 2, "column": 40}},
                           "3": {"start": {"line": 4, "column": 2}, "end": {"line": 4, "column": 9}}},
          "fnMap": {}, "f": {},
          "branchMap": {"0": {"loc": {"start": {"line": 2, "column": 2}}, "type": "if",
                              "locations": [{"start": {"line": 2}}, {"start": {"line": 2}}], "line": 2}},
          "s": {"0": 1, "1": 1, "2": 0, "3": 0}, "b": {"0": [1, 0]},
          "_coverageSchema": "1a1c01bbd47fc00a2c39e90264f33305004495a9", "hash": "x"}}"#;
        let r = parse(text.as_bytes()).expect("parse");
        let f = &r.files[0].coverage;
        assert_eq!(r.files[0].path, "/ci/web/src/price.js");
        assert_eq!(f.lines.get(2), Some(1));
        assert_eq!(f.lines.get(4), Some(0));
        assert_eq!(f.lines.get(3), None);
        assert_eq!(
            f.branches.get(&2),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
    }

    #[test]
    fn wrong_shape_names_the_line() {
        let err = parse(b"{\n\"a.js\": {\"s\": {\"0\": \"many\"}}\n}").expect_err("bad");
        assert_eq!(err.line, 2, "{err}");
    }
}
