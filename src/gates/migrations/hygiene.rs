//! Migration hygiene over the change: edits to applied migrations, version
//! order and duplicates, naming conventions, forward-only policy and the
//! required header. Works on plain data (what changed, which migrations exist
//! at base and head), so it is tested without git.

use super::detect::{Framework, Migration, Role};
use super::rules::rule;
use crate::changeset::FileStatus;
use crate::finding::{Finding, Location};
use crate::rules::RuleInfo;
use std::collections::BTreeMap;

rule!(
    NAME_INVALID,
    "migration-name-invalid",
    Error,
    "A migration file's name breaks its framework's convention, so the framework ignores or misorders it",
    r#"## What it does
Reports a `.sql` file added next to migrations of a framework (or in a directory configured for
one) whose name does not follow that framework's convention, e.g. `V2_add_x.sql` (one underscore)
or `v2__add_x.sql` (lower-case prefix) among Flyway migrations.

## Why is this bad?
Frameworks select files by name: Flyway skips (or, with `validateMigrationNaming`, rejects) a
mis-named file, golang-migrate ignores files without `.up.sql`. The migration silently never runs.

## Example
`db/migration/V2_add_currency.sql` → `db/migration/V2__add_currency.sql`.
"#
);

rule!(
    VERSION_OUT_OF_ORDER,
    "migration-version-out-of-order",
    Error,
    "A new migration's version is lower than the highest version on the target branch",
    r#"## What it does
Reports an added migration whose version is lower than the highest version of the same series
(directory) on the base branch.

## Why is this bad?
Databases that already ran the higher version will either refuse the new one (Flyway without
`outOfOrder`: "Detected resolved migration not applied to database"; golang-migrate and dbmate
never run it) or apply it in a different order than fresh databases do.

## Example
Base has `V7__add_index.sql`; the branch adds `V5__add_column.sql` (it was started before V7
merged). Rename it to `V8__add_column.sql`.
"#
);

rule!(
    VERSION_DUPLICATE,
    "migration-version-duplicate",
    Error,
    "Two migrations share a version",
    r#"## What it does
Reports an added or renamed migration whose version is already used by another migration of the
same series (directory) and kind.

## Why is this bad?
Flyway fails with "Found more than one migration with version"; golang-migrate and dbmate run only
one of them. This happens when two branches pick the same next number.

## Example
`V8__add_currency.sql` and `V8__add_tax.sql` → renumber the one added here to the next free version.
"#
);

rule!(
    APPLIED_MIGRATION_MODIFIED,
    "applied-migration-modified",
    Error,
    "A migration that exists on the target branch (already applied) was modified, renamed or deleted",
    r#"## What it does
Reports a change to a versioned migration that already exists on the base branch: an edit, a
rename or a deletion. Flyway repeatable migrations (`R__`) may change; Liquibase files may grow by
appending changesets.

## Why is this bad?
Environments that already ran the migration will not run it again: the edit never reaches them,
so databases drift apart. Flyway and Liquibase store checksums and fail `validate`/`migrate`
("Migration checksum mismatch") on every environment that applied the old version.

## Example
Do not edit `V3__create_orders.sql`; add `V9__fix_orders.sql` with the correction.
"#
);

rule!(
    DOWN_MIGRATION_ADDED,
    "down-migration-added",
    Error,
    "A down/undo migration was added while the policy is forward-only",
    r#"## What it does
With `forward_only: true`, reports added Flyway undo files (`U<version>__*.sql`), golang-migrate
`.down.sql` files, sqitch `revert/` scripts, and dbmate `-- migrate:down` sections that contain SQL.

## Why is this bad?
Under a forward-only policy, a rollback is a new forward migration reviewed like any other. Down
scripts are rarely tested, often destroy data added since the up migration, and invite running
them in production.

## Example
Instead of `000012_add_plan.down.sql`, roll back with a new `000013_remove_plan.up.sql` when needed.
"#
);

rule!(
    HEADER_MISSING,
    "migration-header-missing",
    Error,
    "A new migration lacks required header fields (e.g. `-- Team:`, `-- Risk:`, `-- Rollback:`)",
    r#"## What it does
With `required_header` set (e.g. `[Team, Risk, Rollback]`), reports an added migration whose
leading comments do not contain each field as `-- Field: value` with a non-empty value.

## Why is this bad?
Reviewers and on-call engineers need to know who owns a migration, how risky it is and how to undo
it, before it runs, not after it pages them.

## Example
```sql
-- Team: orders
-- Risk: low (adds a nullable column)
-- Rollback: ALTER TABLE orders DROP COLUMN currency
ALTER TABLE orders ADD COLUMN currency text;
```
"#
);

