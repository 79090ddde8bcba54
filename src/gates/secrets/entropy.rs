//! Shannon entropy of a candidate secret, in bits per byte.
//!
//! Generic rules (a `password = ...` assignment, a database URL) cannot
//! check a format, so they ask how random the value looks. Not for: provider
//! tokens, whose format and checksum say more than entropy can.

/// Shannon entropy of `bytes` in bits per byte (0 for empty input).
pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_grows_with_randomness() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaaaaaa"), 0.0);
        assert!((shannon(b"abababab") - 1.0).abs() < 1e-9);
        assert!(shannon(b"q7Xv9LmT2rB8kW4n") > 3.9);
    }
}
