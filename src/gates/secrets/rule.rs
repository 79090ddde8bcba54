//! What a secret rule is: its identity and documentation (what `shipgate
//! explain` prints), the keywords that let the engine skip text quickly, the
//! byte pattern of the provider's token format, and the check a candidate
//! must pass (checksum, entropy, placeholder filter).
//!
//! Not for: running rules over text (see `engine`) or the catalogue itself
//! (see `rules`).

use crate::finding::Severity;

/// How a rule finds candidates.
#[derive(Clone, Copy)]
pub enum Matcher {
    /// A byte regex (compiled without Unicode). The capture group named
    /// `secret` (else the first group, else the whole match) is the secret.
    Regex(&'static str),
    /// Code for structures a regex cannot express (e.g. Kubernetes Secret
    /// manifests). Pushes `(start, end)` byte ranges of secrets in the chunk.
    Custom(fn(chunk: &Chunk<'_>, out: &mut Vec<(usize, usize)>)),
}

/// What a custom matcher sees: the text, and where the engine's keyword
/// pass found this rule's keywords in it (sorted by start, possibly
/// overlapping), so a matcher need not search for them again.
pub struct Chunk<'a> {
    pub text: &'a [u8],
    pub keyword_hits: &'a [(usize, usize)],
}

/// One built-in secret rule.
pub struct SecretRule {
    /// Stable id (kebab-case, unique across shipgate).
    pub id: &'static str,
    /// What is found, as a noun phrase ("GitHub personal access token (classic)").
    pub name: &'static str,
    /// Markdown: "What it does", "Why is this bad?", "Example".
    pub doc: &'static str,
    pub severity: Severity,
    /// Lower-case ASCII keywords; the rule runs on a chunk only if one occurs
    /// in it (case-insensitively). Empty: always runs.
    pub keywords: &'static [&'static str],
    pub matcher: Matcher,
    /// Minimum Shannon entropy (bits/byte) of the secret; 0 for none.
    pub min_entropy: f64,
    /// Extra check on the candidate (checksum, structure, filters). `None`: format only.
    pub verify: Option<fn(&Candidate<'_>) -> bool>,
    /// Generic rules yield to a specific rule that matched the same bytes.
    pub generic: bool,
    /// How to revoke or rotate it (one sentence, provider-specific).
    pub revoke: &'static str,
}

/// A match before verification: the secret and what surrounds it.
pub struct Candidate<'a> {
    /// The secret bytes.
    pub secret: &'a [u8],
    /// The whole regex match (the secret plus its context).
    pub whole: &'a [u8],
}

/// Compose a rule's documentation in the three parts `shipgate explain` prints.
#[macro_export]
macro_rules! secret_doc {
    ($what:expr, $why:expr, $bad:expr, $good:expr $(,)?) => {
        concat!(
            "## What it does\n\n",
            $what,
            "\n\n## Why is this bad?\n\n",
            $why,
            "\n\n## Example\n\n```\n",
            $bad,
            "\n```\n\nUse instead:\n\n```\n",
            $good,
            "\n```\n"
        )
    };
}

impl std::fmt::Debug for SecretRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretRule").field("id", &self.id).finish()
    }
}
