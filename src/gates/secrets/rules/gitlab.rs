//! GitLab tokens: personal/project/group access tokens (`glpat-`), runner
//! authentication and registration tokens (`glrt-`, `GR1348941`), deploy
//! tokens (`gldt-`) and the other prefixed CI, feed and agent tokens. Both the
//! classic 20-character and the newer routable (`<payload>.<2><7>`) shapes.
//! GitLab does not document a checksum for these; format and entropy are checked.

use crate::finding::Severity;
use crate::gates::secrets::rule::{Matcher, SecretRule};
use crate::secret_doc;

const REVOKE: &str = "Revoke it in GitLab (the token's settings page, or the runner's / deploy token's page) and create a new one.";

pub static RULES: &[SecretRule] = &[
    SecretRule {
        id: "gitlab-personal-access-token",
        name: "GitLab personal, project or group access token",
        doc: secret_doc!(
            "Finds GitLab access tokens: `glpat-` + 20 characters of `[0-9A-Za-z_-]`, or the routable form `glpat-<27+ characters>.<2><7>`.",
            "An access token acts as its user (or bot user) through the API, Git over HTTPS and the registry, with its scopes.",
            "private_token: glpat-<20 characters>",
            "private_token: $GITLAB_TOKEN   # a masked CI/CD variable"
        ),
        severity: Severity::Error,
        keywords: &["glpat-"],
        matcher: Matcher::Regex(
            r"\b(glpat-(?:[0-9A-Za-z_-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}|[0-9A-Za-z_-]{20}))(?:[^0-9A-Za-z_.-]|$)",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "gitlab-runner-token",
        name: "GitLab runner token",
        doc: secret_doc!(
            "Finds GitLab runner authentication tokens (`glrt-`) and legacy runner registration tokens (`GR1348941` + 20 characters).",
            "A runner token lets anyone register a runner that receives your CI jobs, with their variables and source.",
            "token = \"glrt-<20 characters>\"",
            "token = \"${RUNNER_TOKEN}\""
        ),
        severity: Severity::Error,
        keywords: &["glrt-", "gr1348941"],
        matcher: Matcher::Regex(
            r"\b((?:glrt-(?:[0-9A-Za-z_-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}|[0-9A-Za-z_-]{20})|GR1348941[0-9A-Za-z_-]{20}))(?:[^0-9A-Za-z_.-]|$)",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "gitlab-deploy-token",
        name: "GitLab deploy token",
        doc: secret_doc!(
            "Finds GitLab deploy tokens (`gldt-` + 20 or more characters).",
            "A deploy token reads (or writes) the repository and registry of its project without a user.",
            "DEPLOY=gldt-<20 characters>",
            "DEPLOY=$CI_DEPLOY_PASSWORD"
        ),
        severity: Severity::Error,
        keywords: &["gldt-"],
        matcher: Matcher::Regex(r"\b(gldt-[0-9A-Za-z_-]{20,300})(?:[^0-9A-Za-z_-]|$)"),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
    SecretRule {
        id: "gitlab-ci-token",
        name: "GitLab pipeline-trigger, CI build, feed, OAuth-app, incoming-mail, SCIM or agent token",
        doc: secret_doc!(
            "Finds the other prefixed GitLab tokens: `glptt-` (pipeline trigger), `glcbt-` (CI build), `glft-` (feed), `gloas-` (OAuth application secret), `glimt-` (incoming mail), `glsoat-` (SCIM), `glagent-` (Kubernetes agent), `glffct-` (feature flags client).",
            "Each of these lets its holder trigger pipelines, read feeds or act as an integration on your GitLab.",
            "curl -F token=glptt-<40 characters> ...",
            "curl -F token=$TRIGGER_TOKEN ..."
        ),
        severity: Severity::Error,
        keywords: &[
            "glptt-", "glcbt-", "glft-", "gloas-", "glimt-", "glsoat-", "glagent-", "glffct-",
        ],
        matcher: Matcher::Regex(
            r"\b((?:glptt|glcbt|glft|gloas|glimt|glsoat|glagent|glffct)-[0-9A-Za-z_-]{20,300})(?:[^0-9A-Za-z_-]|$)",
        ),
        min_entropy: 3.0,
        verify: None,
        generic: false,
        revoke: REVOKE,
    },
];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{B64URL, HEX, Rng};

    #[test]
    fn gitlab_tokens() {
        let mut rng = Rng::new(3);
        for (prefix, rule) in [
            ("glpat-", "gitlab-personal-access-token"),
            ("glrt-", "gitlab-runner-token"),
            ("gldt-", "gitlab-deploy-token"),
        ] {
            let token = format!("{prefix}{}", rng.string(B64URL, 20));
            assert_finds(rule, &format!("token: {token}\n"), &token);
            // 19 characters: not the format.
            assert_ignores(
                rule,
                &format!("token: {prefix}{}\n", rng.string(B64URL, 19)),
            );
            // Low-entropy filler.
            assert_ignores(rule, &format!("token: {prefix}aaaaaaaaaabbbbbbbbbb\n"));
        }
        let routable = format!("glpat-{}.01{}", rng.string(B64URL, 30), rng.string(HEX, 7));
        assert_finds(
            "gitlab-personal-access-token",
            &format!("t={routable}"),
            &routable,
        );
        let trigger = format!("glptt-{}", rng.string(HEX, 40));
        assert_finds("gitlab-ci-token", &format!("token={trigger}"), &trigger);
        assert_ignores("gitlab-ci-token", "see glptt-<your trigger token>");
    }
}
