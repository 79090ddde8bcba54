//! A small HTTP/1.1 mock server on 127.0.0.1 for the publisher tests, and a
//! validator of GitHub request bodies against GitHub's REST description
//! (fixtures/publish/github-api-subset.json).
#![allow(dead_code)]

pub mod fake_github;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(status: u16, body: serde_json::Value) -> Resp {
        Resp {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Resp {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Req) -> Resp + Send + Sync;

/// The server: every request is recorded, then answered by the handler.
pub struct Mock {
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
}

impl Mock {
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread_log = log.clone();
        // The thread ends with the test process; it only ever serves loopback.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = thread_log.clone();
                let handler = handler.clone();
                std::thread::spawn(move || serve(stream, &log, &*handler));
            }
        });
        Mock { url, log }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().expect("lock").clone()
    }

    pub fn writes(&self) -> Vec<Req> {
        self.requests().into_iter().filter(Req::is_write).collect()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let req = Req {
            method,
            target,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        log.lock().expect("lock").push(req.clone());
        let resp = handler(&req);
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            resp.status,
            resp.body.len()
        );
        for (k, v) in &resp.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&resp.body);
        if stream.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

/// GitHub's REST description of the operations shipgate calls.
pub struct GithubApi {
    ops: Vec<(String, Vec<String>, Option<jsonschema::Validator>, String)>,
}

impl GithubApi {
    pub fn load() -> GithubApi {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/publish/github-api-subset.json"
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        let ops = doc["operations"]
            .as_array()
            .expect("operations")
            .iter()
            .map(|op| {
                let segments = op["path"]
                    .as_str()
                    .expect("path")
                    .split('/')
                    .map(String::from)
                    .collect();
                let validator = (!op["requestBody"].is_null())
                    .then(|| jsonschema::validator_for(&op["requestBody"]).expect("schema"));
                (
                    op["method"].as_str().expect("method").to_string(),
                    segments,
                    validator,
                    op["operationId"].as_str().expect("id").to_string(),
                )
            })
            .collect();
        GithubApi { ops }
    }

    /// The operation id `req` matches; panics (fails the test) when the
    /// request is not one of GitHub's operations or its body is invalid.
    pub fn check(&self, req: &Req) -> String {
        let segments: Vec<&str> = req.path().split('/').collect();
        let op = self.ops.iter().find(|(method, template, _, _)| {
            *method == req.method
                && template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        });
        let Some((_, _, validator, id)) = op else {
            panic!(
                "{} {} is not an operation in GitHub's REST description",
                req.method, req.target
            );
        };
        if let Some(v) = validator {
            let body: serde_json::Value = serde_json::from_str(&req.body)
                .unwrap_or_else(|e| panic!("{id}: body is not JSON ({e}): {}", req.body));
            let errors: Vec<String> = v
                .iter_errors(&body)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{id}: request body does not match GitHub's REST description: {errors:#?}\n{body:#}"
            );
        } else {
            assert!(req.body.is_empty(), "{id} takes no body");
        }
        id.clone()
    }
}
