//! The secrets gate: finds credentials in a change and never repeats them.
//!
//! In `shipgate check` it scans only the added lines of the change's text
//! files (diff mode), with a built-in catalogue of provider formats
//! (`rules/`), checksums where a format has one, and generic rules with
//! entropy and placeholder filters. Findings carry a redacted preview and a
//! salted hash, never the secret. `shipgate secrets scan` runs the same
//! engine over a directory (tree mode) or a commit range (history mode).
//! Its config section is `gates.secrets`.

pub mod archive;
pub mod checksum;
pub mod cli;
pub mod corpus;
pub mod decode;
pub mod engine;
pub mod entropy;
pub mod history;
pub mod keywords;
pub mod placeholder;
pub mod redact;
pub mod rule;
pub mod rules;
pub mod scan;
pub mod suppress;
pub mod synth;
pub mod tree;
pub mod whole_files;

use crate::changeset::FileStatus;
use crate::finding::{Finding, Location, Side};
use crate::gates::{Gate, GateContext, GateId, GateRun};
use crate::rules::RuleInfo;
use anyhow::anyhow;
use std::sync::OnceLock;
use suppress::{AllowPaths, Baseline};

crate::gate_config! {
    /// `gates.secrets` in .shipgate.yml.
    pub struct SecretsConfig {
        /// Baseline file (relative to the repository root) of known findings'
        /// fingerprints, written by `shipgate secrets baseline`. Findings in it
        /// are reported as known, not as failures. Default: none.
        pub baseline: Option<String>,
        /// Glob patterns (gitignore-like `**` globs, relative to the repository
        /// root) of paths never scanned, e.g. `tests/fixtures/**`. Default: none.
        pub allow_paths: Vec<String>,
        /// Files larger than this many bytes are skipped with a note. Default 10485760 (10 MiB).
        pub max_file_bytes: Option<u64>,
    }
}

/// Default for `max_file_bytes`.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 << 20;

impl SecretsConfig {
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES)
    }

    /// The compiled `allow_paths`; errors name the config file.
    pub fn allow_paths(&self, config_name: &str) -> anyhow::Result<AllowPaths> {
        AllowPaths::new(&self.allow_paths).map_err(|e| anyhow!("{config_name}: gates.secrets.{e}"))
    }
}

/// The secrets gate.
pub struct SecretsGate;

static GATE: SecretsGate = SecretsGate;

/// This gate's implementation.
pub fn gate() -> Option<&'static dyn Gate> {
    Some(&GATE)
}

/// Every rule of this gate, as the registry lists them.
pub fn rule_infos() -> &'static [RuleInfo] {
    static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        let mut v: Vec<RuleInfo> = rules::all()
            .map(|r| RuleInfo {
                id: r.id,
                gate: GateId::Secrets,
                default_severity: r.severity,
                summary: r.name,
                doc: r.doc,
            })
            .collect();
        v.push(rules::keystore_files::RULE);
        v
    })
}

/// Whether `id` is one of this gate's rule ids.
pub fn is_rule_id(id: &[u8]) -> bool {
    rule_infos().iter().any(|r| r.id.as_bytes() == id)
}

/// Whether `bytes` look binary (a NUL byte in the first 8 KiB, as git decides).
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// The `keystore-file` finding for an added key store at `path`.
pub fn keystore_finding(path: &str) -> Finding {
    let rule = &rules::keystore_files::RULE;
    Finding::new(
        "secrets",
        rule.id,
        rule.default_severity,
        "Key store or private key file added",
        Some(Location::line(path, 1)),
        "keystore-file",
    )
    .with_message(format!(
        "`{path}` is named like a key store or private key file; its content is not shown or inspected."
    ))
    .with_help(
        "Keep key stores out of the repository (mount them from a secret store at run time). \
         If this is a public test fixture, list it in gates.secrets.allow_paths.",
    )
}

/// Drop findings whose fingerprint is in `baseline`; returns how many were dropped.
pub fn apply_baseline(findings: &mut Vec<Finding>, baseline: Option<&Baseline>) -> usize {
    let Some(baseline) = baseline else { return 0 };
    let known = baseline.fingerprints();
    let before = findings.len();
    findings.retain(|f| !known.contains(f.fingerprint.as_str()));
    before - findings.len()
}

/// Notes for the user about what was skipped or suppressed.
#[derive(Debug, Default, Clone, Copy)]
pub struct Skips {
    pub binary: usize,
    pub too_large: usize,
    pub allowed_paths: usize,
    pub allowed_inline: usize,
    pub baselined: usize,
}

