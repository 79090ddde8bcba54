//! Optional check of changed schemas against a live Confluent-compatible
//! Schema Registry: `POST /compatibility/subjects/{subject}/versions/latest?verbose=true`.
//!
//! The subject is given per path in config, or derived with Confluent's
//! TopicNameStrategy from the file name (`orders.avsc` -> `orders-value`).
//! Credentials come from the environment: `SHIPGATE_REGISTRY_USER_INFO`
//! (`key:secret`, sent as Basic auth) or `SHIPGATE_REGISTRY_TOKEN` (Bearer).
//! HTTP, retries and time bounds are the platform layer's (`platform::http`).
//! Not for: the offline checks (see `compat`, `mode`).

use crate::ci::Token;
use crate::glob;
use crate::platform::{Api, ApiError, AuthScheme, RetryPolicy, SystemClock};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// `gates.avro.registry` in .shipgate.yml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// Base URL of the registry (unset: no registry check).
    pub url: Option<String>,
    /// Subjects by path glob: `[{paths: [GLOB...], subject: NAME}]`; the last match wins.
    /// Other files use TopicNameStrategy on the file name: `<stem>-value`.
    pub subjects: Vec<SubjectMapping>,
    /// Seconds the whole registry session may take (default 60).
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectMapping {
    pub paths: Vec<String>,
    pub subject: String,
}

impl RegistryConfig {
    /// The subject of schema file `path`.
    pub fn subject_for(&self, path: &str) -> String {
        if let Some(m) = self
            .subjects
            .iter()
            .rev()
            .find(|m| m.paths.iter().any(|g| glob::matches(g, path)))
        {
            return m.subject.clone();
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        format!("{stem}-value")
    }
}

/// What the registry said about one schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Compatible,
    Incompatible(Vec<String>),
    /// The subject (or its latest version) does not exist: nothing to compare with.
    NoSubject,
}

#[derive(Deserialize)]
struct Answer {
    is_compatible: bool,
    #[serde(default)]
    messages: Vec<String>,
}

/// A registry session.
pub struct Registry {
    api: Api,
}

impl Registry {
    /// Connect settings from config and the environment.
    pub fn from_config(cfg: &RegistryConfig) -> Option<Registry> {
        let url = cfg.url.as_deref().filter(|u| !u.trim().is_empty())?;
        let env = |k: &str| std::env::var(k).ok().and_then(Token::new);
        let user_info = env("SHIPGATE_REGISTRY_USER_INFO");
        let bearer = env("SHIPGATE_REGISTRY_TOKEN");
        let auth = match (&user_info, &bearer) {
            (Some(t), _) => Some((AuthScheme::Basic, t)),
            (None, Some(t)) => Some((AuthScheme::Bearer, t)),
            (None, None) => None,
        };
        let overall = Duration::from_secs(cfg.timeout_seconds.unwrap_or(60).max(1));
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            overall,
            request_timeout: overall.min(Duration::from_secs(20)),
        };
        let mut api = Api::with(url, auth, policy, Arc::new(SystemClock::new()));
        // Failures become findings; no stray log lines.
        api.set_log(Arc::new(|_| {}));
        Some(Registry { api })
    }

    /// Ask whether `schema` (the file's text) is compatible with the subject's latest version
    /// under the subject's configured level.
    pub fn check(&self, subject: &str, schema: &str) -> Result<Verdict, ApiError> {
        let path = format!(
            "/compatibility/subjects/{}/versions/latest?verbose=true",
            crate::platform::http::encode_segment(subject)
        );
        let body = serde_json::json!({ "schema": schema, "schemaType": "AVRO" });
        match self.api.send::<_, Answer>("POST", &path, &body) {
            Ok(a) if a.is_compatible => Ok(Verdict::Compatible),
            Ok(a) => Ok(Verdict::Incompatible(a.messages)),
            Err(e) if e.status() == Some(404) => Ok(Verdict::NoSubject),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_topic_name_strategy_unless_mapped() {
        let cfg = RegistryConfig {
            subjects: vec![SubjectMapping {
                paths: vec!["schemas/payments/*.avsc".into()],
                subject: "payments.v1-value".into(),
            }],
            ..RegistryConfig::default()
        };
        assert_eq!(cfg.subject_for("schemas/orders.avsc"), "orders-value");
        assert_eq!(
            cfg.subject_for("schemas/payments/p.avsc"),
            "payments.v1-value"
        );
        assert!(Registry::from_config(&RegistryConfig::default()).is_none());
    }
}
