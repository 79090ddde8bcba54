//! The coverage gate's rules, one family per file. Each rule's doc is what
//! `shipgate explain` prints.

pub mod missing_data;
pub mod thresholds;
pub mod uncovered_added_lines;

use crate::rules::RuleInfo;

/// Every rule of the coverage gate.
pub static RULES: [RuleInfo; 6] = [
    uncovered_added_lines::RULE,
    thresholds::PATCH_BELOW_MINIMUM,
    thresholds::TOTAL_BELOW_MINIMUM,
    thresholds::TOTAL_DROPPED,
    missing_data::FILE_WITHOUT_COVERAGE,
    missing_data::CHANGE_WITHOUT_COVERAGE,
];

/// The gate name findings carry.
pub const GATE: &str = "coverage";
