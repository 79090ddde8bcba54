//! Finding the report files: explicit paths, config globs, or the usual places.

use super::filter::Globs;
use std::path::{Path, PathBuf};

/// Where tools write their reports by default, looked for when nothing is configured.
pub const DEFAULT_REPORTS: &[&str] = &[
    "lcov.info",
    "coverage/lcov.info",
    "coverage.xml",
    "target/site/jacoco/jacoco.xml",
    "build/reports/jacoco/test/jacocoTestReport.xml",
    "coverage.out",
    "coverage/coverage-final.json",
    "coverage.json",
];

/// Directories never walked when expanding globs.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", ".venv", "venv", "__pycache__"];

/// The files `patterns` (paths or globs relative to `root`) name, sorted, and the
/// patterns that matched nothing.
pub fn expand(root: &Path, patterns: &[String]) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    let mut found = Vec::new();
    let mut unmatched = Vec::new();
    for pattern in patterns {
        let before = found.len();
        if !pattern.contains(['*', '?', '[', '{']) {
            let path = root.join(pattern);
            if path.is_file() {
                found.push(path);
            }
        } else {
            let globs = Globs::new(std::slice::from_ref(pattern), "reports")?;
            // Walk only below the pattern's literal directory prefix.
            let literal: Vec<&str> = pattern
                .split('/')
                .take_while(|part| !part.contains(['*', '?', '[', '{']))
                .collect();
            let start = root.join(literal.join("/"));
            walk(root, &start, &globs, &mut found, 0);
        }
        if found.len() == before {
            unmatched.push(pattern.clone());
        }
    }
    found.sort();
    found.dedup();
    Ok((found, unmatched))
}

fn walk(root: &Path, dir: &Path, globs: &Globs, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if kind.is_dir() {
            if !SKIP_DIRS.iter().any(|s| name == *s) {
                walk(root, &path, globs, out, depth + 1);
            }
        } else if kind.is_file()
            && let Ok(rel) = path.strip_prefix(root)
            && globs.matches(&rel.to_string_lossy().replace('\\', "/"))
        {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_paths_and_globs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for rel in [
            "svc/a/coverage/lcov.info",
            "svc/b/coverage/lcov.info",
            "node_modules/x/coverage/lcov.info",
            "lcov.info",
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "SF:a\n").expect("write");
        }
        let (found, unmatched) = expand(
            root,
            &[
                "**/coverage/lcov.info".into(),
                "lcov.info".into(),
                "missing.xml".into(),
            ],
        )
        .expect("expand");
        let rel: Vec<String> = found
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .expect("rel")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            rel,
            vec![
                "lcov.info",
                "svc/a/coverage/lcov.info",
                "svc/b/coverage/lcov.info"
            ]
        );
        assert_eq!(unmatched, vec!["missing.xml".to_string()]);
    }
}
