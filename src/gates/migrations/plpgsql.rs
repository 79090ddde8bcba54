//! The SQL inside PostgreSQL `DO` blocks: `DO $$ ... $$` (PL/pgSQL) runs its
//! statements as one atomic statement, so a `DROP TABLE` there is as
//! dangerous as one outside. This module finds the SQL statements of a DO
//! body (top level and inside `IF ... THEN`, `ELSE`, `LOOP`, nested `BEGIN`
//! blocks), and parses them with the same PostgreSQL parser over a copy of the
//! file where everything else is blanked, so every offset, line and column
//! is the file's own. Dynamic SQL (`EXECUTE '...'`), `PERFORM`, assignments
//! and other PL/pgSQL statements are not SQL to lint.
//! All DO blocks of a file are parsed in one pass (linear in the file).
//! Not for: functions and procedures (`CREATE FUNCTION` bodies run later, when
//! called, not when the migration runs).

use super::sql::ParsedSql;
use squawk_syntax::ast::{self, AstNode};

/// Statements whose first word makes them SQL worth linting inside a DO body.
const SQL_COMMANDS: &[&str] = &[
    "ALTER", "DROP", "TRUNCATE", "DELETE", "UPDATE", "CREATE", "INSERT", "REINDEX", "SET", "RESET",
    "COMMENT", "GRANT", "REVOKE", "LOCK", "CLUSTER", "VACUUM", "REFRESH",
];

/// The SQL statements inside every DO block of the file, parsed at their file
/// offsets in one pass (`None`: no DO block with SQL to lint). A nested
/// statement belongs to the DO statement whose range contains it.
pub fn do_blocks_sql(parsed: &ParsedSql) -> Option<ParsedSql> {
    let mut masked: Option<Vec<u8>> = None;
    for stmt in &parsed.statements {
        let Some((body_from, body)) = do_body(parsed, stmt) else {
            continue;
        };
        let ranges = sql_statements(body);
        if ranges.is_empty() {
            continue;
        }
        // The file with only those statements left (each ended by `;`), same length.
        let buf = masked.get_or_insert_with(|| {
            parsed
                .text
                .bytes()
                .map(|b| if b == b'\n' { b'\n' } else { b' ' })
                .collect()
        });
        let src = parsed.text.as_bytes();
        for (s, e) in ranges {
            let (s, e) = (body_from + s, body_from + e);
            buf[s..e].copy_from_slice(&src[s..e]);
            if let Some(slot) = buf.get_mut(e) {
                *slot = b';';
            }
        }
        // Allow comments in the body stay, so that they apply to the statement they precede.
        for (at, _) in body.match_indices(super::sql::ALLOW_MARKER) {
            let line_start = body[..at].rfind('\n').map_or(0, |p| p + 1);
            let Some(dash) = body[line_start..at].find("--").map(|p| line_start + p) else {
                continue;
            };
            let line_end = body[at..].find('\n').map_or(body.len(), |p| at + p);
            let (s, e) = (body_from + dash, body_from + line_end);
            buf[s..e].copy_from_slice(&src[s..e]);
        }
    }
    let masked = String::from_utf8(masked?).ok()?;
    Some(ParsedSql::parse(&masked))
}

/// The code of a PL/pgSQL DO block: its offset in the file and its text.
fn do_body<'a>(parsed: &'a ParsedSql, stmt: &ast::Stmt) -> Option<(usize, &'a str)> {
    let ast::Stmt::Do(block) = stmt else {
        return None;
    };
    if let Some(lang) = block.do_language() {
        let lang = lang.syntax().text().to_string().to_ascii_lowercase();
        if !lang.contains("plpgsql") {
            return None;
        }
    }
    let range = block.body()?.syntax().text_range();
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    let (inner_start, inner_end) = body_bounds(parsed.text.get(start..end)?)?;
    let body = parsed.text.get(start + inner_start..start + inner_end)?;
    Some((start + inner_start, body))
}

