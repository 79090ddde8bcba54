//! A positioned document tree: YAML or JSON text parsed into nodes that keep
//! their 1-based line, so every finding can point at the exact line.
//!
//! YAML and JSON go through the same event parser (`granit-parser`, the
//! parser under serde-saphyr); plain scalars are resolved with the YAML 1.2
//! core schema. Aliases are expanded (bounded, so "billion laughs" documents
//! are rejected). Not for: OpenAPI meaning (see `model`) or `$ref`s (see `refs`).

use granit_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;
use std::fmt;

/// Most nodes one document may expand to (aliases included).
const MAX_NODES: usize = 5_000_000;

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: u32,
    pub value: Value,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping, with the line of the key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: u32,
    pub value: Node,
}

/// A parse failure, with the line it happened on.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

impl Node {
    /// The value of mapping key `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry of mapping key `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The line of key `key` (falling back to this node's line).
    pub fn key_line(&self, key: &str) -> u32 {
        self.entry(key).map(|e| e.key_line).unwrap_or(self.line)
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// `key` as a string value.
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// `key` as a boolean (`false` when absent or not a boolean).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(Node::as_bool).unwrap_or(false)
    }

    /// A canonical text of the value (JSON-like, keys sorted), for comparing
    /// enum values, defaults and constants regardless of layout.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        write_canonical(self, &mut out, 0);
        out
    }

    /// A short human rendering of a scalar (canonical text for others).
    pub fn display(&self) -> String {
        match &self.value {
            Value::Str(s) => s.clone(),
            _ => self.canonical(),
        }
    }
}

fn write_canonical(node: &Node, out: &mut String, depth: usize) {
    if depth > 64 {
        out.push('…');
        return;
    }
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => out.push_str(&format_number(*n)),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut sorted: Vec<&Entry> = entries.iter().collect();
            sorted.sort_by(|a, b| a.key.cmp(&b.key));
            out.push('{');
            for (i, e) in sorted.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!("{:?}:", e.key));
                write_canonical(&e.value, out, depth + 1);
            }
            out.push('}');
        }
    }
}

/// A number as people write it: `3` not `3.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Parse YAML or JSON text into a tree (the first document; an empty text is `Null`).
/// Text that looks like JSON goes through the faster JSON parser first.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    if text.trim_start().starts_with(['{', '[']) {
        match super::json::parse(text) {
            Ok(node) => return Ok(node),
            Err(json_err) => return parse_yaml(text).map_err(|_| json_err),
        }
    }
    parse_yaml(text)
}

fn parse_yaml(text: &str) -> Result<Node, ParseError> {
    let mut builder = Builder::default();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| ParseError {
            line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX).max(1),
            message: e.info(),
        })?;
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1);
        if builder.done {
            break;
        }
        builder.event(event, line)?;
    }
    Ok(builder.root.unwrap_or(Node {
        line: 1,
        value: Value::Null,
    }))
}

/// A collection being built.
enum Open {
    Seq {
        line: u32,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: u32,
        anchor: usize,
        entries: Vec<Entry>,
        /// The key waiting for its value.
        key: Option<(String, u32)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    nodes: usize,
    done: bool,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, line: u32) -> Result<(), ParseError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let quoted_or_str = style != ScalarStyle::Plain
                    || tag
                        .as_ref()
                        .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                let value = if quoted_or_str {
                    Value::Str(text.into_owned())
                } else {
                    resolve_plain(&text)
                };
                self.finish(Node { line, value }, anchor)
            }
            Event::SequenceStart(_, anchor, _) => {
                self.stack.push(Open::Seq {
                    line,
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, _) => {
                self.stack.push(Open::Map {
                    line,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq {
                    line,
                    anchor,
                    items,
                }) => self.finish(
                    Node {
                        line,
                        value: Value::Seq(items),
                    },
                    anchor,
                ),
                Some(Open::Map {
                    line,
                    anchor,
                    entries,
                    ..
                }) => self.finish(
                    Node {
                        line,
                        value: Value::Map(entries),
                    },
                    anchor,
                ),
                None => Err(ParseError {
                    line,
                    message: "unbalanced collection end".into(),
                }),
            },
            Event::Alias(id) => {
                let (node, size) = self.anchors.get(&id).ok_or_else(|| ParseError {
                    line,
                    message: "alias to an unknown anchor".into(),
                })?;
                self.nodes = self.nodes.saturating_add(*size);
                let node = if self.nodes > MAX_NODES {
                    None
                } else {
                    Some(node.clone())
                };
                let Some(node) = node else {
                    return Err(ParseError {
                        line,
                        message: format!(
                            "document expands to more than {MAX_NODES} nodes (alias bomb?)"
                        ),
                    });
                };
                // Keep the alias's own line: that is where it is used.
                self.finish(Node { line, ..node }, 0)
            }
            Event::DocumentEnd => {
                if self.root.is_some() {
                    self.done = true;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ParseError {
                line: node.line,
                message: format!("document has more than {MAX_NODES} nodes"),
            });
        }
        if anchor != 0 {
            let size = count_nodes(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match node.value {
                        Value::Str(s) => s,
                        Value::Num(n) => format_number(n),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        _ => {
                            return Err(ParseError {
                                line: node.line,
                                message: "a mapping key must be a scalar".into(),
                            });
                        }
                    };
                    *key = Some((text, node.line));
                }
                Some((k, key_line)) => {
                    // YAML merge keys (`<<: *base`) are expanded in place.
                    if k == "<<" {
                        merge_into(entries, node);
                    } else if !entries.iter().any(|e| e.key == k) {
                        entries.push(Entry {
                            key: k,
                            key_line,
                            value: node,
                        });
                    }
                }
            },
        }
        Ok(())
    }
}

