//! `llvm-cov export` JSON (clang `-fprofile-instr-generate`, cargo-llvm-cov `--json`).
//!
//! Line coverage is computed from the region segments exactly as llvm-cov's
//! own `LineCoverageStats` does: a line is executable when a region with a
//! count starts on it (not a gap region) or a counted region wraps into it
//! and no skipped region starts it; its count is the largest of the wrapping
//! count and the counts of regions starting on it. Branch records
//! (`[line, col, end_line, end_col, true_count, false_count, ...]`) give two
//! outcomes each, on their first line. Expansions (macros) are not read:
//! their lines belong to other files, which have their own entries.

use super::json;
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, MAX_LINE, ParseError, ParsedReport, ReportFile,
};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
struct Segment {
    line: u32,
    count: u64,
    has_count: bool,
    region_entry: bool,
    gap: bool,
}

impl<'de> Deserialize<'de> for Segment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Segment;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a segment [line, col, count, has_count, is_region_entry(, is_gap_region)]",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Segment, A::Error> {
                let line: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let _col: IgnoredAny = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let count: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(2, &self))?;
                let has_count: bool = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(3, &self))?;
                let region_entry: bool = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(4, &self))?;
                let gap: bool = seq.next_element()?.unwrap_or(false);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                let line = json::line(line).filter(|&l| l <= MAX_LINE).ok_or_else(|| {
                    de::Error::custom(format!(
                        "segment line must be a positive integer up to {MAX_LINE}"
                    ))
                })?;
                Ok(Segment {
                    line,
                    count: json::count(count),
                    has_count,
                    region_entry,
                    gap,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
struct File {
    filename: String,
    #[serde(default)]
    segments: Vec<Segment>,
    #[serde(default)]
    branches: Vec<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    files: Vec<File>,
}

#[derive(Deserialize)]
struct Top {
    data: Vec<Export>,
}

/// Parse an llvm-cov export JSON document.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let top: Top = serde_json::from_slice(bytes)
        .map_err(|e| json::error(&e, "an llvm-cov export {\"data\": [{\"files\": [...]}]}"))?;
    let mut report = ParsedReport::new(Format::LlvmCov);
    for export in top.data {
        for mut file in export.files {
            // llvm writes segments in order; sort (stably) in case a tool did not.
            file.segments.sort_by_key(|s| s.line);
            let mut coverage = line_coverage(&file.segments);
            let mut per_line: BTreeMap<u32, BranchCount> = BTreeMap::new();
            for b in &file.branches {
                let num = |i: usize| b.get(i).and_then(serde_json::Value::as_f64);
                let (Some(line), Some(t), Some(f)) = (num(0).and_then(json::line), num(4), num(5))
                else {
                    continue;
                };
                let c = per_line.entry(line).or_default();
                c.total += 2;
                c.covered += u32::from(json::count(t) > 0) + u32::from(json::count(f) > 0);
            }
            for (line, count) in per_line {
                coverage.add_branches(line, count);
            }
            report.files.push(ReportFile {
                path: file.filename,
                roots: Vec::new(),
                coverage,
            });
        }
    }
    Ok(report)
}

/// llvm's `LineCoverageIterator` over sorted segments.
fn line_coverage(segments: &[Segment]) -> FileCoverage {
    let mut coverage = FileCoverage::default();
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else {
        return coverage;
    };
    let (first_line, last_line) = (first.line, last.line.max(first.line));
    let mut wrapped: Option<Segment> = None;
    let mut i = 0;
    let mut line = first_line;
    while line <= last_line {
        let start = i;
        while i < segments.len() && segments[i].line == line {
            i += 1;
        }
        let on_line = &segments[start..i];
        let is_start = |s: &Segment| !s.gap && s.has_count && s.region_entry;
        let starts = on_line.iter().filter(|s| is_start(s)).count();
        let skipped_start = on_line
            .first()
            .is_some_and(|s| !s.has_count && s.region_entry);
        let mapped = !skipped_start && (wrapped.is_some_and(|w| w.has_count) || starts > 0);
        if mapped {
            let mut count = wrapped.map(|w| w.count).unwrap_or(0);
            for s in on_line.iter().filter(|s| is_start(s)) {
                count = count.max(s.count);
            }
            coverage.lines.insert(line, count);
        }
        if let Some(l) = on_line.last() {
            wrapped = Some(*l);
        }
        // Jump over long stretches of lines without segments in one step.
        if i < segments.len()
            && segments[i].line > line + 1
            && !wrapped.is_some_and(|w| w.has_count)
        {
            line = segments[i].line;
        } else if line == last_line {
            break;
        } else {
            line += 1;
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_give_llvm_line_counts_and_branches() {
        // int main(int argc) {        line 1: region entry count 1
        //   if (argc > 5)              line 2
        //     return 1;                line 3: region entry count 0
        //   return 0;                  line 4: back to count 1 (not an entry)
        // }                            line 5: end
        // line 7: skipped region (#if 0)
        let text = r#"{"data":[{"files":[{"filename":"/ci/src/main.c",
           "segments":[[1,20,1,true,true,false],[3,5,0,true,true,false],[3,14,1,true,false,false],[5,2,0,false,false,false],[7,1,0,false,true,false],[8,1,0,false,false,false]],
           "branches":[[2,7,2,15,0,1,0,0,4]],
           "expansions":[],"summary":{}}],"functions":[],"totals":{}}],
           "type":"llvm.coverage.json.export","version":"2.0.1"}"#;
        let r = parse(text.as_bytes()).expect("parse");
        let f = &r.files[0].coverage;
        assert_eq!(f.lines.get(1), Some(1));
        assert_eq!(f.lines.get(2), Some(1));
        assert_eq!(
            f.lines.get(3),
            Some(1),
            "max of wrapped and starts, as llvm-cov"
        );
        assert_eq!(f.lines.get(4), Some(1));
        assert_eq!(
            f.lines.get(5),
            Some(1),
            "wrapped count carries to the closing line"
        );
        assert_eq!(f.lines.get(6), None);
        assert_eq!(f.lines.get(7), None, "skipped region");
        assert_eq!(
            f.branches.get(&2),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
    }

    #[test]
    fn old_five_field_segments_and_bad_segments() {
        let r = parse(br#"{"data":[{"files":[{"filename":"a.c","segments":[[1,1,0,true,true],[2,1,0,false,false]]}]}]}"#)
            .expect("parse");
        assert_eq!(r.files[0].coverage.lines.get(1), Some(0));
        let err =
            parse(b"{\"data\":[{\"files\":[{\"filename\":\"a.c\",\n\"segments\":[[1,1]]}]}]}")
                .expect_err("short");
        assert_eq!(err.line, 2, "{err}");
    }
}
