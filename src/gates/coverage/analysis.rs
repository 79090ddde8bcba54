//! The figures a coverage verdict is made of, computed from merged coverage
//! and the change: total line coverage, line coverage of added lines (patch),
//! branch coverage of changed lines, per-file figures, the runs of uncovered
//! added lines, and the changed files that have no coverage data at all.
//! Pure: no I/O, no config beyond the filters it is given.

use super::filter::{Globs, PathFilter};
use super::model::FileCoverage;
use crate::changeset::LineSet;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// covered of total, with the percentage (unrounded; `None` when total is 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratio {
    pub covered: u64,
    pub total: u64,
}

impl Ratio {
    pub fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 * 100.0 / self.total as f64)
    }

    pub fn add(&mut self, other: Ratio) {
        self.covered += other.covered;
        self.total += other.total;
    }

    /// `{"metric": name, "covered", "total", "percent"}` for the report.
    pub fn to_json(self, metric: &str) -> Value {
        json!({
            "metric": metric,
            "covered": self.covered,
            "total": self.total,
            "percent": self.percent().map(|p| (p * 100.0).round() / 100.0),
        })
    }

    /// "87.50% (7 of 8)" or "n/a (no lines)".
    pub fn describe(self) -> String {
        match self.percent() {
            Some(p) => format!("{p:.2}% ({} of {})", self.covered, self.total),
            None => "n/a (0 of 0)".to_string(),
        }
    }
}

/// The patch figures of one changed file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilePatch {
    pub path: String,
    pub lines: Ratio,
    pub branches: Ratio,
    /// Runs of uncovered added lines (inclusive), in order.
    pub uncovered: Vec<(u32, u32)>,
}

/// Everything the rules judge.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Line coverage of every measured line of every judged file.
    pub total: Ratio,
    /// Line coverage of added executable lines.
    pub patch: Ratio,
    /// Branch coverage on added lines (where the format has branches).
    pub patch_branches: Ratio,
    pub files: Vec<FilePatch>,
    /// Changed source files with added lines that no report mentions.
    pub without_data: Vec<String>,
    /// Changed files with added lines that some report mentions.
    pub with_data: usize,
}

/// One changed file as the analysis needs it.
pub struct Changed<'a> {
    pub path: &'a str,
    pub added: &'a LineSet,
}

