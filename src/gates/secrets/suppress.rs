//! Ways to say "this is not a leak": inline allow comments on the line,
//! path globs in config, and a baseline file of known findings' fingerprints.
//!
//! Not for: rule severities or turning rules off (the shared `rules:` config,
//! applied by the runner).

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Inline markers that allow a line (case-insensitive). `shipgate:allow` may
/// be followed by rule ids to allow only those.
const MARKERS: &[&str] = &[
    "shipgate:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];

/// Whether `line` carries an allow comment that covers `rule`.
pub fn inline_allows(line: &[u8], rule: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    for marker in MARKERS {
        let Some(at) = memchr::memmem::find(&lower, marker.as_bytes()) else {
            continue;
        };
        if *marker != "shipgate:allow" {
            return true;
        }
        // `shipgate:allow rule-a,rule-b` restricts; anything else allows all.
        let rest = &lower[at + marker.len()..];
        let rest = rest
            .strip_prefix(b"(")
            .or_else(|| rest.strip_prefix(b"="))
            .or_else(|| rest.strip_prefix(b":"))
            .unwrap_or(rest);
        let rest = rest.trim_ascii_start();
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b',' | b' ')))
            .unwrap_or(rest.len());
        let ids: Vec<&[u8]> = rest[..end]
            .split(|&b| b == b',' || b == b' ')
            .map(<[u8]>::trim_ascii)
            .filter(|s| !s.is_empty())
            .collect();
        let known: Vec<&[u8]> = ids
            .iter()
            .copied()
            .filter(|id| super::is_rule_id(id))
            .collect();
        if known.is_empty() || known.contains(&rule.as_bytes()) {
            return true;
        }
    }
    false
}

/// Compiled `allow_paths` globs.
pub struct AllowPaths {
    set: GlobSet,
}

impl AllowPaths {
    /// Compile the globs; `Err` names the bad pattern.
    pub fn new(patterns: &[String]) -> Result<AllowPaths, String> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let glob = Glob::new(p).map_err(|e| format!("allow_paths: invalid glob `{p}`: {e}"))?;
            builder.add(glob);
            // `dir/` or `dir` also covers everything below it.
            let below = format!("{}/**", p.trim_end_matches('/'));
            if let Ok(glob) = Glob::new(&below) {
                builder.add(glob);
            }
        }
        let set = builder.build().map_err(|e| format!("allow_paths: {e}"))?;
        Ok(AllowPaths { set })
    }

    pub fn allows(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// The baseline file: fingerprints of findings that are known and accepted
/// (already rotated, or not real). It never holds a secret or a preview.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// Format version (1).
    pub version: u32,
    /// One entry per known finding.
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct BaselineEntry {
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    pub rule: String,
    pub path: String,
}

impl Baseline {
    /// Parse a baseline; `name` is used in errors.
    pub fn parse(bytes: &[u8], name: &str) -> anyhow::Result<Baseline> {
        serde_json::from_slice(bytes).map_err(|e| {
            anyhow::anyhow!(
                "{name}:{}:{}: not a shipgate secrets baseline ({e}); expected {{\"version\": 1, \"findings\": [{{\"fingerprint\": ..., \"rule\": ..., \"path\": ...}}]}} as written by `shipgate secrets baseline`",
                e.line(),
                e.column()
            )
        })
    }

    pub fn fingerprints(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect()
    }

    /// The baseline of `findings` (sorted, de-duplicated).
    pub fn of(findings: &[crate::finding::Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.clone(),
                path: f
                    .location
                    .as_ref()
                    .map(|l| l.path.clone())
                    .unwrap_or_default(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: 1,
            findings: entries,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markers() {
        assert!(inline_allows(b"key = 'x' # shipgate:allow", "jwt"));
        assert!(inline_allows(b"key = 'x' // gitleaks:allow", "jwt"));
        assert!(inline_allows(
            b"key = 'x' # pragma: allowlist secret",
            "jwt"
        ));
        assert!(inline_allows(b"key = 'x' # shipgate:allow jwt", "jwt"));
        assert!(!inline_allows(
            b"key = 'x' # shipgate:allow jwt",
            "private-key"
        ));
        assert!(inline_allows(
            b"key = 'x' # shipgate:allow jwt, private-key",
            "private-key"
        ));
        // Free text after the marker is not a rule list.
        assert!(inline_allows(
            b"x # SHIPGATE:ALLOW test fixture",
            "private-key"
        ));
        assert!(!inline_allows(b"key = 'x' # allow", "jwt"));
    }

    #[test]
    fn allow_path_globs() {
        let a = AllowPaths::new(&["tests/fixtures".into(), "**/*.snap".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(a.allows("tests/fixtures/a/b.txt"));
        assert!(a.allows("x/y.snap"));
        assert!(!a.allows("src/main.rs"));
        assert!(AllowPaths::new(&["a[".into()]).is_err());
    }

    #[test]
    fn baseline_parse_errors_name_the_line() {
        let err = Baseline::parse(b"{\n\"version\": 1,\n\"findings\": 3}", "b.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("b.json:3:"), "{err}");
    }
}
