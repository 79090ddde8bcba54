//! Markdown for people: the report file, the job summary, the check run
//! summary and the sections of the sticky comment.
//!
//! Every piece of text that comes from a finding is escaped (HTML, table
//! pipes, @-mentions), so a report, even one made from an untrusted fork,
//! cannot inject markup, hidden markers or pings.

use super::view::{ReportView, Verdict};
use crate::finding::{Finding, Location, Severity, Side};
use crate::gates::{GateOutcome, GateStatus};
use std::fmt::Write as _;

/// How to link a location to the forge's file view.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// e.g. `https://github.com/acme/api/blob/` or `https://gitlab.example/g/p/-/blob/`.
    blob_prefix: Option<String>,
    head: String,
    base: String,
}

impl Links {
    pub fn none() -> Links {
        Links::default()
    }

    /// `https://github.com/{repo}/blob/{sha}/{path}#L{n}-L{m}`.
    pub fn github(server_url: &str, repository: &str, base: &str, head: &str) -> Links {
        Links {
            blob_prefix: Some(format!(
                "{}/{}/blob/",
                server_url.trim_end_matches('/'),
                repository
            )),
            head: head.to_string(),
            base: base.to_string(),
        }
    }

    /// `https://gitlab.example/{project}/-/blob/{sha}/{path}#L{n}-{m}`.
    pub fn gitlab(server_url: &str, project_path: &str, base: &str, head: &str) -> Links {
        Links {
            blob_prefix: Some(format!(
                "{}/{}/-/blob/",
                server_url.trim_end_matches('/'),
                project_path
            )),
            head: head.to_string(),
            base: base.to_string(),
        }
    }

    fn is_gitlab(&self) -> bool {
        self.blob_prefix
            .as_deref()
            .is_some_and(|p| p.ends_with("/-/blob/"))
    }

    /// The URL of `loc`, when links are known.
    pub fn url(&self, loc: &Location) -> Option<String> {
        let prefix = self.blob_prefix.as_deref()?;
        let sha = match loc.side {
            Side::Head => &self.head,
            Side::Base => &self.base,
        };
        let path: String = loc
            .path
            .split('/')
            .map(crate::platform::http::encode_segment)
            .collect::<Vec<_>>()
            .join("/");
        let lines = if loc.end_line > loc.start_line {
            if self.is_gitlab() {
                format!("#L{}-{}", loc.start_line, loc.end_line)
            } else {
                format!("#L{}-L{}", loc.start_line, loc.end_line)
            }
        } else {
            format!("#L{}", loc.start_line)
        };
        Some(format!("{prefix}{sha}/{path}{lines}"))
    }
}

/// Escape text from a finding for markdown/HTML: no tags, no comments, no
/// table breaks, no @-mentions, no line breaks when `inline`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '@' => {
                // Break mentions (`@user`, `@org/team`) but keep emails readable.
                if prev.is_some_and(|p| p.is_alphanumeric()) {
                    out.push('@');
                } else {
                    out.push_str("@\u{200B}");
                }
            }
            '\r' => {}
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Escape and keep on one line.
pub fn escape_inline(text: &str) -> String {
    escape(&text.replace(['\n', '\r'], " "))
}

pub fn verdict_icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Error => "⚠️",
    }
}

pub fn status_icon(s: GateStatus) -> &'static str {
    match s {
        GateStatus::Pass => "✅",
        GateStatus::Fail => "❌",
        GateStatus::Error => "⚠️",
        GateStatus::Skipped | GateStatus::NotRun => "⏭️",
    }
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🔴 error",
        Severity::Warning => "🟠 warning",
        Severity::Notice => "🔵 notice",
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// `3 errors, 1 warning, 0 notices` style counts.
pub fn counts_text(errors: usize, warnings: usize, notices: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}, {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(notices, "notice")
    )
}

/// The one-line headline, e.g. `❌ shipgate: fail (2 errors, 0 warnings, 1 notice)`.
pub fn headline(verdict: Verdict, errors: usize, warnings: usize, notices: usize) -> String {
    format!(
        "{} shipgate: {} ({})",
        verdict_icon(verdict),
        verdict.as_str(),
        counts_text(errors, warnings, notices)
    )
}

/// One finding as a markdown list item.
fn finding_item(out: &mut String, f: &Finding, links: &Links) {
    let place = match &f.location {
        Some(loc) => {
            let text = escape_inline(&loc.to_string());
            match links.url(loc) {
                Some(url) => format!("[`{}`]({url})", text.replace('`', "'")),
                None => format!("`{}`", text.replace('`', "'")),
            }
        }
        None => "(no file)".to_string(),
    };
    let _ = writeln!(
        out,
        "- {} {place} **{}** `{}`",
        severity_label(f.severity),
        escape_inline(&f.title),
        escape_inline(&f.rule).replace('`', "'")
    );
    for line in f.message.lines().filter(|l| !l.trim().is_empty()).take(20) {
        let _ = writeln!(out, "  {}", escape(line.trim_end()));
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "  *Fix:* {}", escape_inline(&f.help));
    }
}

