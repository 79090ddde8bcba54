//! The coverage gate: line coverage of added lines, total line coverage and
//! its drop against a base report, from any common report format (detected by
//! content; several reports merged). Config section: `gates.coverage`.
//!
//! Modules: `formats` (one parser per format) and `detect` read reports into
//! the `model`; `paths` maps report paths to repository files; `discover`
//! finds report files; `filter` holds include/exclude globs; `analysis`
//! computes the figures; `rules` turns figures into findings; `standalone` is
//! `shipgate coverage`; `timing` prints phase timings for profiling.

pub mod analysis;
pub mod detect;
pub mod discover;
pub mod filter;
pub mod formats;
pub mod model;
pub mod paths;
pub mod rules;
pub mod standalone;
mod timing;

use crate::finding::Side;
use crate::gates::{Gate, GateContext, GateId, GateRun};
use crate::rules::RuleInfo;
use analysis::{Analysis, Changed, Ratio};
use anyhow::{anyhow, bail};
use filter::{Globs, PathFilter};
use model::{FileCoverage, ParsedReport};
use paths::{Mapped, PathMapper, PathRule};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A stricter `min_patch` for some paths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathThreshold {
    /// Globs of repository paths this threshold applies to.
    pub paths: Vec<String>,
    /// Minimum line coverage of the added lines under `paths`, in percent.
    pub min_patch: Option<f64>,
}

crate::gate_config! {
    /// `gates.coverage` in .shipgate.yml.
    pub struct CoverageConfig {
        /// Report files or globs, relative to the repository root (default: the
        /// usual places, see docs/coverage.md). `--coverage FILE` overrides.
        pub reports: Vec<String>,
        /// Reports of the base commit, for `max_drop` (default: none).
        pub base_reports: Vec<String>,
        /// When no report is found: `true` skips the gate with the reason,
        /// `false` is a gate error. Default: an error when coverage was asked
        /// for (`reports`, `--coverage`, or a threshold), else skipped, so a
        /// repository without coverage still gets a useful zero-setup check.
        pub optional: Option<bool>,
        /// Minimum line coverage of added lines, percent (default: none).
        pub min_patch: Option<f64>,
        /// Minimum line coverage of all measured lines, percent (default: none).
        pub min_total: Option<f64>,
        /// Maximum drop of total line coverage against the base report, points (default: none).
        pub max_drop: Option<f64>,
        /// Changes with fewer added executable lines are exempt from `min_patch` (default 0: off).
        pub min_changed_lines: u64,
        /// Only these paths count (globs; default: all).
        pub include: Vec<String>,
        /// These paths never count (globs; default: none).
        pub exclude: Vec<String>,
        /// Changed files matching these globs are not expected in any report
        /// (default: common test and fixture paths).
        pub no_data_expected: Option<Vec<String>>,
        /// Rewrite report path prefixes before matching (`{from, to}`).
        pub path_map: Vec<PathRule>,
        /// Stricter `min_patch` for some paths.
        pub thresholds: Vec<PathThreshold>,
    }
}

/// The coverage gate.
pub struct CoverageGate;

static GATE: CoverageGate = CoverageGate;

/// This gate's implementation.
pub fn gate() -> Option<&'static dyn Gate> {
    Some(&GATE)
}

/// The metric names, as every output spells them.
pub const PATCH_METRIC: &str = "line coverage of added lines";
pub const TOTAL_METRIC: &str = "line coverage of all measured lines";
pub const BRANCH_METRIC: &str = "branch coverage of added lines";

impl Gate for CoverageGate {
    fn id(&self) -> GateId {
        GateId::Coverage
    }

    fn rules(&self) -> &'static [RuleInfo] {
        &rules::RULES
    }

    fn run(&self, ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
        run(ctx)
    }
}

