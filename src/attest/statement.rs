//! The in-toto Statement v1 that a signed report is: subjects, predicate type, predicate.
//!
//! Owns: turning a [`Report`] into a Statement (the head commit and every input
//! file as subjects, the report as predicate) and reading one back. Not for:
//! signing (see `envelope`, `pae`) or judging a statement (see `verify`).

use crate::ci::CiEnv;
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// DSSE payload type of an in-toto Statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// shipgate's predicate type: the predicate is a shipgate report, `schema_version` 1.
pub const PREDICATE_TYPE: &str = "https://shipgate.dev/report/v1";

/// An in-toto Statement v1 (unknown fields are ignored when reading).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// An in-toto ResourceDescriptor, reduced to what subjects use: name and digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default)]
    pub name: String,
    /// Algorithm -> lowercase hex digest (`gitCommit`, `sha256`).
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// The Statement for `report`: the head commit first, then each file the
    /// gates read as `SOURCE:PATH` (`head:api/openapi.yaml`, `base:...`,
    /// `workdir:coverage/lcov.info`) with its SHA-256.
    pub fn for_report(report: &Report) -> Statement {
        let mut subject = vec![Subject {
            name: commit_subject_name(&report.ci),
            digest: BTreeMap::from([("gitCommit".to_string(), report.head.clone())]),
        }];
        for input in &report.inputs {
            subject.push(Subject {
                name: format!("{}:{}", input.source, input.path),
                digest: BTreeMap::from([("sha256".to_string(), input.sha256.clone())]),
            });
        }
        Statement {
            statement_type: STATEMENT_TYPE.to_string(),
            subject,
            predicate_type: PREDICATE_TYPE.to_string(),
            predicate: serde_json::to_value(report).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The payload bytes (compact JSON).
    pub fn to_payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The commits the subjects name (`gitCommit` digests), lowercased.
    pub fn commits(&self) -> Vec<String> {
        self.subject
            .iter()
            .filter_map(|s| s.digest.get("gitCommit"))
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    /// A string field of the predicate (the report), e.g. `verdict`, `head`.
    pub fn predicate_str(&self, field: &str) -> Option<&str> {
        self.predicate.get(field).and_then(|v| v.as_str())
    }
}

/// `git+SERVER/REPOSITORY` when CI says which repository this is, else `git+commit`.
fn commit_subject_name(ci: &CiEnv) -> String {
    match (&ci.server_url, &ci.repository) {
        (Some(server), Some(repo)) => format!("git+{}/{}", server.trim_end_matches('/'), repo),
        _ => "git+commit".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::PlatformKind;

    #[test]
    fn subject_name_says_the_repository_when_ci_knows_it() {
        let mut ci = CiEnv::default();
        assert_eq!(commit_subject_name(&ci), "git+commit");
        ci.platform = PlatformKind::Github;
        ci.server_url = Some("https://github.com/".into());
        ci.repository = Some("acme/api".into());
        assert_eq!(commit_subject_name(&ci), "git+https://github.com/acme/api");
    }

    #[test]
    fn statement_reads_back_with_unknown_fields() {
        let json = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"gitCommit":"ABC"},"uri":"u"}],"predicateType":"p","predicate":{"verdict":"pass"},"extra":1}"#;
        let st: Statement = serde_json::from_slice(json).unwrap();
        assert_eq!(st.commits(), vec!["abc".to_string()]);
        assert_eq!(st.predicate_str("verdict"), Some("pass"));
    }
}
