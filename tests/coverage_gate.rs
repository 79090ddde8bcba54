//! The coverage gate end to end: real git repositories, the real binary.

mod common;

use common::TestRepo;

const BASE_PY: &str = "def total(items):\n    return sum(items)\n";
const HEAD_PY: &str = "def total(items):\n    return sum(items)\n\n\ndef total_with_tax(items, rate):\n    net = total(items)\n    if rate < 0:\n        raise ValueError(\"negative rate\")\n    return net * (1 + rate)\n";

/// main: orders.py with `total`; feature: adds `total_with_tax`.
fn repo_with_added_function() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("src/orders.py", BASE_PY)
        .write("README.md", "# shop\n");
    repo.write(".gitignore", "coverage/\nshipgate-report.json\n");
    repo.commit("orders");
    repo.branch("feature");
    repo.write("src/orders.py", HEAD_PY)
        .write("README.md", "# shop\n\nnow with tax\n");
    repo.commit("tax");
    repo
}

fn lcov(lines: &[(u32, u32)]) -> String {
    let mut s = String::from("TN:\nSF:/home/ci/build/shop/src/orders.py\n");
    for (l, h) in lines {
        s.push_str(&format!("DA:{l},{h}\n"));
    }
    s.push_str("end_of_record\n");
    s
}

