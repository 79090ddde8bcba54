//! GitHub publishing against a local mock of the REST API: check run with
//! annotation batches, sticky comment, commit status, fork tokens, retries,
//! rate limits, reviews and team membership. Every request body is validated
//! against GitHub's REST description (fixtures/publish/github-api-subset.json).

mod publish_mock;

use publish_mock::{GithubApi, Mock, Req, Resp};
use serde_json::json;
use shipgate::ci::{CiEnv, PlatformKind, Token};
use shipgate::config::FailOn;
use shipgate::finding::{Finding, Location, Severity};
use shipgate::gates::{GateId, GateOutcome, GateStatus};
use shipgate::platform::github::{GitHub, ReviewState};
use shipgate::platform::{Api, AuthScheme, ManualClock, RetryPolicy};
use shipgate::publish::view::{CiView, CountsView, ReportView, ToolView, Verdict};
use shipgate::publish::{CommentMode, Context, PublishArgs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use publish_mock::fake_github::{Fake, HEAD, REPO, fake_github};

fn finding(i: usize, severity: Severity) -> Finding {
    Finding::new(
        "secrets",
        "generic-api-key",
        severity,
        format!("Possible API key number {i}"),
        Some(Location::line(format!("src/f{}.rs", i % 7), (i + 1) as u32)),
        &format!("k{i}"),
    )
    .with_message("An API key was added on this line.")
    .with_help("Remove it and rotate the key.")
}

fn view(findings: Vec<Finding>) -> ReportView {
    let fails = findings.iter().any(|f| f.severity == Severity::Error);
    ReportView {
        tool: ToolView {
            version: "0.1.0".into(),
        },
        ci: CiView::default(),
        base: "2".repeat(40),
        head: HEAD.into(),
        gates: vec![GateOutcome {
            gate: GateId::Secrets,
            status: if fails {
                GateStatus::Fail
            } else {
                GateStatus::Pass
            },
            reason: None,
            blocking: true,
            fail_on: FailOn::Error,
            findings,
            metrics: Default::default(),
            notes: vec![],
            suppressed: 0,
            duration_ms: 3,
        }],
        counts: CountsView::default(),
        verdict: if fails { Verdict::Fail } else { Verdict::Pass },
        verdict_reasons: vec![],
    }
}

fn ci(mock: &Mock) -> CiEnv {
    CiEnv {
        platform: PlatformKind::Github,
        event: Some("pull_request".into()),
        head: Some(HEAD.into()),
        change_number: Some(7),
        repository: Some("acme/api".into()),
        api_url: Some(mock.url.clone()),
        server_url: Some("https://github.com".into()),
        token: Token::new("test-token".into()),
        ..CiEnv::default()
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
        overall: Duration::from_secs(180),
        request_timeout: Duration::from_secs(10),
    }
}

/// Publish `view` with the fast clock; returns the log lines.
fn publish(
    mock: &Mock,
    view: &ReportView,
    args: &PublishArgs,
    clock: Arc<ManualClock>,
) -> Vec<String> {
    let ci = ci(mock);
    let env = |_: &str| None;
    let mut ctx = Context::new(&ci, &env);
    ctx.annotate = false;
    ctx.policy = policy();
    ctx.clock = Some(clock);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log = move |l: &str| sink.lock().expect("lock").push(l.to_string());
    shipgate::publish::run(view, &ctx, args, &log);
    lines.lock().expect("lock").clone()
}

fn validate_all(mock: &Mock) -> Vec<String> {
    let api = GithubApi::load();
    mock.requests().iter().map(|r| api.check(r)).collect()
}

#[test]
fn check_run_sends_annotations_in_batches_of_50_and_the_bodies_match_githubs_description() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_github(fake.clone());
    let findings: Vec<Finding> = (0..120)
        .map(|i| {
            finding(
                i,
                if i % 3 == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
            )
        })
        .collect();
    let args = PublishArgs {
        comment: CommentMode::Never,
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(findings),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    let ops = validate_all(&mock);
    assert_eq!(ops, ["checks/create", "checks/update", "checks/update"]);
    let writes = mock.writes();
    let counts: Vec<usize> = writes
        .iter()
        .map(|r| {
            r.json()["output"]["annotations"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(counts, [50, 50, 20]);
    let create = writes[0].json();
    assert_eq!(create["name"], "shipgate");
    assert_eq!(create["head_sha"], HEAD);
    assert_eq!(create["conclusion"], "failure");
    assert_eq!(
        create["output"]["title"],
        "fail: 40 errors, 80 warnings, 0 notices"
    );
    // Errors first.
    assert_eq!(
        create["output"]["annotations"][0]["annotation_level"],
        "failure"
    );
    assert_eq!(
        writes[1].path(),
        format!("{REPO}/check-runs/1001"),
        "updates go to the run just created"
    );
    assert_eq!(writes[0].header("authorization"), Some("Bearer test-token"));
    assert_eq!(writes[0].header("x-github-api-version"), Some("2022-11-28"));
}

#[test]
fn sticky_comment_is_created_then_updated_in_place_and_left_alone_when_unchanged() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    fake.lock()
        .expect("lock")
        .comments
        .push((1, "Looks good to me".into(), "ana".into()));
    let mock = fake_github(fake.clone());
    let args = PublishArgs {
        no_check_run: true,
        ..PublishArgs::default()
    };
    let clock = Arc::new(ManualClock::at_unix(0));

    let log = publish(
        &mock,
        &view(vec![finding(1, Severity::Error)]),
        &args,
        clock.clone(),
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("created pull request comment")),
        "{log:?}"
    );
    let comments = fake.lock().expect("lock").comments.clone();
    assert_eq!(comments.len(), 2);
    assert!(
        comments[1]
            .1
            .starts_with("<!-- shipgate:comment id=shipgate -->")
    );
    assert!(comments[1].1.contains("Possible API key number 1"));
    assert!(
        comments[1].1.contains(&format!(
            "https://github.com/acme/api/blob/{HEAD}/src/f1.rs#L2"
        )),
        "links to the annotated line"
    );

    let log = publish(
        &mock,
        &view(vec![finding(2, Severity::Error)]),
        &args,
        clock.clone(),
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("updated pull request comment")),
        "{log:?}"
    );
    let comments = fake.lock().expect("lock").comments.clone();
    assert_eq!(comments.len(), 2, "never a second comment");
    assert_eq!(
        comments[0].1, "Looks good to me",
        "other comments untouched"
    );
    assert!(comments[1].1.contains("Possible API key number 2"));
    assert!(!comments[1].1.contains("Possible API key number 1"));

    let writes_before = mock.writes().len();
    let log = publish(
        &mock,
        &view(vec![finding(2, Severity::Error)]),
        &args,
        clock,
    );
    assert!(log.iter().any(|l| l.ends_with("is up to date")), "{log:?}");
    assert_eq!(
        mock.writes().len(),
        writes_before,
        "identical rerun: no edit"
    );
    validate_all(&mock);
}

#[test]
fn a_passing_run_without_an_earlier_comment_posts_none_in_auto_mode() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_github(fake.clone());
    let args = PublishArgs {
        no_check_run: true,
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(vec![]),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    assert!(mock.writes().is_empty());
    let args = PublishArgs {
        no_check_run: true,
        comment: CommentMode::Always,
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(vec![]),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    assert_eq!(fake.lock().expect("lock").comments.len(), 1);
    validate_all(&mock);
}

#[test]
fn commit_status_has_a_stable_context_on_the_head_commit() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_github(fake);
    let args = PublishArgs {
        no_check_run: true,
        comment: CommentMode::Never,
        status_context: Some("shipgate".into()),
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(vec![finding(0, Severity::Error)]),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    assert_eq!(validate_all(&mock), ["repos/create-commit-status"]);
    let status = &mock.writes()[0];
    assert_eq!(status.path(), format!("{REPO}/statuses/{HEAD}"));
    let body = status.json();
    assert_eq!(body["context"], "shipgate");
    assert_eq!(body["state"], "failure");
    assert!(body["description"].as_str().unwrap_or("").len() <= 140);
}

#[test]
fn a_fork_token_gets_403_once_the_skip_is_explained_and_nothing_else_is_tried() {
    let fake = Arc::new(Mutex::new(Fake {
        read_only: true,
        ..Fake::default()
    }));
    let mock = fake_github(fake);
    let args = PublishArgs {
        status_context: Some("shipgate".into()),
        comment: CommentMode::Always,
        ..PublishArgs::default()
    };
    let log = publish(
        &mock,
        &view(vec![finding(0, Severity::Error)]),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    assert_eq!(mock.writes().len(), 1, "one refused write, then stop");
    let explained: Vec<_> = log.iter().filter(|l| l.contains("forks")).collect();
    assert_eq!(explained.len(), 1, "{log:?}");
    assert!(explained[0].contains("Resource not accessible by integration"));
    assert!(explained[0].contains("workflow_run"));
    validate_all(&mock);
}

#[test]
fn a_502_is_retried_after_a_backoff_then_succeeds() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    fake.lock().expect("lock").script.push_back((
        "POST".into(),
        format!("{REPO}/check-runs"),
        Resp::json(502, json!({"message": "Server Error"})),
    ));
    let mock = fake_github(fake);
    let clock = Arc::new(ManualClock::at_unix(0));
    let args = PublishArgs {
        comment: CommentMode::Never,
        ..PublishArgs::default()
    };
    let log = publish(
        &mock,
        &view(vec![finding(0, Severity::Warning)]),
        &args,
        clock.clone(),
    );
    assert_eq!(validate_all(&mock), ["checks/create", "checks/create"]);
    assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
    assert!(!log.iter().any(|l| l.contains("could not")), "{log:?}");
}

#[test]
fn rate_limits_wait_for_the_reset_or_retry_after_within_the_time_bound() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    {
        let mut f = fake.lock().expect("lock");
        // Primary limit used up: wait until x-ratelimit-reset.
        f.script.push_back((
            "POST".into(),
            format!("{REPO}/check-runs"),
            Resp::json(403, json!({"message": "API rate limit exceeded"}))
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", "1000030"),
        ));
        // Secondary limit with Retry-After.
        f.script.push_back((
            "POST".into(),
            format!("{REPO}/check-runs"),
            Resp::json(
                429,
                json!({"message": "You have exceeded a secondary rate limit"}),
            )
            .header("retry-after", "7"),
        ));
    }
    let mock = fake_github(fake.clone());
    let clock = Arc::new(ManualClock::at_unix(1_000_000));
    let args = PublishArgs {
        comment: CommentMode::Never,
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(vec![finding(0, Severity::Error)]),
        &args,
        clock.clone(),
    );
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(30), Duration::from_secs(7)]
    );
    assert_eq!(mock.writes().len(), 3);

    // A reset an hour away exceeds the bound: give up at once, say why.
    fake.lock().expect("lock").script.push_back((
        "POST".into(),
        format!("{REPO}/check-runs"),
        Resp::json(403, json!({"message": "API rate limit exceeded"}))
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1003600"),
    ));
    let clock = Arc::new(ManualClock::at_unix(1_000_000));
    let log = publish(
        &mock,
        &view(vec![finding(0, Severity::Error)]),
        &args,
        clock.clone(),
    );
    assert!(clock.sleeps().is_empty());
    assert!(
        log.iter()
            .any(|l| l.contains("could not publish the check run") && l.contains("gave up")),
        "{log:?}"
    );
    validate_all(&mock);
}

