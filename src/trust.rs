//! The trust boundary: a pull request cannot weaken the gate that judges it.
//!
//! Owns: choosing which commit's policy (`.shipgate.yml`, CODEOWNERS, and the
//! policy files gates name) judges the change, and the built-in `policy` gate
//! that reports what the change does to that policy. In a PR/MR the target
//! branch's policy applies; the change's edits to it take effect once merged.
//! Not for: the gates' own use of policy files (they read them through
//! `GateContext::read_policy`).

use crate::changeset::{ChangeSet, Repo};
use crate::config::{Config, FILE_NAMES, FailOn, OnGateError, RuleLevel, Trust};
use crate::finding::{Finding, Location, Severity, Side};
use crate::gates::{GateId, GateRun};
use crate::rules::RuleInfo;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where the policy is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PolicyFrom {
    /// In a CI pull/merge request: the base commit. Locally: the working tree.
    #[default]
    Auto,
    /// The base commit (the target branch's policy).
    Base,
    /// The working tree (what a developer has checked out).
    Workdir,
}

/// Which policy judged the change; recorded in the (signed) report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// `file` (--config), `base`, `head` (first-time config or `trust: head`),
    /// `workdir`, or `defaults` (no config anywhere).
    pub origin: String,
    /// The config file, or `null` for built-in defaults.
    pub path: Option<String>,
    /// The commit the policy was read from (for `base` and `head`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// SHA-256 of the config file's bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Why this policy was chosen, when it is not the obvious one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The policy that judges the change, and what the change did to it.
pub struct LoadedPolicy {
    pub config: Config,
    pub info: PolicyInfo,
    /// The side policy files (baselines, CODEOWNERS) are read from.
    pub side: Side,
    /// The built-in policy gate's findings.
    pub run: GateRun,
}

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "policy-weakened",
        gate: GateId::Policy,
        default_severity: Severity::Warning,
        summary: "The change loosens the policy that judges it; not applied until merged",
        doc: "## What it does\nReports edits to `.shipgate.yml`, CODEOWNERS or baseline files that make a gate \
              more lenient: disabling a gate, making it non-blocking, raising `fail_on`, turning a rule off or \
              lowering it, `on_gate_error: ignore`, `trust: head`, removing owners, adding baseline entries.\n\n\
              ## Why is this bad?\nA change that fails a gate could otherwise turn the gate off and pass. In a \
              pull/merge request the target branch's policy judges the change, so the edit has no effect on \
              this change; this finding makes sure reviewers see it before it is merged.\n\n## Example\n\
              A PR adds `gates: {secrets: {enabled: false}}` next to a leaked key. The secrets gate still runs \
              with the target branch's policy and fails; this finding says the PR disables gate secrets.\n\
              Fix: revert the policy edit, or get it reviewed and merge it on its own first.",
    },
    RuleInfo {
        id: "policy-changed",
        gate: GateId::Policy,
        default_severity: Severity::Notice,
        summary: "The change edits the policy; the edit takes effect once merged",
        doc: "## What it does\nReports edits to the policy (`.shipgate.yml`, CODEOWNERS, baselines) that do not \
              loosen it: new rules, stricter thresholds, new owners.\n\n## Why is this bad?\nIt is not bad; it \
              is information: this change is judged by the target branch's policy, and the edit applies from \
              the next change after it is merged.\n\n## Example\n`fail_on: warning` added to gate openapi.",
    },
    RuleInfo {
        id: "policy-invalid-in-change",
        gate: GateId::Policy,
        default_severity: Severity::Error,
        summary: "The change's .shipgate.yml is invalid and would break the gate once merged",
        doc: "## What it does\nParses the change's own `.shipgate.yml` even though the target branch's policy \
              judges the change, and reports it when it is invalid (unknown key, wrong type, bad YAML).\n\n\
              ## Why is this bad?\nOnce merged, every later check would fail with a configuration error.\n\n\
              ## Example\n`fail_onn: warning` (misspelt key). Fix the key; `shipgate init` prints every key.",
    },
    RuleInfo {
        id: "suppression-added-without-review",
        gate: GateId::Policy,
        default_severity: Severity::Error,
        summary: "The change adds an inline suppression that policy does not let it approve itself",
        doc: "## What it does\nReports inline suppressions (`shipgate:allow`, `gitleaks:allow`, migration allow \
              comments) on lines the change adds, unless `allow_inline_suppressions: reviewed` is configured \
              and the change has the required approvals.\n\n## Why is this bad?\nA suppression written by the \
              change it suppresses lets a PR silence its own finding.\n\n## Example\n\
              `key = \"...\"  # shipgate:allow` added next to a leaked key. Fix: remove the secret; or have the \
              suppression reviewed (approval) when the repository allows reviewed suppressions.",
    },
];

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The config file at `commit`, if any: (name, bytes).
fn config_at(repo: &Repo, commit: &str) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    for name in FILE_NAMES {
        if let Some(bytes) = repo.read(commit, name.as_bytes())? {
            return Ok(Some((name, bytes)));
        }
    }
    Ok(None)
}