/// A gate's one-line summary, e.g. `❌ secrets: fail, 2 errors`.
pub fn gate_summary_line(gate: &GateOutcome) -> String {
    let mut parts = vec![gate.status.as_str().replace('_', " ")];
    let e = gate
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let w = gate
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let n = gate.findings.len() - e - w;
    if !gate.findings.is_empty() {
        parts.push(counts_text(e, w, n));
    }
    if !gate.blocking {
        parts.push("non-blocking".into());
    }
    format!(
        "{} <b>{}</b>: {}",
        status_icon(gate.status),
        gate.gate.as_str(),
        parts.join(", ")
    )
}

/// One gate as a `<details>` block with at most `max_findings` findings;
/// expanded when `open_failing` and the gate failed, else collapsed.
pub fn gate_details(
    gate: &GateOutcome,
    links: &Links,
    max_findings: usize,
    open_failing: bool,
) -> String {
    let mut out = String::new();
    let failed = matches!(gate.status, GateStatus::Fail | GateStatus::Error);
    let open = if open_failing && failed && max_findings > 0 {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<details{open}><summary>{}</summary>\n",
        gate_summary_line(gate)
    );
    if let Some(reason) = &gate.reason {
        let _ = writeln!(out, "{}\n", escape_inline(reason));
    }
    for (name, value) in &gate.metrics {
        let _ = writeln!(
            out,
            "- {}: `{}`",
            escape_inline(name),
            escape_inline(&value.to_string()).replace('`', "'")
        );
    }
    for note in &gate.notes {
        let _ = writeln!(out, "- note: {}", escape_inline(note));
    }
    if !gate.metrics.is_empty() || !gate.notes.is_empty() {
        out.push('\n');
    }
    for f in gate.findings.iter().take(max_findings) {
        finding_item(&mut out, f, links);
    }
    let hidden = gate.findings.len().saturating_sub(max_findings);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n… and {hidden} more finding(s) of this gate: see the check run, the job summary or the report file."
        );
    }
    if gate.suppressed > 0 {
        let _ = writeln!(
            out,
            "\n{} finding(s) turned off by config.",
            gate.suppressed
        );
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out.push_str("\n\n</details>\n");
    out
}

/// The whole report as markdown (report file, job summary, check run summary),
/// shrunk to at most `limit` UTF-16 units by showing fewer findings per gate.
pub fn report(view: &ReportView, links: &Links, limit: usize) -> String {
    for max in [200, 50, 20, 5, 0] {
        let text = report_with(view, links, max);
        if utf16_len(&text) <= limit {
            return text;
        }
    }
    truncate(&report_with(view, links, 0), limit)
}

fn report_with(view: &ReportView, links: &Links, max_findings: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {}\n",
        headline(
            view.verdict,
            view.count(Severity::Error),
            view.count(Severity::Warning),
            view.count(Severity::Notice)
        )
    );
    let _ = writeln!(
        out,
        "Commit `{}` compared with `{}`.\n",
        short(&view.head),
        short(&view.base)
    );
    for reason in &view.verdict_reasons {
        let _ = writeln!(out, "- {}", escape_inline(reason));
    }
    if !view.verdict_reasons.is_empty() {
        out.push('\n');
    }
    for gate in view.ran() {
        out.push_str(&gate_details(gate, links, max_findings, true));
        out.push('\n');
    }
    out
}

/// Length as GitHub counts it (UTF-16 code units), to stay under its limits.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

pub const TRUNCATION_NOTICE: &str = "\n\n---\n⚠️ Truncated to fit the size limit: the full report is in the check run, the job summary and the report file.\n";

/// Cut `text` so that it plus a truncation notice fits in `limit` UTF-16 units.
pub fn truncate(text: &str, limit: usize) -> String {
    if utf16_len(text) <= limit {
        return text.to_string();
    }
    let budget = limit.saturating_sub(utf16_len(TRUNCATION_NOTICE));
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        used += c.len_utf16();
        if used > budget {
            break;
        }
        end = i + c.len_utf8();
    }
    let mut out = text[..end].to_string();
    out.push_str(TRUNCATION_NOTICE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_blocks_markup_markers_tables_and_mentions() {
        assert_eq!(
            escape("<!-- shipgate:end --> a|b @octocat x@y.z"),
            "&lt;!-- shipgate:end --&gt; a\\|b @\u{200B}octocat x@y.z"
        );
    }

    #[test]
    fn links_point_at_the_side_the_location_is_on() {
        let gh = Links::github("https://github.com/", "acme/api", "b4se", "he4d");
        assert_eq!(
            gh.url(&Location::lines("src/a b.rs", 3, 5)).as_deref(),
            Some("https://github.com/acme/api/blob/he4d/src/a%20b.rs#L3-L5")
        );
        assert_eq!(
            gh.url(&Location::line("db/V1.sql", 7).in_base()).as_deref(),
            Some("https://github.com/acme/api/blob/b4se/db/V1.sql#L7")
        );
        let gl = Links::gitlab("https://gitlab.example", "g/p", "b", "h");
        assert_eq!(
            gl.url(&Location::lines("x.sql", 1, 2)).as_deref(),
            Some("https://gitlab.example/g/p/-/blob/h/x.sql#L1-2")
        );
        assert_eq!(Links::none().url(&Location::line("x", 1)), None);
    }

    #[test]
    fn truncate_respects_the_limit_in_utf16_units() {
        let text = "😀".repeat(1000);
        let cut = truncate(&text, 500);
        assert!(utf16_len(&cut) <= 500);
        assert!(cut.ends_with(TRUNCATION_NOTICE));
        assert_eq!(truncate("short", 500), "short");
    }
}
