//! Destructive statements: dropping columns, tables, schemas and databases,
//! TRUNCATE, and UPDATE/DELETE without WHERE. Work on tables created earlier
//! in the same migration is not reported (they are new and empty).

use super::rule;
use crate::gates::migrations::lint::{Cx, SqlFinding, relation_of};
use crate::gates::migrations::sql;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

rule!(
    DROP_COLUMN,
    "drop-column",
    Error,
    "A column is dropped: running code that reads or writes it breaks",
    r#"## What it does
Reports `ALTER TABLE ... DROP COLUMN` on a table that existed before this migration.

## Why is this bad?
The application version running during and after the deploy may still select, insert or map the
column (ORMs often list every column); those queries fail the moment the migration commits, and
the data is gone (a rollback of the application cannot bring it back). Dropping also takes an
ACCESS EXCLUSIVE lock on the table.

## Example
```sql
ALTER TABLE orders DROP COLUMN note;
```
Use expand-then-contract: (1) release code that no longer reads or writes `note` (for ORMs, mark
it ignored); (2) once no running version uses it, drop it in a later migration, with an allow
comment naming the release: `-- shipgate:allow drop-column unused since 2.14`.
"#
);

rule!(
    DROP_TABLE,
    "drop-table",
    Error,
    "A table is dropped: its data is lost and running code that uses it breaks",
    r#"## What it does
Reports `DROP TABLE` of a table that existed before this migration.

## Why is this bad?
The data is lost for good and every query of running application versions that touches the table
fails. The drop waits for an ACCESS EXCLUSIVE lock, queueing every other query on the table behind it.

## Example
```sql
DROP TABLE legacy_orders;
```
Stop using the table in a released version first (expand-then-contract), keep a backup or rename it
away for one release, then drop it with `-- shipgate:allow drop-table reason`.
"#
);

rule!(
    DROP_SCHEMA,
    "drop-schema",
    Error,
    "A schema is dropped with everything in it",
    r#"## What it does
Reports `DROP SCHEMA`.

## Why is this bad?
Dropping a schema (especially with CASCADE) removes every table, view and function in it: data
loss and broken queries across the application, often beyond what the author looked at.

## Example
```sql
DROP SCHEMA reporting CASCADE;
```
Drop the objects explicitly, one reviewed migration at a time, after the code stopped using them.
"#
);

rule!(
    DROP_DATABASE,
    "drop-database",
    Error,
    "A database is dropped",
    r#"## What it does
Reports `DROP DATABASE`.

## Why is this bad?
A migration that drops a database destroys all of its data; it is almost never intended in a
schema migration and cannot be undone.

## Example
```sql
DROP DATABASE analytics;
```
Do this as a reviewed operational task, not as a migration.
"#
);

rule!(
    TRUNCATE_TABLE,
    "truncate-table",
    Error,
    "TRUNCATE deletes every row under an ACCESS EXCLUSIVE lock",
    r#"## What it does
Reports `TRUNCATE` of a table that existed before this migration (with or without CASCADE).

## Why is this bad?
All rows are gone for good (TRUNCATE is not MVCC-safe: concurrent transactions see an empty
table), it takes an ACCESS EXCLUSIVE lock, and with CASCADE it also empties every table that
references it.

## Example
```sql
TRUNCATE audit_log;
```
If the data must go, delete it in batches (`DELETE ... WHERE id < ...`) or archive it first, and
document the decision with `-- shipgate:allow truncate-table reason`.
"#
);

rule!(
    DELETE_WITHOUT_WHERE,
    "delete-without-where",
    Error,
    "DELETE without WHERE removes every row of the table",
    r#"## What it does
Reports `DELETE FROM table` with no `WHERE` clause, on a table that existed before this migration.

## Why is this bad?
Every row is deleted, in one long transaction that holds row locks on all of them, bloats the table
and floods replication. It is usually a forgotten WHERE.

## Example
```sql
DELETE FROM sessions;
```
Add the condition you mean (`DELETE FROM sessions WHERE expires_at < now()`), and delete large
sets in batches.
"#
);

rule!(
    UPDATE_WITHOUT_WHERE,
    "update-without-where",
    Error,
    "UPDATE without WHERE rewrites every row of the table",
    r#"## What it does
Reports `UPDATE table SET ...` with no `WHERE` clause, on a table that existed before this migration.

## Why is this bad?
Every row is rewritten in one transaction: it locks every row (blocking concurrent writers until the
migration commits), doubles the table's size until vacuum, and floods replication. Often it is a
forgotten WHERE.

## Example
```sql
UPDATE users SET plan = 'free';
```
Backfill in batches outside the schema migration (`UPDATE users SET plan = 'free' WHERE id
BETWEEN $1 AND $2 AND plan IS NULL`), or add the WHERE you meant.
"#
);

/// The statement's relations that existed before this migration.
fn existing<'a>(cx: &Cx<'_>, names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| !cx.state.is_new_table(n))
        .cloned()
        .collect()
}

