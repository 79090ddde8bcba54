//! One JSON-over-HTTPS API session: base URL, authorization, retries, time bound.
//!
//! Owns: sending a request, retrying what is worth retrying (5xx, 429,
//! secondary rate limits, dropped connections) with backoff that honours
//! `Retry-After` and `x-ratelimit-reset`, an overall time bound for the whole
//! session, pagination through `Link` headers, and one log line per failed
//! call. Not for: knowing any endpoint (see `github` and `gitlab`).
//!
//! The clock is injected ([`Clock`]) so tests can run the backoff without
//! waiting, and assert on the delays.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Time as the retry logic sees it.
pub trait Clock: Send + Sync {
    /// Time elapsed since the session started.
    fn elapsed(&self) -> Duration;
    /// Seconds since the Unix epoch (for `x-ratelimit-reset`).
    fn unix_now(&self) -> u64;
    fn sleep(&self, d: Duration);
}

/// The real clock.
pub struct SystemClock {
    started: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            started: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
    fn unix_now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A clock that only moves when slept on; records every sleep. For tests.
#[derive(Default)]
pub struct ManualClock {
    state: Mutex<(Duration, Vec<Duration>)>,
    /// What `unix_now` reports at elapsed zero.
    pub epoch: u64,
}

impl ManualClock {
    pub fn at_unix(epoch: u64) -> ManualClock {
        ManualClock {
            state: Mutex::new((Duration::ZERO, Vec::new())),
            epoch,
        }
    }
    /// Every delay slept so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().map(|s| s.1.clone()).unwrap_or_default()
    }
}

impl Clock for ManualClock {
    fn elapsed(&self) -> Duration {
        self.state.lock().map(|s| s.0).unwrap_or_default()
    }
    fn unix_now(&self) -> u64 {
        self.epoch + self.elapsed().as_secs()
    }
    fn sleep(&self, d: Duration) {
        if let Ok(mut s) = self.state.lock() {
            s.0 += d;
            s.1.push(d);
        }
    }
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// First backoff delay; doubled on each retry.
    pub base_delay: Duration,
    /// No single wait is longer than this (a longer `Retry-After` gives up).
    pub max_delay: Duration,
    /// Time bound for the whole session (all calls and waits).
    pub overall: Duration,
    /// Time bound for one request.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            overall: Duration::from_secs(180),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// How the token goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer TOKEN` (GitHub, GitLab OAuth/PAT).
    Bearer,
    /// `PRIVATE-TOKEN: TOKEN` (GitLab personal/project/group access tokens).
    GitlabPrivateToken,
    /// `JOB-TOKEN: TOKEN` (GitLab's CI_JOB_TOKEN).
    GitlabJobToken,
    /// `Authorization: Basic base64(TOKEN)`, the token being `user:password`
    /// (Confluent Schema Registry API keys).
    Basic,
}

/// Why a call did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status (after retries, if retryable).
    #[error("{method} {path}: HTTP {status}: {message}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        message: String,
    },
    /// No usable answer: connection refused or reset, TLS, timeout, bad JSON.
    #[error("{method} {path}: {message}")]
    Transport {
        method: &'static str,
        path: String,
        message: String,
    },
    /// The session's time bound ran out.
    #[error("{method} {path}: gave up: {message}")]
    OutOfTime {
        method: &'static str,
        path: String,
        message: String,
    },
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// 401/403/404 on a write: the token may not do this (fork PR, read-only
    /// token, missing scope or permission).
    pub fn is_permission(&self) -> bool {
        matches!(self.status(), Some(401 | 403 | 404))
    }
}

/// An answer with a success status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The `rel="next"` page, when the server paginates.
    pub next: Option<String>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
    ) -> Result<T, ApiError> {
        serde_json::from_str(&self.body).map_err(|e| ApiError::Transport {
            method,
            path: path.to_string(),
            message: format!("unexpected response body ({e})"),
        })
    }
}

/// One API: base URL, token, retry policy, clock and log.
pub struct Api {
    agent: ureq::Agent,
    base: String,
    auth: Option<(AuthScheme, String)>,
    policy: RetryPolicy,
    clock: Arc<dyn Clock>,
    log: Arc<dyn Fn(&str) + Send + Sync>,
    headers: Vec<(&'static str, &'static str)>,
}

/// Most pages followed for one listing.
const MAX_PAGES: usize = 50;

impl Api {
    /// `base` is the API root (e.g. `https://api.github.com`, `…/api/v4`).
    pub fn new(base: &str, auth: Option<(AuthScheme, &crate::ci::Token)>) -> Api {
        Api::with(
            base,
            auth,
            RetryPolicy::default(),
            Arc::new(SystemClock::new()),
        )
    }

