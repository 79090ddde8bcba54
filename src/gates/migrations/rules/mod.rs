//! The rule registry of the migrations gate: every rule id, its default
//! severity and its documentation (what `shipgate explain` prints), and the
//! dispatch of one statement to the SQL rule families. One file per family;
//! each rule's check and tests live beside its doc.

pub mod columns;
pub mod constraints;
pub mod destructive;
pub mod indexes;
pub mod mysql;
pub mod syntax;
pub mod transactions;

use super::lint::{Cx, SqlFinding};
use crate::rules::RuleInfo;
use squawk_syntax::ast::{self, AstNode};

/// Declare a rule of this gate as a `pub const RuleInfo`.
macro_rules! rule {
    ($(#[$m:meta])* $name:ident, $id:literal, $sev:ident, $summary:literal, $doc:expr) => {
        $(#[$m])*
        pub const $name: crate::rules::RuleInfo = crate::rules::RuleInfo {
            id: $id,
            gate: crate::gates::GateId::Migrations,
            default_severity: crate::finding::Severity::$sev,
            summary: $summary,
            doc: $doc,
        };
    };
}
pub(crate) use rule;

/// Every rule of the migrations gate.
pub static RULES: &[RuleInfo] = &[
    destructive::DROP_COLUMN,
    destructive::DROP_TABLE,
    destructive::DROP_SCHEMA,
    destructive::DROP_DATABASE,
    destructive::TRUNCATE_TABLE,
    destructive::DELETE_WITHOUT_WHERE,
    destructive::UPDATE_WITHOUT_WHERE,
    columns::ADD_COLUMN_NOT_NULL_WITHOUT_DEFAULT,
    columns::ADD_COLUMN_VOLATILE_DEFAULT,
    columns::ALTER_COLUMN_TYPE,
    columns::SET_NOT_NULL,
    columns::RENAME_COLUMN,
    columns::RENAME_TABLE,
    indexes::CREATE_INDEX_WITHOUT_CONCURRENTLY,
    indexes::DROP_INDEX_WITHOUT_CONCURRENTLY,
    indexes::REINDEX_WITHOUT_CONCURRENTLY,
    constraints::FOREIGN_KEY_WITHOUT_NOT_VALID,
    constraints::CHECK_WITHOUT_NOT_VALID,
    constraints::UNIQUE_WITHOUT_INDEX,
    constraints::VALIDATE_IN_SAME_TRANSACTION,
    transactions::CONCURRENTLY_IN_TRANSACTION,
    transactions::SEVERAL_HEAVY_LOCKS,
    transactions::MISSING_LOCK_TIMEOUT,
    transactions::TRANSACTION_LEFT_OPEN,
    syntax::SYNTAX_ERROR,
    mysql::ALTER_COPIES_TABLE,
    mysql::ADD_FOREIGN_KEY,
    mysql::ADD_UNIQUE_INDEX,
    mysql::INDEX_NOT_ONLINE,
    super::hygiene::NAME_INVALID,
    super::hygiene::VERSION_OUT_OF_ORDER,
    super::hygiene::VERSION_DUPLICATE,
    super::hygiene::APPLIED_MIGRATION_MODIFIED,
    super::hygiene::DOWN_MIGRATION_ADDED,
    super::hygiene::HEADER_MISSING,
    super::approvals::APPROVAL_MISSING,
    super::approvals::APPROVAL_UNVERIFIABLE,
];

/// Whether `id` is a file-level hygiene rule (an allow comment anywhere in the file silences it).
pub fn is_hygiene_rule(id: &str) -> bool {
    use super::hygiene::*;
    [
        NAME_INVALID,
        VERSION_OUT_OF_ORDER,
        VERSION_DUPLICATE,
        APPLIED_MIGRATION_MODIFIED,
        DOWN_MIGRATION_ADDED,
        HEADER_MISSING,
    ]
    .iter()
    .any(|r| r.id == id)
}

/// Run every SQL rule family over one statement.
pub fn check_statement(stmt: &ast::Stmt, cx: &Cx<'_>, out: &mut Vec<SqlFinding>) {
    let node = stmt.syntax();
    destructive::check(node, cx, out);
    columns::check(node, cx, out);
    indexes::check(node, cx, out);
    constraints::check(node, cx, out);
    transactions::check(node, cx, out);
}

#[cfg(test)]
pub mod test_support {
    //! Lint a snippet and list (rule id, line) pairs.
    use super::super::lint::{LintOptions, lint_text};

    pub fn ids(sql: &str) -> Vec<(String, u32)> {
        ids_with(sql, &LintOptions::default())
    }

    pub fn ids_with(sql: &str, opts: &LintOptions) -> Vec<(String, u32)> {
        let (_, result) = lint_text(sql, opts);
        result
            .findings
            .iter()
            .map(|f| (f.rule.id.to_string(), f.span.start_line))
            .collect()
    }

    /// The rule ids reported for `sql` (lines ignored).
    pub fn rules(sql: &str) -> Vec<String> {
        ids(sql).into_iter().map(|(r, _)| r).collect()
    }
}
