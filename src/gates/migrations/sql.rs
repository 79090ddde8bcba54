//! The SQL front end: PostgreSQL text to statements with exact lines.
//!
//! Parsing is squawk's error-tolerant PostgreSQL parser (`squawk-syntax`): a
//! syntax error spoils one statement, not the file, and every node keeps its
//! byte range. Comments and string literals are separate tokens, so a
//! statement inside either never counts. This module owns the parse, the line
//! index, the inline allow comments (`-- shipgate:allow RULE reason`) and small
//! helpers over the syntax tree. Not for: judging statements (see `lint`).

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxNode, SyntaxToken};

/// Byte offset -> 1-based line and column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }

    /// 1-based (line, column in bytes) of `offset`.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = self.line(offset);
        let start = self
            .starts
            .get(line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(0);
        let col = u32::try_from(offset.saturating_sub(start) + 1).unwrap_or(u32::MAX);
        (line, col)
    }
}

/// A place in the migration text: lines and columns, 1-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_line: u32,
    pub start_col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

/// An inline allow comment: `-- shipgate:allow RULE-ID reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub rule: String,
    pub reason: String,
    /// Byte offset of the comment.
    pub offset: usize,
    pub line: u32,
}

/// A parsed migration.
pub struct ParsedSql {
    pub text: String,
    pub root: SyntaxNode,
    pub lines: LineIndex,
    /// Top-level statements in order (empty statements skipped).
    pub statements: Vec<ast::Stmt>,
    /// Syntax errors: (byte offset, message).
    pub errors: Vec<(usize, String)>,
    pub allows: Vec<Allow>,
}

/// The marker that starts an allow comment.
pub const ALLOW_MARKER: &str = "shipgate:allow";