/// One changed migration file, as hygiene sees it.
#[derive(Debug, Clone)]
pub struct ChangedMigration {
    pub status: FileStatus,
    /// The file at head (absent for deletions).
    pub head: Option<Migration>,
    /// The file at base (absent for additions), when it is a migration there.
    pub base: Option<Migration>,
    /// The head path even when it is not recognised as a migration.
    pub head_path: Option<String>,
    pub base_path: Option<String>,
    /// First added line in head (1 when unknown).
    pub first_added_line: u32,
    /// Only lines added, none removed (Liquibase may append changesets).
    pub pure_append: bool,
    /// Leading comments of the head file.
    pub header: Vec<String>,
    /// Rule ids allowed anywhere in the head file (`-- shipgate:allow RULE`).
    pub allowed: Vec<String>,
    /// dbmate: the down section contains SQL.
    pub has_down_section_sql: bool,
}

/// Settings hygiene needs.
#[derive(Debug, Clone, Default)]
pub struct HygieneConfig {
    pub framework: Framework,
    pub forward_only: bool,
    pub required_header: Vec<String>,
}

fn finding(rule: &RuleInfo, location: Location, key: &str, title: String) -> Finding {
    Finding::new(
        "migrations",
        rule.id,
        rule.default_severity,
        title,
        Some(location),
        key,
    )
}

