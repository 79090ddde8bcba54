//! Constraints whose validation scans the table under a heavy lock: FOREIGN
//! KEY and CHECK without NOT VALID, PRIMARY KEY / UNIQUE without a prebuilt
//! index, and VALIDATE in the same transaction as the NOT VALID add.

use super::rule;
use crate::gates::migrations::lint::{Cx, SqlFinding, relation_of};
use crate::gates::migrations::sql;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

rule!(
    FOREIGN_KEY_WITHOUT_NOT_VALID,
    "foreign-key-without-not-valid",
    Error,
    "A foreign key is added without NOT VALID: both tables are locked while every row is checked",
    r#"## What it does
Reports `ADD CONSTRAINT ... FOREIGN KEY` without `NOT VALID`, and `ADD COLUMN ... REFERENCES`,
on a table that existed before this migration.

## Why is this bad?
Adding a validated foreign key takes SHARE ROW EXCLUSIVE locks on both the table and the
referenced table, blocking writes to both, while PostgreSQL checks every existing row.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
  FOREIGN KEY (customer_id) REFERENCES customers (id);
```
```sql
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
  FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
-- in a later migration (only SHARE UPDATE EXCLUSIVE: reads and writes continue):
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
```
"#
);

rule!(
    CHECK_WITHOUT_NOT_VALID,
    "check-constraint-without-not-valid",
    Error,
    "A CHECK constraint is added without NOT VALID: the table is locked while every row is checked",
    r#"## What it does
Reports `ADD CONSTRAINT ... CHECK (...)` without `NOT VALID` on a table that existed before this
migration.

## Why is this bad?
PostgreSQL scans every row to validate the constraint while holding an ACCESS EXCLUSIVE lock: no
reads or writes until the scan ends.

## Example
```sql
ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);
```
```sql
ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;
-- later migration:
ALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;
```
"#
);

rule!(
    UNIQUE_WITHOUT_INDEX,
    "add-unique-constraint-without-index",
    Error,
    "PRIMARY KEY / UNIQUE is added without a prebuilt index: the index is built under ACCESS EXCLUSIVE",
    r#"## What it does
Reports `ADD PRIMARY KEY`, `ADD UNIQUE` (or a column added with `PRIMARY KEY` / `UNIQUE`) on a
table that existed before this migration, unless it uses an existing index (`USING INDEX`).

## Why is this bad?
PostgreSQL builds the unique index while holding an ACCESS EXCLUSIVE lock on the table: no reads
or writes for the whole build. (PRIMARY KEY and UNIQUE have no `NOT VALID` form.)

## Example
```sql
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
```
```sql
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);  -- own migration
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
```
"#
);

rule!(
    VALIDATE_IN_SAME_TRANSACTION,
    "validate-constraint-in-same-transaction",
    Warning,
    "A constraint is validated in the same transaction that added it NOT VALID",
    r#"## What it does
Reports `VALIDATE CONSTRAINT` of a constraint added `NOT VALID` earlier in the same transaction.

## Why is this bad?
`NOT VALID` only helps if the validation runs in a separate transaction: in the same one, the
heavy lock taken by `ADD CONSTRAINT` is still held while VALIDATE scans the table, which is
exactly what NOT VALID was meant to avoid.

## Example
```sql
BEGIN;
ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT fk;
COMMIT;
```
Move the VALIDATE into the next migration (or after a COMMIT).
"#
);

pub fn check(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    if node.kind() != K::ALTER_TABLE {
        return;
    }
    let table = relation_of(node);
    if table.is_empty() || cx.state.is_new_table(&table) {
        return;
    }
    for action in node.children() {
        match action.kind() {
            K::ADD_CONSTRAINT => {
                let Some(constraint) = action.children().next() else {
                    continue;
                };
                let name = constraint
                    .descendants()
                    .find(|d| d.kind() == K::CONSTRAINT_NAME)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                let key = format!("{table}/{name}");
                let not_valid = sql::has_descendant(&constraint, K::NOT_VALID);
                let using_index = sql::has_descendant(&constraint, K::USING_INDEX_NAME);
                match constraint.kind() {
                    K::FOREIGN_KEY_CONSTRAINT if !not_valid => {
                        out.push(foreign_key(cx, &action, &table, &key))
                    }
                    K::CHECK_CONSTRAINT if !not_valid => out.push(cx.finding(
                        &CHECK_WITHOUT_NOT_VALID,
                        &action,
                        &key,
                        format!("CHECK constraint on `{table}` is added without NOT VALID"),
                        format!(
                            "PostgreSQL scans every row of `{table}` under an ACCESS EXCLUSIVE \
                             lock to validate it: no reads or writes until the scan ends."
                        ),
                        "Add it NOT VALID, then VALIDATE CONSTRAINT in a later migration.",
                    )),
                    K::PRIMARY_KEY_CONSTRAINT | K::UNIQUE_CONSTRAINT if !using_index => {
                        out.push(unique(cx, &action, &table, &key, &constraint))
                    }
                    _ => {}
                }
            }
            K::ADD_COLUMN => {
                let column = sql::child(&action, K::COLUMN_NAME)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                let key = format!("{table}.{column}");
                for constraint in action.children() {
                    match constraint.kind() {
                        K::REFERENCES_CONSTRAINT | K::FOREIGN_KEY_CONSTRAINT => {
                            out.push(foreign_key(cx, &action, &table, &key))
                        }
                        K::PRIMARY_KEY_CONSTRAINT | K::UNIQUE_CONSTRAINT => {
                            out.push(unique(cx, &action, &table, &key, &constraint))
                        }
                        _ => {}
                    }
                }
            }
            K::VALIDATE_CONSTRAINT if cx.in_tx => {
                let name = sql::child(&action, K::CONSTRAINT_NAME_REF)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                if cx.state.not_valid_in_tx.contains(&name) {
                    out.push(cx.finding(
                        &VALIDATE_IN_SAME_TRANSACTION,
                        &action,
                        &format!("{table}/{name}"),
                        format!("`{name}` is validated in the transaction that added it NOT VALID"),
                        format!(
                            "The lock taken by ADD CONSTRAINT on `{table}` is still held while \
                             VALIDATE scans the table, which defeats NOT VALID."
                        ),
                        "Validate in the next migration (or after a COMMIT).",
                    ));
                }
            }
            _ => {}
        }
    }
}

fn foreign_key(cx: &Cx<'_>, action: &SyntaxNode, table: &str, key: &str) -> SqlFinding {
    cx.finding(
        &FOREIGN_KEY_WITHOUT_NOT_VALID,
        action,
        key,
        format!("Foreign key on `{table}` is added without NOT VALID"),
        format!(
            "Adding a validated foreign key locks `{table}` and the referenced table against \
             writes (SHARE ROW EXCLUSIVE) while every existing row is checked."
        ),
        "Add the constraint with NOT VALID (for a new column: add the column, then the \
         constraint NOT VALID), then VALIDATE CONSTRAINT in a later migration.",
    )
}

fn unique(
    cx: &Cx<'_>,
    action: &SyntaxNode,
    table: &str,
    key: &str,
    constraint: &SyntaxNode,
) -> SqlFinding {
    let what = if constraint.kind() == K::PRIMARY_KEY_CONSTRAINT {
        "PRIMARY KEY"
    } else {
        "UNIQUE constraint"
    };
    cx.finding(
        &UNIQUE_WITHOUT_INDEX,
        action,
        key,
        format!("{what} on `{table}` builds its index under an ACCESS EXCLUSIVE lock"),
        format!(
            "PostgreSQL builds the unique index while holding an ACCESS EXCLUSIVE lock on \
             `{table}`: no reads or writes for the whole build."
        ),
        "Build the index first with CREATE UNIQUE INDEX CONCURRENTLY (own migration), then add \
         the constraint with `USING INDEX <name>`.",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::rules;

    #[test]
    fn foreign_keys_need_not_valid() {
        assert_eq!(
            rules("ALTER TABLE d ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES b (a);"),
            vec!["foreign-key-without-not-valid"]
        );
        assert!(
            rules("ALTER TABLE d ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES b (a) NOT VALID;")
                .is_empty()
        );
        assert_eq!(
            rules("ALTER TABLE e ADD COLUMN u INT REFERENCES users (id);"),
            vec!["foreign-key-without-not-valid"]
        );
    }

    #[test]
    fn checks_need_not_valid() {
        assert_eq!(
            rules("ALTER TABLE a ADD CHECK (b > 0);"),
            vec!["check-constraint-without-not-valid"]
        );
        assert!(rules("ALTER TABLE a ADD CONSTRAINT c CHECK (b > 0) NOT VALID;").is_empty());
    }

    #[test]
    fn unique_and_primary_key_need_a_prebuilt_index() {
        assert_eq!(
            rules("ALTER TABLE t ADD CONSTRAINT u UNIQUE (f);"),
            vec!["add-unique-constraint-without-index"]
        );
        assert_eq!(
            rules("ALTER TABLE t ADD PRIMARY KEY (id);"),
            vec!["add-unique-constraint-without-index"]
        );
        assert_eq!(
            rules("ALTER TABLE t ADD COLUMN b text UNIQUE;"),
            vec!["add-unique-constraint-without-index"]
        );
        assert!(rules("ALTER TABLE t ADD CONSTRAINT p PRIMARY KEY USING INDEX i;").is_empty());
        assert!(rules("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i;").is_empty());
    }

    #[test]
    fn validate_in_the_same_transaction() {
        let sql = "BEGIN;\nALTER TABLE e ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES p (id) NOT VALID;\n\
                   ALTER TABLE e VALIDATE CONSTRAINT f;\nCOMMIT;";
        assert_eq!(rules(sql), vec!["validate-constraint-in-same-transaction"]);
        let ok = "ALTER TABLE e ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES p (id) NOT VALID;\n\
                  ALTER TABLE e VALIDATE CONSTRAINT f;";
        assert!(rules(ok).is_empty());
    }
}
