//! The avro gate end to end: real git repositories, the real binary.

mod common;

use common::TestRepo;
use serde_json::Value;

const V1: &str = r#"{
  "type": "record",
  "name": "Order",
  "namespace": "shop",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "long"}
  ]
}
"#;

fn avro_findings(report: &Value) -> Vec<Value> {
    report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["gate"] == "avro")
        .flat_map(|g| g["findings"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn avro_status(report: &Value) -> String {
    report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["gate"] == "avro")
        .map(|g| g["status"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn repo_with(v1: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("schemas/order.avsc", v1);
    repo.commit("order v1");
    repo.branch("feature");
    repo
}

#[test]
fn field_added_without_default_fails_backward_at_its_line() {
    let repo = repo_with(V1);
    repo.write(
        "schemas/order.avsc",
        V1.replace(
            "{\"name\": \"amount\", \"type\": \"long\"}",
            "{\"name\": \"amount\", \"type\": \"long\"},\n    {\"name\": \"email\", \"type\": \"string\"}",
        ),
    );
    repo.commit("add email");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let findings = avro_findings(&report);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "avro-reader-field-missing-default");
    assert_eq!(f["location"]["path"], "schemas/order.avsc");
    assert_eq!(f["location"]["start_line"], 8, "the line of the new field");
    assert!(f["title"].as_str().unwrap().contains("`email`"), "{f}");
    assert!(f["help"].as_str().unwrap().contains("default"), "{f}");
}

#[test]
fn field_added_with_default_passes() {
    let repo = repo_with(V1);
    repo.write(
        "schemas/order.avsc",
        V1.replace(
            "{\"name\": \"amount\", \"type\": \"long\"}",
            "{\"name\": \"amount\", \"type\": \"long\"},\n    {\"name\": \"email\", \"type\": [\"null\", \"string\"], \"default\": null}",
        ),
    );
    repo.commit("add optional email");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(avro_status(&report), "pass");
    assert!(avro_findings(&report).is_empty());
}

#[test]
fn transitive_mode_checks_every_earlier_version() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  avro:\n    mode: BACKWARD_TRANSITIVE\n",
    );
    repo.write("schemas/order.avsc", V1);
    repo.commit("v1");
    let with_default = V1.replace(
        "{\"name\": \"amount\", \"type\": \"long\"}",
        "{\"name\": \"amount\", \"type\": \"long\"},\n    {\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}",
    );
    repo.write("schemas/order.avsc", &with_default);
    repo.commit("v2: note with default");
    repo.branch("feature");
    // Dropping the default is fine against v2 (which always wrote `note`) but not against v1.
    repo.write(
        "schemas/order.avsc",
        with_default.replace(", \"default\": \"\"", ""),
    );
    repo.commit("drop the default");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = avro_findings(&run.json());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "avro-reader-field-missing-default");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("the version of commit"),
        "{}",
        findings[0]
    );

    // The same change under plain BACKWARD passes.
    repo.write(".shipgate.yml", "gates:\n  avro:\n    mode: BACKWARD\n");
    repo.commit("plain backward");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn named_types_resolve_across_files_and_changes_in_them_are_checked() {
    let repo = TestRepo::new();
    repo.write(
        "schemas/money.avsc",
        r#"{"type": "fixed", "name": "Money", "namespace": "shop", "size": 8}"#,
    );
    repo.write(
        "schemas/order.avsc",
        r#"{"type": "record", "name": "Order", "namespace": "shop", "fields": [{"name": "total", "type": "Money"}]}"#,
    );
    repo.commit("v1");
    repo.branch("feature");
    // A new field in order.avsc using the other file's type, with a valid default.
    repo.write(
        "schemas/order.avsc",
        "{\"type\": \"record\", \"name\": \"Order\", \"namespace\": \"shop\", \"fields\": [{\"name\": \"total\", \"type\": \"Money\"},\n{\"name\": \"tax\", \"type\": [\"null\", \"shop.Money\"], \"default\": null}]}",
    );
    repo.write(
        "schemas/money.avsc",
        "{\"type\": \"fixed\", \"name\": \"Money\", \"namespace\": \"shop\",\n \"size\": 16}",
    );
    repo.commit("bigger money");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = avro_findings(&run.json());
    let rules: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("avro-fixed-size-mismatch", "schemas/money.avsc")),
        "{findings:#?}"
    );
    assert!(
        !rules.iter().any(|(r, _)| *r == "avro-schema-invalid"),
        "{findings:#?}"
    );
}

