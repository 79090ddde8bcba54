//! MySQL text to statements, as the `mysql` client splits it: on the current
//! delimiter (`;`, or what a `DELIMITER` line sets) outside strings
//! (`'...'`, `"..."`, with backslash escapes and doubled quotes), quoted
//! identifiers (`` `...` ``) and comments (`-- ` with a space, `#`, `/* */`).
//! Each statement keeps its byte range in the file, and its text comes with
//! the comments blanked out (same length, same newlines), so positions found
//! in it are positions in the file. Not for: parsing a statement (sqlparser
//! does that, one statement at a time, in `super`).

/// One statement of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte offset of its first character (after leading blanks and comments).
    pub start: usize,
    /// Byte offset just past its last character (the delimiter excluded).
    pub end: usize,
    /// `text[start..end]` with comments replaced by spaces (newlines kept).
    pub sql: String,
    /// The delimiter that ended it was not `;` (a `DELIMITER` block: routines, triggers).
    pub custom_delimiter: bool,
}

/// A comment with its byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub offset: usize,
    pub text: String,
}

/// What the splitter found.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub pieces: Vec<Piece>,
    pub comments: Vec<Comment>,
}

/// Split `text` (already placeholder-masked) into statements and comments.
pub fn split(text: &str) -> Split {
    let b = text.as_bytes();
    let mut out = Split::default();
    // The statement being read: its blanked text, and where it started.
    let mut cur = String::new();
    let mut cur_start: Option<usize> = None;
    let mut delimiter = ";".to_string();
    let mut in_executable = false;
    let mut i = 0;
    let push = |out: &mut Split, cur: &mut String, start: &mut Option<usize>, custom| {
        if let Some(s) = start.take() {
            let sql = std::mem::take(cur);
            let trimmed = sql.trim_end();
            if !trimmed.is_empty() {
                out.pieces.push(Piece {
                    start: s,
                    end: s + trimmed.len(),
                    sql: trimmed.to_string(),
                    custom_delimiter: custom,
                });
            }
        }
        cur.clear();
    };
    while i < b.len() {
        // `DELIMITER x` as the first word of a line, between statements.
        if cur_start.is_none() && (i == 0 || b[i - 1] == b'\n' || line_blank_before(b, i)) {
            let line_end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            let line = &text[i..line_end];
            let mut words = line.split_whitespace();
            if words
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("delimiter"))
            {
                if let Some(d) = words.next() {
                    delimiter = d.to_string();
                }
                i = line_end;
                continue;
            }
        }
        let c = b[i];
        // `/*!50001 SQL */` is SQL that MySQL runs (mysqldump writes it): keep the
        // SQL, blank the markers.
        if c == b'/' && b.get(i + 1) == Some(&b'*') && b.get(i + 2) == Some(&b'!') {
            let mut j = i + 3;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if cur_start.is_none() {
                cur_start = Some(i);
            }
            cur.extend(std::iter::repeat_n(' ', j - i));
            in_executable = true;
            i = j;
            continue;
        }
        if in_executable && c == b'*' && b.get(i + 1) == Some(&b'/') {
            if cur_start.is_some() {
                cur.push_str("  ");
            }
            in_executable = false;
            i += 2;
            continue;
        }
        // Comments.
        let line_comment = c == b'#'
            || (c == b'-'
                && b.get(i + 1) == Some(&b'-')
                && b.get(i + 2).is_none_or(|n| n.is_ascii_whitespace()));
        let comment_len = if line_comment {
            Some(to_line_end(b, i))
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            Some(text[i + 2..].find("*/").map_or(b.len() - i, |p| p + 4))
        } else {
            None
        };
        if let Some(len) = comment_len {
            let end = (i + len).min(b.len());
            out.comments.push(Comment {
                offset: i,
                text: text[i..end].to_string(),
            });
            if cur_start.is_some() {
                // Same byte length: a multi-byte character becomes that many spaces.
                for ch in text[i..end].chars() {
                    match ch {
                        '\n' => cur.push('\n'),
                        ch => cur.extend(std::iter::repeat_n(' ', ch.len_utf8())),
                    }
                }
            }
            i = end;
            continue;
        }
        // The delimiter.
        if text[i..].starts_with(delimiter.as_str()) {
            let custom = delimiter != ";";
            push(&mut out, &mut cur, &mut cur_start, custom);
            i += delimiter.len();
            continue;
        }
        if cur_start.is_none() {
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            cur_start = Some(i);
        }
        // Strings and quoted identifiers.
        if matches!(c, b'\'' | b'"' | b'`') {
            let end = quoted_end(b, i);
            cur.push_str(&text[i..end]);
            i = end;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        cur.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    push(&mut out, &mut cur, &mut cur_start, delimiter != ";");
    out
}

/// Whether only blanks precede `i` on its line.
fn line_blank_before(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 {
        j -= 1;
        match b[j] {
            b'\n' => return true,
            b' ' | b'\t' | b'\r' => {}
            _ => return false,
        }
    }
    true
}

/// Length of a comment running to the end of the line (the newline excluded).
fn to_line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(b.len() - i)
}