fn parse_at(name: &str, bytes: &[u8], label: &str) -> Result<Config, crate::config::ConfigError> {
    let text = String::from_utf8_lossy(bytes);
    let mut config = Config::parse(&text, &format!("{name} ({label})"))?;
    config.source = Some(name.into());
    Ok(config)
}

/// Choose the policy. `in_change_request`: running for a PR/MR in CI.
pub fn load(
    repo: &Repo,
    changes: &ChangeSet,
    explicit: Option<&Path>,
    from: PolicyFrom,
    in_change_request: bool,
) -> anyhow::Result<LoadedPolicy> {
    if let Some(path) = explicit {
        let config = Config::load(path)?;
        let sha256 = std::fs::read(path).ok().map(|b| sha256_hex(&b));
        return Ok(LoadedPolicy {
            config,
            info: PolicyInfo {
                origin: "file".into(),
                path: Some(path.display().to_string()),
                commit: None,
                sha256,
                note: None,
            },
            side: Side::Head,
            run: GateRun::default(),
        });
    }
    let use_base = match from {
        PolicyFrom::Base => true,
        PolicyFrom::Workdir => false,
        PolicyFrom::Auto => in_change_request,
    };
    if !use_base {
        return workdir(repo.workdir());
    }
    let base = config_at(repo, &changes.base)?;
    let head = config_at(repo, &changes.head)?;
    let mut run = GateRun::default();
    let head_config = match &head {
        Some((name, bytes)) => match parse_at(name, bytes, "this change") {
            Ok(c) => Some(c),
            Err(e) => {
                run.findings.push(
                    Finding::new(
                        "policy",
                        "policy-invalid-in-change",
                        Severity::Error,
                        format!("{name} in this change is invalid"),
                        Some(Location::line(*name, error_line(&e))),
                        "invalid",
                    )
                    .with_message(e.to_string())
                    .with_help("Fix the config; `shipgate init` writes a commented starter with every key."),
                );
                None
            }
        },
        None => None,
    };
    match (base, head_config) {
        (Some((name, bytes)), head_config) => {
            let base_config = parse_at(name, &bytes, "target branch").map_err(|e| {
                anyhow::anyhow!(
                    "{e}\n(the target branch's policy is invalid; fix it on the target branch)"
                )
            })?;
            if base_config.policy.trust == Trust::Head
                && let Some(head_config) = head_config
            {
                let head_bytes = head.map(|(_, b)| b).unwrap_or_default();
                return Ok(LoadedPolicy {
                    config: head_config,
                    info: PolicyInfo {
                        origin: "head".into(),
                        path: Some(name.to_string()),
                        commit: Some(changes.head.clone()),
                        sha256: Some(sha256_hex(&head_bytes)),
                        note: Some("the target branch sets `trust: head`: the change's own policy judges it".into()),
                    },
                    side: Side::Head,
                    run,
                });
            }
            if let Some(head_config) = &head_config {
                diff_configs(&base_config, head_config, name, &mut run);
            }
            diff_codeowners(repo, changes, &mut run)?;
            if let Some(path) = base_config.gates.secrets.baseline.as_deref() {
                diff_baseline(repo, changes, path, &mut run)?;
            }
            Ok(LoadedPolicy {
                config: base_config,
                info: PolicyInfo {
                    origin: "base".into(),
                    path: Some(name.to_string()),
                    commit: Some(changes.base.clone()),
                    sha256: Some(sha256_hex(&bytes)),
                    note: None,
                },
                side: Side::Base,
                run,
            })
        }
        (None, Some(head_config)) => {
            let head_bytes = head.map(|(_, b)| b).unwrap_or_default();
            let name = head_config.source.as_ref().map(|p| p.display().to_string());
            Ok(LoadedPolicy {
                config: head_config,
                info: PolicyInfo {
                    origin: "head".into(),
                    path: name,
                    commit: Some(changes.head.clone()),
                    sha256: Some(sha256_hex(&head_bytes)),
                    note: Some(
                        "first-time config: the target branch has none, so the change's is used"
                            .into(),
                    ),
                },
                side: Side::Head,
                run,
            })
        }
        (None, None) => {
            let failed_head = !run.findings.is_empty();
            diff_codeowners(repo, changes, &mut run)?;
            Ok(LoadedPolicy {
                config: Config::default(),
                info: PolicyInfo {
                    origin: "defaults".into(),
                    path: None,
                    commit: None,
                    sha256: None,
                    note: failed_head.then(|| {
                        "the change's config is invalid; built-in defaults judge it".into()
                    }),
                },
                side: Side::Base,
                run,
            })
        }
    }
}

