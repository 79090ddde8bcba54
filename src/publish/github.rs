//! Publish a report to GitHub through the API: check run with annotations,
//! optional commit status, sticky pull request comment.
//!
//! Every failure is logged and the next output is tried; a permission
//! failure (fork PR, read-only token) is explained once and stops the other
//! writes, which would fail the same way.

use super::comment;
use super::markdown::{self, Links};
use super::view::{ReportView, Verdict};
use super::{CommentMode, Log};
use crate::finding::{Severity, Side};
use crate::platform::ApiError;
use crate::platform::github::{
    AnnotationLevel, CheckAnnotation, CheckRunCreate, CheckRunOutput, CheckRunStatus,
    CheckRunUpdate, Conclusion, GitHub, StatusCreate, StatusState,
};

/// The API's limit of annotations per request.
pub const ANNOTATIONS_PER_REQUEST: usize = 50;
/// At most this many annotations go to the check run; the rest are counted.
pub const MAX_ANNOTATIONS: usize = 1000;
/// GitHub's limit for a check run summary.
pub const SUMMARY_LIMIT: usize = 65_535;

/// Where and what to publish.
pub struct Target<'a> {
    pub client: &'a GitHub,
    /// The pull request's head commit (never the test merge commit).
    pub head_sha: &'a str,
    pub pr: Option<u64>,
    pub links: &'a Links,
    /// The workflow run's page, for `details_url` / `target_url`.
    pub run_url: Option<String>,
}

pub struct Options<'a> {
    /// Check run name; `None`: no check run.
    pub check_run: Option<&'a str>,
    /// Commit status context; `None`: no status.
    pub status_context: Option<&'a str>,
    pub comment: CommentMode,
    /// The sticky comment's id (its marker).
    pub comment_id: &'a str,
    /// One check run per gate that ran (`NAME / GATE`) instead of one overall.
    pub per_gate: bool,
}

fn conclusion(v: Verdict) -> Conclusion {
    match v {
        Verdict::Pass => Conclusion::Success,
        Verdict::Fail | Verdict::Error => Conclusion::Failure,
    }
}

