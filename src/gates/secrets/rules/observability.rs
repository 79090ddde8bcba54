//! Observability and incident tools: Datadog, New Relic, PagerDuty.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "datadog-api-key",
        name: "Datadog API or application key",
        doc: secret_doc!(
            "Finds Datadog API keys (32 hex) and application keys (40 hex) assigned to a name containing `datadog`, or `dd` directly followed by `api`/`app` (`DD_API_KEY`, `datadog_app_key`, `dd-application-key`). The keys have no prefix, so a name is required.",
            "An API key submits metrics and logs to your account; an application key reads everything in it.",
            "DD_API_KEY=<32 hex>",
            "DD_API_KEY from the agent's secret backend"
        ),
        severity: Severity::Error,
        keywords: &[
            "datadog", "dd_api", "dd_app", "dd-api", "dd-app", "dd.api", "dd.app", "ddapi", "ddapp",
        ],
        matcher: Matcher::Regex(
            r#"(?i:datadog|\bdd)[\w.-]{0,20}(?i:api|app|application)[\w.-]{0,10}(?i:key)[\w.-]{0,5}["']?\s*(?::=|=>|=|:)\s*["']?([a-f0-9]{40}|[a-f0-9]{32})\b"#,
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Revoke the key in Datadog (Organization settings > API/Application keys).",
    },
    SecretRule {
        id: "newrelic-key",
        name: "New Relic key",
        doc: secret_doc!(
            "Finds New Relic user API keys (`NRAK-` + 27), browser keys (`NRJS-` + 19 hex), Insights insert keys (`NRII-`) and ingest license keys (40 characters ending in `NRAL`).",
            "A user key queries and changes your account through NerdGraph; a license key sends data to it.",
            "NEW_RELIC_API_KEY=NRAK-<27 characters>",
            "NEW_RELIC_API_KEY from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["nrak-", "nrjs-", "nrii-", "nral"],
        matcher: Matcher::Regex(
            r"\b(NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9_-]{32}|[a-f0-9]{36}NRAL)\b",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Delete the key in New Relic (API keys page) and create a new one.",
    },
    SecretRule {
        id: "pagerduty-api-key",
        name: "PagerDuty API key",
        doc: secret_doc!(
            "Finds PagerDuty REST API keys (20 characters) in `Authorization: Token token=...` headers or assigned to a `pagerduty...key/token` name.",
            "A PagerDuty key reads incidents and on-call data and can resolve or create incidents.",
            "pagerduty_token: \"<20 characters>\"",
            "pagerduty_token: ${PAGERDUTY_TOKEN}"
        ),
        severity: Severity::Error,
        keywords: &["pagerduty", "pager_duty", "pager-duty", "token token="],
        matcher: Matcher::Regex(
            r#"(?:(?i:pager[_.-]?duty)[\w.-]{0,20}(?i:key|token)[\w.-]{0,5}["']?\s*(?::=|=>|=|:)\s*["']?|Token token=)([A-Za-z0-9_+-]{20})(?:[^A-Za-z0-9_+-]|$)"#,
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Delete the key in PagerDuty (Integrations > API Access Keys, or the user's settings).",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, B64URL, HEX, Rng, UPPER_DIGITS};

    #[test]
    fn datadog_newrelic_pagerduty() {
        let mut rng = Rng::new(15);
        let k = rng.string(HEX, 32);
        assert_finds("datadog-api-key", &format!("DD_API_KEY={k}"), &k);
        let a = rng.string(HEX, 40);
        assert_finds("datadog-api-key", &format!("datadog_app_key: \"{a}\""), &a);
        assert_ignores("datadog-api-key", &format!("ADD_KEY={k}"));
        assert_ignores("datadog-api-key", &format!("md5={k}"));
        let n = format!("NRAK-{}", rng.string(UPPER_DIGITS, 27));
        assert_finds("newrelic-key", &format!("key={n}"), &n);
        assert_ignores(
            "newrelic-key",
            &format!("key=NRAK-{}", rng.string(UPPER_DIGITS, 20)),
        );
        let p = rng.string(B64URL, 20);
        assert_finds(
            "pagerduty-api-key",
            &format!("pagerduty_token: \"{p}\""),
            &p,
        );
        let h = rng.string(ALNUM, 20);
        assert_finds(
            "pagerduty-api-key",
            &format!("Authorization: Token token={h}"),
            &h,
        );
        assert_ignores("pagerduty-api-key", &format!("slack_token: \"{p}\""));
    }
}
