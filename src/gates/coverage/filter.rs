//! Which paths count: the config's `include`/`exclude` globs, and which changed
//! files are expected to appear in a coverage report at all.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Test and fixture paths: never expected in a coverage report (Go never lists
/// `_test.go`, JaCoCo never lists `src/test`), so missing data there is no news.
pub const DEFAULT_NO_DATA_EXPECTED: &[&str] = &[
    "**/*_test.go",
    "**/testdata/**",
    "**/src/test/**",
    "**/test/**",
    "**/tests/**",
    "**/__tests__/**",
    "**/__mocks__/**",
    "**/*.test.*",
    "**/*.spec.*",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/*Test.java",
    "**/*Tests.java",
    "**/*Test.kt",
    "**/*Tests.kt",
];

/// A compiled set of globs (`**` crosses directories, `*` does not).
pub struct Globs {
    set: GlobSet,
    empty: bool,
}

impl Globs {
    /// Compile `patterns`; `key` names the config key in errors.
    pub fn new<S: AsRef<str>>(patterns: &[S], key: &str) -> anyhow::Result<Globs> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let p = p.as_ref();
            let glob = globset::GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .map_err(|e| anyhow::anyhow!("gates.coverage.{key}: invalid glob `{p}`: {e}"))?;
            builder.add(glob);
            // `dir/**` should also match files directly in `dir`, and a
            // pattern without `/` matches the file name anywhere, as in .gitignore.
            if !p.contains('/')
                && let Ok(g) = Glob::new(&format!("**/{p}"))
            {
                builder.add(g);
            }
        }
        Ok(Globs {
            set: builder
                .build()
                .map_err(|e| anyhow::anyhow!("gates.coverage.{key}: {e}"))?,
            empty: patterns.is_empty(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.empty
    }

    pub fn matches(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

/// `include`/`exclude` together.
pub struct PathFilter {
    include: Globs,
    exclude: Globs,
}

impl PathFilter {
    pub fn new(include: &[String], exclude: &[String]) -> anyhow::Result<Self> {
        Ok(PathFilter {
            include: Globs::new(include, "include")?,
            exclude: Globs::new(exclude, "exclude")?,
        })
    }

    /// Whether `path` (repository-relative) is judged.
    pub fn allows(&self, path: &str) -> bool {
        (self.include.is_empty() || self.include.matches(path)) && !self.exclude.matches(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_exclude_and_bare_names() {
        let f = PathFilter::new(
            &["src/**".into()],
            &["**/generated/**".into(), "*.pb.go".into()],
        )
        .expect("globs");
        assert!(f.allows("src/a.py"));
        assert!(!f.allows("lib/a.py"));
        assert!(!f.allows("src/generated/x.py"));
        assert!(!f.allows("src/api/x.pb.go"));
        let tests = Globs::new(DEFAULT_NO_DATA_EXPECTED, "no_data_expected").expect("globs");
        assert!(tests.matches("cart/cart_test.go"));
        assert!(tests.matches("src/test/java/a/OrderTest.java"));
        assert!(tests.matches("web/src/price.test.ts"));
        assert!(!tests.matches("src/orders.py"));
        assert!(Globs::new(&["a/[".to_string()], "exclude").is_err());
    }
}
