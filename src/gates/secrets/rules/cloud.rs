//! Cloud platforms: Google Cloud (API keys, service-account key files, OAuth
//! client secrets), Azure (storage account keys, SAS signatures, Entra ID
//! client secrets), DigitalOcean and Heroku.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Candidate, Matcher, SecretRule};
use crate::secret_doc;

/// The storage emulator's well-known development key (published in Azure's
/// docs for Azurite/devstoreaccount1): not a secret.
const EMULATOR_KEY_START: &[u8] = b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq";

fn not_emulator_key(c: &Candidate<'_>) -> bool {
    !c.secret.starts_with(EMULATOR_KEY_START)
}

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "gcp-api-key",
        name: "Google Cloud API key",
        doc: secret_doc!(
            "Finds Google API keys: `AIza` followed by 35 characters of `[0-9A-Za-z_-]`.",
            "An unrestricted API key bills its project for every API it can call (Maps, Gemini, ...).",
            "const key = \"AIza<35 characters>\";",
            "const key = process.env.GOOGLE_API_KEY; // and restrict the key by API and referrer"
        ),
        severity: Severity::Error,
        keywords: &["aiza"],
        matcher: Matcher::Regex(r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)"),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Delete or regenerate the key in the Google Cloud console (APIs & Services > Credentials).",
    },
    SecretRule {
        id: "gcp-service-account-key",
        name: "Google Cloud service-account key file",
        doc: secret_doc!(
            "Finds service-account key JSON by its `\"private_key_id\": \"<40 hex>\"` member (the key itself is also reported by `private-key`).",
            "A key file signs in as the service account, with all its roles, until the key is deleted.",
            "{ \"type\": \"service_account\", \"private_key_id\": \"<40 hex>\", \"private_key\": \"-----BEGIN PRIVATE KEY-----...\" }",
            "Use workload identity federation, or mount the key from a secret store at run time."
        ),
        severity: Severity::Error,
        keywords: &["private_key_id"],
        matcher: Matcher::Regex(r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Delete the key under IAM > Service accounts > Keys and create a new one if still needed.",
    },
    SecretRule {
        id: "google-oauth-client-secret",
        name: "Google OAuth client secret",
        doc: secret_doc!(
            "Finds Google OAuth 2.0 client secrets: `GOCSPX-` followed by 28 characters.",
            "With the client id, the secret lets anyone act as your OAuth application (phishing consent screens that look like yours).",
            "client_secret: GOCSPX-<28 characters>",
            "client_secret: ${GOOGLE_CLIENT_SECRET}"
        ),
        severity: Severity::Error,
        keywords: &["gocspx-"],
        matcher: Matcher::Regex(r"\b(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Reset the client secret in the Google Cloud console (APIs & Services > Credentials).",
    },
    SecretRule {
        id: "azure-storage-account-key",
        name: "Azure storage account key",
        doc: secret_doc!(
            "Finds Azure storage account keys in connection strings: `AccountKey=` followed by 86 base64 characters and `==`.",
            "An account key has full control of every blob, queue, table and file share in the account.",
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<88 characters>;",
            "Use a managed identity, or a SAS with a short expiry kept outside the repository."
        ),
        severity: Severity::Error,
        keywords: &["accountkey"],
        matcher: Matcher::Regex(r"(?i:AccountKey)\s*=\s*([A-Za-z0-9+/]{86}==)"),
        min_entropy: 4.0,
        verify: Some(not_emulator_key),
        generic: false,
        revoke: "Rotate the key in the storage account's Access keys page (and update what used it).",
    },
    SecretRule {
        id: "azure-sas-token",
        name: "Azure shared access signature",
        doc: secret_doc!(
            "Finds Azure SAS URLs and query strings: SAS parameters (`sv=`, `se=`, `sp=`, ...) followed by a `sig=` signature. The signature is the secret.",
            "A SAS grants what its parameters say (often read/write on a container) until it expires; expiries of years are common.",
            "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=rw&se=2030-01-01&sig=<signature>",
            "Issue short-lived SAS at run time (user delegation SAS), never commit one."
        ),
        severity: Severity::Error,
        keywords: &["sig="],
        matcher: Matcher::Regex(
            r#"(?i)[?&;](?:sv|se|sp|sr|spr|st|ss|srt|skoid|sktid)=[^\s"'<>]{0,400}?[?&;]sig=([A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})"#,
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Revoke the SAS: rotate the account key it was signed with, or delete its stored access policy.",
    },
    SecretRule {
        id: "azure-client-secret",
        name: "Azure Entra ID (AAD) client secret",
        doc: secret_doc!(
            "Finds Microsoft Entra ID application client secrets in their current format: three characters, a digit, `Q~`, then 31-34 characters of `[A-Za-z0-9_~.-]`.",
            "With the tenant and client id, the secret signs in as the application with all its API permissions.",
            "AZURE_CLIENT_SECRET=<3 characters><digit>Q~<34 characters>",
            "Use a managed identity or workload identity federation; keep secrets in Key Vault."
        ),
        severity: Severity::Error,
        keywords: &["q~"],
        matcher: Matcher::Regex(
            r"(?:^|[^A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:[^A-Za-z0-9_~.-]|$)",
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Delete the secret under the app registration's Certificates & secrets and add a new one.",
    },
    SecretRule {
        id: "digitalocean-token",
        name: "DigitalOcean token",
        doc: secret_doc!(
            "Finds DigitalOcean personal access (`dop_v1_`), OAuth (`doo_v1_`) and refresh (`dor_v1_`) tokens: the prefix and 64 hex characters.",
            "A personal access token controls droplets, databases and DNS of its team.",
            "do_token = \"dop_v1_<64 hex>\"",
            "do_token = var.do_token  # from TF_VAR_do_token"
        ),
        severity: Severity::Error,
        keywords: &["dop_v1_", "doo_v1_", "dor_v1_"],
        matcher: Matcher::Regex(r"\b(do[por]_v1_[a-f0-9]{64})\b"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Delete the token in the DigitalOcean control panel (API > Tokens).",
    },
    SecretRule {
        id: "heroku-api-key",
        name: "Heroku API key",
        doc: secret_doc!(
            "Finds Heroku API keys: the current `HRKU-AA` + 58 characters format, and legacy UUID keys assigned to a `heroku...` name.",
            "A Heroku API key acts as its user on every app they can reach: config vars (with more secrets), deploys, add-ons.",
            "HEROKU_API_KEY=HRKU-AA<58 characters>",
            "HEROKU_API_KEY from the CI's secret store"
        ),
        severity: Severity::Error,
        keywords: &["hrku-", "heroku"],
        matcher: Matcher::Regex(
            r#"\b(HRKU-AA[0-9A-Za-z_-]{58})(?:[^0-9A-Za-z_-]|$)|(?i:heroku)[\w.-]{0,20}(?i:key|token|secret)[\w.-]{0,10}["']?\s*(?::=|=>|=|:)\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b"#,
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Regenerate the API key in Heroku account settings, or revoke the authorization (`heroku authorizations:revoke`).",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{self, ALNUM, B64, B64URL, HEX, Rng};

    #[test]
    fn google() {
        let mut rng = Rng::new(6);
        let key = format!("AIza{}", rng.string(B64URL, 35));
        assert_finds("gcp-api-key", &format!("key: \"{key}\""), &key);
        assert_ignores(
            "gcp-api-key",
            &format!("key: \"AIza{}\"", rng.string(B64URL, 30)),
        );
        assert_ignores(
            "gcp-api-key",
            "key: AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        );
        let id = rng.string(HEX, 40);
        assert_finds(
            "gcp-service-account-key",
            &format!("\"private_key_id\": \"{id}\","),
            &id,
        );
        assert_ignores(
            "gcp-service-account-key",
            "\"private_key_id\": \"<key id>\",",
        );
        let s = format!("GOCSPX-{}", rng.string(B64URL, 28));
        assert_finds("google-oauth-client-secret", &format!("secret={s}\n"), &s);
        assert_ignores(
            "google-oauth-client-secret",
            "secret=GOCSPX-your-client-secret",
        );
    }

    #[test]
    fn azure() {
        let mut rng = Rng::new(7);
        let key = format!("{}==", rng.string(B64, 86));
        assert_finds(
            "azure-storage-account-key",
            &format!("AccountName=a;AccountKey={key};"),
            &key,
        );
        assert_ignores(
            "azure-storage-account-key",
            "AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;",
        );
        let sig = format!("{}%3D", rng.string(ALNUM, 43));
        assert_finds(
            "azure-sas-token",
            &format!("https://a.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig={sig}"),
            &sig,
        );
        // A `sig=` without SAS parameters before it.
        assert_ignores(
            "azure-sas-token",
            &format!("https://example.org/?sig={sig}"),
        );
        let secret = format!("abc8Q~{}", rng.string(ALNUM, 34));
        assert_finds(
            "azure-client-secret",
            &format!("secret: {secret}\n"),
            &secret,
        );
        assert_ignores(
            "azure-client-secret",
            &format!("secret: abc8Q~{}\n", rng.string(ALNUM, 20)),
        );
    }

    #[test]
    fn digitalocean_and_heroku() {
        let mut rng = Rng::new(8);
        let t = format!("dop_v1_{}", rng.string(HEX, 64));
        assert_finds("digitalocean-token", &format!("t = \"{t}\""), &t);
        assert_ignores(
            "digitalocean-token",
            &format!("t = \"dop_v1_{}\"", rng.string(HEX, 63)),
        );
        let h = format!("HRKU-AA{}", rng.string(B64URL, 58));
        assert_finds("heroku-api-key", &format!("HEROKU_API_KEY={h}"), &h);
        let uuid = "2f9a3c41-7d0e-4b8a-9c55-1e6f0a7b3d29";
        assert_finds("heroku-api-key", &format!("heroku_api_key: {uuid}"), uuid);
        // A UUID without a Heroku name is just an id.
        assert_ignores("heroku-api-key", &format!("request_id: {uuid}"));
        let _ = synth::ALNUM;
    }
}
