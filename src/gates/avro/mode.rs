//! Confluent compatibility modes: which (reader, writer) pairs a new schema must pass.
//!
//! BACKWARD: the new schema reads data written with the previous one.
//! FORWARD: the previous schema reads data written with the new one.
//! FULL: both. The `_TRANSITIVE` variants check against every previous version
//! given, not only the latest; NONE checks nothing. Not for: reading history
//! (see `history`) or the resolution rules themselves (see `compat`).

use super::compat::{self, Incompat};
use super::schema::{NodeId, SchemaSet};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// A Confluent compatibility level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    None,
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::None,
        Mode::Backward,
        Mode::BackwardTransitive,
        Mode::Forward,
        Mode::ForwardTransitive,
        Mode::Full,
        Mode::FullTransitive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "NONE",
            Mode::Backward => "BACKWARD",
            Mode::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Mode::Forward => "FORWARD",
            Mode::ForwardTransitive => "FORWARD_TRANSITIVE",
            Mode::Full => "FULL",
            Mode::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    pub fn transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }

    fn backward(self) -> bool {
        matches!(
            self,
            Mode::Backward | Mode::BackwardTransitive | Mode::Full | Mode::FullTransitive
        )
    }

    fn forward(self) -> bool {
        matches!(
            self,
            Mode::Forward | Mode::ForwardTransitive | Mode::Full | Mode::FullTransitive
        )
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_uppercase().replace('-', "_");
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == norm)
            .ok_or_else(|| {
                format!(
                    "unknown compatibility mode `{s}`: expected one of {}",
                    Mode::ALL.map(Mode::as_str).join(", ")
                )
            })
    }
}

impl<'de> Deserialize<'de> for Mode {
    /// Confluent's names, in any case (`FULL_TRANSITIVE`, `full-transitive`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which way data flows in a violated check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// New schema as reader, previous as writer.
    Backward,
    /// Previous schema as reader, new as writer.
    Forward,
}

/// One incompatibility between the new schema and one previous version.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    pub direction: Direction,
    /// Index into the `previous` slice given to [`check`] (newest last).
    pub against: usize,
    pub incompat: Incompat,
}

/// A schema: the set it lives in and its root.
pub type Version<'a> = (&'a SchemaSet, NodeId);

/// Check `new` against `previous` (oldest first, newest last) under `mode`.
pub fn check(mode: Mode, new: Version<'_>, previous: &[Version<'_>]) -> Vec<Violation> {
    let mut out = Vec::new();
    if previous.is_empty() || mode == Mode::None {
        return out;
    }
    let first = if mode.transitive() {
        0
    } else {
        previous.len() - 1
    };
    // Newest first: the most relevant breakage is reported first.
    for against in (first..previous.len()).rev() {
        let old = previous[against];
        if mode.backward() {
            for incompat in compat::check(new, old) {
                out.push(Violation {
                    direction: Direction::Backward,
                    against,
                    incompat,
                });
            }
        }
        if mode.forward() {
            for incompat in compat::check(old, new) {
                out.push(Violation {
                    direction: Direction::Forward,
                    against,
                    incompat,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_confluent_name() {
        assert_eq!("full_transitive".parse::<Mode>(), Ok(Mode::FullTransitive));
        assert_eq!("BACKWARD".parse::<Mode>(), Ok(Mode::Backward));
        assert!(
            "SIDEWAYS"
                .parse::<Mode>()
                .unwrap_err()
                .contains("BACKWARD_TRANSITIVE")
        );
    }
}
