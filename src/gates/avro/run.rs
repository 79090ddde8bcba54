//! The avro gate over a change: every changed schema file is validated, then
//! checked against its base version (or, in transitive modes, its earlier
//! versions on the target branch) under its configured mode.
//! Not for: the rules themselves (see `compat`, `mode`).

use super::findings::{self, Against};
use super::loader::{Loaded, Loader};
use super::mode::{self, Mode};
use super::{compat, glob, history};
use crate::changeset::FileStatus;
use crate::finding::Side;
use crate::gates::{GateContext, GateRun};

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
    let mut loader = Loader::new(Some(ctx.repo), globs);

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

    let (mut checked, mut compared) = (0u64, 0u64);
    for file in changed {
        if file.status == FileStatus::Deleted {
            run.notes.push(format!(
                "{}: schema file deleted (the registry subject, if any, is not checked)",
                file.path
            ));
            continue;
        }
        let Some(head_path) = file.head_path() else {
            continue;
        };
        let Some(bytes) = ctx.read(Side::Head, head_path)? else {
            continue;
        };
        checked += 1;
        let new = match loader.load(Some(&ctx.changes.head), &file.path, &bytes) {
            Ok(l) => l,
            Err(errors) => {
                run.findings
                    .extend(errors.iter().map(findings::schema_problem));
                continue;
            }
        };
        let issues = new.set.validate(|i| i == 0);
        let invalid = issues.iter().any(|e| !e.is_warning());
        run.findings
            .extend(issues.iter().map(findings::schema_problem));
        let mode = cfg.mode_for(&file.path);
        if invalid || mode == Mode::None {
            continue;
        }
        let Some(base_raw) = file.base_path() else {
            continue;
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
                    Err(e) => run.notes.push(format!(
                        "{base_path} at {}: earlier version not checked, it does not read: {}",
                        short(&v.commit),
                        e.first().map(|e| e.to_string()).unwrap_or_default()
                    )),
                }
            }
        } else if let Some(old) = ctx.read(Side::Base, base_raw)? {
            match loader.load(Some(&ctx.changes.base), &base_path, &old) {
                Ok(l) => previous.push((format!("the base version ({})", short(&ctx.changes.base)), true, l)),
                Err(e) => run.notes.push(format!(
                    "{base_path}: the base version does not read, so compatibility was not checked: {}",
                    e.first().map(|e| e.to_string()).unwrap_or_default()
                )),
            }
        }
        if previous.is_empty() {
            continue;
        }
        compared += previous.len() as u64;
        let versions: Vec<mode::Version<'_>> =
            previous.iter().map(|(_, _, l)| (&l.set, l.root)).collect();
        let violations = mode::check(mode, (&new.set, new.root), &versions);
        let against: Vec<Against<'_>> = previous
            .iter()
            .map(|(label, is_base, l)| Against {
                path: &base_path,
                label: label.clone(),
                set: &l.set,
                is_base: *is_base,
            })
            .collect();
        run.findings.extend(findings::violations(
            mode,
            &file.path,
            &new.set,
            &against,
            &violations,
        ));
        if let (Some((_, _, latest)), Some(old)) = (previous.last(), against.last()) {
            let changes = compat::logical_changes((&new.set, new.root), (&latest.set, latest.root));
            run.findings
                .extend(findings::logical_changes(&file.path, old, &changes));
        }
    }
    run.metric("schemas_checked", checked);
    run.metric("versions_compared", compared);
    Ok(run)
}
