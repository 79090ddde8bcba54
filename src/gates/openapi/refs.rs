//! `$ref` resolution: the set of documents one spec spans (its root file and
//! every file it references, read at the same commit), and following a
//! reference to the node it names.
//!
//! Files are loaded eagerly through a reader (a commit of the repository, or
//! the disk for `shipgate openapi diff`), so resolution afterwards is a pure
//! lookup. Only relative file references are followed: URLs, absolute paths
//! and paths that climb out of the repository are refused with file:line.
//! Not for: OpenAPI meaning (see `model`).

use super::tree::{self, Node, Value};
use anyhow::{Result, anyhow};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most files one spec may reference (transitively).
const MAX_FILES: usize = 500;
/// Longest `$ref` chain followed before giving up (ref → ref → ...).
const MAX_HOPS: usize = 64;

/// One loaded document.
#[derive(Debug)]
pub struct Doc {
    /// Repository-relative path ('/'-separated).
    pub path: String,
    pub root: Node,
}

/// A node together with the document it lives in.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub doc: usize,
    pub node: &'a Node,
}

impl<'a> At<'a> {
    pub fn get(&self, key: &str) -> Option<At<'a>> {
        self.node.get(key).map(|node| At {
            doc: self.doc,
            node,
        })
    }

    /// A stable identity for cycle detection.
    pub fn id(&self) -> usize {
        self.node as *const Node as usize
    }
}

/// The documents of one spec at one commit; document 0 is the root.
#[derive(Debug, Default)]
pub struct Docs {
    pub docs: Vec<Doc>,
    /// Where each `$ref` string written in a document leads: (target document,
    /// entry/item index per pointer segment). Big specs reference the same
    /// component thousands of times; this skips the key search and decoding.
    targets: Mutex<Vec<HashMap<String, Target>>>,
}

/// Where a `$ref` leads: the document, and the entry/item index of each pointer segment.
type Target = (usize, Vec<usize>);

/// Reads a repository-relative path (`Ok(None)` when absent).
pub type Reader<'r> = dyn FnMut(&str) -> Result<Option<Vec<u8>>> + 'r;

impl Docs {
    /// Load `root_path` and every file it references, transitively.
    pub fn load(root_path: &str, root_text: &[u8], read: &mut Reader<'_>) -> Result<Docs> {
        let mut docs = Docs::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut root = parse_doc(root_path, root_text)?;
        if root.get("swagger").is_some() {
            super::swagger::form_bodies(&mut root);
        }
        index.insert(root_path.to_string(), 0);
        docs.docs.push(Doc {
            path: root_path.to_string(),
            root,
        });
        let mut next = 0;
        while next < docs.docs.len() {
            let mut wanted = Vec::new();
            collect_file_refs(&docs.docs[next].root, &mut wanted);
            let from = docs.docs[next].path.clone();
            for (target, line) in wanted {
                let path = join(&from, &target).map_err(|e| anyhow!("{from}:{line}: {e}"))?;
                if index.contains_key(&path) {
                    continue;
                }
                if docs.docs.len() >= MAX_FILES {
                    return Err(anyhow!(
                        "{from}:{line}: more than {MAX_FILES} referenced files"
                    ));
                }
                let bytes = read(&path)?.ok_or_else(|| {
                    anyhow!(
                        "{from}:{line}: $ref target file `{path}` does not exist at this commit"
                    )
                })?;
                let root = parse_doc(&path, &bytes)?;
                index.insert(path.clone(), docs.docs.len());
                docs.docs.push(Doc { path, root });
            }
            next += 1;
        }
        Ok(docs)
    }

