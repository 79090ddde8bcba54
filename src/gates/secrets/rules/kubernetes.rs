//! Kubernetes Secret manifests with literal `data:` or `stringData:` values.
//! A manifest is a YAML document with a top-level `kind: Secret`; every value
//! under its `data:` (base64) or `stringData:` (plain) is a secret unless it is
//! empty, a template (`{{ ... }}`, `${...}`) or a placeholder. Helm templates and
//! sealed/external secrets therefore pass.

use crate::finding::Severity;
use crate::gates::secrets::placeholder::is_placeholder;
use crate::gates::secrets::rule::{Chunk, Matcher, SecretRule};
use crate::secret_doc;
use base64::Engine as _;

fn line_spans(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        let line = (start, &text[start..end]);
        start = end + 1;
        Some(line)
    })
}

fn indent(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

fn is_kind_secret(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t == b"kind: Secret" || t == b"kind: \"Secret\"" || t == b"kind: 'Secret'"
}

/// Push the value spans of `data:`/`stringData:` entries of Secret documents.
fn secret_manifests(chunk: &Chunk<'_>, out: &mut Vec<(usize, usize)>) {
    let text = chunk.text;
    // Only the YAML documents around a `kind: Secret` keyword hit.
    let mut docs: Vec<(usize, usize)> = Vec::new();
    for &(hit, _) in chunk.keyword_hits {
        if docs.last().is_some_and(|&(_, end)| hit < end) {
            continue;
        }
        let start = memchr::memmem::rfind(&text[..hit], b"\n---").map_or(0, |i| i + 1);
        let end = memchr::memmem::find(&text[hit..], b"\n---").map_or(text.len(), |i| hit + i + 1);
        docs.push((start, end));
    }
    for (start, end) in docs {
        let doc = &text[start..end];
        if !line_spans(doc).any(|(_, l)| indent(l) == 0 && is_kind_secret(l)) {
            continue;
        }
        let mut section: Option<(bool, usize)> = None; // (is base64 data, indent of the key)
        for (_, line) in line_spans(doc) {
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() || trimmed.starts_with(b"#") {
                continue;
            }
            let ind = indent(line);
            if trimmed == b"data:" || trimmed == b"stringData:" {
                section = Some((trimmed == b"data:", ind));
                continue;
            }
            let Some((base64_data, key_indent)) = section else {
                continue;
            };
            if ind <= key_indent {
                section = None;
                continue;
            }
            let Some(colon) = memchr::memchr(b':', trimmed) else {
                continue;
            };
            let value = trimmed[colon + 1..].trim_ascii();
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .or_else(|| value.strip_prefix(b"'").and_then(|v| v.strip_suffix(b"'")))
                .unwrap_or(value);
            if value.is_empty() || value.starts_with(b"|") || value.starts_with(b">") {
                continue;
            }
            if base64_data {
                let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value) else {
                    continue;
                };
                if decoded.len() < 4 || is_placeholder(&decoded) {
                    continue;
                }
            }
            // Offsets of `value` inside `text`.
            let value_start = value.as_ptr() as usize - text.as_ptr() as usize;
            out.push((value_start, value_start + value.len()));
        }
    }
}

pub static RULES: &[SecretRule] = &[SecretRule {
    id: "kubernetes-secret-data",
    name: "Kubernetes Secret manifest with data",
    doc: secret_doc!(
        "Finds values under `data:` (base64) and `stringData:` in YAML documents of `kind: Secret`. Empty values, Helm/templating expressions and placeholders are ignored. Only the added lines of a change are scanned, so a value added to a Secret whose `kind:` line is unchanged is not seen in diff mode (tree and history modes see it).",
        "base64 is an encoding, not encryption: a Secret manifest in git is the secret in plain text for everyone who can clone.",
        "kind: Secret\ndata:\n  password: <base64>",
        "Use SealedSecrets, External Secrets or SOPS; commit only the encrypted form or a reference."
    ),
    severity: Severity::Error,
    keywords: &["kind: secret", "kind: \"secret\"", "kind: 'secret'"],
    matcher: Matcher::Custom(secret_manifests),
    min_entropy: 0.0,
    verify: None,
    generic: false,
    revoke: "Rotate every credential the Secret held; then store it sealed/encrypted or in an external secret manager.",
}];

#[cfg(test)]
mod tests {
    use crate::gates::secrets::rules::testkit::{assert_finds, assert_ignores};
    use crate::gates::secrets::synth::{ALNUM, Rng};
    use base64::Engine as _;

    #[test]
    fn secret_manifests() {
        let mut rng = Rng::new(24);
        let pw = base64::engine::general_purpose::STANDARD.encode(rng.string(ALNUM, 16));
        let doc = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {pw}\n"
        );
        assert_finds("kubernetes-secret-data", &doc, &pw);
        let plain = rng.string(ALNUM, 16);
        let doc =
            format!("---\nkind: Secret\nstringData:\n  token: \"{plain}\"\n---\nkind: ConfigMap\n");
        assert_finds("kubernetes-secret-data", &doc, &plain);
        assert_ignores(
            "kubernetes-secret-data",
            &format!("kind: ConfigMap\ndata:\n  password: {pw}\n"),
        );
        assert_ignores(
            "kubernetes-secret-data",
            "kind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n  empty: \"\"\n",
        );
    }
}