#[test]
fn uncovered_added_lines_fail_min_patch_and_covering_them_passes() {
    let repo = repo_with_added_function();
    // The raise (line 8) never ran; everything else did.
    repo.write(
        "coverage/lcov.info",
        lcov(&[(1, 3), (2, 3), (5, 2), (6, 2), (7, 2), (8, 0), (9, 2)]),
    );
    let run = repo.shipgate(&[
        "coverage",
        "--report",
        "coverage/lcov.info",
        "--target",
        "main",
        "--min-patch",
        "90",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let out = run.json();
    assert_eq!(out["metrics"]["patch"]["covered"], 4);
    assert_eq!(out["metrics"]["patch"]["total"], 5);
    assert_eq!(out["metrics"]["patch"]["percent"], 80.0);
    assert_eq!(
        out["metrics"]["patch"]["metric"],
        "line coverage of added lines"
    );
    assert_eq!(out["metrics"]["total"]["total"], 7);
    let findings = out["findings"].as_array().expect("findings");
    let uncovered: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "uncovered-added-lines")
        .collect();
    assert_eq!(uncovered.len(), 1, "{findings:#?}");
    assert_eq!(uncovered[0]["location"]["path"], "src/orders.py");
    assert_eq!(uncovered[0]["location"]["start_line"], 8);
    assert_eq!(uncovered[0]["location"]["end_line"], 8);
    let below: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "patch-coverage-below-minimum")
        .collect();
    assert_eq!(below.len(), 1);
    assert!(
        below[0]["title"]
            .as_str()
            .unwrap_or("")
            .contains("line coverage of added lines is 80.00%, below the minimum 90.00%"),
        "{:?}",
        below[0]
    );

    // Text output names the metric too.
    let text = repo.shipgate(&[
        "coverage",
        "--report",
        "coverage/lcov.info",
        "--target",
        "main",
        "--min-patch",
        "90",
    ]);
    assert_eq!(text.code, 1, "{text:?}");
    assert!(
        text.stdout
            .contains("line coverage of added lines: 80.00% (4 of 5)"),
        "{text:?}"
    );
    assert!(text.stdout.contains("src/orders.py:8"), "{text:?}");

    // A test for the negative rate runs line 8: passes.
    repo.write(
        "coverage/lcov.info",
        lcov(&[(1, 3), (2, 3), (5, 2), (6, 2), (7, 2), (8, 1), (9, 1)]),
    );
    let run = repo.shipgate(&[
        "coverage",
        "--report",
        "coverage/lcov.info",
        "--target",
        "main",
        "--min-patch",
        "90",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["metrics"]["patch"]["percent"], 100.0);
    assert!(
        run.json()["findings"]
            .as_array()
            .is_some_and(|f| f.is_empty())
    );
}

#[test]
fn check_reads_config_thresholds_and_default_report_paths() {
    let repo = repo_with_added_function();
    repo.write(
        ".shipgate.yml",
        "gates:\n  coverage:\n    min_patch: 90\n    rules:\n      uncovered-added-lines: error\n",
    );
    repo.commit("config");
    // coverage/lcov.info is one of the usual places: no --coverage needed.
    repo.write(
        "coverage/lcov.info",
        lcov(&[(1, 3), (2, 3), (5, 2), (6, 2), (7, 2), (8, 0), (9, 2)]),
    );
    let run = repo.check_gate("coverage");
    assert_eq!(run.code, 1, "{run:?}");
    let report = repo.report();
    let gate = report["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["gate"] == "coverage"))
        .expect("coverage gate");
    assert_eq!(gate["status"], "fail");
    let rules: Vec<&str> = gate["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"uncovered-added-lines") && rules.contains(&"patch-coverage-below-minimum"),
        "{rules:?}"
    );
    assert!(
        report["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .any(|i| i["path"].as_str().is_some_and(|p| p.ends_with("lcov.info")))
    );
}

#[test]
fn no_report_is_an_error_unless_optional() {
    let repo = repo_with_added_function();
    // Nothing asked for coverage: skipped, with the reason.
    let run = repo.shipgate(&["coverage", "--target", "main", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["status"], "skipped");
    // Coverage asked for (a threshold) but no report: a gate error.
    let run = repo.shipgate(&["coverage", "--target", "main", "--min-patch", "80"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no coverage report found"), "{run:?}");
    repo.write(
        ".shipgate.yml",
        "gates:\n  coverage:\n    optional: false\n",
    );
    let run = repo.shipgate(&["coverage", "--target", "main"]);
    assert_eq!(run.code, 2, "{run:?}");
    repo.write(".shipgate.yml", "gates:\n  coverage:\n    optional: true\n");
    let run = repo.shipgate(&["coverage", "--target", "main", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["status"], "skipped");
    assert!(
        run.json()["reason"]
            .as_str()
            .is_some_and(|r| r.contains("optional"))
    );
}

#[test]
fn malformed_report_names_file_and_line() {
    let repo = repo_with_added_function();
    repo.write(
        "coverage/lcov.info",
        "SF:src/orders.py\nDA:1,1\nDA:two,1\nend_of_record\n",
    );
    let run = repo.shipgate(&[
        "coverage",
        "--report",
        "coverage/lcov.info",
        "--target",
        "main",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("coverage/lcov.info:3:"), "{run:?}");
    assert!(run.stderr.contains("DA:<line>,<count>"), "{run:?}");
}

#[test]
fn changed_files_without_any_coverage_data_fail_loudly() {
    // diff-cover reports 100% here; we must not pass silently.
    let repo = repo_with_added_function();
    repo.write(
        "coverage/lcov.info",
        "SF:src/unrelated.py\nDA:1,1\nend_of_record\n",
    );
    let run = repo.shipgate(&[
        "coverage",
        "--report",
        "coverage/lcov.info",
        "--target",
        "main",
        "--min-patch",
        "80",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let out = run.json();
    let rules: Vec<&str> = out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"change-without-coverage-data"), "{rules:?}");
    assert!(
        rules.contains(&"changed-file-without-coverage"),
        "{rules:?}"
    );
    assert_eq!(out["metrics"]["files_without_coverage"][0], "src/orders.py");
    let change = out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "change-without-coverage-data")
        .cloned()
        .unwrap_or_default();
    assert!(
        change["message"]
            .as_str()
            .is_some_and(|m| m.contains("src/unrelated.py")),
        "names the unmapped report path: {change}"
    );
}

#[test]
fn a_report_listing_the_file_but_not_the_line_does_not_cover_it() {
    // Two reports: one measures line 8 as missed, the other lists the file
    // without line 8. diff-cover's intersection of violations calls line 8
    // covered; summing hits keeps it uncovered.
    let repo = repo_with_added_function();
    repo.write("a.info", lcov(&[(5, 1), (6, 1), (7, 1), (8, 0), (9, 1)]));
    repo.write("b.info", lcov(&[(5, 1), (6, 1), (7, 1), (9, 1)]));
    let run = repo.shipgate(&[
        "coverage", "--report", "a.info", "--report", "b.info", "--target", "main", "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "no threshold set: {run:?}");
    let out = run.json();
    assert_eq!(out["metrics"]["patch"]["covered"], 4);
    assert_eq!(out["metrics"]["patch"]["total"], 5);
    assert_eq!(
        out["metrics"]["files"]["src/orders.py"]["uncovered"][0][0],
        8
    );
}

#[test]
fn total_drop_against_a_base_report_fails_beyond_max_drop() {
    let repo = repo_with_added_function();
    repo.write(".shipgate.yml", "gates:\n  coverage:\n    max_drop: 1.0\n");
    repo.write("base.info", lcov(&[(1, 3), (2, 3)]));
    repo.write(
        "head.info",
        lcov(&[(1, 3), (2, 3), (5, 2), (6, 2), (7, 2), (8, 0), (9, 2)]),
    );
    let run = repo.shipgate(&[
        "coverage",
        "--report",
        "head.info",
        "--base-report",
        "base.info",
        "--target",
        "main",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let out = run.json();
    assert_eq!(out["metrics"]["base_total"]["percent"], 100.0);
    assert_eq!(out["metrics"]["total_change_points"], -14.29);
    let dropped = out["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "total-coverage-dropped")
        .cloned()
        .unwrap_or_default();
    assert!(
        dropped["title"]
            .as_str()
            .is_some_and(|t| t.contains("dropped 14.29 points (from 100.00% to 85.71%)")),
        "{dropped}"
    );
}

#[test]
fn min_changed_lines_exempts_tiny_changes_and_exclude_removes_files() {
    let repo = repo_with_added_function();
    repo.write(
        ".shipgate.yml",
        "gates:\n  coverage:\n    min_patch: 100\n    min_changed_lines: 10\n",
    );
    repo.write("l.info", lcov(&[(5, 1), (6, 1), (7, 1), (8, 0), (9, 1)]));
    let run = repo.shipgate(&[
        "coverage", "--report", "l.info", "--target", "main", "--format", "json",
    ]);
    assert_eq!(
        run.code, 0,
        "5 added executable lines < 10: exempt: {run:?}"
    );
    assert!(
        run.json()["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n.contains("min_changed_lines")))
    );
    repo.write(
        ".shipgate.yml",
        "gates:\n  coverage:\n    min_patch: 100\n    exclude: [\"src/**\"]\n",
    );
    let run = repo.shipgate(&[
        "coverage", "--report", "l.info", "--target", "main", "--format", "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["metrics"]["patch"]["total"], 0);
}
