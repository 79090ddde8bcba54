//! MySQL rules (`dialect: mysql`): the statement checks over sqlparser's
//! tree, reusing the PostgreSQL rule ids where the meaning is the same
//! (`drop-table`, `drop-column`, `rename-column`, ...) and declaring the
//! MySQL-only ones (online DDL: `ALGORITHM`/`LOCK`, foreign keys, unique
//! indexes). MySQL DDL commits implicitly, so no transaction rule applies.
//! Work on tables created earlier in the same file is not reported.

use super::rule;
use super::{columns, destructive};
use crate::gates::migrations::lint::SqlFinding;
use crate::gates::migrations::mysql::MysqlCx;
use sqlparser::ast::{
    AlterTableAlgorithm as Alg, AlterTableLock as Lock, AlterTableOperation as Op, FromTable,
    ObjectName, ObjectType, Statement, TableConstraint, TableFactor,
};

rule!(
    ALTER_COPIES_TABLE,
    "mysql-alter-copies-table",
    Error,
    "An ALTER TABLE may copy the whole table and block writes, without ALGORITHM/LOCK to forbid it",
    r#"## What it does
With `dialect: mysql`, reports an `ALTER TABLE` on an existing table that MySQL may run with
`ALGORITHM=COPY`, when the statement does not say `ALGORITHM=INSTANT` or `LOCK=NONE` (with
`ALGORITHM=INPLACE` or none): `MODIFY`/`CHANGE COLUMN` (a type or NULL-ness change copies the
table), `ADD COLUMN ... FIRST/AFTER` before MySQL 8.0.29 (`mysql_version`), `DROP PRIMARY KEY`
without adding one, and table rebuilds (`ENGINE=`, `CONVERT TO CHARACTER SET`, `FORCE`).

## Why is this bad?
A table copy rebuilds every row into a new table while writes wait (MySQL only allows reads during
`ALGORITHM=COPY`): on a large table, minutes of blocked writes, and a replica that stalls as long
again. MySQL picks the algorithm silently; asking for `ALGORITHM=INPLACE, LOCK=NONE` (or
`ALGORITHM=INSTANT`) makes it refuse the statement instead of copying.

## Example
```sql
ALTER TABLE orders MODIFY total DECIMAL(12,2) NOT NULL;
```
Say what you accept, so that MySQL fails fast rather than copies:
```sql
ALTER TABLE orders MODIFY total DECIMAL(12,2) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;
```
If MySQL refuses, the change needs a copy: run it with an online schema change tool
(gh-ost, pt-online-schema-change), or expand-then-contract (add a new column, backfill, switch
reads, drop the old one).
"#
);

rule!(
    ADD_FOREIGN_KEY,
    "mysql-add-foreign-key",
    Error,
    "A foreign key is added to an existing table: MySQL copies the table to check it",
    r#"## What it does
With `dialect: mysql`, reports `ALTER TABLE ... ADD [CONSTRAINT ...] FOREIGN KEY` on an existing
table, unless `SET foreign_key_checks = 0` is in effect earlier in the file.

## Why is this bad?
With `foreign_key_checks` on, InnoDB adds a foreign key only with `ALGORITHM=COPY`: the table is
rebuilt while writes wait, and the referenced table is locked against changes too. MySQL has no
`NOT VALID`: the rows are checked in the same blocking statement.

## Example
```sql
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
```
Clean up orphans first, then add the key in place without the copy (existing rows are then not
checked, so verify them yourself):
```sql
SET foreign_key_checks = 0;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
  REFERENCES customers (id), ALGORITHM=INPLACE, LOCK=NONE;
SET foreign_key_checks = 1;
```
Or run it with an online schema change tool.
"#
);