    pub fn with(
        base: &str,
        auth: Option<(AuthScheme, &crate::ci::Token)>,
        policy: RetryPolicy,
        clock: Arc<dyn Clock>,
    ) -> Api {
        Api {
            agent: agent(&policy, None),
            base: base.trim_end_matches('/').to_string(),
            auth: auth.map(|(scheme, token)| (scheme, token.expose().to_string())),
            policy,
            clock,
            log: Arc::new(|line| eprintln!("{line}")),
            headers: Vec::new(),
        }
    }

    /// Trust exactly the CA certificates in this PEM bundle instead of the
    /// built-in Mozilla roots (GitHub Enterprise Server or self-managed GitLab
    /// behind an internal CA: point `SSL_CERT_FILE` at the system bundle).
    pub fn with_ca_bundle(mut self, pem: &[u8]) -> Result<Api, String> {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => return Err(format!("not a PEM certificate bundle ({e})")),
            }
        }
        if certs.is_empty() {
            return Err("no certificate in the PEM bundle".into());
        }
        self.agent = agent(&self.policy, Some(certs));
        Ok(self)
    }

    /// Send this header on every request (e.g. an API version).
    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Api {
        self.headers.push((name, value));
        self
    }

    /// Where log lines go (default: stderr).
    pub fn set_log(&mut self, log: Arc<dyn Fn(&str) + Send + Sync>) {
        self.log = log;
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> Result<Reply, ApiError> {
        self.call("GET", path, None)
    }

    pub fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.call("DELETE", path, None).map(|_| ())
    }

    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.get(path)?.json("GET", path)
    }

    /// GET every page of a JSON array listing (following `Link: rel="next"`).
    pub fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        for _ in 0..MAX_PAGES {
            let Some(page) = next.take() else { break };
            let reply = self.get(&page)?;
            let mut batch: Vec<T> = reply.json("GET", &page)?;
            items.append(&mut batch);
            next = reply.next;
        }
        Ok(items)
    }

    /// Send `body` as JSON with `method` (`POST`, `PATCH`, `PUT`).
    pub fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let text = serde_json::to_string(body).map_err(|e| ApiError::Transport {
            method,
            path: path.to_string(),
            message: format!("cannot encode the request ({e})"),
        })?;
        self.call(method, path, Some(text))?.json(method, path)
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// What to show of `path` in messages: relative to the base URL.
    fn shown(&self, path: &str) -> String {
        path.strip_prefix(&self.base).unwrap_or(path).to_string()
    }

    fn request(&self, method: &str, url: &str, body: Option<&str>) -> Result<Raw, String> {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", "application/json");
        for (name, value) in &self.headers {
            builder = builder.header(*name, *value);
        }
        match &self.auth {
            Some((AuthScheme::Bearer, token)) => {
                builder = builder.header("Authorization", format!("Bearer {token}"));
            }
            Some((AuthScheme::GitlabPrivateToken, token)) => {
                builder = builder.header("PRIVATE-TOKEN", token.as_str());
            }
            Some((AuthScheme::GitlabJobToken, token)) => {
                builder = builder.header("JOB-TOKEN", token.as_str());
            }
            Some((AuthScheme::Basic, token)) => {
                use base64::Engine as _;
                let encoded = base64::engine::general_purpose::STANDARD.encode(token.as_bytes());
                builder = builder.header("Authorization", format!("Basic {encoded}"));
            }
            None => {}
        }
        let result = match body {
            Some(text) => {
                let req = builder
                    .header("Content-Type", "application/json")
                    .body(text.to_string())
                    .map_err(|e| e.to_string())?;
                self.agent.run(req)
            }
            None => {
                let req = builder.body(()).map_err(|e| e.to_string())?;
                self.agent.run(req)
            }
        };
        let mut resp = result.map_err(|e| e.to_string())?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let raw_headers = RawHeaders {
            retry_after: header("retry-after"),
            ratelimit_remaining: header("x-ratelimit-remaining"),
            ratelimit_reset: header("x-ratelimit-reset"),
            link: header("link"),
        };
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(32 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok(Raw {
            status,
            headers: raw_headers,
            body: text,
        })
    }

    /// One call with retries, inside the session's time bound.
    pub fn call(
        &self,
        method: &'static str,
        path: &str,
        body: Option<String>,
    ) -> Result<Reply, ApiError> {
        let url = self.url(path);
        let shown = self.shown(path);
        if !url.starts_with(&self.base) {
            // Never send the token anywhere but the configured API.
            return Err(ApiError::Transport {
                method,
                path: shown,
                message: format!("refusing to follow a link outside {}", self.base),
            });
        }
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if self.clock.elapsed() >= self.policy.overall {
                return Err(ApiError::OutOfTime {
                    method,
                    path: shown,
                    message: format!(
                        "the time bound for API calls ({}s) ran out",
                        self.policy.overall.as_secs()
                    ),
                });
            }
            let (retry_in, failure) = match self.request(method, &url, body.as_deref()) {
                Ok(raw) if (200..300).contains(&raw.status) => {
                    let next = raw.headers.link.as_deref().and_then(next_link);
                    return Ok(Reply {
                        status: raw.status,
                        body: raw.body,
                        next,
                    });
                }
                Ok(raw) => {
                    let message = error_message(&raw.body);
                    let err = ApiError::Status {
                        method,
                        path: shown.clone(),
                        status: raw.status,
                        message,
                    };
                    match self.retry_delay(&raw, attempt) {
                        Some(delay) => (delay, err),
                        None => {
                            (self.log)(&format!("shipgate: publish: {err}"));
                            return Err(err);
                        }
                    }
                }
                Err(message) => (
                    self.backoff(attempt),
                    ApiError::Transport {
                        method,
                        path: shown.clone(),
                        message,
                    },
                ),
            };
            if attempt >= self.policy.max_attempts {
                (self.log)(&format!(
                    "shipgate: publish: {failure} (attempt {attempt} of {}, giving up)",
                    self.policy.max_attempts
                ));
                return Err(failure);
            }
            let left = self.policy.overall.saturating_sub(self.clock.elapsed());
            if retry_in > self.policy.max_delay || retry_in > left {
                let err = ApiError::OutOfTime {
                    method,
                    path: shown,
                    message: format!(
                        "{failure}; the server asks to wait {}s, more than the time left for API calls",
                        retry_in.as_secs()
                    ),
                };
                (self.log)(&format!("shipgate: publish: {err}"));
                return Err(err);
            }
            (self.log)(&format!(
                "shipgate: publish: {failure} (attempt {attempt} of {}), retrying in {}s",
                self.policy.max_attempts,
                retry_in.as_secs_f32()
            ));
            self.clock.sleep(retry_in);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.policy
            .base_delay
            .saturating_mul(factor)
            .min(self.policy.max_delay)
    }

    /// `Some(delay)` when the answer is worth retrying.
    fn retry_delay(&self, raw: &Raw, attempt: u32) -> Option<Duration> {
        let h = &raw.headers;
        let retry_after = h
            .retry_after
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reset = h
            .ratelimit_reset
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|at| Duration::from_secs(at.saturating_sub(self.clock.unix_now()).max(1)));
        let exhausted = h.ratelimit_remaining.as_deref().map(str::trim) == Some("0");
        let secondary = raw.body.to_ascii_lowercase().contains("rate limit");
        let rate_limited = raw.status == 429
            || (raw.status == 403 && (retry_after.is_some() || exhausted || secondary));
        if rate_limited {
            // GitHub: Retry-After first; then the reset time when the quota is
            // used up; else wait (secondary limits without headers: a minute).
            return Some(
                retry_after
                    .or(if exhausted { reset } else { None })
                    .unwrap_or_else(|| {
                        if raw.status == 403 {
                            Duration::from_secs(60)
                        } else {
                            self.backoff(attempt)
                        }
                    }),
            );
        }
        if matches!(raw.status, 500 | 502 | 503 | 504) {
            return Some(retry_after.unwrap_or_else(|| self.backoff(attempt)));
        }
        None
    }
}

