//! Reader/writer compatibility of two Avro schemas (the Avro 1.12 resolution rules).
//!
//! This mirrors Apache Avro's Java `SchemaCompatibility` 1.12 (what Confluent's
//! Schema Registry runs): the same incompatibility types, messages and
//! JSON-pointer locations, the same memoisation (so recursive types terminate),
//! and the same name matching (unqualified names equal, or a reader alias equal
//! to the writer's full name). Each incompatibility also carries the line of
//! the reader and the writer node, so a finding can point into either file.
//! Not for: modes and history (see `mode`), or reading schemas (see `schema`).

use super::schema::{Kind, LogicalType, NodeId, SchemaSet};
use serde::Serialize;
use std::collections::HashMap;
use std::rc::Rc;

/// The kinds of incompatibility (Java's `SchemaIncompatibilityType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncompatKind {
    NameMismatch,
    FixedSizeMismatch,
    MissingEnumSymbols,
    ReaderFieldMissingDefaultValue,
    TypeMismatch,
    MissingUnionBranch,
}

impl IncompatKind {
    /// The Java enum constant (`TYPE_MISMATCH`).
    pub fn java_name(self) -> &'static str {
        match self {
            IncompatKind::NameMismatch => "NAME_MISMATCH",
            IncompatKind::FixedSizeMismatch => "FIXED_SIZE_MISMATCH",
            IncompatKind::MissingEnumSymbols => "MISSING_ENUM_SYMBOLS",
            IncompatKind::ReaderFieldMissingDefaultValue => "READER_FIELD_MISSING_DEFAULT_VALUE",
            IncompatKind::TypeMismatch => "TYPE_MISMATCH",
            IncompatKind::MissingUnionBranch => "MISSING_UNION_BRANCH",
        }
    }

    /// The snake-case name (`type_mismatch`), as the issue and the JSON output use.
    pub fn snake_name(self) -> &'static str {
        match self {
            IncompatKind::NameMismatch => "name_mismatch",
            IncompatKind::FixedSizeMismatch => "fixed_size_mismatch",
            IncompatKind::MissingEnumSymbols => "missing_enum_symbols",
            IncompatKind::ReaderFieldMissingDefaultValue => "reader_field_missing_default_value",
            IncompatKind::TypeMismatch => "type_mismatch",
            IncompatKind::MissingUnionBranch => "missing_union_branch",
        }
    }
}

/// One reason the writer's data cannot be read with the reader's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incompat {
    pub kind: IncompatKind,
    /// The message Java gives (`reader type: INT not compatible with writer type: LONG`).
    pub message: String,
    /// JSON pointer into the reader schema (Java's location), `/` for the root.
    pub location: String,
    /// The reader node concerned and its line in the reader file.
    pub reader_node: NodeId,
    pub reader_line: u32,
    /// The writer node concerned and its line in the writer file.
    pub writer_node: NodeId,
    pub writer_line: u32,
    /// For a missing default: the reader field's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Every incompatibility of reading data written with `writer` using `reader`
/// (empty: compatible).
pub fn check(reader: (&SchemaSet, NodeId), writer: (&SchemaSet, NodeId)) -> Vec<Incompat> {
    let mut c = Checker {
        r: reader.0,
        w: writer.0,
        memo: Memo::default(),
        path: Vec::new(),
        logical: None,
    };
    let result = c.get(None, reader.1, writer.1);
    result.as_ref().clone()
}

/// A value that resolves but whose logical type differs between reader and writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogicalChange {
    /// JSON pointer into the reader schema.
    pub location: String,
    pub reader_line: u32,
    pub writer_line: u32,
    /// `decimal(10,2)`, `timestamp-millis`, or `none`.
    pub reader: String,
    pub writer: String,
}

fn logical_text(lt: Option<&LogicalType>) -> String {
    match lt {
        None => "none".into(),
        Some(lt) if lt.name == "decimal" => {
            let n = |v: Option<std::result::Result<i64, ()>>| match v {
                Some(Ok(x)) => x.to_string(),
                Some(Err(())) => "?".into(),
                None => "0".into(),
            };
            format!("decimal({},{})", n(lt.precision), n(lt.scale))
        }
        Some(lt) => lt.name.clone(),
    }
}

