//! The report for people reading a terminal or a CI log.
//!
//! Grouped by gate, one finding per block with `path:line`, severity, rule
//! and help. Colour only when writing to a terminal and `NO_COLOR` is unset.

use super::Report;
use crate::finding::Severity;
use crate::gates::GateStatus;
use std::fmt::Write as _;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset and `CI` is not set.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
            && std::env::var_os("CI").is_none();
        Style { color }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "31;1",
            Severity::Warning => "33;1",
            Severity::Notice => "36",
        };
        self.paint(code, &format!("{:<7}", s.as_str()))
    }

    fn status(self, s: GateStatus) -> String {
        let (code, text) = match s {
            GateStatus::Pass => ("32;1", "PASS"),
            GateStatus::Fail => ("31;1", "FAIL"),
            GateStatus::Error => ("35;1", "ERROR"),
            GateStatus::Skipped => ("2", "SKIP"),
            GateStatus::NotRun => ("2", "NOT RUN"),
        };
        self.paint(code, &format!("{text:<7}"))
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Render the whole report.
pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let c = &report.changes;
    let _ = writeln!(
        out,
        "shipgate {}: {} -> {}, {} file(s) changed, +{} -{} line(s)",
        report.tool.version,
        short(&report.base),
        short(&report.head),
        c.files_changed,
        c.lines_added,
        c.lines_removed
    );
    if !c.binary_files_skipped.is_empty() {
        let _ = writeln!(
            out,
            "note: {} binary file(s) skipped by line-based gates: {}",
            c.binary_files_skipped.len(),
            preview(&c.binary_files_skipped, 5)
        );
    }
    let p = &report.policy;
    let from = match (p.origin.as_str(), &p.commit) {
        ("base", Some(c)) => format!(" from the target branch ({})", short(c)),
        ("head", Some(c)) => format!(" from this change ({})", short(c)),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "policy: {}{from}",
        p.path
            .as_deref()
            .unwrap_or("built-in defaults (no .shipgate.yml)")
    );
    for gate in &report.gates {
        let _ = write!(
            out,
            "\n{} {:<11}",
            style.status(gate.status),
            gate.gate.as_str()
        );
        let mut tail = Vec::new();
        if !gate.findings.is_empty() {
            tail.push(format!("{} finding(s)", gate.findings.len()));
        }
        if gate.suppressed > 0 {
            tail.push(format!("{} turned off by config", gate.suppressed));
        }
        if !gate.blocking {
            tail.push("non-blocking".to_string());
        }
        if matches!(
            gate.status,
            GateStatus::Pass | GateStatus::Fail | GateStatus::Error
        ) {
            tail.push(format!("{} ms", gate.duration_ms));
        }
        let _ = writeln!(out, "{}", tail.join(", "));
        if let Some(reason) = &gate.reason {
            let _ = writeln!(out, "    {reason}");
        }
        for (name, value) in &gate.metrics {
            let _ = writeln!(out, "    {name}: {}", metric(value));
        }
        for note in &gate.notes {
            let _ = writeln!(out, "    note: {note}");
        }
        for f in &gate.findings {
            let place = f
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "(no file)".to_string());
            let _ = writeln!(
                out,
                "  {} {}  [{}] {}",
                style.severity(f.severity),
                place,
                f.rule,
                f.title
            );
            for line in f.message.lines().filter(|l| !l.trim().is_empty()) {
                let _ = writeln!(out, "          {line}");
            }
            if !f.help.is_empty() {
                let _ = writeln!(out, "          {} {}", style.paint("2", "fix:"), f.help);
            }
        }
    }
    let verdict = match report.verdict {
        super::Verdict::Pass => style.paint("32;1", "PASS"),
        super::Verdict::Fail => style.paint("31;1", "FAIL"),
        super::Verdict::Error => style.paint("35;1", "ERROR"),
    };
    let _ = writeln!(
        out,
        "\nverdict: {verdict} ({} error, {} warning, {} notice)",
        report.counts.error, report.counts.warning, report.counts.notice
    );
    for reason in &report.verdict_reasons {
        let _ = writeln!(out, "  - {reason}");
    }
    out
}

/// A metric for a terminal: scalars as they are; a small object on one line;
/// a large object or list summarised (the report file has it whole).
fn metric(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.len() <= 120 {
        return text;
    }
    match value {
        serde_json::Value::Object(map) => format!("{{{} entries; see the report file}}", map.len()),
        serde_json::Value::Array(list) => format!("[{} items; see the report file]", list.len()),
        _ => format!("{}…", text.chars().take(117).collect::<String>()),
    }
}

fn preview(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        let _ = write!(s, " and {} more", items.len() - max);
    }
    s
}
