//! JUnit XML (`--junit FILE`): one test suite per gate that ran, one test
//! case per finding, so CI systems that read JUnit (GitLab's test report
//! widget among them) list the problems.
//!
//! A finding at or above the gate's `fail_on` is a `<failure>`; one below
//! it passes (its text in `<system-out>`); a gate that could not judge is an
//! `<error>`; a skipped gate is `<skipped>`; a gate without findings is one
//! passing case.

use super::view::ReportView;
use crate::gates::GateStatus;
use std::fmt::Write as _;

/// Escape text for XML content and attributes; drop characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(view: &ReportView) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for gate in &view.gates {
        if gate.status == GateStatus::NotRun {
            continue;
        }
        let name = format!("shipgate.{}", gate.gate.as_str());
        let mut cases = String::new();
        let (mut t, mut f, mut e, mut s) = (0, 0, 0, 0);
        let time = gate.duration_ms as f64 / 1000.0;
        match gate.status {
            GateStatus::Error => {
                t += 1;
                e += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{name}\" name=\"{}\" time=\"{time:.3}\">\n      <error message=\"{}\"/>\n    </testcase>",
                    xml_escape(gate.gate.as_str()),
                    xml_escape(gate.reason.as_deref().unwrap_or("the gate could not judge"))
                );
            }
            GateStatus::Skipped => {
                t += 1;
                s += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{name}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml_escape(gate.gate.as_str()),
                    xml_escape(gate.reason.as_deref().unwrap_or("skipped"))
                );
            }
            _ if gate.findings.is_empty() => {
                t += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{name}\" name=\"{}\" time=\"{time:.3}\"/>",
                    xml_escape(gate.gate.as_str())
                );
            }
            _ => {}
        }
        for finding in &gate.findings {
            t += 1;
            let place = finding
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "(no file)".into());
            let case_name = format!("{} {place}", finding.rule);
            let file_attr = finding
                .location
                .as_ref()
                .map(|l| format!(" file=\"{}\"", xml_escape(&l.path)))
                .unwrap_or_default();
            let mut text = format!("{place}: {}", finding.title);
            if !finding.message.is_empty() {
                text.push('\n');
                text.push_str(&finding.message);
            }
            if !finding.help.is_empty() {
                text.push_str("\nFix: ");
                text.push_str(&finding.help);
            }
            if gate.fail_on.fails(finding.severity) {
                f += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{name}\" name=\"{}\"{file_attr}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    xml_escape(&case_name),
                    finding.severity,
                    xml_escape(&finding.title),
                    xml_escape(&text)
                );
            } else {
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{name}\" name=\"{}\"{file_attr}>\n      <system-out>{}: {}</system-out>\n    </testcase>",
                    xml_escape(&case_name),
                    finding.severity,
                    xml_escape(&text)
                );
            }
        }
        tests += t;
        failures += f;
        errors += e;
        skipped += s;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{name}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\" time=\"{time:.3}\">\n{cases}  </testsuite>"
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shipgate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{suites}</testsuites>\n"
    )
}