/// What loading a set of reports produced.
#[derive(Default)]
struct Loaded {
    coverage: BTreeMap<String, FileCoverage>,
    notes: Vec<String>,
    unmapped: Vec<String>,
    reports: Vec<serde_json::Value>,
    /// Extensions of every file the reports name, mapped or not.
    measured_types: BTreeSet<String>,
}

fn check_percent(key: &str, value: Option<f64>) -> anyhow::Result<Option<f64>> {
    match value {
        Some(v) if !(0.0..=100.0).contains(&v) || v.is_nan() => {
            bail!("gates.coverage.{key}: expected a percentage between 0 and 100, found {v}")
        }
        other => Ok(other),
    }
}

fn run(ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
    let config = &ctx.config.gates.coverage;
    let min_patch = check_percent(
        "min_patch",
        ctx.inputs.coverage_min_patch.or(config.min_patch),
    )?;
    let min_total = check_percent(
        "min_total",
        ctx.inputs.coverage_min_total.or(config.min_total),
    )?;
    let max_drop = check_percent("max_drop", config.max_drop)?;
    let root = ctx.repo.workdir().to_path_buf();

    let (report_paths, how) = choose_reports(ctx, &root)?;
    if report_paths.is_empty() {
        let reason = format!(
            "no coverage report found ({how}); pass --coverage FILE or set gates.coverage.reports"
        );
        let asked = !config.reports.is_empty()
            || !ctx.inputs.coverage_reports.is_empty()
            || min_patch.is_some()
            || min_total.is_some()
            || max_drop.is_some();
        match config.optional {
            Some(true) => {
                return Ok(GateRun::skipped(format!(
                    "{reason} (gates.coverage.optional is true)"
                )));
            }
            None if !asked => {
                return Ok(GateRun::skipped(format!(
                    "{reason}; the gate is optional until coverage is asked for (reports, --coverage or a threshold)"
                )));
            }
            _ => {}
        }
        bail!("{reason}; set gates.coverage.optional: true to skip the gate when there is none");
    }

    let phases = timing::Phases::from_env();
    let head_files = ctx.repo.list_files(&ctx.changes.head)?;
    let mapper = PathMapper::new(&head_files, &config.path_map, &root.to_string_lossy());
    let filter = PathFilter::new(&config.include, &config.exclude)?;
    let no_data_expected = match &config.no_data_expected {
        Some(globs) => Globs::new(globs, "no_data_expected")?,
        None => Globs::new(filter::DEFAULT_NO_DATA_EXPECTED, "no_data_expected")?,
    };
    let changed: Vec<Changed<'_>> = ctx
        .changes
        .text_files_in_head()
        .map(|f| Changed {
            path: &f.path,
            added: &f.added,
        })
        .collect();
    phases.mark("list head files, index paths");
    // The head text of changed files (for the fingerprints of uncovered runs)
    // is read from git on a second thread while the reports are parsed.
    let (head, texts) = std::thread::scope(|scope| {
        let texts = scope.spawn(|| head_texts(ctx, &filter));
        let head = load(ctx, &report_paths, &mapper, &phases);
        let texts = texts
            .join()
            .unwrap_or_else(|_| Err(anyhow!("internal error: reading changed files panicked")));
        (head, texts)
    });
    let (head, texts) = (head?, texts?);
    phases.mark("wait for changed files' text");

    let analysis = analysis::analyze(
        &head.coverage,
        &changed,
        &filter,
        &no_data_expected,
        &head.measured_types,
    );
    phases.mark("analyze");

    let mut run = GateRun {
        notes: head.notes.clone(),
        ..GateRun::default()
    };
    findings(
        ctx, &mut run, &analysis, &head, &texts, min_patch, min_total,
    )?;
    phases.mark("findings");

    // Base report: total coverage drop.
    let base_paths = base_reports(ctx, &root)?;
    if !base_paths.is_empty() {
        let base = load(ctx, &base_paths, &mapper, &phases)?;
        let base_total = analysis::total(&base.coverage, &filter);
        run.metric("base_total", base_total.to_json(TOTAL_METRIC));
        if let (Some(b), Some(h)) = (base_total.percent(), analysis.total.percent()) {
            run.metric("total_change_points", ((h - b) * 100.0).round() / 100.0);
        }
        if let Some(max) = max_drop {
            run.findings
                .extend(rules::thresholds::dropped(base_total, analysis.total, max));
        }
    } else if max_drop.is_some() {
        run.notes.push("max_drop not applied: no base report given (gates.coverage.base_reports or --base-report)".into());
    }

    metrics(&mut run, &analysis, &head);
    phases.mark("metrics");
    Ok(run)
}

