//! Payments and commerce: Stripe secret and restricted keys, Shopify tokens.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "stripe-secret-key",
        name: "Stripe live secret or restricted key",
        doc: secret_doc!(
            "Finds Stripe live-mode secret keys (`sk_live_`) and restricted keys (`rk_live_`) with 24 or more alphanumerics. Publishable keys (`pk_`) are public and ignored.",
            "A live secret key moves real money: charges, refunds, payouts, and reads every customer record.",
            "Stripe.api_key = \"sk_live_<99 characters>\"",
            "Stripe.api_key = ENV.fetch(\"STRIPE_SECRET_KEY\")"
        ),
        severity: Severity::Error,
        keywords: &["sk_live_", "rk_live_"],
        matcher: Matcher::Regex(r"\b([sr]k_live_[0-9A-Za-z]{24,247})\b"),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Roll the key in the Stripe dashboard (Developers > API keys).",
    },
    SecretRule {
        id: "stripe-test-secret-key",
        name: "Stripe test-mode secret key",
        doc: secret_doc!(
            "Finds Stripe test-mode secret and restricted keys (`sk_test_`, `rk_test_`).",
            "Test keys move no money, but they read and write the account's test data and webhooks; they are a warning.",
            "STRIPE_KEY=sk_test_<99 characters>",
            "STRIPE_KEY from the CI's secret store, even in tests"
        ),
        severity: Severity::Warning,
        keywords: &["sk_test_", "rk_test_"],
        matcher: Matcher::Regex(r"\b([sr]k_test_[0-9A-Za-z]{24,247})\b"),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Roll the test key in the Stripe dashboard.",
    },
    SecretRule {
        id: "shopify-token",
        name: "Shopify access token or shared secret",
        doc: secret_doc!(
            "Finds Shopify Admin API access tokens (`shpat_`), custom app tokens (`shpca_`), private app passwords (`shppa_`) and shared secrets (`shpss_`), each with 32 hex characters.",
            "An Admin API token reads and changes the shop: orders, customers, products.",
            "SHOPIFY_TOKEN=shpat_<32 hex>",
            "SHOPIFY_TOKEN from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["shpat_", "shpca_", "shppa_", "shpss_"],
        matcher: Matcher::Regex(r"\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: "Uninstall/reinstall the app or rotate the token in the Shopify admin.",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, HEX, Rng};

    #[test]
    fn stripe_and_shopify() {
        let mut rng = Rng::new(11);
        let live = format!("sk_live_{}", rng.string(ALNUM, 99));
        assert_finds("stripe-secret-key", &format!("key = \"{live}\""), &live);
        let test = format!("sk_test_{}", rng.string(ALNUM, 24));
        assert_finds(
            "stripe-test-secret-key",
            &format!("key = \"{test}\""),
            &test,
        );
        assert_ignores(
            "stripe-secret-key",
            &format!("key = \"pk_live_{}\"", rng.string(ALNUM, 24)),
        );
        assert_ignores(
            "stripe-secret-key",
            &format!("key = \"sk_live_{}\"", rng.string(ALNUM, 20)),
        );
        assert_ignores(
            "stripe-secret-key",
            "key = sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        );
        let s = format!("shpat_{}", rng.string(HEX, 32));
        assert_finds("shopify-token", &format!("t={s}"), &s);
        assert_ignores("shopify-token", &format!("t=shpat_{}", rng.string(HEX, 31)));
    }
}
