//! Publishers: take the finished report to where people look.
//!
//! Owns: report files (SARIF, markdown, JUnit, GitLab Code Quality), GitHub
//! Actions outputs (workflow-command annotations, job summary, step
//! outputs), and the API outputs (GitHub check run, commit status, sticky PR
//! comment; GitLab sticky MR note, commit status). Runs after the report file
//! is written and never changes the verdict or the exit code: every problem
//! becomes one log line on stderr and the next output is tried.
//! Not for: deciding anything about the change, or HTTP details (`platform`).

pub mod actions;
pub mod codequality;
pub mod comment;
pub mod github;
pub mod gitlab;
pub mod handover;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod view;

pub use view::ReportView;

use crate::ci::{CiEnv, PlatformKind, Token};
use crate::platform::{Api, AuthScheme, RetryPolicy};
use markdown::Links;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where log lines go.
pub type Log = dyn Fn(&str);

/// When to post the sticky PR/MR comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CommentMode {
    /// When there are findings, or a comment from an earlier run exists to update.
    #[default]
    Auto,
    /// On every run of a pull/merge request.
    Always,
    /// Never.
    Never,
}

/// The publishing flags of `shipgate check` and `shipgate publish`.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// Write a SARIF 2.1.0 file (for GitHub code scanning upload).
    #[arg(long, value_name = "FILE", env = "INPUT_SARIF")]
    pub sarif: Option<PathBuf>,
    /// Write the report as markdown.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a GitLab Code Quality report (in GitLab CI by default: gl-code-quality-report.json).
    #[arg(long, value_name = "FILE")]
    pub code_quality: Option<PathBuf>,
    /// Post/update the sticky PR/MR comment.
    #[arg(long, value_enum, default_value = "auto", env = "INPUT_COMMENT")]
    pub comment: CommentMode,
    /// Name of the GitHub check run (give each per-stage job its own).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "shipgate",
        env = "INPUT_CHECK_RUN"
    )]
    pub check_run: String,
    /// Which sticky comment to keep up to date: jobs with the same id share one
    /// comment, each replacing the sections of the gates it ran.
    #[arg(long, value_name = "ID", default_value = "shipgate")]
    pub comment_id: String,
    /// Do not create a GitHub check run.
    #[arg(long)]
    pub no_check_run: bool,
    /// One check run for the whole run (`overall`), or one per gate that ran
    /// (`per-gate`), named `NAME / GATE` (e.g. `shipgate / coverage`).
    #[arg(long, value_enum, default_value = "overall", env = "INPUT_CHECK_RUNS")]
    pub check_runs: CheckRuns,
    /// Also set a commit status with this context/name (default `shipgate` when given without a value).
    #[arg(
        long,
        value_name = "NAME",
        num_args = 0..=1,
        default_missing_value = "shipgate",
        env = "INPUT_STATUS_CONTEXT"
    )]
    pub status_context: Option<String>,
    /// No API calls (files, annotations and the job summary are still written).
    #[arg(long)]
    pub no_publish: bool,
}

/// How many check runs a run creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckRuns {
    /// One, named `--check-run` (default `shipgate`), with the overall verdict.
    Overall,
    /// One per gate that ran, named `NAME / GATE`, each with that gate's conclusion.
    PerGate,
}

impl Default for PublishArgs {
    fn default() -> Self {
        PublishArgs {
            sarif: None,
            markdown: None,
            junit: None,
            code_quality: None,
            comment: CommentMode::Auto,
            check_run: "shipgate".into(),
            comment_id: "shipgate".into(),
            no_check_run: false,
            check_runs: CheckRuns::Overall,
            status_context: None,
            no_publish: false,
        }
    }
}

