//! The MySQL front end and walker: `dialect: mysql`.
//!
//! `sqlparser` (MySQL dialect) fails a whole input on its first error and
//! gives no position for some statements, so the text is split here first
//! (`split`: the `mysql` client's rules, `DELIMITER` included) and each
//! statement is parsed alone: one bad statement is one `sql-syntax-error` at
//! its line, and every position comes from the splitter. The rules are in
//! `rules::mysql`. MySQL DDL commits implicitly, so no transaction rule applies.
//! Not for: PostgreSQL (`sql`, `lint`).

pub mod split;

use super::lint::{Allowed, LintResult, SqlFinding};
use super::rules;
use super::sql::{ALLOW_MARKER, Allow, LineIndex, Span};
use sqlparser::ast::Statement;
use sqlparser::dialect::MySqlDialect;
use sqlparser::parser::Parser;
use std::collections::{BTreeMap, BTreeSet};

/// The MySQL version assumed when config does not say (the current LTS).
pub const DEFAULT_MYSQL_VERSION: (u32, u32, u32) = (8, 4, 0);

/// Parse `8`, `8.0`, `8.0.29`, `5.7` into (major, minor, patch).
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    let patch = match parts.next() {
        Some(p) => p.trim().parse().ok()?,
        None => 0,
    };
    parts.next().is_none().then_some((major, minor, patch))
}

/// One statement: where it is, and what sqlparser made of it.
#[derive(Debug)]
pub struct MysqlStatement {
    pub piece: split::Piece,
    /// The statements (several when a `DELIMITER` block holds more than one),
    /// or sqlparser's error (empty: nothing to lint).
    pub parsed: Result<Vec<Statement>, String>,
}

/// A MySQL migration split and parsed.
#[derive(Debug)]
pub struct MysqlSql {
    pub lines: LineIndex,
    pub statements: Vec<MysqlStatement>,
    pub comments: Vec<split::Comment>,
    pub allows: Vec<Allow>,
}

/// Words that start a stored program or a statement sqlparser does not read
/// but that cannot hide a table change (not linted, not an error).
fn unlintable(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let routine = |x: &str| {
        matches!(x, "PROCEDURE" | "FUNCTION" | "TRIGGER" | "EVENT")
            || x.starts_with("DEFINER")
            || x == "AGGREGATE"
    };
    match w(0) {
        "CREATE" => routine(w(1)) || (w(1) == "OR" && routine(w(3))) || routine(w(2)),
        "ALTER" => matches!(w(1), "PROCEDURE" | "FUNCTION" | "EVENT"),
        "OPTIMIZE" | "ANALYZE" | "CHECK" | "CHECKSUM" | "FLUSH" | "USE" => true,
        _ => false,
    }
}

impl MysqlSql {
    pub fn parse(text: &str) -> MysqlSql {
        let text = &*super::sql::mask_placeholders(text);
        let lines = LineIndex::new(text);
        let split = split::split(text);
        let dialect = MySqlDialect {};
        let statements = split
            .pieces
            .into_iter()
            .map(|piece| {
                let parsed = match Parser::parse_sql(&dialect, &piece.sql) {
                    Ok(list) if list.is_empty() => Err(String::new()),
                    Ok(list) => Ok(list),
                    Err(e) => Err(e.to_string()),
                };
                MysqlStatement { piece, parsed }
            })
            .collect();
        let allows = split
            .comments
            .iter()
            .filter_map(|c| parse_allow(c, &lines))
            .collect();
        MysqlSql {
            lines,
            statements,
            comments: split.comments,
            allows,
        }
    }

    /// Comments before the first statement (the migration's header), in order.
    pub fn leading_comments(&self) -> Vec<String> {
        let first = self
            .statements
            .first()
            .map_or(usize::MAX, |s| s.piece.start);
        self.comments
            .iter()
            .take_while(|c| c.offset < first)
            .map(|c| match c.text.strip_prefix('#') {
                // `# Team: x` reads like `-- Team: x`.
                Some(rest) => format!("--{rest}"),
                None => c.text.clone(),
            })
            .collect()
    }