/// Where the code of a DO body literal starts and ends: `$tag$...$tag$`, or
/// `'...'` without doubled quotes (escapes would shift offsets).
fn body_bounds(literal: &str) -> Option<(usize, usize)> {
    if let Some(rest) = literal.strip_prefix('$') {
        let tag_len = rest.find('$')? + 2;
        let tag = &literal[..tag_len];
        if literal.len() < tag_len * 2 || !literal.ends_with(tag) {
            return None;
        }
        return Some((tag_len, literal.len() - tag_len));
    }
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.contains('\'') || inner.contains('\\') {
        return None;
    }
    Some((1, literal.len() - 1))
}

/// A word of the body with its byte range, outside strings and comments.
fn words(body: &str) -> Vec<(usize, usize)> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i += b[i..]
                .iter()
                .position(|&x| x == b'\n')
                .unwrap_or(b.len() - i);
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += body[i + 2..].find("*/").map_or(b.len() - i, |p| p + 4);
        } else if c == b'\'' || c == b'"' {
            let mut j = i + 1;
            while j < b.len() {
                if b[j] == c {
                    if b.get(j + 1) == Some(&c) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            i = j + 1;
        } else if c == b'$' {
            // A dollar-quoted string `$x$...$x$` (or a parameter `$1`).
            match body[i + 1..].find('$') {
                Some(p)
                    if body[i + 1..i + 1 + p]
                        .bytes()
                        .all(|x| x.is_ascii_alphanumeric() || x == b'_')
                        && !body[i + 1..i + 1 + p].starts_with(|x: char| x.is_ascii_digit()) =>
                {
                    let tag = &body[i..i + p + 2];
                    let after = i + p + 2;
                    i = body[after..]
                        .find(tag)
                        .map_or(b.len(), |q| after + q + tag.len());
                }
                _ => i += 1,
            }
        } else if c == b';' {
            out.push((i, i + 1));
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'<' {
            let start = i;
            if c == b'<' {
                // A `<<label>>`.
                match body[i..].find(">>") {
                    Some(p) if body[i..].starts_with("<<") => {
                        out.push((start, i + p + 2));
                        i += p + 2;
                    }
                    _ => i += 1,
                }
                continue;
            }
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges (in `body`) of the SQL statements a PL/pgSQL body runs.
pub fn sql_statements(body: &str) -> Vec<(usize, usize)> {
    let toks = words(body);
    let word = |k: usize| body[toks[k].0..toks[k].1].to_ascii_uppercase();
    // Split into pieces at `;` tokens.
    let mut pieces: Vec<(usize, usize, usize)> = Vec::new(); // (first token, end token excl, `;` offset)
    let mut from = 0;
    for (k, t) in toks.iter().enumerate() {
        if &body[t.0..t.1] == ";" {
            pieces.push((from, k, t.0));
            from = k + 1;
        }
    }
    let mut out = Vec::new();
    let mut declarations = true;
    for (first, end, semi) in pieces {
        let mut k = first;
        // Skip the control-flow words in front of the statement.
        while k < end {
            let w = word(k);
            match w.as_str() {
                "DECLARE" => {
                    declarations = true;
                    k += 1;
                }
                "BEGIN" => {
                    declarations = false;
                    k += 1;
                }
                "ELSE" | "LOOP" => k += 1,
                _ if w.starts_with("<<") => k += 1,
                "IF" | "ELSIF" | "ELSEIF" | "WHILE" | "FOR" | "FOREACH" | "WHEN" | "EXCEPTION"
                | "CASE" => {
                    // Up to the THEN or LOOP that opens the branch.
                    match (k + 1..end).find(|&j| matches!(word(j).as_str(), "THEN" | "LOOP")) {
                        Some(j) => k = j + 1,
                        None => k = end,
                    }
                }
                _ => break,
            }
        }
        if k >= end || declarations {
            continue;
        }
        if SQL_COMMANDS.contains(&word(k).as_str()) {
            out.push((toks[k].0, semi));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::migrations::rules::test_support::ids;

    fn statements(body: &str) -> Vec<&str> {
        sql_statements(body)
            .into_iter()
            .map(|(s, e)| &body[s..e])
            .collect()
    }

    #[test]
    fn finds_sql_at_top_level_and_inside_branches_and_loops() {
        let body = "\nDECLARE n int := 0; drop_it boolean;\nBEGIN\n  SELECT count(*) INTO n FROM t;\n  \
                    IF n = 0 THEN DROP TABLE t; ELSE UPDATE t SET a = 1; END IF;\n  \
                    FOR r IN SELECT id FROM u LOOP DELETE FROM u WHERE id = r.id; END LOOP;\n  \
                    PERFORM pg_sleep(1); n := n + 1; RAISE NOTICE 'DROP TABLE x;';\n  \
                    EXECUTE 'DROP TABLE y';\n  <<inner>> BEGIN ALTER TABLE v DROP COLUMN c; END;\nEND\n";
        assert_eq!(
            statements(body),
            vec![
                "DROP TABLE t",
                "UPDATE t SET a = 1",
                "DELETE FROM u WHERE id = r.id",
                "ALTER TABLE v DROP COLUMN c"
            ]
        );
    }

    #[test]
    fn a_drop_inside_a_do_block_is_reported_at_its_line() {
        let sql = "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM users) THEN\n    DROP TABLE users;\n  END IF;\nEND\n$$;\n";
        assert_eq!(ids(sql), vec![("drop-table".to_string(), 4)]);
    }

    #[test]
    fn tagged_dollar_quotes_and_language_clauses() {
        let sql = "DO LANGUAGE plpgsql $body$ BEGIN TRUNCATE audit; END $body$;\n";
        assert_eq!(ids(sql), vec![("truncate-table".to_string(), 1)]);
        let other = "DO LANGUAGE plperl $$ my $x = 'DROP TABLE t;'; $$;\n";
        assert!(ids(other).is_empty(), "{:?}", ids(other));
    }

    #[test]
    fn tables_created_inside_the_block_are_new_and_strings_do_not_count() {
        let sql = "DO $$ BEGIN CREATE TABLE t2 (id int); CREATE INDEX i ON t2 (id); \
                   RAISE NOTICE 'DELETE FROM t'; END $$;";
        assert!(ids(sql).is_empty(), "{:?}", ids(sql));
    }

    #[test]
    fn a_do_block_is_one_transaction() {
        let sql = "DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON t (a); END $$;";
        assert!(
            ids(sql)
                .iter()
                .any(|(r, _)| r == "concurrently-in-transaction"),
            "{:?}",
            ids(sql)
        );
    }

    #[test]
    fn allow_comments_inside_the_block_apply() {
        let sql =
            "DO $$\nBEGIN\n  -- shipgate:allow drop-table retired\n  DROP TABLE old;\nEND $$;\n";
        assert!(ids(sql).is_empty(), "{:?}", ids(sql));
    }

    #[test]
    fn several_blocks_each_report_their_own_statements() {
        let sql = "DO $$ BEGIN DELETE FROM a; END $$;\nSELECT 1;\n\
                   DO $$\nBEGIN\n  -- shipgate:allow drop-table gone\n  DROP TABLE b;\n  DROP TABLE c;\nEND $$;\n";
        assert_eq!(
            ids(sql),
            vec![
                ("delete-without-where".to_string(), 1),
                ("drop-table".to_string(), 7),
                // Both drops hold ACCESS EXCLUSIVE in the block's one transaction.
                ("several-heavy-locks-in-transaction".to_string(), 7)
            ]
        );
    }

    #[test]
    fn odd_bodies_never_panic() {
        for body in [
            "",
            "$",
            "$$",
            "'",
            "<<",
            "BEGIN",
            "IF THEN",
            "$a$ x",
            "BEGIN DROP",
        ] {
            let _ = sql_statements(body);
            let _ = ids(&format!("DO $q${body}$q$;"));
            let _ = ids(&format!("DO '{body}';"));
        }
    }
}
