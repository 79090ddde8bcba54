//! The sticky PR/MR comment: one comment, found by a hidden marker, made of
//! per-gate sections that each run replaces only for the gates it ran.
//!
//! Layout (each marker an HTML comment, invisible when rendered):
//!
//! ```text
//! <!-- shipgate:comment id=shipgate -->
//! ## ❌ shipgate: fail (…)            <- header, re-rendered from all sections
//! <!-- shipgate:gate name=secrets state=fail blocking=true sha=… errors=2 warnings=0 notices=0 -->
//! <details>…</details>                <- this gate's section, as its last run left it
//! <!-- shipgate:end name=secrets -->
//! …
//! <sub>…</sub>                        <- footer
//! ```
//!
//! A run that did not run a gate (`not_run`, e.g. a per-stage job) keeps that
//! gate's previous section, so several jobs can share one comment. The body is
//! deterministic (no timestamps): a rerun with the same results produces the
//! same text, and the publisher does not edit. Not for: talking to the API.

use super::markdown::{self, Links};
use super::view::{ReportView, Verdict};
use crate::finding::Severity;
use crate::gates::{GateId, GateOutcome, GateStatus};
use std::fmt::Write as _;

/// GitHub's limit for a comment body.
pub const GITHUB_LIMIT: usize = 65_536;
/// GitLab's limit for a note (1,000,000 characters); we stay far below.
pub const GITLAB_LIMIT: usize = 1_000_000;

/// The first line of the comment: what finds it.
pub fn marker(id: &str) -> String {
    format!("<!-- shipgate:comment id={} -->", clean_id(id))
}

fn clean_id(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "shipgate".into()
    } else {
        cleaned
    }
}

/// Whether `body` is the sticky comment with this id.
pub fn is_ours(body: &str, id: &str) -> bool {
    body.trim_start().starts_with(&marker(id))
}

/// One gate's section as found in (or written to) the comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub gate: GateId,
    pub state: GateStatus,
    pub blocking: bool,
    pub sha: String,
    pub errors: usize,
    pub warnings: usize,
    pub notices: usize,
    /// The markdown between the markers.
    pub body: String,
}

fn status_parse(s: &str) -> Option<GateStatus> {
    [
        GateStatus::Pass,
        GateStatus::Fail,
        GateStatus::Error,
        GateStatus::Skipped,
        GateStatus::NotRun,
    ]
    .into_iter()
    .find(|g| g.as_str() == s)
}

impl Section {
    fn open_marker(&self) -> String {
        format!(
            "<!-- shipgate:gate name={} state={} blocking={} sha={} errors={} warnings={} notices={} -->",
            self.gate.as_str(),
            self.state.as_str(),
            self.blocking,
            self.sha,
            self.errors,
            self.warnings,
            self.notices
        )
    }

    fn close_marker(&self) -> String {
        format!("<!-- shipgate:end name={} -->", self.gate.as_str())
    }

    fn render(&self) -> String {
        format!(
            "{}\n{}{}\n",
            self.open_marker(),
            self.body,
            self.close_marker()
        )
    }

    /// The section for a gate that ran in this report.
    pub fn of(gate: &GateOutcome, head: &str, links: &Links, max_findings: usize) -> Section {
        let count = |s: Severity| gate.findings.iter().filter(|f| f.severity == s).count();
        Section {
            gate: gate.gate,
            state: gate.status,
            blocking: gate.blocking,
            sha: head
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .take(40)
                .collect(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notices: count(Severity::Notice),
            body: markdown::gate_details(gate, links, max_findings, false),
        }
    }
}

/// Parse `key=value` attributes of a marker line.
fn attrs(line: &str) -> Vec<(&str, &str)> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .collect()
}

/// The sections in an existing comment. Sections whose end marker is missing
/// (cut by truncation, edited by hand) are dropped.
pub fn parse_sections(body: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(inner) = line
            .strip_prefix("<!-- shipgate:gate ")
            .and_then(|l| l.strip_suffix("-->"))
        else {
            continue;
        };
        let a = attrs(inner);
        let get = |k: &str| a.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let num = |k: &str| get(k).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        let (Some(gate), Some(state)) = (
            get("name").and_then(GateId::parse),
            get("state").and_then(status_parse),
        ) else {
            continue;
        };
        let close = format!("<!-- shipgate:end name={} -->", gate.as_str());
        let mut text = String::new();
        let mut closed = false;
        for inner_line in lines.by_ref() {
            if inner_line.trim() == close {
                closed = true;
                break;
            }
            text.push_str(inner_line);
            text.push('\n');
        }
        if closed {
            out.push(Section {
                gate,
                state,
                blocking: get("blocking") != Some("false"),
                sha: get("sha")
                    .unwrap_or("")
                    .chars()
                    .filter(|c| c.is_ascii_hexdigit())
                    .collect(),
                errors: num("errors"),
                warnings: num("warnings"),
                notices: num("notices"),
                body: text,
            });
        }
    }
    out
}

