//! Conformance with oasdiff: the spec pairs of oasdiff's own tests and the
//! rule ids those tests expect (fixtures/openapi/oasdiff, Apache-2.0, see its
//! README), compared with what we report. Two figures: pairs where we reach
//! the same verdict (breaking or not), and expected rule ids we report under
//! the same id. Both must stay at or above the recorded floor.

use shipgate::config::Config;
use shipgate::finding::Severity;
use shipgate::gates::openapi::standalone::diff_with;
use std::collections::BTreeSet;
use std::path::Path;

/// Agreement floors (raise them when agreement improves; docs/openapi.md has the figures).
const MIN_VERDICT_AGREEMENT: usize = 252;
const MIN_RULE_MATCHES: usize = 361;

#[derive(serde::Deserialize)]
struct Pair {
    base: String,
    revision: String,
    expected: Vec<String>,
    breaking: bool,
}

#[test]
fn agreement_with_oasdiff_expectations_stays_at_or_above_the_floor() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/openapi/oasdiff");
    let pairs: Vec<Pair> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("pairs.json")).unwrap()).unwrap();
    // oasdiff has neither the versioning policy nor deprecate-before-removal
    // for parameters and properties; compare its rules only.
    let config = Config::parse(
        "gates:\n  openapi:\n    require_major_bump: false\n    require_deprecation_before_removal: false\n",
        "conformance",
    )
    .unwrap();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    let (mut same_verdict, mut rule_hits, mut rule_total) = (0, 0, 0);
    let mut errors = 0;
    for p in &pairs {
        let old = dir.join("data").join(&p.base);
        let new = dir.join("data").join(&p.revision);
        let (findings, ours_breaking, err) = match diff_with(&old, &new, &config) {
            Ok((f, _)) => {
                let breaking = f.iter().any(|x| x.severity == Severity::Error);
                (f, breaking, None)
            }
            Err(e) => (Vec::new(), false, Some(format!("{e:#}"))),
        };
        if err.is_some() {
            errors += 1;
        }
        let ours: BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        let hits = p
            .expected
            .iter()
            .filter(|r| ours.contains(r.as_str()))
            .count();
        rule_hits += hits;
        rule_total += p.expected.len();
        let agree = ours_breaking == p.breaking && err.is_none();
        if agree {
            same_verdict += 1;
        }
        if verbose && (!agree || hits < p.expected.len()) {
            println!(
                "{}{} | {}\n  expected {:?} (breaking {})\n  ours     {:?} (breaking {}){}",
                if agree { "RULES " } else { "VERDICT " },
                p.base,
                p.revision,
                p.expected,
                p.breaking,
                ours,
                ours_breaking,
                err.map(|e| format!("\n  error: {e}")).unwrap_or_default()
            );
        }
    }
    println!(
        "oasdiff conformance: verdict {same_verdict}/{} pairs, rule ids {rule_hits}/{rule_total}, load errors {errors}",
        pairs.len()
    );
    assert!(
        same_verdict >= MIN_VERDICT_AGREEMENT,
        "verdict agreement fell to {same_verdict}"
    );
    assert!(
        rule_hits >= MIN_RULE_MATCHES,
        "rule-id matches fell to {rule_hits}"
    );
}
