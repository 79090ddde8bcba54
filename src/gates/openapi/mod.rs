//! The openapi gate: breaking-change detection between the base and head
//! versions of every changed OpenAPI 3.0/3.1 or Swagger 2.0 spec (YAML or
//! JSON), with `$ref`s across files resolved at the same commit, direction-
//! aware rules, and the versioning/deprecation policy. Its config section is
//! `gates.openapi`; docs in `docs/openapi.md`.
//!
//! Modules: `tree` (positioned YAML/JSON), `refs` (`$ref` resolution),
//! `model` (operations, parameters, bodies...), `diff` (the comparison;
//! one schema walker for both directions), `rules` (the catalogue),
//! `policy` (versioning, sunset dates), `standalone` (`shipgate openapi diff`).

pub mod diff;
pub mod json;
pub mod model;
pub mod policy;
pub mod refs;
pub mod rules;
pub mod standalone;
pub mod swagger;
pub mod tree;

use crate::finding::{Finding, Location, Side};
use crate::gates::{Gate, GateContext, GateId, GateRun};
use crate::glob;
use crate::rules::RuleInfo;
use anyhow::Result;
use diff::{Change, Options};
use refs::Docs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

crate::gate_config! {
    /// `gates.openapi` in .shipgate.yml.
    pub struct OpenapiConfig {
        /// Globs of spec files to check besides the auto-detected ones (files
        /// whose top level has `openapi:` or `swagger:`). Default: none.
        pub specs: Vec<String>,
        /// Globs of files never treated as specs. Default: none.
        pub ignore: Vec<String>,
        /// Breaking changes fail unless `info.version`'s major number (or the
        /// `/vN` URI version) increased. Default: true.
        pub require_major_bump: Option<bool>,
        /// Extension holding a sunset date. Default: `x-sunset`.
        pub sunset_extension: Option<String>,
        /// Extension holding a stability level (draft, alpha, beta, stable). Default: `x-stability-level`.
        pub stability_extension: Option<String>,
        /// Removing a deprecated operation or parameter also needs its sunset date to have passed. Default: true.
        pub require_sunset_before_removal: Option<bool>,
        /// Removing a request parameter or a response property is an error unless it was
        /// deprecated first (and its sunset date passed). Default: true.
        pub require_deprecation_before_removal: Option<bool>,
        /// Deprecating without a sunset date is an `*-deprecated-sunset-missing` error. Default: true.
        pub require_sunset_on_deprecation: Option<bool>,
        /// Fewest days between today and the sunset date of a newly deprecated
        /// operation, parameter or property of a stable operation (`*-sunset-date-too-small`).
        /// Default: 0 (no minimum; oasdiff's `--deprecation-days-stable` is 180).
        pub min_sunset_days: Option<u32>,
        /// The same for beta operations. Default: 0 (oasdiff's `--deprecation-days-beta` is 31).
        pub min_sunset_days_beta: Option<u32>,
        /// Explicit pairs to compare at head, e.g. `{base: api/v2.yaml, revision: api/v3.yaml}`. Default: none.
        pub compare: Vec<ComparePair>,
    }
}

/// One explicit comparison (both files read at the head commit).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComparePair {
    pub base: String,
    pub revision: String,
}

impl OpenapiConfig {
    /// The comparison options this config asks for.
    pub fn options(&self) -> Options {
        let d = Options::default();
        Options {
            sunset_extension: self.sunset_extension.clone().unwrap_or(d.sunset_extension),
            stability_extension: self
                .stability_extension
                .clone()
                .unwrap_or(d.stability_extension),
            require_sunset_before_removal: self
                .require_sunset_before_removal
                .unwrap_or(d.require_sunset_before_removal),
            require_deprecation_before_removal: self
                .require_deprecation_before_removal
                .unwrap_or(d.require_deprecation_before_removal),
            require_sunset_on_deprecation: self
                .require_sunset_on_deprecation
                .unwrap_or(d.require_sunset_on_deprecation),
            min_sunset_days: self.min_sunset_days.unwrap_or(d.min_sunset_days),
            min_sunset_days_beta: self.min_sunset_days_beta.unwrap_or(d.min_sunset_days_beta),
            today: d.today,
        }
    }

