//! The migrations gate end to end: real git repositories, the real binary.

mod common;

use common::TestRepo;
use serde_json::Value;

const V1: &str = "-- Team: orders\n-- Risk: low\n-- Rollback: DROP TABLE orders\nCREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  note text,\n  customer_id bigint\n);\n";

fn migration_findings(report: &Value) -> Vec<(String, String, u64, String)> {
    common::gate_findings(report, "migrations")
        .into_iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["start_line"].as_u64().unwrap_or(0),
                f["location"]["side"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn base_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("db/migration/V1__create_orders.sql", V1);
    repo.write("README.md", "service\n");
    repo.commit("v1");
    repo.branch("feature");
    repo
}

#[test]
fn pr_with_drop_column_plain_index_and_edited_v1_fails_at_the_right_lines() {
    let repo = base_repo();
    repo.write(
        "db/migration/V2__drop_note.sql",
        "-- Team: orders\n-- Risk: high\n-- Rollback: none\nALTER TABLE orders DROP COLUMN note;\n\n-- lookups by customer\nCREATE INDEX orders_customer_idx\n  ON orders (customer_id);\n",
    );
    // Editing an applied migration: line 7 changes.
    repo.write(
        "db/migration/V1__create_orders.sql",
        V1.replace("  customer_id bigint\n", "  customer_id bigint NOT NULL\n"),
    );
    repo.commit("drop note, index customer");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let found = migration_findings(&run.json());
    let expect = |rule: &str, path: &str, line: u64| {
        assert!(
            found
                .iter()
                .any(|(r, p, l, _)| r == rule && p == path && *l == line),
            "expected {rule} at {path}:{line} in {found:#?}"
        );
    };
    expect("drop-column", "db/migration/V2__drop_note.sql", 4);
    expect(
        "create-index-without-concurrently",
        "db/migration/V2__drop_note.sql",
        7,
    );
    expect(
        "applied-migration-modified",
        "db/migration/V1__create_orders.sql",
        7,
    );
    // Nothing else: the unchanged parts of V1 (CREATE TABLE) are not findings.
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn deleted_applied_migration_points_at_base_and_out_of_order_versions_fail() {
    let repo = TestRepo::new();
    repo.write("db/migration/V1__a.sql", "CREATE TABLE a (id int);\n");
    repo.write("db/migration/V7__b.sql", "CREATE TABLE b (id int);\n");
    repo.commit("base");
    repo.branch("feature");
    repo.remove("db/migration/V1__a.sql");
    repo.write("db/migration/V5__c.sql", "CREATE TABLE c (id int);\n");
    repo.write("db/migration/V8_oops.sql", "CREATE TABLE d (id int);\n");
    repo.commit("change");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let found = migration_findings(&run.json());
    assert!(
        found.contains(&(
            "applied-migration-modified".into(),
            "db/migration/V1__a.sql".into(),
            1,
            "base".into()
        )),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(r, p, _, _)| r == "migration-version-out-of-order" && p.ends_with("V5__c.sql")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(r, p, _, _)| r == "migration-name-invalid" && p.ends_with("V8_oops.sql")),
        "{found:#?}"
    );
}

#[test]
fn safe_migration_passes_and_allow_comments_are_reported_as_notes() {
    let repo = base_repo();
    repo.write(
        ".shipgate.yml",
        "gates:\n  migrations:\n    required_header: [Team, Risk, Rollback]\npolicy:\n  allow_inline_suppressions: always\n",
    );
    repo.write(
        "db/migration/V2__add_currency.sql",
        "-- Team: orders\n-- Risk: low\n-- Rollback: ALTER TABLE orders DROP COLUMN currency\nALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';\n-- shipgate:allow drop-column unused since release 2.14\nALTER TABLE orders DROP COLUMN note;\n",
    );
    repo.commit("currency");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert!(migration_findings(&report).is_empty());
    let notes = report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["gate"] == "migrations")
        .map(|g| g["notes"].to_string())
        .unwrap_or_default();
    assert!(notes.contains("unused since release 2.14"), "{notes}");
}