rule!(
    ADD_UNIQUE_INDEX,
    "mysql-add-unique-index",
    Warning,
    "A unique index is added to an existing table: duplicates make the deploy fail",
    r#"## What it does
With `dialect: mysql`, reports `CREATE UNIQUE INDEX`, `ALTER TABLE ... ADD UNIQUE` and
`ADD CONSTRAINT ... UNIQUE` on an existing table.

## Why is this bad?
The build fails on the first duplicate already in the table, and during an online build a
concurrent insert or update of a duplicate value fails the whole `ALTER` at its end
(`ER_DUP_ENTRY`), after the work is done: the deploy stops half-way, with code that may already
rely on the constraint.

## Example
```sql
ALTER TABLE users ADD UNIQUE INDEX users_email_uq (email);
```
Check for duplicates first (`SELECT email, COUNT(*) FROM users GROUP BY email HAVING COUNT(*) > 1`),
make the application prevent new ones, then add the index with
`ALGORITHM=INPLACE, LOCK=NONE` at a quiet time.
"#
);

rule!(
    INDEX_NOT_ONLINE,
    "mysql-index-not-online",
    Warning,
    "An index is built without LOCK=NONE: MySQL may block writes while it builds",
    r#"## What it does
With `dialect: mysql`, reports `CREATE INDEX` and `ALTER TABLE ... ADD INDEX/KEY/UNIQUE/
FULLTEXT/SPATIAL/PRIMARY KEY` on an existing table without `LOCK=NONE` (and with no
`ALGORITHM=COPY`).

## Why is this bad?
InnoDB builds most secondary indexes in place while writes go on, but silently falls back to a
locking build when it cannot (a FULLTEXT or SPATIAL index, some column types, an older version):
writes then wait for the whole build. `LOCK=NONE` makes MySQL refuse the statement instead.

## Example
```sql
CREATE INDEX orders_created_idx ON orders (created_at);
```
```sql
CREATE INDEX orders_created_idx ON orders (created_at) ALGORITHM=INPLACE LOCK=NONE;
```
"#
);

/// `ALGORITHM=` and `LOCK=` as the statement gives them.
fn online_clauses(ops: &[Op]) -> (Option<&Alg>, Option<&Lock>) {
    let alg = ops.iter().find_map(|o| match o {
        Op::Algorithm { algorithm, .. } => Some(algorithm),
        _ => None,
    });
    let lock = ops.iter().find_map(|o| match o {
        Op::Lock { lock, .. } => Some(lock),
        _ => None,
    });
    (alg, lock)
}

/// MySQL refuses the statement rather than block writes: `ALGORITHM=INSTANT`,
/// or `LOCK=NONE` without `ALGORITHM=COPY`.
fn no_blocking(alg: Option<&Alg>, lock: Option<&Lock>) -> bool {
    matches!(alg, Some(Alg::Instant)) || index_online(alg, lock)
}

/// An index build that cannot block writes: `LOCK=NONE` without `ALGORITHM=COPY`
/// (`ALGORITHM=INSTANT` cannot build an index, so MySQL refuses it: fine too).
fn index_online(alg: Option<&Alg>, lock: Option<&Lock>) -> bool {
    matches!(alg, Some(Alg::Instant))
        || (matches!(lock, Some(Lock::None)) && !matches!(alg, Some(Alg::Copy)))
}

fn name(n: &ObjectName) -> String {
    n.to_string().replace('`', "")
}

fn ident(i: &sqlparser::ast::Ident) -> String {
    i.value.clone()
}

