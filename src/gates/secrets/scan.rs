//! From bytes to findings: run the engine over a whole text or over chosen
//! line ranges of it (the added lines of a change), place each secret at its
//! exact line and column, honour inline allow comments, and build redacted
//! findings. Not for: where the text comes from (see `mod.rs`, `tree`,
//! `history`).

use super::decode;
use super::engine::Engine;
use super::redact::{Redacted, redact};
use super::rule::SecretRule;
use super::suppress::inline_allows;
use crate::finding::{Finding, Location};

/// Line starts of a text, for offset -> line/column.
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// Byte range of 1-based `line` without its newline (empty past the end).
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.len);
        let end = self
            .starts
            .get(line)
            .map(|&s| s.saturating_sub(1))
            .unwrap_or(self.len);
        (start.min(self.len), end.max(start).min(self.len))
    }
}

/// A secret found in a text, placed and redacted.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static SecretRule,
    pub start_line: u32,
    pub end_line: u32,
    /// 1-based character columns (on `start_line` / `end_line`).
    pub start_column: u32,
    pub end_column: u32,
    pub redacted: Redacted,
    /// Found inside an encoded run (the location is the run's): its encoding.
    pub encoding: Option<decode::Encoding>,
    /// The line carries an allow comment (`shipgate:allow`, `gitleaks:allow`) covering the rule.
    pub inline_allowed: bool,
}

/// What a scan left out, for notes and metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanStats {
    /// Secrets on lines with an allow comment.
    pub allowed_inline: usize,
    /// Bytes scanned.
    pub bytes: u64,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Characters (UTF-8 scalar starts) in `bytes`.
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Scan `text`, all of it (`ranges: None`) or only the 1-based inclusive line
/// `ranges` (e.g. the added lines of a change).
pub fn scan_text(text: &[u8], ranges: Option<&[(u32, u32)]>, stats: &mut ScanStats) -> Vec<Hit> {
    let mut hits = scan_marked(text, ranges, stats);
    hits.retain(|h| {
        if h.inline_allowed {
            stats.allowed_inline += 1;
        }
        !h.inline_allowed
    });
    hits
}

/// Like [`scan_text`], but hits covered by an inline allow comment are kept,
/// marked `inline_allowed`, for the caller to decide (a change may not allow
/// its own secrets: see `GateContext::allow_inline_suppression`).
pub fn scan_marked(text: &[u8], ranges: Option<&[(u32, u32)]>, stats: &mut ScanStats) -> Vec<Hit> {
    let engine = Engine::global();
    let mut hits = Vec::new();
    match ranges {
        None => {
            // Whole texts (tree, history): no line bookkeeping unless something
            // is found, and then only up to the last hit.
            stats.bytes += text.len() as u64;
            let mut lines = LineCounter::new(text);
            for f in find(engine, text) {
                place(text, &mut lines, &f, 0, &mut hits);
            }
        }
        Some(ranges) => {
            let index = LineIndex::new(text);
            let mut lines = LineCounter::new(text);
            for &(first, last) in ranges {
                let start = index.line_span(first as usize).0;
                let end = index.line_span(last as usize).1;
                if start >= end {
                    continue;
                }
                stats.bytes += (end - start) as u64;
                for f in find(engine, &text[start..end]) {
                    place(text, &mut lines, &f, start, &mut hits);
                }
            }
        }
    }
    hits
}

/// Line numbers by counting newlines forward; offsets must not decrease.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// 1-based line of `offset`.
    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.pos {
            // Out of order (overlapping matches): count from the start.
            self.pos = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text[self.pos..offset]).count();
        self.pos = offset;
        self.line
    }
}

/// Start and end (without newline) of the line holding `offset`.
fn line_around(text: &[u8], offset: usize) -> (usize, usize) {
    let start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    (start, end)
}

/// A secret in a chunk, before placing: its span (for a decoded secret, the
/// encoded run's span) and, for decoded secrets, the decoded bytes.
struct Found {
    rule: &'static SecretRule,
    start: usize,
    end: usize,
    decoded: Option<Vec<u8>>,
    encoding: Option<decode::Encoding>,
}

/// Direct matches, then secrets inside base64 runs, ordered by position.
fn find(engine: &Engine, chunk: &[u8]) -> Vec<Found> {
    let direct = engine.scan(chunk);
    let decoded = decode::decoded_secrets(engine, chunk, &direct);
    let mut out: Vec<Found> = direct
        .into_iter()
        .map(|m| Found {
            rule: engine.rule(m.rule),
            start: m.start,
            end: m.end,
            decoded: None,
            encoding: None,
        })
        .chain(decoded.into_iter().map(|d| Found {
            rule: engine.rule(d.rule),
            start: d.start,
            end: d.end,
            decoded: Some(d.secret),
            encoding: Some(d.encoding),
        }))
        .collect();
    out.sort_by_key(|f| f.start);
    out
}