/// The framework most migrations in `dir` follow at head, if any.
fn dominant_framework(dir: &str, head: &[Migration]) -> Option<Framework> {
    let mut counts: BTreeMap<Framework, usize> = BTreeMap::new();
    for m in head.iter().filter(|m| parent(&m.path) == dir) {
        if m.framework != Framework::Plain {
            *counts.entry(m.framework).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Run the hygiene rules. `head_sql` lists every `.sql` path at head that is a
/// candidate migration but not recognised (for naming checks).
pub fn check(
    changed: &[ChangedMigration],
    base: &[Migration],
    head: &[Migration],
    config: &HygieneConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in changed {
        let allowed = |rule: &RuleInfo| c.allowed.iter().any(|a| a == rule.id);
        // Edits to applied migrations.
        if let Some(b) = &c.base
            && b.role == Role::Versioned
            && c.status != FileStatus::Added
            && c.status != FileStatus::Copied
        {
            let liquibase_append = b.framework == Framework::Liquibase && c.pure_append;
            if !liquibase_append && !allowed(&APPLIED_MIGRATION_MODIFIED) {
                let (location, what) = match (&c.status, &c.head_path) {
                    (FileStatus::Deleted, _) | (_, None) => (
                        Location::line(b.path.clone(), 1).in_base(),
                        "deleted".to_string(),
                    ),
                    (FileStatus::Renamed, Some(p)) => (
                        Location::line(p.clone(), c.first_added_line),
                        format!("renamed to `{p}`"),
                    ),
                    (_, Some(p)) => (
                        Location::line(p.clone(), c.first_added_line),
                        "modified".to_string(),
                    ),
                };
                let checksum = matches!(b.framework, Framework::Flyway | Framework::Liquibase);
                out.push(
                    finding(
                        &APPLIED_MIGRATION_MODIFIED,
                        location,
                        &b.path,
                        format!("Applied migration `{}` was {what}", b.path),
                    )
                    .with_message(format!(
                        "`{}` exists on the target branch, so environments have already run it \
                         and will not run it again: this change never reaches them.{}",
                        b.path,
                        if checksum {
                            format!(
                                " {} also fails validation with a checksum mismatch on every \
                                 environment that applied the old version.",
                                if b.framework == Framework::Flyway {
                                    "Flyway"
                                } else {
                                    "Liquibase"
                                }
                            )
                        } else {
                            String::new()
                        }
                    ))
                    .with_help(
                        "Revert this change and put the correction in a new migration with the \
                         next version.",
                    ),
                );
            }
        }

        let Some(h) = &c.head else {
            // Not recognised at head: a naming problem if its directory follows a framework.
            if let Some(path) = &c.head_path
                && matches!(
                    c.status,
                    FileStatus::Added | FileStatus::Renamed | FileStatus::Copied
                )
                && !allowed(&NAME_INVALID)
            {
                let fw = if config.framework != Framework::Auto {
                    Some(config.framework)
                } else {
                    dominant_framework(parent(path), head)
                };
                if let Some(fw) = fw {
                    out.push(
                        finding(
                            &NAME_INVALID,
                            Location::line(path.clone(), 1),
                            path,
                            format!(
                                "`{path}` does not follow the {} naming convention",
                                fw.as_str()
                            ),
                        )
                        .with_message(format!(
                            "Migrations here are {} migrations, which must be named {}. {} will \
                             not run this file as a migration.",
                            fw.as_str(),
                            fw.convention(),
                            fw.as_str()
                        ))
                        .with_help(format!("Rename the file to follow {}.", fw.convention())),
                    );
                }
            }
            continue;
        };
        let is_new = matches!(
            c.status,
            FileStatus::Added | FileStatus::Renamed | FileStatus::Copied
        );
        if !is_new {
            continue;
        }

        // Forward-only.
        let down = h.role == Role::Down || c.has_down_section_sql;
        if config.forward_only && down && !allowed(&DOWN_MIGRATION_ADDED) {
            out.push(
                finding(
                    &DOWN_MIGRATION_ADDED,
                    Location::line(h.path.clone(), 1),
                    &h.path,
                    format!("Down/undo migration added: `{}`", h.path),
                )
                .with_message(
                    "The policy is forward-only (`forward_only: true`): rollbacks are new forward \
                     migrations, reviewed like any other.",
                )
                .with_help("Remove the down/undo script; write a forward migration if a rollback is needed."),
            );
        }

        // Version order and duplicates.
        if let Some(version) = &h.version
            && h.role != Role::Verify
        {
            let same = |m: &&Migration| {
                m.series == h.series && m.framework == h.framework && m.role == h.role
            };
            let duplicate = head
                .iter()
                .filter(same)
                .find(|m| m.path != h.path && m.version.as_ref() == Some(version));
            if let Some(other) = duplicate {
                if !allowed(&VERSION_DUPLICATE) {
                    out.push(
                        finding(
                            &VERSION_DUPLICATE,
                            Location::line(h.path.clone(), 1),
                            &h.path,
                            format!(
                                "Version {} of `{}` is also used by `{}`",
                                version.text, h.path, other.path
                            ),
                        )
                        .with_message(
                            "Two migrations with one version: Flyway fails (\"Found more than one \
                             migration with version\"); golang-migrate and dbmate run only one.",
                        )
                        .with_help("Renumber the migration added here to the next free version."),
                    );
                }
            } else if h.role == Role::Versioned
                && let Some(highest) = base
                    .iter()
                    .filter(same)
                    .filter_map(|m| m.version.as_ref().map(|v| (v, &m.path)))
                    .max_by(|a, b| a.0.cmp(b.0))
                && version < highest.0
                && !allowed(&VERSION_OUT_OF_ORDER)
            {
                out.push(
                    finding(
                        &VERSION_OUT_OF_ORDER,
                        Location::line(h.path.clone(), 1),
                        &h.path,
                        format!(
                            "Version {} is lower than {} (`{}`) on the target branch",
                            version.text, highest.0.text, highest.1
                        ),
                    )
                    .with_message(
                        "Databases that already ran the higher version refuse this one (Flyway: \
                         \"Detected resolved migration not applied to database\") or never run it \
                         (golang-migrate, dbmate), and fresh databases apply the two in another order.",
                    )
                    .with_help(format!(
                        "Rename the migration to a version above {}.",
                        highest.0.text
                    )),
                );
            }
        }

        // Header.
        if !config.required_header.is_empty()
            && matches!(h.role, Role::Versioned | Role::Repeatable)
            && !allowed(&HEADER_MISSING)
        {
            let missing: Vec<&str> = config
                .required_header
                .iter()
                .filter(|field| !has_header_field(&c.header, field))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|f| format!("`-- {f}:`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(
                    finding(
                        &HEADER_MISSING,
                        Location::line(h.path.clone(), 1),
                        &h.path,
                        format!("Migration header lacks {list}"),
                    )
                    .with_message(format!(
                        "Policy (`required_header`) asks every new migration to start with comments \
                         naming {}.",
                        config.required_header.join(", ")
                    ))
                    .with_help(format!(
                        "Start the file with {}",
                        missing.iter().map(|f| format!("`-- {f}: ...`")).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
        }
    }
    out
}

/// Whether a leading comment reads `-- Field: value` with a non-empty value.
fn has_header_field(header: &[String], field: &str) -> bool {
    header.iter().flat_map(|c| c.lines()).any(|line| {
        let body = line
            .trim()
            .trim_start_matches("--")
            .trim_start_matches("/*")
            .trim();
        match body.split_once(':') {
            Some((name, value)) => {
                name.trim().eq_ignore_ascii_case(field)
                    && !value.trim().trim_end_matches("*/").trim().is_empty()
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::migrations::detect::{Framework, classify};

    fn m(path: &str) -> Migration {
        classify(path, None, Framework::Auto, &|_| false).expect("migration")
    }

    fn added(path: &str) -> ChangedMigration {
        ChangedMigration {
            status: FileStatus::Added,
            head: classify(path, None, Framework::Auto, &|_| false),
            base: None,
            head_path: Some(path.to_string()),
            base_path: None,
            first_added_line: 1,
            pure_append: true,
            header: vec![],
            allowed: vec![],
            has_down_section_sql: false,
        }
    }

    fn rules(found: &[Finding]) -> Vec<&str> {
        found.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn modified_and_deleted_applied_migrations() {
        let mut c = added("db/migration/V1__init.sql");
        c.status = FileStatus::Modified;
        c.base = Some(m("db/migration/V1__init.sql"));
        c.first_added_line = 3;
        let found = check(&[c.clone()], &[], &[], &HygieneConfig::default());
        assert_eq!(rules(&found), vec!["applied-migration-modified"]);
        assert_eq!(found[0].location.as_ref().map(|l| l.start_line), Some(3));
        assert!(found[0].message.contains("checksum"));

        c.status = FileStatus::Deleted;
        c.head = None;
        c.head_path = None;
        let found = check(&[c], &[], &[], &HygieneConfig::default());
        assert_eq!(
            found[0].location.as_ref().map(|l| l.side),
            Some(crate::finding::Side::Base)
        );
    }

    #[test]
    fn repeatable_edits_are_fine() {
        let mut c = added("db/migration/R__views.sql");
        c.status = FileStatus::Modified;
        c.base = Some(m("db/migration/R__views.sql"));
        assert!(check(&[c], &[], &[], &HygieneConfig::default()).is_empty());
    }

    #[test]
    fn out_of_order_and_duplicates() {
        let base = vec![m("db/migration/V1__a.sql"), m("db/migration/V7__b.sql")];
        let mut head = base.clone();
        head.push(m("db/migration/V5__c.sql"));
        head.push(m("db/migration/V7__d.sql"));
        head.push(m("db/migration/V8__e.sql"));
        let changed = vec![
            added("db/migration/V5__c.sql"),
            added("db/migration/V7__d.sql"),
            added("db/migration/V8__e.sql"),
        ];
        let found = check(&changed, &base, &head, &HygieneConfig::default());
        assert_eq!(
            rules(&found),
            vec![
                "migration-version-out-of-order",
                "migration-version-duplicate"
            ]
        );
        // Another directory is another series.
        let other = vec![added("svc2/db/migration/V1__x.sql")];
        assert!(check(&other, &base, &head, &HygieneConfig::default()).is_empty());
    }

    #[test]
    fn naming_follows_the_directory_framework() {
        let head = vec![m("db/migration/V1__a.sql")];
        let mut c = added("db/migration/V2_oops.sql");
        assert!(c.head.is_none());
        c.head_path = Some("db/migration/V2_oops.sql".into());
        let found = check(&[c], &[], &head, &HygieneConfig::default());
        assert_eq!(rules(&found), vec!["migration-name-invalid"]);
    }

    #[test]
    fn forward_only_and_header() {
        let config = HygieneConfig {
            forward_only: true,
            required_header: vec!["Team".into(), "Risk".into(), "Rollback".into()],
            ..HygieneConfig::default()
        };
        let down = added("migrations/2_x.down.sql");
        let mut up = added("migrations/2_x.up.sql");
        up.header = vec!["-- Team: orders".into(), "-- Risk:".into()];
        let found = check(&[down, up], &[], &[], &config);
        assert_eq!(
            rules(&found),
            vec!["down-migration-added", "migration-header-missing"]
        );
        assert!(found[1].title.contains("Risk") && found[1].title.contains("Rollback"));
        assert!(!found[1].title.contains("Team"));
    }

    #[test]
    fn allow_comment_silences_file_rules() {
        let mut c = added("db/migration/V1__init.sql");
        c.status = FileStatus::Modified;
        c.base = Some(m("db/migration/V1__init.sql"));
        c.allowed = vec!["applied-migration-modified".into()];
        assert!(check(&[c], &[], &[], &HygieneConfig::default()).is_empty());
    }
}
