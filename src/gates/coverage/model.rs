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

/// Line number (1-based) -> execution count, in line order.
///
/// Reports list a file's lines in order almost always, so a line after the
/// last one is appended to a sorted vector (no per-line allocation, 8 bytes
/// a line); a line out of order goes to a small map beside it, so that input
/// in any order stays O(log n) a line. The two never hold the same line.
/// Counts saturate at `u32::MAX` (only zero or not decides coverage).
#[derive(Clone, Default)]
pub struct Lines {
    sorted: Vec<(u32, u32)>,
    out_of_order: BTreeMap<u32, u32>,
}

/// A count as stored.
fn saturate(hits: u64) -> u32 {
    u32::try_from(hits).unwrap_or(u32::MAX)
}

impl Lines {
    /// The count of `line`, created as 0 when absent.
    fn slot(&mut self, line: u32) -> &mut u32 {
        let after_last = self.sorted.last().is_none_or(|&(last, _)| line > last);
        if after_last && self.out_of_order.is_empty() {
            self.sorted.push((line, 0));
        } else if let Ok(i) = self.sorted.binary_search_by_key(&line, |&(l, _)| l) {
            return &mut self.sorted[i].1;
        } else if after_last && self.out_of_order.range(line..).next().is_none() {
            self.sorted.push((line, 0));
        } else {
            return self.out_of_order.entry(line).or_insert(0);
        }
        let last = self.sorted.len() - 1;
        &mut self.sorted[last].1
    }

    /// Set the count of `line` (replacing what was there).
    pub fn insert(&mut self, line: u32, hits: u64) {
        *self.slot(line) = saturate(hits);
    }

    /// Add `hits` to the count of `line`.
    pub fn add(&mut self, line: u32, hits: u64) {
        let slot = self.slot(line);
        *slot = slot.saturating_add(saturate(hits));
    }

    /// Raise the count of `line` to at least `hits`.
    pub fn raise(&mut self, line: u32, hits: u64) {
        let slot = self.slot(line);
        *slot = (*slot).max(saturate(hits));
    }

    pub fn get(&self, line: u32) -> Option<u64> {
        match self.sorted.binary_search_by_key(&line, |&(l, _)| l) {
            Ok(i) => Some(u64::from(self.sorted[i].1)),
            Err(_) => self.out_of_order.get(&line).map(|&h| u64::from(h)),
        }
    }

    pub fn len(&self) -> usize {
        self.sorted.len() + self.out_of_order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (line, count) in line order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.range(0..=u32::MAX)
    }

    /// How many lines ran at least once.
    pub fn covered(&self) -> usize {
        let sorted = self.sorted.iter().filter(|&&(_, h)| h > 0).count();
        sorted + self.out_of_order.values().filter(|&&h| h > 0).count()
    }

    /// (line, count) for the lines in `range`, in line order.
    pub fn range(
        &self,
        range: std::ops::RangeInclusive<u32>,
    ) -> impl Iterator<Item = (u32, u64)> + '_ {
        let (start, end) = (*range.start(), *range.end());
        let from = self.sorted.partition_point(|&(l, _)| l < start);
        let to = self.sorted.partition_point(|&(l, _)| l <= end).max(from);
        let mut a = self.sorted[from..to].iter().copied().peekable();
        let mut b = self
            .out_of_order
            .range(range)
            .map(|(&l, &h)| (l, h))
            .peekable();
        std::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.0 < x.0 => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        })
        .map(|(l, h)| (l, u64::from(h)))
    }
}

impl PartialEq for Lines {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Lines {}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Coverage of one source file. A line absent from `lines` was not measured
/// (not executable, or the tool has no data): it is neither covered nor uncovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Line number (1-based) -> execution count.
    pub lines: Lines,
    /// Line number -> branch outcomes on that line.
    pub branches: BTreeMap<u32, BranchCount>,
}

impl FileCoverage {
    /// Record `hits` for `line`, adding to what is already there.
    pub fn add_line(&mut self, line: u32, hits: u64) {
        if line == 0 {
            return;
        }
        self.lines.add(line, hits);
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
        for (line, hits) in other.lines.iter() {
            self.add_line(line, hits);
        }
        for (&line, &count) in &other.branches {
            self.add_branches(line, count);
        }
    }

    /// (covered lines, measured lines).
    pub fn line_totals(&self) -> (u64, u64) {
        let covered = self.lines.covered() as u64;
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
        assert_eq!(a.lines.get(3), Some(1));
        assert_eq!(a.lines.get(4), Some(2));
        assert_eq!(a.lines.get(9), Some(0));
        assert_eq!(a.lines.get(5), None);
        assert_eq!(a.line_totals(), (2, 3));
    }

    #[test]
    fn lines_in_any_order_read_back_in_order_and_sum() {
        let mut a = FileCoverage::default();
        for (line, hits) in [
            (5, 1),
            (9, 0),
            (2, 4),
            (7, 2),
            (5, 1),
            (2, 1),
            (12, 3),
            (1, 0),
        ] {
            a.add_line(line, hits);
        }
        let got: Vec<(u32, u64)> = a.lines.iter().collect();
        assert_eq!(got, vec![(1, 0), (2, 5), (5, 2), (7, 2), (9, 0), (12, 3)]);
        let mid: Vec<u32> = a.lines.range(2..=9).map(|(l, _)| l).collect();
        assert_eq!(mid, vec![2, 5, 7, 9]);
        assert_eq!(a.lines.get(7), Some(2));
        assert_eq!(a.lines.get(8), None);
        assert_eq!(a.line_totals(), (4, 6));
        let mut b = FileCoverage::default();
        for (line, hits) in got {
            b.add_line(line, hits);
        }
        assert_eq!(a, b, "equal content, whatever the insertion order");
    }
}
