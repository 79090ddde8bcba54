//! Transactions and locks: CONCURRENTLY inside a transaction, several
//! ACCESS EXCLUSIVE locks stacked in one transaction, lock-taking statements
//! without `lock_timeout`, and a transaction left open at the end of the file.

use super::rule;
use crate::gates::migrations::lint::{Cx, SqlFinding, TxWrap, is_non_transactional, relation_of};
use crate::gates::migrations::sql;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

rule!(
    CONCURRENTLY_IN_TRANSACTION,
    "concurrently-in-transaction",
    Error,
    "A CONCURRENTLY statement runs inside a transaction, where PostgreSQL refuses it",
    r#"## What it does
Reports `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`,
`DETACH PARTITION CONCURRENTLY` (and `VACUUM`) when they run inside a transaction: after an
explicit `BEGIN`, or because the migration framework wraps the file in one (dbmate, Liquibase
changesets, golang-migrate and Prisma multi-statement files; Flyway when the file mixes them with
transactional statements).

## Why is this bad?
PostgreSQL fails with "cannot run inside a transaction block": the deploy breaks half way.

## Example
```sql
BEGIN;
CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);
COMMIT;
```
Put the statement in a migration of its own that runs outside a transaction (dbmate:
`-- migrate:up transaction:false`; Liquibase: `runInTransaction:false`; Flyway: a file with only
non-transactional statements; golang-migrate: the statement alone in its file).
"#
);

rule!(
    SEVERAL_HEAVY_LOCKS,
    "several-heavy-locks-in-transaction",
    Warning,
    "One transaction takes ACCESS EXCLUSIVE locks on several existing tables",
    r#"## What it does
Reports the statement that takes a second ACCESS EXCLUSIVE lock (ALTER TABLE, DROP TABLE,
TRUNCATE, LOCK, plain DROP INDEX, ...) on another existing table within one transaction.

## Why is this bad?
Locks are held until the transaction ends. Each extra table makes the window in which all of them
are unavailable longer, makes the migration wait for the quiet moment on several tables at once,
and invites deadlocks with application transactions that touch the tables in another order.

## Example
```sql
BEGIN;
ALTER TABLE orders ADD COLUMN a int;
ALTER TABLE customers ADD COLUMN b int;
COMMIT;
```
Split the changes into one transaction (or migration) per table.
"#
);

rule!(
    MISSING_LOCK_TIMEOUT,
    "missing-lock-timeout",
    Warning,
    "A lock-taking statement runs without lock_timeout (when config requires one)",
    r#"## What it does
When `require_lock_timeout: true`, reports the first statement that takes a lock blocking reads or
writes of an existing table (ALTER TABLE, CREATE INDEX, DROP, TRUNCATE, LOCK, ...) when no
`SET lock_timeout` came before it in the migration.

## Why is this bad?
A DDL statement waiting for its lock (behind one long-running query) blocks every query that
arrives after it: a migration that waits 30 seconds is a 30-second outage. With a lock_timeout it
gives up instead, and the deploy can retry.

## Example
```sql
ALTER TABLE orders ADD COLUMN note text;
```
```sql
SET lock_timeout = '3s';
ALTER TABLE orders ADD COLUMN note text;
```
"#
);

rule!(
    TRANSACTION_LEFT_OPEN,
    "transaction-left-open",
    Error,
    "BEGIN without a matching COMMIT at the end of the migration",
    r#"## What it does
Reports an explicit `BEGIN` / `START TRANSACTION` that is still open at the end of the file.

## Why is this bad?
Depending on the tool, the migration's changes are rolled back when the session ends (while the
tool reports success), or the locks stay held by an idle-in-transaction session.

## Example
```sql
BEGIN;
CREATE TABLE users (id bigint);
```
Add `COMMIT;` at the end.
"#
);

/// ALTER TABLE actions that take less than ACCESS EXCLUSIVE.
fn light_action(action: &SyntaxNode) -> bool {
    match action.kind() {
        K::VALIDATE_CONSTRAINT | K::ATTACH_PARTITION | K::CLUSTER_ON | K::SET_WITHOUT_CLUSTER => {
            true
        }
        K::DETACH_PARTITION => sql::has_token(action, K::CONCURRENTLY_KW),
        K::ADD_CONSTRAINT => action
            .children()
            .next()
            .is_some_and(|c| c.kind() == K::FOREIGN_KEY_CONSTRAINT),
        K::ALTER_COLUMN => sql::child(action, K::SET_STATISTICS).is_some(),
        _ => false,
    }
}

