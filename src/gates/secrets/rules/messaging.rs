//! Messaging and e-mail providers: Slack (bot, user, app tokens, incoming
//! webhooks), Twilio (API keys, auth tokens), SendGrid and Mailgun.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

const SLACK_REVOKE: &str = "Revoke the token or webhook in the Slack app's settings (api.slack.com/apps) and reinstall to get a new one.";

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "slack-bot-token",
        name: "Slack bot token",
        doc: secret_doc!(
            "Finds Slack bot tokens: `xoxb-`, two numeric ids and 24 or more alphanumerics.",
            "A bot token posts and reads in every channel the bot is in, and lists the workspace's users.",
            "SLACK_BOT_TOKEN=xoxb-<team id>-<bot id>-<24 characters>",
            "SLACK_BOT_TOKEN from the deployment's secret store"
        ),
        severity: Severity::Error,
        keywords: &["xoxb-"],
        matcher: Matcher::Regex(r"\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{20,34})\b"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: SLACK_REVOKE,
    },
    SecretRule {
        id: "slack-user-token",
        name: "Slack user, app-level or legacy token",
        doc: secret_doc!(
            "Finds Slack user tokens (`xoxp-`/`xoxe-` with three numeric ids and 28-34 hex), app-level tokens (`xapp-`) and legacy workspace tokens (`xoxa-`, `xoxr-`, `xoxs-`, `xoxo-`).",
            "A user token acts as that person: it reads their DMs and private channels.",
            "token = \"xoxp-<id>-<id>-<id>-<32 hex>\"",
            "token = os.environ[\"SLACK_USER_TOKEN\"]"
        ),
        severity: Severity::Error,
        keywords: &[
            "xoxp-", "xoxe-", "xapp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-",
        ],
        matcher: Matcher::Regex(
            r"\b(xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{28,34}|xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64}|xox[aros]-[0-9]{1,13}-[0-9A-Za-z-]{20,200})\b",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: SLACK_REVOKE,
    },
    SecretRule {
        id: "slack-webhook-url",
        name: "Slack incoming webhook URL",
        doc: secret_doc!(
            "Finds Slack incoming webhook and workflow URLs (`https://hooks.slack.com/services/T.../B.../<24 characters>`). The whole URL is the secret.",
            "Anyone with the URL can post messages (phishing links included) into the channel.",
            "webhook: https://hooks.slack.com/services/T<id>/B<id>/<24 characters>",
            "webhook: ${SLACK_WEBHOOK_URL}"
        ),
        severity: Severity::Error,
        keywords: &["hooks.slack.com"],
        matcher: Matcher::Regex(
            r"(https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{23,24})\b",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: SLACK_REVOKE,
    },
    SecretRule {
        id: "twilio-api-key",
        name: "Twilio API key",
        doc: secret_doc!(
            "Finds Twilio API key SIDs used as credentials: `SK` followed by 32 lower-case hex characters.",
            "With its secret, an API key sends SMS and places calls billed to your account.",
            "TWILIO_API_KEY=SK<32 hex>",
            "TWILIO_API_KEY from the secret store"
        ),
        severity: Severity::Error,
        // No keyword: `sk` is in every other word; the regex's own literal
        // prefilter on `SK` is faster than gating on it.
        keywords: &[],
        matcher: Matcher::Regex(r"\b(SK[0-9a-f]{32})\b"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Delete the API key in the Twilio console and create a new one.",
    },
    SecretRule {
        id: "twilio-auth-token",
        name: "Twilio auth token",
        doc: secret_doc!(
            "Finds Twilio auth tokens (32 hex characters) assigned to a name containing `twilio` and `auth` or `token`.",
            "The auth token is the account's master credential: it sends messages and reads call logs.",
            "TWILIO_AUTH_TOKEN=<32 hex>",
            "TWILIO_AUTH_TOKEN from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["twilio"],
        matcher: Matcher::Regex(
            r#"(?i:twilio)[\w.-]{0,20}(?i:auth|token)[\w.-]{0,10}["']?\s*(?::=|=>|=|:)\s*["']?([a-f0-9]{32})\b"#,
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Rotate the auth token in the Twilio console (promote the secondary token).",
    },
    SecretRule {
        id: "sendgrid-api-key",
        name: "SendGrid API key",
        doc: secret_doc!(
            "Finds SendGrid API keys: `SG.`, 22 characters, `.`, 43 characters.",
            "A SendGrid key sends e-mail as your domain: phishing that passes SPF and DKIM.",
            "SENDGRID_API_KEY='SG.<22>.<43>'",
            "SENDGRID_API_KEY from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["sg."],
        matcher: Matcher::Regex(
            r"\b(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Delete the key in SendGrid (Settings > API Keys).",
    },
    SecretRule {
        id: "mailgun-api-key",
        name: "Mailgun API key",
        doc: secret_doc!(
            "Finds Mailgun API keys: the legacy `key-` + 32 hex format anywhere, and the current `<32 hex>-<8 hex>-<8 hex>` format assigned to a `mailgun...` name.",
            "A Mailgun key sends e-mail from your domains and reads the logs of what was sent.",
            "mailgun_key = \"key-<32 hex>\"",
            "mailgun_key = os.environ[\"MAILGUN_API_KEY\"]"
        ),
        severity: Severity::Error,
        keywords: &["key-", "mailgun"],
        matcher: Matcher::Regex(
            r#"\b(key-[0-9a-f]{32})\b|(?i:mailgun)[\w.-]{0,20}["']?\s*(?::=|=>|=|:)\s*["']?([0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\b"#,
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Rotate the key in the Mailgun control panel (API Security).",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, B64URL, HEX, Rng, UPPER_DIGITS};

    #[test]
    fn slack() {
        let mut rng = Rng::new(9);
        let t = format!(
            "xoxb-{}-{}-{}",
            rng.string(b"0123456789", 12),
            rng.string(b"0123456789", 13),
            rng.string(ALNUM, 24)
        );
        assert_finds("slack-bot-token", &format!("SLACK={t}"), &t);
        assert_ignores("slack-bot-token", "SLACK=xoxb-your-bot-token");
        assert_ignores(
            "slack-bot-token",
            &format!("SLACK=xoxb-123-456-{}", rng.string(ALNUM, 24)),
        );
        let u = format!(
            "xoxp-{}-{}-{}-{}",
            rng.string(b"0123456789", 11),
            rng.string(b"0123456789", 11),
            rng.string(b"0123456789", 12),
            rng.string(HEX, 32)
        );
        assert_finds("slack-user-token", &format!("t: {u}"), &u);
        let w = format!(
            "https://hooks.slack.com/services/T{}/B{}/{}",
            rng.string(UPPER_DIGITS, 10),
            rng.string(UPPER_DIGITS, 10),
            rng.string(ALNUM, 24)
        );
        assert_finds("slack-webhook-url", &format!("url = \"{w}\""), &w);
        assert_ignores(
            "slack-webhook-url",
            "url = https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        );
    }

    #[test]
    fn twilio_sendgrid_mailgun() {
        let mut rng = Rng::new(10);
        let k = format!("SK{}", rng.string(HEX, 32));
        assert_finds("twilio-api-key", &format!("key={k}"), &k);
        assert_ignores("twilio-api-key", &format!("key=SK{}", rng.string(HEX, 31)));
        assert_ignores("twilio-api-key", &format!("key=XSK{}", rng.string(HEX, 32)));
        let a = rng.string(HEX, 32);
        assert_finds("twilio-auth-token", &format!("TWILIO_AUTH_TOKEN={a}"), &a);
        assert_ignores("twilio-auth-token", &format!("COMMIT_SHA={a}"));
        let s = format!("SG.{}.{}", rng.string(B64URL, 22), rng.string(B64URL, 43));
        assert_finds("sendgrid-api-key", &format!("k='{s}'"), &s);
        assert_ignores(
            "sendgrid-api-key",
            &format!(
                "k='SG.{}.{}'",
                rng.string(B64URL, 22),
                rng.string(B64URL, 40)
            ),
        );
        let m = format!("key-{}", rng.string(HEX, 32));
        assert_finds("mailgun-api-key", &format!("api_key: {m}"), &m);
        assert_ignores(
            "mailgun-api-key",
            &format!("api_key: key-{}", rng.string(HEX, 30)),
        );
        let m2 = format!(
            "{}-{}-{}",
            rng.string(HEX, 32),
            rng.string(HEX, 8),
            rng.string(HEX, 8)
        );
        assert_finds("mailgun-api-key", &format!("MAILGUN_KEY={m2}"), &m2);
        assert_ignores("mailgun-api-key", &format!("TRACE={m2}"));
    }
}
