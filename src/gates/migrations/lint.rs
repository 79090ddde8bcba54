//! The statement walker: runs every SQL rule over one migration's statements.
//!
//! It tracks what the rules need to know about the statements before the
//! current one: whether a transaction is open (explicit `BEGIN`, or the
//! framework wraps the file), which tables and indexes this migration created
//! (new and empty: work on them is safe), whether `lock_timeout` was set,
//! which heavy locks the open transaction holds, and which constraints were
//! added `NOT VALID` or validated. Inline allow comments are applied here.
//! Not for: file naming, ordering or approvals (see `hygiene`, `approvals`).

use super::rules;
use super::sql::{self, ParsedSql, Span};
use crate::finding::Severity;
use crate::rules::RuleInfo;
use squawk_syntax::SyntaxKind as K;
use squawk_syntax::SyntaxNode;
use squawk_syntax::ast::{self, AstNode};
use std::collections::{BTreeMap, BTreeSet};

/// How the framework runs a migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TxWrap {
    /// Statements run one by one (psql, sqitch, plain files): only explicit
    /// `BEGIN` opens a transaction.
    #[default]
    None,
    /// The whole file runs in one transaction (dbmate, Liquibase changesets).
    Always,
    /// The file is sent as one multi-statement query, which PostgreSQL runs as
    /// one implicit transaction when it holds more than one statement
    /// (golang-migrate, Prisma).
    MultiStatement,
    /// Flyway: one transaction per file, unless every statement is
    /// non-transactional (`CONCURRENTLY`); mixing both fails without `mixed`.
    Flyway,
}

/// What a lint run knows about the migration's surroundings.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// The PostgreSQL major version the migration runs on.
    pub pg_version: u32,
    pub wrap: TxWrap,
    /// Report lock-taking statements not preceded by `SET lock_timeout`.
    pub require_lock_timeout: bool,
    /// Transaction boundaries inside the file (byte offset where a new unit
    /// starts, and whether it runs in a transaction): Liquibase changesets.
    pub units: Vec<(usize, bool)>,
    /// Statements at or after this offset are not linted (dbmate's `-- migrate:down`).
    pub stop_at: Option<usize>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            pg_version: DEFAULT_PG_VERSION,
            wrap: TxWrap::None,
            require_lock_timeout: false,
            units: Vec::new(),
            stop_at: None,
        }
    }
}

/// The PostgreSQL version assumed when config does not say.
pub const DEFAULT_PG_VERSION: u32 = 15;

/// One rule violation in a migration's text.
#[derive(Debug, Clone)]
pub struct SqlFinding {
    pub rule: &'static RuleInfo,
    pub severity: Severity,
    pub span: Span,
    pub title: String,
    pub message: String,
    pub help: String,
    /// What makes it distinct within its rule and file (no line numbers).
    pub key: String,
}

/// What a lint run found.
#[derive(Debug, Clone, Default)]
pub struct LintResult {
    pub findings: Vec<SqlFinding>,
    /// Findings silenced by an inline allow comment.
    pub allowed: Vec<Allowed>,
    pub statements: usize,
}

/// A finding an inline allow comment silenced.
#[derive(Debug, Clone)]
pub struct Allowed {
    pub finding: SqlFinding,
    /// The line of the `-- shipgate:allow` comment.
    pub comment_line: u32,
    pub reason: String,
}

/// Names created, locks held and settings made by earlier statements.
#[derive(Debug, Default)]
pub struct State {
    pub in_tx: bool,
    /// The transaction was opened by an explicit BEGIN.
    pub explicit_tx: bool,
    pub created_tables: BTreeSet<String>,
    /// Tables created in the open transaction (forgotten on ROLLBACK).
    pub created_in_tx: Vec<String>,
    pub created_indexes: BTreeSet<String>,
    pub lock_timeout_set: bool,
    /// A statement taking a blocking lock on an existing table was seen.
    pub lock_taking_seen: bool,
    /// Existing tables locked ACCESS EXCLUSIVE in the open transaction, with the line.
    pub tx_heavy: Vec<(String, u32)>,
    /// The statement index of the explicit BEGIN of the open transaction.
    pub open_begin: Option<usize>,
    /// Constraints added NOT VALID in the open transaction.
    pub not_valid_in_tx: BTreeSet<String>,
    /// CHECK constraints whose definition is `col IS NOT NULL`: name -> (table, column).
    pub not_null_checks: BTreeMap<String, (String, String)>,
    /// Constraints validated in this migration: (table, constraint name).
    pub validated: Vec<(String, String)>,
}

