//! Path globs for config keys (`specs`, `ignore`): `*` within a segment,
//! `**` across segments, `?` one character. Not a general glob library.

/// Whether `path` ('/'-separated) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments(&p, &s)
}

fn segments(p: &[&str], s: &[&str]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((&"**", rest)) => (0..=s.len()).any(|i| segments(rest, &s[i..])),
        Some((first, rest)) => {
            !s.is_empty() && segment(first.as_bytes(), s[0].as_bytes()) && segments(rest, &s[1..])
        }
    }
}

fn segment(p: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with backtracking on the last `*`.
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
    fn globs_match_segments_and_deep_paths() {
        assert!(matches("api/*.yaml", "api/users.yaml"));
        assert!(!matches("api/*.yaml", "api/v1/users.yaml"));
        assert!(matches("**/openapi.json", "svc/a/openapi.json"));
        assert!(matches("**/openapi.json", "openapi.json"));
        assert!(matches("docs/**", "docs/a/b.yml"));
        assert!(matches("a?c.yml", "abc.yml"));
        assert!(!matches("*.yml", "a.yaml"));
    }
}
