//! What a coverage report says, independent of its format: per source file,
//! which lines were measured and how often each ran, and branch outcomes per
//! line where the format records them. Not for: mapping report paths to the
//! repository (see `paths`) or judging a change (see `metrics`).

use std::collections::BTreeMap;
use std::fmt;

/// The largest line number a block or region may span to. Formats that give
/// ranges (Go blocks, llvm-cov regions) are expanded line by line; a range
/// beyond any real source file is malformed input, not a reason to allocate
/// billions of lines.
pub const MAX_LINE: u32 = 2_000_000;

/// The report formats shipgate reads (detected by content, see `detect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
    Clover,
    GoCoverprofile,
    Istanbul,
    LlvmCov,
    CoveragePy,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "cobertura",
            Format::Jacoco => "jacoco",
            Format::Clover => "clover",
            Format::GoCoverprofile => "go-coverprofile",
            Format::Istanbul => "istanbul",
            Format::LlvmCov => "llvm-cov",
            Format::CoveragePy => "coverage.py",
        }
    }

    /// Whether reports of this format can carry branch data.
    pub fn has_branches(self) -> bool {
        !matches!(self, Format::GoCoverprofile)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Branch outcomes on one line: how many were taken at least once, of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BranchCount {
    pub covered: u32,
    pub total: u32,
}

/// Coverage of one source file. A line absent from `lines` was not measured
/// (not executable, or the tool has no data): it is neither covered nor uncovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Line number (1-based) -> execution count.
    pub lines: BTreeMap<u32, u64>,
    /// Line number -> branch outcomes on that line.
    pub branches: BTreeMap<u32, BranchCount>,
}

impl FileCoverage {
    /// Record `hits` for `line`, adding to what is already there.
    pub fn add_line(&mut self, line: u32, hits: u64) {
        if line == 0 {
            return;
        }
        let entry = self.lines.entry(line).or_insert(0);
        *entry = entry.saturating_add(hits);
    }

    /// Record branch outcomes for `line`, keeping the larger of two records
    /// (two reports of one line cannot be told apart branch by branch).
    pub fn add_branches(&mut self, line: u32, count: BranchCount) {
        if line == 0 || count.total == 0 {
            return;
        }
        let entry = self.branches.entry(line).or_default();
        entry.covered = entry.covered.max(count.covered.min(count.total));
        entry.total = entry.total.max(count.total);
    }

    /// Merge another record of the same file: hits are summed per line.
    pub fn merge(&mut self, other: &FileCoverage) {
        for (&line, &hits) in &other.lines {
            self.add_line(line, hits);
        }
        for (&line, &count) in &other.branches {
            self.add_branches(line, count);
        }
    }

    /// (covered lines, measured lines).
    pub fn line_totals(&self) -> (u64, u64) {
        let covered = self.lines.values().filter(|&&h| h > 0).count() as u64;
        (covered, self.lines.len() as u64)
    }
}

/// One file's record in a report, with the path as the report spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFile {
    /// The path as written in the report (maybe absolute, Windows-style, or package-relative).
    pub path: String,
    /// Directories the path may be relative to (Cobertura `<source>` roots), tried in order.
    pub roots: Vec<String>,
    pub coverage: FileCoverage,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReport {
    pub format: Format,
    /// One entry per file record; a file may appear more than once (summed when merged).
    pub files: Vec<ReportFile>,
}

impl ParsedReport {
    pub fn new(format: Format) -> Self {
        ParsedReport {
            format,
            files: Vec::new(),
        }
    }
}

/// A malformed report: the 1-based line (0 when unknown) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: u64,
    pub message: String,
}

impl ParseError {
    pub fn at(line: u64, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sums_hits_and_keeps_unmeasured_lines_unmeasured() {
        let mut a = FileCoverage::default();
        a.add_line(3, 0);
        a.add_line(4, 2);
        let mut b = FileCoverage::default();
        b.add_line(3, 1);
        b.add_line(9, 0);
        a.merge(&b);
        assert_eq!(a.lines.get(&3), Some(&1));
        assert_eq!(a.lines.get(&4), Some(&2));
        assert_eq!(a.lines.get(&9), Some(&0));
        assert_eq!(a.lines.get(&5), None);
        assert_eq!(a.line_totals(), (2, 3));
    }
}