impl Skips {
    pub fn write_to(&self, run: &mut GateRun, max_bytes: u64) {
        if self.binary > 0 {
            run.notes.push(format!(
                "{} binary file(s) skipped (key stores among them are reported by name)",
                self.binary
            ));
        }
        if self.too_large > 0 {
            run.notes.push(format!(
                "{} file(s) larger than {max_bytes} bytes skipped (gates.secrets.max_file_bytes)",
                self.too_large
            ));
        }
        if self.allowed_paths > 0 {
            run.notes.push(format!(
                "{} file(s) skipped by gates.secrets.allow_paths",
                self.allowed_paths
            ));
        }
        if self.allowed_inline > 0 {
            run.notes.push(format!(
                "{} secret(s) allowed by an inline shipgate:allow / gitleaks:allow comment",
                self.allowed_inline
            ));
        }
        if self.baselined > 0 {
            run.notes.push(format!(
                "{} known secret(s) matched the baseline and were not reported; make sure they were rotated",
                self.baselined
            ));
        }
        run.metric("baselined", self.baselined as u64);
        run.metric("allowed_inline", self.allowed_inline as u64);
    }
}

/// Load the configured baseline as the policy side has it: in a pull/merge
/// request the target branch's version, so a change cannot baseline its own
/// secret (`GateContext::read_policy`).
fn load_baseline(ctx: &GateContext<'_>) -> anyhow::Result<Option<Baseline>> {
    let Some(path) = ctx.config.gates.secrets.baseline.as_deref() else {
        return Ok(None);
    };
    let Some(bytes) = ctx.read_policy(path)? else {
        return Err(anyhow!(
            "{path}: the baseline file named by gates.secrets.baseline is not in the {} commit; \
             create it with `shipgate secrets baseline --output {path}` and commit it",
            match ctx.policy_side {
                Side::Base => "target branch's",
                Side::Head => "checked",
            }
        ));
    };
    Baseline::parse(&bytes, path).map(Some)
}

fn config_name(ctx: &GateContext<'_>) -> String {
    ctx.config
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".shipgate.yml".to_string())
}

impl Gate for SecretsGate {
    fn id(&self) -> GateId {
        GateId::Secrets
    }

    fn rules(&self) -> &'static [RuleInfo] {
        rule_infos()
    }

    fn run(&self, ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
        let cfg = &ctx.config.gates.secrets;
        let allow = cfg.allow_paths(&config_name(ctx))?;
        let baseline = load_baseline(ctx)?;
        let max_bytes = cfg.max_file_bytes();
        let mut skips = Skips::default();
        let mut findings = Vec::new();
        let mut stats = scan::ScanStats::default();
        let mut files_scanned = 0u64;
        for file in &ctx.changes.files {
            if file.status == FileStatus::Deleted {
                continue;
            }
            if allow.allows(&file.path) {
                skips.allowed_paths += 1;
                continue;
            }
            let new_file = matches!(file.status, FileStatus::Added | FileStatus::Copied)
                || (file.status == FileStatus::Renamed
                    && !file
                        .old_path
                        .as_deref()
                        .is_some_and(rules::keystore_files::is_keystore_path));
            if new_file && rules::keystore_files::is_keystore_path(&file.path) {
                findings.push(keystore_finding(&file.path));
            }
            if file.binary {
                skips.binary += 1;
                continue;
            }
            if file.added.is_empty() {
                continue;
            }
            let Some(bytes) = ctx.read(Side::Head, &file.raw_path)? else {
                continue;
            };
            if bytes.len() as u64 > max_bytes {
                skips.too_large += 1;
                continue;
            }
            if looks_binary(&bytes) {
                skips.binary += 1;
                continue;
            }
            files_scanned += 1;
            let hits = scan::scan_marked(&bytes, Some(file.added.ranges()), &mut stats);
            for hit in hits {
                if hit.inline_allowed
                    && ctx.allow_inline_suppression(
                        "secrets",
                        hit.rule.id,
                        &file.path,
                        hit.start_line,
                    )
                {
                    stats.allowed_inline += 1;
                    continue;
                }
                findings.push(hit.finding(&file.path));
            }
        }
        skips.allowed_inline = stats.allowed_inline;
        skips.baselined = apply_baseline(&mut findings, baseline.as_ref());
        if files_scanned == 0 && findings.is_empty() && skips.baselined == 0 {
            let mut run = GateRun::skipped("no added text lines to scan in this change");
            skips.write_to(&mut run, max_bytes);
            return Ok(run);
        }
        let mut run = GateRun {
            findings,
            ..GateRun::default()
        };
        run.metric("files_scanned", files_scanned);
        run.metric("added_lines", ctx.changes.added_line_count());
        run.metric("bytes_scanned", stats.bytes);
        run.metric("rules", rule_infos().len() as u64);
        skips.write_to(&mut run, max_bytes);
        Ok(run)
    }
}
