//! CODEOWNERS: the one parser of the file, with each platform's own rules.
//!
//! GitHub: the file is `.github/CODEOWNERS`, `CODEOWNERS` or `docs/CODEOWNERS`
//! (first found); gitignore-style patterns (a pattern with an inner `/` is
//! anchored at the root); the last matching line wins over the whole file.
//! GitLab: `CODEOWNERS`, `docs/CODEOWNERS` or `.gitlab/CODEOWNERS` (first
//! found); sections `[Name]`, `[Name][N]` (N approvals), `^[Name]` (optional),
//! default owners on the section line; `!pattern` excludes paths from the
//! section; a pattern without a leading `/` matches at any depth; the last
//! match wins within a section and every section applies.
//! Not for: deciding whether approvals suffice (see `approvals`).

use serde::{Deserialize, Serialize};

/// Whose CODEOWNERS rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// GitLab's in a GitLab CI run, GitHub's otherwise (the default).
    #[default]
    Auto,
    Github,
    Gitlab,
}

impl Dialect {
    /// `Auto` decided by the platform the run is on.
    pub fn resolve(self, platform: crate::ci::PlatformKind) -> Dialect {
        match (self, platform) {
            (Dialect::Auto, crate::ci::PlatformKind::Gitlab) => Dialect::Gitlab,
            (Dialect::Auto, _) => Dialect::Github,
            (d, _) => d,
        }
    }

    /// Where the platform looks for the file, in its order (the first found is used).
    pub fn locations(self) -> &'static [&'static str] {
        match self {
            Dialect::Gitlab => &["CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"],
            _ => &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"],
        }
    }
}

/// Every place either platform reads the file from (for policy diffs).
pub const ALL_LOCATIONS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

/// The name GitLab gives the rules before any section header.
pub const DEFAULT_SECTION: &str = "codeowners";

#[derive(Debug, Clone)]
struct Section {
    name: String,
    optional: bool,
    approvals: u32,
    default_owners: Vec<String>,
}

/// One pattern line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Section name (GitLab; `None` on GitHub).
    pub section: Option<String>,
    /// The pattern as written (without a leading `!`).
    pub pattern: String,
    /// Owners (GitLab: the section's default owners when the line names none).
    pub owners: Vec<String>,
    /// A GitLab `!pattern` exclusion.
    pub exclude: bool,
    /// 1-based line in the file.
    pub line: u32,
    section_index: usize,
}

/// What one path needs from one section (GitHub: the single last match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    /// Section name (GitLab), `None` on GitHub.
    pub section: Option<String>,
    /// The pattern that decided ownership.
    pub pattern: String,
    pub owners: Vec<String>,
    /// Approvals needed from the owners (GitLab `[Name][N]`; otherwise 1).
    pub approvals: u32,
    /// A GitLab `^[Name]` section: shown, not required.
    pub optional: bool,
}

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone)]
pub struct CodeOwners {
    dialect: Dialect,
    sections: Vec<Section>,
    entries: Vec<Entry>,
}

impl Default for CodeOwners {
    fn default() -> Self {
        CodeOwners::parse("", Dialect::Github)
    }
}

/// Split on unescaped whitespace; `\ ` and `\#` are literal.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => cur.push('\\'),
            },
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_owner(word: &str) -> bool {
    word.starts_with('@') || word.contains('@')
}

/// A GitLab section header: `[Name]`, `[Name][2]`, `^[Name]`, then default owners.
fn section_header(line: &str) -> Option<Section> {
    let (optional, rest) = match line.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let rest = rest.strip_prefix('[')?;
    let close = rest.find(']')?;
    let name = rest[..close].trim().to_string();
    if name.is_empty() {
        return None;
    }
    let mut after = &rest[close + 1..];
    let mut approvals = 1;
    if let Some(count) = after.strip_prefix('[')
        && let Some(end) = count.find(']')
    {
        approvals = count[..end].trim().parse().unwrap_or(1).max(1);
        after = &count[end + 1..];
    }
    let default_owners = words(after)
        .into_iter()
        .take_while(|w| !w.starts_with('#'))
        .filter(|w| is_owner(w))
        .collect();
    Some(Section {
        name,
        optional,
        approvals,
        default_owners,
    })
}