fn workdir(root: &Path) -> anyhow::Result<LoadedPolicy> {
    let config = Config::discover(root, None)?;
    let (origin, sha256): (&str, _) = match &config.source {
        Some(path) => ("workdir", std::fs::read(path).ok().map(|b| sha256_hex(&b))),
        None => ("defaults", None),
    };
    let path = config
        .source
        .as_ref()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string());
    Ok(LoadedPolicy {
        config,
        info: PolicyInfo {
            origin: origin.into(),
            path,
            commit: None,
            sha256,
            note: None,
        },
        side: Side::Head,
        run: GateRun::default(),
    })
}

fn error_line(e: &crate::config::ConfigError) -> u32 {
    // "path:LINE: ..." or "path (label):LINE:..."
    let text = e.to_string();
    text.split(':')
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(1)
}

/// Strictness rank of `fail_on`: higher fails on more.
fn fail_on_rank(f: FailOn) -> u8 {
    match f {
        FailOn::Never => 0,
        FailOn::Error => 1,
        FailOn::Warning => 2,
        FailOn::Notice => 3,
    }
}

fn level_rank(l: Option<RuleLevel>) -> u8 {
    match l {
        Some(RuleLevel::Off) => 0,
        Some(RuleLevel::Notice) => 1,
        Some(RuleLevel::Warning) => 2,
        Some(RuleLevel::Error) => 3,
        None => 4, // the rule's default; treated as strictest for comparison
    }
}

fn level_str(l: Option<RuleLevel>) -> &'static str {
    match l {
        Some(RuleLevel::Off) => "off",
        Some(RuleLevel::Notice) => "notice",
        Some(RuleLevel::Warning) => "warning",
        Some(RuleLevel::Error) => "error",
        None => "its default",
    }
}

/// One change to the policy: (weakens?, description).
type Change = (bool, String);

fn config_changes(base: &Config, head: &Config) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for id in GateId::ALL {
        let (b, h) = (base.gates.common(id), head.gates.common(id));
        if b.enabled != h.enabled {
            out.push((
                !h.enabled,
                format!(
                    "{} gate {id}",
                    if h.enabled { "enables" } else { "disables" }
                ),
            ));
        }
        if b.blocking != h.blocking {
            out.push((
                !h.blocking,
                format!(
                    "makes gate {id} {}",
                    if h.blocking {
                        "blocking"
                    } else {
                        "non-blocking"
                    }
                ),
            ));
        }
        if b.fail_on != h.fail_on {
            out.push((
                fail_on_rank(h.fail_on) < fail_on_rank(b.fail_on),
                format!(
                    "changes gate {id} fail_on from {} to {}",
                    crate::gates::runner::fail_on_str(b.fail_on),
                    crate::gates::runner::fail_on_str(h.fail_on)
                ),
            ));
        }
        let ids: BTreeSet<&String> = b.rules.keys().chain(h.rules.keys()).collect();
        for rule in ids {
            let bl = b.rules.get(rule).map(|l| l.value);
            let hl = h.rules.get(rule).map(|l| l.value);
            if bl != hl {
                out.push((
                    level_rank(hl) < level_rank(bl),
                    format!(
                        "sets rule {rule} (gate {id}) from {} to {}",
                        level_str(bl),
                        level_str(hl)
                    ),
                ));
            }
        }
        // Gate-specific keys: compare as data; direction unknown, so a change is reported as a change.
        let strip = |v: serde_json::Value| match v {
            serde_json::Value::Object(mut m) => {
                for k in ["enabled", "blocking", "fail_on", "rules"] {
                    m.remove(k);
                }
                m
            }
            _ => serde_json::Map::new(),
        };
        let bj = strip(section_json(base, id));
        let hj = strip(section_json(head, id));
        let keys: BTreeSet<&String> = bj.keys().chain(hj.keys()).collect();
        for key in keys {
            if bj.get(key) != hj.get(key) {
                out.push((false, format!("changes gates.{id}.{key}")));
            }
        }
    }
    if base.policy.on_gate_error != head.policy.on_gate_error {
        out.push((
            head.policy.on_gate_error == OnGateError::Ignore,
            format!(
                "sets policy.on_gate_error to {}",
                if head.policy.on_gate_error == OnGateError::Ignore {
                    "ignore"
                } else {
                    "fail"
                }
            ),
        ));
    }
    if base.policy.trust != head.policy.trust {
        out.push((
            head.policy.trust == Trust::Head,
            format!(
                "sets policy.trust to {}",
                if head.policy.trust == Trust::Head {
                    "head (changes would judge themselves)"
                } else {
                    "base"
                }
            ),
        ));
    }
    let ids: BTreeSet<&String> = base
        .policy
        .rules
        .keys()
        .chain(head.policy.rules.keys())
        .collect();
    for rule in ids {
        let bl = base.policy.rules.get(rule).map(|l| l.value);
        let hl = head.policy.rules.get(rule).map(|l| l.value);
        if bl != hl {
            out.push((
                level_rank(hl) < level_rank(bl),
                format!(
                    "sets policy rule {rule} from {} to {}",
                    level_str(bl),
                    level_str(hl)
                ),
            ));
        }
    }
    out
}

