//! The Avro schema model, read from `.avsc` JSON with the line of every node.
//!
//! A [`SchemaSet`] holds the schemas of one or more files at one commit, with
//! named types shared between them: a file may refer to `com.acme.Money`
//! defined in another file of the set. Reading follows the Avro 1.12
//! specification and the Java parser Confluent's registry uses (namespaces
//! inherited from the enclosing named type, aliases relative to the type's
//! namespace, a reference `Foo` tried as `<namespace>.Foo` and then as `Foo`).
//! [`SchemaSet::validate`] then checks what needs every name resolved:
//! defaults against their field type and duplicate union branches.
//! Not for: compatibility (see `compat`).

use super::json::{self, Json, Value};
use std::collections::HashMap;
use std::fmt;

pub type NodeId = usize;

/// A schema problem at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub path: String,
    pub line: u32,
    pub message: String,
    pub kind: Problem,
}

/// What kind of schema problem. Spec violations the Java parser accepts are
/// warnings; the rest are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not a valid schema (the registry rejects it).
    Invalid,
    /// A union default matching a later branch (Java accepts it).
    DefaultNotFirstBranch,
    /// A logical type whose parameters or underlying type are wrong (Java ignores it).
    InvalidLogicalType,
}

impl SchemaError {
    pub fn is_warning(&self) -> bool {
        self.kind != Problem::Invalid
    }
}

/// A logical type annotation (`{"type": "bytes", "logicalType": "decimal", ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalType {
    pub name: String,
    /// Line of the `logicalType` key.
    pub line: u32,
    /// `precision` and `scale` as written (decimal); `Err(())` if not an integer.
    pub precision: Option<Result<i64, ()>>,
    pub scale: Option<Result<i64, ()>>,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

impl std::error::Error for SchemaError {}

/// One schema node.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// Index into [`SchemaSet::files`].
    pub file: usize,
    pub line: u32,
    pub logical_type: Option<LogicalType>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Array(NodeId),
    Map(NodeId),
    Union(Vec<NodeId>),
    Record(Record),
    Enum(Enum),
    Fixed(Fixed),
    /// A reference to a named type by name; `target` is set by [`SchemaSet::resolve`].
    Ref(Ref),
}

#[derive(Debug, Clone)]
pub struct Ref {
    /// Full names to try, in order.
    pub candidates: Vec<String>,
    pub target: Option<NodeId>,
}

/// Name, namespace and aliases of a named type.
#[derive(Debug, Clone)]
pub struct Named {
    pub fullname: String,
    /// The unqualified name.
    pub name: String,
    /// Aliases as full names.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub named: Named,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub aliases: Vec<String>,
    pub ty: NodeId,
    pub default: Option<Json>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub named: Named,
    pub symbols: Vec<String>,
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Fixed {
    pub named: Named,
    pub size: u64,
}

impl Kind {
    /// The Avro type name, upper case, as the Java checker prints it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "NULL",
            Kind::Boolean => "BOOLEAN",
            Kind::Int => "INT",
            Kind::Long => "LONG",
            Kind::Float => "FLOAT",
            Kind::Double => "DOUBLE",
            Kind::Bytes => "BYTES",
            Kind::String => "STRING",
            Kind::Array(_) => "ARRAY",
            Kind::Map(_) => "MAP",
            Kind::Union(_) => "UNION",
            Kind::Record(_) => "RECORD",
            Kind::Enum(_) => "ENUM",
            Kind::Fixed(_) => "FIXED",
            Kind::Ref(_) => "UNRESOLVED",
        }
    }

    pub fn named(&self) -> Option<&Named> {
        match self {
            Kind::Record(r) => Some(&r.named),
            Kind::Enum(e) => Some(&e.named),
            Kind::Fixed(f) => Some(&f.named),
            _ => None,
        }
    }
}

fn primitive(name: &str) -> Option<Kind> {
    Some(match name {
        "null" => Kind::Null,
        "boolean" => Kind::Boolean,
        "int" => Kind::Int,
        "long" => Kind::Long,
        "float" => Kind::Float,
        "double" => Kind::Double,
        "bytes" => Kind::Bytes,
        "string" => Kind::String,
        _ => return None,
    })
}

/// The schemas of a set of files at one commit.
#[derive(Debug, Clone, Default)]
pub struct SchemaSet {
    pub nodes: Vec<Node>,
    /// Display paths of the files added, by index.
    pub files: Vec<String>,
    /// Full name -> the node defining it.
    names: HashMap<String, NodeId>,
}