    pub fn root(&self) -> At<'_> {
        At {
            doc: 0,
            node: &self.docs[0].root,
        }
    }

    pub fn path(&self, doc: usize) -> &str {
        self.docs.get(doc).map(|d| d.path.as_str()).unwrap_or("")
    }

    /// Follow `$ref`s from `at` until a node without one. Refs that cannot be
    /// followed (URLs, missing pointers) are errors naming file:line.
    pub fn resolve<'a>(&'a self, at: At<'a>) -> Result<At<'a>> {
        let mut cur = at;
        for _ in 0..MAX_HOPS {
            let Some(reference) = ref_of(cur.node) else {
                return Ok(cur);
            };
            // URL refs are not followed (no network): the reference stays a leaf.
            if is_url(reference) {
                return Ok(cur);
            }
            cur = self.target(cur, reference)?;
        }
        Err(anyhow!(
            "{}:{}: $ref chain longer than {MAX_HOPS} (a cycle of references?)",
            self.path(at.doc),
            at.node.line
        ))
    }

    /// The node `reference` (written in `from`) points at, without following further refs.
    fn target<'a>(&'a self, from: At<'a>, reference: &str) -> Result<At<'a>> {
        let cached = self.targets.lock().ok().and_then(|t| {
            t.get(from.doc)
                .and_then(|m| m.get(reference))
                .map(|(doc, path)| (*doc, path.clone()))
        });
        if let Some((doc, path)) = cached
            && let Some(node) = self.walk_indices(doc, &path)
        {
            return Ok(At { doc, node });
        }
        let (doc, path) = self.find_target(from, reference)?;
        let node = self.walk_indices(doc, &path).ok_or_else(|| {
            anyhow!(
                "{}:{}: $ref `{reference}` points at nothing",
                self.path(from.doc),
                from.node.line
            )
        })?;
        if let Ok(mut t) = self.targets.lock() {
            if t.len() <= from.doc {
                t.resize_with(from.doc + 1, HashMap::new);
            }
            t[from.doc].insert(reference.to_string(), (doc, path));
        }
        Ok(At { doc, node })
    }

    /// The node at entry/item indices `path` from the root of document `doc`.
    fn walk_indices(&self, doc: usize, path: &[usize]) -> Option<&Node> {
        let mut node = &self.docs.get(doc)?.root;
        for &i in path {
            node = match &node.value {
                Value::Map(entries) => &entries.get(i)?.value,
                Value::Seq(items) => items.get(i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Resolve `reference` to (document, entry/item index per pointer segment).
    fn find_target(&self, from: At<'_>, reference: &str) -> Result<Target> {
        let here = self.path(from.doc);
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let doc = if file.is_empty() {
            from.doc
        } else {
            let path = join(here, file).map_err(|e| anyhow!("{here}:{}: {e}", from.node.line))?;
            self.docs
                .iter()
                .position(|d| d.path == path)
                .ok_or_else(|| {
                    anyhow!("{here}:{}: $ref file `{path}` not loaded", from.node.line)
                })?
        };
        let mut node = &self.docs[doc].root;
        let mut indices = Vec::new();
        if !pointer.is_empty() {
            let Some(rest) = pointer.strip_prefix('/') else {
                return Err(anyhow!(
                    "{here}:{}: $ref `{reference}`: expected a JSON pointer after `#` (e.g. `#/components/schemas/Pet`)",
                    from.node.line
                ));
            };
            for raw in rest.split('/') {
                let token = unescape_pointer(raw);
                let next = match &node.value {
                    Value::Map(entries) => entries
                        .iter()
                        .position(|e| e.key == *token)
                        .map(|i| (i, &entries[i].value)),
                    Value::Seq(items) => token
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| items.get(i).map(|n| (i, n))),
                    _ => None,
                };
                let (i, next) = next.ok_or_else(|| {
                    anyhow!(
                        "{here}:{}: $ref `{reference}` points at nothing (no `{token}` in {})",
                        from.node.line,
                        self.path(doc)
                    )
                })?;
                indices.push(i);
                node = next;
            }
        }
        Ok((doc, indices))
    }
}

/// The `$ref` string of a node, if it is a reference object.
pub fn ref_of(node: &Node) -> Option<&str> {
    node.str_of("$ref")
}

/// The last segment of a reference (`#/components/schemas/Pet` → `Pet`).
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn parse_doc(path: &str, bytes: &[u8]) -> Result<Node> {
    let text = std::str::from_utf8(bytes).map_err(|e| anyhow!("{path}: not UTF-8 text: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    tree::parse(text).map_err(|e| anyhow!("{path}:{}: invalid YAML/JSON: {}", e.line, e.message))
}

/// Every `$ref` naming another file, with its line.
fn collect_file_refs(root: &Node, out: &mut Vec<(String, u32)>) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    if e.key == "$ref"
                        && let Some(r) = e.value.as_str()
                    {
                        let file = r.split('#').next().unwrap_or("");
                        if !file.is_empty() && !is_url(file) {
                            out.push((file.to_string(), e.key_line));
                        }
                    } else {
                        stack.push(&e.value);
                    }
                }
            }
            Value::Seq(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
}

/// Whether a reference points at a URL (never fetched).
pub fn is_url(reference: &str) -> bool {
    reference.contains("://") || reference.starts_with("//")
}

/// Every URL `$ref` of the loaded documents, as `path:line`.
impl Docs {
    pub fn url_refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.docs {
            let mut stack = vec![&d.root];
            while let Some(node) = stack.pop() {
                match &node.value {
                    Value::Map(entries) => {
                        for e in entries {
                            match e.value.as_str() {
                                Some(r) if e.key == "$ref" && is_url(r) => {
                                    out.push(format!("{}:{}", d.path, e.key_line))
                                }
                                _ => stack.push(&e.value),
                            }
                        }
                    }
                    Value::Seq(items) => stack.extend(items.iter()),
                    _ => {}
                }
            }
        }
        out
    }
}

/// `target` relative to the directory of `from`, normalized; refuses URLs,
/// absolute paths and escapes from the repository.
pub fn join(from: &str, target: &str) -> Result<String, String> {
    if target.contains("://") || target.starts_with("//") {
        return Err(format!(
            "$ref `{target}` is a URL; only relative file references are followed (no network)"
        ));
    }
    if target.starts_with('/') || target.contains('\\') || target.contains(':') {
        return Err(format!(
            "$ref `{target}` is not a relative path inside the repository"
        ));
    }
    let target = percent_decode(target);
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("$ref `{target}` points outside the repository"));
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

fn unescape_pointer(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['~', '%']) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(percent_decode(raw).replace("~1", "/").replace("~0", "~"))
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(
        files: &'static [(&'static str, &'static str)],
    ) -> impl FnMut(&str) -> Result<Option<Vec<u8>>> {
        move |p: &str| {
            Ok(files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(_, t)| t.as_bytes().to_vec()))
        }
    }

    #[test]
    fn resolves_local_and_relative_file_refs() {
        let mut read = reader(&[(
            "api/schemas/pet.yaml",
            "Pet:\n  type: object\n  properties:\n    id: {$ref: '#/Id'}\nId:\n  type: integer\n",
        )]);
        let root = "components:\n  schemas:\n    P: {$ref: 'schemas/pet.yaml#/Pet'}\n    Q: {$ref: '#/components/schemas/P'}\n";
        let docs = Docs::load("api/openapi.yaml", root.as_bytes(), &mut read).unwrap();
        let q = docs
            .root()
            .get("components")
            .unwrap()
            .get("schemas")
            .unwrap()
            .get("Q")
            .unwrap();
        let pet = docs.resolve(q).unwrap();
        assert_eq!(docs.path(pet.doc), "api/schemas/pet.yaml");
        let id = docs
            .resolve(pet.get("properties").unwrap().get("id").unwrap())
            .unwrap();
        assert_eq!(id.node.str_of("type"), Some("integer"));
        assert_eq!(id.node.line, 6);
    }

    #[test]
    fn refuses_escapes_urls_and_reports_missing_targets_with_lines() {
        assert!(join("a/b.yaml", "../../etc/passwd").is_err());
        assert!(join("a/b.yaml", "https://example.invalid/x.yaml").is_err());
        assert_eq!(join("a/b.yaml", "../c.yaml").unwrap(), "c.yaml");
        let mut read = reader(&[]);
        // URL refs are left unresolved (no network), not an error.
        let docs = Docs::load(
            "o.yaml",
            b"a: {$ref: 'https://example.invalid/s.yaml#/X'}\n",
            &mut read,
        )
        .unwrap();
        let a = docs.root().get("a").unwrap();
        assert_eq!(docs.resolve(a).unwrap().id(), a.id());
        assert_eq!(docs.url_refs(), vec!["o.yaml:1".to_string()]);
        let err = Docs::load("o.yaml", b"x:\n  $ref: 'missing.yaml'\n", &mut read).unwrap_err();
        assert!(err.to_string().starts_with("o.yaml:2:"), "{err}");
        let docs = Docs::load("o.yaml", b"a: {$ref: '#/nope'}\n", &mut read).unwrap();
        let err = docs.resolve(docs.root().get("a").unwrap()).unwrap_err();
        assert!(err.to_string().contains("o.yaml:1:"), "{err}");
    }

    #[test]
    fn ref_cycles_end_in_an_error_not_a_hang() {
        let mut read = reader(&[]);
        let docs =
            Docs::load("o.yaml", b"a: {$ref: '#/b'}\nb: {$ref: '#/a'}\n", &mut read).unwrap();
        assert!(docs.resolve(docs.root().get("a").unwrap()).is_err());
    }
}