/// Flyway/Liquibase placeholders (`${schema}`) replaced by underscores of the
/// same length, so that the text parses and every offset stays the same.
pub(crate) fn mask_placeholders(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("${") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find('}') {
            Some(end) if !after[..end].contains('\n') => {
                out.extend(std::iter::repeat_n('_', end + 1));
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = &after[2..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

impl ParsedSql {
    pub fn parse(text: &str) -> ParsedSql {
        let text = &*mask_placeholders(text);
        let parse = ast::SourceFile::parse(text);
        let root = parse.syntax_node();
        let statements: Vec<ast::Stmt> = ast::SourceFile::cast(root.clone())
            .map(|f| {
                f.stmts()
                    .filter(|s| !matches!(s, ast::Stmt::EmptyStmt(_)))
                    .collect()
            })
            .unwrap_or_default();
        let lines = LineIndex::new(text);
        // One error per line: the parser's recovery reports every following token too.
        let mut errors: Vec<(usize, String)> = Vec::new();
        for e in parse.errors() {
            let offset = usize::from(e.range().start());
            if errors
                .last()
                .is_some_and(|(last, _)| lines.line(*last) == lines.line(offset))
            {
                continue;
            }
            errors.push((offset, e.message().to_string()));
        }
        // Walk the tokens only when there is an allow comment to find.
        let allows = if !text.contains(ALLOW_MARKER) {
            Vec::new()
        } else {
            root.descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| t.kind() == SyntaxKind::COMMENT)
                .filter_map(|t| parse_allow(&t, &lines))
                .collect()
        };
        ParsedSql {
            text: text.to_string(),
            root,
            lines,
            statements,
            errors,
            allows,
        }
    }

    /// The span of `node`, trivia excluded.
    pub fn span(&self, node: &SyntaxNode) -> Span {
        let range = node.text_range();
        let start = usize::from(range.start());
        let end = usize::from(range.end()).max(start + 1) - 1;
        let (start_line, start_col) = self.lines.line_col(start);
        let (end_line, end_col) = self.lines.line_col(end);
        Span {
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }

    /// Comments before the first statement (the migration's header), in order.
    pub fn leading_comments(&self) -> Vec<String> {
        let first = self
            .statements
            .first()
            .map(|s| usize::from(s.syntax().text_range().start()))
            .unwrap_or(usize::MAX);
        self.root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::COMMENT)
            .take_while(|t| usize::from(t.text_range().start()) < first)
            .map(|t| t.text().to_string())
            .collect()
    }

    /// Every comment token with its byte offset.
    pub fn comments(&self) -> Vec<(usize, String)> {
        self.root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::COMMENT)
            .map(|t| (usize::from(t.text_range().start()), t.text().to_string()))
            .collect()
    }

    /// The index of the statement an allow comment at `offset` applies to: a
    /// statement ending on the comment's line before it (a trailing comment),
    /// else the statement containing it, else the next one.
    pub fn statement_for_comment(&self, offset: usize) -> Option<usize> {
        let line = self.lines.line(offset);
        let trailing = self.statements.iter().rposition(|s| {
            let end = usize::from(s.syntax().text_range().end());
            end <= offset && self.lines.line(end.saturating_sub(1)) == line
        });
        trailing.or_else(|| {
            self.statements
                .iter()
                .position(|s| usize::from(s.syntax().text_range().end()) > offset)
        })
    }
}

fn parse_allow(token: &SyntaxToken, lines: &LineIndex) -> Option<Allow> {
    let text = token.text();
    let body = text
        .strip_prefix("--")
        .or_else(|| text.strip_prefix("/*").map(|t| t.trim_end_matches("*/")))?;
    let rest = body.trim_start().strip_prefix(ALLOW_MARKER)?;
    let mut words = rest.trim().splitn(2, char::is_whitespace);
    let rule = words.next().unwrap_or("").trim().to_string();
    if rule.is_empty() {
        return None;
    }
    let reason = words.next().unwrap_or("").trim().to_string();
    let offset = usize::from(token.text_range().start());
    Some(Allow {
        rule,
        reason,
        offset,
        line: lines.line(offset),
    })
}

/// The first direct child node of `kind`.
pub fn child(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxNode> {
    node.children().find(|c| c.kind() == kind)
}

/// Whether `node` has a direct child token of `kind`.
pub fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.children_with_tokens()
        .any(|c| c.as_token().is_some_and(|t| t.kind() == kind))
}

/// Whether any descendant (node or token) of `node` has `kind`.
pub fn has_descendant(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.descendants_with_tokens().any(|c| c.kind() == kind)
}

/// An identifier as PostgreSQL sees it: quoted keeps case, unquoted folds to lower case.
pub fn ident(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_lowercase(),
    }
}

/// A (possibly qualified) name under `node`: its words joined with dots,
/// normalised (`NEW . "t"` -> `new.t`). Empty when there is none.
pub fn qualified_name(node: &SyntaxNode) -> String {
    // The outermost path under the node, so that `ONLY`, `*` or `AS x` are not part of the name.
    let target = node
        .descendants()
        .find(|d| matches!(d.kind(), SyntaxKind::PATH_REF | SyntaxKind::PATH))
        .unwrap_or_else(|| node.clone());
    let mut out = String::new();
    for token in target
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
    {
        let kind = token.kind();
        if kind.is_trivia() {
            continue;
        }
        if kind == SyntaxKind::DOT {
            out.push('.');
        } else if kind == SyntaxKind::IDENT || kind.is_keyword() {
            out.push_str(&ident(token.text()));
        }
    }
    out
}

/// The unqualified part of a name (`public.t` -> `t`).
pub fn last_part(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_in_comments_and_strings_do_not_count() {
        let p = ParsedSql::parse(
            "-- DROP TABLE a;\n/* DROP TABLE b; */\nSELECT 'DROP TABLE c';\n$$ DROP TABLE d $$;\n",
        );
        let kinds: Vec<_> = p.statements.iter().map(|s| s.syntax().kind()).collect();
        assert!(!kinds.contains(&SyntaxKind::DROP_TABLE), "{kinds:?}");
    }

    #[test]
    fn lines_are_exact_and_one_based() {
        let p = ParsedSql::parse("-- header\n\nALTER TABLE t\n  DROP COLUMN c;\n");
        let stmt = p.statements[0].syntax().clone();
        let span = p.span(&stmt);
        assert_eq!((span.start_line, span.start_col), (3, 1));
        assert_eq!(span.end_line, 4);
    }

    #[test]
    fn allow_comments_are_read_with_rule_and_reason() {
        let p = ParsedSql::parse(
            "-- shipgate:allow drop-column the column is unused since v12\nALTER TABLE t DROP COLUMN c;\n",
        );
        assert_eq!(p.allows.len(), 1);
        assert_eq!(p.allows[0].rule, "drop-column");
        assert_eq!(p.allows[0].reason, "the column is unused since v12");
        assert_eq!(p.statement_for_comment(p.allows[0].offset), Some(0));
    }

    #[test]
    fn names_are_normalised() {
        let p = ParsedSql::parse(
            "ALTER TABLE NEW . \"T\" ADD COLUMN c int;\nALTER TABLE ONLY public.t ADD COLUMN c int;",
        );
        let rel = |i: usize| {
            let stmt = p.statements[i].syntax().clone();
            child(&stmt, SyntaxKind::TABLE_RELATION_NAME).map(|n| qualified_name(&n))
        };
        assert_eq!(rel(0).as_deref(), Some("new.T"));
        assert_eq!(rel(1).as_deref(), Some("public.t"));
    }

    #[test]
    fn placeholders_are_masked_without_moving_offsets() {
        let p = ParsedSql::parse("ALTER TABLE ${schema}.orders DROP COLUMN a;\n");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.text.len(),
            "ALTER TABLE ${schema}.orders DROP COLUMN a;\n".len()
        );
        assert!(mask_placeholders("a ${ b\n}").contains("${"));
    }

    #[test]
    fn one_syntax_error_per_line() {
        let p = ParsedSql::parse("ALTER TABLE {x} . y ADD COLUMN z int;\nSELECT 1;\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    }

    #[test]
    fn syntax_errors_keep_the_rest_of_the_file() {
        let p = ParsedSql::parse("ALTER TABLE;\nDROP TABLE t;\n");
        assert!(!p.errors.is_empty());
        assert!(
            p.statements
                .iter()
                .any(|s| s.syntax().kind() == SyntaxKind::DROP_TABLE)
        );
    }
}
