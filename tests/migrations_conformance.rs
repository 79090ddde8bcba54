//! Agreement with squawk on its own rule tests, where squawk's rule and ours
//! judge the same thing (fixtures/migrations/squawk/README.md). Every
//! disagreement must be listed, with its reason, in `differences.json`; the
//! agreement figure is printed and recorded in docs/migrations.md.

use serde_json::Value;
use shipgate::gates::migrations::lint::{LintOptions, TxWrap, lint_text};
use std::collections::BTreeMap;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/migrations/squawk/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn agreement_with_squawk_on_corresponding_rules() {
    let data = load("cases.json");
    let differences = load("differences.json");
    let documented: BTreeMap<String, String> = differences
        .as_object()
        .expect("differences.json is an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect();
    let mapping = data["mapping"].as_object().expect("mapping");
    let cases = data["cases"].as_array().expect("cases");
    let mut agree = 0;
    let mut disagreements = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let squawk_rule = case["rule"].as_str().expect("rule");
        let ours: Vec<&str> = mapping[squawk_rule]
            .as_array()
            .expect("mapped rules")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let opts = LintOptions {
            // squawk's tests default to the latest PostgreSQL.
            pg_version: case["pg_version"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(17),
            wrap: if case["assume_in_transaction"].as_bool() == Some(true) {
                TxWrap::Always
            } else {
                TxWrap::None
            },
            require_lock_timeout: squawk_rule == "require-lock-timeout",
            ..LintOptions::default()
        };
        let (_, result) = lint_text(case["sql"].as_str().expect("sql"), &opts);
        let we_flag = result.findings.iter().any(|f| ours.contains(&f.rule.id));
        let squawk_flags = case["expect_violation"]
            .as_bool()
            .expect("expect_violation");
        if we_flag == squawk_flags {
            agree += 1;
            assert!(
                !documented.contains_key(id),
                "{id} is listed in differences.json but we now agree with squawk: remove it"
            );
        } else {
            disagreements.push((id.to_string(), squawk_flags, we_flag));
        }
    }
    println!(
        "squawk agreement on corresponding rules: {agree}/{} cases ({} documented differences)",
        cases.len(),
        disagreements.len()
    );
    let unexplained: Vec<_> = disagreements
        .iter()
        .filter(|(id, _, _)| documented.get(id).is_none_or(|r| r.trim().is_empty()))
        .collect();
    assert!(
        unexplained.is_empty(),
        "disagreements with squawk without a documented reason (id, squawk flags, we flag): {unexplained:#?}"
    );
    assert!(
        agree * 10 >= cases.len() * 9,
        "agreement fell below 90%: {agree}/{}",
        cases.len()
    );
}

/// Every prefix of every corpus case (cut at each character) lints without a
/// panic and with sane positions: a cheap stand-in for the fuzz target in CI.
#[test]
fn no_panic_on_any_prefix_of_the_corpus() {
    let data = load("cases.json");
    let modes = [TxWrap::None, TxWrap::Flyway, TxWrap::MultiStatement];
    let mut runs = 0;
    for case in data["cases"].as_array().expect("cases") {
        let sql = case["sql"].as_str().expect("sql");
        for (i, _) in sql.char_indices().step_by(7) {
            let opts = LintOptions {
                wrap: modes[i % modes.len()],
                require_lock_timeout: true,
                ..LintOptions::default()
            };
            let (_, result) = lint_text(&sql[..i], &opts);
            for f in &result.findings {
                assert!(
                    f.span.start_line >= 1 && f.span.end_line >= f.span.start_line,
                    "{sql:?}[..{i}]"
                );
            }
            runs += 1;
        }
    }
    assert!(runs > 1_000);
}

/// Hand-reviewed verdicts on the scenario files (with squawk's for comparison in the docs).
#[test]
fn scenarios_match_recorded_verdicts() {
    let dir = format!(
        "{}/fixtures/migrations/scenarios",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(format!("{dir}/verdicts.json")).expect("verdicts.json");
    let verdicts: Value = serde_json::from_str(&text).expect("json");
    let expected = verdicts["shipgate"].as_object().expect("shipgate verdicts");
    assert!(expected.len() >= 10);
    for (file, want) in expected {
        let sql = std::fs::read_to_string(format!("{dir}/{file}")).expect("scenario");
        let (_, result) = lint_text(&sql, &LintOptions::default());
        let mut got: Vec<(String, u64)> = result
            .findings
            .iter()
            .map(|f| (f.rule.id.to_string(), u64::from(f.span.start_line)))
            .collect();
        got.sort();
        let want: Vec<(String, u64)> = want
            .as_array()
            .expect("list")
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap_or("").to_string(),
                    p[1].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(got, want, "{file}");
    }
}
