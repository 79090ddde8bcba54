//! Index builds and drops that block writes or reads: CREATE INDEX, DROP
//! INDEX and REINDEX without CONCURRENTLY. (CONCURRENTLY inside a
//! transaction is `transactions::CONCURRENTLY_IN_TRANSACTION`.)

use super::rule;
use crate::gates::migrations::lint::{Cx, SqlFinding, relation_of};
use crate::gates::migrations::sql;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

rule!(
    CREATE_INDEX_WITHOUT_CONCURRENTLY,
    "create-index-without-concurrently",
    Error,
    "CREATE INDEX without CONCURRENTLY blocks all writes to the table while it builds",
    r#"## What it does
Reports `CREATE INDEX` (and `CREATE UNIQUE INDEX`) without `CONCURRENTLY` on a table that existed
before this migration.

## Why is this bad?
A plain index build holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and
DELETE waits (minutes on a large table), and requests pile up behind it.

## Example
```sql
CREATE INDEX orders_customer_idx ON orders (customer_id);
```
```sql
CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
```
`CONCURRENTLY` cannot run inside a transaction: put it in a migration of its own that the
framework runs without one (Flyway does this by itself for such files; golang-migrate: one
statement per file; dbmate: `-- migrate:up transaction:false`; Liquibase:
`runInTransaction:false`). If it fails it leaves an INVALID index: drop it and retry.
"#
);

rule!(
    DROP_INDEX_WITHOUT_CONCURRENTLY,
    "drop-index-without-concurrently",
    Error,
    "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table",
    r#"## What it does
Reports `DROP INDEX` without `CONCURRENTLY` of an index not created in this migration.

## Why is this bad?
The drop needs an ACCESS EXCLUSIVE lock on the index's table; while it waits for running
queries to finish, every new query on the table queues behind it.

## Example
```sql
DROP INDEX orders_customer_idx;
```
```sql
DROP INDEX CONCURRENTLY orders_customer_idx;
```
(outside a transaction, like `CREATE INDEX CONCURRENTLY`).
"#
);

rule!(
    REINDEX_WITHOUT_CONCURRENTLY,
    "reindex-without-concurrently",
    Error,
    "REINDEX without CONCURRENTLY blocks writes (and reads using the index)",
    r#"## What it does
Reports `REINDEX` of an index, table, schema or database without `CONCURRENTLY` (PostgreSQL 12+).

## Why is this bad?
A plain REINDEX locks out writes to the table and takes an ACCESS EXCLUSIVE lock on each index
being rebuilt, so queries that would use it block too.

## Example
```sql
REINDEX INDEX orders_customer_idx;
```
```sql
REINDEX INDEX CONCURRENTLY orders_customer_idx;
```
"#
);

fn concurrently(node: &SyntaxNode) -> bool {
    sql::has_token(node, K::CONCURRENTLY_KW)
}

pub fn check(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    match node.kind() {
        K::CREATE_INDEX if !concurrently(node) => {
            let table = relation_of(node);
            if cx.state.is_new_table(&table) {
                return;
            }
            let index = sql::child(node, K::INDEX)
                .map(|n| sql::qualified_name(&n))
                .unwrap_or_default();
            let what = if index.is_empty() {
                format!("An index on `{table}`")
            } else {
                format!("Index `{index}` on `{table}`")
            };
            out.push(cx.finding(
                &CREATE_INDEX_WITHOUT_CONCURRENTLY,
                node,
                &format!("{table}/{index}"),
                format!("{what} is built without CONCURRENTLY"),
                format!(
                    "The build holds a SHARE lock on `{table}`: all INSERT, UPDATE and DELETE \
                     statements wait until the index is built."
                ),
                "Use CREATE INDEX CONCURRENTLY, in a migration of its own that runs outside a \
                 transaction.",
            ));
        }
        K::DROP_INDEX if !concurrently(node) => {
            let names: Vec<String> = node
                .children()
                .filter(|c| c.kind() == K::INDEX_REF)
                .map(|c| sql::qualified_name(&c))
                .filter(|n| !cx.state.created_indexes.contains(n))
                .collect();
            if names.is_empty() {
                return;
            }
            let list = names.join("`, `");
            out.push(cx.finding(
                &DROP_INDEX_WITHOUT_CONCURRENTLY,
                node,
                &list,
                format!("Index `{list}` is dropped without CONCURRENTLY"),
                "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table; every query on \
                 the table queues behind it while it waits."
                    .to_string(),
                "Use DROP INDEX CONCURRENTLY, outside a transaction.",
            ));
        }
        K::REINDEX => {
            if crate::gates::migrations::lint::is_non_transactional(node) {
                return;
            }
            let system = node
                .descendants_with_tokens()
                .any(|t| t.kind() == K::SYSTEM_KW);
            if system {
                return;
            }
            out.push(cx.finding(
                &REINDEX_WITHOUT_CONCURRENTLY,
                node,
                &node.text().to_string(),
                "REINDEX without CONCURRENTLY".to_string(),
                "A plain REINDEX blocks writes to the table and queries that use the index until \
                 the rebuild ends."
                    .to_string(),
                "Use REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside a transaction.",
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ids, rules};

    #[test]
    fn create_index_needs_concurrently_on_existing_tables() {
        assert_eq!(
            ids("-- x\nCREATE INDEX \"i\" ON \"t\" (\"a\");"),
            vec![("create-index-without-concurrently".to_string(), 2)]
        );
        assert!(rules("CREATE INDEX CONCURRENTLY i ON t (a);").is_empty());
        assert!(rules("CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);").is_empty());
        assert_eq!(
            rules("create table new.t (id int);\ncreate index on existing.t (id);"),
            vec!["create-index-without-concurrently"]
        );
        assert!(
            rules("create table new.t (id int);\ncreate index on NEW . \"t\" (id);").is_empty()
        );
    }

    #[test]
    fn drop_index_and_reindex() {
        assert_eq!(
            rules("DROP INDEX IF EXISTS \"i\";"),
            vec!["drop-index-without-concurrently"]
        );
        assert!(rules("DROP INDEX CONCURRENTLY IF EXISTS i;").is_empty());
        assert_eq!(
            rules("REINDEX TABLE foo;"),
            vec!["reindex-without-concurrently"]
        );
        assert!(rules("REINDEX (CONCURRENTLY) TABLE foo;").is_empty());
        assert!(rules("REINDEX TABLE CONCURRENTLY foo;").is_empty());
        assert!(rules("REINDEX SYSTEM mydb;").is_empty());
    }
}
