//! The one finding model every gate reports in.
//!
//! A [`Finding`] says what is wrong (rule id, title, message), where (path and
//! lines in the head tree, or the base tree for removals), how bad (severity)
//! and how to fix it (help). Its fingerprint is stable across runs so that
//! baselines and de-duplication can refer to it. Not for: deciding verdicts
//! (see `report::policy`) or rendering (see `report::text`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// How serious a finding is. Ordered: `Notice < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Notice,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the change a location refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The target branch's version (used for things the change removed).
    Base,
    /// The change's version (the default: annotations go here).
    #[default]
    Head,
}

/// A place in a file of the repository. Lines and columns are 1-based and inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    #[serde(default)]
    pub side: Side,
}

impl Location {
    /// A location spanning whole lines `start..=end` of `path` in the head tree.
    pub fn lines(path: impl Into<String>, start: u32, end: u32) -> Self {
        let start = start.max(1);
        Location {
            path: path.into(),
            start_line: start,
            end_line: end.max(start),
            start_column: None,
            end_column: None,
            side: Side::Head,
        }
    }

    /// A single line of `path` in the head tree.
    pub fn line(path: impl Into<String>, line: u32) -> Self {
        Self::lines(path, line, line)
    }

    /// The same location, but referring to the base tree.
    pub fn in_base(mut self) -> Self {
        self.side = Side::Base;
        self
    }

    /// The same location with a column range.
    pub fn with_columns(mut self, start: u32, end: u32) -> Self {
        self.start_column = Some(start);
        self.end_column = Some(end.max(start));
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.start_line)?;
        if self.end_line != self.start_line {
            write!(f, "-{}", self.end_line)?;
        }
        if self.side == Side::Base {
            f.write_str(" (base)")?;
        }
        Ok(())
    }
}

/// One problem a gate found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The gate that reported it (`coverage`, `openapi`, `avro`, `secrets`, `migrations`).
    pub gate: String,
    /// The stable rule id, e.g. `secrets/aws-access-key-id`.
    pub rule: String,
    pub severity: Severity,
    /// One line: what is wrong.
    pub title: String,
    /// Details: why it matters here. Never contains a detected secret.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    /// Stable identity across runs: hex SHA-256 over gate, rule, path and a
    /// gate-chosen key that does not depend on line numbers.
    pub fingerprint: String,
}

impl Finding {
    /// Start a finding. `key` is what makes this finding distinct within its
    /// rule and file (e.g. an operation id, a field path, a redacted secret
    /// hash); it should not contain line numbers, so that moving code does not
    /// change the fingerprint.
    pub fn new(
        gate: &str,
        rule: &str,
        severity: Severity,
        title: impl Into<String>,
        location: Option<Location>,
        key: &str,
    ) -> Self {
        let fingerprint = {
            let path = location.as_ref().map(|l| l.path.as_str()).unwrap_or("");
            fingerprint(&[gate, rule, path, key])
        };
        Finding {
            gate: gate.to_string(),
            rule: rule.to_string(),
            severity,
            title: title.into(),
            message: String::new(),
            location,
            help: String::new(),
            fingerprint,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }
}

/// Hex SHA-256 over the parts, each length-prefixed so that parts cannot run together.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_line_numbers_but_not_identity() {
        let a = Finding::new(
            "g",
            "g/r",
            Severity::Error,
            "t",
            Some(Location::line("a.txt", 3)),
            "k",
        );
        let b = Finding::new(
            "g",
            "g/r",
            Severity::Error,
            "t",
            Some(Location::line("a.txt", 90)),
            "k",
        );
        let c = Finding::new(
            "g",
            "g/r",
            Severity::Error,
            "t",
            Some(Location::line("b.txt", 3)),
            "k",
        );
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }

    #[test]
    fn severity_orders_notice_below_error() {
        assert!(Severity::Notice < Severity::Warning && Severity::Warning < Severity::Error);
    }

    #[test]
    fn location_display_names_base_side() {
        assert_eq!(
            Location::lines("x.sql", 4, 6).in_base().to_string(),
            "x.sql:4-6 (base)"
        );
        assert_eq!(Location::line("x.sql", 4).to_string(), "x.sql:4");
    }
}