fn findings(
    ctx: &GateContext<'_>,
    run: &mut GateRun,
    analysis: &Analysis,
    head: &Loaded,
    texts: &HashMap<&str, Vec<u8>>,
    min_patch: Option<f64>,
    min_total: Option<f64>,
) -> anyhow::Result<()> {
    let config = &ctx.config.gates.coverage;
    for file in &analysis.files {
        if file.uncovered.is_empty() {
            continue;
        }
        let text = texts.get(file.path.as_str());
        run.findings.extend(rules::uncovered_added_lines::findings(
            file,
            text.map(Vec::as_slice),
        ));
    }
    let exempt = analysis.patch.total < config.min_changed_lines;
    if exempt {
        run.notes.push(format!(
            "{PATCH_METRIC}: thresholds not applied, the change adds {} executable line(s), fewer than min_changed_lines ({})",
            analysis.patch.total, config.min_changed_lines
        ));
    }
    if let Some(min) = min_patch.filter(|_| !exempt) {
        run.findings.extend(rules::thresholds::below_minimum(
            &rules::thresholds::PATCH_BELOW_MINIMUM,
            PATCH_METRIC,
            analysis.patch,
            min,
            None,
        ));
    }
    for (i, t) in config.thresholds.iter().enumerate() {
        let Some(min) = check_percent(&format!("thresholds[{i}].min_patch"), t.min_patch)? else {
            continue;
        };
        let globs = Globs::new(&t.paths, &format!("thresholds[{i}].paths"))?;
        let mut ratio = Ratio::default();
        for f in analysis.files.iter().filter(|f| globs.matches(&f.path)) {
            ratio.add(f.lines);
        }
        let scope = t.paths.join(", ");
        if !exempt {
            run.findings.extend(rules::thresholds::below_minimum(
                &rules::thresholds::PATCH_BELOW_MINIMUM,
                PATCH_METRIC,
                ratio,
                min,
                Some(&scope),
            ));
        }
    }
    if let Some(min) = min_total {
        run.findings.extend(rules::thresholds::below_minimum(
            &rules::thresholds::TOTAL_BELOW_MINIMUM,
            TOTAL_METRIC,
            analysis.total,
            min,
            None,
        ));
    }
    run.findings
        .extend(rules::missing_data::file_findings(&analysis.without_data));
    if !analysis.without_data.is_empty() && analysis.with_data == 0 {
        let examples: Vec<String> = head.unmapped.iter().take(3).cloned().collect();
        run.findings.push(rules::missing_data::change_finding(
            &analysis.without_data,
            &examples,
        ));
    }
    if analysis.patch.total == 0 && analysis.without_data.is_empty() {
        run.notes.push(format!(
            "{PATCH_METRIC}: the change adds no executable lines that the reports measure"
        ));
    }
    Ok(())
}