    /// The span of statement `index`.
    pub fn span(&self, index: usize) -> Span {
        let p = &self.statements[index].piece;
        let (start_line, start_col) = self.lines.line_col(p.start);
        let (end_line, end_col) = self.lines.line_col(p.end.max(p.start + 1) - 1);
        Span {
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }

    /// The statement an allow comment at `offset` applies to (as for PostgreSQL:
    /// a statement ending on its line before it, else the one containing it, else the next).
    fn statement_for_comment(&self, offset: usize) -> Option<usize> {
        let line = self.lines.line(offset);
        let trailing = self.statements.iter().rposition(|s| {
            s.piece.end <= offset && self.lines.line(s.piece.end.saturating_sub(1)) == line
        });
        trailing.or_else(|| self.statements.iter().position(|s| s.piece.end > offset))
    }
}

fn parse_allow(comment: &split::Comment, lines: &LineIndex) -> Option<Allow> {
    let text = comment.text.as_str();
    let body = text
        .strip_prefix("--")
        .or_else(|| text.strip_prefix('#'))
        .or_else(|| text.strip_prefix("/*").map(|t| t.trim_end_matches("*/")))?;
    let rest = body.trim_start().strip_prefix(ALLOW_MARKER)?;
    let mut words = rest.trim().splitn(2, char::is_whitespace);
    let rule = words.next().unwrap_or("").trim().to_string();
    if rule.is_empty() {
        return None;
    }
    Some(Allow {
        rule,
        reason: words.next().unwrap_or("").trim().to_string(),
        offset: comment.offset,
        line: lines.line(comment.offset),
    })
}

/// What a MySQL lint run knows about the migration's surroundings.
#[derive(Debug, Clone)]
pub struct MysqlOptions {
    pub version: (u32, u32, u32),
    /// Statements at or after this offset are not linted (dbmate's `-- migrate:down`).
    pub stop_at: Option<usize>,
}

impl Default for MysqlOptions {
    fn default() -> Self {
        MysqlOptions {
            version: DEFAULT_MYSQL_VERSION,
            stop_at: None,
        }
    }
}

/// What earlier statements of the file did.
#[derive(Debug, Default)]
pub struct MysqlState {
    /// Tables created in this file (lower case, unqualified name).
    pub created_tables: BTreeSet<String>,
    /// `SET foreign_key_checks = 0` is in effect.
    pub foreign_key_checks_off: bool,
}

/// A table name as the rules compare it: the last part, lower case, unquoted.
pub fn table_key(name: &str) -> String {
    name.rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_matches('`')
        .to_ascii_lowercase()
}

impl MysqlState {
    pub fn is_new_table(&self, name: &str) -> bool {
        self.created_tables.contains(&table_key(name))
    }
}

/// What a MySQL rule sees.
pub struct MysqlCx<'a> {
    pub parsed: &'a MysqlSql,
    pub opts: &'a MysqlOptions,
    pub state: &'a MysqlState,
    pub index: usize,
}

impl MysqlCx<'_> {
    /// A finding on the current statement.
    pub fn finding(
        &self,
        rule: &'static crate::rules::RuleInfo,
        key: String,
        title: String,
        message: String,
        help: &str,
    ) -> SqlFinding {
        SqlFinding {
            rule,
            severity: rule.default_severity,
            span: self.parsed.span(self.index),
            title,
            message,
            help: help.to_string(),
            key,
        }
    }

    /// The statement's text (comments blanked).
    pub fn sql(&self) -> &str {
        &self.parsed.statements[self.index].piece.sql
    }
}

