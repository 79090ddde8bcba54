//! The avro gate over a change: every changed schema file is validated, then
//! checked against its base version (or, in transitive modes, its earlier
//! versions on the target branch) under its configured mode.
//! Not for: the rules themselves (see `compat`, `mode`).

use super::findings::{self, Against};
use super::history;
use super::loader::{Loaded, Loader};
use super::mode::Mode;
use super::registry::{Registry, Verdict as RegistryVerdict};
use crate::changeset::{ChangedFile, FileStatus};
use crate::finding::Side;
use crate::gates::{GateContext, GateRun};
use crate::glob;

/// Commits walked at most when collecting history.
const MAX_HISTORY_COMMITS: usize = 20_000;

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

pub fn run(ctx: &GateContext<'_>) -> anyhow::Result<GateRun> {
    let cfg = &ctx.config.gates.avro;
    let globs = cfg.schema_globs();
    let changed: Vec<_> = ctx
        .changes
        .files
        .iter()
        .filter(|f| !f.binary && globs.iter().any(|g| glob::matches(g, &f.path)))
        .collect();
    if changed.is_empty() {
        return Ok(GateRun::skipped(format!(
            "no Avro schema file changed (schemas: {})",
            globs.join(", ")
        )));
    }
    let mut run = GateRun::default();

    // One history walk for every file a transitive mode checks.
    let transitive: Vec<String> = changed
        .iter()
        .filter(|f| cfg.mode_for(&f.path).transitive() && f.status != FileStatus::Deleted)
        .filter_map(|f| {
            f.base_path()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        })
        .collect();
    let histories = if transitive.is_empty() {
        history::Histories::default()
    } else {
        let h = history::earlier_versions(
            ctx.repo.workdir(),
            &ctx.changes.base,
            &transitive,
            cfg.history_depth(),
            MAX_HISTORY_COMMITS,
        )?;
        if h.truncated {
            run.notes.push(format!(
                "history walk stopped after {MAX_HISTORY_COMMITS} commits; older versions were not checked"
            ));
        }
        if ctx.repo.is_shallow() {
            run.notes.push(
                "shallow clone: transitive modes only see the fetched history (fetch more, e.g. fetch-depth: 0)"
                    .into(),
            );
        }
        h
    };

    // Files are judged on worker threads (parsing and checking are CPU-bound;
    // git reads are serialised by the repository handle).
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(changed.len());
    let per_worker = changed.len().div_ceil(workers.max(1));
    let results: Vec<anyhow::Result<Vec<FileResult>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = changed
            .chunks(per_worker.max(1))
            .map(|chunk| {
                let (histories, globs) = (&histories, globs.clone());
                scope.spawn(move || {
                    let mut loader = Loader::new(Some(ctx.repo), globs);
                    chunk
                        .iter()
                        .map(|file| check_file(ctx, file, histories, &mut loader))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("avro gate: a worker thread panicked")))
            })
            .collect()
    });
    let (mut checked, mut compared) = (0u64, 0u64);
    let mut for_registry = Vec::new();
    for result in results {
        for file in result? {
            run.findings.extend(file.findings);
            run.notes.extend(file.notes);
            checked += u64::from(file.checked);
            compared += file.compared;
            for_registry.extend(file.registry);
        }
    }
    if let Some(registry) = Registry::from_config(&cfg.registry) {
        let mut asked = 0u64;
        for (path, text) in for_registry {
            let subject = cfg.registry.subject_for(&path);
            asked += 1;
            match registry.check(&subject, &text) {
                Ok(RegistryVerdict::Compatible) => {}
                Ok(RegistryVerdict::NoSubject) => run.notes.push(format!(
                    "{path}: subject `{subject}` has no registered version yet; nothing to compare with in the registry"
                )),
                Ok(RegistryVerdict::Incompatible(messages)) => {
                    run.findings.push(findings::registry_incompatible(&path, &subject, &messages))
                }
                Err(e) => run
                    .findings
                    .push(findings::registry_unavailable(&path, &subject, &e.to_string())),
            }
        }
        run.metric("registry_checks", asked);
    }
    run.metric("schemas_checked", checked);
    run.metric("versions_compared", compared);
    Ok(run)
}

/// What judging one file produced.
#[derive(Default)]
struct FileResult {
    findings: Vec<crate::finding::Finding>,
    notes: Vec<String>,
    checked: bool,
    compared: u64,
    /// For the registry check: the file's path and text, if it is valid and self-contained.
    registry: Option<(String, String)>,
    /// The head file's text (for inline suppressions).
    head_text: Option<Vec<u8>>,
}

/// Judge one file, then drop the findings an inline `shipgate:allow` comment
/// silences (where policy lets it: see `GateContext::allow_inline_suppression`).
fn check_file(
    ctx: &GateContext<'_>,
    file: &ChangedFile,
    histories: &history::Histories,
    loader: &mut Loader<'_>,
) -> anyhow::Result<FileResult> {
    let mut out = judge_file(ctx, file, histories, loader)?;
    if let Some(text) = out.head_text.take() {
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text.lines().collect();
        out.findings.retain(|f| {
            let Some(loc) = f.location.as_ref().filter(|l| l.side == Side::Head) else {
                return true;
            };
            let line = loc.start_line;
            let allowed = lines
                .get((line as usize).wrapping_sub(1))
                .and_then(|l| allow_comment(l))
                .is_some_and(|rules| rules.is_empty() || rules.iter().any(|r| *r == f.rule));
            !(allowed && ctx.allow_inline_suppression("avro", &f.rule, &loc.path, line))
        });
    }
    Ok(out)
}

