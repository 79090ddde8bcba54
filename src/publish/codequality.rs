//! GitLab Code Quality report (CodeClimate JSON subset), so findings show in
//! the merge request widget and diff.
//!
//! Each issue: `description`, `check_name` (the rule id), `fingerprint`
//! (the finding's stable fingerprint; made unique within the report),
//! `severity` and `location.path` + `location.lines.begin`.

use super::view::ReportView;
use crate::finding::{Severity, fingerprint};
use serde::Serialize;
use std::collections::HashSet;

/// Written by default in GitLab CI, in the project directory.
pub const DEFAULT_PATH: &str = "gl-code-quality-report.json";

#[derive(Debug, Serialize)]
pub struct Issue {
    pub description: String,
    pub check_name: String,
    pub fingerprint: String,
    pub severity: &'static str,
    pub location: IssueLocation,
}

#[derive(Debug, Serialize)]
pub struct IssueLocation {
    pub path: String,
    pub lines: Lines,
}

#[derive(Debug, Serialize)]
pub struct Lines {
    pub begin: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<u32>,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Notice => "info",
    }
}

/// The Code Quality issues of `view`.
pub fn render(view: &ReportView) -> Vec<Issue> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in view.gates.iter().flat_map(|g| &g.findings) {
        let (path, begin, end) = match &f.location {
            Some(l) => (l.path.clone(), l.start_line, l.end_line),
            // GitLab needs a path; a finding about the whole change gets the
            // repository root.
            None => (".shipgate.yml".to_string(), 1, 1),
        };
        let mut fp = f.fingerprint.clone();
        let mut n = 1u32;
        while !seen.insert(fp.clone()) {
            n += 1;
            fp = fingerprint(&[&f.fingerprint, &n.to_string()]);
        }
        let mut description = format!("{} [{}]", f.title, f.rule);
        if f.location
            .as_ref()
            .is_some_and(|l| l.side == crate::finding::Side::Base)
        {
            description.push_str(" (in the target branch's version)");
        }
        if !f.help.is_empty() {
            description.push_str(" Fix: ");
            description.push_str(&f.help);
        }
        out.push(Issue {
            description,
            check_name: f.rule.clone(),
            fingerprint: fp,
            severity: severity(f.severity),
            location: IssueLocation {
                path,
                lines: Lines {
                    begin,
                    end: (end > begin).then_some(end),
                },
            },
        });
    }
    out
}