/// `Line: L, Column: C` in a sqlparser message, relative to the statement.
fn error_position(message: &str) -> Option<(u32, u32)> {
    let at = message.rfind("Line: ")?;
    let rest = &message[at + 6..];
    let (line, rest) = rest.split_once(',')?;
    let col = rest.trim().strip_prefix("Column: ")?;
    let col: String = col.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

/// Lint a parsed MySQL migration.
pub fn lint(parsed: &MysqlSql, opts: &MysqlOptions) -> LintResult {
    let stop = opts.stop_at.unwrap_or(usize::MAX);
    let mut state = MysqlState::default();
    let mut raw: Vec<(usize, SqlFinding)> = Vec::new();
    let mut statements = 0;
    for (index, stmt) in parsed.statements.iter().enumerate() {
        if stmt.piece.start >= stop {
            break;
        }
        statements += 1;
        match &stmt.parsed {
            Ok(list) => {
                for s in list {
                    let cx = MysqlCx {
                        parsed,
                        opts,
                        state: &state,
                        index,
                    };
                    let mut found = Vec::new();
                    rules::mysql::check(s, &cx, &mut found);
                    raw.extend(found.into_iter().map(|f| (index, f)));
                    update_state(s, &mut state);
                }
            }
            Err(message) => {
                // Nothing to lint (an empty statement), or a stored program / maintenance.
                if message.is_empty() || unlintable(&stmt.piece.sql) {
                    continue;
                }
                let cx = MysqlCx {
                    parsed,
                    opts,
                    state: &state,
                    index,
                };
                if let Some(found) = rules::mysql::check_unparsed(&cx) {
                    raw.extend(found.into_iter().map(|f| (index, f)));
                    continue;
                }
                raw.push((index, syntax_error(parsed, index, message)));
            }
        }
    }
    let mut allowed_on: BTreeMap<(usize, &str), &Allow> = BTreeMap::new();
    for allow in &parsed.allows {
        if let Some(i) = parsed.statement_for_comment(allow.offset) {
            allowed_on.insert((i, allow.rule.as_str()), allow);
        }
    }
    let mut result = LintResult {
        statements,
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
    result
        .findings
        .sort_by_key(|f| (f.span.start_line, f.span.start_col, f.rule.id));
    result
}

fn syntax_error(parsed: &MysqlSql, index: usize, message: &str) -> SqlFinding {
    let piece = &parsed.statements[index].piece;
    let (line0, col0) = parsed.lines.line_col(piece.start);
    let (line, col) = match error_position(message) {
        Some((1, c)) => (line0, col0 + c.saturating_sub(1)),
        Some((l, c)) if l > 1 => (line0 + l - 1, c),
        // The statement ended early: point at its last character.
        _ if message.contains("found: EOF") => {
            parsed.lines.line_col(piece.end.max(piece.start + 1) - 1)
        }
        _ => (line0, col0),
    };
    let short = message
        .trim_start_matches("sql parser error: ")
        .split(" at Line: ")
        .next()
        .unwrap_or(message)
        .to_string();
    let rule = &rules::syntax::SYNTAX_ERROR;
    SqlFinding {
        rule,
        severity: rule.default_severity,
        span: Span {
            start_line: line,
            start_col: col,
            end_line: line,
            end_col: col,
        },
        title: format!("SQL syntax error: {short}"),
        message: format!(
            "The MySQL parser could not read this statement ({short}), so it was not checked; \
             the other statements were."
        ),
        help: "Fix the statement; if it is valid for your MySQL version, report a parser gap and \
               silence it with `-- shipgate:allow sql-syntax-error reason`."
            .to_string(),
        key: short,
    }
}

fn update_state(stmt: &Statement, state: &mut MysqlState) {
    match stmt {
        Statement::CreateTable(t) => {
            state.created_tables.insert(table_key(&t.name.to_string()));
        }
        Statement::Drop { names, .. } => {
            for n in names {
                state.created_tables.remove(&table_key(&n.to_string()));
            }
        }
        Statement::Set(_) => {
            let text = stmt.to_string().to_ascii_lowercase().replace(' ', "");
            if text.contains("foreign_key_checks") {
                state.foreign_key_checks_off = text.ends_with("=0")
                    || text.ends_with("=off")
                    || text.ends_with("tofalse")
                    || text.ends_with("=false")
                    || text.ends_with("to0");
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn ids(sql: &str) -> Vec<(String, u32)> {
        let parsed = MysqlSql::parse(sql);
        lint(&parsed, &MysqlOptions::default())
            .findings
            .iter()
            .map(|f| (f.rule.id.to_string(), f.span.start_line))
            .collect()
    }

    #[test]
    fn one_bad_statement_is_one_error_at_its_line_and_the_rest_is_linted() {
        let sql = "CREATE TABLE a (id int);\nALTER TABLE t ADD COLUM;\nDROP TABLE users;\n";
        assert_eq!(
            ids(sql),
            vec![
                ("sql-syntax-error".to_string(), 2),
                ("drop-table".to_string(), 3)
            ]
        );
    }

    #[test]
    fn statements_in_comments_and_strings_never_count() {
        let sql = "-- DROP TABLE a;\n# DROP TABLE b;\n/* DROP TABLE c; */\nINSERT INTO log VALUES ('DROP TABLE d;');\n";
        assert!(ids(sql).is_empty(), "{:?}", ids(sql));
    }

    #[test]
    fn routines_and_maintenance_statements_are_not_errors() {
        let sql = "DELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END$$\nDELIMITER ;\nOPTIMIZE TABLE t;\n";
        assert!(ids(sql).is_empty(), "{:?}", ids(sql));
    }

    #[test]
    fn a_delimiter_block_of_plain_statements_is_linted() {
        let sql = "DELIMITER //\nDELETE FROM a; DROP TABLE b//\nDELIMITER ;\n";
        assert_eq!(
            ids(sql),
            vec![
                ("delete-without-where".to_string(), 2),
                ("drop-table".to_string(), 2)
            ]
        );
    }

    #[test]
    fn allow_comments_silence_one_statement() {
        let sql = "# shipgate:allow drop-table retired in 3.2\nDROP TABLE a;\nDROP TABLE b; -- shipgate:allow drop-table x\nDROP TABLE c;\n";
        let parsed = MysqlSql::parse(sql);
        let result = lint(&parsed, &MysqlOptions::default());
        assert_eq!(result.allowed.len(), 2);
        assert_eq!(result.findings.len(), 1);
        assert_eq!(result.findings[0].span.start_line, 4);
    }

    #[test]
    fn header_comments_are_read_with_hash_or_dashes() {
        let parsed = MysqlSql::parse("# Team: orders\n-- Risk: low\nDROP TABLE t;\n");
        assert_eq!(
            parsed.leading_comments(),
            vec!["-- Team: orders", "-- Risk: low"]
        );
    }

    #[test]
    fn error_positions_are_file_positions() {
        let at = |sql: &str| {
            let parsed = MysqlSql::parse(sql);
            let result = lint(&parsed, &MysqlOptions::default());
            assert_eq!(result.findings[0].rule.id, "sql-syntax-error");
            (
                result.findings[0].span.start_line,
                result.findings[0].span.start_col,
            )
        };
        // sqlparser's own position, moved to the file.
        assert_eq!(
            at("SELECT 1;\n  ALTER TABLE t\n  ADD COLUMN c int frob;\n"),
            (3, 20)
        );
        assert_eq!(
            at("SELECT 1; ALTER TABLE t ADD COLUMN c int frob;\n"),
            (1, 42)
        );
        // No position (the statement ended early): its last character.
        assert_eq!(at("SELECT 1;\n  ALTER TABLE t\n  ADD COLUM;\n"), (3, 11));
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("8.0.29"), Some((8, 0, 29)));
        assert_eq!(parse_version("5.7"), Some((5, 7, 0)));
        assert_eq!(parse_version("8"), Some((8, 0, 0)));
        assert_eq!(parse_version("eight"), None);
        assert_eq!(parse_version("8.0.1.2"), None);
    }

    #[test]
    fn every_prefix_of_a_real_migration_lints_without_panic() {
        let text = "/*!40101 SET NAMES utf8mb4 */;\n# Team: x\nCREATE TABLE `a` (id int, s varchar(10) DEFAULT 'x;y');\n\
                    DELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = 1; END$$\n\
                    DELIMITER ;\nALTER TABLE b MODIFY c bigint /* why */ NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;\n\
                    ALTER TABLE b ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES a (id);\nRENAME TABLE b TO c;\n\
                    UPDATE c SET x = 'it\\'s' ; -- shipgate:allow update-without-where ok\nDROP TABLE é;\n";
        for (i, _) in text.char_indices() {
            let parsed = MysqlSql::parse(&text[..i]);
            let result = lint(&parsed, &MysqlOptions::default());
            for f in &result.findings {
                assert!(f.span.start_line >= 1 && f.span.end_line >= f.span.start_line);
            }
        }
    }

    /// Random mutations of real MySQL migrations (a fixed-seed stand-in for the
    /// fuzz target on every `cargo test`; `SHIPGATE_MUTATIONS=N` runs more).
    #[test]
    fn mutated_migrations_keep_offsets_and_never_panic() {
        let seeds: [&[u8]; 3] = [
            b"ALTER TABLE t MODIFY c bigint NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;\nDROP TABLE x;\n",
            b"DELIMITER $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = 1; END$$\nDELIMITER ;\n/*!40101 SET NAMES utf8 */;\n",
            b"CREATE TABLE a (id int, s varchar(9) DEFAULT 'x;y');\nALTER TABLE b ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES a (id);\n# Team: x\nUPDATE c SET x = 'it\\'s'; -- shipgate:allow update-without-where ok\n",
        ];
        let pool = b"'\"`;#-/*!$\\\n DELIMITER";
        let iterations: u64 = std::env::var("SHIPGATE_MUTATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in 0..iterations {
            let mut data = seeds[(n % 3) as usize].to_vec();
            for _ in 0..(next() % 6 + 1) {
                let at = (next() as usize) % (data.len() + 1);
                let byte = pool[(next() as usize) % pool.len()];
                match next() % 3 {
                    0 => data.insert(at, byte),
                    1 if at < data.len() => {
                        data.remove(at);
                    }
                    _ if at < data.len() => data[at] = byte,
                    _ => {}
                }
            }
            let text = String::from_utf8_lossy(&data);
            for p in split::split(&text).pieces {
                assert!(
                    p.end <= text.len() && p.sql.len() == p.end - p.start,
                    "{text:?}"
                );
            }
            let parsed = MysqlSql::parse(&text);
            let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX) + 1;
            for f in lint(&parsed, &MysqlOptions::default()).findings {
                assert!(
                    f.span.start_line >= 1 && f.span.start_line <= lines,
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn no_panic_on_garbage() {
        for text in [
            "ALTER TABLE",
            "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
            "DELIMITER $$\nSELECT 1",
            "CREATE",
            "'",
            "/*!40101 SET NAMES utf8 */;",
            "ALTER TABLE t ENGINE=InnoDB;",
        ] {
            let parsed = MysqlSql::parse(text);
            let _ = lint(&parsed, &MysqlOptions::default());
        }
    }
}
