//! JaCoCo XML (`jacoco:report`, Gradle `jacocoTestReport`, Kover's JaCoCo output).
//!
//! Paths are package-relative: `<package name="com/acme/orders">` +
//! `<sourcefile name="Order.java">` gives `com/acme/orders/Order.java`, which
//! path mapping finds under `src/main/java/` (or wherever it lives). Line data
//! is read from `<sourcefile><line nr mi ci mb cb>`: a line is covered when at
//! least one of its instructions ran (`ci > 0`, as JaCoCo's own LINE counter
//! counts it); a line with neither missed nor covered instructions has no data.
//! `<class>`/`<method>` counters are summaries and are not read.

use super::xml::{self, Flow, Node};
use crate::gates::coverage::model::{
    BranchCount, FileCoverage, Format, ParseError, ParsedReport, ReportFile,
};

/// Parse a JaCoCo XML report.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let mut report = ParsedReport::new(Format::Jacoco);
    let mut package = String::new();
    let mut file: Option<ReportFile> = None;
    let mut saw_root = false;
    xml::walk(bytes, |node, at| {
        match node {
            Node::Open { name, attrs, empty } => match name {
                "report" => saw_root = true,
                "package" => {
                    let [n] = attrs.get(["name"], at)?;
                    package = match n {
                        Some(n) => xml::text(n, "package", "name", at)?
                            .trim()
                            .trim_matches('/')
                            .to_string(),
                        None => String::new(),
                    };
                }
                // Summaries of what <sourcefile> has line by line.
                "class" if !empty => return Ok(Flow::SkipContent),
                "sourcefile" => {
                    let [n] = attrs.get(["name"], at)?;
                    let n =
                        n.ok_or_else(|| at.error("expected attribute `name` on <sourcefile>"))?;
                    let n = xml::text(n, "sourcefile", "name", at)?;
                    let path = if package.is_empty() {
                        n.trim().to_string()
                    } else {
                        format!("{package}/{}", n.trim())
                    };
                    let f = ReportFile {
                        path,
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
                    let [nr, mi, ci, mb, cb] = attrs.get(["nr", "mi", "ci", "mb", "cb"], at)?;
                    let nr = xml::line_number(nr, "line", "nr", at)?;
                    let mi = xml::count(mi, "line", "mi", at)?.unwrap_or(0);
                    let ci = xml::count(ci, "line", "ci", at)?.unwrap_or(0);
                    let mb = xml::count(mb, "line", "mb", at)?.unwrap_or(0);
                    let cb = xml::count(cb, "line", "cb", at)?.unwrap_or(0);
                    if mi == 0 && ci == 0 {
                        return Ok(Flow::Continue); // no data for this line
                    }
                    f.coverage.add_line(nr, ci);
                    let total = u32::try_from(mb.saturating_add(cb)).unwrap_or(u32::MAX);
                    let covered = u32::try_from(cb).unwrap_or(u32::MAX);
                    f.coverage.add_branches(nr, BranchCount { covered, total });
                }
                _ => {}
            },
            Node::Close { name } => match name {
                "sourcefile" => {
                    if let Some(f) = file.take() {
                        report.files.push(f);
                    }
                }
                "package" => package.clear(),
                _ => {}
            },
            Node::Text(_) => {}
        }
        Ok(Flow::Continue)
    })?;
    if !saw_root {
        return Err(ParseError::at(1, "expected a JaCoCo <report> root element"));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="orders"><sessioninfo id="x" start="1" dump="2"/>
<package name="com/acme/orders">
<class name="com/acme/orders/Order" sourcefilename="Order.java"><method name="total" desc="()I" line="5"><counter type="LINE" missed="1" covered="1"/></method></class>
<sourcefile name="Order.java">
<line nr="5" mi="0" ci="3" mb="1" cb="1"/>
<line nr="6" mi="2" ci="0" mb="0" cb="0"/>
<line nr="7" mi="0" ci="0" mb="0" cb="0"/>
<counter type="LINE" missed="1" covered="1"/>
</sourcefile>
</package>
<sourcefile name="Main.java"><line nr="1" mi="1" ci="1" mb="0" cb="0"/></sourcefile>
</report>"#;

    #[test]
    fn package_relative_paths_and_lines_without_instructions_have_no_data() {
        let r = parse(REPORT.as_bytes()).expect("parse");
        let order = &r.files[0];
        assert_eq!(order.path, "com/acme/orders/Order.java");
        assert_eq!(order.coverage.lines.get(5), Some(3));
        assert_eq!(order.coverage.lines.get(6), Some(0));
        assert_eq!(
            order.coverage.lines.get(7),
            None,
            "mi=0 ci=0 is no data, not uncovered"
        );
        assert_eq!(
            order.coverage.branches.get(&5),
            Some(&BranchCount {
                covered: 1,
                total: 2
            })
        );
        assert_eq!(order.coverage.branches.get(&6), None);
        // default package: just the file name; a partly covered line counts as covered
        assert_eq!(r.files[1].path, "Main.java");
        assert_eq!(r.files[1].coverage.lines.get(1), Some(1));
    }

    #[test]
    fn bad_line_number_names_the_line() {
        let err = parse(b"<report>\n<package name=\"p\">\n<sourcefile name=\"A.java\">\n<line mi=\"1\"/>\n</sourcefile></package></report>")
            .expect_err("no nr");
        assert_eq!(err.line, 4);
        assert!(err.message.contains("`nr`"), "{err}");
    }
}