/// Values that resolve between `reader` and `writer` but change logical type
/// (the resolution rules ignore logical types; the data's meaning changes).
pub fn logical_changes(
    reader: (&SchemaSet, NodeId),
    writer: (&SchemaSet, NodeId),
) -> Vec<LogicalChange> {
    let mut c = Checker {
        r: reader.0,
        w: writer.0,
        memo: Memo::default(),
        path: Vec::new(),
        logical: Some(Vec::new()),
    };
    c.get(None, reader.1, writer.1);
    c.logical.unwrap_or_default()
}

type Result = Rc<Vec<Incompat>>;

/// One step of a location: a key or an index.
#[derive(Debug, Clone, Copy)]
enum Token {
    Key(&'static str),
    Index(usize),
}

/// A cheap hasher for (node, node) keys (the default SipHash showed in profiles).
#[derive(Default)]
struct PairHasher(u64);

impl std::hash::Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type Memo = HashMap<(NodeId, NodeId), Option<Result>, std::hash::BuildHasherDefault<PairHasher>>;

struct Checker<'a> {
    r: &'a SchemaSet,
    w: &'a SchemaSet,
    /// (reader, writer) -> result; `None` while in progress (recursion is assumed compatible).
    memo: Memo,
    path: Vec<Token>,
    /// Collected logical-type changes, when asked for.
    logical: Option<Vec<LogicalChange>>,
}

fn merge(into: &mut Vec<Incompat>, more: &Result) {
    into.extend(more.iter().cloned());
}

