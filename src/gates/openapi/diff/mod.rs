//! Comparing two specs: the [`Change`] type every comparison produces, and the
//! entry point [`compare`]. Operations, parameters, bodies, responses and
//! security live in `operations`; the one schema walker (request and response
//! alike, direction passed in) lives in `schema`. Not for: policy (see
//! `policy`) or turning changes into findings (see the gate's `mod.rs`).

pub mod operations;
pub mod schema;
pub mod security;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod key_tests {
    #[test]
    fn keys_do_not_carry_line_numbers() {
        assert_eq!(
            super::without_line_numbers("oneOf alternative (type string, line 40) added"),
            "oneOf alternative (type string, line) added"
        );
        assert_eq!(super::without_line_numbers("maxLength 5"), "maxLength 5");
    }
}

use super::model::{Loc, Spec};
use crate::finding::{Severity, Side};
use std::collections::{BTreeMap, HashSet};

/// One detected change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub rule: String,
    pub severity: Severity,
    pub side: Side,
    pub path: String,
    pub line: u32,
    /// What it is about (`GET /users/{id}`, `webhook newPet`, `info.version`).
    pub subjects: Vec<String>,
    /// Where within the subject and what changed (`response 200 application/json: property `name`: ...`).
    pub detail: String,
    /// Identity without line numbers (for fingerprints).
    pub key: String,
}

impl Change {
    pub fn message(&self) -> String {
        let subjects = match self.subjects.len() {
            0 => String::new(),
            1..=3 => self.subjects.join(", "),
            n => format!("{} and {} more", self.subjects[..3].join(", "), n - 3),
        };
        if subjects.is_empty() {
            self.detail.clone()
        } else {
            format!("{subjects}: {}", self.detail)
        }
    }
}

/// What the comparison needs besides the two specs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Extension holding a sunset date (`x-sunset`).
    pub sunset_extension: String,
    /// Extension holding a stability level (`x-stability-level`).
    pub stability_extension: String,
    /// Whether removing a deprecated part also needs its sunset date to have passed.
    pub require_sunset_before_removal: bool,
    /// Whether removing a parameter or response property needs it deprecated first.
    pub require_deprecation_before_removal: bool,
    /// Whether deprecating without a sunset date is reported.
    pub require_sunset_on_deprecation: bool,
    /// Fewest days between today and the sunset date of a newly deprecated
    /// part of a stable operation (0: no minimum).
    pub min_sunset_days: u32,
    /// The same for beta operations.
    pub min_sunset_days_beta: u32,
    /// Today, `YYYY-MM-DD` (UTC), for sunset dates.
    pub today: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sunset_extension: "x-sunset".into(),
            stability_extension: "x-stability-level".into(),
            require_sunset_before_removal: true,
            require_deprecation_before_removal: true,
            require_sunset_on_deprecation: true,
            min_sunset_days: 0,
            min_sunset_days_beta: 0,
            today: super::policy::today(),
        }
    }
}

/// Collects changes, resolving locations to paths.
pub struct Sink<'s, 'a> {
    pub base: &'s Spec<'a>,
    pub head: &'s Spec<'a>,
    pub opts: &'s Options,
    pub changes: Vec<Change>,
    /// Schema pairs (base node, head node, direction/place) known to have no change.
    pub unchanged: std::collections::HashSet<(usize, usize, u8)>,
    /// The deprecation policy of the operation being compared (by its stability level).
    pub op_policy: OpPolicy,
}

/// The deprecation policy that applies inside one operation.
#[derive(Debug, Clone, Copy)]
pub struct OpPolicy {
    /// Whether deprecating without a sunset date is reported.
    pub require_sunset_on_deprecation: bool,
    /// Fewest days from today to a new sunset date (0: no minimum).
    pub min_sunset_days: u32,
}

impl OpPolicy {
    /// The policy for an operation at stability level `level`.
    pub fn of(opts: &Options, level: Option<&str>) -> OpPolicy {
        match level {
            Some("draft" | "alpha") => OpPolicy {
                require_sunset_on_deprecation: false,
                min_sunset_days: 0,
            },
            Some("beta") => OpPolicy {
                require_sunset_on_deprecation: false,
                min_sunset_days: opts.min_sunset_days_beta,
            },
            _ => OpPolicy {
                require_sunset_on_deprecation: opts.require_sunset_on_deprecation,
                min_sunset_days: opts.min_sunset_days,
            },
        }
    }

    /// Whether sunset date `date` is sooner than the minimum period from `today`.
    pub fn too_soon(&self, today: &str, date: &str) -> Option<i64> {
        if self.min_sunset_days == 0 {
            return None;
        }
        let days = super::policy::days_between(today, date)?;
        (days < i64::from(self.min_sunset_days)).then_some(days)
    }
}

impl<'s, 'a> Sink<'s, 'a> {
    /// Record a change of rule `rule` at `loc` on `side`.
    pub fn emit(&mut self, rule: &str, side: Side, loc: Loc, subject: &str, detail: String) {
        let spec = match side {
            Side::Base => self.base,
            Side::Head => self.head,
        };
        let (path, line) = spec.place(loc);
        let key = format!("{subject}|{detail}");
        self.changes.push(Change {
            rule: rule.to_string(),
            severity: super::rules::level(rule),
            side,
            path: path.to_string(),
            line,
            subjects: if subject.is_empty() {
                Vec::new()
            } else {
                vec![subject.to_string()]
            },
            detail,
            key,
        });
    }
}

/// Compare two specs: every change, de-duplicated (a change inside a shared
/// component is reported once, naming every operation it affects).
pub fn compare(base: &Spec<'_>, head: &Spec<'_>, opts: &Options) -> anyhow::Result<Vec<Change>> {
    let mut sink = Sink {
        base,
        head,
        opts,
        changes: Vec::new(),
        unchanged: Default::default(),
        op_policy: OpPolicy::of(opts, None),
    };
    operations::compare(&mut sink, opts)?;
    Ok(dedupe(sink.changes))
}

/// `oneOf alternative (type string, line 40) added` → `... (type string, line) added`:
/// fingerprints must not move when lines do.
fn without_line_numbers(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 4]);
        rest = rest[i + 5..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

fn dedupe(changes: Vec<Change>) -> Vec<Change> {
    // One finding per rule and place: a change inside a shared schema is
    // reported once, naming every operation it affects.
    // (rule, path, line, at base) → the change and the subjects it names.
    type Place = (String, String, u32, bool);
    let mut merged: BTreeMap<Place, (Change, HashSet<String>)> = BTreeMap::new();
    let mut order = Vec::new();
    for c in changes {
        let k = (c.rule.clone(), c.path.clone(), c.line, c.side == Side::Base);
        match merged.get_mut(&k) {
            Some((existing, seen)) => {
                for s in c.subjects {
                    // A shared schema can be reached from thousands of operations.
                    if seen.insert(s.clone()) {
                        existing.subjects.push(s);
                    }
                }
                existing.severity = existing.severity.max(c.severity);
            }
            None => {
                order.push(k.clone());
                let seen = c.subjects.iter().cloned().collect();
                merged.insert(k, (c, seen));
            }
        }
    }
    order
        .into_iter()
        .filter_map(|k| merged.remove(&k))
        .map(|(mut c, _)| {
            c.key = format!(
                "{}|{}",
                c.subjects.first().cloned().unwrap_or_default(),
                without_line_numbers(&c.detail)
            );
            c
        })
        .collect()
}
