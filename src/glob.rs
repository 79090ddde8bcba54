//! Path globs for config keys that name repository files (`schemas`, `modes`,
//! `specs`, `ignore`, ...): one matcher for every gate.
//!
//! `*` matches within one path segment, `?` one character, `**` any number of
//! segments (including none). A pattern without `/` matches the file name in
//! any folder (as in .gitignore). Not for: anything but repository paths.

/// Whether repository path `path` (with `/` separators) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return segment(pattern.as_bytes(), name.as_bytes());
    }
    let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    segments(&pat, &segs)
}

fn segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|skip| segments(rest, &segs[skip..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, more)) => segment(p.as_bytes(), s.as_bytes()) && segments(rest, more),
            None => false,
        },
    }
}

/// One segment with `*` and `?` (iterative, linear backtracking).
fn segment(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs_match_like_gitignore() {
        assert!(matches("**/*.avsc", "a/b/c.avsc"));
        assert!(matches("**/*.avsc", "c.avsc"));
        assert!(matches("*.avsc", "deep/down/c.avsc"));
        assert!(matches("schemas/**", "schemas/x/y.avsc"));
        assert!(!matches("schemas/*.avsc", "schemas/x/y.avsc"));
        assert!(matches("schemas/*.avsc", "schemas/y.avsc"));
        assert!(matches("events/pay?ents/*.avsc", "events/payments/a.avsc"));
        assert!(!matches("**/*.avsc", "a/b/c.json"));
    }
}
