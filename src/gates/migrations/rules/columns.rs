//! Column changes that lock or rewrite a table, or break running code:
//! NOT NULL without default, volatile defaults, type changes, SET NOT NULL,
//! renames. PostgreSQL-version aware (constant defaults are instant since 11;
//! a validated `CHECK (col IS NOT NULL)` lets SET NOT NULL skip its scan since 12).

use super::rule;
use crate::gates::migrations::lint::{Cx, SqlFinding, relation_of, table_key};
use crate::gates::migrations::sql;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;

rule!(
    ADD_COLUMN_NOT_NULL_WITHOUT_DEFAULT,
    "add-column-not-null-without-default",
    Error,
    "A NOT NULL column is added without a default: fails on any non-empty table",
    r#"## What it does
Reports `ALTER TABLE ... ADD COLUMN ... NOT NULL` without a `DEFAULT` (or generated expression),
on a table that existed before this migration.

## Why is this bad?
Existing rows have no value for the column, so PostgreSQL rejects the statement on any non-empty
table: the migration passes in development (empty tables) and fails in production. Older
application versions that insert rows without the column also start failing.

## Example
```sql
ALTER TABLE users ADD COLUMN plan text NOT NULL;
```
Add it with a constant default (instant since PostgreSQL 11):
`ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';`, or add it nullable, backfill
in batches, and set NOT NULL later (see `set-not-null-on-existing-column`).
"#
);

rule!(
    ADD_COLUMN_VOLATILE_DEFAULT,
    "add-column-volatile-default",
    Error,
    "A column is added with a default that rewrites the whole table",
    r#"## What it does
Reports `ADD COLUMN` whose default forces a table rewrite: a volatile expression (`random()`,
`gen_random_uuid()`, `clock_timestamp()`, `nextval()` through `serial` types, any function not
known to be stable), a `GENERATED ... STORED` column, or any non-NULL default on PostgreSQL
before 11. Constant and stable defaults such as `0`, `'x'`, `now()` are instant since 11.

## Why is this bad?
The rewrite copies every row while holding an ACCESS EXCLUSIVE lock: nothing can read or write
the table until it finishes (minutes to hours on a large table), and disk use doubles meanwhile.

## Example
```sql
ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
```
Add the column without a default, set the default for new rows
(`ALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid()`), and backfill existing
rows in batches.
"#
);

rule!(
    ALTER_COLUMN_TYPE,
    "alter-column-type",
    Error,
    "A column's type is changed: usually a full rewrite under ACCESS EXCLUSIVE",
    r#"## What it does
Reports `ALTER TABLE ... ALTER COLUMN ... TYPE` on a table that existed before this migration.

## Why is this bad?
Most type changes rewrite the table and rebuild its indexes while holding an ACCESS EXCLUSIVE lock,
blocking all reads and writes. Running application versions may also break on the new type.
A few changes are metadata-only (e.g. `varchar(n)` to `text` or to a larger `varchar`); silence
those with an allow comment that says so.

## Example
```sql
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
```
Expand-then-contract: add a new column with the new type, write to both, backfill in batches,
switch reads, then drop the old column in a later release.
"#
);

