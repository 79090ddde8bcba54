//! shipgate against diff-cover, on the same repositories and reports.
//!
//! fixtures/coverage/diffcover/cases.json describes each case (base files,
//! head files, reports); verdicts.json holds what diff-cover 11 said about it
//! (recorded by bench/coverage_diffcover.py, so this test needs neither the
//! network nor diff-cover). Where diff-cover is right we must agree line for
//! line; where it is wrong (docs/coverage.md lists why) the test asserts the
//! difference.

mod common;

use common::TestRepo;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/coverage/diffcover")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn write_files(repo: &TestRepo, files: &Value) {
    for (path, content) in files.as_object().expect("files") {
        match content.as_str() {
            Some(text) => {
                repo.write(path, text);
            }
            None => {
                if repo.path().join(path).exists() {
                    repo.remove(path);
                }
            }
        }
    }
}

/// Build the case's repository and run `shipgate coverage` on it.
fn run_case(case: &Value) -> (i32, Value) {
    let repo = TestRepo::new();
    repo.write(".gitignore", "reports/\nshipgate-report.json\n");
    write_files(&repo, &case["base"]);
    repo.commit("base");
    repo.branch("feature");
    write_files(&repo, &case["head"]);
    repo.commit("head");
    write_files(&repo, &case["reports"]);
    let mut args = vec![
        "coverage".to_string(),
        "--target".into(),
        "main".into(),
        "--format".into(),
        "json".into(),
    ];
    for report in case["reports"].as_object().expect("reports").keys() {
        args.push("--report".into());
        args.push(report.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = repo.shipgate(&args);
    assert!(run.code == 0 || run.code == 1, "{}: {run:?}", case["name"]);
    (run.code, run.json())
}

/// Our uncovered runs, per file.
fn runs(out: &Value) -> Vec<(String, u64, u64)> {
    let mut all = Vec::new();
    for (path, file) in out["metrics"]["files"].as_object().into_iter().flatten() {
        for run in file["uncovered"].as_array().into_iter().flatten() {
            all.push((
                path.clone(),
                run[0].as_u64().unwrap_or(0),
                run[1].as_u64().unwrap_or(0),
            ));
        }
    }
    all
}

/// Whether our figures, uncovered lines and verdict on missing data are diff-cover's
/// (diff-cover never reports missing data).
fn agrees(out: &Value, dc: &Value) -> bool {
    if rules(out)
        .iter()
        .any(|r| r == "change-without-coverage-data" || r == "changed-file-without-coverage")
    {
        return false;
    }
    let total = out["metrics"]["patch"]["total"].as_u64().unwrap_or(0);
    let covered = out["metrics"]["patch"]["covered"].as_u64().unwrap_or(0);
    if total != dc["total_num_lines"].as_u64().unwrap_or(u64::MAX)
        || total - covered != dc["total_num_violations"].as_u64().unwrap_or(u64::MAX)
    {
        return false;
    }
    let theirs: BTreeSet<(String, u64)> = dc["violation_lines"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(p, lines)| {
            lines
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.as_u64())
                .map(move |l| (p.clone(), l))
        })
        .collect();
    let ours = runs(out);
    // Every diff-cover violation lies in one of our runs, and every run starts and ends on one.
    theirs
        .iter()
        .all(|(p, l)| ours.iter().any(|(q, s, e)| p == q && s <= l && l <= e))
        && ours
            .iter()
            .all(|(p, s, e)| theirs.contains(&(p.clone(), *s)) && theirs.contains(&(p.clone(), *e)))
}

fn rules(out: &Value) -> Vec<String> {
    out["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule"].as_str().map(String::from))
        .collect()
}

#[test]
fn agrees_with_diff_cover_where_it_is_right_and_differs_where_it_is_wrong() {
    let cases = load("cases.json");
    let verdicts = load("verdicts.json");
    let mut agreed = 0;
    let cases = cases.as_array().expect("cases");
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let dc = &verdicts["cases"][name];
        let (code, out) = run_case(case);
        let same = agrees(&out, dc);
        agreed += usize::from(same);
        match case["expect"].as_str() {
            Some("agree") => assert!(
                same,
                "{name}: diff-cover {dc}\nshipgate {}\n{:?}",
                out["metrics"],
                runs(&out)
            ),
            _ => {
                assert!(!same, "{name} was expected to differ from diff-cover");
                check_difference(name, code, &out, dc);
            }
        }
    }
    // The figure docs/coverage.md quotes.
    assert_eq!(
        (agreed, cases.len()),
        (8, 12),
        "agreement changed: update docs/coverage.md"
    );
}

/// Each case where diff-cover is wrong, and what we do instead.
fn check_difference(name: &str, code: i32, out: &Value, dc: &Value) {
    let patch = &out["metrics"]["patch"];
    match name {
        "gcovr-lcov-absolute-paths" => {
            // diff-cover: no data, "100%". Us: the path maps; lines 11-12 (never_called) are uncovered.
            assert_eq!(dc["total_num_lines"], 0);
            assert_eq!(
                (patch["covered"].as_u64(), patch["total"].as_u64()),
                (Some(0), Some(2))
            );
            assert_eq!(runs(out), vec![("src/calc.c".to_string(), 11, 12)]);
        }
        "changed-file-without-data" => {
            assert_eq!(dc["total_percent_covered"], 100);
            assert_eq!(code, 1, "a change without coverage data must not pass");
            assert!(
                rules(out).contains(&"change-without-coverage-data".to_string()),
                "{out}"
            );
        }
        "two-reports-line-missing-in-one" => {
            assert_eq!(dc["total_num_violations"], 0);
            assert_eq!(runs(out), vec![("src/orders.py".to_string(), 9, 9)]);
        }
        "jacoco-line-without-instructions" => {
            // diff-cover calls line 12 (mi=0 ci=0) uncovered.
            assert_eq!(
                dc["violation_lines"]["src/main/java/com/acme/orders/Order.java"][0],
                12
            );
            assert_eq!(
                (patch["covered"].as_u64(), patch["total"].as_u64()),
                (Some(2), Some(2))
            );
        }
        other => panic!("{other}: no documented difference; mark it `agree` or document it"),
    }
}