fn section_json(config: &Config, id: GateId) -> serde_json::Value {
    serde_json::to_value(&config.gates)
        .ok()
        .and_then(|v| v.get(id.as_str()).cloned())
        .unwrap_or(serde_json::Value::Null)
}

fn push_changes(run: &mut GateRun, path: &str, what: &str, changes: Vec<Change>) {
    let (weak, other): (Vec<_>, Vec<_>) = changes.into_iter().partition(|(w, _)| *w);
    let applies =
        "This change is judged by the target branch's policy; the edit takes effect once merged.";
    if !weak.is_empty() {
        let list: Vec<String> = weak.into_iter().map(|(_, d)| d).collect();
        run.findings.push(
            Finding::new(
                "policy",
                "policy-weakened",
                Severity::Warning,
                format!("{what} loosens the policy: {}", list.join("; ")),
                Some(Location::line(path, 1)),
                &format!("weakened:{}", list.join("|")),
            )
            .with_message(applies)
            .with_help(
                "Review the policy edit on its own; reviewers must approve loosening a gate.",
            ),
        );
    }
    if !other.is_empty() {
        let list: Vec<String> = other.into_iter().map(|(_, d)| d).collect();
        run.findings.push(
            Finding::new(
                "policy",
                "policy-changed",
                Severity::Notice,
                format!("{what} changes the policy: {}", list.join("; ")),
                Some(Location::line(path, 1)),
                &format!("changed:{}", list.join("|")),
            )
            .with_message(applies),
        );
    }
}

/// Turn the inline suppressions a change added into policy findings: the ones
/// policy did not honour are errors (the finding they meant to silence stays).
pub fn report_suppressions(attempts: &[crate::gates::SuppressionAttempt], run: &mut GateRun) {
    for a in attempts {
        if a.honoured {
            run.notes.push(format!(
                "{}:{}: inline suppression of {} ({} gate) added by this change was honoured by policy",
                a.path, a.line, a.rule, a.gate
            ));
            continue;
        }
        run.findings.push(
            Finding::new(
                "policy",
                "suppression-added-without-review",
                Severity::Error,
                format!("Suppression of {} added without review", a.rule),
                Some(Location::line(&a.path, a.line)),
                &format!("{}:{}", a.gate, a.rule),
            )
            .with_message(format!(
                "This change adds an inline suppression for the {} gate's rule {}; a change may not \
                 silence its own findings, so the suppression was ignored and the finding stands.",
                a.gate, a.rule
            ))
            .with_help(
                "Fix the finding instead; or, where the repository allows reviewed suppressions \
                 (policy.allow_inline_suppressions: reviewed), get the change approved by the required reviewers.",
            ),
        );
    }
}

fn diff_configs(base: &Config, head: &Config, name: &str, run: &mut GateRun) {
    let changes = config_changes(base, head);
    push_changes(run, name, "this change", changes);
}

/// Every CODEOWNERS location either platform reads.
pub const CODEOWNERS_PATHS: &[&str] = crate::gates::migrations::codeowners::ALL_LOCATIONS;

/// Pattern (`[Section] pattern` inside a GitLab section) -> owners, read by the
/// one CODEOWNERS parser (GitLab's rules when the file has sections).
pub fn parse_codeowners(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    use crate::gates::migrations::codeowners::{CodeOwners, DEFAULT_SECTION, Dialect};
    let sections = text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with('[') || l.starts_with("^[")
    });
    let dialect = if sections {
        Dialect::Gitlab
    } else {
        Dialect::Github
    };
    let mut map = BTreeMap::new();
    for e in CodeOwners::parse(text, dialect).entries() {
        let mut key = match &e.section {
            Some(s) if s != DEFAULT_SECTION => format!("[{s}] "),
            _ => String::new(),
        };
        if e.exclude {
            key.push('!');
        }
        key.push_str(&e.pattern);
        map.insert(key, e.owners.iter().cloned().collect());
    }
    map
}