#[test]
fn missing_header_and_unverifiable_approval_with_config() {
    let repo = base_repo();
    repo.write(
        ".shipgate.yml",
        "gates:\n  migrations:\n    required_header: [Team, Risk, Rollback]\n    approvals:\n      - name: DBA + platform lead\n        paths: [\"db/migration/**\"]\n        require: [\"@acme/dba\", [\"@alice\", \"@bob\"]]\n",
    );
    repo.write(
        "db/migration/V2__x.sql",
        "-- Team: orders\nALTER TABLE orders ADD COLUMN x int;\n",
    );
    repo.commit("x");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let found = migration_findings(&run.json());
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert!(rules.contains(&"migration-header-missing"), "{found:#?}");
    assert!(
        rules.contains(&"migration-approval-unverifiable"),
        "{found:#?}"
    );
}

#[test]
fn no_migration_changes_skip_the_gate() {
    let repo = base_repo();
    repo.write("README.md", "changed\n");
    repo.commit("docs");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let status = report["gates"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["gate"] == "migrations")
        .map(|g| g["status"].clone());
    assert_eq!(status, Some(Value::from("skipped")));
}

#[test]
fn standalone_lint_text_json_and_exit_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("V3__bad.sql");
    let good = dir.path().join("V4__good.sql");
    std::fs::write(&bad, "SELECT 1;\nDELETE FROM sessions;\n").expect("write");
    std::fs::write(
        &good,
        "CREATE TABLE t (id bigint);\nCREATE INDEX t_id ON t (id);\n",
    )
    .expect("write");
    let bad_s = bad.display().to_string();
    let good_s = good.display().to_string();

    let run = common::shipgate_in(dir.path(), &["migrations", "lint", &bad_s], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("V3__bad.sql:2:1: error [delete-without-where]"),
        "{run:?}"
    );

    let run = common::shipgate_in(
        dir.path(),
        &["migrations", "lint", &bad_s, "--format", "json"],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["findings"][0]["rule"], "delete-without-where");
    assert_eq!(json["findings"][0]["location"]["start_line"], 2);

    let run = common::shipgate_in(dir.path(), &["migrations", "lint", &good_s], &[]);
    assert_eq!(run.code, 0, "{run:?}");

    let missing = dir.path().join("nope.sql").display().to_string();
    let run = common::shipgate_in(dir.path(), &["migrations", "lint", &missing], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nope.sql"), "{run:?}");

    let run = common::shipgate_in(
        dir.path(),
        &[
            "migrations",
            "lint",
            &good_s,
            "--dialect",
            "mysql",
            "--mysql-version",
            "eight",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--mysql-version eight"), "{run:?}");
}

const MYSQL_V2: &str = "-- Team: orders\n\
ALTER TABLE orders MODIFY total DECIMAL(12,2) NOT NULL;\n\
# DROP TABLE orders;\n\
ALTER TABLE orders ADD INDEX orders_created (created_at), ALGORITHM=INPLACE, LOCK=NONE;\n\
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk\n  FOREIGN KEY (customer_id) REFERENCES customers (id);\n\
ALTER TABLE orders ADD COLUM;\n\
DELETE FROM sessions;\n";

#[test]
fn mysql_lint_reports_mysql_rules_at_their_lines_and_keeps_going_after_a_bad_statement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("V2__orders.sql");
    std::fs::write(&file, MYSQL_V2).expect("write");
    let file_s = file.display().to_string();
    let run = common::shipgate_in(
        dir.path(),
        &[
            "migrations",
            "lint",
            &file_s,
            "--dialect",
            "mysql",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    let found: Vec<(String, u64)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["location"]["start_line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("mysql-alter-copies-table".to_string(), 2),
            ("mysql-add-foreign-key".to_string(), 5),
            ("sql-syntax-error".to_string(), 7),
            ("delete-without-where".to_string(), 8),
        ]
    );
    assert_eq!(json["metrics"]["statements"], 5);
    // The same file read as PostgreSQL reports other things (no MySQL rule).
    let run = common::shipgate_in(dir.path(), &["migrations", "lint", &file_s], &[]);
    assert!(!run.stdout.contains("mysql-"), "{run:?}");
}

#[test]
fn mysql_dialect_from_config_in_check() {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        "gates:\n  migrations:\n    dialect: mysql\n    mysql_version: \"5.7\"\n",
    );
    repo.write(
        "db/migration/V1__orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY AUTO_INCREMENT, total int) ENGINE=InnoDB;\n",
    );
    repo.commit("v1");
    repo.branch("feature");
    repo.write(
        "db/migration/V2__note.sql",
        "ALTER TABLE orders ADD COLUMN note text AFTER id;\n",
    );
    repo.commit("v2");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let findings = common::gate_findings(&run.json(), "migrations");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "mysql-alter-copies-table");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("8.0.29"),
        "{findings:#?}"
    );
}

