//! Checksums that providers embed in their token formats.
//!
//! Owns: the CRC32-in-base62 tail of GitHub's `gh?_` tokens and npm's `npm_`
//! tokens, and the structural check of PyPI's macaroon tokens. A token whose
//! checksum verifies is almost certainly real (or a deliberately forged test
//! value); one that does not is a near miss and is not reported. Not for:
//! matching (see `engine`) or deciding what a rule reports (see `rules`).

use base64::Engine as _;

/// Base62 alphabet used by GitHub and npm token checksums: digits, upper, lower.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_digit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 10),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 36),
        _ => None,
    }
}

/// Decode a base62 number (most significant digit first).
fn base62_decode(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &c| {
        acc.checked_mul(62)?.checked_add(base62_digit(c)?)
    })
}

/// Encode `n` as exactly `width` base62 digits, left-padded with `0`.
pub fn base62_encode(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        // `n % 62` is below 62, so the index is in range.
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `body` (the token without its `ghp_`/`npm_` prefix) ends in six
/// base62 digits that encode the CRC32 of the characters before them.
pub fn crc32_base62_tail(body: &[u8]) -> bool {
    if body.len() <= 6 {
        return false;
    }
    let (payload, tail) = body.split_at(body.len() - 6);
    match base62_decode(tail) {
        Some(sum) => sum == u64::from(crc32fast::hash(payload)),
        None => false,
    }
}

/// The six-character checksum tail for `payload` (used to build test tokens).
pub fn crc32_base62(payload: &[u8]) -> String {
    base62_encode(u64::from(crc32fast::hash(payload)), 6)
}

/// Whether `token` (after its `pypi-` prefix) is the base64url form of a
/// version-2 macaroon: version byte 2, then a location field, then an
/// identifier field. Only the first bytes are decoded.
pub fn pypi_macaroon(body: &[u8]) -> bool {
    // 44 base64 characters decode to 33 bytes: enough for the header fields.
    let take = body.len().min(44) / 4 * 4;
    let Some(head) = body.get(..take) else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(head) else {
        return false;
    };
    // Version 2 macaroon: 0x02, field type 1 (location), varint length, location.
    let [2, 1, len, rest @ ..] = bytes.as_slice() else {
        return false;
    };
    let len = usize::from(*len);
    if len == 0 || len > 0x7f || rest.len() < len + 1 {
        return false;
    }
    let location = &rest[..len];
    // The next field must be the identifier (type 2).
    location.iter().all(|b| b.is_ascii_graphic()) && rest[len] == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_round_trip_pads_to_width() {
        assert_eq!(base62_encode(0, 6), "000000");
        assert_eq!(base62_encode(61, 2), "0z");
        assert_eq!(base62_decode(b"0z"), Some(61));
        assert_eq!(base62_decode(b"0-"), None);
        let tail = crc32_base62(b"abc");
        assert_eq!(
            base62_decode(tail.as_bytes()),
            Some(u64::from(crc32fast::hash(b"abc")))
        );
    }

    #[test]
    fn crc_tail_accepts_only_the_right_checksum() {
        let payload = "Q2xhc3NpY1Rva2VuUGF5bG9hZDAwMD";
        let good = format!("{payload}{}", crc32_base62(payload.as_bytes()));
        assert!(crc32_base62_tail(good.as_bytes()));
        let mut bad = good.clone().into_bytes();
        bad[3] = if bad[3] == b'a' { b'b' } else { b'a' };
        assert!(!crc32_base62_tail(&bad));
        assert!(!crc32_base62_tail(b"short"));
    }

    #[test]
    fn macaroon_header_is_checked() {
        let mut raw = vec![2u8, 1, 8];
        raw.extend_from_slice(b"host.tld");
        raw.extend_from_slice(&[2, 32]);
        raw.extend_from_slice(&[7u8; 40]);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        assert!(pypi_macaroon(body.as_bytes()));
        let mut wrong = raw.clone();
        wrong[0] = 1;
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&wrong);
        assert!(!pypi_macaroon(body.as_bytes()));
        assert!(!pypi_macaroon(b"!!!!"));
    }
}