/// Whether the statement takes an ACCESS EXCLUSIVE lock on a table.
pub fn takes_access_exclusive(node: &SyntaxNode) -> bool {
    match node.kind() {
        K::ALTER_TABLE => node
            .children()
            .filter(|c| {
                !matches!(
                    c.kind(),
                    K::TABLE_RELATION_NAME | K::IF_EXISTS | K::ALL_IN_TABLESPACE
                )
            })
            .any(|a| !light_action(&a)),
        K::DROP_TABLE | K::TRUNCATE | K::CLUSTER => true,
        K::DROP_INDEX => !sql::has_token(node, K::CONCURRENTLY_KW),
        K::VACUUM => sql::has_descendant(node, K::FULL_KW),
        K::LOCK => {
            let text = node.text().to_string().to_lowercase();
            !text.contains(" mode") || text.contains("access exclusive")
        }
        _ => false,
    }
}

/// The tables a heavy statement locks (as written).
pub fn tables_locked(node: &SyntaxNode) -> Vec<String> {
    match node.kind() {
        K::DROP_TABLE => node
            .children()
            .filter(|c| c.kind() == K::TABLE_NAME_REF)
            .map(|c| sql::qualified_name(&c))
            .collect(),
        K::DROP_INDEX => node
            .children()
            .filter(|c| c.kind() == K::INDEX_REF)
            .map(|c| format!("index {}", sql::qualified_name(&c)))
            .collect(),
        _ => {
            let direct = relation_of(node);
            if !direct.is_empty() {
                return vec![direct];
            }
            node.descendants()
                .filter(|d| matches!(d.kind(), K::TABLE_RELATION_NAME | K::RELATION_NAME))
                .map(|d| sql::qualified_name(&d))
                .collect()
        }
    }
}

/// Whether the statement takes a lock that blocks reads or writes of an existing table.
pub fn takes_blocking_lock(node: &SyntaxNode) -> bool {
    takes_access_exclusive(node)
        || match node.kind() {
            K::ALTER_TABLE => true,
            K::CREATE_INDEX => !sql::has_token(node, K::CONCURRENTLY_KW),
            K::REINDEX => !is_non_transactional(node),
            K::CREATE_TRIGGER | K::LOCK => true,
            _ => false,
        }
}

