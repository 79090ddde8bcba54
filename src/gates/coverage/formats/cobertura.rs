//! Cobertura XML (coverage.py `xml`, gcovr `--cobertura`, cobertura-maven,
//! istanbul `cobertura`, Coverlet, PHPUnit, cargo-tarpaulin).
//!
//! `<class filename>` paths are relative to one of the `<sources><source>`
//! roots (kept as candidates for path mapping). A class lists its lines once
//! under `<lines>` and often again under `<methods><method><lines>`: only the
//! class-level lines are counted, and method lines are used only for a class
//! that has no class-level lines. `condition-coverage="50% (1/2)"` gives the
//! branch outcomes of a line.

use super::xml::{self, At, Flow, Node};
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};
use std::ops::Range;

#[derive(Default)]
struct Class {
    filename: String,
    lines: FileCoverage,
    /// Where its `<methods>` elements are: read only if the class has no
    /// class-level lines (they list the same lines again).
    methods: Vec<Range<usize>>,
}

/// Parse a Cobertura XML report.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let mut report = ParsedReport::new(Format::Cobertura);
    let mut roots: Vec<String> = Vec::new();
    let mut in_source = false;
    let mut source_text = String::new();
    let mut class: Option<Class> = None;
    let mut methods_start = None;
    let mut saw_root = false;
    xml::walk(bytes, |node, at| {
        match node {
            Node::Open { name, attrs, empty } => match name {
                "coverage" => saw_root = true,
                "source" if !empty => {
                    in_source = true;
                    source_text.clear();
                }
                "class" => {
                    let [filename] = attrs.get(["filename"], at)?;
                    let filename = filename
                        .ok_or_else(|| at.error("expected attribute `filename` on <class>"))?;
                    let filename = xml::text(filename, "class", "filename", at)?;
                    let c = Class {
                        filename: filename.trim().to_string(),
                        ..Class::default()
                    };
                    if empty {
                        report.files.push(ReportFile {
                            path: c.filename,
                            roots: roots.clone(),
                            coverage: FileCoverage::default(),
                        });
                    } else {
                        class = Some(c);
                    }
                }
                "methods" if !empty && class.is_some() => {
                    methods_start = Some(at.offset());
                    return Ok(Flow::SkipContent);
                }
                "line" => {
                    if let Some(c) = class.as_mut() {
                        read_line(&mut c.lines, attrs, at)?;
                    } // a <line> outside a class carries no file
                }
                _ => {}
            },
            Node::Close { name } => match name {
                "source" => {
                    in_source = false;
                    let root = source_text.trim();
                    if !root.is_empty() {
                        roots.push(root.to_string());
                    }
                }
                "methods" => {
                    if let (Some(start), Some(c)) = (methods_start.take(), class.as_mut()) {
                        let end = memchr::memchr(b'>', &bytes[at.offset()..])
                            .map_or(bytes.len(), |k| at.offset() + k + 1);
                        c.methods.push(start..end);
                    }
                }
                "class" => {
                    if let Some(mut c) = class.take() {
                        if c.lines.lines.is_empty() {
                            for span in std::mem::take(&mut c.methods) {
                                method_lines(bytes, span, &mut c.lines)?;
                            }
                        }
                        report.files.push(ReportFile {
                            path: c.filename,
                            roots: roots.clone(),
                            coverage: c.lines,
                        });
                    }
                }
                _ => {}
            },
            Node::Text(t) => {
                if in_source {
                    source_text.push_str(&t.value().map_err(|e| at.error(e))?);
                }
            }
        }
        Ok(Flow::Continue)
    })?;
    if !saw_root {
        return Err(ParseError::at(
            1,
            "expected a Cobertura <coverage> root element",
        ));
    }
    Ok(report)
}