fn diff_codeowners(repo: &Repo, changes: &ChangeSet, run: &mut GateRun) -> anyhow::Result<()> {
    for path in CODEOWNERS_PATHS {
        let Some(file) = changes.file(path) else {
            continue;
        };
        let base = repo
            .read(&changes.base, path.as_bytes())?
            .unwrap_or_default();
        let head = if file.status == crate::changeset::FileStatus::Deleted {
            Vec::new()
        } else {
            repo.read(&changes.head, path.as_bytes())?
                .unwrap_or_default()
        };
        let (b, h) = (
            parse_codeowners(&String::from_utf8_lossy(&base)),
            parse_codeowners(&String::from_utf8_lossy(&head)),
        );
        let mut list: Vec<Change> = Vec::new();
        for (pattern, owners) in &b {
            let now = h.get(pattern);
            for owner in owners {
                if !now.is_some_and(|n| n.contains(owner)) {
                    list.push((true, format!("removes {owner} from {pattern}")));
                }
            }
        }
        for (pattern, owners) in &h {
            let before = b.get(pattern);
            for owner in owners {
                if !before.is_some_and(|n| n.contains(owner)) {
                    list.push((false, format!("adds {owner} to {pattern}")));
                }
            }
        }
        push_changes(run, path, path, list);
    }
    Ok(())
}

/// A secrets baseline edited by the change: entries it adds would silence
/// findings, so they are a weakening (applied only once merged).
fn diff_baseline(
    repo: &Repo,
    changes: &ChangeSet,
    path: &str,
    run: &mut GateRun,
) -> anyhow::Result<()> {
    use crate::gates::secrets::suppress::Baseline;
    if changes.file(path).is_none() {
        return Ok(());
    }
    let parse = |bytes: Option<Vec<u8>>| -> BTreeSet<String> {
        bytes
            .and_then(|b| Baseline::parse(&b, path).ok())
            .map(|b| b.fingerprints().into_iter().map(String::from).collect())
            .unwrap_or_default()
    };
    let base = parse(repo.read(&changes.base, path.as_bytes())?);
    let head = parse(repo.read(&changes.head, path.as_bytes())?);
    let added = head.difference(&base).count();
    let removed = base.difference(&head).count();
    let mut list: Vec<Change> = Vec::new();
    if added > 0 {
        list.push((
            true,
            format!(
                "adds {added} baseline entr{}",
                if added == 1 { "y" } else { "ies" }
            ),
        ));
    }
    if removed > 0 {
        list.push((
            false,
            format!(
                "removes {removed} baseline entr{}",
                if removed == 1 { "y" } else { "ies" }
            ),
        ));
    }
    push_changes(run, path, path, list);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        Config::parse(text, "t.yml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn disabling_and_loosening_are_weakenings() {
        let base = cfg("gates:\n  openapi:\n    fail_on: warning\n");
        let head = cfg(
            "gates:\n  openapi:\n    fail_on: never\n  secrets:\n    enabled: false\npolicy:\n  trust: head\n",
        );
        let changes = config_changes(&base, &head);
        let weak: Vec<&str> = changes
            .iter()
            .filter(|c| c.0)
            .map(|c| c.1.as_str())
            .collect();
        assert!(weak.contains(&"disables gate secrets"), "{changes:?}");
        assert!(
            weak.contains(&"changes gate openapi fail_on from warning to never"),
            "{changes:?}"
        );
        assert!(
            weak.iter()
                .any(|w| w.starts_with("sets policy.trust to head")),
            "{changes:?}"
        );
    }

    #[test]
    fn tightening_is_a_change_not_a_weakening() {
        let base = cfg("");
        let head = cfg("gates:\n  openapi:\n    fail_on: warning\n");
        let changes = config_changes(&base, &head);
        assert_eq!(changes.len(), 1);
        assert!(!changes[0].0);
    }

    #[test]
    fn codeowners_parsing_keeps_patterns_and_owners() {
        let map = parse_codeowners(
            "# comment\n/db/migration/ @org/dba-team @lead # inline\n*.yaml @api\n[Section]\n",
        );
        assert_eq!(map.len(), 2);
        assert!(map["/db/migration/"].contains("@org/dba-team"));
        assert!(map["/db/migration/"].contains("@lead"));
    }
}