/// Turn a found secret (offsets relative to `base`) into a hit, marked when
/// an allow comment covers it.
fn place(
    text: &[u8],
    lines: &mut LineCounter<'_>,
    found: &Found,
    base: usize,
    hits: &mut Vec<Hit>,
) {
    let (s, e) = (base + found.start, base + found.end);
    let rule = found.rule;
    let last = e.saturating_sub(1).max(s);
    let (ls, le) = line_around(text, s);
    let inline_allowed = inline_allows(&text[ls..le], rule.id) || block_allowed(text, ls, rule.id);
    let start_line = lines.line_of(s);
    let end_line = start_line + memchr::memchr_iter(b'\n', &text[s..last]).count();
    let (end_ls, _) = line_around(text, last);
    hits.push(Hit {
        rule,
        start_line: to_u32(start_line),
        end_line: to_u32(end_line),
        start_column: to_u32(chars(&text[ls..s]) + 1),
        end_column: to_u32(chars(&text[end_ls..e])),
        redacted: redact(found.decoded.as_deref().unwrap_or(&text[s..e])),
        encoding: found.encoding,
        inline_allowed,
    });
}

/// How many lines above a private key's material its `-----BEGIN` line may
/// be (encrypted PEM and PGP blocks have header lines in between).
const MAX_HEADER_LINES: usize = 8;

/// Whether a key block's allow comment covers the key material starting on
/// the line at `line_start`: for `private-key` hits, the marker may stand on
/// the block's `-----BEGIN` (or `PuTTY-User-Key-File`) line or on the line
/// just before it, since the block itself cannot carry a comment.
fn block_allowed(text: &[u8], line_start: usize, rule: &str) -> bool {
    if rule != "private-key" {
        return false;
    }
    let mut end = line_start;
    for _ in 0..MAX_HEADER_LINES {
        let Some(prev_end) = end.checked_sub(1) else {
            return false;
        };
        let (start, _) = line_around(text, prev_end);
        let line = &text[start..prev_end];
        if memchr::memmem::find(line, b"-----BEGIN").is_some()
            || memchr::memmem::find(line, b"PuTTY-User-Key-File").is_some()
        {
            if inline_allows(line, rule) {
                return true;
            }
            return start.checked_sub(1).is_some_and(|before| {
                inline_allows(&text[line_around(text, before).0..before], rule)
            });
        }
        end = start;
    }
    false
}

/// "A" or "An" before `noun` (by its first letter: every rule name that
/// starts with a vowel letter also starts with a vowel sound).
fn article(noun: &str) -> &'static str {
    match noun.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "An",
        _ => "A",
    }
}