/// A table name as the rules compare it: schema-qualified (`public.` when unqualified).
pub fn table_key(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("public.{name}")
    }
}

impl State {
    /// Whether `table` (as written) was created earlier in this migration.
    pub fn is_new_table(&self, table: &str) -> bool {
        !table.is_empty() && self.created_tables.contains(&table_key(table))
    }
}

/// What a rule sees: the parsed file, the options and the state before the statement.
pub struct Cx<'a> {
    pub parsed: &'a ParsedSql,
    pub opts: &'a LintOptions,
    pub state: &'a State,
    /// Whether the statement runs in a transaction.
    pub in_tx: bool,
}

impl Cx<'_> {
    /// A finding of `rule` at `node`.
    pub fn finding(
        &self,
        rule: &'static RuleInfo,
        node: &SyntaxNode,
        key: &str,
        title: String,
        message: String,
        help: &str,
    ) -> SqlFinding {
        SqlFinding {
            rule,
            severity: rule.default_severity,
            span: self.parsed.span(node),
            title,
            message,
            help: help.to_string(),
            key: key.to_string(),
        }
    }

    pub fn line(&self, node: &SyntaxNode) -> u32 {
        self.parsed
            .lines
            .line(usize::from(node.text_range().start()))
    }
}

/// The table an ALTER TABLE / CREATE INDEX / DML statement works on, normalised.
pub fn relation_of(node: &SyntaxNode) -> String {
    for kind in [K::TABLE_RELATION_NAME, K::RELATION_NAME, K::TABLE_NAME] {
        if let Some(n) = sql::child(node, kind) {
            return sql::qualified_name(&n);
        }
    }
    String::new()
}

/// Lint one migration's text.
pub fn lint_text(text: &str, opts: &LintOptions) -> (ParsedSql, LintResult) {
    let parsed = ParsedSql::parse(text);
    let result = lint_parsed(&parsed, opts);
    (parsed, result)
}

