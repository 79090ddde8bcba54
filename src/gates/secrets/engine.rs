//! Running the rule catalogue over bytes.
//!
//! One keyword pass over every rule's keywords (see `keywords`) tells which
//! rules can possibly match a chunk of text; only those rules' regexes
//! run (each compiled on first use, so a small diff pays only for the rules
//! it triggers). Candidates then pass the placeholder filter, the rule's
//! entropy floor and its verify step; generic matches that overlap a
//! specific one are dropped. Not for: positions, suppression or findings
//! (see `scan`).

use super::keywords::{KeywordHit, KeywordSet};
use super::placeholder::is_placeholder;
use super::rule::{Candidate, Chunk, Matcher, SecretRule};
use super::rules;
use regex::bytes::{Regex, RegexBuilder};
use std::sync::OnceLock;

/// A verified secret in a chunk: the rule and the secret's byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMatch {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

/// The compiled catalogue.
pub struct Engine {
    rules: Vec<&'static SecretRule>,
    regexes: Vec<OnceLock<Option<Regex>>>,
    prefilter: KeywordSet,
    /// Keyword index -> the rules that have it.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords (always run).
    always: Vec<usize>,
}

impl Engine {
    /// The engine over the whole built-in catalogue, built once per process.
    pub fn global() -> &'static Engine {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        ENGINE.get_or_init(|| Engine::new(rules::all().collect()))
    }

    fn new(rules: Vec<&'static SecretRule>) -> Engine {
        let mut keywords: Vec<&str> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (idx, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                always.push(idx);
            }
            for kw in rule.keywords {
                match keywords.iter().position(|k| k.eq_ignore_ascii_case(kw)) {
                    Some(at) => keyword_rules[at].push(idx),
                    None => {
                        keywords.push(kw);
                        keyword_rules.push(vec![idx]);
                    }
                }
            }
        }
        Engine {
            regexes: rules.iter().map(|_| OnceLock::new()).collect(),
            rules,
            prefilter: KeywordSet::new(&keywords),
            keyword_rules,
            always,
        }
    }

    /// The rule at `idx` (as in [`RawMatch::rule`]).
    pub fn rule(&self, idx: usize) -> &'static SecretRule {
        self.rules[idx]
    }

    fn regex(&self, idx: usize, pattern: &str) -> Option<&Regex> {
        self.regexes[idx]
            .get_or_init(|| compile(pattern).ok())
            .as_ref()
    }

    /// Every verified secret in `text`, ordered by position.
    pub fn scan(&self, text: &[u8]) -> Vec<RawMatch> {
        let mut triggered = vec![false; self.rules.len()];
        for &idx in &self.always {
            triggered[idx] = true;
        }
        // Keyword positions per rule: regex rules run only in windows around
        // them, custom matchers get them directly.
        let mut hits: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        let mut found: Vec<KeywordHit> = Vec::new();
        self.prefilter.find_all(text, &mut found);
        for m in found {
            for &rule in &self.keyword_rules[m.keyword] {
                triggered[rule] = true;
                hits[rule].push((m.start, m.end));
            }
        }
        for h in hits.iter_mut().filter(|h| h.len() > 1) {
            h.sort_unstable();
        }
        let mut out = Vec::new();
        let mut spans = Vec::new();
        for (idx, rule) in self.rules.iter().enumerate() {
            if !triggered[idx] {
                continue;
            }
            match rule.matcher {
                Matcher::Regex(pattern) => {
                    let Some(re) = self.regex(idx, pattern) else {
                        continue;
                    };
                    let whole_text = [(0, text.len())];
                    let windows = if rule.keywords.is_empty() {
                        whole_text.to_vec()
                    } else {
                        windows(text, &hits[idx])
                    };
                    for (ws, we) in windows {
                        for caps in re.captures_iter(&text[ws..we]) {
                            let Some(whole) = caps.get(0) else { continue };
                            let secret = caps
                                .name("secret")
                                .or_else(|| caps.iter().skip(1).flatten().next())
                                .unwrap_or(whole);
                            let candidate = Candidate {
                                secret: secret.as_bytes(),
                                whole: whole.as_bytes(),
                            };
                            if accept(rule, &candidate) {
                                out.push(RawMatch {
                                    rule: idx,
                                    start: ws + secret.start(),
                                    end: ws + secret.end(),
                                });
                            }
                        }
                    }
                }
                Matcher::Custom(find) => {
                    spans.clear();
                    let chunk = Chunk {
                        text,
                        keyword_hits: &hits[idx],
                    };
                    find(&chunk, &mut spans);
                    for &(start, end) in &spans {
                        let Some(secret) = text.get(start..end) else {
                            continue;
                        };
                        let candidate = Candidate {
                            secret,
                            whole: secret,
                        };
                        if accept(rule, &candidate) {
                            out.push(RawMatch {
                                rule: idx,
                                start,
                                end,
                            });
                        }
                    }
                }
            }
        }
        self.resolve_overlaps(out)
    }

    /// Drop duplicates and generic matches that overlap a specific one.
    fn resolve_overlaps(&self, mut found: Vec<RawMatch>) -> Vec<RawMatch> {
        found.sort_by_key(|m| (m.start, m.end, m.rule));
        found.dedup();
        let specific: Vec<(usize, usize)> = found
            .iter()
            .filter(|m| !self.rules[m.rule].generic)
            .map(|m| (m.start, m.end))
            .collect();
        found.retain(|m| {
            !self.rules[m.rule].generic || !specific.iter().any(|&(s, e)| s < m.end && m.start < e)
        });
        // Two generic rules on the same bytes: keep the first.
        let mut kept: Vec<RawMatch> = Vec::with_capacity(found.len());
        for m in found {
            let dup = kept.iter().any(|k| {
                self.rules[k.rule].generic
                    && self.rules[m.rule].generic
                    && k.start < m.end
                    && m.start < k.end
            });
            if !dup {
                kept.push(m);
            }
        }
        kept
    }
}