#[test]
fn five_failures_in_a_row_give_up_after_the_attempt_limit() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    for _ in 0..5 {
        fake.lock().expect("lock").script.push_back((
            "POST".into(),
            format!("{REPO}/check-runs"),
            Resp::json(503, json!({"message": "unavailable"})),
        ));
    }
    let mock = fake_github(fake);
    let clock = Arc::new(ManualClock::at_unix(0));
    let args = PublishArgs {
        comment: CommentMode::Never,
        ..PublishArgs::default()
    };
    let log = publish(
        &mock,
        &view(vec![finding(0, Severity::Error)]),
        &args,
        clock.clone(),
    );
    assert_eq!(mock.writes().len(), 4);
    assert_eq!(
        clock.sleeps(),
        [
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
    assert!(log.iter().any(|l| l.contains("HTTP 503")), "{log:?}");
    validate_all(&mock);
}

fn client(mock: &Mock) -> GitHub {
    let token = Token::new("t".into()).expect("token");
    let api = Api::with(
        &mock.url,
        Some((AuthScheme::Bearer, &token)),
        policy(),
        Arc::new(ManualClock::at_unix(0)),
    );
    GitHub::new(api, "acme/api").expect("client")
}

#[test]
fn pull_request_reviews_give_the_review_that_counts_per_user_with_its_commit() {
    let mock = fake_github(Arc::new(Mutex::new(Fake::default())));
    let reviews = client(&mock).pull_request_reviews(7).expect("reviews");
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0].login, "ana");
    assert_eq!(reviews[0].state, ReviewState::Approved);
    assert_eq!(reviews[0].commit_id.as_deref(), Some("aaa"));
    assert_eq!(reviews[1].state, ReviewState::ChangesRequested);
    validate_all(&mock);
}