/// Lint a parsed migration.
pub fn lint_parsed(parsed: &ParsedSql, opts: &LintOptions) -> LintResult {
    let mut state = State::default();
    let mut raw: Vec<(usize, SqlFinding)> = Vec::new();
    let mut nested_allowed: Vec<Allowed> = Vec::new();
    let do_blocks = super::plpgsql::do_blocks_sql(parsed);
    let stop = opts.stop_at.unwrap_or(usize::MAX);
    let stmts: Vec<(usize, &ast::Stmt)> = parsed
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| usize::from(s.syntax().text_range().start()) < stop)
        .collect();

    // How the framework runs this file decides the transaction state at the start.
    let flyway_non_tx =
        opts.wrap == TxWrap::Flyway && stmts.iter().any(|(_, s)| is_non_transactional(s.syntax()));
    let flyway_all_non_tx = flyway_non_tx
        && stmts
            .iter()
            .all(|(_, s)| is_non_transactional(s.syntax()) || is_session_setting(s.syntax()));
    let file_wrapped = match opts.wrap {
        TxWrap::None => false,
        TxWrap::Always => true,
        TxWrap::MultiStatement => stmts.len() > 1,
        TxWrap::Flyway => !flyway_all_non_tx,
    };
    let mut wrapped = file_wrapped;
    state.in_tx = wrapped;
    let mut unit = 0usize;

    for (index, stmt) in stmts {
        let node = stmt.syntax();
        let start = usize::from(node.text_range().start());
        // Liquibase: each changeset is its own unit (and transaction).
        while unit < opts.units.len() && opts.units[unit].0 <= start {
            wrapped = opts.units[unit].1;
            state.in_tx = wrapped;
            state.explicit_tx = false;
            state.tx_heavy.clear();
            state.open_begin = None;
            state.not_valid_in_tx.clear();
            unit += 1;
        }
        let cx = Cx {
            parsed,
            opts,
            state: &state,
            in_tx: state.in_tx,
        };
        let mut found = Vec::new();
        rules::check_statement(stmt, &cx, &mut found);
        raw.extend(found.into_iter().map(|f| (index, f)));
        update_state(stmt, parsed, &mut state, wrapped);
        // The SQL inside a DO block: one atomic statement, so one transaction.
        if let Some(inner) = &do_blocks
            && node.kind() == K::DO
        {
            let range = node.text_range();
            let (was_in_tx, was_explicit) = (state.in_tx, state.explicit_tx);
            state.in_tx = true;
            for (j, nested) in inner
                .statements
                .iter()
                .enumerate()
                .filter(|(_, n)| range.contains_range(n.syntax().text_range()))
            {
                let cx = Cx {
                    parsed,
                    opts,
                    state: &state,
                    in_tx: true,
                };
                let mut found = Vec::new();
                rules::check_statement(nested, &cx, &mut found);
                for f in found {
                    // An allow comment inside the body applies to the statement it precedes.
                    let allow = inner.allows.iter().find(|a| {
                        a.rule == f.rule.id && inner.statement_for_comment(a.offset) == Some(j)
                    });
                    match allow {
                        Some(a) => nested_allowed.push(Allowed {
                            finding: f,
                            comment_line: a.line,
                            reason: a.reason.clone(),
                        }),
                        None => raw.push((index, f)),
                    }
                }
                update_state(nested, parsed, &mut state, true);
            }
            if !was_in_tx {
                state.in_tx = false;
                state.tx_heavy.clear();
                state.not_valid_in_tx.clear();
                state.created_in_tx.clear();
            }
            state.explicit_tx = was_explicit;
        }
        if node.kind() == K::BEGIN {
            state.open_begin = Some(index);
        }
    }
    if state.explicit_tx
        && let Some(index) = state.open_begin
        && let Some(begin) = parsed.statements.get(index)
    {
        let cx = Cx {
            parsed,
            opts,
            state: &state,
            in_tx: true,
        };
        raw.push((
            index,
            cx.finding(
                &rules::transactions::TRANSACTION_LEFT_OPEN,
                begin.syntax(),
                "",
                "Transaction opened here is never committed".to_string(),
                "The file ends inside this transaction: depending on the tool its changes are \
                 rolled back when the session closes, or its locks stay held by an idle session."
                    .to_string(),
                "Add COMMIT; at the end of the transaction.",
            ),
        ));
    }

    // Inline allow comments: a comment silences its rule on the statement it
    // sits in or precedes.
    let mut allowed_on: BTreeMap<(usize, &str), &sql::Allow> = BTreeMap::new();
    for allow in &parsed.allows {
        if let Some(i) = parsed.statement_for_comment(allow.offset) {
            allowed_on.insert((i, allow.rule.as_str()), allow);
        }
    }
    let mut result = LintResult {
        statements: parsed.statements.len(),
        allowed: nested_allowed,
        ..LintResult::default()
    };
    for (index, finding) in raw {
        match allowed_on.get(&(index, finding.rule.id)) {
            Some(allow) => result.allowed.push(Allowed {
                finding,
                comment_line: allow.line,
                reason: allow.reason.clone(),
            }),
            None => result.findings.push(finding),
        }
    }
    for (offset, message) in &parsed.errors {
        if *offset >= stop {
            continue;
        }
        let (line, col) = parsed.lines.line_col(*offset);
        let rule = &rules::syntax::SYNTAX_ERROR;
        result.findings.push(SqlFinding {
            rule,
            severity: rule.default_severity,
            span: Span {
                start_line: line,
                start_col: col,
                end_line: line,
                end_col: col,
            },
            title: format!("SQL syntax error: {message}"),
            message: format!(
                "The PostgreSQL parser could not read this statement ({message}), so it was not \
                 checked, and PostgreSQL will most likely reject it too."
            ),
            help: "Fix the statement; if it is valid for your PostgreSQL version, report a parser \
                   gap and silence this line with `-- shipgate:allow sql-syntax-error reason`."
                .to_string(),
            key: message.clone(),
        });
    }
    result
        .findings
        .sort_by_key(|f| (f.span.start_line, f.span.start_col, f.rule.id));
    result
}

/// Statements PostgreSQL refuses to run in a transaction block.
pub fn is_non_transactional(node: &SyntaxNode) -> bool {
    match node.kind() {
        K::CREATE_INDEX | K::DROP_INDEX => sql::has_token(node, K::CONCURRENTLY_KW),
        K::REINDEX => {
            node.descendants().any(|d| {
                (d.kind() == K::REINDEX_OPTION_CONCURRENTLY && !has_false_option(&d))
                    || sql::has_token(&d, K::CONCURRENTLY_KW)
            }) || sql::has_token(node, K::CONCURRENTLY_KW)
        }
        K::VACUUM => true,
        K::CREATE_DATABASE | K::DROP_DATABASE | K::CREATE_TABLESPACE | K::DROP_TABLESPACE => true,
        K::ALTER_SYSTEM => true,
        K::ALTER_TABLE => node
            .descendants()
            .any(|d| d.kind() == K::DETACH_PARTITION && sql::has_token(&d, K::CONCURRENTLY_KW)),
        _ => false,
    }
}

