//! GitLab publishing against a local mock of the v4 API: sticky MR note,
//! commit status, the job-token-only case, retries and approvals.

mod publish_mock;

use publish_mock::{Mock, Req, Resp};
use serde_json::json;
use shipgate::ci::{CiEnv, PlatformKind, Token};
use shipgate::config::FailOn;
use shipgate::finding::{Finding, Location, Severity};
use shipgate::gates::{GateId, GateOutcome, GateStatus};
use shipgate::platform::gitlab::GitLab;
use shipgate::platform::{Api, AuthScheme, ManualClock, RetryPolicy};
use shipgate::publish::view::{CiView, CountsView, ReportView, ToolView, Verdict};
use shipgate::publish::{CommentMode, Context, PublishArgs};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HEAD: &str = "3333333333333333333333333333333333333333";
const MR: &str = "/api/v4/projects/99/merge_requests/5";

#[derive(Default)]
struct Fake {
    notes: Vec<(u64, String, bool)>,
    next_id: u64,
    fail_next_status_with: Option<u16>,
}

fn note_json(n: &(u64, String, bool)) -> serde_json::Value {
    json!({"id": n.0, "body": n.1, "system": n.2, "author": {"username": "project_99_bot"}})
}

fn fake_gitlab(fake: Arc<Mutex<Fake>>) -> Mock {
    Mock::start(move |req: &Req| {
        let mut f = fake.lock().expect("lock");
        f.next_id += 1;
        let id = f.next_id + 500;
        let path = req.path().to_string();
        if req.header("private-token") != Some("glpat-test") {
            return Resp::json(401, json!({"message": "401 Unauthorized"}));
        }
        match (req.method.as_str(), path.as_str()) {
            ("GET", p) if p == format!("{MR}/notes") => {
                let list: Vec<_> = f.notes.iter().map(note_json).collect();
                Resp::json(200, json!(list))
            }
            ("POST", p) if p == format!("{MR}/notes") => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                f.notes.push((id, body, false));
                Resp::json(201, note_json(f.notes.last().expect("pushed")))
            }
            ("PUT", p) if p.starts_with(&format!("{MR}/notes/")) => {
                let nid: u64 = p
                    .rsplit('/')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                match f.notes.iter_mut().find(|n| n.0 == nid) {
                    Some(n) => {
                        n.1 = body;
                        let n = n.clone();
                        Resp::json(200, note_json(&n))
                    }
                    None => Resp::json(404, json!({"message": "404 Not found"})),
                }
            }
            ("POST", p) if p.starts_with("/api/v4/projects/99/statuses/") => {
                if let Some(code) = f.fail_next_status_with.take() {
                    return Resp::json(code, json!({"message": "try again"}));
                }
                Resp::json(201, json!({"id": id, "status": req.json()["state"]}))
            }
            ("GET", p) if p == format!("{MR}/approvals") => Resp::json(
                200,
                json!({"approved": false, "approvals_required": 2, "approvals_left": 1,
                       "approved_by": [{"user": {"id": 4, "username": "dba-lead", "name": "D"}}]}),
            ),
            ("GET", p) if p == format!("{MR}/approval_state") => Resp::json(
                200,
                json!({"approval_rules_overwritten": false, "rules": [
                    {"id": 1, "name": "DBA", "rule_type": "regular", "approved": true,
                     "approvals_required": 1, "users": [],
                     "groups": [{"id": 12, "name": "dba", "full_path": "acme/dba"}],
                     "eligible_approvers": [{"id": 4, "username": "dba-lead"}],
                     "approved_by": [{"id": 4, "username": "dba-lead"}]},
                    {"id": 2, "name": "*.sql", "rule_type": "code_owner", "section": "Database",
                     "approved": false, "approvals_required": 2, "approved_by": []}
                ]}),
            ),
            ("GET", "/api/v4/groups/acme%2Fdba/members/all/4") => {
                Resp::json(200, json!({"id": 4, "username": "dba-lead"}))
            }
            _ => Resp::json(404, json!({"message": "404 Not found"})),
        }
    })
}

