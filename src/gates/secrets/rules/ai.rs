//! AI providers: OpenAI and Anthropic API keys.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "openai-api-key",
        name: "OpenAI API key",
        doc: secret_doc!(
            "Finds OpenAI API keys: `sk-` (optionally `sk-proj-`, `sk-svcacct-`, `sk-admin-`) with the `T3BlbkFJ` marker in the middle.",
            "An API key spends your organisation's credit and reads its files, assistants and fine-tunes.",
            "OPENAI_API_KEY=sk-proj-<...>T3BlbkFJ<...>",
            "OPENAI_API_KEY from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["t3blbkfj"],
        matcher: Matcher::Regex(
            r"\b(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160})(?:[^A-Za-z0-9_-]|$)",
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Revoke the key in the OpenAI platform's API keys page.",
    },
    SecretRule {
        id: "anthropic-api-key",
        name: "Anthropic API key",
        doc: secret_doc!(
            "Finds Anthropic API and admin keys: `sk-ant-api03-` or `sk-ant-admin01-`, 93 characters, then `AA`.",
            "An API key spends your organisation's credit; an admin key manages its members and keys.",
            "ANTHROPIC_API_KEY=sk-ant-api03-<93 characters>AA",
            "ANTHROPIC_API_KEY from the secret store"
        ),
        severity: Severity::Error,
        keywords: &["sk-ant-"],
        matcher: Matcher::Regex(
            r"\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA)(?:[^A-Za-z0-9_-]|$)",
        ),
        min_entropy: 3.5,
        verify: None,
        generic: false,
        revoke: "Delete the key in the Anthropic Console (API keys).",
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, B64URL, Rng};

    #[test]
    fn openai_and_anthropic() {
        let mut rng = Rng::new(17);
        let o = format!(
            "sk-{}T3BlbkFJ{}",
            rng.string(ALNUM, 20),
            rng.string(ALNUM, 20)
        );
        assert_finds("openai-api-key", &format!("key=\"{o}\""), &o);
        let p = format!(
            "sk-proj-{}T3BlbkFJ{}",
            rng.string(B64URL, 74),
            rng.string(B64URL, 74)
        );
        assert_finds("openai-api-key", &format!("key={p}\n"), &p);
        assert_ignores(
            "openai-api-key",
            &format!("key=sk-{}", rng.string(ALNUM, 48)),
        );
        let a = format!("sk-ant-api03-{}AA", rng.string(B64URL, 93));
        assert_finds("anthropic-api-key", &format!("k={a}\n"), &a);
        assert_ignores(
            "anthropic-api-key",
            &format!("k=sk-ant-api03-{}AB\n", rng.string(B64URL, 93)),
        );
        assert_ignores("anthropic-api-key", "k=sk-ant-api03-...");
    }
}
