//! The built-in rule catalogue, one provider family per file.
//!
//! Every rule carries the provider's real token format (prefix, length,
//! alphabet), a checksum or structure check where the format has one, the
//! keywords the engine prefilters on, and tests with a synthetic positive and
//! near-miss negatives. Not for: running rules (see `engine`).

mod ai;
mod aws;
mod cloud;
mod commerce;
mod connection_strings;
mod generic;
mod github;
mod gitlab;
pub mod keystore_files;
mod kubernetes;
mod messaging;
mod observability;
mod packages;
mod private_keys;
mod saas;
mod tokens;

#[cfg(test)]
pub(crate) mod testkit;

use super::rule::SecretRule;

/// Every content rule, family by family.
pub fn all() -> impl Iterator<Item = &'static SecretRule> {
    [
        github::RULES,
        gitlab::RULES,
        aws::RULES,
        cloud::RULES,
        messaging::RULES,
        commerce::RULES,
        packages::RULES,
        observability::RULES,
        saas::RULES,
        ai::RULES,
        tokens::RULES,
        private_keys::RULES,
        connection_strings::RULES,
        kubernetes::RULES,
        generic::RULES,
    ]
    .into_iter()
    .flatten()
}

/// The content rule with `id`.
pub fn find(id: &str) -> Option<&'static SecretRule> {
    all().find(|r| r.id == id)
}