fn view(findings: Vec<Finding>) -> ReportView {
    let fails = findings.iter().any(|f| f.severity == Severity::Error);
    ReportView {
        tool: ToolView {
            version: "0.1.0".into(),
        },
        ci: CiView::default(),
        base: "4".repeat(40),
        head: HEAD.into(),
        gates: vec![GateOutcome {
            gate: GateId::Migrations,
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

fn drop_table(title: &str) -> Finding {
    Finding::new(
        "migrations",
        "drop-table",
        Severity::Error,
        title,
        Some(Location::line("db/V2__drop.sql", 1)),
        title,
    )
}

fn ci(mock: &Mock) -> CiEnv {
    CiEnv {
        platform: PlatformKind::Gitlab,
        head: Some(HEAD.into()),
        change_number: Some(5),
        repository: Some("group/api".into()),
        project_id: Some("99".into()),
        api_url: Some(format!("{}/api/v4", mock.url)),
        server_url: Some("https://gitlab.example".into()),
        ..CiEnv::default()
    }
}

fn publish(
    mock: &Mock,
    view: &ReportView,
    args: &PublishArgs,
    vars: &[(&str, &str)],
    clock: Arc<ManualClock>,
) -> Vec<String> {
    let ci = ci(mock);
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = move |k: &str| vars.get(k).cloned();
    let mut ctx = Context::new(&ci, &env);
    ctx.policy = RetryPolicy {
        base_delay: Duration::from_secs(1),
        ..RetryPolicy::default()
    };
    ctx.clock = Some(clock);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log = move |l: &str| sink.lock().expect("lock").push(l.to_string());
    let dir = tempfile::tempdir().expect("tmp");
    let args = PublishArgs {
        code_quality: Some(dir.path().join("gl-code-quality-report.json")),
        ..args.clone()
    };
    shipgate::publish::run(view, &ctx, &args, &log);
    lines.lock().expect("lock").clone()
}

const TOKEN: (&str, &str) = ("GITLAB_TOKEN", "glpat-test");

#[test]
fn sticky_note_is_created_then_updated_in_place_and_not_edited_when_unchanged() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    fake.lock()
        .expect("lock")
        .notes
        .push((1, "added 1 commit".into(), true));
    let mock = fake_gitlab(fake.clone());
    let args = PublishArgs::default();
    let clock = Arc::new(ManualClock::at_unix(0));
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE users")]),
        &args,
        &[TOKEN],
        clock.clone(),
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("created merge request note")),
        "{log:?}"
    );
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE orders")]),
        &args,
        &[TOKEN],
        clock.clone(),
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("updated merge request note")),
        "{log:?}"
    );
    let notes = fake.lock().expect("lock").notes.clone();
    assert_eq!(notes.len(), 2, "one system note and one sticky note");
    assert!(notes[1].1.contains("DROP TABLE orders"));
    assert!(notes[1].1.contains(&format!(
        "https://gitlab.example/group/api/-/blob/{HEAD}/db/V2__drop.sql#L1"
    )));
    let writes = mock.writes().len();
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE orders")]),
        &args,
        &[TOKEN],
        clock,
    );
    assert!(log.iter().any(|l| l.ends_with("is up to date")), "{log:?}");
    assert_eq!(mock.writes().len(), writes);
}

