//! Threshold rules: patch and total line coverage against the configured
//! minimums, and the drop of total coverage against a base report.
//! Percentages are compared unrounded and printed with two decimals.

use super::GATE;
use crate::finding::{Finding, Severity};
use crate::gates::GateId;
use crate::gates::coverage::analysis::Ratio;
use crate::rules::RuleInfo;

pub const PATCH_BELOW_MINIMUM: RuleInfo = RuleInfo {
    id: "patch-coverage-below-minimum",
    gate: GateId::Coverage,
    default_severity: Severity::Error,
    summary: "Line coverage of added lines is below gates.coverage.min_patch",
    doc: r#"
## What it does
Computes the line coverage of added lines: of the lines this change adds that
the coverage reports measure as executable, the share that ran at least once
(hits summed over all reports). Fails when it is below `min_patch` (percent,
compared unrounded), or below a per-path `thresholds` entry's `min_patch` for
the added lines under that entry's paths. Changes with fewer added executable
lines than `min_changed_lines` are exempt.

## Why is this bad?
Total coverage erodes one pull request at a time; judging only the new lines
keeps each change honest without asking anyone to fix old code first.

## Example
`min_patch: 80` and a change adding 10 executable lines of which 6 ran:
"line coverage of added lines is 60.00% (6 of 10), below the minimum 80.00%".
Fix: test the lines listed by `uncovered-added-lines`.
"#,
};

pub const TOTAL_BELOW_MINIMUM: RuleInfo = RuleInfo {
    id: "total-coverage-below-minimum",
    gate: GateId::Coverage,
    default_severity: Severity::Error,
    summary: "Line coverage of all measured lines is below gates.coverage.min_total",
    doc: r#"
## What it does
Computes line coverage over every measured line of every file in the reports
that maps to the repository and passes `include`/`exclude`, and fails when it
is below `min_total` (percent, compared unrounded).

## Why is this bad?
A project-wide floor catches large untested areas that patch coverage alone
never looks at.

## Example
`min_total: 70` with 6,500 of 10,000 measured lines covered: "line coverage of
all measured lines is 65.00% (6500 of 10000), below the minimum 70.00%".
Fix: add tests, or exclude generated code that no test should run.
"#,
};

pub const TOTAL_DROPPED: RuleInfo = RuleInfo {
    id: "total-coverage-dropped",
    gate: GateId::Coverage,
    default_severity: Severity::Error,
    summary: "Line coverage of all measured lines dropped more than gates.coverage.max_drop against the base report",
    doc: r#"
## What it does
When a report of the base commit is given (`base_reports` in config, or
`--base-report` on `shipgate coverage`), compares total line coverage at
head with the base and fails when it fell by more than `max_drop`
percentage points.

## Why is this bad?
Deleting tests, or adding much untested code outside the changed lines
(generated files), lowers coverage without any added line being uncovered.

## Example
`max_drop: 0.5`, base 81.20%, head 80.10%: a drop of 1.10 points fails.
Fix: restore or add tests for the code whose coverage went away.
"#,
};

/// `figure` below `min`?
pub fn below_minimum(
    rule: &RuleInfo,
    metric: &str,
    figure: Ratio,
    min: f64,
    scope: Option<&str>,
) -> Option<Finding> {
    let percent = figure.percent()?;
    if percent >= min {
        return None;
    }
    let scope_text = scope.map(|s| format!(" under `{s}`")).unwrap_or_default();
    Some(
        Finding::new(
            GATE,
            rule.id,
            rule.default_severity,
            format!("{metric}{scope_text} is {percent:.2}%, below the minimum {min:.2}%"),
            None,
            scope.unwrap_or(""),
        )
        .with_message(format!(
            "{metric}{scope_text}: {} covered; the minimum is {min:.2}%.",
            figure.describe()
        ))
        .with_help(if rule.id == PATCH_BELOW_MINIMUM.id {
            "Add tests for the uncovered added lines listed in this report."
        } else {
            "Add tests, or exclude generated code with gates.coverage.exclude."
        }),
    )
}

/// Total coverage fell by more than `max_drop` points.
pub fn dropped(base: Ratio, head: Ratio, max_drop: f64) -> Option<Finding> {
    let (b, h) = (base.percent()?, head.percent()?);
    let drop = b - h;
    if drop <= max_drop {
        return None;
    }
    Some(
        Finding::new(
            GATE,
            TOTAL_DROPPED.id,
            TOTAL_DROPPED.default_severity,
            format!("line coverage of all measured lines dropped {drop:.2} points (from {b:.2}% to {h:.2}%)"),
            None,
            "",
        )
        .with_message(format!(
            "Base: {}; head: {}. At most {max_drop:.2} points of drop are allowed.",
            base.describe(),
            head.describe()
        ))
        .with_help("Restore or add tests for the code whose coverage went away."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_unrounded_and_prints_two_decimals() {
        let r = Ratio {
            covered: 7999,
            total: 10000,
        };
        let f = below_minimum(
            &PATCH_BELOW_MINIMUM,
            "line coverage of added lines",
            r,
            80.0,
            None,
        )
        .expect("79.99 < 80");
        assert_eq!(
            f.title,
            "line coverage of added lines is 79.99%, below the minimum 80.00%"
        );
        let r = Ratio {
            covered: 199_999,
            total: 200_000,
        }; // 99.9995 rounds to 100.00 but is below
        assert!(below_minimum(&PATCH_BELOW_MINIMUM, "x", r, 100.0, None).is_some());
        assert!(
            below_minimum(
                &PATCH_BELOW_MINIMUM,
                "x",
                Ratio {
                    covered: 8,
                    total: 10
                },
                80.0,
                None
            )
            .is_none()
        );
        assert!(below_minimum(&PATCH_BELOW_MINIMUM, "x", Ratio::default(), 80.0, None).is_none());
    }

    #[test]
    fn drop_beyond_allowance_fails() {
        let base = Ratio {
            covered: 812,
            total: 1000,
        };
        let head = Ratio {
            covered: 801,
            total: 1000,
        };
        assert!(dropped(base, head, 0.5).is_some_and(|f| f.title.contains("1.10 points")));
        assert!(dropped(base, head, 2.0).is_none());
    }
}