impl Checker<'_> {
    fn location(&self) -> String {
        let mut s = String::new();
        for t in &self.path {
            s.push('/');
            match t {
                Token::Key(k) => s.push_str(k),
                Token::Index(i) => s.push_str(&i.to_string()),
            }
        }
        if s.is_empty() {
            s.push('/');
        }
        s
    }

    fn incompat(&self, kind: IncompatKind, message: String, r: NodeId, w: NodeId) -> Incompat {
        Incompat {
            kind,
            message,
            location: self.location(),
            reader_node: r,
            reader_line: self.r.nodes.get(r).map_or(0, |n| n.line),
            writer_node: w,
            writer_line: self.w.nodes.get(w).map_or(0, |n| n.line),
            field: None,
        }
    }

    /// Java's `getCompatibility(token, reader, writer, location)`.
    fn get(&mut self, token: Option<Token>, r: NodeId, w: NodeId) -> Result {
        if let Some(t) = token {
            self.path.push(t);
        }
        let key = (self.r.deref(r), self.w.deref(w));
        let leaf = |k: &Kind| {
            matches!(
                k,
                Kind::Null
                    | Kind::Boolean
                    | Kind::Int
                    | Kind::Long
                    | Kind::Float
                    | Kind::Double
                    | Kind::Bytes
                    | Kind::String
            )
        };
        // Two primitives: nothing to recurse into, and (each primitive being its own
        // node, as each is its own object in Java) the memo could never hit.
        let result = if leaf(&self.r.get(key.0).kind) && leaf(&self.w.get(key.1).kind) {
            Rc::new(self.calculate(key.0, key.1))
        } else {
            self.memoized(key)
        };
        if token.is_some() {
            self.path.pop();
        }
        result
    }

    fn memoized(&mut self, key: (NodeId, NodeId)) -> Result {
        match self.memo.get(&key) {
            Some(Some(done)) => done.clone(),
            Some(None) => Rc::new(Vec::new()),
            None => {
                self.memo.insert(key, None);
                let done = Rc::new(self.calculate(key.0, key.1));
                self.memo.insert(key, Some(done.clone()));
                done
            }
        }
    }

    /// Java's two-argument `getCompatibility`: a fresh location stack.
    fn fresh(&mut self, r: NodeId, w: NodeId) -> Result {
        let saved = std::mem::take(&mut self.path);
        let result = self.get(None, r, w);
        self.path = saved;
        result
    }

    fn type_mismatch(&self, r: NodeId, w: NodeId) -> Incompat {
        self.incompat(
            IncompatKind::TypeMismatch,
            format!(
                "reader type: {} not compatible with writer type: {}",
                self.r.get(r).kind.type_name(),
                self.w.get(w).kind.type_name()
            ),
            r,
            w,
        )
    }

    fn calculate(&mut self, r: NodeId, w: NodeId) -> Vec<Incompat> {
        let (rs, ws) = (self.r, self.w);
        let rk = &rs.get(r).kind;
        let wk = &ws.get(w).kind;
        let mut out = Vec::new();
        match (rk, wk) {
            (Kind::Null, Kind::Null)
            | (Kind::Boolean, Kind::Boolean)
            | (Kind::Int, Kind::Int)
            | (Kind::Long, Kind::Long)
            | (Kind::Float, Kind::Float)
            | (Kind::Double, Kind::Double)
            | (Kind::Bytes, Kind::Bytes)
            | (Kind::String, Kind::String) => {}
            (Kind::Array(ri), Kind::Array(wi)) => {
                let res = self.get(Some(Token::Key("items")), *ri, *wi);
                merge(&mut out, &res);
            }
            (Kind::Map(rv), Kind::Map(wv)) => {
                let res = self.get(Some(Token::Key("values")), *rv, *wv);
                merge(&mut out, &res);
            }
            (Kind::Fixed(rf), Kind::Fixed(wf)) => {
                self.names(r, w, &mut out);
                if rf.size != wf.size {
                    self.path.push(Token::Key("size"));
                    out.push(self.incompat(
                        IncompatKind::FixedSizeMismatch,
                        format!("expected: {}, found: {}", wf.size, rf.size),
                        r,
                        w,
                    ));
                    self.path.pop();
                }
            }
            (Kind::Enum(re), Kind::Enum(we)) => {
                self.names(r, w, &mut out);
                let mut missing: Vec<&String> = we
                    .symbols
                    .iter()
                    .filter(|s| !re.symbols.contains(s))
                    .collect();
                missing.sort();
                missing.dedup();
                let has_default = re.default.as_ref().is_some_and(|d| re.symbols.contains(d));
                if !missing.is_empty() && !has_default {
                    self.path.push(Token::Key("symbols"));
                    let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                    out.push(self.incompat(
                        IncompatKind::MissingEnumSymbols,
                        format!("[{}]", list.join(", ")),
                        r,
                        w,
                    ));
                    self.path.pop();
                }
            }
            (Kind::Record(rr), Kind::Record(wr)) => {
                self.names(r, w, &mut out);
                self.path.push(Token::Key("fields"));
                for (pos, rf) in rr.fields.iter().enumerate() {
                    self.path.push(Token::Index(pos));
                    // The writer field of the same name, else one named by a reader alias.
                    // (Java throws when both exist; the same-name field is what a
                    // reader resolves, so that one is checked here.)
                    let writer_field = wr
                        .fields
                        .iter()
                        .find(|wf| wf.name == rf.name)
                        .or_else(|| wr.fields.iter().find(|wf| rf.aliases.contains(&wf.name)));
                    match writer_field {
                        Some(wf) => {
                            let res = self.get(Some(Token::Key("type")), rf.ty, wf.ty);
                            merge(&mut out, &res);
                        }
                        None if rf.default.is_some() => {}
                        None => {
                            let enum_default = matches!(
                                &rs.get(rf.ty).kind,
                                Kind::Enum(e) if e.default.is_some()
                            );
                            if enum_default {
                                // Java compares the enum with the writer record here
                                // (always a type mismatch).
                                let res = self.get(Some(Token::Key("type")), rf.ty, w);
                                merge(&mut out, &res);
                            } else {
                                let mut inc = self.incompat(
                                    IncompatKind::ReaderFieldMissingDefaultValue,
                                    rf.name.clone(),
                                    r,
                                    w,
                                );
                                inc.reader_line = rf.line;
                                inc.field = Some(rf.name.clone());
                                out.push(inc);
                            }
                        }
                    }
                    self.path.pop();
                }
                self.path.pop();
            }
            (Kind::Union(_), Kind::Union(wb)) => {
                for (i, &b) in wb.iter().enumerate() {
                    self.path.push(Token::Index(i));
                    let res = self.fresh(r, b);
                    if !res.is_empty() {
                        let mut inc = self.incompat(
                            IncompatKind::MissingUnionBranch,
                            format!(
                                "reader union lacking writer type: {}",
                                ws.get(b).kind.type_name()
                            ),
                            r,
                            w,
                        );
                        inc.writer_node = b;
                        inc.writer_line = ws.nodes.get(b).map_or(0, |n| n.line);
                        out.push(inc);
                    }
                    self.path.pop();
                }
            }
            (_, Kind::Union(wb)) => {
                for (i, &b) in wb.iter().enumerate() {
                    let res = self.get(Some(Token::Index(i)), r, b);
                    merge(&mut out, &res);
                }
            }
            (Kind::Long, Kind::Int)
            | (Kind::Float, Kind::Int | Kind::Long)
            | (Kind::Double, Kind::Int | Kind::Long | Kind::Float)
            | (Kind::Bytes, Kind::String)
            | (Kind::String, Kind::Bytes) => {}
            (Kind::Union(rb), _) => {
                let found = rb.iter().any(|&b| self.fresh(b, w).is_empty());
                if !found {
                    out.push(self.incompat(
                        IncompatKind::MissingUnionBranch,
                        format!("reader union lacking writer type: {}", wk.type_name()),
                        r,
                        w,
                    ));
                }
            }
            _ => out.push(self.type_mismatch(r, w)),
        }
        if out.is_empty() && self.logical.is_some() {
            let (rn, wn) = (rs.get(r), ws.get(w));
            let same_shape =
                !matches!(rn.kind, Kind::Union(_)) && !matches!(wn.kind, Kind::Union(_));
            let (rt, wt) = (
                logical_text(rn.logical_type.as_ref()),
                logical_text(wn.logical_type.as_ref()),
            );
            if same_shape && rt != wt {
                let change = LogicalChange {
                    location: self.location(),
                    reader_line: rn.logical_type.as_ref().map_or(rn.line, |l| l.line),
                    writer_line: wn.logical_type.as_ref().map_or(wn.line, |l| l.line),
                    reader: rt,
                    writer: wt,
                };
                if let Some(list) = &mut self.logical {
                    list.push(change);
                }
            }
        }
        out
    }

    fn names(&mut self, r: NodeId, w: NodeId, out: &mut Vec<Incompat>) {
        let (Some(rn), Some(wn)) = (self.r.get(r).kind.named(), self.w.get(w).kind.named()) else {
            return;
        };
        if rn.name != wn.name && !rn.aliases.contains(&wn.fullname) {
            self.path.push(Token::Key("name"));
            out.push(self.incompat(
                IncompatKind::NameMismatch,
                format!("expected: {}", wn.fullname),
                r,
                w,
            ));
            self.path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> (SchemaSet, NodeId) {
        let mut s = SchemaSet::new();
        let root = s.add_file("x.avsc", text.as_bytes()).unwrap();
        s.resolve().unwrap();
        (s, root)
    }

    fn kinds(reader: &str, writer: &str) -> Vec<(IncompatKind, String)> {
        let (r, ri) = set(reader);
        let (w, wi) = set(writer);
        check((&r, ri), (&w, wi))
            .into_iter()
            .map(|i| (i.kind, i.location))
            .collect()
    }

    #[test]
    fn promotions_go_one_way() {
        assert!(kinds("\"long\"", "\"int\"").is_empty());
        assert!(kinds("\"double\"", "\"float\"").is_empty());
        assert!(kinds("\"string\"", "\"bytes\"").is_empty());
        assert_eq!(
            kinds("\"int\"", "\"long\""),
            vec![(IncompatKind::TypeMismatch, "/".into())]
        );
    }

    #[test]
    fn new_reader_field_needs_a_default() {
        let old = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#;
        let new = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},\n{\"name\":\"b\",\"type\":\"string\"}]}";
        let (r, ri) = set(new);
        let (w, wi) = set(old);
        let found = check((&r, ri), (&w, wi));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, IncompatKind::ReaderFieldMissingDefaultValue);
        assert_eq!(found[0].location, "/fields/1");
        assert_eq!(found[0].reader_line, 2);
        assert_eq!(found[0].field.as_deref(), Some("b"));
        // The other way round (the old reader ignores `b`) is fine.
        assert!(check((&w, wi), (&r, ri)).is_empty());
    }

    #[test]
    fn reader_aliases_rename_records_and_fields() {
        let old = r#"{"type":"record","name":"Old","namespace":"n","fields":[{"name":"a","type":"int"}]}"#;
        let new = r#"{"type":"record","name":"New","namespace":"n","aliases":["Old"],"fields":[{"name":"b","aliases":["a"],"type":"int"}]}"#;
        assert!(kinds(new, old).is_empty());
        let no_alias = r#"{"type":"record","name":"New","namespace":"n","fields":[{"name":"a","type":"int"}]}"#;
        assert_eq!(
            kinds(no_alias, old),
            vec![(IncompatKind::NameMismatch, "/name".into())]
        );
    }

    #[test]
    fn enum_default_covers_new_writer_symbols() {
        let writer = r#"{"type":"enum","name":"E","symbols":["A","B","C"]}"#;
        let reader = r#"{"type":"enum","name":"E","symbols":["A","B"]}"#;
        assert_eq!(
            kinds(reader, writer),
            vec![(IncompatKind::MissingEnumSymbols, "/symbols".into())]
        );
        let with_default = r#"{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}"#;
        assert!(kinds(with_default, writer).is_empty());
    }

    #[test]
    fn unions_both_ways() {
        assert!(kinds(r#"["null","int"]"#, "\"int\"").is_empty());
        assert_eq!(
            kinds("\"int\"", r#"["null","int"]"#),
            vec![(IncompatKind::TypeMismatch, "/0".into())]
        );
        assert_eq!(
            kinds(r#"["null","int"]"#, r#"["null","int","string"]"#),
            vec![(IncompatKind::MissingUnionBranch, "/2".into())]
        );
        assert_eq!(
            kinds(r#"["null","int"]"#, "\"string\""),
            vec![(IncompatKind::MissingUnionBranch, "/".into())]
        );
    }

    #[test]
    fn recursive_types_terminate() {
        let list = r#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"int"}]}"#;
        let list_long = r#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"long"}]}"#;
        assert!(kinds(list, list).is_empty());
        assert!(kinds(list_long, list).is_empty());
        assert_eq!(
            kinds(list, list_long),
            vec![(IncompatKind::TypeMismatch, "/fields/1/type".into())]
        );
    }

    #[test]
    fn same_name_field_wins_over_an_alias() {
        let s = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","aliases":["a"],"type":"int"}]}"#;
        assert!(kinds(s, s).is_empty());
    }

    /// Truncated and corrupted schemas never panic, and valid ones read their own data.
    #[test]
    fn damaged_inputs_never_panic() {
        let base = br#"{"type":"record","name":"R","namespace":"n","aliases":["Old"],"fields":[
            {"name":"a","type":["null",{"type":"array","items":{"type":"map","values":"long"}}],"default":null},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
            {"name":"f","type":{"type":"fixed","name":"F","size":4}},
            {"name":"next","type":["null","R"]},
            {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},"default":"\u00ff"}]}"#;
        let mut inputs: Vec<Vec<u8>> = (0..base.len()).map(|i| base[..i].to_vec()).collect();
        for i in 0..base.len() {
            for b in [b'"', b'{', b']', b'x', b'0', 0xff] {
                let mut v = base.to_vec();
                v[i] = b;
                inputs.push(v);
            }
        }
        for input in inputs {
            let mut set = SchemaSet::new();
            let Ok(root) = set.add_file("x.avsc", &input) else {
                continue;
            };
            if set.resolve().is_err() {
                continue;
            }
            let _ = set.validate(|_| true);
            assert!(
                check((&set, root), (&set, root)).is_empty(),
                "{}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn logical_changes_are_reported_apart_from_incompatibilities() {
        let old = r#"{"type":"record","name":"R","fields":[{"name":"p","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}}]}"#;
        let new = r#"{"type":"record","name":"R","fields":[{"name":"p","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}},{"name":"t","type":{"type":"long","logicalType":"timestamp-millis"}}]}"#;
        let (r, ri) = set(new);
        let (w, wi) = set(old);
        assert!(check((&r, ri), (&w, wi)).is_empty());
        let changes = logical_changes((&r, ri), (&w, wi));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].reader.as_str(), changes[0].writer.as_str()),
            ("decimal(9,3)", "decimal(9,2)")
        );
        assert_eq!(changes[0].location, "/fields/0/type");
        assert!(logical_changes((&w, wi), (&w, wi)).is_empty());
    }

    #[test]
    fn fixed_size_and_name() {
        assert_eq!(
            kinds(
                r#"{"type":"fixed","name":"F","size":4}"#,
                r#"{"type":"fixed","name":"F","size":8}"#
            ),
            vec![(IncompatKind::FixedSizeMismatch, "/size".into())]
        );
    }
}