fn metrics(run: &mut GateRun, analysis: &Analysis, head: &Loaded) {
    run.metric("patch", analysis.patch.to_json(PATCH_METRIC));
    run.metric("total", analysis.total.to_json(TOTAL_METRIC));
    if analysis.patch_branches.total > 0 {
        run.metric(
            "patch_branches",
            analysis.patch_branches.to_json(BRANCH_METRIC),
        );
    }
    let files: serde_json::Map<String, serde_json::Value> = analysis
        .files
        .iter()
        .map(|f| {
            let mut v = f.lines.to_json(PATCH_METRIC);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("metric");
                obj.insert(
                    "uncovered".into(),
                    json!(f.uncovered.iter().map(|&(s, e)| [s, e]).collect::<Vec<_>>()),
                );
            }
            (f.path.clone(), v)
        })
        .collect();
    run.metric("files", serde_json::Value::Object(files));
    if !analysis.without_data.is_empty() {
        run.metric("files_without_coverage", json!(analysis.without_data));
    }
    run.metric("reports", json!(head.reports));
}

/// The head text of each changed file with added lines that the filters
/// allow: the files whose added lines the gate judges.
fn head_texts<'c>(
    ctx: &'c GateContext<'_>,
    filter: &PathFilter,
) -> anyhow::Result<HashMap<&'c str, Vec<u8>>> {
    let mut texts = HashMap::new();
    for f in ctx.changes.text_files_in_head() {
        if f.added.is_empty() || !filter.allows(&f.path) {
            continue;
        }
        if let Some(path) = f.head_path()
            && let Some(text) = ctx.read(Side::Head, path)?
        {
            texts.insert(f.path.as_str(), text);
        }
    }
    Ok(texts)
}

/// The report files for this run, and a description of where they were looked for.
fn choose_reports(ctx: &GateContext<'_>, root: &Path) -> anyhow::Result<(Vec<PathBuf>, String)> {
    if !ctx.inputs.coverage_reports.is_empty() {
        return Ok((
            ctx.inputs.coverage_reports.clone(),
            "given with --coverage".into(),
        ));
    }
    let config = &ctx.config.gates.coverage;
    if !config.reports.is_empty() {
        let (found, _) = discover::expand(root, &config.reports)?;
        return Ok((
            found,
            format!("gates.coverage.reports: {}", config.reports.join(", ")),
        ));
    }
    let defaults: Vec<String> = discover::DEFAULT_REPORTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (found, _) = discover::expand(root, &defaults)?;
    Ok((found, format!("looked for {}", defaults.join(", "))))
}

fn base_reports(ctx: &GateContext<'_>, root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !ctx.inputs.coverage_base_reports.is_empty() {
        return Ok(ctx.inputs.coverage_base_reports.clone());
    }
    let patterns = &ctx.config.gates.coverage.base_reports;
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    let (found, unmatched) = discover::expand(root, patterns)?;
    if found.is_empty() {
        bail!(
            "gates.coverage.base_reports: no file matches {}",
            unmatched.join(", ")
        );
    }
    Ok(found)
}

