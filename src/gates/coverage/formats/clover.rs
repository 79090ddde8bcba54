//! Clover XML (OpenClover, PHPUnit `--coverage-clover`, istanbul `clover`).
//!
//! `<file path>` (or `name` when there is no `path`) names the source file.
//! Every `<line num type count>` is an executable line: `stmt`, `method` (the
//! declaration line, counted as PHPUnit and Codecov do) and `cond`, whose
//! `truecount`/`falsecount` give two branch outcomes.

use super::xml::{self, Flow, Node};
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};

/// Parse a Clover XML report.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let mut report = ParsedReport::new(Format::Clover);
    let mut file: Option<ReportFile> = None;
    let mut saw_root = false;
    xml::walk(bytes, |node, at| {
        match node {
            Node::Open { name, attrs, empty } => match name {
                "coverage" => saw_root = true,
                "file" => {
                    let [name_attr, path_attr] = attrs.get(["name", "path"], at)?;
                    let path_attr = path_attr
                        .map(|p| xml::text(p, "file", "path", at))
                        .transpose()?;
                    let name_attr = name_attr
                        .map(|n| xml::text(n, "file", "name", at))
                        .transpose()?;
                    let path = path_attr
                        .filter(|p| !p.trim().is_empty())
                        .or(name_attr)
                        .ok_or_else(|| at.error("expected attribute `path` or `name` on <file>"))?;
                    let f = ReportFile {
                        path: path.trim().to_string(),
                        roots: Vec::new(),
                        coverage: FileCoverage::default(),
                    };
                    if empty {
                        report.files.push(f);
                    } else {
                        file = Some(f);
                    }
                }
                "line" => {
                    let Some(f) = file.as_mut() else {
                        return Ok(Flow::Continue);
                    };
                    let [num, count, t, tc, fc] =
                        attrs.get(["num", "count", "type", "truecount", "falsecount"], at)?;
                    let num = xml::line_number(num, "line", "num", at)?;
                    let count = xml::count(count, "line", "count", at)?;
                    let tc = xml::count(tc, "line", "truecount", at)?;
                    let fc = xml::count(fc, "line", "falsecount", at)?;
                    let is_cond = t.map(<[u8]>::trim_ascii) == Some(b"cond".as_slice());
                    let hits = match count {
                        Some(c) => c,
                        None if is_cond => tc.unwrap_or(0).saturating_add(fc.unwrap_or(0)),
                        None => {
                            return Err(at.error("expected attribute `count` on <line>"));
                        }
                    };
                    f.coverage.add_line(num, hits);
                    if is_cond && (tc.is_some() || fc.is_some()) {
                        let covered =
                            u32::from(tc.unwrap_or(0) > 0) + u32::from(fc.unwrap_or(0) > 0);
                        f.coverage
                            .add_branches(num, BranchCount { covered, total: 2 });
                    }
                }
                _ => {}
            },
            Node::Close { name } => {
                if name == "file"
                    && let Some(f) = file.take()
                {
                    report.files.push(f);
                }
            }
            Node::Text(_) => {}
        }
        Ok(Flow::Continue)
    })?;
    if !saw_root {
        return Err(ParseError::at(
            1,
            "expected a Clover <coverage> root element",
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_php_and_istanbul_styles() {
        let php = r#"<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1700000000">
  <project timestamp="1700000000">
    <file name="/ci/app/src/Order.php">
      <class name="Order" namespace="App"><metrics complexity="2"/></class>
      <line num="10" type="method" name="total" visibility="public" complexity="1" crap="1" count="2"/>
      <line num="12" type="stmt" count="2"/>
      <line num="14" type="stmt" count="0"/>
      <metrics loc="20"/>
    </file>
  </project>
</coverage>"#;
        let r = parse(php.as_bytes()).expect("parse");
        assert_eq!(r.files[0].path, "/ci/app/src/Order.php");
        assert_eq!(r.files[0].coverage.line_totals(), (2, 3));

        let js = r#"<coverage generated="1" clover="3.2.0"><project timestamp="1" name="All files"><metrics/>
<file name="a.js" path="/ci/web/src/a.js"><metrics/><line num="1" count="1" type="stmt"/><line num="2" count="0" type="cond" truecount="0" falsecount="1"/></file></project></coverage>"#;
        let r = parse(js.as_bytes()).expect("parse");
        let f = &r.files[0];
        assert_eq!(f.path, "/ci/web/src/a.js");
        assert_eq!(f.coverage.lines.get(2), Some(0));
        assert_eq!(
            f.coverage.branches.get(&2),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
    }

    #[test]
    fn missing_count_names_the_line() {
        let err = parse(b"<coverage><project>\n<file name=\"a\">\n<line num=\"3\" type=\"stmt\"/>\n</file></project></coverage>")
            .expect_err("no count");
        assert_eq!(err.line, 3);
    }
}