/// Compute the figures.
pub fn analyze(
    coverage: &BTreeMap<String, FileCoverage>,
    changed: &[Changed<'_>],
    filter: &PathFilter,
    no_data_expected: &Globs,
    measured_types: &BTreeSet<String>,
) -> Analysis {
    let mut analysis = Analysis {
        total: total(coverage, filter),
        ..Analysis::default()
    };
    for change in changed {
        if change.added.is_empty() || !filter.allows(change.path) {
            continue;
        }
        let Some(cov) = coverage.get(change.path) else {
            let expected = extension(change.path).is_some_and(|e| measured_types.contains(&e))
                && !no_data_expected.matches(change.path);
            if expected {
                analysis.without_data.push(change.path.to_string());
            }
            continue;
        };
        analysis.with_data += 1;
        let file = file_patch(change.path, cov, change.added);
        analysis.patch.add(file.lines);
        analysis.patch_branches.add(file.branches);
        if file.lines.total > 0 || file.branches.total > 0 {
            analysis.files.push(file);
        }
    }
    analysis
}

/// Line coverage over every judged file.
pub fn total(coverage: &BTreeMap<String, FileCoverage>, filter: &PathFilter) -> Ratio {
    let mut ratio = Ratio::default();
    for (path, cov) in coverage {
        if filter.allows(path) {
            let (covered, total) = cov.line_totals();
            ratio.add(Ratio { covered, total });
        }
    }
    ratio
}

fn file_patch(path: &str, cov: &FileCoverage, added: &LineSet) -> FilePatch {
    let mut file = FilePatch {
        path: path.to_string(),
        ..FilePatch::default()
    };
    for &(start, end) in added.ranges() {
        // An uncovered run continues over added lines that are not executable
        // (blank lines, comments) and ends at a covered line or the range end.
        let mut run: Option<(u32, u32)> = None;
        for (line, hits) in cov.lines.range(start..=end) {
            file.lines.total += 1;
            if hits > 0 {
                file.lines.covered += 1;
                if let Some(r) = run.take() {
                    file.uncovered.push(r);
                }
            } else {
                run = Some(match run {
                    Some((s, _)) => (s, line),
                    None => (line, line),
                });
            }
        }
        if let Some(r) = run {
            file.uncovered.push(r);
        }
        for (_, b) in cov.branches.range(start..=end) {
            file.branches.covered += u64::from(b.covered);
            file.branches.total += u64::from(b.total);
        }
    }
    file
}

/// The lower-cased extension of a path's file name (`None` for dotfiles and
/// names without one). File types the reports measure decide which changed
/// files are expected to have coverage data (not docs or config).
pub fn extension(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::coverage::filter::DEFAULT_NO_DATA_EXPECTED;
    use crate::gates::coverage::model::BranchCount;

    fn cov(lines: &[(u32, u64)]) -> FileCoverage {
        let mut c = FileCoverage::default();
        for &(l, h) in lines {
            c.add_line(l, h);
        }
        c
    }

    #[test]
    fn patch_counts_only_added_executable_lines_and_groups_uncovered_runs() {
        let mut coverage = BTreeMap::new();
        // lines 1-2 old and covered; 5-12 added: 5 covered, 6-7 uncovered, 8 blank, 9 uncovered, 10 covered, 12 uncovered
        let mut orders = cov(&[
            (1, 3),
            (2, 3),
            (5, 1),
            (6, 0),
            (7, 0),
            (9, 0),
            (10, 2),
            (12, 0),
        ]);
        orders.add_branches(
            9,
            BranchCount {
                covered: 1,
                total: 2,
            },
        );
        coverage.insert("src/orders.py".to_string(), orders);
        coverage.insert("src/other.py".to_string(), cov(&[(1, 0)]));
        let mut added = LineSet::new();
        added.add_span(5, 8);
        let mut readme = LineSet::new();
        readme.add_span(1, 3);
        let mut new_py = LineSet::new();
        new_py.add_span(1, 10);
        let mut new_test = LineSet::new();
        new_test.add_span(1, 10);
        let changed = [
            Changed {
                path: "src/orders.py",
                added: &added,
            },
            Changed {
                path: "README.md",
                added: &readme,
            },
            Changed {
                path: "src/new.py",
                added: &new_py,
            },
            Changed {
                path: "tests/test_new.py",
                added: &new_test,
            },
        ];
        let filter = PathFilter::new(&[], &[]).expect("filter");
        let tests = Globs::new(DEFAULT_NO_DATA_EXPECTED, "t").expect("globs");
        let types = BTreeSet::from(["py".to_string()]);
        let a = analyze(&coverage, &changed, &filter, &tests, &types);
        assert_eq!(
            a.total,
            Ratio {
                covered: 4,
                total: 9
            }
        );
        assert_eq!(
            a.patch,
            Ratio {
                covered: 2,
                total: 6
            }
        );
        assert_eq!(a.files[0].uncovered, vec![(6, 9), (12, 12)]);
        assert_eq!(
            a.patch_branches,
            Ratio {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            a.without_data,
            vec!["src/new.py".to_string()],
            "README and tests are not expected"
        );
        assert_eq!(a.patch.describe(), "33.33% (2 of 6)");
    }

    #[test]
    fn exclude_removes_files_from_total_and_patch() {
        let mut coverage = BTreeMap::new();
        coverage.insert("gen/api.py".to_string(), cov(&[(1, 0), (2, 0)]));
        coverage.insert("src/a.py".to_string(), cov(&[(1, 1)]));
        let mut added = LineSet::new();
        added.add_span(1, 2);
        let changed = [Changed {
            path: "gen/api.py",
            added: &added,
        }];
        let filter = PathFilter::new(&[], &["gen/**".to_string()]).expect("filter");
        let tests = Globs::new::<&str>(&[], "t").expect("globs");
        let a = analyze(&coverage, &changed, &filter, &tests, &BTreeSet::new());
        assert_eq!(
            a.total,
            Ratio {
                covered: 1,
                total: 1
            }
        );
        assert_eq!(a.patch.total, 0);
        assert!(a.without_data.is_empty());
    }
}