rule!(
    SET_NOT_NULL,
    "set-not-null-on-existing-column",
    Error,
    "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE",
    r#"## What it does
Reports `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on a table that existed before this
migration, unless (PostgreSQL 12+) a validated `CHECK (col IS NOT NULL)` constraint already proves it.

## Why is this bad?
PostgreSQL scans every row to check for NULLs while holding an ACCESS EXCLUSIVE lock, so the table
is unavailable for the duration of the scan.

## Example
```sql
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
```
On PostgreSQL 12+:
```sql
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
-- next migration (VALIDATE takes only SHARE UPDATE EXCLUSIVE):
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;  -- no scan: the constraint proves it
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
```
"#
);

rule!(
    RENAME_COLUMN,
    "rename-column",
    Error,
    "A column is renamed: running code that uses the old name breaks",
    r#"## What it does
Reports `ALTER TABLE ... RENAME COLUMN` on a table that existed before this migration.

## Why is this bad?
The rename is instant, but every running application version that uses the old name fails from the
moment it commits (deploys are never atomic with migrations).

## Example
```sql
ALTER TABLE users RENAME COLUMN mail TO email;
```
Expand-then-contract: add the new column, write both, backfill, switch reads, stop writing the old
one, then drop it in a later release (or use a view for the transition).
"#
);

rule!(
    RENAME_TABLE,
    "rename-table",
    Error,
    "A table is renamed: running code that uses the old name breaks",
    r#"## What it does
Reports `ALTER TABLE ... RENAME TO` on a table that existed before this migration.

## Why is this bad?
Every running application version that uses the old name fails as soon as the rename commits.

## Example
```sql
ALTER TABLE customer RENAME TO customers;
```
Create the new table (or an updatable view with the new name), move readers and writers over in
released steps, then drop the old name in a later release.
"#
);

/// Functions without arguments whose value is computed once for an ADD COLUMN default.
const STABLE_NO_ARG_CALLS: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "current_user",
    "session_user",
    "current_schema",
];

/// Immutable or stable functions often seen in defaults (any arguments).
const STABLE_CALLS: &[&str] = &[
    "lower",
    "upper",
    "btrim",
    "length",
    "date_trunc",
    "make_interval",
    "to_jsonb",
    "jsonb_build_object",
    "jsonb_build_array",
    "json_build_object",
    "json_build_array",
];

/// Why an ADD COLUMN's default/type forces a rewrite, if it does.
fn rewrite_reason(add: &SyntaxNode, pg_version: u32) -> Option<String> {
    if let Some(ty) = add
        .children()
        .find(|c| format!("{:?}", c.kind()).ends_with("_TYPE"))
    {
        let name = sql::qualified_name(&ty);
        if matches!(
            sql::last_part(&name),
            "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
        ) {
            return Some(format!(
                "the `{name}` type fills existing rows from a sequence (a volatile default)"
            ));
        }
    }
    if let Some(generated) = add.children().find(|c| c.kind() == K::GENERATED_CONSTRAINT)
        && sql::has_descendant(&generated, K::STORED_KW)
    {
        return Some("a stored generated column is computed for every existing row".to_string());
    }
    let default = add.children().find(|c| c.kind() == K::DEFAULT_CONSTRAINT)?;
    let expr = default
        .children()
        .find(|c| c.kind() != K::CONSTRAINT_NAME_CLAUSE)?;
    let is_null = expr.kind() == K::LITERAL && expr.text().to_string().eq_ignore_ascii_case("null");
    if is_null {
        return None;
    }
    if pg_version < 11 {
        return Some(format!(
            "before PostgreSQL 11 any non-NULL default (`{}`) rewrites the table",
            expr.text()
        ));
    }
    for call in std::iter::once(expr.clone())
        .chain(expr.descendants())
        .filter(|d| d.kind() == K::CALL_EXPR)
    {
        let name = call
            .children()
            .find(|c| c.kind() != K::ARG_LIST)
            .map(|n| sql::qualified_name(&n))
            .unwrap_or_default();
        let has_args = call
            .children()
            .find(|c| c.kind() == K::ARG_LIST)
            .is_some_and(|a| a.children().next().is_some());
        let short = sql::last_part(&name);
        // The time/user functions take no arguments (`now(123)` is something else).
        let stable =
            (STABLE_NO_ARG_CALLS.contains(&short) && !has_args) || STABLE_CALLS.contains(&short);
        if !stable {
            return Some(format!(
                "the default `{}` calls `{name}()`, which is volatile or not known to be stable, so \
                 it is evaluated for every existing row",
                expr.text()
            ));
        }
    }
    if expr
        .descendants()
        .any(|d| matches!(d.kind(), K::SELECT | K::PAREN_SELECT))
    {
        return Some(
            "the default contains a subquery, evaluated for every existing row".to_string(),
        );
    }
    None
}

pub fn check(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    if matches!(
        node.kind(),
        K::ALTER_VIEW | K::ALTER_MATERIALIZED_VIEW | K::ALTER_FOREIGN_TABLE
    ) {
        renamed_view_column(node, cx, out);
        return;
    }
    if node.kind() != K::ALTER_TABLE {
        return;
    }
    let table = relation_of(node);
    if table.is_empty() || cx.state.is_new_table(&table) {
        return;
    }
    for action in node.children() {
        match action.kind() {
            K::ADD_COLUMN => {
                let column = sql::child(&action, K::COLUMN_NAME)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                let key = format!("{table}.{column}");
                let not_null = action
                    .children()
                    .any(|c| c.kind() == K::NOT_NULL_CONSTRAINT);
                let has_default = action
                    .children()
                    .any(|c| matches!(c.kind(), K::DEFAULT_CONSTRAINT | K::GENERATED_CONSTRAINT));
                let serial = rewrite_reason(&action, cx.opts.pg_version)
                    .is_some_and(|r| r.contains("sequence"));
                if not_null && !has_default && !serial {
                    out.push(cx.finding(
                        &ADD_COLUMN_NOT_NULL_WITHOUT_DEFAULT,
                        &action,
                        &key,
                        format!("NOT NULL column `{column}` is added to `{table}` without a default"),
                        format!(
                            "Existing rows have no value for `{column}`, so PostgreSQL rejects this \
                             on any non-empty `{table}` (it passes on an empty development \
                             database and fails in production); older application versions that \
                             insert without the column fail too."
                        ),
                        "Add a constant DEFAULT (instant since PostgreSQL 11), or add the column \
                         nullable, backfill in batches, then set NOT NULL via a validated CHECK \
                         constraint.",
                    ));
                }
                if let Some(reason) = rewrite_reason(&action, cx.opts.pg_version) {
                    out.push(cx.finding(
                        &ADD_COLUMN_VOLATILE_DEFAULT,
                        &action,
                        &key,
                        format!("Adding `{column}` rewrites all of `{table}`"),
                        format!(
                            "PostgreSQL rewrites every row because {reason}, holding an ACCESS \
                             EXCLUSIVE lock that blocks all reads and writes of `{table}` until \
                             it finishes."
                        ),
                        "Add the column without a default, then `ALTER COLUMN ... SET DEFAULT` \
                         for new rows, and backfill existing rows in batches.",
                    ));
                }
            }
            K::ALTER_COLUMN => {
                let column = sql::child(&action, K::COLUMN_NAME_REF)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                let key = format!("{table}.{column}");
                if let Some(set_type) = sql::child(&action, K::SET_TYPE) {
                    let ty = set_type
                        .children()
                        .find(|c| !matches!(c.kind(), K::USING_EXPR | K::COLLATE))
                        .map(|t| t.text().to_string())
                        .unwrap_or_default();
                    out.push(cx.finding(
                        &ALTER_COLUMN_TYPE,
                        &action,
                        &key,
                        format!("Type of `{table}.{column}` is changed to `{ty}`"),
                        format!(
                            "Most type changes rewrite `{table}` and rebuild its indexes under an \
                             ACCESS EXCLUSIVE lock, blocking all reads and writes; running code \
                             may also break on the new type."
                        ),
                        "Add a new column of the new type, write both, backfill in batches, \
                         switch reads, and drop the old column later. If this change is \
                         metadata-only (e.g. varchar to text), say so with \
                         `-- shipgate:allow alter-column-type reason`.",
                    ));
                }
                if sql::child(&action, K::SET_NOT_NULL).is_some()
                    && !proven_not_null(cx, &table, &column)
                {
                    out.push(cx.finding(
                        &SET_NOT_NULL,
                        &action,
                        &key,
                        format!("SET NOT NULL on `{table}.{column}` scans the whole table"),
                        format!(
                            "PostgreSQL checks every row of `{table}` for NULLs while holding an \
                             ACCESS EXCLUSIVE lock: no reads or writes until the scan ends."
                        ),
                        if cx.opts.pg_version >= 12 {
                            "Add `CHECK (col IS NOT NULL) NOT VALID`, VALIDATE it in a later \
                             migration, then SET NOT NULL (no scan on PostgreSQL 12+) and drop \
                             the check."
                        } else {
                            "Before PostgreSQL 12 there is no scan-free way: keep the column \
                             nullable with a validated CHECK (col IS NOT NULL) constraint instead."
                        },
                    ));
                }
            }
            K::RENAME_COLUMN => {
                let from = sql::child(&action, K::COLUMN_NAME_REF)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                let to = sql::child(&action, K::COLUMN_NAME)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                out.push(cx.finding(
                    &RENAME_COLUMN,
                    &action,
                    &format!("{table}.{from}"),
                    format!("Column `{table}.{from}` is renamed to `{to}`"),
                    format!(
                        "Running application versions that use `{from}` fail as soon as this \
                         commits."
                    ),
                    "Expand-then-contract: add the new column, write both, backfill, switch \
                     reads, then drop the old column in a later release.",
                ));
            }
            K::TABLE_RENAME_TO => {
                let to = sql::child(&action, K::TABLE_NAME)
                    .map(|n| sql::qualified_name(&n))
                    .unwrap_or_default();
                out.push(cx.finding(
                    &RENAME_TABLE,
                    &action,
                    &table,
                    format!("Table `{table}` is renamed to `{to}`"),
                    format!(
                        "Running application versions that use `{table}` fail as soon as this \
                         commits."
                    ),
                    "Create the new name (table or updatable view), move readers and writers \
                     over in released steps, then remove the old name later.",
                ));
            }
            _ => {}
        }
    }
}

/// Columns of views, materialized views and foreign tables are read by code too.
fn renamed_view_column(node: &SyntaxNode, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    let Some(action) = node.descendants().find(|d| d.kind() == K::RENAME_COLUMN) else {
        return;
    };
    let object = node
        .children()
        .find(|c| {
            matches!(
                c.kind(),
                K::PATH | K::PATH_REF | K::RELATION_NAME | K::TABLE_RELATION_NAME
            )
        })
        .map(|n| sql::qualified_name(&n))
        .unwrap_or_default();
    let from = sql::child(&action, K::COLUMN_NAME_REF)
        .map(|n| sql::qualified_name(&n))
        .unwrap_or_default();
    out.push(cx.finding(
        &RENAME_COLUMN,
        &action,
        &format!("{object}.{from}"),
        format!("Column `{from}` of `{object}` is renamed"),
        format!("Running application versions that read `{object}.{from}` fail as soon as this commits."),
        "Expose both names for a release (e.g. a new view), move readers over, then drop the old name.",
    ));
}

/// PostgreSQL 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip the scan.
fn proven_not_null(cx: &Cx<'_>, table: &str, column: &str) -> bool {
    if cx.opts.pg_version < 12 {
        return false;
    }
    let table = table_key(table);
    cx.state.validated.iter().any(|(t, name)| {
        *t == table
            && match cx.state.not_null_checks.get(name) {
                Some((_, col)) => col == column,
                // Defined in an earlier migration: trust the validated constraint.
                None => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ids, ids_with, rules};
    use crate::gates::migrations::lint::LintOptions;

    #[test]
    fn not_null_without_default() {
        assert_eq!(
            rules("ALTER TABLE r ADD COLUMN p boolean NOT NULL;"),
            vec!["add-column-not-null-without-default"]
        );
        assert!(rules("ALTER TABLE r ADD COLUMN p boolean NOT NULL DEFAULT true;").is_empty());
        assert!(rules("ALTER TABLE r ADD COLUMN p boolean;").is_empty());
    }

    #[test]
    fn volatile_defaults_rewrite() {
        assert_eq!(
            rules("ALTER TABLE r ADD COLUMN u uuid DEFAULT gen_random_uuid();"),
            vec!["add-column-volatile-default"]
        );
        assert_eq!(
            rules("ALTER TABLE r ADD COLUMN id bigserial;"),
            vec!["add-column-volatile-default"]
        );
        assert!(
            rules(
                "ALTER TABLE r ADD COLUMN t timestamptz NOT NULL DEFAULT now() - interval '1 day';"
            )
            .is_empty()
        );
        assert!(rules("ALTER TABLE r ADD COLUMN j jsonb DEFAULT '{}'::jsonb;").is_empty());
        assert!(
            rules("ALTER TABLE r ADD COLUMN c timestamptz DEFAULT current_timestamp;").is_empty()
        );
    }

    #[test]
    fn constant_default_rewrites_before_pg11() {
        let opts = LintOptions {
            pg_version: 10,
            ..LintOptions::default()
        };
        assert_eq!(
            ids_with("ALTER TABLE r ADD COLUMN a int DEFAULT 10;", &opts),
            vec![("add-column-volatile-default".to_string(), 1)]
        );
    }

    #[test]
    fn type_change_and_renames() {
        assert_eq!(
            ids("BEGIN;\nALTER TABLE r ALTER COLUMN e TYPE text USING e::text;\nCOMMIT;"),
            vec![("alter-column-type".to_string(), 2)]
        );
        assert_eq!(
            rules("ALTER TABLE a RENAME COLUMN x TO y;"),
            vec!["rename-column"]
        );
        assert_eq!(rules("ALTER TABLE a RENAME TO b;"), vec!["rename-table"]);
    }

    #[test]
    fn set_not_null_unless_proven_by_a_validated_check() {
        assert_eq!(
            rules("ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;"),
            vec!["set-not-null-on-existing-column"]
        );
        assert!(rules(
            "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_not_null;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;"
        )
        .is_empty());
        assert_eq!(
            rules(
                "ALTER TABLE foo ADD CONSTRAINT baz_nn CHECK (baz IS NOT NULL) NOT VALID;\n\
                 ALTER TABLE foo VALIDATE CONSTRAINT baz_nn;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;"
            ),
            vec!["set-not-null-on-existing-column"]
        );
    }

    #[test]
    fn new_tables_are_exempt() {
        assert!(rules(
            "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int NOT NULL;\nALTER TABLE t ALTER COLUMN a TYPE bigint;\nALTER TABLE t RENAME COLUMN a TO c;"
        )
        .is_empty());
    }
}