/// `(CONCURRENTLY false)` style options.
fn has_false_option(node: &SyntaxNode) -> bool {
    node.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .any(|t| t.kind() == K::FALSE_KW || t.text().eq_ignore_ascii_case("off"))
}

/// `SET ...` statements (session settings), which Flyway lets go with non-transactional ones.
fn is_session_setting(node: &SyntaxNode) -> bool {
    matches!(node.kind(), K::SET | K::RESET)
}

/// The name a SET statement sets, lower-cased (`lock_timeout`, `foo.lock_timeout`).
pub fn set_parameter(node: &SyntaxNode) -> Option<String> {
    if node.kind() != K::SET {
        return None;
    }
    let target = node
        .descendants()
        .find(|d| d.kind() == K::CONFIG_PARAMETER_REF)?;
    Some(sql::qualified_name(&target).to_lowercase())
}

fn update_state(stmt: &ast::Stmt, parsed: &ParsedSql, state: &mut State, wrapped: bool) {
    let node = stmt.syntax();
    let line = parsed.lines.line(usize::from(node.text_range().start()));
    match node.kind() {
        K::BEGIN => {
            state.in_tx = true;
            state.explicit_tx = true;
        }
        K::COMMIT_TRANSACTION | K::ROLLBACK_TRANSACTION | K::PREPARE_TRANSACTION => {
            let chain = sql::has_descendant(node, K::AND_CHAIN);
            if node.kind() == K::ROLLBACK_TRANSACTION {
                for table in state.created_in_tx.drain(..) {
                    state.created_tables.remove(&table);
                }
            }
            state.created_in_tx.clear();
            state.in_tx = chain || wrapped;
            state.explicit_tx = chain;
            state.tx_heavy.clear();
            if !chain {
                state.open_begin = None;
            }
            state.not_valid_in_tx.clear();
        }
        K::CREATE_TABLE | K::CREATE_TABLE_AS | K::SELECT_INTO => {
            let name = node
                .descendants()
                .find(|d| d.kind() == K::TABLE_NAME)
                .map(|n| sql::qualified_name(&n))
                .unwrap_or_default();
            if !name.is_empty() {
                state.created_tables.insert(table_key(&name));
                if state.in_tx {
                    state.created_in_tx.push(table_key(&name));
                }
            }
        }
        K::CREATE_INDEX => {
            if let Some(n) = sql::child(node, K::INDEX) {
                state.created_indexes.insert(sql::qualified_name(&n));
            }
        }
        K::SET => {
            if let Some(p) = set_parameter(node)
                && p == "lock_timeout"
            {
                state.lock_timeout_set = true;
            }
        }
        // SELECT set_config('lock_timeout', '3s', ...)
        K::SELECT if sets_lock_timeout_by_function(node) => state.lock_timeout_set = true,
        _ => {}
    }
    if rules::transactions::takes_blocking_lock(node)
        && rules::transactions::tables_locked(node)
            .iter()
            .any(|t| !t.is_empty() && !state.is_new_table(t))
    {
        state.lock_taking_seen = true;
    }
    if node.kind() == K::ALTER_TABLE {
        let table = relation_of(node);
        for action in node.children() {
            match action.kind() {
                K::ADD_CONSTRAINT => {
                    let name = action
                        .descendants()
                        .find(|d| d.kind() == K::CONSTRAINT_NAME)
                        .map(|n| sql::qualified_name(&n))
                        .unwrap_or_default();
                    if name.is_empty() {
                        continue;
                    }
                    if sql::has_descendant(&action, K::NOT_VALID) && state.in_tx {
                        state.not_valid_in_tx.insert(name.clone());
                    }
                    if let Some(check) = action
                        .descendants()
                        .find(|d| d.kind() == K::CHECK_CONSTRAINT)
                        && let Some(col) = is_not_null_check(&check)
                    {
                        state.not_null_checks.insert(name, (table_key(&table), col));
                    }
                }
                K::VALIDATE_CONSTRAINT => {
                    let name = action
                        .descendants()
                        .find(|d| d.kind() == K::CONSTRAINT_NAME_REF)
                        .map(|n| sql::qualified_name(&n))
                        .unwrap_or_default();
                    state.validated.push((table_key(&table), name));
                }
                _ => {}
            }
        }
        if rules::transactions::takes_access_exclusive(node)
            && state.in_tx
            && !state.is_new_table(&table)
            && !table.is_empty()
        {
            let key = table_key(&table);
            if !state.tx_heavy.iter().any(|(t, _)| *t == key) {
                state.tx_heavy.push((key, line));
            }
        }
    } else if rules::transactions::takes_access_exclusive(node) && state.in_tx {
        for table in rules::transactions::tables_locked(node) {
            if state.is_new_table(&table) {
                continue;
            }
            let key = table_key(&table);
            if !state.tx_heavy.iter().any(|(t, _)| *t == key) {
                state.tx_heavy.push((key, line));
            }
        }
    }
}

