//! GitHub Actions outputs that need no token: workflow-command annotations,
//! the job summary (`$GITHUB_STEP_SUMMARY`) and step outputs (`$GITHUB_OUTPUT`).
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per
//! step (50 per job) and drops the rest silently, so the most important
//! findings go first and a final notice says how many more there are and
//! where to find them.

use super::view::ReportView;
use crate::finding::{Finding, Severity, Side};
use std::io::Write as _;
use std::path::Path;

/// Annotations GitHub shows per step, per level.
pub const PER_LEVEL: usize = 10;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
    }
}

/// One finding as a workflow command line (without the newline).
pub fn command(f: &Finding) -> String {
    let mut props = Vec::new();
    let mut message = f.message.trim().to_string();
    if message.is_empty() {
        message = f.title.clone();
    }
    match &f.location {
        Some(loc) if loc.side == Side::Head => {
            props.push(format!("file={}", escape_property(&loc.path)));
            props.push(format!("line={}", loc.start_line));
            props.push(format!("endLine={}", loc.end_line));
            if let Some(col) = loc.start_column {
                props.push(format!("col={col}"));
                if let Some(end) = loc.end_column.filter(|_| loc.start_line == loc.end_line) {
                    props.push(format!("endColumn={end}"));
                }
            }
        }
        Some(loc) => {
            // A place in the base tree cannot be shown on the head's files.
            message = format!("{loc}: {message}");
        }
        None => {}
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} [{}]", f.title, f.rule))
    ));
    if !f.help.is_empty() {
        if !message.is_empty() {
            message.push_str("\n\n");
        }
        message.push_str("Fix: ");
        message.push_str(&f.help);
    }
    format!(
        "::{} {}::{}",
        command_name(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

/// The annotation commands for a report: at most [`PER_LEVEL`] per level,
/// most important first, and a notice counting the rest (which keeps one
/// notice slot for itself).
pub fn commands(view: &ReportView, elsewhere: &str) -> Vec<String> {
    let findings = view.findings_by_importance();
    let total = findings.len();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let overflow_expected = count(Severity::Error) > PER_LEVEL
        || count(Severity::Warning) > PER_LEVEL
        || count(Severity::Notice) > PER_LEVEL;
    let mut shown = Vec::new();
    let mut used = [0usize; 3];
    for f in findings {
        let slot = f.severity as usize;
        let cap = if f.severity == Severity::Notice && overflow_expected {
            PER_LEVEL - 1
        } else {
            PER_LEVEL
        };
        if used[slot] < cap {
            used[slot] += 1;
            shown.push(command(f));
        }
    }
    let hidden = total - shown.len();
    if hidden > 0 {
        shown.push(format!(
            "::notice title={}::{}",
            escape_property("shipgate: more findings"),
            escape_data(&format!(
                "{hidden} more finding(s) are not shown as annotations here (GitHub shows at most {PER_LEVEL} per level and step): see {elsewhere}."
            ))
        ));
    }
    shown
}

/// Append `markdown` to the job summary file.
pub fn append_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.write_all(b"\n")
}

/// `name<<DELIM\nvalue\nDELIM\n`, with a delimiter that does not occur in the value.
pub fn output_entry(name: &str, value: &str, seed: u64) -> String {
    let mut n = seed;
    loop {
        let delim = format!("ghadelimiter_{n:016x}");
        if !value.contains(&delim) && !name.contains(&delim) {
            return format!("{name}<<{delim}\n{value}\n{delim}\n");
        }
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
}

/// Append step outputs (`verdict`, `report`, …) to the `$GITHUB_OUTPUT` file.
pub fn append_outputs(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ u64::from(std::process::id()).rotate_left(32);
    let mut text = String::new();
    for (i, (name, value)) in outputs.iter().enumerate() {
        text.push_str(&output_entry(name, value, seed.wrapping_add(i as u64)));
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    #[test]
    fn commands_escape_data_and_properties() {
        let f = Finding::new(
            "secrets",
            "aws-access-key-id",
            Severity::Error,
            "Key, exposed: 100%",
            Some(Location::lines("dir,a:b/x.env", 3, 4)),
            "k",
        )
        .with_message("line one\r\nline two 50%")
        .with_help("rotate it");
        assert_eq!(
            command(&f),
            "::error file=dir%2Ca%3Ab/x.env,line=3,endLine=4,title=Key%2C exposed%3A 100%25 [aws-access-key-id]::line one%0D%0Aline two 50%25%0A%0AFix: rotate it"
        );
    }

    #[test]
    fn base_side_findings_carry_no_file_property() {
        let f = Finding::new(
            "migrations",
            "drop-table",
            Severity::Warning,
            "t",
            Some(Location::line("db/V1.sql", 9).in_base()),
            "k",
        );
        let c = command(&f);
        assert!(c.starts_with("::warning title="), "{c}");
        assert!(c.contains("db/V1.sql:9 (base)"));
    }

    #[test]
    fn output_delimiter_never_occurs_in_the_value() {
        let value = "a\nghadelimiter_0000000000000001\nb";
        let entry = output_entry("report", value, 1);
        let delim = entry
            .lines()
            .next()
            .and_then(|l| l.split_once("<<"))
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        assert_ne!(delim, "ghadelimiter_0000000000000001");
        assert!(entry.ends_with(&format!("\n{delim}\n")));
        assert!(entry.contains(value));
    }
}