/// Run the MySQL rules over one parsed statement.
pub fn check(stmt: &Statement, cx: &MysqlCx<'_>, out: &mut Vec<SqlFinding>) {
    match stmt {
        Statement::Drop {
            object_type,
            names,
            temporary,
            ..
        } if !*temporary => {
            for n in names {
                let n = name(n);
                match object_type {
                    ObjectType::Table if !cx.state.is_new_table(&n) => out.push(cx.finding(
                        &destructive::DROP_TABLE,
                        n.clone(),
                        format!("Table `{n}` is dropped"),
                        format!(
                            "`{n}` and its data are gone for good, and every query of running \
                             application versions that touches it fails."
                        ),
                        "Stop using the table in a released version first (expand-then-contract), \
                         keep a backup or RENAME it away for one release, then drop it with \
                         `-- shipgate:allow drop-table reason`.",
                    )),
                    ObjectType::Schema | ObjectType::Database => {
                        let (rule, what) = if *object_type == ObjectType::Schema {
                            (&destructive::DROP_SCHEMA, "Schema")
                        } else {
                            (&destructive::DROP_DATABASE, "Database")
                        };
                        out.push(cx.finding(
                            rule,
                            n.clone(),
                            format!("{what} `{n}` is dropped"),
                            format!(
                                "In MySQL a schema is a database: every table, view and routine \
                                 in `{n}` is dropped with it."
                            ),
                            "Drop the objects one reviewed migration at a time, after the code \
                             stopped using them.",
                        ));
                    }
                    _ => {}
                }
            }
        }
        Statement::Truncate(t) => {
            for target in &t.table_names {
                let n = name(&target.name);
                if cx.state.is_new_table(&n) {
                    continue;
                }
                out.push(cx.finding(
                    &destructive::TRUNCATE_TABLE,
                    n.clone(),
                    format!("Table `{n}` is truncated"),
                    format!(
                        "Every row of `{n}` is deleted; MySQL's TRUNCATE drops and re-creates the \
                         table, takes a metadata lock and cannot be rolled back."
                    ),
                    "Delete only the rows you mean, in batches with a WHERE clause; if the table \
                     really must be emptied, say why with `-- shipgate:allow truncate-table reason`.",
                ));
            }
        }
        Statement::Delete(d) if d.selection.is_none() => {
            let tables: Vec<String> = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t
                    .iter()
                    .filter_map(|t| match &t.relation {
                        TableFactor::Table { name: n, .. } => Some(name(n)),
                        _ => None,
                    })
                    .collect(),
            };
            let n = tables.first().cloned().unwrap_or_default();
            if !n.is_empty() && cx.state.is_new_table(&n) {
                return;
            }
            out.push(cx.finding(
                &destructive::DELETE_WITHOUT_WHERE,
                n.clone(),
                format!("DELETE without WHERE on `{n}`"),
                format!(
                    "Every row of `{n}` is deleted (a LIMIT only bounds how many, not which), and \
                     InnoDB locks each one while it does."
                ),
                "Add the WHERE clause you mean, and delete in batches.",
            ));
        }
        Statement::Update(u) if u.selection.is_none() => {
            let n = match &u.table.relation {
                TableFactor::Table { name: n, .. } => name(n),
                _ => String::new(),
            };
            if !n.is_empty() && cx.state.is_new_table(&n) {
                return;
            }
            out.push(cx.finding(
                &destructive::UPDATE_WITHOUT_WHERE,
                n.clone(),
                format!("UPDATE without WHERE on `{n}`"),
                format!(
                    "Every row of `{n}` is rewritten in one statement, with a row lock on each \
                     until it commits, and a long replication lag after it."
                ),
                "Add the WHERE clause you mean; for a backfill, update in batches by primary key.",
            ));
        }
        Statement::RenameTable(list) => {
            for r in list {
                let (old, new) = (name(&r.old_name), name(&r.new_name));
                if !cx.state.is_new_table(&old) {
                    out.push(rename_table(cx, &old, &new));
                }
            }
        }
        Statement::AlterTable(at) => alter_table(&name(&at.name), &at.operations, cx, out),
        Statement::CreateIndex(ci) => {
            let table = name(&ci.table_name);
            if cx.state.is_new_table(&table) {
                return;
            }
            let index = ci.name.as_ref().map(name).unwrap_or_default();
            if ci.unique {
                out.push(unique(cx, &table, &index));
            }
            let (alg, lock) = online_clauses(&ci.alter_options);
            if !index_online(alg, lock) {
                out.push(index_not_online(cx, &table, &index_label("index", &index)));
            }
        }
        _ => {}
    }
}

fn rename_table(cx: &MysqlCx<'_>, old: &str, new: &str) -> SqlFinding {
    cx.finding(
        &columns::RENAME_TABLE,
        format!("{old}->{new}"),
        format!("Table `{old}` is renamed to `{new}`"),
        format!(
            "Running application versions still query `{old}`: they fail from the moment the \
             rename commits (MySQL DDL commits at once)."
        ),
        "Expand-then-contract: create the new table (or a view with the new name), make the \
         code use it, and drop the old name in a later release.",
    )
}