/// Everything the publishers need besides the report and the flags.
pub struct Context<'a> {
    pub ci: &'a CiEnv,
    /// Environment lookup (`GITHUB_STEP_SUMMARY`, `GITLAB_TOKEN`, …).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Where the JSON report was written (for the `report` step output).
    pub report_path: Option<&'a Path>,
    /// Print workflow-command annotations (on stderr when stdout carries JSON).
    pub annotate: bool,
    pub annotations_to_stderr: bool,
    /// The commit to publish to (default: `ci.head`, else the report's head).
    pub head: Option<String>,
    /// The PR/MR number (default: `ci.change_number`).
    pub change_number: Option<u64>,
    /// Retry policy and clock (tests make them fast).
    pub policy: RetryPolicy,
    pub clock: Option<Arc<dyn crate::platform::Clock>>,
}

impl<'a> Context<'a> {
    pub fn new(ci: &'a CiEnv, env: &'a dyn Fn(&str) -> Option<String>) -> Context<'a> {
        Context {
            ci,
            env,
            report_path: None,
            annotate: true,
            annotations_to_stderr: false,
            head: None,
            change_number: None,
            policy: RetryPolicy::default(),
            clock: None,
        }
    }

    pub(crate) fn api(&self, base: &str, auth: Option<(AuthScheme, &Token)>) -> Api {
        let clock = self
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(crate::platform::SystemClock::new()));
        let api = Api::with(base, auth, self.policy, clock);
        let Some(bundle) = (self.env)("SSL_CERT_FILE") else {
            return api;
        };
        let pem = match std::fs::read(&bundle) {
            Ok(pem) => pem,
            Err(e) => {
                stderr_log(&format!(
                    "{bundle}: cannot read SSL_CERT_FILE ({e}); using the built-in root certificates"
                ));
                return api;
            }
        };
        match api.with_ca_bundle(&pem) {
            Ok(api) => api,
            Err(e) => {
                stderr_log(&format!(
                    "{bundle}: {e}; using the built-in root certificates"
                ));
                Api::with(base, auth, self.policy, self.clock_or_system())
            }
        }
    }

    fn clock_or_system(&self) -> Arc<dyn crate::platform::Clock> {
        self.clock
            .clone()
            .unwrap_or_else(|| Arc::new(crate::platform::SystemClock::new()))
    }
}

fn write_file(path: &Path, what: &str, bytes: &[u8], log: &Log) {
    let result = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(std::fs::create_dir_all)
        .unwrap_or(Ok(()))
        .and_then(|_| std::fs::write(path, bytes));
    match result {
        Ok(()) => log(&format!("wrote {what} {}", path.display())),
        Err(e) => log(&format!("{}: cannot write the {what}: {e}", path.display())),
    }
}

/// The report files asked for (and Code Quality by default on GitLab).
pub fn write_files(view: &ReportView, ctx: &Context<'_>, args: &PublishArgs, log: &Log) {
    if let Some(path) = &args.sarif {
        let text = serde_json::to_string_pretty(&sarif::render(view)).unwrap_or_default();
        write_file(path, "SARIF report", (text + "\n").as_bytes(), log);
    }
    if let Some(path) = &args.markdown {
        let text = markdown::report(view, &links(view, ctx), usize::MAX);
        write_file(path, "markdown report", text.as_bytes(), log);
    }
    if let Some(path) = &args.junit {
        write_file(path, "JUnit report", junit::render(view).as_bytes(), log);
    }
    let code_quality = args.code_quality.clone().or_else(|| {
        (ctx.ci.platform == PlatformKind::Gitlab).then(|| PathBuf::from(codequality::DEFAULT_PATH))
    });
    if let Some(path) = code_quality {
        let text = serde_json::to_string_pretty(&codequality::render(view)).unwrap_or_default();
        write_file(
            path.as_path(),
            "Code Quality report",
            (text + "\n").as_bytes(),
            log,
        );
    }
}

