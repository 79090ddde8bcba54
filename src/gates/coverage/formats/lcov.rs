//! LCOV tracefiles (`lcov`, `geninfo`, gcovr, c8/nyc, cargo-llvm-cov, coverage.py `lcov`).
//!
//! Reads the records that carry line and branch data (`SF`, `DA`, `BRDA`,
//! `end_of_record`) and tolerates everything else real producers write:
//! lcov 2.x `VER`, `FNL`/`FNA`, `MCDC`, `#` comment lines, blank lines, CRLF,
//! branch expressions containing commas, `-` for a branch never reached,
//! negative counts from old gcov (read as 0), and a missing final
//! `end_of_record`. A record of a known kind that cannot be read is an error
//! naming the line; unknown record kinds are skipped.

use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};
use std::collections::BTreeMap;

/// One open `SF:` record.
struct Open {
    path: String,
    coverage: FileCoverage,
    /// (line, block, branch) -> taken, so that repeated records merge branch by branch.
    branches: BTreeMap<(u32, String), u64>,
}

impl Open {
    fn finish(mut self) -> ReportFile {
        let mut per_line: BTreeMap<u32, BranchCount> = BTreeMap::new();
        for ((line, _), taken) in &self.branches {
            let count = per_line.entry(*line).or_default();
            count.total += 1;
            if *taken > 0 {
                count.covered += 1;
            }
        }
        for (line, count) in per_line {
            self.coverage.add_branches(line, count);
        }
        ReportFile {
            path: self.path,
            roots: Vec::new(),
            coverage: self.coverage,
        }
    }
}

/// Parse an LCOV tracefile.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let mut report = ParsedReport::new(Format::Lcov);
    let mut open: Option<Open> = None;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let n = index as u64 + 1;
        let line = trim_ascii(raw);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            if line == b"end_of_record" {
                if let Some(file) = open.take() {
                    report.files.push(file.finish());
                }
                continue;
            }
            return Err(ParseError::at(
                n,
                format!(
                    "expected an LCOV record (`KEY:value` or `end_of_record`), found `{}`",
                    preview(line)
                ),
            ));
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        match key {
            b"SF" => {
                if let Some(file) = open.take() {
                    report.files.push(file.finish());
                }
                let path = String::from_utf8_lossy(value).trim().to_string();
                if path.is_empty() {
                    return Err(ParseError::at(n, "expected a source file path after `SF:`"));
                }
                open = Some(Open {
                    path,
                    coverage: FileCoverage::default(),
                    branches: BTreeMap::new(),
                });
            }
            b"DA" => {
                let file = open.as_mut().ok_or_else(|| outside(n, "DA"))?;
                let mut parts = value.split(|&b| b == b',');
                let line_no = parts.next().and_then(parse_line_number);
                let hits = parts.next().and_then(parse_count);
                match (line_no, hits) {
                    (Some(l), Some(h)) => file.coverage.add_line(l, h),
                    _ => {
                        return Err(ParseError::at(
                            n,
                            format!(
                                "expected `DA:<line>,<count>[,<checksum>]`, found `DA:{}`",
                                preview(value)
                            ),
                        ));
                    }
                }
            }
            b"BRDA" => {
                let file = open.as_mut().ok_or_else(|| outside(n, "BRDA"))?;
                // BRDA:<line>,[<exception>]<block>,<branch>,<taken>; the branch
                // name may itself contain commas (lcov 2.x), so split at both ends.
                let first = value.iter().position(|&b| b == b',');
                let last = value.iter().rposition(|&b| b == b',');
                let parsed = match (first, last) {
                    (Some(f), Some(l)) if l > f => {
                        let line_no = parse_line_number(&value[..f]);
                        let taken = &value[l + 1..];
                        let taken = if trim_ascii(taken) == b"-" {
                            Some(0)
                        } else {
                            parse_count(taken)
                        };
                        line_no.zip(taken).map(|(l2, t)| {
                            (
                                l2,
                                String::from_utf8_lossy(&value[f + 1..l]).into_owned(),
                                t,
                            )
                        })
                    }
                    _ => None,
                };
                let Some((line_no, id, taken)) = parsed else {
                    return Err(ParseError::at(
                        n,
                        format!(
                            "expected `BRDA:<line>,<block>,<branch>,<taken>`, found `BRDA:{}`",
                            preview(value)
                        ),
                    ));
                };
                let entry = file.branches.entry((line_no, id)).or_insert(0);
                *entry = entry.saturating_add(taken);
            }
            // Records that carry no line coverage, or summaries we recompute:
            // TN, VER, FN, FNDA, FNF, FNH, FNL, FNA, LF, LH, BRF, BRH, MCDC, and
            // whatever future versions add.
            _ => {
                if key.is_empty() || !key.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    return Err(ParseError::at(
                        n,
                        format!(
                            "expected an LCOV record (`KEY:value`), found `{}`",
                            preview(line)
                        ),
                    ));
                }
            }
        }
    }
    if let Some(file) = open.take() {
        report.files.push(file.finish());
    }
    Ok(report)
}

