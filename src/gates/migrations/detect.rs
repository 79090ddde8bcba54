//! Finding migrations among files: which framework a file belongs to, its
//! version, whether it is a forward, repeatable or down/undo migration, and
//! how the framework runs it (in a transaction or not).
//!
//! Conventions: Flyway `V<version>__<desc>.sql`, `R__<desc>.sql`,
//! `U<version>__<desc>.sql`; golang-migrate `<n>_<name>.up.sql` / `.down.sql`;
//! dbmate `<n>_<name>.sql` with `-- migrate:up`; Liquibase formatted SQL
//! (`--liquibase formatted sql`); Prisma `migrations/<ts>_<name>/migration.sql`;
//! sqitch `deploy/`, `revert/`, `verify/` next to `sqitch.plan`; plain `.sql`
//! under configured globs. Not for: judging the SQL (see `lint`).

use super::lint::TxWrap;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A migration framework.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// Detect from the file's name, content and neighbours (the default).
    #[default]
    Auto,
    Flyway,
    GolangMigrate,
    Dbmate,
    Liquibase,
    Prisma,
    Sqitch,
    Plain,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Auto => "auto",
            Framework::Flyway => "flyway",
            Framework::GolangMigrate => "golang-migrate",
            Framework::Dbmate => "dbmate",
            Framework::Liquibase => "liquibase",
            Framework::Prisma => "prisma",
            Framework::Sqitch => "sqitch",
            Framework::Plain => "plain",
        }
    }

    /// How the framework runs a file on PostgreSQL.
    pub fn wrap(self) -> TxWrap {
        match self {
            Framework::Flyway => TxWrap::Flyway,
            // dbmate wraps each migration (Liquibase: each changeset, see `liquibase_units`).
            Framework::Dbmate | Framework::Liquibase => TxWrap::Always,
            // golang-migrate and Prisma send the file as one multi-statement query, which
            // PostgreSQL runs as one implicit transaction.
            Framework::GolangMigrate | Framework::Prisma => TxWrap::MultiStatement,
            Framework::Sqitch | Framework::Plain | Framework::Auto => TxWrap::None,
        }
    }

    /// The naming convention, for messages.
    pub fn convention(self) -> &'static str {
        match self {
            Framework::Flyway => "V<version>__<description>.sql (or R__/U<version>__)",
            Framework::GolangMigrate => "<version>_<name>.up.sql / <version>_<name>.down.sql",
            Framework::Dbmate => "<version>_<name>.sql starting with `-- migrate:up`",
            Framework::Prisma => "migrations/<timestamp>_<name>/migration.sql",
            Framework::Liquibase => "a file starting with `--liquibase formatted sql`",
            Framework::Sqitch => "deploy/<change>.sql listed in sqitch.plan",
            Framework::Plain | Framework::Auto => "any .sql file",
        }
    }
}

/// What a migration file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs once, in version order.
    Versioned,
    /// Flyway `R__`: re-run whenever it changes; editing is normal.
    Repeatable,
    /// Undoes a versioned one (Flyway `U`, golang-migrate `.down.sql`, sqitch `revert/`).
    Down,
    /// sqitch `verify/` scripts: not migrations.
    Verify,
}

/// A migration version, compared numerically segment by segment (`1.10` > `1.9`, `1.0` == `1`).
#[derive(Debug, Clone, Eq)]
pub struct Version {
    pub text: String,
    parts: Vec<String>,
}