fn links(view: &ReportView, ctx: &Context<'_>) -> Links {
    let head = ctx.head.clone().unwrap_or_else(|| view.head.clone());
    match (ctx.ci.platform, &ctx.ci.server_url, &ctx.ci.repository) {
        (PlatformKind::Github, Some(server), Some(repo)) => {
            Links::github(server, repo, &view.base, &head)
        }
        (PlatformKind::Gitlab, Some(server), Some(repo)) => {
            Links::gitlab(server, repo, &view.base, &head)
        }
        _ => Links::none(),
    }
}

/// GitHub Actions outputs that need no token.
fn actions_outputs(view: &ReportView, ctx: &Context<'_>, log: &Log) {
    if ctx.annotate {
        let lines = actions::commands(view, "the job summary and the `shipgate` check run");
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        if ctx.annotations_to_stderr {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    if let Some(path) = (ctx.env)("GITHUB_STEP_SUMMARY") {
        // GitHub takes up to 1 MiB per step; 300k UTF-16 units stay below it whatever the script.
        let text = markdown::report(view, &links(view, ctx), 300_000);
        if let Err(e) = actions::append_step_summary(Path::new(&path), &text) {
            log(&format!("{path}: cannot write the job summary: {e}"));
        }
    }
    if let Some(path) = (ctx.env)("GITHUB_OUTPUT") {
        let mut outputs = vec![("verdict", view.verdict.as_str().to_string())];
        if let Some(report) = ctx.report_path {
            outputs.push(("report", report.display().to_string()));
        }
        if let Err(e) = actions::append_outputs(Path::new(&path), &outputs) {
            log(&format!("{path}: cannot write the step outputs: {e}"));
        }
    }
}

/// Publish `view` everywhere that applies. Never fails and never changes
/// the verdict: problems are logged through `log`.
pub fn run(view: &ReportView, ctx: &Context<'_>, args: &PublishArgs, log: &Log) {
    write_files(view, ctx, args, log);
    if ctx.ci.platform == PlatformKind::Github {
        actions_outputs(view, ctx, log);
    }
    if args.no_publish {
        return;
    }
    match ctx.ci.platform {
        PlatformKind::Github => publish_github(view, ctx, args, log),
        PlatformKind::Gitlab => publish_gitlab(view, ctx, args, log),
        PlatformKind::Local => {}
    }
}

fn publish_github(view: &ReportView, ctx: &Context<'_>, args: &PublishArgs, log: &Log) {
    let Some(token) = &ctx.ci.token else {
        log(
            "no GitHub token (GITHUB_TOKEN or the action's `token` input): skipped the check run, \
             status and pull request comment; annotations and the job summary are written",
        );
        return;
    };
    let Some(repository) = &ctx.ci.repository else {
        log("GITHUB_REPOSITORY is not set: skipped the GitHub API outputs");
        return;
    };
    let Some(head) = ctx.head.clone().or_else(|| ctx.ci.head.clone()) else {
        log("no head commit known: skipped the GitHub API outputs");
        return;
    };
    let api_url = ctx
        .ci
        .api_url
        .clone()
        .unwrap_or_else(|| "https://api.github.com".into());
    let api = ctx.api(&api_url, Some((AuthScheme::Bearer, token)));
    let Some(client) = crate::platform::github::GitHub::new(api, repository) else {
        log(&format!(
            "GITHUB_REPOSITORY `{repository}` is not owner/name: skipped the GitHub API outputs"
        ));
        return;
    };
    let links = links(view, ctx);
    let run_url = match (&ctx.ci.server_url, (ctx.env)("GITHUB_RUN_ID")) {
        (Some(server), Some(run)) => Some(format!(
            "{}/{repository}/actions/runs/{run}",
            server.trim_end_matches('/')
        )),
        _ => None,
    };
    let target = github::Target {
        client: &client,
        head_sha: &head,
        pr: ctx.change_number.or(ctx.ci.change_number),
        links: &links,
        run_url,
    };
    let opts = github::Options {
        check_run: (!args.no_check_run && !args.check_run.trim().is_empty())
            .then_some(args.check_run.trim()),
        status_context: args
            .status_context
            .as_deref()
            .filter(|s| !s.trim().is_empty()),
        comment: args.comment,
        comment_id: args.comment_id.trim(),
        per_gate: args.check_runs == CheckRuns::PerGate,
    };
    github::publish(&target, view, &opts, log);
}

/// Which GitLab token is at hand.
fn gitlab_token(ctx: &Context<'_>) -> Option<(AuthScheme, Token)> {
    for name in ["SHIPGATE_GITLAB_TOKEN", "GITLAB_TOKEN"] {
        if let Some(t) = (ctx.env)(name).and_then(Token::new) {
            return Some((AuthScheme::GitlabPrivateToken, t));
        }
    }
    (ctx.env)("CI_JOB_TOKEN")
        .and_then(Token::new)
        .map(|t| (AuthScheme::GitlabJobToken, t))
}

fn publish_gitlab(view: &ReportView, ctx: &Context<'_>, args: &PublishArgs, log: &Log) {
    let wants_api = args.comment != CommentMode::Never || args.status_context.is_some();
    if !wants_api {
        return;
    }
    let token = match gitlab_token(ctx) {
        Some((AuthScheme::GitlabJobToken, _)) => {
            log(
                "only CI_JOB_TOKEN is available, and GitLab does not let it post merge request notes \
                 or commit statuses: skipped both. Store a project or group access token with `api` \
                 scope as the CI/CD variable GITLAB_TOKEN (masked). The Code Quality and JUnit \
                 reports still show in the merge request",
            );
            return;
        }
        None => {
            log("no GitLab token (GITLAB_TOKEN): skipped the merge request note and commit status");
            return;
        }
        Some(t) => t,
    };
    let (Some(api_url), Some(project)) = (
        ctx.ci.api_url.clone(),
        ctx.ci
            .project_id
            .clone()
            .or_else(|| ctx.ci.repository.clone()),
    ) else {
        log("CI_API_V4_URL or CI_PROJECT_ID is not set: skipped the GitLab API outputs");
        return;
    };
    let Some(head) = ctx.head.clone().or_else(|| ctx.ci.head.clone()) else {
        log("no head commit known: skipped the GitLab API outputs");
        return;
    };
    let api = ctx.api(&api_url, Some((token.0, &token.1)));
    let client = crate::platform::gitlab::GitLab::new(api, &project);
    let links = links(view, ctx);
    let target = gitlab::Target {
        client: &client,
        head_sha: &head,
        mr: ctx.change_number.or(ctx.ci.change_number),
        links: &links,
        job_url: (ctx.env)("CI_JOB_URL"),
        pipeline_id: (ctx.env)("CI_PIPELINE_ID").and_then(|v| v.parse().ok()),
    };
    let opts = gitlab::Options {
        status_name: args
            .status_context
            .as_deref()
            .filter(|s| !s.trim().is_empty()),
        comment: args.comment,
        comment_id: args.comment_id.trim(),
    };
    gitlab::publish(&target, view, &opts, log);
}

/// The log used by the CLI: `shipgate: publish: …` on stderr.
pub fn stderr_log(line: &str) {
    eprintln!("shipgate: publish: {line}");
}

/// `shipgate check`'s publishing step, after the report file is written.
pub fn after_check(
    report: &crate::report::Report,
    ci: &CiEnv,
    report_path: &Path,
    args: &PublishArgs,
    stdout_is_json: bool,
) {
    let view = match ReportView::from_report(report) {
        Ok(v) => v,
        Err(e) => {
            stderr_log(&format!("internal error reading the report back: {e}"));
            return;
        }
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut ctx = Context::new(ci, &env);
    ctx.report_path = Some(report_path);
    ctx.annotations_to_stderr = stdout_is_json;
    // The commit the gates judged (CI's head, resolved to a full id).
    ctx.head = Some(view.head.clone());
    run(&view, &ctx, args, &stderr_log);
}