#[test]
fn team_membership_is_some_for_members_and_none_for_others() {
    let mock = fake_github(Arc::new(Mutex::new(Fake::default())));
    let c = client(&mock);
    let ana = c.team_membership("acme", "dba", "ana").expect("lookup");
    assert!(ana.is_some_and(|m| m.is_active()));
    assert_eq!(
        c.team_membership("acme", "dba", "zed").expect("lookup"),
        None
    );
    validate_all(&mock);
}

#[test]
fn listings_follow_link_headers_but_never_to_another_host() {
    let paged = Mock::start(|req: &Req| {
        if req.target.contains("page=2") {
            Resp::json(200, json!([{"id": 2, "body": "b"}]))
        } else {
            let host = req.header("host").unwrap_or("").to_string();
            let next = format!(
                r#"<http://{host}{REPO}/issues/7/comments?per_page=100&page=2>; rel="next""#
            );
            Resp::json(200, json!([{"id": 1, "body": "a"}])).header("link", &next)
        }
    });
    assert_eq!(client(&paged).issue_comments(7).expect("list").len(), 2);

    let elsewhere = format!(
        r#"<{}{REPO}/issues/7/comments?page=2>; rel="next""#,
        paged.url
    );
    let foreign = Mock::start(move |_: &Req| {
        Resp::json(200, json!([{"id": 1, "body": "a"}])).header("link", &elsewhere)
    });
    let before = paged.requests().len();
    let err = client(&foreign)
        .issue_comments(7)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("refusing to follow a link"), "{err}");
    assert_eq!(
        paged.requests().len(),
        before,
        "the token never left for another host"
    );
}

