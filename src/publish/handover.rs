//! `shipgate publish --report FILE`: publish a report another job made.
//!
//! The fork-safe split on GitHub: the `pull_request` job (read-only token,
//! runs the fork's code) writes the report and uploads it as an artifact; a
//! `workflow_run` job (write token, runs only the base repository's code)
//! downloads it and runs this command. The report is treated strictly as
//! data: the repository, API URL and token come from this job's environment;
//! the commit comes from the `workflow_run` event (or `--head`) and must equal
//! the report's head; a pull request number claimed by the report is used
//! only after the API confirms that this pull request's head is that commit.

use super::{Context, PublishArgs, ReportView, stderr_log};
use crate::ci::{CiEnv, PlatformKind};
use anyhow::Context as _;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct HandoverArgs {
    /// The JSON report written by `shipgate check --report FILE`.
    #[arg(long)]
    pub report: PathBuf,
    /// The pull/merge request to comment on (default: from the event, or the
    /// report's claim once the API confirms it).
    #[arg(long)]
    pub pr: Option<u64>,
    /// The commit to publish to (default: the `workflow_run` event's head_sha, else CI's head).
    #[arg(long)]
    pub head: Option<String>,
    #[command(flatten)]
    pub publish: PublishArgs,
}

/// What the `workflow_run` event says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WorkflowRun {
    pub head_sha: Option<String>,
    pub pr: Option<u64>,
}

/// Read `workflow_run.head_sha` and `workflow_run.pull_requests[0].number`
/// (empty for forks) from an event payload.
pub fn workflow_run(payload: &str) -> WorkflowRun {
    let Ok(event) = serde_json::from_str::<serde_json::Value>(payload) else {
        return WorkflowRun::default();
    };
    WorkflowRun {
        head_sha: event
            .pointer("/workflow_run/head_sha")
            .and_then(|v| v.as_str())
            .map(String::from),
        pr: event
            .pointer("/workflow_run/pull_requests/0/number")
            .and_then(|v| v.as_u64()),
    }
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Run the command; the exit code is 0 unless the arguments or the report are unusable.
pub fn run(args: HandoverArgs) -> anyhow::Result<u8> {
    let view = ReportView::load(&args.report)?;
    if !is_sha(&view.head) {
        anyhow::bail!(
            "{}: the report's head `{}` is not a commit id",
            args.report.display(),
            view.head.chars().take(80).collect::<String>()
        );
    }
    let ci = CiEnv::from_process_env().context("reading the CI environment")?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let event = if ci.event.as_deref() == Some("workflow_run") {
        env("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| workflow_run(&text))
            .unwrap_or_default()
    } else {
        WorkflowRun::default()
    };
    let head = args
        .head
        .clone()
        .or(event.head_sha.clone())
        .or_else(|| ci.head.clone());
    let mut ctx = Context::new(&ci, &env);
    ctx.report_path = Some(&args.report);
    ctx.annotate = false;
    let mut publish = args.publish.clone();
    match &head {
        Some(h) if h.eq_ignore_ascii_case(&view.head) => {}
        Some(h) => {
            stderr_log(&format!(
                "the report is for commit {} but this run is for {h}: not publishing it through the API",
                view.head
            ));
            publish.no_publish = true;
        }
        None => {
            stderr_log(
                "no commit known for this run (pass --head): not publishing through the API",
            );
            publish.no_publish = true;
        }
    }
    ctx.head = head;
    ctx.change_number = args.pr.or(event.pr);
    if ctx.change_number.is_none() && !publish.no_publish {
        ctx.change_number = confirmed_claim(&ci, &ctx, &view);
    }
    super::run(&view, &ctx, &publish, &stderr_log);
    Ok(0)
}

/// The report's pull request number, if the API confirms its head is the report's head.
fn confirmed_claim(ci: &CiEnv, ctx: &Context<'_>, view: &ReportView) -> Option<u64> {
    let claimed = view.ci.change_number?;
    if ci.platform != PlatformKind::Github {
        return None;
    }
    let (token, repo) = (ci.token.as_ref()?, ci.repository.as_deref()?);
    let api_url = ci.api_url.clone()?;
    let api = ctx.api(&api_url, Some((crate::platform::AuthScheme::Bearer, token)));
    let client = crate::platform::github::GitHub::new(api, repo)?;
    match client.pull_request_head(claimed) {
        Ok(sha) if sha.eq_ignore_ascii_case(&view.head) => Some(claimed),
        Ok(sha) => {
            stderr_log(&format!(
                "the report names pull request #{claimed}, whose head is {sha}, not {}: no comment posted",
                view.head
            ));
            None
        }
        Err(e) => {
            stderr_log(&format!(
                "cannot confirm pull request #{claimed} ({e}): no comment posted"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_run_payload_gives_head_and_same_repo_pr() {
        let w = workflow_run(
            r#"{"workflow_run": {"head_sha": "abc123", "pull_requests": [{"number": 5}]}}"#,
        );
        assert_eq!(
            w,
            WorkflowRun {
                head_sha: Some("abc123".into()),
                pr: Some(5)
            }
        );
        // Fork PRs: GitHub leaves pull_requests empty.
        let w = workflow_run(r#"{"workflow_run": {"head_sha": "abc123", "pull_requests": []}}"#);
        assert_eq!(w.pr, None);
        assert_eq!(workflow_run("not json"), WorkflowRun::default());
    }
}