fn level(s: Severity) -> AnnotationLevel {
    match s {
        Severity::Error => AnnotationLevel::Failure,
        Severity::Warning => AnnotationLevel::Warning,
        Severity::Notice => AnnotationLevel::Notice,
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The check run annotations for `view` (head-side findings only, most
/// important first, at most [`MAX_ANNOTATIONS`]) and how many were left out.
pub fn annotations(view: &ReportView) -> (Vec<CheckAnnotation>, usize) {
    let mut out = Vec::new();
    let mut left_out = 0;
    for f in view.findings_by_importance() {
        let Some(loc) = f.location.as_ref().filter(|l| l.side == Side::Head) else {
            continue;
        };
        if out.len() >= MAX_ANNOTATIONS {
            left_out += 1;
            continue;
        }
        let one_line = loc.start_line == loc.end_line;
        let mut message = f.message.trim().to_string();
        if !f.help.is_empty() {
            if !message.is_empty() {
                message.push_str("\n\n");
            }
            message.push_str("Fix: ");
            message.push_str(&f.help);
        }
        if message.is_empty() {
            message = f.title.clone();
        }
        out.push(CheckAnnotation {
            path: loc.path.clone(),
            start_line: loc.start_line.max(1),
            end_line: loc.end_line.max(loc.start_line).max(1),
            start_column: loc.start_column.filter(|_| one_line),
            end_column: loc
                .end_column
                .filter(|_| one_line && loc.start_column.is_some()),
            annotation_level: level(f.severity),
            message: cut(&message, 60_000),
            title: cut(&format!("{} [{}]", f.title, f.rule), 255),
            raw_details: None,
        });
    }
    (out, left_out)
}

/// The check run's title, e.g. `fail: 2 errors, 1 warning, 0 notices`.
pub fn title(view: &ReportView) -> String {
    format!(
        "{}: {}",
        view.verdict.as_str(),
        markdown::counts_text(
            view.count(Severity::Error),
            view.count(Severity::Warning),
            view.count(Severity::Notice)
        )
    )
}

/// What happened to one output.
fn permission_note(what: &str, e: &ApiError) -> String {
    format!(
        "skipped the {what} and the other GitHub API writes: the token may not write here ({e}). \
         This is expected on pull requests from forks (GitHub gives them a read-only token); \
         otherwise grant the job `permissions: checks: write, pull-requests: write, statuses: write`. \
         For forks, publish from a `workflow_run` job: see docs/publishing.md"
    )
}

/// Publish. Never fails: problems are logged through `log`.
pub fn publish(target: &Target<'_>, view: &ReportView, opts: &Options<'_>, log: &Log) {
    let mut read_only = false;
    if let Some(name) = opts.check_run {
        let runs: Vec<(String, ReportView)> = if opts.per_gate {
            view.ran()
                .map(|g| (format!("{name} / {}", g.gate), view.for_gate(g)))
                .collect()
        } else {
            vec![(name.to_string(), view.clone())]
        };
        for (name, view) in &runs {
            match check_run(target, view, name) {
                Ok(()) => {}
                Err(e) if e.is_permission() => {
                    log(&permission_note("check run", &e));
                    read_only = true;
                    break;
                }
                Err(e) => log(&format!("could not publish the check run `{name}`: {e}")),
            }
        }
    }
    if read_only {
        return;
    }
    if let Some(context) = opts.status_context {
        let state = match view.verdict {
            Verdict::Pass => StatusState::Success,
            Verdict::Fail => StatusState::Failure,
            Verdict::Error => StatusState::Error,
        };
        let body = StatusCreate {
            state,
            target_url: target.run_url.clone(),
            description: cut(&title(view), 140),
            context: context.to_string(),
        };
        match target.client.create_status(target.head_sha, &body) {
            Ok(_) => log(&format!(
                "set commit status `{context}` to {}",
                view.verdict.as_str()
            )),
            Err(e) if e.is_permission() => {
                log(&permission_note("commit status", &e));
                return;
            }
            Err(e) => log(&format!("could not set the commit status: {e}")),
        }
    }
    let Some(pr) = target.pr else {
        if opts.comment == CommentMode::Always {
            log("no pull request number known: no comment posted");
        }
        return;
    };
    if opts.comment == CommentMode::Never {
        return;
    }
    match sticky_comment(target.client, pr, view, target.links, opts) {
        Ok(outcome) => log(&outcome),
        Err(e) if e.is_permission() => log(&permission_note("pull request comment", &e)),
        Err(e) => log(&format!("could not update the pull request comment: {e}")),
    }
}

fn check_run(target: &Target<'_>, view: &ReportView, name: &str) -> Result<(), ApiError> {
    let (all, left_out) = annotations(view);
    let mut summary = markdown::report(view, target.links, SUMMARY_LIMIT - 400);
    if left_out > 0 {
        summary.push_str(&format!(
            "\n{left_out} more finding(s) are not annotated (at most {MAX_ANNOTATIONS} annotations per check run): see the report file.\n"
        ));
    }
    let output = |annotations: Vec<CheckAnnotation>| CheckRunOutput {
        title: title(view),
        summary: summary.clone(),
        annotations,
    };
    let mut batches = all.chunks(ANNOTATIONS_PER_REQUEST);
    let first = batches.next().map(<[_]>::to_vec).unwrap_or_default();
    let run = target.client.create_check_run(&CheckRunCreate {
        name: name.to_string(),
        head_sha: target.head_sha.to_string(),
        status: CheckRunStatus::Completed,
        conclusion: Some(conclusion(view.verdict)),
        details_url: target.run_url.clone(),
        external_id: None,
        output: output(first),
    })?;
    for batch in batches {
        target.client.update_check_run(
            run.id,
            &CheckRunUpdate {
                status: None,
                conclusion: None,
                output: output(batch.to_vec()),
            },
        )?;
    }
    Ok(())
}

/// Create or update the sticky comment; re-read after writing and merge
/// again if another run changed it meanwhile.
fn sticky_comment(
    client: &GitHub,
    pr: u64,
    view: &ReportView,
    links: &Links,
    opts: &Options<'_>,
) -> Result<String, ApiError> {
    const ROUNDS: usize = 3;
    let id = opts.comment_id;
    for _ in 0..ROUNDS {
        let comments = client.issue_comments(pr)?;
        let ours: Vec<_> = comments
            .iter()
            .filter(|c| c.body.as_deref().is_some_and(|b| comment::is_ours(b, id)))
            .collect();
        let existing = ours.first();
        let previous = existing.and_then(|c| c.body.as_deref());
        if existing.is_none()
            && opts.comment == CommentMode::Auto
            && view.verdict == Verdict::Pass
            && view.findings_by_importance().is_empty()
        {
            return Ok("no findings and no earlier comment: no pull request comment posted".into());
        }
        let body = comment::compose(previous, view, links, id, comment::GITHUB_LIMIT);
        let written = match existing {
            Some(c) if previous == Some(body.as_str()) => {
                return Ok(format!("pull request comment {} is up to date", c.id));
            }
            Some(c) => client.update_issue_comment(c.id, &body)?.id,
            None => client.create_issue_comment(pr, &body)?.id,
        };
        // Re-read: another job may have written between our read and write.
        let after = client.issue_comments(pr)?;
        let ours_after: Vec<_> = after
            .iter()
            .filter(|c| c.body.as_deref().is_some_and(|b| comment::is_ours(b, id)))
            .collect();
        let first = ours_after.first();
        let settled = ours_after.len() == 1
            && first.is_some_and(|c| c.id == written && c.body.as_deref() == Some(body.as_str()));
        if settled {
            return Ok(match existing {
                Some(_) => format!("updated pull request comment {written}"),
                None => format!("created pull request comment {written}"),
            });
        }
        if ours_after.len() > 1 && first.is_some_and(|c| c.id != written) {
            // Two jobs created a comment at once: fold ours into the oldest.
            if let Some(oldest) = first {
                let merged = comment::compose(
                    oldest.body.as_deref(),
                    view,
                    links,
                    id,
                    comment::GITHUB_LIMIT,
                );
                client.update_issue_comment(oldest.id, &merged)?;
                client.delete_issue_comment(written)?;
            }
        }
    }
    Ok("pull request comment changed while updating it; left as the last writer made it".into())
}
