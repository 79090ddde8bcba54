//! The openapi gate's rule catalogue: every rule id with its default
//! severity and its three-part doc (What it does / Why is this bad? / Example),
//! one file per rule family. Ids follow oasdiff's catalogue where a rule has
//! an oasdiff counterpart, so people moving from oasdiff recognize them.
//!
//! Schema rules are generated from one table (`schema::KINDS`) for each place
//! a schema can sit (request body, request parameter, response body, response
//! header, at the top or nested as a property), because one walker serves
//! them all and the direction decides the severity. Not for: detecting
//! changes (see `diff`).

pub mod endpoints;
pub mod parameters;
pub mod payloads;
pub mod policy;
pub mod schema;
pub mod security;

use crate::finding::Severity;
use crate::gates::GateId;
use crate::rules::RuleInfo;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One hand-written rule.
pub struct Def {
    pub id: &'static str,
    pub level: Severity,
    pub summary: &'static str,
    pub why: &'static str,
    pub example: &'static str,
}

pub const E: Severity = Severity::Error;
pub const W: Severity = Severity::Warning;
pub const N: Severity = Severity::Notice;

fn doc(summary: &str, why: &str, example: &str) -> String {
    format!("## What it does\n{summary}\n\n## Why is this bad?\n{why}\n\n## Example\n{example}\n")
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

static RULES: LazyLock<Vec<RuleInfo>> = LazyLock::new(|| {
    let mut out = Vec::new();
    let families: [&[Def]; 5] = [
        endpoints::DEFS,
        parameters::DEFS,
        payloads::DEFS,
        security::DEFS,
        policy::DEFS,
    ];
    for defs in families.into_iter().chain([schema::PROPERTY_DEFS]) {
        for d in defs {
            out.push(RuleInfo {
                id: d.id,
                gate: GateId::Openapi,
                default_severity: d.level,
                summary: d.summary,
                doc: leak(doc(d.summary, d.why, d.example)),
            });
        }
    }
    for (id, level, summary, why, example) in schema::generated() {
        // A hand-written rule with the same id (e.g. `request-parameter-deprecated`) wins.
        if out.iter().any(|r: &RuleInfo| r.id == id) {
            continue;
        }
        out.push(RuleInfo {
            id: leak(id),
            gate: GateId::Openapi,
            default_severity: level,
            summary: leak(summary.clone()),
            doc: leak(doc(&summary, &why, &example)),
        });
    }
    out
});

static INDEX: LazyLock<HashMap<&'static str, usize>> =
    LazyLock::new(|| RULES.iter().enumerate().map(|(i, r)| (r.id, i)).collect());

/// Every rule of the gate.
pub fn all() -> &'static [RuleInfo] {
    &RULES
}

/// The rule with id `id`.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    INDEX.get(id).map(|&i| &RULES[i])
}

/// The default severity of `id` (notice for an unknown id, which tests forbid).
pub fn level(id: &str) -> Severity {
    find(id)
        .map(|r| r.default_severity)
        .unwrap_or(Severity::Notice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_doc_has_three_parts() {
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert!(
                r.doc.contains("## What it does")
                    && r.doc.contains("## Why is this bad?")
                    && r.doc.contains("## Example")
            );
        }
        assert!(all().len() > 200);
    }

    #[test]
    fn direction_decides_severity_for_the_same_change() {
        assert_eq!(level("request-property-max-length-decreased"), E);
        assert_eq!(level("response-property-max-length-decreased"), N);
        assert_eq!(level("request-property-enum-value-added"), N);
        assert_eq!(level("response-property-enum-value-added"), W);
    }
}