#[test]
fn commit_status_uses_a_stable_name_and_is_retried_on_502() {
    let fake = Arc::new(Mutex::new(Fake {
        fail_next_status_with: Some(502),
        ..Fake::default()
    }));
    let mock = fake_gitlab(fake);
    let args = PublishArgs {
        comment: CommentMode::Never,
        status_context: Some("shipgate".into()),
        ..PublishArgs::default()
    };
    let clock = Arc::new(ManualClock::at_unix(0));
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE users")]),
        &args,
        &[
            TOKEN,
            ("CI_PIPELINE_ID", "77"),
            ("CI_JOB_URL", "https://gitlab.example/j/1"),
        ],
        clock.clone(),
    );
    let writes = mock.writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(
        writes[1].path(),
        format!("/api/v4/projects/99/statuses/{HEAD}")
    );
    let body = writes[1].json();
    assert_eq!(body["name"], "shipgate");
    assert_eq!(body["state"], "failed");
    assert_eq!(body["pipeline_id"], 77);
    assert_eq!(body["target_url"], "https://gitlab.example/j/1");
    assert_eq!(clock.sleeps(), [Duration::from_secs(1)]);
    assert!(
        log.iter()
            .any(|l| l.contains("set commit status `shipgate` to fail"))
    );
}

#[test]
fn with_only_the_job_token_notes_and_statuses_are_skipped_with_a_clear_message() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_gitlab(fake);
    let args = PublishArgs {
        status_context: Some("shipgate".into()),
        ..PublishArgs::default()
    };
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE users")]),
        &args,
        &[("CI_JOB_TOKEN", "job-secret")],
        Arc::new(ManualClock::at_unix(0)),
    );
    assert!(mock.requests().is_empty(), "no API call with the job token");
    let msg = log
        .iter()
        .find(|l| l.contains("CI_JOB_TOKEN"))
        .cloned()
        .unwrap_or_default();
    assert!(
        msg.contains("GITLAB_TOKEN") && msg.contains("`api`"),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("job-secret")));
}

#[test]
fn a_token_without_rights_is_explained_once() {
    let fake = Arc::new(Mutex::new(Fake::default()));
    let mock = fake_gitlab(fake);
    let args = PublishArgs {
        status_context: Some("shipgate".into()),
        ..PublishArgs::default()
    };
    let log = publish(
        &mock,
        &view(vec![drop_table("DROP TABLE users")]),
        &args,
        &[("GITLAB_TOKEN", "glpat-wrong")],
        Arc::new(ManualClock::at_unix(0)),
    );
    assert_eq!(mock.requests().len(), 1, "stop after the refused write");
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("access token with `api` scope"))
            .count(),
        1,
        "{log:?}"
    );
}

#[test]
fn merge_request_approvals_list_who_approved() {
    let mock = fake_gitlab(Arc::new(Mutex::new(Fake::default())));
    let token = Token::new("glpat-test".into()).expect("token");
    let api = Api::with(
        &format!("{}/api/v4", mock.url),
        Some((AuthScheme::GitlabPrivateToken, &token)),
        RetryPolicy::default(),
        Arc::new(ManualClock::at_unix(0)),
    );
    let approvals = GitLab::new(api, "99")
        .merge_request_approvals(5)
        .expect("approvals");
    assert_eq!(approvals.approvers(), ["dba-lead"]);
    assert_eq!(approvals.approvals_left, 1);
    assert!(!approvals.approved);
}

#[test]
fn approval_state_lists_each_rule_and_group_membership_is_a_yes_or_no() {
    let mock = fake_gitlab(Arc::new(Mutex::new(Fake::default())));
    let token = Token::new("glpat-test".into()).expect("token");
    let api = Api::with(
        &format!("{}/api/v4", mock.url),
        Some((AuthScheme::GitlabPrivateToken, &token)),
        RetryPolicy::default(),
        Arc::new(ManualClock::at_unix(0)),
    );
    let gitlab = GitLab::new(api, "99");
    let state = gitlab.merge_request_approval_state(5).expect("state");
    assert_eq!(state.rules.len(), 2);
    assert_eq!(state.rules[0].groups[0].full_path, "acme/dba");
    assert_eq!(state.rules[0].approved_by[0].username, "dba-lead");
    assert_eq!(state.rules[1].rule_type, "code_owner");
    assert_eq!(state.rules[1].section.as_deref(), Some("Database"));
    assert!(!state.rules[1].approved);
    assert!(gitlab.group_member("@acme/dba", 4).expect("member"));
    assert!(!gitlab.group_member("acme/dba", 9).expect("not a member"));
}
