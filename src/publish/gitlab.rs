//! Publish a report to GitLab through the API: sticky merge request note and
//! optional commit status.
//!
//! Both need a project or group access token with `api` scope (in
//! `GITLAB_TOKEN`): `CI_JOB_TOKEN` cannot post notes or statuses, so with
//! only the job token these are skipped with one clear message.

use super::comment;
use super::markdown::Links;
use super::view::{ReportView, Verdict};
use super::{CommentMode, Log};
use crate::platform::ApiError;
use crate::platform::gitlab::{GitLab, StatusCreate, StatusState};

pub struct Target<'a> {
    pub client: &'a GitLab,
    pub head_sha: &'a str,
    pub mr: Option<u64>,
    pub links: &'a Links,
    pub job_url: Option<String>,
    pub pipeline_id: Option<u64>,
}

pub struct Options<'a> {
    pub status_name: Option<&'a str>,
    pub comment: CommentMode,
    pub comment_id: &'a str,
}

fn permission_note(what: &str, e: &ApiError) -> String {
    format!(
        "skipped the {what} and the other GitLab API writes: the token may not write here ({e}). \
         Use a project or group access token with `api` scope (Developer role or higher) in GITLAB_TOKEN"
    )
}

/// Publish. Never fails: problems are logged through `log`.
pub fn publish(target: &Target<'_>, view: &ReportView, opts: &Options<'_>, log: &Log) {
    if let Some(name) = opts.status_name {
        let state = match view.verdict {
            Verdict::Pass => StatusState::Success,
            Verdict::Fail | Verdict::Error => StatusState::Failed,
        };
        let description: String = super::github::title(view).chars().take(255).collect();
        let body = StatusCreate {
            state,
            name: name.to_string(),
            target_url: target.job_url.clone(),
            description,
            pipeline_id: target.pipeline_id,
        };
        match target.client.create_commit_status(target.head_sha, &body) {
            Ok(_) => log(&format!(
                "set commit status `{name}` to {}",
                view.verdict.as_str()
            )),
            Err(e) if e.is_permission() => {
                log(&permission_note("commit status", &e));
                return;
            }
            Err(e) => log(&format!("could not set the commit status: {e}")),
        }
    }
    let Some(mr) = target.mr else {
        if opts.comment == CommentMode::Always {
            log("no merge request IID known (CI_MERGE_REQUEST_IID): no note posted");
        }
        return;
    };
    if opts.comment == CommentMode::Never {
        return;
    }
    match sticky_note(target.client, mr, view, target.links, opts) {
        Ok(outcome) => log(&outcome),
        Err(e) if e.is_permission() => log(&permission_note("merge request note", &e)),
        Err(e) => log(&format!("could not update the merge request note: {e}")),
    }
}

fn sticky_note(
    client: &GitLab,
    mr: u64,
    view: &ReportView,
    links: &Links,
    opts: &Options<'_>,
) -> Result<String, ApiError> {
    let id = opts.comment_id;
    for _ in 0..3 {
        let notes = client.merge_request_notes(mr)?;
        let existing = notes
            .iter()
            .find(|n| !n.system && comment::is_ours(&n.body, id));
        if existing.is_none()
            && opts.comment == CommentMode::Auto
            && view.verdict == Verdict::Pass
            && view.findings_by_importance().is_empty()
        {
            return Ok("no findings and no earlier note: no merge request note posted".into());
        }
        let previous = existing.map(|n| n.body.as_str());
        let body = comment::compose(previous, view, links, id, comment::GITLAB_LIMIT);
        let written = match existing {
            Some(n) if n.body == body => {
                return Ok(format!("merge request note {} is up to date", n.id));
            }
            Some(n) => client.update_merge_request_note(mr, n.id, &body)?.id,
            None => client.create_merge_request_note(mr, &body)?.id,
        };
        let after = client.merge_request_notes(mr)?;
        let ours: Vec<_> = after
            .iter()
            .filter(|n| !n.system && comment::is_ours(&n.body, id))
            .collect();
        let first = ours.first();
        if ours.len() == 1 && first.is_some_and(|n| n.id == written && n.body == body) {
            return Ok(match existing {
                Some(_) => format!("updated merge request note {written}"),
                None => format!("created merge request note {written}"),
            });
        }
        if let Some(oldest) = first.filter(|n| ours.len() > 1 && n.id != written) {
            // Two jobs created a note at once: fold ours into the oldest.
            let merged =
                comment::compose(Some(&oldest.body), view, links, id, comment::GITLAB_LIMIT);
            client.update_merge_request_note(mr, oldest.id, &merged)?;
            client.delete_merge_request_note(mr, written)?;
        }
    }
    Ok("merge request note changed while updating it; left as the last writer made it".into())
}