impl Version {
    /// Parse `1`, `1.2.3`, `1_2`, `20240101120000`. `None` unless digits and separators.
    pub fn parse(text: &str) -> Option<Version> {
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
        {
            return None;
        }
        let mut parts: Vec<String> = text
            .split(['.', '_'])
            .filter(|p| !p.is_empty())
            .map(|p| {
                let t = p.trim_start_matches('0');
                if t.is_empty() {
                    "0".to_string()
                } else {
                    t.to_string()
                }
            })
            .collect();
        if parts.is_empty() {
            return None;
        }
        while parts.len() > 1 && parts.last().is_some_and(|p| p == "0") {
            parts.pop();
        }
        Some(Version {
            text: text.to_string(),
            parts,
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let c = a.len().cmp(&b.len()).then_with(|| a.cmp(b));
            if c != Ordering::Equal {
                return c;
            }
        }
        self.parts.len().cmp(&other.parts.len())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A file recognised as a migration.
#[derive(Debug, Clone)]
pub struct Migration {
    pub path: String,
    pub framework: Framework,
    pub role: Role,
    pub version: Option<Version>,
    /// Files whose versions are ordered against each other (their directory;
    /// Prisma: the `migrations` directory).
    pub series: String,
}

fn split(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", path),
    }
}

fn is_sql(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 4 && b[b.len() - 4..].eq_ignore_ascii_case(b".sql")
}

/// Flyway: `V1__x.sql`, `V1.2__x.sql`, `U1__x.sql`, `R__x.sql` (prefixes are case-sensitive).
fn flyway(name: &str) -> Option<(Role, Option<Version>)> {
    let stem = name.strip_suffix(".sql")?;
    // Callbacks (`beforeMigrate.sql`, `afterMigrate__grants.sql`, ...) run on every
    // migrate, like repeatable migrations: linted, and editing them is normal.
    let event = stem.split("__").next().unwrap_or(stem);
    if ["before", "after"].iter().any(|p| {
        event
            .strip_prefix(p)
            .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
    }) || event == "createSchema"
    {
        return Some((Role::Repeatable, None));
    }
    let (head, desc) = stem.split_once("__")?;
    if desc.is_empty() {
        return None;
    }
    let mut chars = head.chars();
    let prefix = chars.next()?;
    let version = chars.as_str();
    match prefix {
        'R' if version.is_empty() => Some((Role::Repeatable, None)),
        'V' => Some((Role::Versioned, Some(Version::parse(version)?))),
        'U' => Some((Role::Down, Some(Version::parse(version)?))),
        _ => None,
    }
}

/// golang-migrate: `1_x.up.sql`, `20240101_x.down.sql`.
fn golang_migrate(name: &str) -> Option<(Role, Option<Version>)> {
    let (stem, role) = if let Some(s) = name.strip_suffix(".up.sql") {
        (s, Role::Versioned)
    } else {
        (name.strip_suffix(".down.sql")?, Role::Down)
    };
    let (version, rest) = stem.split_once('_')?;
    if rest.is_empty() {
        return None;
    }
    Some((role, Some(Version::parse(version)?)))
}

/// Leading digits before `_` (dbmate, Prisma directory names).
fn leading_version(name: &str) -> Option<Version> {
    let (version, rest) = name.split_once('_')?;
    if rest.is_empty() {
        return None;
    }
    Version::parse(version)
}

/// Whether the content is dbmate's (`-- migrate:up` on its own line).
pub fn is_dbmate(content: &str) -> bool {
    content
        .lines()
        .any(|l| l.trim().starts_with("-- migrate:up"))
}

/// Whether the content is Liquibase formatted SQL.
pub fn is_liquibase(content: &str) -> bool {
    content
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| {
            l.to_ascii_lowercase()
                .starts_with("--liquibase formatted sql")
        })
}

/// Recognise a migration from its path and (for dbmate/Liquibase) content.
/// `framework` forces one; `sqitch_plan(dir)` says whether `dir/sqitch.plan` exists.
pub fn classify(
    path: &str,
    content: Option<&str>,
    framework: Framework,
    sqitch_plan: &dyn Fn(&str) -> bool,
) -> Option<Migration> {
    let (dir, name) = split(path);
    if !is_sql(name) {
        return None;
    }
    let make = |fw: Framework, role: Role, version: Option<Version>, series: &str| Migration {
        path: path.to_string(),
        framework: fw,
        role,
        version,
        series: series.to_string(),
    };
    let try_one = |fw: Framework| -> Option<Migration> {
        match fw {
            Framework::Flyway => flyway(name).map(|(r, v)| make(fw, r, v, dir)),
            Framework::GolangMigrate => golang_migrate(name).map(|(r, v)| make(fw, r, v, dir)),
            Framework::Prisma => {
                if name != "migration.sql" {
                    return None;
                }
                let (parent, leaf) = split(dir);
                let version = leading_version(leaf)?;
                Some(make(fw, Role::Versioned, Some(version), parent))
            }
            Framework::Dbmate => {
                if !content.is_some_and(is_dbmate) {
                    return None;
                }
                Some(make(
                    fw,
                    Role::Versioned,
                    leading_version(name.trim_end_matches(".sql")),
                    dir,
                ))
            }
            Framework::Liquibase => content
                .is_some_and(is_liquibase)
                .then(|| make(fw, Role::Versioned, None, dir)),
            Framework::Sqitch => {
                let (parent, leaf) = split(dir);
                let role = match leaf {
                    "deploy" => Role::Versioned,
                    "revert" => Role::Down,
                    "verify" => Role::Verify,
                    _ => return None,
                };
                sqitch_plan(parent).then(|| make(fw, role, None, parent))
            }
            Framework::Plain | Framework::Auto => {
                Some(make(Framework::Plain, Role::Versioned, None, dir))
            }
        }
    };
    if framework != Framework::Auto {
        return try_one(framework);
    }
    [
        Framework::Liquibase,
        Framework::Dbmate,
        Framework::Flyway,
        Framework::GolangMigrate,
        Framework::Prisma,
        Framework::Sqitch,
    ]
    .into_iter()
    .find_map(try_one)
}

/// Whether a `.sql` path sits where plain migrations usually live.
pub fn in_migrations_dir(path: &str) -> bool {
    let (dir, _) = split(path);
    dir.split('/').any(|c| {
        matches!(
            c.to_ascii_lowercase().as_str(),
            "migration" | "migrations" | "migrate" | "db_migrations" | "schema_migrations"
        )
    })
}

/// Liquibase changesets: (byte offset of the `--changeset` line, runs in a transaction).
pub fn liquibase_units(content: &str) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        let t = line.trim();
        if t.to_ascii_lowercase().starts_with("--changeset") {
            let no_tx = t
                .split_whitespace()
                .any(|w| w.eq_ignore_ascii_case("runInTransaction:false"));
            out.push((offset, !no_tx));
        }
        offset += line.len();
    }
    out
}

