//! One level of decoding: base64 runs (standard or URL-safe, 40+ characters)
//! and hex runs (40+ hex digits, whole byte pairs, optionally after `0x`)
//! that decode to text are scanned again with the specific rules, so that a
//! `TLS_KEY=LS0tLS1CRUdJTi...` (a base64 PEM), a token hidden in a
//! base64-encoded config or a hex-dumped credential is still found. Generic rules do not run on decoded
//! text (too little context to be sure), and runs that a rule already
//! matched directly (JWT parts, AWS secret keys) are not decoded.
//! Not for: archives or nested encodings (one level only, where cheap).

use super::engine::{Engine, RawMatch};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// How a run was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Hex,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
        }
    }
}

/// A secret found inside an encoded run.
pub struct Decoded {
    /// The rule that matched the decoded text.
    pub rule: usize,
    /// The encoded run's byte span in the scanned text.
    pub start: usize,
    pub end: usize,
    /// The decoded secret (redacted by the caller, never stored).
    pub secret: Vec<u8>,
    pub encoding: Encoding,
}

/// Runs longer than this are not decoded (large embedded files).
const MAX_RUN: usize = 1 << 20;

/// Bytes of the base64 alphabets (standard and URL-safe).
const fn base64_bytes() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        b += 1;
    }
    t
}

static BASE64_BYTE: [bool; 256] = base64_bytes();

/// Shortest run worth decoding.
const MIN_RUN: usize = 40;

/// Maximal runs of `MIN_RUN` or more base64 characters (plus up to two `=`).
/// Skips ahead like Boyer-Moore: look at the byte `MIN_RUN - 1` ahead and
/// scan backwards from it; a byte outside the alphabet there means no long
/// run starts before it, so the bytes in between are never looked at (in
/// source text, words are short: most of the input is skipped).
fn base64_runs(text: &[u8]) -> Vec<(usize, usize)> {
    let in_alphabet = |b: u8| BASE64_BYTE[usize::from(b)];
    let n = text.len();
    let mut out = Vec::new();
    // Invariant: `i` is 0 or follows a byte outside the alphabet (or a run's end).
    let mut i = 0;
    while i + MIN_RUN <= n {
        let probe = i + MIN_RUN - 1;
        // Two cheap looks first: the probe, then the middle of the window.
        if !in_alphabet(text[probe]) {
            i = probe + 1;
            continue;
        }
        let middle = i + MIN_RUN / 2;
        if !in_alphabet(text[middle]) {
            i = middle + 1;
            continue;
        }
        let mut q = probe + 1;
        while q > i && in_alphabet(text[q - 1]) {
            q -= 1;
        }
        if q > i {
            // text[q - 1] is outside the alphabet.
            i = q;
            continue;
        }
        // text[i..=probe] is all alphabet: a run starts at i.
        let start = i;
        let mut end = probe + 1;
        while end < n && in_alphabet(text[end]) {
            end += 1;
        }
        let run_end = end;
        while end < n && end - run_end < 2 && text[end] == b'=' {
            end += 1;
        }
        out.push((start, end));
        i = end;
    }
    out
}

/// The hex digits of `run` (after an optional `0x`) when it is nothing but
/// whole hex byte pairs.
fn hex_body(run: &[u8]) -> Option<&[u8]> {
    let body = run
        .strip_prefix(b"0x")
        .or_else(|| run.strip_prefix(b"0X"))
        .unwrap_or(run);
    (body.len() >= MIN_RUN
        && body.len().is_multiple_of(2)
        && body.iter().all(u8::is_ascii_hexdigit))
    .then_some(body)
}

fn decode_hex(body: &[u8]) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    body.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

fn decode(run: &[u8]) -> Option<Vec<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url_safe = run.iter().any(|&b| b == b'-' || b == b'_');
    let engine = if url_safe {
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    } else {
        GeneralPurpose::new(&base64::alphabet::STANDARD, config)
    };
    let trimmed: &[u8] = {
        let body = run
            .strip_suffix(b"==")
            .or_else(|| run.strip_suffix(b"="))
            .unwrap_or(run);
        // A trailing partial quantum of one character cannot decode: drop it.
        if body.len() % 4 == 1 {
            &body[..body.len() - 1]
        } else {
            body
        }
    };
    engine.decode(trimmed).ok()
}