/// `SELECT set_config('lock_timeout', ...)`.
fn sets_lock_timeout_by_function(node: &SyntaxNode) -> bool {
    node.descendants()
        .filter(|d| d.kind() == K::CALL_EXPR)
        .any(|call| {
            let name = call
                .children()
                .find(|c| c.kind() != K::ARG_LIST)
                .map(|n| sql::qualified_name(&n))
                .unwrap_or_default();
            let first_arg = call
                .children()
                .find(|c| c.kind() == K::ARG_LIST)
                .and_then(|a| a.children().next())
                .map(|a| a.text().to_string().to_lowercase());
            sql::last_part(&name) == "set_config" && first_arg.as_deref() == Some("'lock_timeout'")
        })
}

/// `CHECK (col IS NOT NULL)`: the column.
pub fn is_not_null_check(check: &SyntaxNode) -> Option<String> {
    let mut expr = check
        .children()
        .find(|c| !matches!(c.kind(), K::CONSTRAINT_NAME_CLAUSE | K::NOT_VALID))?;
    while expr.kind() == K::PAREN_EXPR {
        expr = expr.children().next()?;
    }
    if expr.kind() != K::BIN_EXPR || !sql::has_descendant(&expr, K::IS_NOT) {
        return None;
    }
    let mut parts = expr.children().filter(|c| c.kind() != K::IS_NOT);
    let column = parts.next()?;
    let null = parts.next()?;
    if column.kind() != K::NAME_REF || !null.text().to_string().eq_ignore_ascii_case("null") {
        return None;
    }
    Some(sql::qualified_name(&column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(sql: &str) -> (Vec<&'static str>, LintResult) {
        let (_, r) = lint_text(sql, &LintOptions::default());
        (r.findings.iter().map(|f| f.rule.id).collect(), r)
    }

    #[test]
    fn allow_comment_silences_its_rule_on_the_next_statement_only() {
        let sql = "-- shipgate:allow drop-column unused since 2.14\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t DROP COLUMN b;\n";
        let (rules, result) = rules_of(sql);
        assert_eq!(rules, vec!["drop-column"]);
        assert_eq!(result.findings[0].span.start_line, 3);
        let allowed: Vec<_> = result
            .allowed
            .iter()
            .map(|a| {
                (
                    a.finding.rule.id,
                    a.finding.span.start_line,
                    a.comment_line,
                    a.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(allowed, vec![("drop-column", 2, 1, "unused since 2.14")]);
    }

    #[test]
    fn allow_comment_for_another_rule_does_not_silence() {
        let (rules, _) = rules_of("-- shipgate:allow drop-table x\nALTER TABLE t DROP COLUMN a;\n");
        assert_eq!(rules, vec!["drop-column"]);
    }

    #[test]
    fn trailing_allow_comment_applies_to_its_statement() {
        let (rules, _) =
            rules_of("TRUNCATE t; -- shipgate:allow truncate-table test fixture table\n");
        assert!(rules.is_empty());
    }

    #[test]
    fn syntax_errors_are_findings_at_their_line() {
        let (_, r) = lint_text(
            "SELECT 1;\nALTER TABLE t ADD COLUMN;\nDROP TABLE x;\n",
            &LintOptions::default(),
        );
        let rules: Vec<(&str, u32)> = r
            .findings
            .iter()
            .map(|f| (f.rule.id, f.span.start_line))
            .collect();
        assert!(rules.contains(&("sql-syntax-error", 2)), "{rules:?}");
        assert!(rules.contains(&("drop-table", 3)), "{rules:?}");
    }

    #[test]
    fn rolled_back_tables_are_not_new() {
        let (rules, _) =
            rules_of("BEGIN;\nCREATE TABLE t (a int);\nROLLBACK;\nCREATE INDEX i ON t (a);\n");
        assert_eq!(rules, vec!["create-index-without-concurrently"]);
    }

    #[test]
    fn no_panic_on_garbage() {
        for text in [
            "",
            ";;;",
            "ALTER",
            "ALTER TABLE",
            "CREATE INDEX ON",
            "\u{0}\u{ffff}",
            "BEGIN",
            "'unterminated",
            "$$",
            "/* open",
        ] {
            let _ = lint_text(text, &LintOptions::default());
        }
    }
}