pub fn check(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    if cx.in_tx && is_non_transactional(node) {
        let flyway = cx.opts.wrap == TxWrap::Flyway && !cx.state.explicit_tx;
        let (title, message, help) = if flyway {
            (
                "Non-transactional statement mixed with transactional ones (Flyway)".to_string(),
                "Flyway runs a PostgreSQL migration in a transaction unless every statement in it \
                 is non-transactional. This file mixes both, so Flyway refuses to run it \
                 (\"Detected both transactional and non-transactional statements\"), or, with \
                 `mixed: true`, runs the whole file without a transaction."
                    .to_string(),
                "Move this statement into a migration of its own.",
            )
        } else {
            (
                "CONCURRENTLY inside a transaction".to_string(),
                if cx.state.explicit_tx {
                    "This statement follows an explicit BEGIN; PostgreSQL fails it with \"cannot \
                     run inside a transaction block\"."
                        .to_string()
                } else if cx.opts.wrap == TxWrap::MultiStatement {
                    "The migration tool sends this file as one multi-statement query, which \
                     PostgreSQL runs as one implicit transaction; it fails this statement with \
                     \"cannot run inside a transaction block\"."
                        .to_string()
                } else {
                    "The migration framework runs this file in a transaction; PostgreSQL fails \
                     this statement with \"cannot run inside a transaction block\"."
                        .to_string()
                },
                "Put it in a migration of its own that runs outside a transaction (dbmate: \
                 `-- migrate:up transaction:false`; Liquibase: `runInTransaction:false`; \
                 golang-migrate: alone in its file).",
            )
        };
        out.push(cx.finding(
            &CONCURRENTLY_IN_TRANSACTION,
            node,
            &node.text().to_string(),
            title,
            message,
            help,
        ));
    }

    let existing: Vec<String> = if takes_blocking_lock(node) {
        tables_locked(node)
            .into_iter()
            .filter(|t| !t.is_empty() && !cx.state.is_new_table(t))
            .collect()
    } else {
        Vec::new()
    };

    if cx.in_tx && takes_access_exclusive(node) && cx.state.tx_heavy.len() == 1 {
        let (first, first_line) = &cx.state.tx_heavy[0];
        let new_table = existing
            .iter()
            .map(|t| crate::gates::migrations::lint::table_key(t))
            .find(|t| t != first);
        if let Some(table) = new_table {
            out.push(cx.finding(
                &SEVERAL_HEAVY_LOCKS,
                node,
                &format!("{first}+{table}"),
                format!(
                    "A second table (`{table}`) is locked ACCESS EXCLUSIVE in the same transaction"
                ),
                format!(
                    "`{first}` has been locked since line {first_line}; both stay unavailable \
                     until the transaction ends, and application transactions touching them in \
                     another order can deadlock with the migration."
                ),
                "Split the changes into one transaction (or migration) per table.",
            ));
        }
    }

    if cx.opts.require_lock_timeout
        && !cx.state.lock_timeout_set
        && !cx.state.lock_taking_seen
        && !existing.is_empty()
    {
        out.push(cx.finding(
            &MISSING_LOCK_TIMEOUT,
            node,
            "",
            "Lock-taking statement without lock_timeout".to_string(),
            format!(
                "This statement waits for a lock on `{}`; while it waits behind a long query, \
                 every new query on the table queues behind it (an outage). Nothing in this \
                 migration sets lock_timeout before it.",
                existing.join("`, `")
            ),
            "Start the migration with `SET lock_timeout = '3s';` (or your team's value) and let \
             the deploy retry when it times out.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ids, ids_with, rules};
    use crate::gates::migrations::lint::{LintOptions, TxWrap};

    #[test]
    fn concurrently_after_begin() {
        assert_eq!(
            ids("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;"),
            vec![("concurrently-in-transaction".to_string(), 2)]
        );
        assert!(rules("CREATE INDEX CONCURRENTLY i ON t (a);").is_empty());
    }

    #[test]
    fn concurrently_in_a_wrapped_file() {
        let opts = LintOptions {
            wrap: TxWrap::Always,
            ..LintOptions::default()
        };
        assert_eq!(
            ids_with("CREATE INDEX CONCURRENTLY i ON t (a);", &opts),
            vec![("concurrently-in-transaction".to_string(), 1)]
        );
    }

    #[test]
    fn multi_statement_files_are_one_implicit_transaction() {
        let opts = LintOptions {
            wrap: TxWrap::MultiStatement,
            ..LintOptions::default()
        };
        assert!(ids_with("CREATE INDEX CONCURRENTLY i ON t (a);", &opts).is_empty());
        assert_eq!(
            ids_with("SELECT 1;\nCREATE INDEX CONCURRENTLY i ON t (a);", &opts),
            vec![("concurrently-in-transaction".to_string(), 2)]
        );
    }

    #[test]
    fn flyway_runs_pure_concurrently_files_outside_a_transaction() {
        let opts = LintOptions {
            wrap: TxWrap::Flyway,
            ..LintOptions::default()
        };
        assert!(
            ids_with(
                "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON t (a);",
                &opts
            )
            .is_empty()
        );
        assert_eq!(
            ids_with(
                "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY i ON t (a);",
                &opts
            ),
            vec![("concurrently-in-transaction".to_string(), 2)]
        );
    }

    #[test]
    fn stacked_heavy_locks_reported_once_at_the_second_table() {
        let sql = "BEGIN;\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE a ADD COLUMN y int;\n\
                   ALTER TABLE b ADD COLUMN x int;\nTRUNCATE c;\nCOMMIT;";
        let found = ids(sql);
        assert!(
            found.contains(&("several-heavy-locks-in-transaction".to_string(), 4)),
            "{found:?}"
        );
        assert_eq!(
            found
                .iter()
                .filter(|(r, _)| r == "several-heavy-locks-in-transaction")
                .count(),
            1
        );
        // Outside a transaction each statement commits on its own.
        assert!(
            !rules("ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN x int;")
                .contains(&"several-heavy-locks-in-transaction".to_string())
        );
    }

    #[test]
    fn lock_timeout_when_required() {
        let opts = LintOptions {
            require_lock_timeout: true,
            ..LintOptions::default()
        };
        assert_eq!(
            ids_with("ALTER TABLE t ADD COLUMN c BOOLEAN;", &opts),
            vec![("missing-lock-timeout".to_string(), 1)]
        );
        assert!(
            ids_with(
                "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c BOOLEAN;",
                &opts
            )
            .is_empty()
        );
        assert!(
            ids_with(
                "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN c BOOLEAN;",
                &opts
            )
            .is_empty()
        );
        assert!(ids("ALTER TABLE t ADD COLUMN c BOOLEAN;").is_empty());
    }

    #[test]
    fn open_transaction_at_the_end() {
        assert_eq!(
            ids("BEGIN;\nCREATE TABLE users (id bigint);\n"),
            vec![("transaction-left-open".to_string(), 1)]
        );
        assert!(ids("BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;").is_empty());
    }
}
