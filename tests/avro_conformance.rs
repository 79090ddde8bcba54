//! Conformance of the avro gate's checker with the reference checkers' own tests:
//! Apache Avro's Java test pairs (verdict, and for 61 rows the exact
//! incompatibility types, messages and locations) and Confluent Schema
//! Registry's level tests. Every case must agree; the figure is printed.

use shipgate::gates::avro::compat;
use shipgate::gates::avro::mode::{self, Mode};
use shipgate::gates::avro::schema::{NodeId, SchemaSet};
use std::path::Path;

fn load(path: &str, text: &str) -> (SchemaSet, NodeId) {
    let mut set = SchemaSet::new();
    let root = set
        .add_file(path, text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    set.resolve().unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    (set, root)
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/avro"))
}

#[test]
fn apache_avro_java_test_pairs_all_agree() {
    let text =
        std::fs::read_to_string(fixtures().join("java/apache-avro-java-tests.jsonl")).unwrap();
    let (mut total, mut agree, mut detailed) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let (r, ri) = load("reader.avsc", &row["reader"].to_string());
        let (w, wi) = load("writer.avsc", &row["writer"].to_string());
        let found = compat::check((&r, ri), (&w, wi));
        let expected_compatible = row["expected"] == "compatible";
        total += 1;
        let mut ok = found.is_empty() == expected_compatible;
        let types: Vec<String> = found
            .iter()
            .map(|f| f.kind.java_name().to_string())
            .collect();
        let messages: Vec<String> = found.iter().map(|f| f.message.clone()).collect();
        let locations: Vec<String> = found.iter().map(|f| f.location.clone()).collect();
        let want = |k: &str| -> Vec<String> {
            row[k]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        if !want("types").is_empty() {
            detailed += 1;
            ok &= types == want("types")
                && messages == want("messages")
                && locations == want("locations");
        }
        if ok {
            agree += 1;
        } else {
            failures.push(format!(
                "row {} ({}): expected {} {:?} {:?} {:?}, got {:?} {:?} {:?}",
                i + 1,
                row["source"],
                row["expected"],
                want("types"),
                want("messages"),
                want("locations"),
                types,
                messages,
                locations
            ));
        }
    }
    println!(
        "apache-avro java corpus: {agree}/{total} rows agree ({detailed} with exact types, messages and locations)"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 223);
}

#[test]
fn confluent_level_tests_all_agree() {
    let dir = fixtures().join("confluent");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let schema = |name: &str| {
        let path = format!("{name}.avsc");
        load(&path, &std::fs::read_to_string(dir.join(&path)).unwrap())
    };
    let (mut total, mut agree) = (0, 0);
    let mut failures = Vec::new();
    for case in cases.as_array().unwrap() {
        let level: Mode = case["level"].as_str().unwrap().parse().unwrap();
        let new = schema(case["new"].as_str().unwrap());
        let previous: Vec<(SchemaSet, NodeId)> = case["previous"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| schema(p.as_str().unwrap()))
            .collect();
        let prev_refs: Vec<(&SchemaSet, NodeId)> = previous.iter().map(|(s, n)| (s, *n)).collect();
        let violations = mode::check(level, (&new.0, new.1), &prev_refs);
        total += 1;
        if violations.is_empty() == case["expected_compatible"].as_bool().unwrap() {
            agree += 1;
        } else {
            failures.push(format!("{case}: got {} violations", violations.len()));
        }
    }
    println!("confluent level tests: {agree}/{total} agree");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(total, 32);
}

#[test]
fn generated_pairs_agree_with_pypi_avro() {
    let text = std::fs::read_to_string(fixtures().join("generated/pairs.jsonl")).unwrap();
    let (mut total, mut agree) = (0, 0);
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let (r, ri) = load("reader.avsc", &row["reader"].to_string());
        let (w, wi) = load("writer.avsc", &row["writer"].to_string());
        let found = compat::check((&r, ri), (&w, wi));
        let mut types: Vec<String> = found
            .iter()
            .map(|f| f.kind.java_name().to_string())
            .collect();
        types.sort();
        let want: Vec<String> = row["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        total += 1;
        if found.is_empty() == row["compatible"].as_bool().unwrap() && types == want {
            agree += 1;
        } else {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                row["id"], want, types
            ));
        }
    }
    println!("generated pairs vs PyPI avro 1.12.2: {agree}/{total} agree");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 2000);
}

#[test]
fn hand_written_alias_namespace_and_logical_cases_agree_with_the_spec() {
    let text = std::fs::read_to_string(fixtures().join("extra/cases.json")).unwrap();
    let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut failures = Vec::new();
    for case in cases.as_array().unwrap() {
        let (r, ri) = load("reader.avsc", &case["reader"].to_string());
        let (w, wi) = load("writer.avsc", &case["writer"].to_string());
        let found = compat::check((&r, ri), (&w, wi));
        let mut types: Vec<String> = found
            .iter()
            .map(|f| f.kind.java_name().to_string())
            .collect();
        types.sort();
        let want: Vec<String> = case["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        if found.is_empty() != (case["expected"] == "compatible") || types != want {
            failures.push(format!("{}: expected {want:?}, got {types:?}", case["id"]));
        }
    }
    println!(
        "hand-written cases: {}/{} agree",
        cases.as_array().unwrap().len() - failures.len(),
        cases.as_array().unwrap().len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