#[test]
fn invalid_schema_is_reported_at_its_line() {
    let repo = repo_with(V1);
    repo.write(
        "schemas/order.avsc",
        V1.replace(
            "\"type\": \"long\"}",
            "\"type\": \"long\", \"default\": \"zero\"}",
        ),
    );
    repo.write("schemas/broken.avsc", "{\n  \"type\": \"record\",\n  \"name\": \"B\",\n  \"fields\": [{\"name\": \"x\", \"type\": \"Nope\"}]\n}\n");
    repo.commit("bad");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = avro_findings(&run.json());
    let got: Vec<(String, u64)> = findings
        .iter()
        .map(|f| {
            (
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap(),
                    f["location"]["path"].as_str().unwrap()
                ),
                f["location"]["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        got.contains(&("avro-schema-invalid schemas/order.avsc".into(), 7)),
        "{got:?}"
    );
    assert!(
        got.contains(&("avro-schema-invalid schemas/broken.avsc".into(), 4)),
        "{got:?}"
    );
}

#[test]
fn standalone_check_exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.avsc");
    let new = dir.path().join("new.avsc");
    std::fs::write(&old, V1).unwrap();
    std::fs::write(&new, V1.replace("\"long\"", "\"int\"")).unwrap();
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", o, n, "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["compatible"], false);
    assert_eq!(doc["findings"][0]["rule"], "avro-type-mismatch");
    assert_eq!(doc["findings"][0]["location"]["start_line"], 7);
    // FORWARD: the old reader (long) reads int data: fine.
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", o, n, "--mode", "FORWARD"],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("compatible (FORWARD)"), "{run:?}");
    std::fs::write(&new, "{\"type\": \"record\",\n \"name\": 5}").unwrap();
    let run = common::shipgate_in(dir.path(), &["avro", "check", o, n], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("new.avsc:2"), "{run:?}");
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", o, n, "--mode", "SIDEWAYS"],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn forward_mode_points_a_removed_field_at_its_base_line_and_per_path_modes_apply() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  avro:\n    mode: BACKWARD\n    modes:\n      - paths: [\"schemas/strict/**\"]\n        mode: FULL\n",
    );
    repo.write("schemas/strict/order.avsc", V1);
    repo.write("schemas/loose/order.avsc", V1);
    repo.commit("v1");
    repo.branch("feature");
    // Removing `amount` (no default): BACKWARD accepts it, FORWARD does not.
    let removed = V1.replace(",\n    {\"name\": \"amount\", \"type\": \"long\"}", "");
    assert_ne!(removed, V1);
    repo.write("schemas/strict/order.avsc", &removed);
    repo.write("schemas/loose/order.avsc", &removed);
    repo.commit("remove amount");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = avro_findings(&run.json());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "avro-reader-field-missing-default");
    assert_eq!(f["location"]["path"], "schemas/strict/order.avsc");
    assert_eq!(f["location"]["side"], "base");
    assert_eq!(
        f["location"]["start_line"], 7,
        "the removed field's line in base"
    );
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains("`amount` was removed"),
        "{f}"
    );
}

#[test]
fn standalone_transitive_modes_use_every_earlier_file() {
    let dir = tempfile::tempdir().unwrap();
    let with_default = V1.replace(
        "{\"name\": \"amount\", \"type\": \"long\"}",
        "{\"name\": \"amount\", \"type\": \"long\"},\n    {\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}",
    );
    let files = [
        ("v1.avsc", V1.to_string()),
        ("v2.avsc", with_default.clone()),
        ("v3.avsc", with_default.replace(", \"default\": \"\"", "")),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", "v1.avsc", "v2.avsc", "v3.avsc"],
        &[],
    );
    assert_eq!(
        run.code, 0,
        "BACKWARD only checks the newest earlier file: {run:?}"
    );
    let run = common::shipgate_in(
        dir.path(),
        &[
            "avro",
            "check",
            "v1.avsc",
            "v2.avsc",
            "v3.avsc",
            "--mode",
            "BACKWARD_TRANSITIVE",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let doc = run.json();
    assert_eq!(
        doc["findings"][0]["rule"],
        "avro-reader-field-missing-default"
    );
    assert!(
        doc["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("v1.avsc"),
        "{doc}"
    );
}

#[test]
fn inline_allow_comment_silences_a_finding_only_when_policy_allows() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "policy:\n  allow_inline_suppressions: always\n",
    );
    repo.write("schemas/order.avsc", V1);
    repo.commit("v1");
    repo.branch("feature");
    repo.write(
        "schemas/order.avsc",
        V1.replace(
            "{\"name\": \"amount\", \"type\": \"long\"}",
            "{\"name\": \"amount\", \"type\": \"int\"} // shipgate:allow avro-type-mismatch (no data yet)",
        ),
    );
    repo.commit("narrow amount, knowingly");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(avro_findings(&run.json()).is_empty());

    // The default policy does not let a change silence its own findings.
    repo.write(".shipgate.yml", "gates:\n  avro:\n    mode: BACKWARD\n");
    repo.commit("default policy");
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = avro_findings(&run.json());
    assert_eq!(findings[0]["rule"], "avro-type-mismatch", "{findings:#?}");
}

#[test]
fn protocols_are_checked_type_by_type() {
    let dir = tempfile::tempdir().unwrap();
    let old = r#"{"protocol": "Shop", "namespace": "shop", "types": [
  {"type": "record", "name": "Order", "fields": [{"name": "amount", "type": "long"}]},
  {"type": "record", "name": "Gone", "fields": []}
]}"#;
    // `Gone` removed and `Refund` added: not compatibility problems for a protocol.
    let compatible = r#"{"protocol": "Shop", "namespace": "shop", "types": [
  {"type": "record", "name": "Order", "fields": [{"name": "amount", "type": "long"}]},
  {"type": "record", "name": "Refund", "fields": [{"name": "x", "type": "int"}]}
]}"#;
    let narrowed = compatible.replace(
        "\"amount\", \"type\": \"long\"",
        "\"amount\", \"type\": \"int\"",
    );
    std::fs::write(dir.path().join("old.avpr"), old).unwrap();
    std::fs::write(dir.path().join("ok.avpr"), compatible).unwrap();
    std::fs::write(dir.path().join("bad.avpr"), &narrowed).unwrap();
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", "old.avpr", "ok.avpr", "--mode", "FULL"],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = common::shipgate_in(
        dir.path(),
        &["avro", "check", "old.avpr", "bad.avpr", "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["findings"][0]["rule"], "avro-type-mismatch");
    assert_eq!(doc["findings"][0]["location"]["start_line"], 2);
}