/// Mostly printable text (so not an image, a hash or ciphertext).
fn is_text(bytes: &[u8]) -> bool {
    let printable = bytes
        .iter()
        .filter(|&&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .count();
    bytes.len() >= 20 && printable * 100 >= bytes.len() * 95
}

/// Secrets inside base64 runs of `text` that no direct match in `direct` covers.
pub fn decoded_secrets(engine: &Engine, text: &[u8], direct: &[RawMatch]) -> Vec<Decoded> {
    let mut out = Vec::new();
    for (start, end) in base64_runs(text) {
        if end - start > MAX_RUN || direct.iter().any(|m| m.start < end && start < m.end) {
            continue;
        }
        let run = &text[start..end];
        let (decoded, encoding) = match hex_body(run) {
            Some(body) => (decode_hex(body), Encoding::Hex),
            None => (decode(run), Encoding::Base64),
        };
        let Some(decoded) = decoded else {
            continue;
        };
        if !is_text(&decoded) {
            continue;
        }
        for m in engine.scan(&decoded) {
            if engine.rule(m.rule).generic {
                continue;
            }
            out.push(Decoded {
                rule: m.rule,
                start,
                end,
                secret: decoded[m.start..m.end].to_vec(),
                encoding,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::secrets::synth::{self, B64, Rng};

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn rules(text: &str) -> Vec<&'static str> {
        let engine = Engine::global();
        let direct = engine.scan(text.as_bytes());
        decoded_secrets(engine, text.as_bytes(), &direct)
            .iter()
            .map(|d| engine.rule(d.rule).id)
            .collect()
    }

    #[test]
    fn runs_are_maximal_and_long_enough() {
        let text = b"short abc== x AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=== y";
        assert_eq!(base64_runs(text), vec![(14, 60)]);
        assert!(base64_runs(&[b'A'; 39]).is_empty());
        assert_eq!(base64_runs(&[b'A'; 40]), vec![(0, 40)]);
        // Two runs, the second starting right after a separator.
        let mut two = vec![b'a'; 45];
        two.push(b' ');
        two.extend([b'b'; 41]);
        assert_eq!(base64_runs(&two), vec![(0, 45), (46, 87)]);
    }

    /// The obvious way: every maximal run, kept when long enough.
    fn naive_runs(text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if !BASE64_BYTE[usize::from(text[i])] {
                i += 1;
                continue;
            }
            let start = i;
            while i < text.len() && BASE64_BYTE[usize::from(text[i])] {
                i += 1;
            }
            if i - start >= MIN_RUN {
                let run_end = i;
                while i < text.len() && i - run_end < 2 && text[i] == b'=' {
                    i += 1;
                }
                out.push((start, i));
            }
        }
        out
    }

    #[test]
    fn skipping_finds_the_same_runs_as_looking_at_every_byte() {
        let mut rng = Rng::new(42);
        for round in 0..500 {
            let spread = if round % 2 == 0 { 20 } else { 150 };
            let text: Vec<u8> = (0..rng.below(400))
                .map(|_| match rng.below(spread) {
                    0 => b' ',
                    1 => b'=',
                    2 => b'.',
                    _ => b'a',
                })
                .collect();
            assert_eq!(base64_runs(&text), naive_runs(&text), "round {round}");
        }
    }

    #[test]
    fn base64_pem_and_tokens_are_found() {
        let mut rng = Rng::new(40);
        let pem = synth::pem_private_key(&mut rng, "");
        assert_eq!(
            rules(&format!("TLS_KEY={}\n", b64(&pem))),
            vec!["private-key"]
        );
        let token = synth::github(&mut rng, 'p');
        let config = format!("{{\"auth\": {{\"token\": \"{token}\"}}}}");
        assert_eq!(
            rules(&format!("config: {}\n", b64(&config))),
            vec!["github-personal-access-token"]
        );
    }

    #[test]
    fn hex_encoded_tokens_are_found() {
        let mut rng = Rng::new(43);
        let token = synth::github(&mut rng, 'p');
        let config = format!("{{\"auth\": {{\"token\": \"{token}\"}}}}");
        let hex = hex::encode(&config);
        let engine = Engine::global();
        for text in [format!("blob = \"{hex}\"\n"), format!("data: 0x{hex}\n")] {
            let direct = engine.scan(text.as_bytes());
            let found = decoded_secrets(engine, text.as_bytes(), &direct);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(
                engine.rule(found[0].rule).id,
                "github-personal-access-token"
            );
            assert_eq!(found[0].encoding, Encoding::Hex);
        }
        // Hashes (binary when decoded), odd-length runs and plain hex text are not.
        assert!(rules(&format!("sha = {}\n", rng.string(b"0123456789abcdef", 64))).is_empty());
        assert!(rules(&format!("x = {}\n", &hex[..hex.len() - 1])).is_empty());
        assert_eq!(decode_hex(b"4a4B"), Some(vec![0x4a, 0x4b]));
    }

    #[test]
    fn binary_hashes_and_plain_words_are_not() {
        let mut rng = Rng::new(41);
        // Random base64 (ciphertext, images, integrity hashes) decodes to binary.
        assert!(rules(&format!("blob: {}\n", rng.string(B64, 120))).is_empty());
        // Decoded text with a generic-looking assignment: generic rules do not run.
        let cfg = b64("db_password = \"Zq8xLm2Vb7Rt4Kp9\"\nhost = db\n");
        assert!(rules(&format!("data: {cfg}\n")).is_empty());
        // Truncated and odd-length runs do not panic.
        assert!(rules(&format!("x {}\n", &b64(&"y".repeat(60))[..41])).is_empty());
    }
}
