//! Reference comparison: our verdicts on the synthetic corpus against the
//! committed verdicts of detect-secrets, secretlint and ripsecrets
//! (fixtures/secrets/peer-verdicts.json). Where a peer disagrees with us, the
//! reason must be written down (fixtures/secrets/differences.json); where we
//! agree, no stale reason may remain. Needs neither tool at test time.

use sha2::{Digest, Sha256};
use shipgate::gates::secrets::corpus;
use shipgate::gates::secrets::scan::{ScanStats, scan_text};

fn load(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/secrets")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn our_verdicts_match_the_expected_ones_and_every_peer_difference_is_explained() {
    let peers = load("peer-verdicts.json");
    let diffs = load("differences.json");
    let cases = corpus::cases();
    assert_eq!(
        cases.len(),
        peers["files"].as_object().map_or(0, |m| m.len()),
        "the corpus changed: rerun fixtures/secrets/run-peers.sh"
    );
    let mut problems = Vec::new();
    let mut agree = std::collections::BTreeMap::<&str, u64>::new();
    for case in &cases {
        let recorded = &peers["files"][&case.name];
        let sha = hex::encode(Sha256::digest(case.content.as_bytes()));
        if recorded["sha256"] != sha.as_str() {
            problems.push(format!(
                "{}: content changed since the peers ran: rerun fixtures/secrets/run-peers.sh",
                case.name
            ));
            continue;
        }
        let mut stats = ScanStats::default();
        let rules: Vec<&str> = scan_text(case.content.as_bytes(), None, &mut stats)
            .iter()
            .map(|h| h.rule.id)
            .collect();
        match case.expect {
            Some(rule) if !rules.contains(&rule) => {
                problems.push(format!("{}: we missed {rule} (found {rules:?})", case.name))
            }
            None if !rules.is_empty() => {
                problems.push(format!("{}: false alarm {rules:?}", case.name))
            }
            _ => {}
        }
        let ours = !rules.is_empty();
        for (field, tool) in [
            ("detect_secrets", "detect-secrets"),
            ("secretlint", "secretlint"),
            ("ripsecrets_lines", "ripsecrets"),
        ] {
            let theirs = recorded[field].as_array().is_some_and(|a| !a.is_empty());
            let reason = diffs["files"][&case.name][tool].as_str();
            if theirs == ours {
                *agree.entry(tool).or_default() += 1;
                if reason.is_some() {
                    problems.push(format!(
                        "{}: stale reason for {tool} (we now agree)",
                        case.name
                    ));
                }
            } else if reason.is_none_or(str::is_empty) {
                problems.push(format!(
                    "{}: {tool} says {}, we say {}: add the reason to differences.json",
                    case.name,
                    if theirs { "secret" } else { "clean" },
                    if ours { "secret" } else { "clean" }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The agreement figures quoted in docs/secrets.md.
    for (tool, n) in agree {
        assert_eq!(
            diffs["summary"][tool]["agree"], n,
            "{tool}: update the summary in differences.json and the docs"
        );
    }
}