/// The verdict the sections add up to: a blocking error outranks a blocking
/// failure; this run's own verdict counts for the gates it ran.
fn overall(current: Verdict, sections: &[(Section, bool)]) -> Verdict {
    let mut v = current;
    for (s, fresh) in sections {
        if *fresh || !s.blocking {
            continue;
        }
        let kept = match s.state {
            GateStatus::Error => Verdict::Error,
            GateStatus::Fail => Verdict::Fail,
            _ => Verdict::Pass,
        };
        v = v.max(kept);
    }
    v
}

/// The comment body for this report, keeping sections of gates it did not
/// run from `previous`; at most `limit` UTF-16 units.
pub fn compose(
    previous: Option<&str>,
    view: &ReportView,
    links: &Links,
    id: &str,
    limit: usize,
) -> String {
    let kept = previous.map(parse_sections).unwrap_or_default();
    for max in [50, 20, 5, 0] {
        let body = compose_with(&kept, view, links, id, max);
        if markdown::utf16_len(&body) <= limit {
            return body;
        }
    }
    markdown::truncate(&compose_with(&kept, view, links, id, 0), limit)
}

fn compose_with(
    kept: &[Section],
    view: &ReportView,
    links: &Links,
    id: &str,
    max_findings: usize,
) -> String {
    // (section, produced by this run)
    let mut sections: Vec<(Section, bool)> = Vec::new();
    for gate in GateId::ALL {
        match view.gate(gate) {
            Some(outcome) if outcome.status != GateStatus::NotRun => {
                sections.push((Section::of(outcome, &view.head, links, max_findings), true));
            }
            _ => {
                if let Some(old) = kept.iter().find(|s| s.gate == gate) {
                    sections.push((old.clone(), false));
                }
            }
        }
    }
    let verdict = overall(view.verdict, &sections);
    let (e, w, n) = sections
        .iter()
        .fold((0usize, 0usize, 0usize), |(e, w, n), (s, _)| {
            (
                e.saturating_add(s.errors),
                w.saturating_add(s.warnings),
                n.saturating_add(s.notices),
            )
        });
    let mut out = String::new();
    let _ = writeln!(out, "{}", marker(id));
    let _ = writeln!(out, "## {}\n", markdown::headline(verdict, e, w, n));
    let head: String = view.head.chars().take(12).collect();
    let _ = writeln!(out, "Latest run on `{}`.\n", markdown::escape_inline(&head));
    for (section, fresh) in &sections {
        if !fresh && !section.sha.is_empty() && !view.head.starts_with(&section.sha) {
            let short: String = section.sha.chars().take(12).collect();
            let mut s = section.clone();
            if !s.body.starts_with("<sub>(from an earlier run") {
                s.body = format!(
                    "<sub>(from an earlier run, on `{short}`)</sub>\n\n{}",
                    s.body
                );
            }
            out.push_str(&s.render());
        } else {
            out.push_str(&section.render());
        }
    }
    let _ = writeln!(
        out,
        "\n<sub>shipgate {} keeps this comment up to date: each run replaces the sections of the gates it ran.</sub>",
        markdown::escape_inline(&view.tool.version)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FailOn;
    use crate::finding::{Finding, Location};
    use crate::publish::view::{CiView, CountsView, ToolView};

    fn outcome(gate: GateId, status: GateStatus, findings: Vec<Finding>) -> GateOutcome {
        GateOutcome {
            gate,
            status,
            reason: None,
            blocking: true,
            fail_on: FailOn::Error,
            findings,
            metrics: Default::default(),
            notes: vec![],
            suppressed: 0,
            duration_ms: 1,
        }
    }

    fn view(head: &str, verdict: Verdict, gates: Vec<GateOutcome>) -> ReportView {
        ReportView {
            tool: ToolView {
                version: "0.1.0".into(),
            },
            ci: CiView::default(),
            base: "b".repeat(40),
            head: head.into(),
            gates,
            counts: CountsView::default(),
            verdict,
            verdict_reasons: vec![],
        }
    }

    fn err(gate: &str, title: &str) -> Finding {
        Finding::new(
            gate,
            "some-rule",
            Severity::Error,
            title,
            Some(Location::line("a.txt", 3)),
            title,
        )
    }

    #[test]
    fn a_stage_that_did_not_run_a_gate_keeps_its_section_and_the_header_adds_up() {
        let head1 = "1".repeat(40);
        let first = view(
            &head1,
            Verdict::Fail,
            vec![
                outcome(
                    GateId::Secrets,
                    GateStatus::Fail,
                    vec![err("secrets", "leaked key")],
                ),
                outcome(GateId::Coverage, GateStatus::NotRun, vec![]),
            ],
        );
        let body1 = compose(None, &first, &Links::none(), "shipgate", GITHUB_LIMIT);
        assert!(is_ours(&body1, "shipgate"));
        assert!(body1.contains("leaked key"));
        assert!(!body1.contains("name=coverage"));

        // A second stage runs only coverage, which passes.
        let second = view(
            &head1,
            Verdict::Pass,
            vec![
                outcome(GateId::Secrets, GateStatus::NotRun, vec![]),
                outcome(GateId::Coverage, GateStatus::Pass, vec![]),
            ],
        );
        let body2 = compose(
            Some(&body1),
            &second,
            &Links::none(),
            "shipgate",
            GITHUB_LIMIT,
        );
        assert!(body2.contains("leaked key"), "secrets section kept");
        assert!(body2.contains("name=coverage state=pass"));
        assert!(
            body2.contains("❌ shipgate: fail (1 error"),
            "the header counts the kept failure: {body2}"
        );
        // Same inputs, same text: a rerun does not edit.
        assert_eq!(
            compose(
                Some(&body2),
                &second,
                &Links::none(),
                "shipgate",
                GITHUB_LIMIT
            ),
            body2
        );
        // Secrets fixed on a new commit: the whole comment turns green.
        let third = view(
            &"3".repeat(40),
            Verdict::Pass,
            vec![
                outcome(GateId::Secrets, GateStatus::Pass, vec![]),
                outcome(GateId::Coverage, GateStatus::NotRun, vec![]),
            ],
        );
        let body3 = compose(
            Some(&body2),
            &third,
            &Links::none(),
            "shipgate",
            GITHUB_LIMIT,
        );
        assert!(body3.contains("✅ shipgate: pass"), "{body3}");
        assert!(body3.contains("from an earlier run, on `111111111111`"));
        assert_eq!(parse_sections(&body3).len(), 2);
        let body4 = compose(
            Some(&body3),
            &third,
            &Links::none(),
            "shipgate",
            GITHUB_LIMIT,
        );
        assert_eq!(body4, body3, "the earlier-run note is not stacked");
    }

    #[test]
    fn huge_reports_fit_the_limit_with_markers_intact() {
        let findings: Vec<Finding> = (0..3000)
            .map(|i| err("secrets", &format!("finding number {i} {}", "x".repeat(80))))
            .collect();
        let v = view(
            &"a".repeat(40),
            Verdict::Fail,
            vec![outcome(GateId::Secrets, GateStatus::Fail, findings)],
        );
        let body = compose(None, &v, &Links::none(), "shipgate", GITHUB_LIMIT);
        assert!(markdown::utf16_len(&body) <= GITHUB_LIMIT);
        assert!(body.contains("more finding(s) of this gate"));
        assert_eq!(parse_sections(&body).len(), 1);
        assert_eq!(parse_sections(&body)[0].errors, 3000);
    }

    #[test]
    fn hand_edited_or_cut_comments_parse_without_panics() {
        let max = usize::MAX;
        let body = format!(
            "<!-- shipgate:comment id=shipgate -->\n\
             <!-- shipgate:gate name=secrets state=fail blocking=true sha=zz errors={max} -->\nx\n\
             <!-- shipgate:end name=secrets -->\n\
             <!-- shipgate:gate name=avro state=error blocking=false errors={max} -->\ny\n\
             <!-- shipgate:end name=avro -->\n\
             <!-- shipgate:gate name=coverage state=pass -->\nunterminated"
        );
        let v = view(&"c".repeat(40), Verdict::Pass, vec![]);
        for end in (0..=body.len()).filter(|&i| body.is_char_boundary(i)) {
            let prefix = &body[..end];
            let sections = parse_sections(prefix);
            assert!(sections.iter().all(|s| s.gate != GateId::Coverage));
            let out = compose(Some(prefix), &v, &Links::none(), "shipgate", GITHUB_LIMIT);
            assert!(is_ours(&out, "shipgate"));
        }
        let full = compose(Some(&body), &v, &Links::none(), "shipgate", GITHUB_LIMIT);
        assert!(
            full.contains("❌ shipgate: fail"),
            "kept blocking failure: {full}"
        );
    }

    #[test]
    fn a_finding_cannot_forge_a_section_marker() {
        let v = view(
            &"a".repeat(40),
            Verdict::Fail,
            vec![outcome(
                GateId::Secrets,
                GateStatus::Fail,
                vec![err(
                    "secrets",
                    "x\n<!-- shipgate:end name=secrets -->\n<!-- shipgate:gate name=coverage state=pass blocking=true sha=a -->",
                )],
            )],
        );
        let body = compose(None, &v, &Links::none(), "shipgate", GITHUB_LIMIT);
        let sections = parse_sections(&body);
        assert_eq!(sections.len(), 1);
        assert_eq!(sections[0].gate, GateId::Secrets);
    }
}