impl SchemaSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The node `id`, with references followed to their definition.
    pub fn get(&self, id: NodeId) -> &Node {
        static MISSING: Node = Node {
            kind: Kind::Null,
            file: 0,
            line: 0,
            logical_type: None,
        };
        let Some(mut node) = self.nodes.get(id) else {
            return &MISSING;
        };
        // A reference's target is a definition, never another reference,
        // but bound the walk anyway.
        for _ in 0..4 {
            match &node.kind {
                Kind::Ref(Ref {
                    target: Some(t), ..
                }) if *t < self.nodes.len() => node = &self.nodes[*t],
                _ => break,
            }
        }
        node
    }

    /// The id of the definition `id` refers to (itself if not a reference).
    pub fn deref(&self, id: NodeId) -> NodeId {
        match self.nodes.get(id).map(|n| &n.kind) {
            Some(Kind::Ref(Ref {
                target: Some(t), ..
            })) => *t,
            _ => id,
        }
    }

    /// The node defining full name `name`, if any.
    pub fn lookup(&self, fullname: &str) -> Option<NodeId> {
        self.names.get(fullname).copied()
    }

    /// Every full name defined in the set.
    pub fn defined_names(&self) -> impl Iterator<Item = &String> {
        self.names.keys()
    }

    /// The file (display path) a node comes from.
    pub fn path_of(&self, id: NodeId) -> &str {
        self.nodes
            .get(id)
            .and_then(|n| self.files.get(n.file))
            .map_or("", String::as_str)
    }

    /// Parse file `path` and add its schema to the set; returns its root node.
    /// On error the set is left as it was.
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<NodeId, SchemaError> {
        let doc = json::parse(bytes).map_err(|e| SchemaError {
            path: path.to_string(),
            line: e.line,
            message: format!("not valid JSON (column {}): {}", e.col, e.message),
            kind: Problem::Invalid,
        })?;
        self.add_json(path, &doc)
    }

    /// Add an already parsed document.
    pub fn add_json(&mut self, path: &str, doc: &Json) -> Result<NodeId, SchemaError> {
        let mark = self.nodes.len();
        self.files.push(path.to_string());
        let mut reader = Reader {
            set: self,
            file: 0,
            path,
            defined: Vec::new(),
        };
        reader.file = reader.set.files.len() - 1;
        let result = if path.ends_with(".avpr") {
            reader.protocol(doc)
        } else {
            reader.schema(doc, None)
        };
        if result.is_err() {
            let defined = std::mem::take(&mut reader.defined);
            for name in defined {
                self.names.remove(&name);
            }
            self.nodes.truncate(mark);
            self.files.pop();
        }
        result
    }

    /// Full names referenced but not defined in the set.
    pub fn missing_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for node in &self.nodes {
            if let Kind::Ref(r) = &node.kind
                && !r.candidates.iter().any(|c| self.names.contains_key(c))
                && let Some(first) = r.candidates.first()
            {
                out.push(first.clone());
                // The unqualified fallback may be defined elsewhere too.
                out.extend(r.candidates.iter().skip(1).cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Point every reference at its definition. Errors name each unknown type.
    pub fn resolve(&mut self) -> Result<(), Vec<SchemaError>> {
        let mut errors = Vec::new();
        for i in 0..self.nodes.len() {
            let (found, line, file, first) = match &self.nodes[i].kind {
                Kind::Ref(r) => (
                    r.candidates.iter().find_map(|c| self.names.get(c).copied()),
                    self.nodes[i].line,
                    self.nodes[i].file,
                    r.candidates.first().cloned().unwrap_or_default(),
                ),
                _ => continue,
            };
            match found {
                Some(t) => {
                    if let Kind::Ref(r) = &mut self.nodes[i].kind {
                        r.target = Some(t);
                    }
                }
                None => errors.push(SchemaError {
                    path: self.files.get(file).cloned().unwrap_or_default(),
                    line,
                    message: format!(
                        "unknown type `{first}`: not a primitive type and not a named type defined in this file or the configured schema folders"
                    ),
                    kind: Problem::Invalid,
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks that need resolved names: field defaults and union branches.
    /// Only nodes of files for which `which(file_index)` is true are checked.
    pub fn validate(&self, which: impl Fn(usize) -> bool) -> Vec<SchemaError> {
        let mut out = Vec::new();
        for node in &self.nodes {
            if !which(node.file) {
                continue;
            }
            let path = || self.files.get(node.file).cloned().unwrap_or_default();
            if let Some(lt) = &node.logical_type
                && let Some(message) = self.logical_problem(node, lt)
            {
                out.push(SchemaError {
                    path: path(),
                    line: lt.line,
                    message,
                    kind: Problem::InvalidLogicalType,
                });
            }
            match &node.kind {
                Kind::Union(branches) => {
                    let mut seen: Vec<String> = Vec::new();
                    for &b in branches {
                        let n = self.get(b);
                        let key = match &n.kind {
                            Kind::Union(_) => {
                                out.push(SchemaError {
                                    path: path(),
                                    line: self.nodes[b].line,
                                    message: "a union may not directly contain another union"
                                        .into(),
                                    kind: Problem::Invalid,
                                });
                                continue;
                            }
                            k => k.named().map_or_else(
                                || k.type_name().to_lowercase(),
                                |n| n.fullname.clone(),
                            ),
                        };
                        if seen.contains(&key) {
                            out.push(SchemaError {
                                path: path(),
                                line: self.nodes[b].line,
                                message: format!("`{key}` appears twice in this union"),
                                kind: Problem::Invalid,
                            });
                        } else {
                            seen.push(key);
                        }
                    }
                }
                Kind::Record(r) => {
                    for f in &r.fields {
                        let Some(default) = &f.default else { continue };
                        let ty = self.get(f.ty);
                        if let Kind::Union(branches) = &ty.kind {
                            if branches
                                .first()
                                .is_some_and(|&b| self.valid_default(b, default, 0))
                            {
                                continue;
                            }
                            if let Some(i) = branches
                                .iter()
                                .position(|&b| self.valid_default(b, default, 0))
                            {
                                out.push(SchemaError {
                                    path: path(),
                                    line: default.line,
                                    message: format!(
                                        "the default of field `{}` matches union branch {} ({}), not the first branch ({}): the specification requires the first; Java accepts it, other languages' readers reject it",
                                        f.name,
                                        i,
                                        self.describe(branches[i]),
                                        self.describe(branches[0])
                                    ),
                                    kind: Problem::DefaultNotFirstBranch,
                                });
                                continue;
                            }
                        } else if self.valid_default(f.ty, default, 0) {
                            continue;
                        }
                        out.push(SchemaError {
                            path: path(),
                            line: default.line,
                            message: format!(
                                "the default of field `{}` ({}) is not a valid {}",
                                f.name,
                                default.kind(),
                                self.describe(f.ty)
                            ),
                            kind: Problem::Invalid,
                        });
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Why logical type `lt` on `node` is not valid, if it is not (unknown logical types are allowed).
    fn logical_problem(&self, node: &Node, lt: &LogicalType) -> Option<String> {
        let k = &node.kind;
        let on = |want: &str| {
            Some(format!(
                "logical type `{}` needs {want}, not {}: Java ignores it and readers see the plain {}",
                lt.name,
                k.type_name().to_lowercase(),
                k.type_name().to_lowercase()
            ))
        };
        match lt.name.as_str() {
            "decimal" => {
                let max = match k {
                    Kind::Bytes => None,
                    Kind::Fixed(f) if f.size >= 1 => {
                        // Digits that fit in 8*size-1 bits: floor(log10(2^(8*size-1) - 1)).
                        let bits = (8 * f.size).saturating_sub(1) as f64;
                        Some((bits * std::f64::consts::LOG10_2).floor() as i64)
                    }
                    _ => return on("bytes or fixed"),
                };
                let precision = match lt.precision {
                    Some(Ok(p)) if p >= 1 => p,
                    _ => return Some("decimal needs a positive integer `precision`".into()),
                };
                let scale = match lt.scale {
                    None => 0,
                    Some(Ok(s)) if s >= 0 => s,
                    _ => return Some("decimal `scale` must be a non-negative integer".into()),
                };
                if scale > precision {
                    return Some(format!(
                        "decimal scale {scale} is greater than its precision {precision}"
                    ));
                }
                match max {
                    Some(max) if precision > max => Some(format!(
                        "decimal precision {precision} does not fit this fixed (at most {max} digits)"
                    )),
                    _ => None,
                }
            }
            "uuid" => match k {
                Kind::String => None,
                Kind::Fixed(f) if f.size == 16 => None,
                _ => on("string or fixed(16)"),
            },
            "date" | "time-millis" => match k {
                Kind::Int => None,
                _ => on("int"),
            },
            "time-micros"
            | "timestamp-millis"
            | "timestamp-micros"
            | "timestamp-nanos"
            | "local-timestamp-millis"
            | "local-timestamp-micros"
            | "local-timestamp-nanos" => match k {
                Kind::Long => None,
                _ => on("long"),
            },
            "duration" => match k {
                Kind::Fixed(f) if f.size == 12 => None,
                _ => on("fixed(12)"),
            },
            _ => None,
        }
    }

    /// A short description of a type for messages (`int`, `record com.acme.Order`).
    pub fn describe(&self, id: NodeId) -> String {
        let n = self.get(id);
        match &n.kind {
            Kind::Record(r) => format!("record `{}`", r.named.fullname),
            Kind::Enum(e) => format!("enum `{}`", e.named.fullname),
            Kind::Fixed(f) => format!("fixed `{}`", f.named.fullname),
            Kind::Array(i) => format!("array of {}", self.describe_shallow(*i)),
            Kind::Map(v) => format!("map of {}", self.describe_shallow(*v)),
            Kind::Union(b) => format!(
                "union [{}]",
                b.iter()
                    .map(|&x| self.describe_shallow(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Ref(r) => format!("`{}`", r.candidates.first().map_or("?", |s| s.as_str())),
            k => k.type_name().to_lowercase(),
        }
    }

    fn describe_shallow(&self, id: NodeId) -> String {
        let n = self.get(id);
        match &n.kind {
            Kind::Array(_) => "array".into(),
            Kind::Map(_) => "map".into(),
            Kind::Union(_) => "union".into(),
            k => k
                .named()
                .map_or_else(|| k.type_name().to_lowercase(), |n| n.fullname.clone()),
        }
    }

    /// Whether `value` is a valid default for type `id` (as Java's `isValidDefault`,
    /// plus: an enum default must be one of the symbols).
    fn valid_default(&self, id: NodeId, value: &Json, depth: usize) -> bool {
        if depth > 64 {
            return true;
        }
        let n = self.get(id);
        match (&n.kind, &value.value) {
            (Kind::Null, Value::Null) => true,
            (Kind::Boolean, Value::Bool(_)) => true,
            (Kind::Int, Value::Number(x)) => x.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
            (Kind::Long, Value::Number(x)) => x.as_i64().is_some(),
            (Kind::Float | Kind::Double, Value::Number(_)) => true,
            (Kind::Float | Kind::Double, Value::String(s)) => {
                matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity")
            }
            (Kind::Bytes | Kind::String | Kind::Fixed(_), Value::String(_)) => true,
            (Kind::Enum(e), Value::String(s)) => e.symbols.iter().any(|x| x == s),
            (Kind::Array(items), Value::Array(vals)) => vals
                .iter()
                .all(|v| self.valid_default(*items, v, depth + 1)),
            (Kind::Map(values), Value::Object(members)) => members
                .iter()
                .all(|m| self.valid_default(*values, &m.value, depth + 1)),
            (Kind::Record(r), Value::Object(_)) => {
                r.fields.iter().all(|f| match value.get(&f.name) {
                    Some(v) => self.valid_default(f.ty, v, depth + 1),
                    None => f.default.is_some(),
                })
            }
            // Nested unions (inside arrays, maps, records): Java accepts any branch.
            (Kind::Union(branches), _) => branches
                .iter()
                .any(|&b| self.valid_default(b, value, depth + 1)),
            _ => false,
        }
    }
}

/// Whether `s` is a valid Avro name (Java's default validator: a letter or
/// `_`, then letters, digits or `_`; letters may be non-ASCII).
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_')
}

struct Reader<'s, 'p> {
    set: &'s mut SchemaSet,
    file: usize,
    path: &'p str,
    /// Full names this file defined so far (to undo on error).
    defined: Vec<String>,
}

impl Reader<'_, '_> {
    fn err<T>(&self, line: u32, message: impl Into<String>) -> Result<T, SchemaError> {
        Err(SchemaError {
            path: self.path.to_string(),
            line,
            message: message.into(),
            kind: Problem::Invalid,
        })
    }

    fn push(&mut self, kind: Kind, line: u32, logical_type: Option<LogicalType>) -> NodeId {
        self.set.nodes.push(Node {
            kind,
            file: self.file,
            line,
            logical_type,
        });
        self.set.nodes.len() - 1
    }

    fn schema(&mut self, doc: &Json, ns: Option<&str>) -> Result<NodeId, SchemaError> {
        match &doc.value {
            Value::String(name) => Ok(self.reference(name, ns, doc.line, None)),
            Value::Array(branches) => {
                let mut ids = Vec::with_capacity(branches.len());
                for b in branches {
                    ids.push(self.schema(b, ns)?);
                }
                Ok(self.push(Kind::Union(ids), doc.line, None))
            }
            Value::Object(_) => self.object(doc, ns),
            _ => self.err(
                doc.line,
                format!(
                    "expected a schema (a type name, an object with `type`, or an array for a union), found {}",
                    doc.kind()
                ),
            ),
        }
    }

    /// A protocol file (`.avpr`): its `types`, in its namespace, as a union
    /// root. Messages are not read (they describe RPC calls, not stored data).
    fn protocol(&mut self, doc: &Json) -> Result<NodeId, SchemaError> {
        if !matches!(doc.value, Value::Object(_)) {
            return self.err(
                doc.line,
                format!("a protocol must be an object, found {}", doc.kind()),
            );
        }
        let Some((name, _)) = self.string_member(doc, "protocol")? else {
            return self.err(doc.line, "protocol has no `protocol` name");
        };
        let ns = match (self.string_member(doc, "namespace")?, name.rsplit_once('.')) {
            (Some((ns, _)), _) => Some(ns),
            (None, Some((space, _))) => Some(space.to_string()),
            (None, None) => None,
        };
        let mut ids = Vec::new();
        if let Some(types) = doc.member("types") {
            let Value::Array(items) = &types.value.value else {
                return self.err(types.value.line, "`types` must be an array of named types");
            };
            for item in items {
                ids.push(self.schema(item, ns.as_deref().filter(|s| !s.is_empty()))?);
            }
        }
        Ok(self.push(Kind::Union(ids), doc.line, None))
    }

    fn reference(
        &mut self,
        name: &str,
        ns: Option<&str>,
        line: u32,
        logical: Option<LogicalType>,
    ) -> NodeId {
        if let Some(kind) = primitive(name) {
            return self.push(kind, line, logical);
        }
        let mut candidates = Vec::new();
        match ns {
            Some(ns) if !name.contains('.') => {
                candidates.push(format!("{ns}.{name}"));
                candidates.push(name.to_string());
            }
            _ => candidates.push(name.to_string()),
        }
        let target = candidates
            .iter()
            .find_map(|c| self.set.names.get(c).copied());
        self.push(Kind::Ref(Ref { candidates, target }), line, logical)
    }

    fn string_member(&self, doc: &Json, key: &str) -> Result<Option<(String, u32)>, SchemaError> {
        match doc.member(key) {
            None => Ok(None),
            Some(m) => match &m.value.value {
                Value::String(s) => Ok(Some((s.clone(), m.value.line))),
                _ => self.err(
                    m.value.line,
                    format!("`{key}` must be a string, found {}", m.value.kind()),
                ),
            },
        }
    }

    fn object(&mut self, doc: &Json, ns: Option<&str>) -> Result<NodeId, SchemaError> {
        let Some(ty) = doc.member("type") else {
            return self.err(doc.line, "schema object has no `type`");
        };
        let Some(ty_name) = ty.value.as_str() else {
            return self.err(
                ty.value.line,
                format!(
                    "`type` of a schema object must be a string, found {} (a nested schema belongs directly in a field's `type` or a union)",
                    ty.value.kind()
                ),
            );
        };
        let int = |key: &str| {
            doc.get(key).map(|v| match &v.value {
                Value::Number(n) => n.as_i64().ok_or(()),
                _ => Err(()),
            })
        };
        let logical = doc.member("logicalType").and_then(|m| {
            m.value.as_str().map(|name| LogicalType {
                name: name.to_string(),
                line: m.line,
                precision: int("precision"),
                scale: int("scale"),
            })
        });
        match ty_name {
            "record" | "error" | "enum" | "fixed" => self.named(doc, ty_name, ns, logical),
            "array" => {
                let Some(items) = doc.get("items") else {
                    return self.err(doc.line, "array schema has no `items`");
                };
                let items = self.schema(items, ns)?;
                Ok(self.push(Kind::Array(items), doc.line, logical))
            }
            "map" => {
                let Some(values) = doc.get("values") else {
                    return self.err(doc.line, "map schema has no `values`");
                };
                let values = self.schema(values, ns)?;
                Ok(self.push(Kind::Map(values), doc.line, logical))
            }
            other => Ok(self.reference(other, ns, doc.line, logical)),
        }
    }

    fn full_name(
        &self,
        name: &str,
        ns: Option<&str>,
        line: u32,
    ) -> Result<(String, String, Option<String>), SchemaError> {
        let (space, simple) = match name.rsplit_once('.') {
            Some((space, simple)) => (Some(space.to_string()), simple.to_string()),
            None => (
                ns.filter(|s| !s.is_empty()).map(str::to_string),
                name.to_string(),
            ),
        };
        if !valid_name(&simple) {
            return self.err(
                line,
                format!("invalid name `{name}`: a name starts with a letter or `_` and has only letters, digits and `_`"),
            );
        }
        if let Some(space) = &space
            && let Some(bad) = space.split('.').find(|p| !valid_name(p))
        {
            return self.err(
                line,
                format!("invalid namespace `{space}`: part `{bad}` is not a valid name"),
            );
        }
        let full = match &space {
            Some(s) => format!("{s}.{simple}"),
            None => simple.clone(),
        };
        Ok((full, simple, space))
    }

    fn named(
        &mut self,
        doc: &Json,
        ty: &str,
        ns: Option<&str>,
        logical: Option<LogicalType>,
    ) -> Result<NodeId, SchemaError> {
        let Some((name, name_line)) = self.string_member(doc, "name")? else {
            return self.err(doc.line, format!("{ty} has no `name`"));
        };
        let explicit_ns = self.string_member(doc, "namespace")?.map(|(s, _)| s);
        let ns = match &explicit_ns {
            Some(s) => Some(s.as_str()),
            None => ns,
        };
        let (fullname, simple, space) = self.full_name(&name, ns, name_line)?;
        if primitive(&simple).is_some() && space.is_none() {
            return self.err(
                name_line,
                format!("a named type may not be called `{simple}` (a primitive type)"),
            );
        }
        let mut aliases = Vec::new();
        if let Some(a) = doc.member("aliases") {
            let Value::Array(items) = &a.value.value else {
                return self.err(a.value.line, "`aliases` must be an array of names");
            };
            for item in items {
                let Some(alias) = item.as_str() else {
                    return self.err(item.line, "`aliases` must be an array of names");
                };
                let (full, _, _) = self.full_name(alias, space.as_deref(), item.line)?;
                aliases.push(full);
            }
        }
        if let Some(&prev) = self.set.names.get(&fullname) {
            let prev_path = self.set.path_of(prev).to_string();
            let prev_line = self.set.nodes.get(prev).map_or(0, |n| n.line);
            return self.err(
                name_line,
                format!("`{fullname}` is defined twice (also at {prev_path}:{prev_line})"),
            );
        }
        let named = Named {
            fullname: fullname.clone(),
            name: simple,
            aliases,
        };
        // Register before reading the body so that recursive references resolve.
        let id = self.push(Kind::Null, doc.line, logical);
        self.set.names.insert(fullname.clone(), id);
        self.defined.push(fullname);
        let kind = match ty {
            "enum" => self.enum_body(doc, named)?,
            "fixed" => {
                let Some(size) = doc.member("size") else {
                    return self.err(doc.line, "fixed has no `size`");
                };
                let size = match &size.value.value {
                    Value::Number(n) => n
                        .as_i64()
                        .filter(|&s| (0..=i64::from(i32::MAX)).contains(&s)),
                    _ => None,
                };
                let Some(size) = size else {
                    return self.err(doc.line, "`size` of a fixed must be a non-negative integer");
                };
                Kind::Fixed(Fixed {
                    named,
                    size: size.unsigned_abs(),
                })
            }
            _ => self.record_body(doc, named, space.as_deref())?,
        };
        self.set.nodes[id].kind = kind;
        Ok(id)
    }

    fn enum_body(&mut self, doc: &Json, named: Named) -> Result<Kind, SchemaError> {
        let Some(symbols) = doc.member("symbols") else {
            return self.err(doc.line, "enum has no `symbols`");
        };
        let Value::Array(items) = &symbols.value.value else {
            return self.err(symbols.value.line, "`symbols` must be an array of names");
        };
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let Some(s) = item.as_str() else {
                return self.err(item.line, "`symbols` must be an array of names");
            };
            if !valid_name(s) {
                return self.err(item.line, format!("invalid enum symbol `{s}`"));
            }
            if out.iter().any(|x| x == s) {
                return self.err(item.line, format!("enum symbol `{s}` appears twice"));
            }
            out.push(s.to_string());
        }
        let default = match self.string_member(doc, "default")? {
            Some((d, line)) => {
                if !out.contains(&d) {
                    return self.err(
                        line,
                        format!("the enum default `{d}` is not one of its symbols"),
                    );
                }
                Some(d)
            }
            None => None,
        };
        Ok(Kind::Enum(Enum {
            named,
            symbols: out,
            default,
        }))
    }

    fn record_body(
        &mut self,
        doc: &Json,
        named: Named,
        ns: Option<&str>,
    ) -> Result<Kind, SchemaError> {
        let Some(fields) = doc.member("fields") else {
            return self.err(doc.line, "record has no `fields`");
        };
        let Value::Array(items) = &fields.value.value else {
            return self.err(fields.value.line, "`fields` must be an array");
        };
        let mut out: Vec<Field> = Vec::with_capacity(items.len());
        for item in items {
            if !matches!(item.value, Value::Object(_)) {
                return self.err(
                    item.line,
                    "a field must be an object with `name` and `type`",
                );
            }
            let Some((name, line)) = self.string_member(item, "name")? else {
                return self.err(item.line, "field has no `name`");
            };
            if !valid_name(&name) {
                return self.err(line, format!("invalid field name `{name}`"));
            }
            if out.iter().any(|f| f.name == name) {
                return self.err(
                    line,
                    format!(
                        "field `{name}` appears twice in record `{}`",
                        named.fullname
                    ),
                );
            }
            let Some(ty) = item.get("type") else {
                return self.err(item.line, format!("field `{name}` has no `type`"));
            };
            let ty = self.schema(ty, ns)?;
            let mut aliases = Vec::new();
            if let Some(a) = item.member("aliases") {
                let Value::Array(list) = &a.value.value else {
                    return self.err(a.value.line, "`aliases` must be an array of names");
                };
                for x in list {
                    match x.as_str() {
                        Some(s) => aliases.push(s.to_string()),
                        None => return self.err(x.line, "`aliases` must be an array of names"),
                    }
                }
            }
            out.push(Field {
                name,
                aliases,
                ty,
                default: item.get("default").cloned(),
                line: item.line,
            });
        }
        Ok(Kind::Record(Record { named, fields: out }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<(SchemaSet, NodeId), SchemaError> {
        let mut set = SchemaSet::new();
        let root = set.add_file("s.avsc", text.as_bytes())?;
        set.resolve().map_err(|mut e| e.remove(0))?;
        Ok((set, root))
    }

    #[test]
    fn namespaces_are_inherited_and_aliases_qualified() {
        let (set, root) = load(
            r#"{"type":"record","name":"Outer","namespace":"a.b","aliases":["Old","x.Y"],
                "fields":[{"name":"inner","type":{"type":"enum","name":"E","symbols":["A"]}},
                          {"name":"again","type":"E"}]}"#,
        )
        .unwrap();
        let Kind::Record(r) = &set.get(root).kind else {
            panic!()
        };
        assert_eq!(r.named.fullname, "a.b.Outer");
        assert_eq!(r.named.aliases, vec!["a.b.Old", "x.Y"]);
        assert_eq!(
            set.get(r.fields[0].ty).kind.named().unwrap().fullname,
            "a.b.E"
        );
        assert_eq!(set.deref(r.fields[1].ty), set.deref(r.fields[0].ty));
    }

    #[test]
    fn errors_name_the_line() {
        let e = load("{\"type\":\"record\",\"name\":\"R\",\"fields\":[\n{\"name\":\"a\",\"type\":\"int\"},\n{\"name\":\"a\",\"type\":\"int\"}]}").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("appears twice"));
        let e = load("{\"type\":\"record\",\"name\":\"R\",\"fields\":[\n{\"name\":\"a\",\"type\":\"Nope\"}]}").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown type `Nope`"));
        assert!(
            load(r#"{"type":"record","name":"1R","fields":[]}"#)
                .unwrap_err()
                .message
                .contains("invalid name")
        );
        assert!(load(r#"{"type":"enum","name":"E","symbols":["A","A"]}"#).is_err());
        assert!(load(r#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#).is_err());
        assert!(
            load(r#"[{"type":"fixed","name":"F","size":2},{"type":"fixed","name":"F","size":2}]"#)
                .unwrap_err()
                .message
                .contains("defined twice")
        );
        assert!(load("{\"type\":\"recrd\"}").is_err());
        assert!(load("42").is_err());
        assert!(
            load("{\"type\":\"record\",")
                .unwrap_err()
                .message
                .contains("not valid JSON")
        );
    }

    #[test]
    fn defaults_are_checked_against_the_field_type() {
        let (set, _) = load(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[\n\
             {\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"},\n\
             {\"name\":\"b\",\"type\":[\"null\",\"string\"],\"default\":null},\n\
             {\"name\":\"c\",\"type\":[\"null\",\"string\"],\"default\":\"s\"},\n\
             {\"name\":\"d\",\"type\":\"int\",\"default\":3000000000},\n\
             {\"name\":\"e\",\"type\":{\"type\":\"array\",\"items\":\"long\"},\"default\":[1,2]}]}",
        )
        .unwrap();
        let issues = set.validate(|_| true);
        let lines: Vec<(u32, bool)> = issues.iter().map(|e| (e.line, e.is_warning())).collect();
        assert_eq!(lines, vec![(2, false), (4, true), (5, false)], "{issues:?}");
    }

    #[test]
    fn logical_types_are_checked_but_only_warned() {
        let (set, _) = load(
            "[{\"type\":\"bytes\",\n\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2},\n\
             {\"type\":\"string\",\"logicalType\":\"decimal\",\"precision\":4},\n\
             {\"type\":\"fixed\",\"name\":\"D\",\"size\":2,\"logicalType\":\"decimal\",\"precision\":5},\n\
             {\"type\":\"int\",\"logicalType\":\"timestamp-millis\"},\n\
             {\"type\":\"long\",\"logicalType\":\"my-own\"}]",
        )
        .unwrap();
        let issues = set.validate(|_| true);
        let got: Vec<(u32, Problem)> = issues.iter().map(|e| (e.line, e.kind)).collect();
        assert_eq!(
            got,
            vec![
                (3, Problem::InvalidLogicalType),
                (4, Problem::InvalidLogicalType),
                (5, Problem::InvalidLogicalType)
            ],
            "{issues:?}"
        );
    }

    #[test]
    fn protocols_are_read_as_their_types() {
        let mut set = SchemaSet::new();
        let root = set
            .add_file(
                "p.avpr",
                br#"{"protocol": "Shop", "namespace": "shop", "types": [
                    {"type": "enum", "name": "Status", "symbols": ["NEW"]},
                    {"type": "record", "name": "Order", "fields": [{"name": "s", "type": "Status"}]}],
                    "messages": {"place": {"request": [{"name": "o", "type": "Order"}], "response": "null"}}}"#,
            )
            .unwrap();
        set.resolve().unwrap();
        let Kind::Union(types) = &set.get(root).kind else {
            panic!()
        };
        assert_eq!(types.len(), 2);
        assert!(set.lookup("shop.Order").is_some());
        assert!(
            set.add_file("q.avpr", br#"{"types": []}"#)
                .unwrap_err()
                .message
                .contains("protocol")
        );
    }

    #[test]
    fn union_branches_must_differ() {
        let (set, _) = load(r#"["int","string","int"]"#).unwrap();
        assert_eq!(set.validate(|_| true).len(), 1);
        let (set, _) =
            load(r#"[{"type":"fixed","name":"A","size":1},{"type":"fixed","name":"B","size":1}]"#)
                .unwrap();
        assert!(set.validate(|_| true).is_empty());
    }

    #[test]
    fn types_resolve_across_files() {
        let mut set = SchemaSet::new();
        let root = set
            .add_file("order.avsc", br#"{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"m","type":"Money"}]}"#)
            .unwrap();
        assert_eq!(set.missing_names(), vec!["Money", "shop.Money"]);
        set.add_file(
            "money.avsc",
            br#"{"type":"fixed","name":"Money","namespace":"shop","size":8}"#,
        )
        .unwrap();
        set.resolve().unwrap();
        let Kind::Record(r) = &set.get(root).kind else {
            panic!()
        };
        assert_eq!(set.path_of(set.deref(r.fields[0].ty)), "money.avsc");
    }

    #[test]
    fn a_failed_file_leaves_the_set_unchanged() {
        let mut set = SchemaSet::new();
        assert!(
            set.add_file(
                "a.avsc",
                br#"{"type":"record","name":"A","fields":[{"name":"x"}]}"#
            )
            .is_err()
        );
        assert!(set.lookup("A").is_none());
        assert!(
            set.add_file("a.avsc", br#"{"type":"record","name":"A","fields":[]}"#)
                .is_ok()
        );
    }
}
