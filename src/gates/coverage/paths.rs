//! Mapping the paths a report names to files of the repository at head.
//!
//! Reports are made on other machines: absolute CI paths, Windows separators,
//! JaCoCo's package-relative paths, LCOV written in a sub-directory, Cobertura
//! `<source>` roots, Go import paths. A report path is normalised, rewritten
//! by the config's `path_map` rules, then matched: exactly, or relative to the
//! checkout, or by the longest common suffix of path components against the
//! head tree's file list, where either the whole repository path or the whole
//! report path must match. A tie between different files is reported as
//! ambiguous rather than guessed. Not for: reading reports.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A `path_map` rule: a report path starting with `from` is rewritten to start with `to`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRule {
    pub from: String,
    pub to: String,
}

/// What a report path mapped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    Found(String),
    /// Several repository files match equally well.
    Ambiguous(Vec<String>),
    NotFound,
}

/// The head tree's files, indexed for matching.
pub struct PathMapper<'a> {
    files: HashSet<&'a str>,
    by_name: HashMap<&'a str, Vec<&'a str>>,
    rules: Vec<PathRule>,
    /// The checkout's absolute path, normalised, with a trailing `/`.
    workdir: String,
}

impl<'a> PathMapper<'a> {
    pub fn new(repo_files: &'a [String], rules: &[PathRule], workdir: &str) -> Self {
        let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in repo_files {
            by_name.entry(basename(f)).or_default().push(f);
        }
        let mut workdir = normalize(workdir);
        if !workdir.ends_with('/') {
            workdir.push('/');
        }
        PathMapper {
            files: repo_files.iter().map(String::as_str).collect(),
            by_name,
            rules: rules
                .iter()
                .map(|r| PathRule {
                    from: normalize(&r.from),
                    to: normalize(&r.to),
                })
                .collect(),
            workdir,
        }
    }

    /// Map a report path (with the roots it may be relative to) to a repository path.
    pub fn map(&self, path: &str, roots: &[String]) -> Mapped {
        let path = normalize(path);
        let mut candidates: Vec<String> = Vec::new();
        if !is_absolute(&path) {
            for root in roots {
                candidates.push(normalize(&format!(
                    "{}/{}",
                    root.trim_end_matches(['/', '\\']),
                    path
                )));
            }
        }
        candidates.push(path);
        let candidates: Vec<String> = candidates.into_iter().map(|c| self.rewrite(c)).collect();
        // Exact matches first (relative to the repository root or to the checkout).
        for c in &candidates {
            let relative = c.strip_prefix(&self.workdir).unwrap_or(c);
            let relative = relative.trim_start_matches("./");
            if self.files.contains(relative) {
                return Mapped::Found(relative.to_string());
            }
        }
        // Longest common suffix of components.
        let mut best: Vec<&str> = Vec::new();
        let mut best_score = 0usize;
        for c in &candidates {
            let parts: Vec<&str> = c
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            let Some(name) = parts.last() else { continue };
            let Some(same_name) = self.by_name.get(name) else {
                continue;
            };
            for &repo_path in same_name {
                let repo_parts: Vec<&str> = repo_path.split('/').collect();
                let score = parts
                    .iter()
                    .rev()
                    .zip(repo_parts.iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                let whole = score == repo_parts.len() || score == parts.len();
                if !whole || score < best_score {
                    continue;
                }
                if score > best_score {
                    best_score = score;
                    best.clear();
                }
                if !best.contains(&repo_path) {
                    best.push(repo_path);
                }
            }
        }
        match best.len() {
            0 => Mapped::NotFound,
            1 => Mapped::Found(best[0].to_string()),
            _ => {
                let mut all: Vec<String> = best.iter().map(|s| s.to_string()).collect();
                all.sort();
                Mapped::Ambiguous(all)
            }
        }
    }

    fn rewrite(&self, path: String) -> String {
        for rule in &self.rules {
            if let Some(rest) = path.strip_prefix(&rule.from) {
                let rest = rest.trim_start_matches('/');
                return normalize(&if rule.to.is_empty() {
                    rest.to_string()
                } else {
                    format!("{}/{rest}", rule.to.trim_end_matches('/'))
                });
            }
        }
        path
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
}

/// Forward slashes, no `file://`, no drive letter, `.`/`..`/`//` resolved.
pub fn normalize(path: &str) -> String {
    let mut p = path.trim().replace('\\', "/");
    if let Some(rest) = p.strip_prefix("file://") {
        p = rest.to_string();
    }
    let bytes = p.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        p = p[2..].to_string();
        if !p.starts_with('/') {
            p.insert(0, '/');
        }
    }
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<String> {
        [
            "src/main/java/com/acme/orders/Order.java",
            "src/orders.py",
            "web/src/price.js",
            "lib/calc.c",
            "a/util.go",
            "b/util.go",
            "cart/cart.go",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn maps_paths_from_other_machines() {
        let f = files();
        let m = PathMapper::new(&f, &[], "/work/checkout");
        let found = |p: &str, roots: &[&str]| {
            let roots: Vec<String> = roots.iter().map(|s| s.to_string()).collect();
            m.map(p, &roots)
        };
        assert_eq!(
            found("src/orders.py", &[]),
            Mapped::Found("src/orders.py".into())
        );
        assert_eq!(
            found("/work/checkout/src/orders.py", &[]),
            Mapped::Found("src/orders.py".into())
        );
        assert_eq!(
            found("/home/runner/work/x/x/src/orders.py", &[]),
            Mapped::Found("src/orders.py".into())
        );
        assert_eq!(
            found("C:\\build\\agent\\src\\orders.py", &[]),
            Mapped::Found("src/orders.py".into())
        );
        assert_eq!(
            found("com/acme/orders/Order.java", &[]),
            Mapped::Found("src/main/java/com/acme/orders/Order.java".into())
        );
        assert_eq!(
            found("src/price.js", &[]),
            Mapped::Found("web/src/price.js".into()),
            "LCOV from a sub-directory"
        );
        assert_eq!(
            found("calc.c", &["/ci/repo/lib"]),
            Mapped::Found("lib/calc.c".into())
        );
        assert_eq!(
            found("example.com/shop/cart/cart.go", &[]),
            Mapped::Found("cart/cart.go".into())
        );
        assert_eq!(
            found("./src/../src/orders.py", &[]),
            Mapped::Found("src/orders.py".into())
        );
        assert!(matches!(found("util.go", &[]), Mapped::Ambiguous(v) if v.len() == 2));
        assert_eq!(found("/ci/other/project/missing.py", &[]), Mapped::NotFound);
        // A longer path that only shares the file name with a deeper repo file does not match.
        assert_eq!(found("/x/elsewhere/orders.py", &[]), Mapped::NotFound);
    }

    #[test]
    fn path_map_rules_rewrite_prefixes() {
        let f = files();
        let rules = vec![PathRule {
            from: "/opt/app/".into(),
            to: "a".into(),
        }];
        let m = PathMapper::new(&f, &rules, "/w");
        assert_eq!(
            m.map("/opt/app/util.go", &[]),
            Mapped::Found("a/util.go".into())
        );
    }
}