/// How far (bytes) around a keyword a rule's match may reach. Windows are
/// widened to whole lines, so a token on one long line is never cut.
const WINDOW: usize = 1024;

/// Merged, line-aligned windows of `WINDOW` bytes around sorted keyword `hits`.
fn windows(text: &[u8], hits: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &(start, end) in hits {
        let from = start.saturating_sub(WINDOW);
        let to = end.saturating_add(WINDOW).min(text.len());
        if let Some(last) = out.last_mut()
            && from <= last.1
        {
            // Overlaps the previous window: extend it to this one's line end.
            if to > last.1 {
                last.1 = memchr::memchr(b'\n', &text[to..]).map_or(text.len(), |i| to + i);
            }
            continue;
        }
        let from = memchr::memrchr(b'\n', &text[..from]).map_or(0, |i| i + 1);
        let to = memchr::memchr(b'\n', &text[to..]).map_or(text.len(), |i| to + i);
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

fn accept(rule: &SecretRule, candidate: &Candidate<'_>) -> bool {
    if candidate.secret.is_empty() || is_placeholder(candidate.secret) {
        return false;
    }
    if rule.min_entropy > 0.0 && super::entropy::shannon(candidate.secret) < rule.min_entropy {
        return false;
    }
    rule.verify.is_none_or(|verify| verify(candidate))
}

/// Compile a rule pattern: bytes, no Unicode classes, generous size limit.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for rule in rules::all() {
            assert!(seen.insert(rule.id), "duplicate {}", rule.id);
            if let Matcher::Regex(p) = rule.matcher {
                assert!(compile(p).is_ok(), "{}: {:?}", rule.id, compile(p).err());
            }
            assert!(
                rule.keywords.iter().all(|k| *k == k.to_ascii_lowercase()),
                "{} keywords must be lower-case",
                rule.id
            );
        }
    }

    #[test]
    fn windows_are_line_aligned_merged_and_never_cut_a_long_line() {
        let text = b"aaaa\nbb KEY bb\ncccc\n";
        assert_eq!(windows(text, &[(8, 11)]), vec![(0, text.len())]);
        let mut long = vec![b'x'; 5000];
        long.extend_from_slice(b" KEY ");
        long.extend(vec![b'y'; 5000]);
        long.extend_from_slice(b"\nnext\n");
        assert_eq!(windows(&long, &[(5001, 5004)]), vec![(0, 10005)]);
        // A long JWT on one line is found whole although it is longer than a window.
        let mut rng = crate::gates::secrets::synth::Rng::new(5);
        let jwt = crate::gates::secrets::synth::jwt(&mut rng);
        let long_jwt = format!(
            "{jwt}{}",
            rng.string(crate::gates::secrets::synth::B64URL, 3000)
        );
        let text = format!("{}\nAuthorization: Bearer {long_jwt}\n", "z".repeat(3000));
        let found = Engine::global().scan(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].end - found[0].start, long_jwt.len());
    }

    #[test]
    fn plain_text_has_no_secrets() {
        let text = b"fn main() { println!(\"hello\"); } // a token of thanks";
        assert!(Engine::global().scan(text).is_empty());
    }
}