/// Offset just past the quoted run starting at `i` (unterminated: the end of the text).
fn quoted_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' && q != b'`' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(text: &str) -> Vec<String> {
        split(text).pieces.into_iter().map(|p| p.sql).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_comments() {
        let text = "INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`);\n-- DROP TABLE x;\n# DROP TABLE y;\n/* DROP TABLE z; */\nSELECT 1;";
        assert_eq!(
            sqls(text),
            vec!["INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`)", "SELECT 1"]
        );
    }

    #[test]
    fn backslash_and_doubled_quotes_stay_inside_the_string() {
        assert_eq!(
            sqls("SELECT 'it\\'s; fine', 'x'';y';SELECT 2"),
            vec!["SELECT 'it\\'s; fine', 'x'';y'", "SELECT 2"]
        );
    }

    #[test]
    fn double_dash_needs_a_space_to_start_a_comment() {
        assert_eq!(sqls("SELECT 1--1;"), vec!["SELECT 1--1"]);
    }

    #[test]
    fn comments_inside_a_statement_are_blanked_and_offsets_kept() {
        let text = "ALTER TABLE t /* why; */ DROP COLUMN c;";
        let s = split(text);
        let p = &s.pieces[0];
        assert_eq!(p.sql.len(), p.end - p.start);
        assert_eq!(
            p.sql,
            format!("ALTER TABLE t {} DROP COLUMN c", " ".repeat(10))
        );
        assert_eq!(s.comments[0].offset, 14);
    }

    #[test]
    fn delimiter_blocks_are_one_statement() {
        let text = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN DELETE FROM t; END$$\nDELIMITER ;\nDROP TABLE t;\n";
        let s = split(text);
        assert_eq!(s.pieces.len(), 2);
        assert!(s.pieces[0].custom_delimiter);
        assert_eq!(
            s.pieces[0].sql,
            "CREATE PROCEDURE p() BEGIN DELETE FROM t; END"
        );
        assert_eq!(s.pieces[1].sql, "DROP TABLE t");
        assert!(!s.pieces[1].custom_delimiter);
        assert_eq!(&text[s.pieces[1].start..s.pieces[1].end], "DROP TABLE t");
    }

    #[test]
    fn executable_comments_are_sql() {
        let s = split("/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\nSELECT 1;");
        assert_eq!(s.pieces[0].sql.trim(), "SET FOREIGN_KEY_CHECKS=0");
        assert_eq!(s.pieces[0].sql.len(), s.pieces[0].end - s.pieces[0].start);
        assert_eq!(s.pieces[1].sql, "SELECT 1");
    }

    #[test]
    fn an_executable_comment_closed_after_its_statement_keeps_offsets() {
        // Found by fuzzing: the `*/` came after the statement had ended.
        let text = "/*!1 SELECT 1; */ SELECT 2;";
        for p in split(text).pieces {
            assert_eq!(p.sql.len(), p.end - p.start, "{p:?}");
            assert!(p.end <= text.len());
        }
    }

    #[test]
    fn a_statement_without_a_final_delimiter_still_counts() {
        assert_eq!(
            sqls("SELECT 1;\n  DROP TABLE t\n"),
            vec!["SELECT 1", "DROP TABLE t"]
        );
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "'",
            "\"abc",
            "`",
            "/*",
            "--",
            "#",
            "DELIMITER",
            "DELIMITER \n;",
            "é;ü'",
            "a\\",
        ] {
            let _ = split(text);
        }
    }
}