#[test]
fn dangerous_only_approvals_apply_to_allowed_overrides_but_not_to_safe_changes() {
    let config = "gates:\n  migrations:\n    approval_unverifiable: warn\n    approvals:\n      - name: DBA\n        when: dangerous\n        require: [\"@acme/dba\"]\npolicy:\n  allow_inline_suppressions: always\n";
    let safe = base_repo();
    safe.write(".shipgate.yml", config);
    safe.write(
        "db/migration/V2__add.sql",
        "ALTER TABLE orders ADD COLUMN currency text;\n",
    );
    safe.commit("safe");
    let run = safe.check_gate("migrations");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(migration_findings(&run.json()).is_empty());

    let overridden = base_repo();
    overridden.write(".shipgate.yml", config);
    overridden.write(
        "db/migration/V2__drop.sql",
        "-- shipgate:allow drop-column unused since 2.14\nALTER TABLE orders DROP COLUMN note;\n",
    );
    overridden.commit("override");
    let run = overridden.check_gate("migrations");
    // `warn`: reported, but not failing.
    assert_eq!(run.code, 0, "{run:?}");
    let found = migration_findings(&run.json());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "migration-approval-unverifiable");
}

#[test]
fn allow_comments_added_by_the_change_are_not_honoured_by_default() {
    let repo = base_repo();
    repo.write(
        "db/migration/V2__drop.sql",
        "-- shipgate:allow drop-column unused since 2.14\nALTER TABLE orders DROP COLUMN note;\n",
    );
    repo.commit("self-silenced drop");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let found = migration_findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].0.as_str(), found[0].2), ("drop-column", 2));
    assert!(report.to_string().contains("not honoured"), "{report}");
}

#[test]
fn configured_paths_choose_the_migrations() {
    let repo = base_repo();
    repo.write(
        ".shipgate.yml",
        "gates:\n  migrations:\n    paths: [\"schema/changes/**\"]\n",
    );
    repo.write(
        "schema/changes/2024_add.sql",
        "UPDATE orders SET note = '';\n",
    );
    repo.write("reports/monthly.sql", "DELETE FROM tmp_report;\n");
    // Outside `paths`, even a Flyway-named file is not this gate's business.
    repo.write("db/migration/V2__x.sql", "TRUNCATE orders;\n");
    repo.commit("paths");
    let run = repo.check_gate("migrations");
    assert_eq!(run.code, 1, "{run:?}");
    let found = migration_findings(&run.json());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "update-without-where");
    assert_eq!(found[0].1, "schema/changes/2024_add.sql");
}

#[test]
fn a_drop_inside_a_do_block_fails_the_standalone_lint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("V5__cleanup.sql");
    std::fs::write(
        &file,
        "DO $$\nBEGIN\n  IF to_regclass('legacy_orders') IS NOT NULL THEN\n    DROP TABLE legacy_orders;\n  END IF;\n  RAISE NOTICE 'DROP TABLE is only text here;';\nEND\n$$;\n",
    )
    .expect("write");
    let file_s = file.display().to_string();
    let run = common::shipgate_in(dir.path(), &["migrations", "lint", &file_s], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("V5__cleanup.sql:4:5: error [drop-table]"),
        "{run:?}"
    );
    assert!(run.stdout.contains("1 finding(s)"), "{run:?}");
}