fn merge_into(entries: &mut Vec<Entry>, node: Node) {
    let sources = match node.value {
        Value::Map(m) => vec![m],
        Value::Seq(items) => items
            .into_iter()
            .filter_map(|n| match n.value {
                Value::Map(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for source in sources {
        for e in source {
            if !entries.iter().any(|x| x.key == e.key) {
                entries.push(e);
            }
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Num(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Num(f64::NEG_INFINITY),
        _ => {}
    }
    let bytes = text.as_bytes();
    let numeric_start = bytes
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'-' || *b == b'+' || *b == b'.');
    if numeric_start {
        if let Some(hex) = text.strip_prefix("0x") {
            if let Ok(n) = i64::from_str_radix(hex, 16) {
                return Value::Num(n as f64);
            }
        } else if let Some(oct) = text.strip_prefix("0o") {
            if let Ok(n) = i64::from_str_radix(oct, 8) {
                return Value::Num(n as f64);
            }
        } else if text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            && text.bytes().any(|b| b.is_ascii_digit())
            && let Ok(n) = text.parse::<f64>()
        {
            return Value::Num(n);
        }
    }
    Value::Str(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keeps_lines_of_keys_and_values() {
        let doc = parse("a: 1\nb:\n  c: [x, 'y']\n  d: true\n").unwrap();
        assert_eq!(doc.key_line("b"), 2);
        let b = doc.get("b").unwrap();
        assert_eq!(b.key_line("d"), 4);
        assert_eq!(b.get("c").unwrap().items()[1].as_str(), Some("y"));
        assert_eq!(doc.get("a").unwrap().as_f64(), Some(1.0));
    }

    #[test]
    fn json_gets_lines_too() {
        let doc = parse("{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {\n    \"/a\": {}\n  }\n}\n")
            .unwrap();
        assert_eq!(doc.key_line("paths"), 3);
        assert_eq!(doc.get("paths").unwrap().key_line("/a"), 4);
    }

    #[test]
    fn quoted_numbers_stay_strings_and_keys_are_text() {
        let doc = parse("'200': a\n201: b\nv: '1.0'\n").unwrap();
        assert!(doc.get("200").is_some() && doc.get("201").is_some());
        assert_eq!(doc.str_of("v"), Some("1.0"));
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let doc = parse("base: &b {x: 1}\nuse: *b\nm:\n  <<: *b\n  y: 2\n").unwrap();
        assert_eq!(
            doc.get("use").unwrap().get("x").unwrap().as_f64(),
            Some(1.0)
        );
        assert!(doc.get("m").unwrap().get("x").is_some());
    }

    #[test]
    fn bad_input_is_an_error_with_a_line_not_a_panic() {
        let err = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(err.line >= 2, "{err}");
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
        let bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
        assert!(parse(bomb).is_err());
    }

    #[test]
    fn canonical_ignores_key_order() {
        let a = parse("{x: 1, y: [a]}").unwrap();
        let b = parse("y: [a]\nx: 1.0\n").unwrap();
        assert_eq!(a.canonical(), b.canonical());
    }
}
