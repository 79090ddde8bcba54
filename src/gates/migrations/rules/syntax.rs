//! Statements the parser of the configured dialect could not read.

use super::rule;

rule!(
    SYNTAX_ERROR,
    "sql-syntax-error",
    Error,
    "A statement is not valid SQL for the dialect (PostgreSQL or MySQL), so it could not be checked",
    r#"## What it does
Reports each syntax error the parser finds in a migration, at its line and column. The PostgreSQL
parser recovers and the other statements are still checked; with `dialect: mysql` each statement
is parsed alone, so one bad statement is one finding and the others are still checked.

## Why is this bad?
A statement that cannot be parsed cannot be judged (it may hide a DROP or a table rewrite), and
the database will most likely reject it at deploy time.

## Example
```sql
ALTER TABLE orders ADD COLUMN;
```
Fix the statement. If it is valid for your database version and the parser is wrong, silence the
line with `-- shipgate:allow sql-syntax-error reason` and report the gap.
"#
);