#[test]
#[should_panic(expected = "does not match GitHub's REST description")]
fn the_body_validator_rejects_a_misspelt_field() {
    let req = Req {
        method: "POST".into(),
        target: format!("{REPO}/statuses/{HEAD}"),
        headers: vec![],
        body: json!({"state": "success", "contxt": "shipgate"}).to_string(),
    };
    GithubApi::load().check(&req);
}

#[test]
fn two_jobs_creating_the_comment_at_once_end_with_one_comment_holding_both_sections() {
    // Another stage's job (coverage) created its comment while we were about to.
    let mut coverage_only = view(vec![]);
    coverage_only.gates[0].gate = GateId::Coverage;
    coverage_only.gates[0].status = GateStatus::Pass;
    let other = shipgate::publish::comment::compose(
        None,
        &coverage_only,
        &shipgate::publish::markdown::Links::none(),
        "shipgate",
        65_536,
    );
    let fake = Arc::new(Mutex::new(Fake {
        race_on_create: Some(other),
        ..Fake::default()
    }));
    let mock = fake_github(fake.clone());
    let args = PublishArgs {
        no_check_run: true,
        ..PublishArgs::default()
    };
    publish(
        &mock,
        &view(vec![finding(1, Severity::Error)]),
        &args,
        Arc::new(ManualClock::at_unix(0)),
    );
    let comments = fake.lock().expect("lock").comments.clone();
    assert_eq!(comments.len(), 1, "the duplicate was folded and deleted");
    assert!(comments[0].1.contains("name=coverage state=pass"));
    assert!(comments[0].1.contains("name=secrets state=fail"));
    assert!(comments[0].1.contains("❌ shipgate: fail"));
    let ops = validate_all(&mock);
    assert!(
        ops.contains(&"issues/delete-comment".to_string()),
        "{ops:?}"
    );
}

#[test]
fn a_redirect_is_not_followed_and_not_retried() {
    let elsewhere = Mock::start(|_: &Req| Resp::json(200, json!([])));
    let target = format!("{}/steal", elsewhere.url);
    let mock = Mock::start(move |_: &Req| {
        Resp::json(301, json!({"message": "Moved Permanently"})).header("location", &target)
    });
    let err = client(&mock).issue_comments(7).err();
    assert_eq!(err.and_then(|e| e.status()), Some(301));
    assert_eq!(mock.requests().len(), 1);
    assert!(
        elsewhere.requests().is_empty(),
        "the token did not follow the redirect"
    );
}
