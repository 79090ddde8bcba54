//! Developer SaaS: Atlassian (Jira/Confluence) API tokens and Confluent
//! Cloud (Kafka) API secrets.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "atlassian-api-token",
        name: "Atlassian API token",
        doc: secret_doc!(
            "Finds Atlassian API tokens: the current `ATATT3` format (about 190 characters), and legacy 24-character tokens assigned to a `jira`/`confluence`/`atlassian` name.",
            "An API token acts as its user in Jira, Confluence and Bitbucket Cloud: read every issue and page they can.",
            "JIRA_TOKEN=ATATT3<about 186 characters>",
            "JIRA_TOKEN from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["atatt3", "jira", "confluence", "atlassian"],
        matcher: Matcher::Regex(
            r#"\b(ATATT3[A-Za-z0-9_=-]{150,250})(?:[^A-Za-z0-9_=-]|$)|(?i:jira|confluence|atlassian)[\w.-]{0,20}(?i:token|key|secret|password)[\w.-]{0,5}["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9]{24})\b"#,
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Revoke the token in the Atlassian account's Security > API tokens page.",
    },
    SecretRule {
        id: "confluent-api-secret",
        name: "Confluent Cloud API secret",
        doc: secret_doc!(
            "Finds Confluent Cloud API secrets (64 base64 characters) assigned to a name containing `confluent` and `secret` or `key`.",
            "With its key, the secret reads and writes every topic the service account may: your event stream.",
            "confluent.api.secret=<64 characters>",
            "confluent.api.secret=${CONFLUENT_API_SECRET}"
        ),
        severity: Severity::Error,
        keywords: &["confluent"],
        matcher: Matcher::Regex(
            r#"(?i:confluent)[\w.-]{0,20}(?i:secret|key)[\w.-]{0,5}["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9+/]{64})(?:[^A-Za-z0-9+/=]|$)"#,
        ),
        min_entropy: 4.0,
        verify: None,
        generic: false,
        revoke: "Delete the API key in Confluent Cloud (or `confluent api-key delete`) and create a new one.",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, B64, B64URL, Rng};

    #[test]
    fn atlassian_and_confluent() {
        let mut rng = Rng::new(16);
        let a = format!("ATATT3{}", rng.string(B64URL, 186));
        assert_finds("atlassian-api-token", &format!("JIRA={a}\n"), &a);
        assert_ignores(
            "atlassian-api-token",
            &format!("JIRA=ATATT3{}\n", rng.string(B64URL, 40)),
        );
        let legacy = rng.string(ALNUM, 24);
        assert_finds(
            "atlassian-api-token",
            &format!("jira_api_token: {legacy}"),
            &legacy,
        );
        assert_ignores("atlassian-api-token", &format!("build_id: {legacy}"));
        let c = rng.string(B64, 64);
        assert_finds(
            "confluent-api-secret",
            &format!("confluent_secret = \"{c}\""),
            &c,
        );
        assert_ignores("confluent-api-secret", &format!("kafka_thing = \"{c}\""));
    }
}
