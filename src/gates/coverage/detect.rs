//! Telling a report's format from its first bytes (file names lie: `coverage.xml`
//! may be Cobertura or Clover, `coverage.json` coverage.py or Istanbul).

use super::model::{Format, ParseError};

/// How much of the file is looked at.
const SNIFF: usize = 64 * 1024;

/// The format of `bytes`, or an error saying what was expected.
pub fn detect(bytes: &[u8]) -> Result<Format, ParseError> {
    let head = &bytes[..bytes.len().min(SNIFF)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return detect_xml(trimmed);
    }
    if trimmed.starts_with('{') {
        return detect_json(trimmed);
    }
    if trimmed.starts_with("mode:") {
        return Ok(Format::GoCoverprofile);
    }
    for line in trimmed.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line.split(':').next().unwrap_or("");
        if matches!(key, "TN" | "SF" | "VER") {
            return Ok(Format::Lcov);
        }
        break;
    }
    if trimmed.is_empty() {
        return Err(ParseError::at(
            1,
            "the file is empty: expected a coverage report",
        ));
    }
    Err(ParseError::at(
        1,
        "unknown coverage report format: expected LCOV (`TN:`/`SF:` records), Cobertura, \
         JaCoCo or Clover XML, a Go coverprofile (`mode:`), or Istanbul, llvm-cov export \
         or coverage.py JSON",
    ))
}

fn detect_xml(text: &str) -> Result<Format, ParseError> {
    // Element names in document order, skipping <?...?>, <!...> and comments.
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some(first) = rest.chars().next() else {
            break;
        };
        if first.is_alphabetic() || first == '_' {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(rest.len());
            let name = &rest[..end];
            let tag_end = rest.find('>').unwrap_or(rest.len());
            names.push((name.rsplit(':').next().unwrap_or(name), &rest[..tag_end]));
            if names.len() >= 2 {
                break;
            }
        }
    }
    match names.first() {
        Some(("report", _)) => Ok(Format::Jacoco),
        Some(("coverage", tag)) => {
            let second = names.get(1).map(|(n, _)| *n);
            if tag.contains("clover=") || second == Some("project") {
                Ok(Format::Clover)
            } else {
                Ok(Format::Cobertura)
            }
        }
        Some((other, _)) => Err(ParseError::at(
            1,
            format!(
                "unknown XML coverage report with root <{other}>: expected Cobertura or Clover <coverage>, or JaCoCo <report>"
            ),
        )),
        None => Err(ParseError::at(1, "expected an XML root element")),
    }
}

fn detect_json(text: &str) -> Result<Format, ParseError> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(SNIFF)
        .collect();
    if compact.contains("\"statementMap\"") {
        return Ok(Format::Istanbul);
    }
    if compact.contains("\"executed_lines\"")
        || compact.contains("\"missing_lines\"")
        || compact.starts_with("{\"meta\":")
    {
        return Ok(Format::CoveragePy);
    }
    if compact.contains("llvm.coverage.json.export")
        || compact.contains("\"segments\":")
        || compact.starts_with("{\"data\":[")
    {
        return Ok(Format::LlvmCov);
    }
    if compact == "{}" {
        return Ok(Format::Istanbul); // nyc writes `{}` when nothing was instrumented
    }
    Err(ParseError::at(
        1,
        "unknown JSON coverage report: expected Istanbul coverage-final.json (`statementMap`), \
         coverage.py JSON (`meta`/`files` with `executed_lines`) or llvm-cov export (`data`/`files`/`segments`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_by_content() {
        let cases: &[(&str, Format)] = &[
            ("TN:\nSF:a.c\n", Format::Lcov),
            ("# lcov 2\nVER:2.1\nSF:a.c\n", Format::Lcov),
            ("\u{feff}SF:a.c\n", Format::Lcov),
            ("mode: atomic\na.go:1.1,2.2 1 1\n", Format::GoCoverprofile),
            (
                "<?xml version=\"1.0\" ?>\n<!DOCTYPE coverage SYSTEM 'x'>\n<!-- c -->\n<coverage line-rate=\"1\"><sources/>",
                Format::Cobertura,
            ),
            (
                "<?xml version=\"1.0\"?><coverage generated=\"1\" clover=\"3.2.0\"><project>",
                Format::Clover,
            ),
            (
                "<coverage generated=\"1\">\n  <project timestamp=\"1\">",
                Format::Clover,
            ),
            (
                "<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\">",
                Format::Jacoco,
            ),
            (
                "{\"/a.js\": {\"path\": \"/a.js\", \"statementMap\": {}}}",
                Format::Istanbul,
            ),
            (
                "{\"meta\": {\"format\": 3}, \"files\": {}}",
                Format::CoveragePy,
            ),
            (
                "{\"data\": [{\"files\": []}], \"type\": \"llvm.coverage.json.export\"}",
                Format::LlvmCov,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text.as_bytes()).ok(), Some(*want), "{text}");
        }
    }

    #[test]
    fn unknown_content_says_what_was_expected() {
        let err = detect(b"hello world\n").expect_err("unknown");
        assert!(
            err.message.contains("LCOV") && err.message.contains("Cobertura"),
            "{err}"
        );
        assert!(detect(b"").is_err());
        assert!(
            detect(b"<html><body>")
                .expect_err("html")
                .message
                .contains("<html>")
        );
    }
}