/// The rules a `// shipgate:allow [RULE...]` (or `/* ... */`) comment on `line`
/// names; empty means every rule. `None` when the line has no such comment.
fn allow_comment(line: &str) -> Option<Vec<&str>> {
    let start = line.find("//").or_else(|| line.find("/*"))?;
    let comment = &line[start..];
    let at = comment.find("shipgate:allow")?;
    let rest = comment[at + "shipgate:allow".len()..].trim_end_matches("*/");
    Some(
        rest.split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_end_matches("*/"))
            .filter(|w| w.starts_with("avro-"))
            .collect(),
    )
}

/// Validate one changed schema file and check it against its earlier versions.
fn judge_file(
    ctx: &GateContext<'_>,
    file: &ChangedFile,
    histories: &history::Histories,
    loader: &mut Loader<'_>,
) -> anyhow::Result<FileResult> {
    let cfg = &ctx.config.gates.avro;
    let mut out = FileResult::default();
    if file.status == FileStatus::Deleted {
        out.notes.push(format!(
            "{}: schema file deleted (the registry subject, if any, is not checked)",
            file.path
        ));
        return Ok(out);
    }
    let Some(head_path) = file.head_path() else {
        return Ok(out);
    };
    let Some(bytes) = ctx.read(Side::Head, head_path)? else {
        return Ok(out);
    };
    out.checked = true;
    out.head_text = Some(bytes.clone());
    let new = match loader.load(Some(&ctx.changes.head), &file.path, &bytes) {
        Ok(l) => l,
        Err(errors) => {
            out.findings
                .extend(errors.iter().map(findings::schema_problem));
            return Ok(out);
        }
    };
    let issues = new.set.validate(|i| i == 0);
    let invalid = issues.iter().any(|e| !e.is_warning());
    out.findings
        .extend(issues.iter().map(findings::schema_problem));
    if !invalid && cfg.registry.url.is_some() {
        if new.set.files.len() == 1 {
            out.registry = Some((
                file.path.clone(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        } else {
            out.notes.push(format!(
                "{}: uses types from other files, which the registry needs as schema references; not sent to the registry",
                file.path
            ));
        }
    }
    let mode = cfg.mode_for(&file.path);
    if invalid || mode == Mode::None {
        return Ok(out);
    }
    let Some(base_raw) = file.base_path() else {
        return Ok(out);
    };
    let base_path = String::from_utf8_lossy(base_raw).into_owned();

    // Earlier versions, oldest first, with labels.
    let mut previous: Vec<(String, bool, Loaded)> = Vec::new();
    if mode.transitive() {
        let versions = histories
            .versions
            .get(&base_path)
            .map_or(&[][..], |v| &v[..]);
        let newest = versions.len().saturating_sub(1);
        for (i, v) in versions.iter().enumerate() {
            let is_base = i == newest && v.commit == ctx.changes.base;
            let label = if is_base {
                format!("the base version ({})", short(&v.commit))
            } else {
                format!("the version of commit {}", short(&v.commit))
            };
            match loader.load(Some(&v.commit), &base_path, &v.bytes) {
                Ok(l) => previous.push((label, is_base, l)),
                Err(e) => out.notes.push(format!(
                    "{base_path} at {}: earlier version not checked, it does not read: {}",
                    short(&v.commit),
                    e.first().map(|e| e.to_string()).unwrap_or_default()
                )),
            }
        }
    } else if let Some(old) = ctx.read(Side::Base, base_raw)? {
        match loader.load(Some(&ctx.changes.base), &base_path, &old) {
            Ok(l) => previous.push((
                format!("the base version ({})", short(&ctx.changes.base)),
                true,
                l,
            )),
            Err(e) => out.notes.push(format!(
                "{base_path}: the base version does not read, so compatibility was not checked: {}",
                e.first().map(|e| e.to_string()).unwrap_or_default()
            )),
        }
    }
    if previous.is_empty() {
        return Ok(out);
    }
    out.compared = previous.len() as u64;
    let roots: Vec<_> = previous.iter().map(|(_, _, l)| l.root).collect();
    let against: Vec<Against<'_>> = previous
        .iter()
        .map(|(label, is_base, l)| Against {
            path: &base_path,
            label: label.clone(),
            set: &l.set,
            is_base: *is_base,
        })
        .collect();
    out.findings.extend(findings::compare(
        mode,
        &file.path,
        (&new.set, new.root),
        &against,
        &roots,
        file.path.ends_with(".avpr"),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::allow_comment;

    #[test]
    fn allow_comments_name_rules_or_all() {
        assert_eq!(
            allow_comment(r#"  {"name": "a", "type": "int"} // shipgate:allow"#),
            Some(vec![])
        );
        assert_eq!(
            allow_comment(
                r#"{"name": "a"}, /* shipgate:allow avro-type-mismatch, avro-name-mismatch */"#
            ),
            Some(vec!["avro-type-mismatch", "avro-name-mismatch"])
        );
        assert_eq!(allow_comment(r#"{"name": "shipgate:allow"}"#), None);
        assert_eq!(allow_comment(r#"{"name": "a"} // just a note"#), None);
    }
}
