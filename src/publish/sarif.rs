//! SARIF 2.1.0 for code scanning (`--sarif FILE`).
//!
//! One run, tool `shipgate` with every rule of the registry (help text from
//! the rule docs) plus any rule a finding names that the registry lacks;
//! one result per finding with `partialFingerprints` from the finding's
//! stable fingerprint. Findings on the base side (removed code) carry no
//! physical location: the file at that line is not in the analysed commit.

use super::view::ReportView;
use crate::finding::{Finding, Severity, Side};
use serde_json::{Value, json};

/// The key under `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "shipgateFingerprint/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    }
}

fn rule_descriptor(r: &crate::rules::RuleInfo) -> Value {
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.summary },
        "help": { "text": r.doc.trim(), "markdown": r.doc.trim() },
        "defaultConfiguration": { "level": level(r.default_severity) },
        "properties": { "tags": [r.gate.as_str()] }
    })
}

fn ad_hoc_descriptor(f: &Finding) -> Value {
    json!({
        "id": f.rule,
        "name": f.rule,
        "shortDescription": { "text": if f.title.is_empty() { f.rule.as_str() } else { f.title.as_str() } },
        "help": { "text": if f.help.is_empty() { "See `shipgate explain` for this rule." } else { f.help.as_str() } },
        "defaultConfiguration": { "level": level(f.severity) },
        "properties": { "tags": [f.gate] }
    })
}

fn message(f: &Finding) -> String {
    let mut text = f.title.clone();
    if let Some(loc) = f.location.as_ref().filter(|l| l.side == Side::Base) {
        text.push_str(&format!(" (at {loc})"));
    }
    if !f.message.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(f.message.trim());
    }
    if !f.help.is_empty() {
        text.push_str("\n\nFix: ");
        text.push_str(&f.help);
    }
    text
}

/// The SARIF log for `view`.
pub fn render(view: &ReportView) -> Value {
    let mut rules: Vec<Value> = crate::rules::all()
        .into_iter()
        .map(rule_descriptor)
        .collect();
    let mut ids: Vec<String> = crate::rules::all()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    let mut results = Vec::new();
    for gate in &view.gates {
        for f in &gate.findings {
            let index = match ids.iter().position(|id| *id == f.rule) {
                Some(i) => i,
                None => {
                    ids.push(f.rule.clone());
                    rules.push(ad_hoc_descriptor(f));
                    ids.len() - 1
                }
            };
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": message(f) },
                "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
                "properties": { "gate": f.gate }
            });
            if let Some(loc) = f.location.as_ref().filter(|l| l.side == Side::Head) {
                let mut region = json!({
                    "startLine": loc.start_line.max(1),
                    "endLine": loc.end_line.max(loc.start_line).max(1),
                });
                if let Some(c) = loc.start_column {
                    region["startColumn"] = json!(c.max(1));
                    if let Some(e) = loc.end_column {
                        // SARIF's endColumn is exclusive; ours is inclusive.
                        region["endColumn"] = json!(e.max(c).saturating_add(1));
                    }
                }
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&loc.path), "uriBaseId": "%SRCROOT%" },
                        "region": region
                    }
                }]);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "shipgate",
                    "version": view.tool.version,
                    "rules": rules
                }
            },
            "automationDetails": { "id": "shipgate/" },
            "properties": { "head": view.head, "base": view.base, "verdict": view.verdict.as_str() },
            "results": results
        }]
    })
}

/// A repository-relative path as a URI reference (spaces and `%` escaped).
fn uri(path: &str) -> String {
    path.split('/')
        .map(crate::platform::http::encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}
