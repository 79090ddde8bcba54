//! Missing data rules: changed source files that no report mentions, and a
//! change none of whose source files has any coverage data (a stale report or
//! paths that did not map: diff-cover passes such a change silently).

use super::GATE;
use crate::finding::{Finding, Location, Severity};
use crate::gates::GateId;
use crate::rules::RuleInfo;

pub const FILE_WITHOUT_COVERAGE: RuleInfo = RuleInfo {
    id: "changed-file-without-coverage",
    gate: GateId::Coverage,
    default_severity: Severity::Warning,
    summary: "A changed source file has no coverage data in any report",
    doc: r#"
## What it does
Reports each changed file with added lines that no coverage report mentions,
when files of its type are measured (another `.py` file is in the reports)
and it is not a test or fixture path (`no_data_expected`). Its added lines
are not in the patch figure, because nothing is known about them.

## Why is this bad?
A file missing from the report was never loaded by the tests (coverage.py
without `source=`, jest without `collectCoverageFrom`, a Go package without
tests), or its path did not map. Counting it as "nothing to check" would let
untested code through; diff-cover does exactly that.

## Example
`src/refunds.py` is new, and `coverage.json` lists only `src/orders.py`.
Fix: add tests that import it, configure the tool to report unloaded files
(`coverage run --source=src`), or add a `path_map` rule if its path did not
map; list it in `no_data_expected` if it really has no executable code.
"#,
};

pub const CHANGE_WITHOUT_COVERAGE: RuleInfo = RuleInfo {
    id: "change-without-coverage-data",
    gate: GateId::Coverage,
    default_severity: Severity::Error,
    summary: "None of the changed source files has coverage data: the line coverage of added lines cannot be judged",
    doc: r#"
## What it does
Fails when the change adds lines to source files of a measured type, and not
one of those files has any data in the reports. The patch figure would be
"0 of 0" and every threshold would pass without looking at anything.

## Why is this bad?
This is almost always a broken pipeline: a report from another commit, a
report of another module, or report paths that do not map to the repository
(see the gate's notes for unmapped report paths). diff-cover reports 100%
here; a required check must not pass blind.

## Example
The change edits `services/billing/src/invoice.ts`, and the only report is
`services/orders/coverage/lcov.info`. Fix: pass the billing report too
(`--coverage services/billing/coverage/lcov.info`, or `reports:` globs), or
add a `path_map` rule.
"#,
};

/// One finding per changed file without data.
pub fn file_findings(paths: &[String]) -> Vec<Finding> {
    paths
        .iter()
        .map(|path| {
            Finding::new(
                GATE,
                FILE_WITHOUT_COVERAGE.id,
                FILE_WITHOUT_COVERAGE.default_severity,
                "Changed file has no coverage data in any report",
                Some(Location::line(path.clone(), 1)),
                "",
            )
            .with_message(format!(
                "{path} has added lines, but no coverage report mentions it, so its added lines are not in the line coverage of added lines."
            ))
            .with_help("Make the test run load the file (e.g. coverage.py --source, jest collectCoverageFrom), add a path_map rule if its report path did not map, or list it in gates.coverage.no_data_expected.")
        })
        .collect()
}

/// The change-level finding when no changed source file has data.
pub fn change_finding(paths: &[String], unmapped_examples: &[String]) -> Finding {
    let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
    let more = paths.len().saturating_sub(shown.len());
    let mut message = format!(
        "The change adds lines to {} source file(s) ({}{}), and none of them has data in the coverage reports, so the line coverage of added lines cannot be computed.",
        paths.len(),
        shown.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    );
    if !unmapped_examples.is_empty() {
        message.push_str(&format!(
            " Report paths that matched no repository file include: {}.",
            unmapped_examples.join(", ")
        ));
    }
    Finding::new(
        GATE,
        CHANGE_WITHOUT_COVERAGE.id,
        CHANGE_WITHOUT_COVERAGE.default_severity,
        "No coverage data for any changed source file",
        None,
        "",
    )
    .with_message(message)
    .with_help("Check that the report comes from this commit and covers these modules; add a gates.coverage.path_map rule if its paths point elsewhere.")
}
