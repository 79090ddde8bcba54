//! The rule registry: every rule id any gate can report, with its default
//! severity and documentation. `shipgate rules` and `shipgate explain` print
//! it; config validation checks rule ids against it.

use crate::finding::Severity;
use crate::gates::GateId;
use serde::Serialize;

/// One rule. `doc` has three parts, as `shipgate explain` prints them:
/// what it does, why it matters, and an example with the fix.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    /// Stable id, unique across all gates (kebab-case).
    pub id: &'static str,
    pub gate: GateId,
    pub default_severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// Markdown: "What it does", "Why is this bad?", "Example".
    pub doc: &'static str,
}

/// Every rule of every gate, gate by gate.
pub fn all() -> Vec<&'static RuleInfo> {
    GateId::ALL
        .iter()
        .chain(&[GateId::Policy])
        .flat_map(|&g| for_gate(g))
        .collect()
}

/// The rules gate `id` defines.
pub fn for_gate(id: GateId) -> &'static [RuleInfo] {
    crate::gates::rules_of(id)
}

/// Look a rule up by id.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    all().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_documented_and_kebab_case() {
        let mut seen = HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "rule id {} is not kebab-case",
                rule.id
            );
            assert!(!rule.summary.is_empty(), "{} has no summary", rule.id);
            assert!(!rule.doc.is_empty(), "{} has no doc", rule.id);
        }
    }
}