pub fn check(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    match node.kind() {
        K::ALTER_TABLE | K::ALTER_FOREIGN_TABLE => {
            let table = relation_of(node);
            if cx.state.is_new_table(&table) {
                return;
            }
            for action in node.children().filter(|a| a.kind() == K::DROP_COLUMN) {
                let column = sql::child(&action, K::COLUMN_NAME_REF)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                out.push(cx.finding(
                    &DROP_COLUMN,
                    &action,
                    &format!("{table}.{column}"),
                    format!("Column `{column}` of `{table}` is dropped"),
                    format!(
                        "Running application versions that still read or write `{column}` fail as \
                         soon as this commits, and its data is lost. The drop takes an ACCESS \
                         EXCLUSIVE lock on `{table}`."
                    ),
                    "Expand-then-contract: first release code that no longer uses the column \
                     (ORMs: mark it ignored), then drop it in a later migration with \
                     `-- shipgate:allow drop-column <release that stopped using it>`.",
                ));
            }
        }
        K::DROP_TABLE => {
            let names: Vec<String> = node
                .children()
                .filter(|c| c.kind() == K::TABLE_NAME_REF)
                .map(|c| sql::qualified_name(&c))
                .collect();
            for table in existing(cx, &names) {
                out.push(cx.finding(
                    &DROP_TABLE,
                    node,
                    &table,
                    format!("Table `{table}` is dropped"),
                    format!(
                        "Its data is lost and every query of running application versions that \
                         touches `{table}` fails. The drop waits for an ACCESS EXCLUSIVE lock."
                    ),
                    "Stop using the table in a released version first, keep a backup (or rename \
                     it away for a release), then drop it with `-- shipgate:allow drop-table reason`.",
                ));
            }
        }
        K::DROP_SCHEMA => {
            let name = sql::child(node, K::SCHEMA_REF)
                .map(|n| sql::qualified_name(&n))
                .unwrap_or_default();
            out.push(cx.finding(
                &DROP_SCHEMA,
                node,
                &name,
                format!("Schema `{name}` is dropped"),
                "Everything in the schema (tables, views, functions) is dropped with it: data \
                 loss and broken queries."
                    .to_string(),
                "Drop the objects one by one in reviewed migrations after the code stopped using them.",
            ));
        }
        K::DROP_DATABASE => {
            out.push(cx.finding(
                &DROP_DATABASE,
                node,
                "",
                "A database is dropped".to_string(),
                "All data in the database is destroyed; this cannot be undone.".to_string(),
                "Do this as a reviewed operational task, not as a schema migration.",
            ));
        }
        K::TRUNCATE => {
            let names: Vec<String> = node
                .descendants()
                .filter(|d| d.kind() == K::TABLE_RELATION_NAME)
                .map(|d| sql::qualified_name(&d))
                .collect();
            let tables = existing(cx, &names);
            if tables.is_empty() {
                return;
            }
            let cascade = sql::has_descendant(node, K::CASCADE);
            let list = tables.join("`, `");
            out.push(cx.finding(
                &TRUNCATE_TABLE,
                node,
                &list,
                format!("TRUNCATE empties `{list}`"),
                format!(
                    "Every row is deleted for good under an ACCESS EXCLUSIVE lock{}.",
                    if cascade {
                        ", and CASCADE also empties every table with a foreign key to it"
                    } else {
                        ""
                    }
                ),
                "Delete in batches with a WHERE clause, or archive first; if emptying is \
                 intended, say so with `-- shipgate:allow truncate-table reason`.",
            ));
        }
        K::DELETE | K::UPDATE => {
            let has_where = sql::child(node, K::WHERE_CLAUSE).is_some()
                || sql::child(node, K::WHERE_CURRENT_OF).is_some();
            let table = relation_of(node);
            if has_where || table.is_empty() || cx.state.is_new_table(&table) {
                return;
            }
            let (rule, verb) = if node.kind() == K::DELETE {
                (&DELETE_WITHOUT_WHERE, "deletes")
            } else {
                (&UPDATE_WITHOUT_WHERE, "rewrites")
            };
            out.push(
                cx.finding(
                    rule,
                    node,
                    &table,
                    format!(
                        "{} without WHERE {verb} every row of `{table}`",
                        if node.kind() == K::DELETE {
                            "DELETE"
                        } else {
                            "UPDATE"
                        }
                    ),
                    "The statement touches the whole table in one transaction: it locks every row \
                 until the migration commits, bloats the table and floods replication. A missing \
                 WHERE is also a common slip."
                        .to_string(),
                    "Add the WHERE you mean; backfill or purge large tables in batches outside the \
                 schema migration.",
                ),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ids, rules};

    #[test]
    fn drop_column_at_the_action_line() {
        let found =
            ids("-- Team: x\nALTER TABLE orders\n  ADD COLUMN a int,\n  DROP COLUMN note;\n");
        assert_eq!(found, vec![("drop-column".to_string(), 4)]);
    }

    #[test]
    fn drop_on_a_table_created_in_the_same_migration_is_fine() {
        assert!(
            rules("CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;\nDROP TABLE t;")
                .is_empty()
        );
    }

    #[test]
    fn drop_table_schema_and_database() {
        assert_eq!(
            rules("DROP TABLE IF EXISTS \"a\", b;"),
            vec!["drop-table", "drop-table"]
        );
        assert_eq!(rules("DROP SCHEMA s CASCADE;"), vec!["drop-schema"]);
        assert_eq!(rules("DROP DATABASE d;"), vec!["drop-database"]);
    }

    #[test]
    fn truncate_plain_and_cascade() {
        assert_eq!(rules("TRUNCATE a;"), vec!["truncate-table"]);
        assert_eq!(rules("truncate a, b cascade;"), vec!["truncate-table"]);
    }

    #[test]
    fn update_and_delete_need_where() {
        assert_eq!(rules("DELETE FROM t;"), vec!["delete-without-where"]);
        assert_eq!(rules("UPDATE t SET a = 1;"), vec!["update-without-where"]);
        assert!(rules("DELETE FROM t WHERE id = 1;\nUPDATE t SET a = 1 WHERE b;").is_empty());
    }

    #[test]
    fn statements_in_comments_and_strings_never_count() {
        assert!(
            rules("-- DROP TABLE a;\n/* ALTER TABLE t DROP COLUMN c; */\nSELECT 'TRUNCATE t';\n")
                .is_empty()
        );
    }
}