fn agent(policy: &RetryPolicy, roots: Option<Vec<ureq::tls::Certificate<'static>>>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // No redirects: a custom token header (PRIVATE-TOKEN) must never
        // follow one to another host; the APIs answer in place.
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(policy.request_timeout))
        .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")));
    if let Some(certs) = roots {
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build(),
        );
    }
    config.build().into()
}

struct RawHeaders {
    retry_after: Option<String>,
    ratelimit_remaining: Option<String>,
    ratelimit_reset: Option<String>,
    link: Option<String>,
}

struct Raw {
    status: u16,
    headers: RawHeaders,
    body: String,
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// The server's own words, shortened: GitHub and GitLab both answer
/// `{"message": …}`; anything else is cut to a line.
fn error_message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("error"))
                .map(|m| match m {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
        });
    let text = from_json.unwrap_or_else(|| body.trim().to_string());
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        "(no message)".to_string()
    } else if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Percent-encode one path segment (GitLab project paths, branch names).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_finds_rel_next_among_others() {
        let link = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="prev""#), None);
    }

    #[test]
    fn error_message_prefers_the_json_message_and_is_short() {
        assert_eq!(
            error_message(
                r#"{"message":"Resource not accessible by integration","documentation_url":"x"}"#
            ),
            "Resource not accessible by integration"
        );
        assert_eq!(error_message("<html>\nBad gateway"), "<html>");
        assert_eq!(error_message(""), "(no message)");
        assert_eq!(error_message(&"x".repeat(500)).chars().count(), 201);
    }

    #[test]
    fn a_ca_bundle_without_certificates_is_refused_with_a_reason() {
        let api = || Api::new("https://127.0.0.1:9", None);
        assert!(api().with_ca_bundle(b"").is_err());
        assert!(api().with_ca_bundle(b"not pem at all").is_err());
        let err = api()
            .with_ca_bundle(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .err()
            .unwrap_or_default();
        assert!(err.contains("PEM"), "{err}");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("group/sub project"), "group%2Fsub%20project");
    }
}
