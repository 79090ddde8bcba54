//! `uncovered-added-lines`: one finding per run of added executable lines that
//! no test ran, at the run's head lines.

use super::GATE;
use crate::finding::{Finding, Location, Severity};
use crate::gates::GateId;
use crate::gates::coverage::analysis::FilePatch;
use crate::rules::RuleInfo;

pub const RULE: RuleInfo = RuleInfo {
    id: "uncovered-added-lines",
    gate: GateId::Coverage,
    default_severity: Severity::Warning,
    summary: "Added executable lines that no test ran (line coverage of added lines)",
    doc: r#"
## What it does
Reports each run of lines that the change adds, that the coverage report
measures as executable, and that ran zero times in every report. Lines the
report does not measure (blank lines, comments, declarations) neither count
nor break a run. The finding sits on the run's lines in the head version.

## Why is this bad?
Code that no test runs can break without anyone noticing. Reviewers see at a
glance which new lines the tests miss, instead of a single percentage.

## Example
```python
def total_with_tax(items, rate):      # added, covered
    if rate < 0:                       # added, covered
        raise ValueError("negative")   # added, never run -> reported
```
Fix: add a test that runs the line (`total_with_tax([], -1)` expecting
`ValueError`), or exclude generated code with `gates.coverage.exclude`.
"#,
};

/// Findings for one file's uncovered runs. `head_text` (the file at head)
/// gives each finding a fingerprint from the lines' content, so it survives
/// code moving up or down.
pub fn findings(file: &FilePatch, head_text: Option<&[u8]>) -> Vec<Finding> {
    let lines: Vec<&[u8]> = head_text
        .map(|t| t.split(|&b| b == b'\n').collect())
        .unwrap_or_default();
    let file_figure = file.lines.describe();
    file.uncovered
        .iter()
        .enumerate()
        .map(|(index, &(start, end))| {
            let key = if lines.is_empty() {
                format!("run#{index}")
            } else {
                let text: Vec<String> = (start..=end)
                    .filter_map(|l| lines.get(l as usize - 1))
                    .map(|l| String::from_utf8_lossy(l).trim().to_string())
                    .collect();
                text.join("\n")
            };
            let what = if start == end {
                format!("Added line {start} is not covered by any test")
            } else {
                format!("Added lines {start}-{end} are not covered by any test")
            };
            Finding::new(
                GATE,
                RULE.id,
                RULE.default_severity,
                what,
                Some(Location::lines(file.path.clone(), start, end)),
                &key,
            )
            .with_message(format!(
                "No coverage report shows these added lines running. Line coverage of added lines in {}: {file_figure}.",
                file.path
            ))
            .with_help("Add or extend a test that runs these lines, or exclude generated code with gates.coverage.exclude.")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::coverage::analysis::Ratio;

    #[test]
    fn one_finding_per_run_with_content_fingerprint() {
        let file = FilePatch {
            path: "src/a.py".into(),
            lines: Ratio {
                covered: 1,
                total: 4,
            },
            uncovered: vec![(2, 3), (5, 5)],
            ..FilePatch::default()
        };
        let text = b"def f():\n    x = 1\n    y = 2\n    return x\n    z()\n";
        let found = findings(&file, Some(text));
        assert_eq!(found.len(), 2);
        let loc = found[0].location.as_ref().expect("location");
        assert_eq!((loc.start_line, loc.end_line), (2, 3));
        assert!(
            found[0]
                .message
                .contains("Line coverage of added lines in src/a.py: 25.00% (1 of 4)")
        );
        assert_eq!(found[1].title, "Added line 5 is not covered by any test");
        // Same code two lines further down: same fingerprint.
        let moved = FilePatch {
            uncovered: vec![(4, 5)],
            ..file.clone()
        };
        let moved_text = b"\n\ndef f():\n    x = 1\n    y = 2\n    return x\n";
        let again = findings(&moved, Some(moved_text));
        assert_eq!(again[0].fingerprint, found[0].fingerprint);
    }
}