    pub fn require_major_bump(&self) -> bool {
        self.require_major_bump.unwrap_or(true)
    }
}

struct OpenapiGate;

static GATE: OpenapiGate = OpenapiGate;

/// This gate's implementation.
pub fn gate() -> Option<&'static dyn Gate> {
    Some(&GATE)
}

fn side_of(at_base: bool) -> Side {
    if at_base { Side::Base } else { Side::Head }
}

/// One spec to compare: where it is at base and at head (`true`: read at the base commit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Job {
    base: Option<(bool, String)>,
    head: Option<(bool, String)>,
    /// A `compare` pair from config: judged only when the change touches it.
    explicit: bool,
}

/// The first few KB of a file as text (enough to see its top-level keys).
fn head_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(&bytes[..bytes.len().min(8192)])
}

fn is_candidate_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

impl Gate for OpenapiGate {
    fn id(&self) -> GateId {
        GateId::Openapi
    }

    fn rules(&self) -> &'static [RuleInfo] {
        rules::all()
    }

    fn run(&self, ctx: &GateContext<'_>) -> Result<GateRun> {
        let cfg = &ctx.config.gates.openapi;
        let ignored = |p: &str| cfg.ignore.iter().any(|g| glob::matches(g, p));
        let named = |p: &str| cfg.specs.iter().any(|g| glob::matches(g, p));
        let mut jobs: BTreeSet<Job> = BTreeSet::new();
        let mut changed_other: BTreeSet<String> = BTreeSet::new();
        let mut run = GateRun::default();
        let changed: BTreeSet<String> = ctx
            .changes
            .files
            .iter()
            .flat_map(|f| std::iter::once(f.path.clone()).chain(f.old_path.clone()))
            .collect();
        for f in &ctx.changes.files {
            if f.binary || ignored(&f.path) || !(is_candidate_name(&f.path) || named(&f.path)) {
                continue;
            }
            let text = match f.head_path() {
                Some(p) => ctx.read(Side::Head, p)?,
                None => f
                    .base_path()
                    .map(|p| ctx.read(Side::Base, p))
                    .transpose()?
                    .flatten(),
            };
            let is_spec = named(&f.path)
                || text
                    .as_deref()
                    .is_some_and(|t| model::looks_like_spec(&head_text(t)));
            if is_spec {
                jobs.insert(Job {
                    base: f
                        .base_path()
                        .map(|p| (true, String::from_utf8_lossy(p).into_owned())),
                    head: f
                        .head_path()
                        .map(|p| (false, String::from_utf8_lossy(p).into_owned())),
                    explicit: false,
                });
            } else {
                changed_other.insert(f.path.clone());
                if let Some(old) = &f.old_path {
                    changed_other.insert(old.clone());
                }
            }
        }
        // Specs that reference a changed file are re-checked too.
        if !changed_other.is_empty() {
            let listed: BTreeSet<String> = jobs
                .iter()
                .filter_map(|j| j.head.as_ref().map(|h| h.1.clone()))
                .collect();
            for path in ctx.repo.list_files(&ctx.changes.head)?.iter() {
                if listed.contains(path) || ignored(path) || !is_candidate_name(path) {
                    continue;
                }
                let Some(bytes) = ctx.repo.read(&ctx.changes.head, path.as_bytes())? else {
                    continue;
                };
                if !model::looks_like_spec(&head_text(&bytes)) {
                    continue;
                }
                let mut reader = |p: &str| -> Result<Option<Vec<u8>>> {
                    Ok(ctx.repo.read(&ctx.changes.head, p.as_bytes())?)
                };
                let Ok(docs) = Docs::load(path, &bytes, &mut reader) else {
                    continue;
                };
                if docs
                    .docs
                    .iter()
                    .skip(1)
                    .any(|d| changed_other.contains(&d.path))
                {
                    run.notes.push(format!(
                        "{path}: re-checked because a file it references changed"
                    ));
                    jobs.insert(Job {
                        base: Some((true, path.clone())),
                        head: Some((false, path.clone())),
                        explicit: false,
                    });
                }
            }
        }
        for pair in &cfg.compare {
            jobs.insert(Job {
                base: Some((false, pair.base.clone())),
                head: Some((false, pair.revision.clone())),
                explicit: true,
            });
        }
        if jobs.is_empty() {
            return Ok(GateRun::skipped("no OpenAPI/Swagger spec changed"));
        }
        let opts = cfg.options();
        let mut texts: std::collections::HashMap<String, Option<String>> = Default::default();
        let mut compared = 0;
        let mut breaking = 0;
        for job in &jobs {
            let head = match &job.head {
                Some((at_base, path)) => load(ctx, side_of(*at_base), path)?,
                None => None,
            };
            let base = match &job.base {
                Some((at_base, path)) => match load(ctx, side_of(*at_base), path) {
                    Ok(docs) => docs,
                    Err(e) => {
                        run.notes.push(format!(
                            "base version could not be loaded, nothing compared: {e:#}"
                        ));
                        continue;
                    }
                },
                None => None,
            };
            let (Some(base), head) = (base, head) else {
                if let Some((_, p)) = &job.head {
                    run.notes
                        .push(format!("{p}: new spec, nothing to compare it with"));
                }
                continue;
            };
            let head = match head {
                Some(h) => h,
                None => empty_docs(&base.docs[0].path)?,
            };
            let urls = head.url_refs();
            if !urls.is_empty() {
                run.notes.push(format!(
                    "{}: {} URL $ref(s) not followed (no network); what they point at is not compared: {}",
                    head.docs[0].path,
                    urls.len(),
                    urls.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            if job.explicit {
                let touched = |d: &Docs| d.docs.iter().any(|doc| changed.contains(&doc.path));
                if !touched(&base) && !touched(&head) {
                    run.notes.push(format!(
                        "{} -> {}: neither spec (nor a file they reference) changed, not compared",
                        base.docs[0].path, head.docs[0].path
                    ));
                    continue;
                }
            }
            let mut keep = |c: &Change| -> Result<bool> {
                if c.side == Side::Head && suppressed_inline(ctx, &mut texts, c)? {
                    run.notes.push(format!(
                        "{}:{}: {} suppressed by a `shipgate:allow` comment",
                        c.path, c.line, c.rule
                    ));
                    return Ok(false);
                }
                Ok(true)
            };
            let changes =
                compare_docs_keeping(&base, &head, &opts, cfg.require_major_bump(), &mut keep)?;
            compared += 1;
            breaking += changes
                .iter()
                .filter(|c| {
                    c.severity == crate::finding::Severity::Error
                        && c.rule != "api-major-version-not-bumped"
                })
                .count();
            run.findings.extend(changes.iter().map(to_finding));
        }
        if compared == 0 && run.findings.is_empty() {
            run.skipped = Some("no OpenAPI/Swagger spec with a base version changed".into());
        }
        run.metric("specs_compared", compared);
        run.metric("breaking_changes", breaking);
        Ok(run)
    }
}

/// Whether a `# shipgate:allow` comment on the finding's head line (or the
/// line above) silences it, and policy lets it: `# shipgate:allow` alone
/// silences every rule, `# shipgate:allow rule-a, rule-b` only those.
fn suppressed_inline(
    ctx: &GateContext<'_>,
    texts: &mut std::collections::HashMap<String, Option<String>>,
    c: &Change,
) -> Result<bool> {
    if !texts.contains_key(&c.path) {
        let text = ctx
            .read(Side::Head, c.path.as_bytes())?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        texts.insert(c.path.clone(), text);
    }
    let Some(Some(text)) = texts.get(&c.path) else {
        return Ok(false);
    };
    let line_no = c.line as usize;
    let candidates = [line_no, line_no.saturating_sub(1)];
    for n in candidates.into_iter().filter(|n| *n >= 1) {
        let Some(line) = text.lines().nth(n - 1) else {
            continue;
        };
        if allow_comment_covers(line, &c.rule) {
            return Ok(ctx.allow_inline_suppression("openapi", &c.rule, &c.path, n as u32));
        }
    }
    Ok(false)
}

/// Does `line` carry a `shipgate:allow` comment covering `rule`?
fn allow_comment_covers(line: &str, rule: &str) -> bool {
    let Some(at) = line.find("shipgate:allow") else {
        return false;
    };
    // Only in a comment (YAML `#`), not inside a value.
    if !line[..at].contains('#') {
        return false;
    }
    let rest = line[at + "shipgate:allow".len()..].trim();
    let ids: Vec<&str> = rest
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    ids.is_empty() || ids.contains(&rule)
}

fn load(ctx: &GateContext<'_>, side: Side, path: &str) -> Result<Option<Docs>> {
    let Some(bytes) = ctx.read(side, path.as_bytes())? else {
        return Ok(None);
    };
    let mut reader = |p: &str| -> Result<Option<Vec<u8>>> { ctx.read(side, p.as_bytes()) };
    let which = if side == Side::Base { "base" } else { "head" };
    Docs::load(path, &bytes, &mut reader)
        .map(Some)
        .map_err(|e| e.context(format!("{which} version of {path}")))
}

/// A spec with no operations (what a deleted spec is compared with).
fn empty_docs(path: &str) -> Result<Docs> {
    let mut none = |_: &str| Ok(None);
    Docs::load(path, b"openapi: 3.0.0\npaths: {}\n", &mut none)
}

/// Compare two loaded specs and apply the versioning policy.
pub fn compare_docs(
    base: &Docs,
    head: &Docs,
    opts: &Options,
    require_major_bump: bool,
) -> Result<Vec<Change>> {
    compare_docs_keeping(base, head, opts, require_major_bump, &mut |_| Ok(true))
}

/// [`compare_docs`], dropping the changes `keep` refuses (inline suppressions)
/// before the versioning policy counts breaking changes.
pub fn compare_docs_keeping(
    base: &Docs,
    head: &Docs,
    opts: &Options,
    require_major_bump: bool,
    keep: &mut dyn FnMut(&Change) -> Result<bool>,
) -> Result<Vec<Change>> {
    let bs = model::Spec::build(base)?;
    let hs = model::Spec::build(head)?;
    let mut changes = Vec::new();
    for c in diff::compare(&bs, &hs, opts)? {
        if keep(&c)? {
            changes.push(c);
        }
    }
    if require_major_bump {
        policy::apply_versioning(&mut changes, &bs, &hs);
    }
    Ok(changes)
}

/// A change as a finding (title from the rule catalogue, help from its doc).
pub fn to_finding(c: &Change) -> Finding {
    let info = rules::find(&c.rule);
    let title = info.map(|r| r.summary).unwrap_or("OpenAPI change");
    let mut location = Location::line(c.path.clone(), c.line);
    if c.side == Side::Base {
        location = location.in_base();
    }
    // The rule's own "Fix:" advice when its doc has one.
    let fix = info
        .and_then(|r| r.doc.split_once("Fix: "))
        .map(|(_, rest)| rest.split("\n\n").next().unwrap_or(rest).trim().to_string());
    let help = match (fix, c.severity) {
        (Some(fix), _) => format!("{fix} (`shipgate explain {}`)", c.rule),
        (None, crate::finding::Severity::Error) => format!(
            "Keep the contract compatible, or ship this as a new major version and deprecate the old one first (`shipgate explain {}`).",
            c.rule
        ),
        (None, _) => format!("See `shipgate explain {}`.", c.rule),
    };
    let mut f = Finding::new(
        "openapi",
        &c.rule,
        c.severity,
        title,
        Some(location),
        &c.key,
    )
    .with_message(c.message())
    .with_help(help);
    // The catalogue's default may have been changed by policy (major bump, stability).
    f.severity = c.severity;
    f
}

#[cfg(test)]
mod tests {
    #[test]
    fn allow_comments_name_rules_or_all() {
        use super::allow_comment_covers as covers;
        assert!(covers(
            "  maxLength: 20 # shipgate:allow",
            "request-property-max-length-decreased"
        ));
        assert!(covers(
            "# shipgate:allow request-property-max-length-decreased, x",
            "request-property-max-length-decreased"
        ));
        assert!(!covers(
            "# shipgate:allow other-rule",
            "request-property-max-length-decreased"
        ));
        assert!(!covers("description: 'shipgate:allow'", "any"));
    }
}