/// One `<line number hits [branch condition-coverage]>` into `target`.
fn read_line(
    target: &mut FileCoverage,
    attrs: xml::Attrs<'_>,
    at: At<'_>,
) -> Result<(), ParseError> {
    let [number, hits, branch, cond] =
        attrs.get(["number", "hits", "branch", "condition-coverage"], at)?;
    let number = xml::line_number(number, "line", "number", at)?;
    let hits = xml::count(hits, "line", "hits", at)?
        .ok_or_else(|| at.error("expected attribute `hits` on <line>"))?;
    target.add_line(number, hits);
    if branch.is_some_and(|b| b.trim_ascii() == b"true")
        && let Some(count) = cond
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(parse_condition)
    {
        target.add_branches(number, count);
    }
    Ok(())
}

/// The lines listed under a class's `<methods>` (its only lines), without
/// their branches (summaries per method, not per line).
fn method_lines(
    bytes: &[u8],
    span: Range<usize>,
    target: &mut FileCoverage,
) -> Result<(), ParseError> {
    xml::walk_span(bytes, span, |node, at| {
        if let Node::Open {
            name: "line",
            attrs,
            ..
        } = node
        {
            let [number, hits] = attrs.get(["number", "hits"], at)?;
            let number = xml::line_number(number, "line", "number", at)?;
            let hits = xml::count(hits, "line", "hits", at)?
                .ok_or_else(|| at.error("expected attribute `hits` on <line>"))?;
            target.add_line(number, hits);
        }
        Ok(Flow::Continue)
    })
}

/// `"50% (1/2)"` -> 1 of 2.
fn parse_condition(text: &str) -> Option<BranchCount> {
    let inner = text.split('(').nth(1)?.split(')').next()?;
    let (covered, total) = inner.split_once('/')?;
    let covered: u32 = covered.trim().parse().ok()?;
    let total: u32 = total.trim().parse().ok()?;
    (total > 0).then_some(BranchCount {
        covered: covered.min(total),
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GCOVR_STYLE: &str = r#"<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM 'http://cobertura.sourceforge.net/xml/coverage-04.dtd'>
<coverage line-rate="0.5" branch-rate="0.5" version="gcovr 7.2" timestamp="1">
  <sources>
    <source>/home/ci/build/repo</source>
    <source>
      src
    </source>
  </sources>
  <packages>
    <package name="lib" line-rate="0.5">
      <classes>
        <class name="calc_c" filename="lib/calc.c" line-rate="0.5">
          <methods>
            <method name="add" signature="" line-rate="1.0">
              <lines><line number="3" hits="4"/></lines>
            </method>
          </methods>
          <lines>
            <line number="3" hits="4" branch="false"/>
            <line number="4" hits="0" branch="true" condition-coverage="50% (1/2)">
              <conditions><condition number="0" type="jump" coverage="50%"/></conditions>
            </line>
          </lines>
        </class>
        <class name="only_methods" filename="lib/m.c">
          <methods><method name="m"><lines><line number="9" hits="0"/></lines></method></methods>
          <lines/>
        </class>
      </classes>
    </package>
  </packages>
</coverage>"#;

    #[test]
    fn method_lines_do_not_count_twice_and_sources_become_roots() {
        let r = parse(GCOVR_STYLE.as_bytes()).expect("parse");
        let calc = &r.files[0];
        assert_eq!(calc.path, "lib/calc.c");
        assert_eq!(
            calc.roots,
            vec!["/home/ci/build/repo".to_string(), "src".to_string()]
        );
        assert_eq!(
            calc.coverage.lines.get(3),
            Some(4),
            "not 8: method lines ignored"
        );
        assert_eq!(calc.coverage.lines.len(), 2);
        assert_eq!(
            calc.coverage.branches.get(&4),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
        // A class with lines only under <methods> still reports them.
        assert_eq!(r.files[1].coverage.lines.get(9), Some(0));
    }

    #[test]
    fn malformed_xml_and_bad_attributes_name_the_line() {
        let err = parse(b"<coverage>\n<packages>\n<class filename=\"a.py\">\n<lines>\n<line number=\"x\" hits=\"1\"/>\n</lines></class></packages></coverage>").expect_err("bad number");
        assert_eq!(err.line, 5, "{err}");
        assert!(err.message.contains("number"), "{err}");
        let err = parse(b"<coverage>\n<packages>\n</coverage>").expect_err("mismatched");
        assert!(err.line >= 2, "{err}");
    }
}