/// dbmate: byte offset of `-- migrate:down` (what follows is the rollback),
/// and whether `-- migrate:up transaction:false` was given.
pub fn dbmate_sections(content: &str) -> (Option<usize>, bool) {
    let mut offset = 0;
    let mut down = None;
    let mut no_tx = false;
    for line in content.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("-- migrate:up") && t.contains("transaction:false") {
            no_tx = true;
        }
        if t.starts_with("-- migrate:down") && down.is_none() {
            down = Some(offset);
        }
        offset += line.len();
    }
    (down, no_tx)
}

/// Whether dbmate's down section has any SQL in it (not just comments and blanks).
pub fn dbmate_down_has_sql(content: &str) -> bool {
    let (Some(down), _) = dbmate_sections(content) else {
        return false;
    };
    content.get(down..).unwrap_or("").lines().skip(1).any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with("--")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_plan(_: &str) -> bool {
        false
    }

    fn c(path: &str, content: Option<&str>) -> Option<Migration> {
        classify(path, content, Framework::Auto, &no_plan)
    }

    #[test]
    fn flyway_names() {
        let m = c("db/migration/V1.2__add_x.sql", None).expect("flyway");
        assert_eq!((m.framework, m.role), (Framework::Flyway, Role::Versioned));
        assert_eq!(m.version.map(|v| v.text), Some("1.2".to_string()));
        assert_eq!(
            c("db/migration/R__views.sql", None).map(|m| m.role),
            Some(Role::Repeatable)
        );
        assert_eq!(
            c("db/migration/U3__undo.sql", None).map(|m| m.role),
            Some(Role::Down)
        );
        assert!(c("db/migration/V2_single_underscore.sql", None).is_none());
        assert_eq!(
            c("db/migration/afterMigrate.sql", None).map(|m| m.role),
            Some(Role::Repeatable)
        );
        assert_eq!(
            c("db/migration/beforeEachMigrate__x.sql", None).map(|m| m.role),
            Some(Role::Repeatable)
        );
        assert!(c("db/migration/aftermath.sql", None).is_none());
        assert!(c("db/migration/v2__lower.sql", None).is_none());
    }

    #[test]
    fn golang_migrate_prisma_dbmate_liquibase_sqitch() {
        let m = c("migrations/000002_add.up.sql", None).expect("golang");
        assert_eq!(
            (m.framework, m.role),
            (Framework::GolangMigrate, Role::Versioned)
        );
        assert_eq!(
            c("migrations/2_add.down.sql", None).map(|m| m.role),
            Some(Role::Down)
        );
        let p = c("prisma/migrations/20240101120000_init/migration.sql", None).expect("prisma");
        assert_eq!(
            (p.framework, p.series.as_str()),
            (Framework::Prisma, "prisma/migrations")
        );
        let d = c(
            "db/migrations/20240101_x.sql",
            Some("-- migrate:up\nCREATE TABLE t();\n"),
        )
        .expect("dbmate");
        assert_eq!(d.framework, Framework::Dbmate);
        let l = c(
            "db/changelog.sql",
            Some("--liquibase formatted sql\n--changeset a:1\n"),
        )
        .expect("lb");
        assert_eq!(l.framework, Framework::Liquibase);
        let plan = |dir: &str| dir == "db";
        let s = classify("db/deploy/users.sql", None, Framework::Auto, &plan).expect("sqitch");
        assert_eq!((s.framework, s.role), (Framework::Sqitch, Role::Versioned));
        let r = classify("db/revert/users.sql", None, Framework::Auto, &plan).expect("sqitch");
        assert_eq!(r.role, Role::Down);
    }

    #[test]
    fn versions_compare_numerically() {
        let v = |s: &str| Version::parse(s).expect("version");
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.0"), v("1"));
        assert!(v("10") > v("9"));
        assert_eq!(v("001"), v("1"));
        assert!(Version::parse("1a").is_none());
    }

    #[test]
    fn liquibase_and_dbmate_sections() {
        let lb = "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n--changeset a:2 runInTransaction:false\nSELECT 2;\n";
        let units = liquibase_units(lb);
        assert_eq!(units.len(), 2);
        assert!(units[0].1 && !units[1].1);
        let db = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n";
        let (down, no_tx) = dbmate_sections(db);
        assert!(no_tx);
        assert_eq!(down, db.find("-- migrate:down"));
        assert!(dbmate_down_has_sql(db));
        assert!(!dbmate_down_has_sql(
            "-- migrate:up\nSELECT 1;\n-- migrate:down\n"
        ));
    }
}
