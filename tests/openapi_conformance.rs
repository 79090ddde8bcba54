//! Conformance with oasdiff: the spec pairs of oasdiff's own tests and the
//! rule ids those tests expect (fixtures/openapi/oasdiff, Apache-2.0, see its
//! README), compared with what we report. Two figures: pairs where we reach
//! the same verdict (breaking or not), and expected rule ids we report under
//! the same id. Both must stay at or above the recorded floor, and every pair
//! where our verdict differs must be explained in `differences.json` (and
//! every explanation must still be needed). A third figure: how many rule ids
//! of oasdiff's catalogue (`oasdiff_rules.json`) exist in ours, by level.

use shipgate::config::Config;
use shipgate::finding::Severity;
use shipgate::gates::openapi::standalone::diff_with;
use std::collections::BTreeSet;
use std::path::Path;

/// Agreement floors (raise them when agreement improves; docs/openapi.md has the figures).
const MIN_VERDICT_AGREEMENT: usize = 252;
const MIN_RULE_MATCHES: usize = 363;
const MIN_CATALOGUE_IDS: usize = 443;

#[derive(serde::Deserialize)]
struct Pair {
    base: String,
    revision: String,
    expected: Vec<String>,
    breaking: bool,
}

#[derive(serde::Deserialize)]
struct Difference {
    base: String,
    revision: String,
    /// policy | deliberate | corpus | not-implemented
    why: String,
    reason: String,
}

#[derive(serde::Deserialize)]
struct OasdiffRule {
    id: String,
    level: String,
}

#[derive(serde::Deserialize)]
struct Mapping {
    /// Our id reporting the same change, if any.
    ours: Option<String>,
    reason: String,
}

#[test]
fn oasdiff_rule_ids_exist_in_our_catalogue_or_are_mapped_with_a_reason() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/openapi/oasdiff");
    let theirs: Vec<OasdiffRule> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("oasdiff_rules.json")).unwrap())
            .unwrap();
    let ours: BTreeSet<&str> = shipgate::gates::openapi::rules::all()
        .iter()
        .map(|r| r.id)
        .collect();
    let mapping: std::collections::BTreeMap<String, Mapping> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rule_mapping.json")).unwrap())
            .unwrap();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    for r in theirs.iter().filter(|r| !ours.contains(r.id.as_str())) {
        let m = mapping.get(&r.id).unwrap_or_else(|| {
            panic!(
                "oasdiff rule {} has no id of ours and no entry in rule_mapping.json",
                r.id
            )
        });
        assert!(
            !m.reason.is_empty(),
            "rule_mapping.json: {} needs a reason",
            r.id
        );
        if let Some(o) = &m.ours {
            assert!(
                ours.contains(o.as_str()),
                "rule_mapping.json: {} maps to unknown {o}",
                r.id
            );
        }
    }
    let mut total = 0;
    let mut line = Vec::new();
    for level in ["ERR", "WARN", "INFO"] {
        let of_level: Vec<&OasdiffRule> = theirs.iter().filter(|r| r.level == level).collect();
        let have = of_level
            .iter()
            .filter(|r| ours.contains(r.id.as_str()))
            .count();
        total += have;
        line.push(format!("{level} {have}/{}", of_level.len()));
        if verbose {
            for r in of_level.iter().filter(|r| !ours.contains(r.id.as_str())) {
                println!("missing {level} {}", r.id);
            }
        }
    }
    println!(
        "oasdiff catalogue: {total}/{} rule ids exist in ours ({})",
        theirs.len(),
        line.join(", ")
    );
    assert!(total >= MIN_CATALOGUE_IDS, "catalogue ids fell to {total}");
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
    let differences: Vec<Difference> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("differences.json")).unwrap())
            .unwrap();
    for d in &differences {
        assert!(
            ["policy", "deliberate", "corpus", "not-implemented"].contains(&d.why.as_str())
                && !d.reason.is_empty(),
            "differences.json: {} | {} needs a kind and a reason",
            d.base,
            d.revision
        );
    }
    let explained = |p: &Pair| {
        differences
            .iter()
            .any(|d| d.base == p.base && d.revision == p.revision)
    };
    let mut unexplained = Vec::new();
    let mut stale = Vec::new();
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
            if explained(p) {
                stale.push(format!("{} | {}", p.base, p.revision));
            }
        } else if !explained(p) {
            unexplained.push(format!("{} | {}", p.base, p.revision));
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
        unexplained.is_empty(),
        "verdicts differ from oasdiff's with no reason in differences.json: {unexplained:#?}"
    );
    assert!(
        stale.is_empty(),
        "differences.json explains pairs that now agree (remove them): {stale:#?}"
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
