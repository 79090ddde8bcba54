//! The versioning and deprecation policy: breaking changes need a MAJOR bump
//! of `info.version` (or a new `/vN` URI version), sunset dates are dates,
//! and today's date for comparing them. Not for: detecting changes (`diff`).

use super::diff::Change;
use super::model::Spec;
use crate::finding::{Severity, Side};
use crate::gates::openapi::tree::Node;

/// A sunset date as written in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sunset {
    /// `YYYY-MM-DD`.
    Date(String),
    /// Not a date (kept for the message).
    Invalid(String),
}

/// The sunset of a node (operation, path item, parameter) under `extension`.
pub fn sunset_of(node: &Node, extension: &str) -> Option<Sunset> {
    let raw = node.get(extension)?.display();
    Some(match parse_date(&raw) {
        Some(d) => Sunset::Date(d),
        None => Sunset::Invalid(raw),
    })
}

/// `2026-03-01`, `2026-03-01T00:00:00Z` → `2026-03-01`.
pub fn parse_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let date = raw.get(..10)?;
    let rest = &raw[10..];
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let month: u32 = date[5..7].parse().ok()?;
    let day: u32 = date[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| date.to_string())
}

/// Days from `from` to `to` (both `YYYY-MM-DD`); negative when `to` is earlier.
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(&parse_date(to)?)? - day_number(&parse_date(from)?)?)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian calendar).
fn day_number(date: &str) -> Option<i64> {
    let y: i64 = date.get(..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today's date (UTC) as `YYYY-MM-DD`; `SHIPGATE_TODAY` overrides it (for tests and replays).
pub fn today() -> String {
    if let Ok(t) = std::env::var("SHIPGATE_TODAY")
        && let Some(d) = parse_date(&t)
    {
        return d;
    }
    // `YYYY-MM-DDTHH:MM:SSZ`: the date is the first ten characters.
    let mut now = crate::report::time::now_rfc3339();
    now.truncate(10);
    now
}

/// Rules about following the deprecation/stability process rather than about
/// the wire contract: a major bump does not excuse them.
pub fn is_policy_rule(id: &str) -> bool {
    [
        "sunset-missing",
        "sunset-parse",
        "sunset-invalid",
        "sunset-deleted",
        "changed-too-small",
        "date-too-small",
        "invalid-stability-level",
        "stability-decreased",
    ]
    .iter()
    .any(|s| id.ends_with(s))
}

/// The major number of a version string (`v2.3.1` → 2).
pub fn major(version: &str) -> Option<u64> {
    let v = version.trim().trim_start_matches(['v', 'V']);
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// The highest `/vN/` version segment across a spec's paths (`/v2/users` → 2).
pub fn uri_major(spec: &Spec<'_>) -> Option<u64> {
    spec.paths
        .values()
        .filter_map(|p| {
            p.template.split('/').find_map(|seg| {
                seg.strip_prefix('v')
                    .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                    .and_then(|n| n.parse().ok())
            })
        })
        .max()
}

/// Apply the versioning policy to one spec pair's changes: when there are
/// breaking changes, either the major version increased (they are re-levelled
/// to warnings and a notice says why) or an `api-major-version-not-bumped`
/// error is added at `info.version`.
pub fn apply_versioning(changes: &mut Vec<Change>, base: &Spec<'_>, head: &Spec<'_>) {
    let is_breaking = |c: &Change| c.severity == Severity::Error && !is_policy_rule(&c.rule);
    let breaking = changes.iter().filter(|c| is_breaking(c)).count();
    if breaking == 0 {
        return;
    }
    let bv = base.version.as_ref().map(|(v, _)| v.as_str()).unwrap_or("");
    let hv = head.version.as_ref().map(|(v, _)| v.as_str()).unwrap_or("");
    let info_bump = matches!((major(bv), major(hv)), (Some(b), Some(h)) if h > b);
    let uri_bump = matches!((uri_major(base), uri_major(head)), (Some(b), Some(h)) if h > b);
    let (path, line) = head.place(head.version.as_ref().map(|(_, l)| *l).unwrap_or(head.info));
    if info_bump || uri_bump {
        for c in changes.iter_mut().filter(|c| is_breaking(c)) {
            c.severity = Severity::Warning;
        }
        let how = if info_bump {
            format!("info.version went from {bv} to {hv}")
        } else {
            "the URI version (/vN) increased".to_string()
        };
        changes.push(Change {
            rule: "api-version-major-bumped".into(),
            severity: super::rules::level("api-version-major-bumped"),
            side: Side::Head,
            path: path.to_string(),
            line,
            subjects: vec!["info.version".into()],
            detail: format!(
                "{how}: {breaking} breaking change(s) are allowed and reported as warnings"
            ),
            key: "info.version|major-bumped".into(),
        });
    } else {
        changes.push(Change {
            rule: "api-major-version-not-bumped".into(),
            severity: super::rules::level("api-major-version-not-bumped"),
            side: Side::Head,
            path: path.to_string(),
            line,
            subjects: vec!["info.version".into()],
            detail: format!(
                "{breaking} breaking change(s) but info.version went from `{bv}` to `{hv}` without a major bump"
            ),
            key: "info.version|not-bumped".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between("2026-06-01", "2026-07-01"), Some(30));
        assert_eq!(days_between("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(days_between("2026-01-01", "2025-12-31"), Some(-1));
        assert_eq!(days_between("1970-01-01", "2000-01-01"), Some(10_957));
        assert_eq!(days_between("2026-06-01", "soon"), None);
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(parse_date("2026-03-01").as_deref(), Some("2026-03-01"));
        assert_eq!(
            parse_date("2026-03-01T10:00:00Z").as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(parse_date("next spring"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-03-011"), None);
    }

    #[test]
    fn civil_dates_and_majors() {
        assert!(parse_date(&today()).is_some());
        assert_eq!(major("v2.3.1"), Some(2));
        assert_eq!(major("10.0"), Some(10));
        assert_eq!(major("beta"), None);
    }
}