/// Whether `pattern` (as written) matches repository path `path`.
pub fn pattern_matches(pattern: &str, path: &str, dialect: Dialect) -> bool {
    let anchored = pattern.starts_with('/')
        || (dialect != Dialect::Gitlab && pattern.trim_end_matches('/').contains('/'));
    let dir_only = pattern.ends_with('/') && pattern.len() > 1;
    let p = pattern.trim_start_matches('/').trim_end_matches('/');
    let p = if p.is_empty() { "**" } else { p };
    let glob = if anchored || p.starts_with("**") {
        p.to_string()
    } else {
        format!("**/{p}")
    };
    let last = glob.rsplit('/').next().unwrap_or("");
    // A pattern naming a directory owns what is below it; `docs/*` only its files.
    let below = last == "**" || !last.contains('*');
    let path = path.trim_start_matches('/');
    (!dir_only && crate::glob::matches(&glob, path))
        || (below && crate::glob::matches(&format!("{glob}/**"), path))
}

impl CodeOwners {
    /// Parse CODEOWNERS text under `dialect` (`Auto` is read as GitHub). Never fails:
    /// a line that is neither a pattern nor a header is skipped, as the platforms do.
    pub fn parse(text: &str, dialect: Dialect) -> CodeOwners {
        let dialect = match dialect {
            Dialect::Auto => Dialect::Github,
            d => d,
        };
        let mut sections = vec![Section {
            name: DEFAULT_SECTION.to_string(),
            optional: false,
            approvals: 1,
            default_owners: Vec::new(),
        }];
        let mut current = 0;
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') || line.starts_with("^[") {
                if dialect == Dialect::Gitlab
                    && let Some(section) = section_header(line)
                {
                    // Sections of the same name (any case) are one section.
                    current = match sections
                        .iter()
                        .position(|s| s.name.eq_ignore_ascii_case(&section.name))
                    {
                        Some(existing) => {
                            let s = &mut sections[existing];
                            s.optional = section.optional;
                            s.approvals = section.approvals;
                            if !section.default_owners.is_empty() {
                                s.default_owners = section.default_owners;
                            }
                            existing
                        }
                        None => {
                            sections.push(section);
                            sections.len() - 1
                        }
                    };
                }
                continue;
            }
            let mut ws = words(line).into_iter();
            let Some(mut pattern) = ws.next() else {
                continue;
            };
            let mut exclude = false;
            if dialect == Dialect::Gitlab
                && let Some(p) = pattern.strip_prefix('!')
            {
                exclude = true;
                pattern = p.to_string();
            }
            let owners: Vec<String> = match dialect {
                // GitLab reads owners anywhere on the line (no inline comments).
                Dialect::Gitlab => ws.filter(|w| is_owner(w)).collect(),
                _ => ws.take_while(|w| !w.starts_with('#')).collect(),
            };
            entries.push(Entry {
                section: (dialect == Dialect::Gitlab).then(|| sections[current].name.clone()),
                pattern,
                owners,
                exclude,
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                section_index: current,
            });
        }
        // Default owners may come from a later header of the same section.
        if dialect == Dialect::Gitlab {
            for e in &mut entries {
                if e.owners.is_empty() && !e.exclude {
                    e.owners = sections[e.section_index].default_owners.clone();
                }
                e.section = Some(sections[e.section_index].name.clone());
            }
        }
        CodeOwners {
            dialect,
            sections,
            entries,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Every pattern line, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// What `path` needs: GitHub, the last matching line (none when it names no
    /// owners); GitLab, per section the last matching line, unless an exclusion
    /// of that section matches.
    pub fn ownership(&self, path: &str) -> Vec<Ownership> {
        let matching = |e: &&Entry| pattern_matches(&e.pattern, path, self.dialect);
        if self.dialect != Dialect::Gitlab {
            return self
                .entries
                .iter()
                .rev()
                .find(matching)
                .filter(|e| !e.owners.is_empty())
                .map(|e| Ownership {
                    section: None,
                    pattern: e.pattern.clone(),
                    owners: e.owners.clone(),
                    approvals: 1,
                    optional: false,
                })
                .into_iter()
                .collect();
        }
        let mut out = Vec::new();
        for (index, section) in self.sections.iter().enumerate() {
            let in_section: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|e| e.section_index == index)
                .filter(matching)
                .collect();
            if in_section.iter().any(|e| e.exclude) {
                continue;
            }
            if let Some(e) = in_section.last()
                && !e.owners.is_empty()
            {
                out.push(Ownership {
                    section: Some(section.name.clone()),
                    pattern: e.pattern.clone(),
                    owners: e.owners.clone(),
                    approvals: section.approvals,
                    optional: section.optional,
                });
            }
        }
        out
    }

    /// The owners `path` requires (optional sections left out), each once.
    pub fn owners(&self, path: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.ownership(path).into_iter().filter(|o| !o.optional) {
            for owner in o.owners {
                if !out.contains(&owner) {
                    out.push(owner);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh(text: &str) -> CodeOwners {
        CodeOwners::parse(text, Dialect::Github)
    }

    fn gl(text: &str) -> CodeOwners {
        CodeOwners::parse(text, Dialect::Gitlab)
    }

    #[test]
    fn github_last_match_wins_and_patterns_follow_gitignore() {
        let co = gh(
            "# owners\n*.sql @acme/sql\n/db/ @acme/dba\ndb/migration/legacy/ @carol\ndocs @acme/docs\n",
        );
        assert_eq!(co.owners("db/migration/V1__a.sql"), vec!["@acme/dba"]);
        assert_eq!(co.owners("db/migration/legacy/V0__a.sql"), vec!["@carol"]);
        assert_eq!(co.owners("svc/queries.sql"), vec!["@acme/sql"]);
        assert_eq!(co.owners("a/docs/x.md"), vec!["@acme/docs"]);
        assert!(co.owners("src/main.rs").is_empty());
    }

    #[test]
    fn github_inner_slash_anchors_and_star_owns_only_direct_files() {
        let co = gh("db/migration @dba\n/docs/* @docs\n");
        assert_eq!(co.owners("db/migration/V1__a.sql"), vec!["@dba"]);
        assert!(co.owners("svc/db/migration/V1__a.sql").is_empty());
        assert_eq!(co.owners("docs/a.md"), vec!["@docs"]);
        assert!(co.owners("docs/sub/a.md").is_empty());
    }

    #[test]
    fn github_line_without_owners_clears_and_inline_comment_ends_owners() {
        let co = gh("*.sql @sql # not @owner\ndb/generated/\n");
        assert_eq!(co.owners("x.sql"), vec!["@sql"]);
        assert!(co.owners("db/generated/V1.sql").is_empty());
    }

    #[test]
    fn github_ignores_gitlab_sections_and_exclusions_as_patterns() {
        let co = gh("[DBA]\n*.sql @dba\n");
        assert_eq!(co.owners("a.sql"), vec!["@dba"]);
        assert_eq!(co.ownership("a.sql")[0].section, None);
    }

    #[test]
    fn escaped_spaces_and_pounds_are_part_of_the_pattern() {
        let co = gh("path\\ with\\ spaces/ @space\n\\#file.sql @pound\n");
        assert_eq!(co.owners("path with spaces/a.sql"), vec!["@space"]);
        assert_eq!(co.owners("#file.sql"), vec!["@pound"]);
    }

    #[test]
    fn gitlab_unanchored_patterns_match_at_any_depth() {
        let co = gl("db/migration/ @dba\nfile.sql @f\n/root/ @root\n");
        assert_eq!(co.owners("svc/db/migration/V1.sql"), vec!["@dba"]);
        assert_eq!(co.owners("db/migration/V1.sql"), vec!["@dba"]);
        assert_eq!(co.owners("deep/down/file.sql"), vec!["@f"]);
        assert_eq!(co.owners("root/a.sql"), vec!["@root"]);
        assert!(co.owners("x/root/a.sql").is_empty());
    }

    #[test]
    fn gitlab_every_section_applies_and_last_match_wins_within_one() {
        let co = gl("*.sql @dev\n[DBA]\n*.sql @dba\ndb/ @dba-lead\n[Platform]\ndb/ @platform\n");
        let o = co.ownership("db/V1.sql");
        assert_eq!(o.len(), 3, "{o:?}");
        assert_eq!(o[0].section.as_deref(), Some(DEFAULT_SECTION));
        assert_eq!(o[1].owners, vec!["@dba-lead"]);
        assert_eq!(o[2].owners, vec!["@platform"]);
        assert_eq!(
            co.owners("db/V1.sql"),
            vec!["@dev", "@dba-lead", "@platform"]
        );
    }

    #[test]
    fn gitlab_section_approval_count_and_optional_sections() {
        let co = gl("[DBA][2]\n*.sql @dba\n^[Docs]\n*.sql @docs\n");
        let o = co.ownership("a.sql");
        assert_eq!(o[0].approvals, 2);
        assert!(!o[0].optional);
        assert!(o[1].optional);
        assert_eq!(
            co.owners("a.sql"),
            vec!["@dba"],
            "optional owners are not required"
        );
    }

    #[test]
    fn gitlab_section_default_owners_fill_lines_without_owners() {
        let co = gl("[DBA] @acme/dba @lead\ndb/\nlegacy/ @carol\n");
        assert_eq!(co.owners("db/V1.sql"), vec!["@acme/dba", "@lead"]);
        assert_eq!(co.owners("legacy/V0.sql"), vec!["@carol"]);
    }

    #[test]
    fn gitlab_exclusions_remove_the_path_from_their_section_only() {
        let co = gl("* @all\n!*.lock\n[DBA]\ndb/ @dba\n!db/seed/\n[Lock]\n*.lock @locks\n");
        assert!(co.owners("Cargo.lock").contains(&"@locks".to_string()));
        assert!(!co.owners("Cargo.lock").contains(&"@all".to_string()));
        assert_eq!(co.owners("db/seed/s.sql"), vec!["@all"]);
        assert_eq!(co.owners("db/V1.sql"), vec!["@all", "@dba"]);
    }

    #[test]
    fn gitlab_sections_with_the_same_name_are_one_section() {
        let co = gl("[DBA]\ndb/ @a\n[dba]\ndb/V1.sql @b\n");
        let o = co.ownership("db/V1.sql");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].owners, vec!["@b"]);
    }

    #[test]
    fn gitlab_owners_are_read_anywhere_on_the_line() {
        let co = gl("db/ @dba # and @lead\n");
        assert_eq!(co.owners("db/a.sql"), vec!["@dba", "@lead"]);
    }

    #[test]
    fn dialect_follows_the_platform_unless_configured() {
        use crate::ci::PlatformKind;
        assert_eq!(Dialect::Auto.resolve(PlatformKind::Gitlab), Dialect::Gitlab);
        assert_eq!(Dialect::Auto.resolve(PlatformKind::Local), Dialect::Github);
        assert_eq!(
            Dialect::Gitlab.resolve(PlatformKind::Github),
            Dialect::Gitlab
        );
        assert_eq!(Dialect::Gitlab.locations()[0], "CODEOWNERS");
        assert_eq!(Dialect::Github.locations()[0], ".github/CODEOWNERS");
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "[",
            "^[",
            "[]",
            "[a][x]",
            "!",
            "\\",
            "[a][99999999999999]",
            "! @x",
        ] {
            let co = gl(text);
            let _ = co.owners("a");
            let co = gh(text);
            let _ = co.owners("a");
        }
    }
}