/// First letter upper-case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Hit {
    /// The finding for this hit in `path`. Its fingerprint key is the salted
    /// hash of the secret: stable when lines move, and never the secret.
    pub fn finding(&self, path: &str) -> Finding {
        let rule = self.rule;
        let mut location = Location::lines(path, self.start_line, self.end_line);
        if self.start_line == self.end_line {
            location = location.with_columns(self.start_column, self.end_column);
        }
        Finding::new(
            "secrets",
            rule.id,
            rule.severity,
            format!("{} committed", capitalised(rule.name)),
            Some(location),
            &self.redacted.hash,
        )
        .with_message(format!(
            "{} {} is in this change{}: {}. Anyone who can read the repository, a fork, a clone or a CI log can use it.",
            article(rule.name),
            rule.name,
            self.encoding
                .map(|e| format!(", {}-encoded", e.name()))
                .unwrap_or_default(),
            self.redacted
        ))
        .with_help(format!(
            "{} Then remove it from the change and load it from the environment or a secret store; deleting it in a later commit does not un-leak it. \
             If it is not a real credential, add `shipgate:allow {}` to the line, list the path in gates.secrets.allow_paths, or record it with `shipgate secrets baseline`.",
            rule.revoke, rule.id
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::secrets::synth::{self, Rng};

    #[test]
    fn positions_are_exact_and_ranges_limit_the_scan() {
        let mut rng = Rng::new(30);
        let t = synth::github(&mut rng, 'p');
        let text = format!("line one\nline two\n  héllo = \"{t}\"\nlast\n");
        let mut stats = ScanStats::default();
        let hits = scan_text(text.as_bytes(), None, &mut stats);
        assert_eq!(hits.len(), 1);
        let h = &hits[0];
        assert_eq!((h.start_line, h.end_line), (3, 3));
        // `  héllo = "` is 11 characters; the token starts at column 12.
        assert_eq!(h.start_column, 12);
        assert_eq!(h.end_column, 12 + 40 - 1);
        // Only lines 1-2 scanned: nothing.
        assert!(scan_text(text.as_bytes(), Some(&[(1, 2)]), &mut stats).is_empty());
        assert_eq!(
            scan_text(text.as_bytes(), Some(&[(3, 3)]), &mut stats).len(),
            1
        );
    }

    #[test]
    fn allow_comment_suppresses_and_finding_is_redacted() {
        let mut rng = Rng::new(31);
        let t = synth::github(&mut rng, 'p');
        let text = format!("a = \"{t}\" # shipgate:allow\nb = \"{t}\"\n");
        let mut stats = ScanStats::default();
        let hits = scan_text(text.as_bytes(), None, &mut stats);
        assert_eq!(hits.len(), 1);
        assert_eq!(stats.allowed_inline, 1);
        let f = hits[0].finding("cfg/app.env");
        let json = serde_json::to_string(&f).unwrap_or_default();
        assert!(!json.contains(&t[..8]), "{json}");
        assert!(json.contains("ghp_…"), "{json}");
    }
}

#[cfg(test)]
mod block_allow {
    use super::*;
    use crate::gates::secrets::synth::{self, Rng};

    fn reported(text: &str) -> usize {
        let mut stats = ScanStats::default();
        scan_text(text.as_bytes(), None, &mut stats).len()
    }

    #[test]
    fn allow_before_or_on_the_begin_line_silences_a_pem_block() {
        let mut rng = Rng::new(32);
        let pem = synth::pem_private_key(&mut rng, "RSA ");
        assert_eq!(reported(&pem), 1);
        // The line before the block (a YAML/shell comment).
        assert_eq!(reported(&format!("# test key, shipgate:allow\n{pem}")), 0);
        assert_eq!(reported(&format!("# shipgate:allow private-key\n{pem}")), 0);
        // Another rule's id does not cover it.
        assert_eq!(reported(&format!("# shipgate:allow jwt\n{pem}")), 1);
        // On the BEGIN line, before the block starts.
        assert_eq!(reported(&format!("key = /* note */ {pem}")), 1);
        assert_eq!(reported(&format!("key = /* shipgate:allow */ {pem}")), 0);
        // Encrypted PEM: header lines between BEGIN and the material.
        let body = rng.string(synth::B64, 64);
        let enc = format!(
            "// shipgate:allow\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00AA\n\n{body}\n"
        );
        assert_eq!(reported(&enc), 0);
        // Two lines above is too far: the comment is about something else.
        assert_eq!(reported(&format!("# shipgate:allow\nother = 1\n{pem}")), 1);
        // A marker on the line before does not silence other (one-line) secrets.
        let token = synth::github(&mut rng, 'p');
        assert_eq!(reported(&format!("# shipgate:allow\nt = \"{token}\"\n")), 1);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use crate::gates::secrets::synth::{self, Rng};

    /// A poor man's fuzz run (the cargo-fuzz target does this at scale):
    /// random bytes spliced with pieces of real formats never panic, and
    /// hits stay inside the text.
    #[test]
    fn random_and_spliced_inputs_never_panic() {
        let mut rng = Rng::new(99);
        let pieces: Vec<String> = synth::samples(&mut rng)
            .into_iter()
            .map(|(_, _, line)| line)
            .chain([
                "-----BEGIN PRIVATE KEY-----\\n".to_string(),
                "kind: Secret\ndata:\n  a: ".to_string(),
                "eyJhbGciOiJIUzI1NiJ9.eyJ".to_string(),
                "postgres://u:".to_string(),
                "é\u{0}\r\n\t".to_string(),
            ])
            .collect();
        for round in 0..400 {
            let mut text: Vec<u8> = Vec::new();
            for _ in 0..rng.below(8) {
                if rng.below(2) == 0 {
                    let p = &pieces[rng.below(pieces.len())];
                    let cut = rng.below(p.len() + 1);
                    text.extend_from_slice(&p.as_bytes()[..cut]);
                } else {
                    text.extend((0..rng.below(64)).map(|_| rng.below(256) as u8));
                }
            }
            let lines = text.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let mut stats = ScanStats::default();
            for hit in scan_text(&text, None, &mut stats) {
                assert!(
                    hit.start_line <= hit.end_line && hit.end_line <= lines,
                    "round {round}"
                );
                assert!(hit.redacted.len <= text.len());
            }
            let _ = scan_text(
                &text,
                Some(&[(2, 1), (lines, lines + 3), (1, u32::MAX - 1)]),
                &mut stats,
            );
        }
    }
}