fn outside(n: u64, key: &str) -> ParseError {
    ParseError::at(
        n,
        format!("`{key}:` outside a file record: expected `SF:<path>` first"),
    )
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// A 1-based line number.
pub(crate) fn parse_line_number(b: &[u8]) -> Option<u32> {
    std::str::from_utf8(trim_ascii(b))
        .ok()?
        .parse::<u32>()
        .ok()
        .filter(|&n| n > 0)
}

/// An execution count: integers, negative (old gcov: read as 0), or floats
/// (some converters) are accepted.
pub(crate) fn parse_count(b: &[u8]) -> Option<u64> {
    // Plain digits (nearly every count): no UTF-8 check, no float fallback.
    if !b.is_empty() && b.len() <= 19 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')));
    }
    let s = std::str::from_utf8(trim_ascii(b)).ok()?;
    if let Ok(v) = s.parse::<u64>() {
        return Some(v);
    }
    if let Ok(v) = s.parse::<i64>() {
        return Some(v.max(0) as u64);
    }
    let f = s.parse::<f64>().ok()?;
    if !f.is_finite() {
        return None;
    }
    Some(if f <= 0.0 {
        0
    } else {
        f.ceil().min(u64::MAX as f64) as u64
    })
}

/// A short, printable excerpt of input for error messages.
pub(crate) fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(r: &'a ParsedReport, path: &str) -> &'a FileCoverage {
        &r.files
            .iter()
            .find(|f| f.path == path)
            .expect("file")
            .coverage
    }

    #[test]
    fn reads_lines_and_branches_of_a_classic_tracefile() {
        let text = "TN:\nSF:/ci/src/a.c\nFN:3,main\nFNDA:1,main\nDA:3,1\nDA:4,0\nBRDA:4,0,0,1\nBRDA:4,0,1,-\nBRF:2\nBRH:1\nLF:2\nLH:1\nend_of_record\n";
        let r = parse(text.as_bytes()).expect("parse");
        let f = file(&r, "/ci/src/a.c");
        assert_eq!(f.lines.get(3), Some(1));
        assert_eq!(f.lines.get(4), Some(0));
        assert_eq!(
            f.branches.get(&4),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
    }

    #[test]
    fn tolerates_lcov2_records_comments_crlf_and_commas_in_branch_names() {
        let text = "# generated by lcov 2.1\r\nVER:2.1\r\nTN:unit\r\nSF:src/x.cpp\r\nFNL:0,10,14\r\nFNA:0,2,f(int, int)\r\nDA:10,2,abcdef\r\nDA:11,0\r\nBRDA:11,e0,(a, b) && c,3\r\nBRDA:11,e0,!((a, b) && c),0\r\nMCDC:11,2,t,1,0,a && b\r\n\r\nend_of_record";
        let r = parse(text.as_bytes()).expect("parse");
        let f = file(&r, "src/x.cpp");
        assert_eq!(f.lines.len(), 2);
        assert_eq!(
            f.branches.get(&11),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
    }

    #[test]
    fn repeated_file_records_are_summed_and_negative_counts_read_as_zero() {
        let text = "SF:a.py\nDA:1,0\nDA:2,-1\nend_of_record\nSF:a.py\nDA:1,3\nend_of_record\n";
        let r = parse(text.as_bytes()).expect("parse");
        let mut merged = FileCoverage::default();
        for f in &r.files {
            merged.merge(&f.coverage);
        }
        assert_eq!(merged.lines.get(1), Some(3));
        assert_eq!(merged.lines.get(2), Some(0));
    }

    #[test]
    fn malformed_records_name_the_line_and_what_was_expected() {
        let err = parse(b"SF:a.py\nDA:1,1\nDA:x,1\n").expect_err("bad DA");
        assert_eq!(err.line, 3);
        assert!(err.message.contains("DA:<line>,<count>"), "{}", err.message);
        let err = parse(b"DA:1,1\n").expect_err("DA before SF");
        assert_eq!(err.line, 1);
        assert!(err.message.contains("SF:"), "{}", err.message);
        let err = parse(b"SF:a\nthis is not lcov\n").expect_err("garbage");
        assert_eq!(err.line, 2);
    }
}