/// Read, parse, map and merge reports.
fn load(
    ctx: &GateContext<'_>,
    paths: &[PathBuf],
    mapper: &PathMapper<'_>,
    phases: &timing::Phases,
) -> anyhow::Result<Loaded> {
    let mut loaded = Loaded::default();
    let mut ambiguous = Vec::new();
    // Several reports are parsed side by side, as many at once as there are cores.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    for batch in paths.chunks(workers) {
        let mut read = Vec::with_capacity(batch.len());
        for path in batch {
            let shown = path
                .strip_prefix(ctx.repo.workdir())
                .unwrap_or(path)
                .display()
                .to_string();
            read.push((shown, ctx.read_workdir_file(path)?));
        }
        phases.mark("read report(s)");
        let parse = |(shown, bytes): &(String, Vec<u8>)| {
            formats::parse(bytes).map_err(|e| anyhow!("{shown}:{}: {}", e.line, e.message))
        };
        let parsed: Vec<anyhow::Result<ParsedReport>> = if read.len() == 1 {
            read.iter().map(parse).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = read.iter().map(|r| scope.spawn(move || parse(r))).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(anyhow!("internal error: a report parser panicked"))
                        })
                    })
                    .collect()
            })
        };
        phases.mark("parse report(s)");
        for ((shown, bytes), report) in read.into_iter().zip(parsed) {
            drop(bytes);
            merge_report(&mut loaded, &mut ambiguous, &shown, report?, mapper);
        }
        phases.mark("map report paths");
    }
    loaded.unmapped.sort();
    loaded.unmapped.dedup();
    if !loaded.unmapped.is_empty() {
        let examples: Vec<&str> = loaded.unmapped.iter().take(3).map(String::as_str).collect();
        loaded.notes.push(format!(
            "{} report path(s) match no file at head and are not counted (e.g. {}); add a gates.coverage.path_map rule if they should",
            loaded.unmapped.len(),
            examples.join(", ")
        ));
    }
    if !ambiguous.is_empty() {
        loaded.notes.push(format!(
            "{} report path(s) match several repository files equally well and are not counted: {}; add a gates.coverage.path_map rule",
            ambiguous.len(),
            ambiguous.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(loaded)
}

/// Map one parsed report's files to repository paths and merge them into
/// `loaded`. A path the report repeats (a class per record) is mapped once.
fn merge_report(
    loaded: &mut Loaded,
    ambiguous: &mut Vec<String>,
    shown: &str,
    report: ParsedReport,
    mapper: &PathMapper<'_>,
) {
    let (mut mapped, mut unmapped) = (0usize, 0usize);
    let mut seen: HashMap<String, (Vec<String>, Mapped)> = HashMap::new();
    for file in report.files {
        if let Some(ext) = analysis::extension(&paths::normalize(&file.path)) {
            loaded.measured_types.insert(ext);
        }
        let target = match seen.get(&file.path) {
            Some((roots, target)) if *roots == file.roots => target.clone(),
            _ => {
                let target = mapper.map(&file.path, &file.roots);
                seen.insert(file.path.clone(), (file.roots.clone(), target.clone()));
                target
            }
        };
        match target {
            Mapped::Found(repo_path) => {
                mapped += 1;
                match loaded.coverage.entry(repo_path) {
                    Entry::Vacant(slot) => {
                        slot.insert(file.coverage);
                    }
                    Entry::Occupied(mut slot) => slot.get_mut().merge(&file.coverage),
                }
            }
            Mapped::Ambiguous(candidates) => {
                unmapped += 1;
                ambiguous.push(format!("{} ({})", file.path, candidates.join(" or ")));
            }
            Mapped::NotFound => {
                unmapped += 1;
                loaded.unmapped.push(file.path);
            }
        }
    }
    loaded.reports.push(json!({"path": shown, "format": report.format.as_str(), "files": mapped + unmapped, "mapped": mapped}));
    loaded.notes.push(format!(
        "read {shown} ({} report, {} file(s), {mapped} mapped to the repository)",
        report.format,
        mapped + unmapped
    ));
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn every_config_key_parses_and_unknown_keys_name_their_line() {
        let text = "gates:\n  coverage:\n    reports: [\"**/lcov.info\"]\n    base_reports: [base/lcov.info]\n    optional: true\n    min_patch: 80\n    min_total: 60.5\n    max_drop: 0.5\n    min_changed_lines: 5\n    include: [\"src/**\"]\n    exclude: [\"**/generated/**\"]\n    no_data_expected: [\"scripts/**\"]\n    path_map:\n      - {from: /opt/app/, to: services/app/}\n    thresholds:\n      - paths: [\"src/payments/**\"]\n        min_patch: 95\n    rules:\n      uncovered-added-lines: notice\n";
        let config = Config::parse(text, "c.yml").expect("parses");
        let c = &config.gates.coverage;
        assert_eq!(c.min_patch, Some(80.0));
        assert_eq!(c.thresholds[0].min_patch, Some(95.0));
        assert_eq!(c.path_map[0].to, "services/app/");
        let err = Config::parse(
            "gates:\n  coverage:\n    thresholds:\n      - paths: [a]\n        min_pach: 95\n",
            "c.yml",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.starts_with("c.yml:5"), "{err}");
    }
}