fn unique(cx: &MysqlCx<'_>, table: &str, index: &str) -> SqlFinding {
    cx.finding(
        &ADD_UNIQUE_INDEX,
        format!("{table}.{index}"),
        format!(
            "{} is added to `{table}`",
            capitalise(&index_label("unique index", index))
        ),
        format!(
            "Existing duplicates in `{table}` make the statement fail, and so does a duplicate \
             written while the index builds: the deploy stops half-way."
        ),
        "Check for duplicates first, make the application prevent new ones, then add the index \
         with ALGORITHM=INPLACE, LOCK=NONE.",
    )
}

fn index_not_online(cx: &MysqlCx<'_>, table: &str, what: &str) -> SqlFinding {
    cx.finding(
        &INDEX_NOT_ONLINE,
        format!("{table}:{what}"),
        format!(
            "{} on `{table}` is built without LOCK=NONE",
            capitalise(what)
        ),
        format!(
            "MySQL chooses how to build {what}; when it cannot build it in place it falls back to \
             a build that blocks writes to `{table}` for its whole duration, without saying so."
        ),
        "Add `ALGORITHM=INPLACE, LOCK=NONE` so that MySQL refuses rather than blocks writes.",
    )
}

/// "index `name`", or "an unnamed index".
fn index_label(kind: &str, name: &str) -> String {
    if name.is_empty() {
        format!("an unnamed {kind}")
    } else {
        format!("{kind} `{name}`")
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn alter_table(table: &str, ops: &[Op], cx: &MysqlCx<'_>, out: &mut Vec<SqlFinding>) {
    if cx.state.is_new_table(table) {
        return;
    }
    let (alg, lock) = online_clauses(ops);
    let mut copies: Vec<String> = Vec::new();
    let mut indexes: Vec<String> = Vec::new();
    let adds_primary_key = ops.iter().any(|o| {
        matches!(
            o,
            Op::AddConstraint {
                constraint: TableConstraint::PrimaryKey(_),
                ..
            }
        )
    });
    for op in ops {
        match op {
            Op::DropColumn { column_names, .. } => {
                for c in column_names {
                    let c = ident(c);
                    out.push(cx.finding(
                        &destructive::DROP_COLUMN,
                        format!("{table}.{c}"),
                        format!("Column `{c}` of `{table}` is dropped"),
                        format!(
                            "Running application versions may still read or write `{c}`; their \
                             queries fail as soon as the statement commits, and the data is gone."
                        ),
                        "Expand-then-contract: release code that no longer uses the column, then \
                         drop it in a later migration with `-- shipgate:allow drop-column reason`.",
                    ));
                }
            }
            Op::RenameColumn {
                old_column_name,
                new_column_name,
            } => out.push(rename_column(
                cx,
                table,
                &ident(old_column_name),
                &ident(new_column_name),
            )),
            Op::RenameTable { table_name } => {
                let new = match table_name {
                    sqlparser::ast::RenameTableNameKind::As(n)
                    | sqlparser::ast::RenameTableNameKind::To(n) => name(n),
                };
                out.push(rename_table(cx, table, &new));
            }
            Op::ChangeColumn {
                old_name, new_name, ..
            } => {
                let (old, new) = (ident(old_name), ident(new_name));
                if !old.eq_ignore_ascii_case(&new) {
                    out.push(rename_column(cx, table, &old, &new));
                }
                copies.push(format!("CHANGE COLUMN `{old}` redefines the column"));
            }
            Op::ModifyColumn { col_name, .. } => {
                copies.push(format!(
                    "MODIFY COLUMN `{}` redefines the column",
                    ident(col_name)
                ));
            }
            Op::AddColumn {
                column_def,
                column_position: Some(_),
                ..
            } if cx.opts.version < (8, 0, 29) => copies.push(format!(
                "ADD COLUMN `{}` with FIRST/AFTER is not instant before MySQL 8.0.29",
                ident(&column_def.name)
            )),
            Op::DropPrimaryKey { .. } if !adds_primary_key => {
                copies.push("DROP PRIMARY KEY without a new one copies the table".to_string());
            }
            Op::AddConstraint { constraint, .. } => match constraint {
                TableConstraint::ForeignKey(fk) if !cx.state.foreign_key_checks_off => {
                    let fk_name = fk.name.as_ref().map(ident).unwrap_or_default();
                    out.push(cx.finding(
                        &ADD_FOREIGN_KEY,
                        format!("{table}.{fk_name}"),
                        format!("Foreign key {fk_name} is added to `{table}`",
                            fk_name = if fk_name.is_empty() { String::new() } else { format!("`{fk_name}`") }),
                        format!(
                            "With foreign_key_checks on, InnoDB adds a foreign key only by copying \
                             `{table}` while writes wait, and checks every row in the same \
                             statement (MySQL has no NOT VALID)."
                        ),
                        "Remove orphan rows first, then add the key with `SET foreign_key_checks = 0` \
                         before it and `ALGORITHM=INPLACE, LOCK=NONE` (existing rows are then not \
                         checked), or use an online schema change tool.",
                    ));
                }
                TableConstraint::Unique(u) => {
                    let n = u
                        .index_name
                        .as_ref()
                        .or(u.name.as_ref())
                        .map(ident)
                        .unwrap_or_default();
                    out.push(unique(cx, table, &n));
                    indexes.push(index_label("unique index", &n));
                }
                TableConstraint::Index(i) => {
                    let n = i.name.as_ref().map(ident).unwrap_or_default();
                    indexes.push(index_label("index", &n));
                }
                TableConstraint::FulltextOrSpatial(i) => {
                    let n = i.opt_index_name.as_ref().map(ident).unwrap_or_default();
                    indexes.push(index_label("full-text/spatial index", &n));
                }
                TableConstraint::PrimaryKey(_) => indexes.push("the primary key".to_string()),
                _ => {}
            },
            _ => {}
        }
    }
    if !copies.is_empty() && !no_blocking(alg, lock) {
        out.push(copy_finding(cx, table, &copies.join("; ")));
    }
    if !indexes.is_empty() && !index_online(alg, lock) {
        out.push(index_not_online(cx, table, &indexes.join(", ")));
    }
}

fn copy_finding(cx: &MysqlCx<'_>, table: &str, why: &str) -> SqlFinding {
    cx.finding(
        &ALTER_COPIES_TABLE,
        table.to_string(),
        format!("ALTER TABLE `{table}` may copy the table while writes wait"),
        format!(
            "{why}. MySQL may run this with ALGORITHM=COPY, rebuilding every row of `{table}` \
             while writes wait (and replicas stall as long), and nothing in the statement forbids it."
        ),
        "Add `ALGORITHM=INPLACE, LOCK=NONE` (or `ALGORITHM=INSTANT`) so that MySQL refuses \
         instead of copying; if it refuses, use an online schema change tool (gh-ost, \
         pt-online-schema-change) or expand-then-contract with a new column.",
    )
}

fn rename_column(cx: &MysqlCx<'_>, table: &str, old: &str, new: &str) -> SqlFinding {
    cx.finding(
        &columns::RENAME_COLUMN,
        format!("{table}.{old}->{new}"),
        format!("Column `{old}` of `{table}` is renamed to `{new}`"),
        format!(
            "Running application versions still read and write `{old}`: their queries fail from \
             the moment the rename commits."
        ),
        "Expand-then-contract: add `{new}`, write both, backfill, switch reads, then drop `{old}` \
         in a later release.",
    )
}

/// A statement sqlparser could not read but that is a known table rebuild
/// (`ALTER TABLE t ENGINE=...`, `CONVERT TO CHARACTER SET`, `FORCE`): its
/// findings (none when it is online or on a new table). `None`: not recognised.
pub fn check_unparsed(cx: &MysqlCx<'_>) -> Option<Vec<SqlFinding>> {
    let upper = cx.sql().to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    if words.len() < 3 || words[0] != "ALTER" || words[1] != "TABLE" {
        return None;
    }
    let compact: String = upper.chars().filter(|c| !c.is_whitespace()).collect();
    let rebuild = compact.contains("ENGINE=")
        || words
            .windows(2)
            .any(|w| w == ["ENGINE", "="] || w == ["CONVERT", "TO"])
        || words.iter().any(|w| w.trim_end_matches(',') == "FORCE");
    if !rebuild {
        return None;
    }
    let table = cx
        .sql()
        .split_whitespace()
        .nth(2)
        .unwrap_or("")
        .replace('`', "");
    if cx.state.is_new_table(&table)
        || compact.contains("ALGORITHM=INSTANT")
        || (compact.contains("LOCK=NONE") && !compact.contains("ALGORITHM=COPY"))
    {
        return Some(Vec::new());
    }
    Some(vec![copy_finding(
        cx,
        &table,
        "The table is rebuilt (ENGINE=, CONVERT TO CHARACTER SET or FORCE); the rest of this \
         statement could not be parsed and was not checked",
    )])
}

#[cfg(test)]
mod tests {
    use crate::gates::migrations::mysql::{MysqlOptions, MysqlSql, lint};

    fn rules_with(sql: &str, opts: &MysqlOptions) -> Vec<String> {
        let parsed = MysqlSql::parse(sql);
        lint(&parsed, opts)
            .findings
            .iter()
            .map(|f| f.rule.id.to_string())
            .collect()
    }

    fn rules(sql: &str) -> Vec<String> {
        rules_with(sql, &MysqlOptions::default())
    }

    #[test]
    fn drops_truncate_and_unbounded_dml() {
        assert_eq!(rules("DROP TABLE IF EXISTS users;"), ["drop-table"]);
        assert_eq!(
            rules("ALTER TABLE users DROP COLUMN email, DROP COLUMN name;"),
            ["drop-column", "drop-column"]
        );
        assert_eq!(rules("DROP SCHEMA app;"), ["drop-schema"]);
        assert_eq!(rules("DROP DATABASE app;"), ["drop-database"]);
        assert_eq!(rules("TRUNCATE TABLE users;"), ["truncate-table"]);
        assert_eq!(
            rules("DELETE FROM users LIMIT 10;"),
            ["delete-without-where"]
        );
        assert_eq!(rules("UPDATE users SET a = 1;"), ["update-without-where"]);
        assert!(
            rules("DELETE FROM users WHERE id = 1; UPDATE users SET a = 1 WHERE id = 2;")
                .is_empty()
        );
        assert!(
            rules("DROP INDEX i ON users;").is_empty(),
            "an index drop is metadata only"
        );
    }

    #[test]
    fn renames() {
        assert_eq!(
            rules("RENAME TABLE a TO b, c TO d;"),
            ["rename-table", "rename-table"]
        );
        assert_eq!(rules("ALTER TABLE a RENAME TO b;"), ["rename-table"]);
        assert_eq!(
            rules("ALTER TABLE a RENAME COLUMN x TO y;"),
            ["rename-column"]
        );
        assert_eq!(
            rules("ALTER TABLE a CHANGE x y int, ALGORITHM=INPLACE, LOCK=NONE;"),
            ["rename-column"]
        );
    }

    #[test]
    fn column_redefinitions_need_an_online_algorithm() {
        assert_eq!(
            rules("ALTER TABLE t MODIFY c bigint NOT NULL;"),
            ["mysql-alter-copies-table"]
        );
        assert_eq!(
            rules("ALTER TABLE t CHANGE c c bigint;"),
            ["mysql-alter-copies-table"]
        );
        assert!(rules("ALTER TABLE t MODIFY c bigint, ALGORITHM=INPLACE, LOCK=NONE;").is_empty());
        assert!(rules("ALTER TABLE t MODIFY c bigint, LOCK=NONE;").is_empty());
        assert!(rules("ALTER TABLE t ALGORITHM=INSTANT, MODIFY c bigint;").is_empty());
        assert_eq!(
            rules("ALTER TABLE t MODIFY c bigint, ALGORITHM=COPY, LOCK=NONE;"),
            ["mysql-alter-copies-table"]
        );
        assert_eq!(
            rules("ALTER TABLE t MODIFY c bigint, ALGORITHM=INPLACE;"),
            ["mysql-alter-copies-table"],
            "INPLACE alone still allows a write lock"
        );
    }

    #[test]
    fn positioned_add_column_depends_on_the_version() {
        let old = MysqlOptions {
            version: (8, 0, 28),
            ..MysqlOptions::default()
        };
        let sql = "ALTER TABLE t ADD COLUMN c int AFTER b;";
        assert_eq!(rules_with(sql, &old), ["mysql-alter-copies-table"]);
        assert!(rules(sql).is_empty(), "instant anywhere since 8.0.29");
        assert!(rules_with("ALTER TABLE t ADD COLUMN c int;", &old).is_empty());
    }

    #[test]
    fn dropping_the_primary_key_alone_copies() {
        assert_eq!(
            rules("ALTER TABLE t DROP PRIMARY KEY;"),
            ["mysql-alter-copies-table"]
        );
        assert_eq!(
            rules("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, b);"),
            ["mysql-index-not-online"]
        );
    }

    #[test]
    fn table_rebuilds_sqlparser_cannot_read_are_still_reported() {
        assert_eq!(
            rules("ALTER TABLE t ENGINE=InnoDB;"),
            ["mysql-alter-copies-table"]
        );
        assert_eq!(
            rules("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4;"),
            ["mysql-alter-copies-table"]
        );
        assert!(rules("ALTER TABLE t ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE;").is_empty());
    }

    #[test]
    fn foreign_keys_copy_unless_checks_are_off() {
        let add = "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES c (id);";
        assert_eq!(rules(add), ["mysql-add-foreign-key"]);
        assert!(rules(&format!("SET foreign_key_checks = 0;\n{add}")).is_empty());
        assert_eq!(
            rules(&format!(
                "SET foreign_key_checks = 0;\nSET foreign_key_checks = 1;\n{add}"
            )),
            ["mysql-add-foreign-key"]
        );
    }

    #[test]
    fn unique_indexes_and_online_index_builds() {
        assert_eq!(
            rules("ALTER TABLE u ADD UNIQUE INDEX uq (email);"),
            ["mysql-add-unique-index", "mysql-index-not-online"]
        );
        assert_eq!(
            rules("CREATE UNIQUE INDEX uq ON u (email) ALGORITHM=INPLACE LOCK=NONE;"),
            ["mysql-add-unique-index"]
        );
        assert_eq!(
            rules("CREATE INDEX i ON u (email);"),
            ["mysql-index-not-online"]
        );
        assert_eq!(
            rules("ALTER TABLE u ADD INDEX i (email);"),
            ["mysql-index-not-online"]
        );
        assert_eq!(
            rules("ALTER TABLE u ADD FULLTEXT INDEX f (bio);"),
            ["mysql-index-not-online"]
        );
        assert!(rules("CREATE INDEX i ON u (email) ALGORITHM=INPLACE LOCK=NONE;").is_empty());
        assert!(
            rules("ALTER TABLE u ADD INDEX i (email), ALGORITHM=INPLACE, LOCK=NONE;").is_empty()
        );
    }

    #[test]
    fn tables_created_in_the_same_file_are_new_and_empty() {
        let sql = "CREATE TABLE `t` (id int);\nALTER TABLE t ADD INDEX i (id);\nALTER TABLE t MODIFY id bigint;\n\
                   CREATE UNIQUE INDEX u ON t (id);\nDELETE FROM t;\nTRUNCATE t;\nDROP TABLE t;\n";
        assert!(rules(sql).is_empty(), "{:?}", rules(sql));
        assert_eq!(
            rules("CREATE TABLE t (id int);\nDROP TABLE t;\nDROP TABLE t;"),
            ["drop-table"]
        );
    }

    #[test]
    fn no_transaction_rules_apply() {
        assert!(rules("START TRANSACTION;\nALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ALTER COLUMN c SET DEFAULT 1;\nCOMMIT;").is_empty());
        assert!(
            rules("BEGIN;\nINSERT INTO t VALUES (1);\n").is_empty(),
            "no transaction-left-open"
        );
    }
}
