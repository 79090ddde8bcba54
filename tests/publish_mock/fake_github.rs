//! A fake of the GitHub REST API endpoints shipgate uses, keeping comments in
//! memory, for tests that publish to pull request 7 of `acme/api`.

use super::{Mock, Req, Resp};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub const HEAD: &str = "1111111111111111111111111111111111111111";
pub const REPO: &str = "/repos/acme/api";

/// GitHub's state as the fake keeps it.
#[derive(Default)]
pub struct Fake {
    pub comments: Vec<(u64, String, String)>,
    pub next_id: u64,
    /// Answers to give first, by (method, path prefix), consumed in order.
    pub script: VecDeque<(String, String, Resp)>,
    /// Every write answers 403 like a fork PR's token.
    pub read_only: bool,
    /// Another job's comment that appears just before ours is created.
    pub race_on_create: Option<String>,
}

pub fn comment_json(c: &(u64, String, String)) -> serde_json::Value {
    json!({"id": c.0, "body": c.1, "user": {"login": c.2, "type": "Bot"},
           "html_url": format!("https://github.com/acme/api/pull/7#issuecomment-{}", c.0)})
}

pub fn fake_github(fake: Arc<Mutex<Fake>>) -> Mock {
    Mock::start(move |req: &Req| {
        let mut f = fake.lock().expect("lock");
        let path = req.path().to_string();
        let scripted = f
            .script
            .iter()
            .position(|(m, p, _)| *m == req.method && path.starts_with(p.as_str()));
        if let Some((_, _, resp)) = scripted.and_then(|i| f.script.remove(i)) {
            return resp;
        }
        if f.read_only && req.is_write() {
            return Resp::json(
                403,
                json!({"message": "Resource not accessible by integration"}),
            );
        }
        f.next_id += 1;
        let id = f.next_id + 1000;
        match (req.method.as_str(), path.as_str()) {
            ("POST", p) if p == format!("{REPO}/check-runs") => {
                Resp::json(201, json!({"id": id, "html_url": "https://github.com/x"}))
            }
            ("PATCH", p) if p.starts_with(&format!("{REPO}/check-runs/")) => {
                Resp::json(200, json!({"id": 1}))
            }
            ("POST", p) if p.starts_with(&format!("{REPO}/statuses/")) => {
                Resp::json(201, json!({"id": id}))
            }
            ("GET", p) if p == format!("{REPO}/issues/7/comments") => {
                let list: Vec<_> = f.comments.iter().map(comment_json).collect();
                Resp::json(200, json!(list))
            }
            ("POST", p) if p == format!("{REPO}/issues/7/comments") => {
                if let Some(other) = f.race_on_create.take() {
                    f.comments
                        .push((id - 500, other, "github-actions[bot]".into()));
                }
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                f.comments.push((id, body, "github-actions[bot]".into()));
                Resp::json(201, comment_json(f.comments.last().expect("pushed")))
            }
            ("PATCH", p) if p.starts_with(&format!("{REPO}/issues/comments/")) => {
                let cid: u64 = p
                    .rsplit('/')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                match f.comments.iter_mut().find(|c| c.0 == cid) {
                    Some(c) => {
                        c.1 = body;
                        let c = c.clone();
                        Resp::json(200, comment_json(&c))
                    }
                    None => Resp::json(404, json!({"message": "Not Found"})),
                }
            }
            ("DELETE", p) if p.starts_with(&format!("{REPO}/issues/comments/")) => {
                let cid: u64 = p
                    .rsplit('/')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                f.comments.retain(|c| c.0 != cid);
                Resp {
                    status: 204,
                    headers: vec![],
                    body: String::new(),
                }
            }
            ("GET", p) if p == format!("{REPO}/pulls/7/reviews") => Resp::json(
                200,
                json!([
                    {"id": 1, "user": {"login": "ana"}, "state": "APPROVED", "commit_id": "aaa"},
                    {"id": 2, "user": {"login": "bo"}, "state": "CHANGES_REQUESTED", "commit_id": "aaa"},
                    {"id": 3, "user": {"login": "ana"}, "state": "COMMENTED", "commit_id": HEAD}
                ]),
            ),
            ("GET", "/orgs/acme/teams/dba/memberships/ana") => {
                Resp::json(200, json!({"state": "active", "role": "member"}))
            }
            ("GET", p) if p.starts_with("/orgs/acme/teams/dba/memberships/") => {
                Resp::json(404, json!({"message": "Not Found"}))
            }
            _ => Resp::json(
                404,
                json!({"message": format!("mock: no route {}", req.target)}),
            ),
        }
    })
}
