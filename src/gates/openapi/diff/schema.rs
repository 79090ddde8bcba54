//! The schema walker: compares a base and a head schema recursively and
//! reports each change under the rule id of the place the schema sits in.
//! One walker serves requests and responses; [`Direction`] decides which
//! side of a change breaks clients (via the rule catalogue's severities).
//!
//! `allOf` members are merged into one view before comparing, so moving
//! properties into or out of `allOf` changes nothing; `readOnly` properties
//! do not exist in requests and `writeOnly` ones not in responses.

use super::Sink;
use super::operations::{STABILITY, removal_verdict};
use crate::finding::Side;
use crate::gates::openapi::model::Loc;
use crate::gates::openapi::policy::sunset_of;
use crate::gates::openapi::refs::{At, Docs, ref_name, ref_of};
use crate::gates::openapi::rules::schema::{BOUNDS, PLACES, SUBSCHEMA_MAPS, SUBSCHEMAS};
use crate::gates::openapi::tree::{Entry, Node, Value, format_number};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};

/// Deepest nesting compared (deeper schemas are compared no further).
const MAX_DEPTH: usize = 48;
/// Most `allOf` members merged into one view.
const MAX_PARTS: usize = 64;

/// Which way data flows for the schema being compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server: narrowing breaks clients.
    Request,
    /// Server to client: widening breaks clients.
    Response,
}

/// Where the schema sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    Parameter,
    Header,
}

/// One schema comparison (one body, parameter or header).
pub struct Walk<'w, 's, 'a> {
    pub sink: &'w mut Sink<'s, 'a>,
    pub dir: Direction,
    pub place: Place,
    /// The operation (`GET /users`).
    pub subject: &'w str,
    /// Where in the operation (`request body application/json`).
    pub context: String,
    stack: Vec<(usize, usize)>,
}

/// A schema with its `allOf` members merged (first part is the schema itself).
struct View<'a> {
    parts: Vec<At<'a>>,
}

impl<'a> View<'a> {
    fn build(docs: &'a Docs, at: At<'a>) -> Result<View<'a>> {
        let mut parts = Vec::new();
        let mut seen = BTreeSet::new();
        let mut todo = vec![at];
        while let Some(next) = todo.pop() {
            let r = docs.resolve(next)?;
            if !seen.insert(r.id()) || parts.len() >= MAX_PARTS {
                continue;
            }
            parts.push(r);
            if let Some(all) = r.get("allOf") {
                for item in all.node.items().iter().rev() {
                    todo.push(At {
                        doc: all.doc,
                        node: item,
                    });
                }
            }
        }
        Ok(View { parts })
    }

    fn first(&self) -> Option<At<'a>> {
        self.parts.first().copied()
    }

    fn get(&self, key: &str) -> Option<At<'a>> {
        self.parts.iter().find_map(|p| p.get(key))
    }

    fn flag(&self, key: &str) -> bool {
        self.parts.iter().any(|p| p.node.flag(key))
    }

    /// Where `key` is written (the schema's own line when absent).
    fn loc(&self, key: &str) -> Loc {
        self.parts
            .iter()
            .find(|p| p.node.get(key).is_some())
            .or(self.parts.first())
            .map(|p| Loc::key(*p, key))
            .unwrap_or_default()
    }

    fn line_loc(&self) -> Loc {
        self.first().map(Loc::of).unwrap_or_default()
    }

    /// Allowed types (without null) and whether null is allowed.
    fn types(&self) -> (BTreeSet<String>, bool) {
        let mut types = BTreeSet::new();
        let mut nullable = self.flag("nullable") || self.flag("x-nullable");
        if let Some(t) = self.get("type") {
            match &t.node.value {
                Value::Str(s) => {
                    types.insert(s.clone());
                }
                Value::Seq(items) => {
                    for i in items {
                        if let Some(s) = i.as_str() {
                            types.insert(s.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        if types.is_empty()
            && let Some(alts) = self.type_only_alternatives()
        {
            types = alts;
        }
        if types.remove("null") {
            nullable = true;
        }
        (types, nullable)
    }

    /// `oneOf`/`anyOf` whose branches are bare `{type: X}`: the same as `type: [X, ...]`.
    fn type_only_alternatives(&self) -> Option<BTreeSet<String>> {
        ["oneOf", "anyOf"].iter().find_map(|key| {
            let alts = self.get(key)?;
            let items = alts.node.items();
            if items.is_empty() {
                return None;
            }
            let mut types = BTreeSet::new();
            for item in items {
                let entries = item.entries();
                if entries.len() != 1 || entries[0].key != "type" {
                    return None;
                }
                match &entries[0].value.value {
                    Value::Str(t) => {
                        types.insert(t.clone());
                    }
                    Value::Seq(ts) => {
                        types.extend(ts.iter().filter_map(|t| t.as_str().map(str::to_string)))
                    }
                    _ => return None,
                }
            }
            Some(types)
        })
    }

    fn properties(&self) -> BTreeMap<String, (At<'a>, Loc)> {
        let mut out = BTreeMap::new();
        for p in &self.parts {
            if let Some(props) = p.get("properties") {
                for e in props.node.entries() {
                    out.entry(e.key.clone()).or_insert((
                        At {
                            doc: props.doc,
                            node: &e.value,
                        },
                        Loc {
                            doc: props.doc,
                            line: e.key_line,
                        },
                    ));
                }
            }
        }
        out
    }

    fn required(&self) -> BTreeSet<String> {
        self.parts
            .iter()
            .filter_map(|p| p.node.get("required"))
            .flat_map(|r| {
                r.items()
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
            })
            .collect()
    }

    fn values(&self, key: &str) -> Option<Vec<String>> {
        self.get(key)
            .map(|e| e.node.items().iter().map(|v| v.canonical()).collect())
    }

    fn num(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(|n| n.node.as_f64())
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(|n| n.node.display())
    }
}

/// The canonical text of a schema without its annotations (descriptions,
/// examples, titles, extensions), for telling whether two schemas accept the same.
fn shape(node: &Node) -> String {
    fn write(node: &Node, out: &mut String, depth: usize) {
        if depth > 64 {
            return;
        }
        match &node.value {
            Value::Map(entries) => {
                let mut kept: Vec<&Entry> = entries
                    .iter()
                    .filter(|e| {
                        !matches!(
                            e.key.as_str(),
                            "description" | "example" | "examples" | "title" | "externalDocs"
                        ) && !e.key.starts_with("x-")
                    })
                    .collect();
                kept.sort_by(|a, b| a.key.cmp(&b.key));
                out.push('{');
                for e in kept {
                    out.push_str(&e.key);
                    out.push(':');
                    write(&e.value, out, depth + 1);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Seq(items) => {
                out.push('[');
                for i in items {
                    write(i, out, depth + 1);
                    out.push(',');
                }
                out.push(']');
            }
            _ => out.push_str(&node.canonical()),
        }
    }
    let mut out = String::new();
    write(node, &mut out, 0);
    out
}

/// A branch of `oneOf`/`anyOf` for messages: its name, else its type and line.
fn describe(name: Option<String>, at: At<'_>) -> String {
    match (name, at.node.str_of("type")) {
        (Some(n), _) => n,
        (None, Some(t)) => format!("(type {t}, line {})", at.node.line),
        (None, None) => format!("(line {})", at.node.line),
    }
}

fn path_join(path: &str, seg: &str) -> String {
    if path.is_empty() {
        seg.to_string()
    } else {
        format!("{path}/{seg}")
    }
}

fn list(values: &[&String]) -> String {
    let shown: Vec<&str> = values.iter().take(10).map(|s| s.as_str()).collect();
    let more = values.len().saturating_sub(10);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

impl<'w, 's, 'a> Walk<'w, 's, 'a> {
    pub fn new(
        sink: &'w mut Sink<'s, 'a>,
        dir: Direction,
        place: Place,
        subject: &'w str,
        context: String,
    ) -> Self {
        Walk {
            sink,
            dir,
            place,
            subject,
            context,
            stack: Vec::new(),
        }
    }

    fn prefix(&self, nested: bool) -> &'static str {
        let index = match (self.dir, self.place) {
            (Direction::Request, Place::Body) => 0,
            (Direction::Request, _) => 2,
            (Direction::Response, Place::Header) => 6,
            (Direction::Response, _) => 4,
        } + usize::from(nested);
        PLACES[index].0
    }

    fn emit(&mut self, suffix: &str, path: &str, side: Side, loc: Loc, what: String) {
        // Array items are the same value's elements, not a property.
        let nested = path.split('/').any(|seg| !seg.is_empty() && seg != "items");
        let id = format!("{}-{suffix}", self.prefix(nested));
        self.emit_id(&id, path, side, loc, what);
    }

    fn emit_id(&mut self, id: &str, path: &str, side: Side, loc: Loc, what: String) {
        let at = if path.is_empty() {
            String::new()
        } else if path.split('/').all(|seg| seg == "items") {
            " array items".to_string()
        } else {
            format!(" property `{path}`")
        };
        let detail = format!("{}{at}: {what}", self.context);
        self.sink.emit(id, side, loc, self.subject, detail);
    }

    /// Compare base schema `b` with head schema `h` at property path `path` ("" = top).
    pub fn compare(&mut self, b: At<'a>, h: At<'a>, path: &str) -> Result<()> {
        let base_docs = self.sink.base.docs;
        let head_docs = self.sink.head.docs;
        let vb = View::build(base_docs, b)?;
        let vh = View::build(head_docs, h)?;
        let (Some(rb), Some(rh)) = (vb.first(), vh.first()) else {
            return Ok(());
        };
        let pair = (rb.id(), rh.id());
        if self.stack.contains(&pair) || self.stack.len() >= MAX_DEPTH {
            return Ok(());
        }
        // A pair already compared without any change (in this or another
        // operation) is not walked again: big specs share big schemas.
        let nested = path.split('/').any(|seg| !seg.is_empty() && seg != "items");
        let memo = (
            pair.0,
            pair.1,
            self.dir as u8 * 8 + self.place as u8 * 2 + u8::from(nested),
        );
        if self.sink.unchanged.contains(&memo) {
            return Ok(());
        }
        let before = self.sink.changes.len();
        self.stack.push(pair);
        let result = self.compare_views(&vb, &vh, path);
        self.stack.pop();
        if result.is_ok() && self.sink.changes.len() == before {
            self.sink.unchanged.insert(memo);
        }
        result
    }

    fn compare_views(&mut self, b: &View<'a>, h: &View<'a>, path: &str) -> Result<()> {
        self.types(b, h, path);
        self.enums(b, h, path);
        self.scalars(b, h, path);
        self.bounds(b, h, path);
        self.subschemas(b, h, path)?;
        self.additional_properties(b, h, path)?;
        self.discriminator(b, h, path);
        self.properties(b, h, path)?;
        self.wrapped_in_one_of(b, h, path);
        self.alternatives("oneOf", "one-of", b, h, path)?;
        self.alternatives("anyOf", "any-of", b, h, path)?;
        if let (Some(bi), Some(hi)) = (b.get("items"), h.get("items"))
            && bi.node.is_map()
            && hi.node.is_map()
        {
            self.compare(bi, hi, &path_join(path, "items"))?;
        }
        Ok(())
    }

    fn types(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        let (bt, bn) = b.types();
        let (ht, hn) = h.types();
        if !bt.is_empty() && !ht.is_empty() && bt != ht {
            let covers = |a: &BTreeSet<String>, x: &BTreeSet<String>| {
                x.iter()
                    .all(|t| a.contains(t) || (t == "integer" && a.contains("number")))
            };
            let shown = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
            let what = format!("type changed from {} to {}", shown(&bt), shown(&ht));
            let loc = h.loc("type");
            // Parameters travel as text: a string parameter accepts what a
            // number or boolean parameter did.
            let text_param = self.place == Place::Parameter
                && ht.len() == 1
                && ht.contains("string")
                && bt
                    .iter()
                    .all(|t| matches!(t.as_str(), "integer" | "number" | "boolean"))
                && h.get("pattern").is_none()
                && h.get("enum").is_none()
                && h.get("format").is_none();
            let single = |s: &BTreeSet<String>, t: &str| s.len() == 1 && s.contains(t);
            let suffix = if single(&bt, "integer") && single(&ht, "number")
                || (text_param && self.dir == Direction::Request)
                || self.scalar_to_array(&bt, &ht, h)
            {
                "type-generalized"
            } else if single(&bt, "number") && single(&ht, "integer")
                || (self.place == Place::Parameter
                    && single(&bt, "string")
                    && ht.len() == 1
                    && ht
                        .iter()
                        .all(|t| matches!(t.as_str(), "integer" | "number" | "boolean")))
            {
                // A text parameter now only takes numbers (or booleans): fewer values.
                "type-specialized"
            } else if covers(&ht, &bt) {
                "list-of-types-widened"
            } else if covers(&bt, &ht) {
                "list-of-types-narrowed"
            } else {
                "type-changed"
            };
            self.emit(suffix, path, Side::Head, loc, what);
        }
        if !bn && hn {
            let loc = if h.get("nullable").is_some() {
                h.loc("nullable")
            } else {
                h.loc("type")
            };
            self.emit(
                "became-nullable",
                path,
                Side::Head,
                loc,
                "null became allowed".into(),
            );
        } else if bn && !hn {
            let loc = h.loc("type");
            self.emit(
                "became-not-nullable",
                path,
                Side::Head,
                loc,
                "null is no longer allowed".into(),
            );
        }
        // Safe format widenings (int32 → int64 in a request, the reverse in a response) are no change.
        let widening =
            |from: &str, to: &str| matches!((from, to), ("int32", "int64") | ("float", "double"));
        if let (Some(bf), Some(hf)) = (b.text("format"), h.text("format"))
            && bf != hf
            && !(self.dir == Direction::Request && widening(&bf, &hf))
            && !(self.dir == Direction::Response && widening(&hf, &bf))
        {
            let loc = h.loc("format");
            self.emit(
                "format-changed",
                path,
                Side::Head,
                loc,
                format!("format changed from {bf} to {hf}"),
            );
        }
    }

    /// A request parameter that took one value (of types `bt`) now takes an
    /// array of values that accepts each of them (`?id=1` is still valid).
    fn scalar_to_array(&self, bt: &BTreeSet<String>, ht: &BTreeSet<String>, h: &View<'a>) -> bool {
        if self.place != Place::Parameter || self.dir != Direction::Request {
            return false;
        }
        let scalar = |t: &String| matches!(t.as_str(), "string" | "integer" | "number" | "boolean");
        if !(ht.len() == 1 && ht.contains("array") && !bt.is_empty() && bt.iter().all(scalar)) {
            return false;
        }
        let Some(items) = h
            .get("items")
            .and_then(|i| View::build(self.sink.head.docs, i).ok())
        else {
            return false;
        };
        let constrained = [
            "pattern",
            "enum",
            "format",
            "const",
            "maxLength",
            "minLength",
            "maximum",
            "minimum",
        ]
        .iter()
        .any(|k| items.get(k).is_some());
        let (it, _) = items.types();
        let covers = bt
            .iter()
            .all(|t| it.contains(t) || (t == "integer" && it.contains("number")));
        !constrained && (covers || (it.len() == 1 && it.contains("string")))
    }

    /// A schema that became a `oneOf` of other schemas, none of which is the old one.
    /// An object schema replaced by a `oneOf` of variants (the client's model
    /// changes shape). Scalars split into branches (`enum: [a, b]` → `oneOf`
    /// of single values) are judged by their alternatives instead.
    fn wrapped_in_one_of(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        let Some(alts) = h.get("oneOf") else {
            return;
        };
        let (bt, _) = b.types();
        let object = b.get("properties").is_some() || (bt.len() == 1 && bt.contains("object"));
        if !object
            || b.get("oneOf").is_some()
            || h.type_only_alternatives().is_some()
            || h.get("properties").is_some()
            || h.get("type").is_some()
        {
            return;
        }
        // `$ref: Pet` → `oneOf: [Pet, Robot]` keeps the old schema as a branch
        // (descriptions, examples and titles aside).
        let head_docs = self.sink.head.docs;
        let old = b.first().map(|f| shape(f.node));
        let kept = alts.node.items().iter().any(|n| {
            head_docs
                .resolve(At {
                    doc: alts.doc,
                    node: n,
                })
                .ok()
                .map(|r| shape(r.node))
                == old
        });
        if kept {
            return;
        }
        let loc = h.loc("oneOf");
        self.emit(
            "wrapped-in-one-of",
            path,
            Side::Head,
            loc,
            "the schema was replaced by a oneOf of other schemas".into(),
        );
    }

    fn enums(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        match (b.values("enum"), h.values("enum")) {
            (None, Some(_)) => {
                let loc = h.loc("enum");
                self.emit(
                    "became-enum",
                    path,
                    Side::Head,
                    loc,
                    "the value became restricted to an enum".into(),
                );
            }
            (Some(_), None) => {
                let loc = h.line_loc();
                self.emit(
                    "enum-removed",
                    path,
                    Side::Head,
                    loc,
                    "the enum restriction was removed".into(),
                );
            }
            (Some(be), Some(he)) => {
                let removed: Vec<&String> = be.iter().filter(|v| !he.contains(v)).collect();
                let added: Vec<&String> = he.iter().filter(|v| !be.contains(v)).collect();
                let loc = h.loc("enum");
                if !removed.is_empty() {
                    self.emit(
                        "enum-value-removed",
                        path,
                        Side::Head,
                        loc,
                        format!("enum value(s) removed: {}", list(&removed)),
                    );
                }
                if !added.is_empty() {
                    self.emit(
                        "enum-value-added",
                        path,
                        Side::Head,
                        loc,
                        format!("enum value(s) added: {}", list(&added)),
                    );
                }
            }
            (None, None) => {}
        }
        if let (Some(be), Some(he)) = (b.values("x-extensible-enum"), h.values("x-extensible-enum"))
        {
            let removed: Vec<&String> = be.iter().filter(|v| !he.contains(v)).collect();
            if !removed.is_empty() {
                let loc = h.loc("x-extensible-enum");
                self.emit(
                    "x-extensible-enum-value-removed",
                    path,
                    Side::Head,
                    loc,
                    format!("x-extensible-enum value(s) removed: {}", list(&removed)),
                );
            }
        }
    }

    fn scalars(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        let canon = |v: &View<'a>, k: &str| v.get(k).map(|n| n.node.canonical());
        for (key, suffix) in [
            ("const", "const-changed"),
            ("contentMediaType", "content-media-type-changed"),
            ("contentEncoding", "content-encoding-changed"),
            ("multipleOf", "multiple-of-changed"),
        ] {
            let (bv, hv) = (canon(b, key), canon(h, key));
            // `const` set where there was none narrows; dropped, it widens.
            let suffix = match (key, &bv, &hv) {
                ("const", None, Some(_)) => "const-added",
                ("const", Some(_), None) => "const-removed",
                _ => suffix,
            };
            if bv != hv {
                let loc = h.loc(key);
                let what = format!(
                    "{key} changed from {} to {}",
                    bv.unwrap_or_else(|| "(none)".into()),
                    hv.unwrap_or_else(|| "(none)".into())
                );
                self.emit(suffix, path, Side::Head, loc, what);
            }
        }
        match (canon(b, "default"), canon(h, "default")) {
            (None, Some(d)) => {
                let loc = h.loc("default");
                self.emit(
                    "default-value-added",
                    path,
                    Side::Head,
                    loc,
                    format!("default {d} added"),
                );
            }
            (Some(d), None) => {
                let loc = h.line_loc();
                self.emit(
                    "default-value-removed",
                    path,
                    Side::Head,
                    loc,
                    format!("default {d} removed"),
                );
            }
            _ => {}
        }
        if let (Some(bd), Some(hd)) = (canon(b, "default"), canon(h, "default"))
            && bd != hd
        {
            let loc = h.loc("default");
            self.emit(
                "default-value-changed",
                path,
                Side::Head,
                loc,
                format!("default changed from {bd} to {hd}"),
            );
        }
        // A pattern that matches every string (`''`, `.*`, `^.*$`) is no restriction.
        let pattern = |v: &View<'a>| {
            v.text("pattern")
                .filter(|p| !matches!(p.as_str(), "" | ".*" | "^.*$" | "^.*" | ".*$" | "[\\s\\S]*"))
        };
        match (pattern(b), pattern(h)) {
            (None, Some(p)) => {
                let loc = h.loc("pattern");
                self.emit(
                    "pattern-added",
                    path,
                    Side::Head,
                    loc,
                    format!("pattern `{p}` added"),
                );
            }
            (Some(p), None) => {
                let loc = h.line_loc();
                self.emit(
                    "pattern-removed",
                    path,
                    Side::Head,
                    loc,
                    format!("pattern `{p}` removed"),
                );
            }
            (Some(bp), Some(hp)) if bp != hp => {
                let loc = h.loc("pattern");
                self.emit(
                    "pattern-changed",
                    path,
                    Side::Head,
                    loc,
                    format!("pattern changed from `{bp}` to `{hp}`"),
                );
            }
            _ => {}
        }
    }

    fn bounds(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        // OpenAPI 3.0 writes `exclusiveMinimum: true` beside `minimum: X`;
        // 3.1 writes `exclusiveMinimum: X`. Both mean an exclusive bound X.
        let bound = |v: &View<'a>, key: &str| -> Option<f64> {
            let plain = match key {
                "exclusiveMinimum" => "minimum",
                "exclusiveMaximum" => "maximum",
                // With a boolean exclusive flag the plain bound is the exclusive one.
                "minimum" | "maximum" => {
                    let flag = if key == "minimum" {
                        "exclusiveMinimum"
                    } else {
                        "exclusiveMaximum"
                    };
                    return match v.get(flag).map(|n| &n.node.value) {
                        Some(Value::Bool(true)) => None,
                        _ => v.num(key),
                    };
                }
                _ => return v.num(key),
            };
            match v.get(key).map(|n| &n.node.value) {
                Some(Value::Bool(true)) => v.num(plain),
                _ => v.num(key),
            }
        };
        for (key, frag, upper) in BOUNDS {
            let (bv, hv) = (bound(b, key), bound(h, key));
            let (suffix, what) = match (bv, hv) {
                (Some(x), Some(y)) if x != y => {
                    let stricter = if *upper { y < x } else { y > x };
                    let dir = if y < x { "decreased" } else { "increased" };
                    let _ = stricter;
                    (
                        format!("{frag}-{dir}"),
                        format!(
                            "{key} {dir} from {} to {}",
                            format_number(x),
                            format_number(y)
                        ),
                    )
                }
                (None, Some(y)) => (
                    format!("{frag}-set"),
                    format!("{key} set to {}", format_number(y)),
                ),
                (Some(x), None) => (
                    format!("{frag}-unset"),
                    format!("{key} {} removed", format_number(x)),
                ),
                _ => continue,
            };
            let loc = h.loc(key);
            self.emit(&suffix, path, Side::Head, loc, what);
        }
    }

    fn subschemas(&mut self, b: &View<'a>, h: &View<'a>, path: &str) -> Result<()> {
        for (key, frag) in SUBSCHEMAS {
            match (b.get(key), h.get(key)) {
                (None, Some(_)) => {
                    let loc = h.loc(key);
                    self.emit(
                        &format!("{frag}-added"),
                        path,
                        Side::Head,
                        loc,
                        format!("`{key}` added"),
                    );
                }
                (Some(_), None) => {
                    let loc = h.line_loc();
                    self.emit(
                        &format!("{frag}-removed"),
                        path,
                        Side::Head,
                        loc,
                        format!("`{key}` removed"),
                    );
                }
                (Some(bs), Some(hs))
                    if matches!(
                        *key,
                        "propertyNames"
                            | "contains"
                            | "contentSchema"
                            | "then"
                            | "else"
                            | "unevaluatedProperties"
                            | "unevaluatedItems"
                    ) && bs.node.is_map()
                        && hs.node.is_map() =>
                {
                    self.compare(bs, hs, &path_join(path, key))?;
                }
                _ => {}
            }
        }
        for (key, frag) in SUBSCHEMA_MAPS {
            let bm = b.get(key);
            let hm = h.get(key);
            let bkeys: Vec<&str> = bm
                .map(|m| m.node.entries().iter().map(|e| e.key.as_str()).collect())
                .unwrap_or_default();
            let hkeys: Vec<&str> = hm
                .map(|m| m.node.entries().iter().map(|e| e.key.as_str()).collect())
                .unwrap_or_default();
            for k in &hkeys {
                if !bkeys.contains(k) {
                    let loc = hm.map(|m| Loc::key(m, k)).unwrap_or_default();
                    self.emit(
                        &format!("{frag}-added"),
                        path,
                        Side::Head,
                        loc,
                        format!("`{key}` entry `{k}` added"),
                    );
                }
            }
            for k in &bkeys {
                if !hkeys.contains(k) {
                    let loc = bm.map(|m| Loc::key(m, k)).unwrap_or_default();
                    self.emit(
                        &format!("{frag}-removed"),
                        path,
                        Side::Base,
                        loc,
                        format!("`{key}` entry `{k}` removed"),
                    );
                } else if let (Some(bs), Some(hs)) =
                    (bm.and_then(|m| m.get(k)), hm.and_then(|m| m.get(k)))
                {
                    self.compare(bs, hs, &path_join(path, k))?;
                }
            }
        }
        // dependentRequired: property → list of properties.
        let dr = |v: &View<'a>| -> BTreeMap<String, Vec<String>> {
            v.get("dependentRequired")
                .map(|m| {
                    m.node
                        .entries()
                        .iter()
                        .map(|e| {
                            (
                                e.key.clone(),
                                e.value.items().iter().map(|x| x.display()).collect(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let (bd, hd) = (dr(b), dr(h));
        for (k, hv) in &hd {
            let loc = h.loc("dependentRequired");
            match bd.get(k) {
                None => self.emit(
                    "dependent-required-added",
                    path,
                    Side::Head,
                    loc,
                    format!("dependentRequired `{k}` added"),
                ),
                Some(bv) if bv != hv => self.emit(
                    "dependent-required-changed",
                    path,
                    Side::Head,
                    loc,
                    format!("dependentRequired `{k}` changed"),
                ),
                _ => {}
            }
        }
        for k in bd.keys().filter(|k| !hd.contains_key(*k)) {
            let loc = h.line_loc();
            self.emit(
                "dependent-required-removed",
                path,
                Side::Head,
                loc,
                format!("dependentRequired `{k}` removed"),
            );
        }
        // prefixItems
        match (b.get("prefixItems"), h.get("prefixItems")) {
            (None, Some(_)) => {
                let loc = h.loc("prefixItems");
                self.emit(
                    "prefix-items-added",
                    path,
                    Side::Head,
                    loc,
                    "prefixItems added".into(),
                );
            }
            (Some(_), None) => {
                let loc = h.line_loc();
                self.emit(
                    "prefix-items-removed",
                    path,
                    Side::Head,
                    loc,
                    "prefixItems removed".into(),
                );
            }
            (Some(bp), Some(hp)) => {
                for (i, (bi, hi)) in bp.node.items().iter().zip(hp.node.items()).enumerate() {
                    let bat = At {
                        doc: bp.doc,
                        node: bi,
                    };
                    let hat = At {
                        doc: hp.doc,
                        node: hi,
                    };
                    self.compare(bat, hat, &path_join(path, &format!("prefixItems/{i}")))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn additional_properties(&mut self, b: &View<'a>, h: &View<'a>, path: &str) -> Result<()> {
        let (ba, ha) = (b.get("additionalProperties"), h.get("additionalProperties"));
        let forbidden = |a: Option<At<'a>>| a.is_some_and(|x| x.node.as_bool() == Some(false));
        match (forbidden(ba), forbidden(ha)) {
            (false, true) => {
                let loc = h.loc("additionalProperties");
                self.emit(
                    "additional-properties-restricted",
                    path,
                    Side::Head,
                    loc,
                    "additionalProperties became false".into(),
                );
            }
            (true, false) => {
                let loc = h.loc("additionalProperties");
                self.emit(
                    "additional-properties-allowed",
                    path,
                    Side::Head,
                    loc,
                    "additional properties became allowed".into(),
                );
            }
            _ => {
                if let (Some(bs), Some(hs)) = (ba, ha)
                    && bs.node.is_map()
                    && hs.node.is_map()
                {
                    self.compare(bs, hs, &path_join(path, "*"))?;
                }
            }
        }
        Ok(())
    }

    fn discriminator(&mut self, b: &View<'a>, h: &View<'a>, path: &str) {
        let (bd, hd) = (b.get("discriminator"), h.get("discriminator"));
        match (bd, hd) {
            (None, Some(_)) => {
                let loc = h.loc("discriminator");
                self.emit(
                    "discriminator-added",
                    path,
                    Side::Head,
                    loc,
                    "discriminator added".into(),
                );
            }
            (Some(_), None) => {
                let loc = h.line_loc();
                self.emit(
                    "discriminator-removed",
                    path,
                    Side::Head,
                    loc,
                    "discriminator removed".into(),
                );
            }
            (Some(bd), Some(hd)) => {
                let (bn, hn) = (
                    bd.node.str_of("propertyName"),
                    hd.node.str_of("propertyName"),
                );
                if bn != hn {
                    let loc = Loc::key(hd, "propertyName");
                    self.emit(
                        "discriminator-property-name-changed",
                        path,
                        Side::Head,
                        loc,
                        format!(
                            "discriminator property changed from {} to {}",
                            bn.unwrap_or("(none)"),
                            hn.unwrap_or("(none)")
                        ),
                    );
                }
                let map = |d: At<'a>| -> BTreeMap<String, String> {
                    d.node
                        .get("mapping")
                        .map(|m| {
                            m.entries()
                                .iter()
                                .map(|e| (e.key.clone(), e.value.display()))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let (bm, hm) = (map(bd), map(hd));
                let loc = Loc::key(hd, "mapping");
                for (k, v) in &hm {
                    match bm.get(k) {
                        None => self.emit(
                            "discriminator-mapping-added",
                            path,
                            Side::Head,
                            loc,
                            format!("discriminator mapping `{k}` added"),
                        ),
                        Some(old) if old != v => self.emit(
                            "discriminator-mapping-changed",
                            path,
                            Side::Head,
                            loc,
                            format!("discriminator mapping `{k}` changed from {old} to {v}"),
                        ),
                        _ => {}
                    }
                }
                for k in bm.keys().filter(|k| !hm.contains_key(*k)) {
                    self.emit(
                        "discriminator-mapping-deleted",
                        path,
                        Side::Head,
                        loc,
                        format!("discriminator mapping `{k}` deleted"),
                    );
                }
            }
            (None, None) => {}
        }
    }

    /// Whether a property exists on the wire in this direction.
    fn visible(&self, docs: &'a Docs, prop: At<'a>) -> Result<bool> {
        let v = View::build(docs, prop)?;
        Ok(match self.dir {
            Direction::Request => !v.flag("readOnly"),
            Direction::Response => !v.flag("writeOnly"),
        })
    }

    fn properties(&mut self, b: &View<'a>, h: &View<'a>, path: &str) -> Result<()> {
        let base_docs = self.sink.base.docs;
        let head_docs = self.sink.head.docs;
        let (bp, hp) = (b.properties(), h.properties());
        let (br, hr) = (b.required(), h.required());
        let request = self.dir == Direction::Request;
        for (name, (hs, hloc)) in &hp {
            let sub = path_join(path, name);
            let h_vis = self.visible(head_docs, *hs)?;
            let b_entry = bp.get(name);
            let b_vis = match b_entry {
                Some((bs, _)) => self.visible(base_docs, *bs)?,
                None => false,
            };
            let h_req = hr.contains(name) && h_vis;
            let b_req = br.contains(name) && b_vis;
            match (b_vis, h_vis) {
                (false, false) => {}
                (false, true) => {
                    let with_default = View::build(head_docs, *hs)?.get("default").is_some();
                    let (id, what) = match (request, h_req) {
                        (true, true) if with_default => (
                            "new-required-request-property-with-default",
                            "required property added (its default does not make it optional)",
                        ),
                        (true, true) => {
                            ("new-required-request-property", "required property added")
                        }
                        (true, false) => {
                            ("new-optional-request-property", "optional property added")
                        }
                        (false, true) => (
                            "response-required-property-added",
                            "required property added",
                        ),
                        (false, false) => (
                            "response-optional-property-added",
                            "optional property added",
                        ),
                    };
                    self.emit_id(id, &sub, Side::Head, *hloc, what.into());
                }
                (true, false) => {
                    let bloc = b_entry.map(|e| e.1).unwrap_or_default();
                    self.removed_property(&sub, b_req, bloc, b_entry.map(|e| e.0))?;
                }
                (true, true) => {
                    if b_req != h_req {
                        let loc = if h_req { h.loc("required") } else { *hloc };
                        let with_default = View::build(head_docs, *hs)?.get("default").is_some();
                        let (id, what) = match (request, h_req) {
                            (true, true) if with_default => (
                                "request-property-became-required-with-default",
                                "became required (its default does not make it optional)",
                            ),
                            (true, true) => ("request-property-became-required", "became required"),
                            (true, false) => {
                                ("request-property-became-optional", "became optional")
                            }
                            (false, true) => {
                                ("response-property-became-required", "became required")
                            }
                            (false, false) => {
                                ("response-property-became-optional", "became optional")
                            }
                        };
                        self.emit_id(id, &sub, Side::Head, loc, what.into());
                    }
                    if let Some((bs, _)) = b_entry {
                        let bv = View::build(base_docs, *bs)?;
                        let hv = View::build(head_docs, *hs)?;
                        let (bd, hd) = (bv.flag("deprecated"), hv.flag("deprecated"));
                        if !bd && hd {
                            let loc = hv.loc("deprecated");
                            let ext = self.sink.opts.sunset_extension.clone();
                            match hv.get(&ext).map(|n| {
                                crate::gates::openapi::policy::parse_date(&n.node.display())
                            }) {
                                Some(Some(d)) => {
                                    self.emit(
                                        "deprecated-with-sunset",
                                        &sub,
                                        Side::Head,
                                        loc,
                                        format!("deprecated, sunset {d}"),
                                    );
                                    let policy = self.sink.op_policy;
                                    if let Some(days) = policy.too_soon(&self.sink.opts.today, &d) {
                                        self.emit(
                                            "sunset-date-too-small",
                                            &sub,
                                            Side::Head,
                                            hv.loc(&ext),
                                            format!(
                                                "deprecated with sunset {d}, {days} day(s) from today; the policy asks for at least {} (min_sunset_days)",
                                                policy.min_sunset_days
                                            ),
                                        );
                                    }
                                }
                                Some(None) => self.emit(
                                    "deprecated-sunset-invalid",
                                    &sub,
                                    Side::Head,
                                    hv.loc(&ext),
                                    format!("deprecated with an invalid sunset date ({ext})"),
                                ),
                                None if self.sink.op_policy.require_sunset_on_deprecation => self
                                    .emit(
                                        "deprecated-sunset-missing",
                                        &sub,
                                        Side::Head,
                                        loc,
                                        format!("deprecated without a sunset date ({ext})"),
                                    ),
                                None => self.emit(
                                    "deprecated",
                                    &sub,
                                    Side::Head,
                                    loc,
                                    "deprecated".into(),
                                ),
                            }
                        } else if bd && !hd {
                            self.emit(
                                "reactivated",
                                &sub,
                                Side::Head,
                                *hloc,
                                "no longer deprecated".into(),
                            );
                        }
                        self.stability(&bv, &hv, &sub);
                        self.compare(*bs, *hs, &sub)?;
                    }
                }
            }
        }
        for (name, (bs, bloc)) in &bp {
            if hp.contains_key(name) || !self.visible(base_docs, *bs)? {
                continue;
            }
            let sub = path_join(path, name);
            self.removed_property(&sub, br.contains(name), *bloc, Some(*bs))?;
        }
        Ok(())
    }

    /// A property's own `x-stability-level` must not decrease (stable → beta).
    fn stability(&mut self, b: &View<'a>, h: &View<'a>, sub: &str) {
        let ext = &self.sink.opts.stability_extension;
        let level = |v: &View<'a>| v.text(ext);
        let (Some(bl), Some(hl)) = (level(b), level(h)) else {
            return;
        };
        let rank = |l: &str| STABILITY.iter().position(|s| *s == l);
        if let (Some(bi), Some(hi)) = (rank(&bl), rank(&hl))
            && hi < bi
        {
            let id = match self.dir {
                Direction::Request => "request-property-stability-decreased",
                Direction::Response => "response-property-stability-decreased",
            };
            let loc = h.loc(ext);
            self.emit_id(
                id,
                sub,
                Side::Head,
                loc,
                format!("stability decreased from {bl} to {hl}"),
            );
        }
    }

    fn removed_property(
        &mut self,
        sub: &str,
        required: bool,
        bloc: Loc,
        prop: Option<At<'a>>,
    ) -> Result<()> {
        let opts = self.sink.opts;
        if self.dir == Direction::Response && opts.require_deprecation_before_removal {
            // The deprecation policy: deprecate (with a sunset date) before removing.
            let (deprecated, sunset) = match prop {
                Some(p) => {
                    let v = View::build(self.sink.base.docs, p)?;
                    let sunset = v
                        .first()
                        .and_then(|f| sunset_of(f.node, &opts.sunset_extension));
                    (v.flag("deprecated"), sunset)
                }
                None => (false, None),
            };
            let (verdict, detail) = removal_verdict(deprecated, sunset, opts, "property removed");
            let id = match verdict {
                "with-deprecation" => "response-property-removed-with-deprecation",
                "before-sunset" => "response-property-removed-before-sunset",
                _ if required => "response-required-property-removed",
                _ => "response-property-removed-without-deprecation",
            };
            self.emit_id(id, sub, Side::Base, bloc, detail);
            return Ok(());
        }
        let id = match (self.dir, required) {
            (Direction::Request, _) => "request-property-removed",
            (Direction::Response, true) => "response-required-property-removed",
            (Direction::Response, false) => "response-optional-property-removed",
        };
        self.emit_id(id, sub, Side::Base, bloc, "property removed".into());
        Ok(())
    }

    fn alternatives(
        &mut self,
        key: &str,
        frag: &str,
        b: &View<'a>,
        h: &View<'a>,
        path: &str,
    ) -> Result<()> {
        let (ba, ha) = (b.get(key), h.get(key));
        if ba.is_none() && ha.is_none() {
            return Ok(());
        }
        // Type-only alternatives were compared as a list of types.
        let typeish =
            |v: &View<'a>, a: Option<At<'a>>| a.is_none() || v.type_only_alternatives().is_some();
        if typeish(b, ba) && typeish(h, ha) && !b.types().0.is_empty() && !h.types().0.is_empty() {
            return Ok(());
        }
        let branches = |a: Option<At<'a>>| -> Vec<(Option<String>, At<'a>)> {
            a.map(|a| {
                a.node
                    .items()
                    .iter()
                    .map(|n| {
                        let name = ref_of(n)
                            .map(|r| ref_name(r).to_string())
                            .or_else(|| n.str_of("title").map(str::to_string));
                        (
                            name,
                            At {
                                doc: a.doc,
                                node: n,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        let bb = branches(ba);
        let hb = branches(ha);
        let mut used = vec![false; hb.len()];
        let mut unmatched_base = Vec::new();
        for (bn, bat) in &bb {
            let found = match bn {
                Some(n) => hb
                    .iter()
                    .enumerate()
                    .position(|(i, (hn, _))| !used[i] && hn.as_deref() == Some(n)),
                None => None,
            };
            match found {
                Some(i) => {
                    used[i] = true;
                    let sub = path_join(path, &format!("{key}/{}", bn.as_deref().unwrap_or("")));
                    self.compare(*bat, hb[i].1, &sub)?;
                }
                None => unmatched_base.push((bn.clone(), *bat)),
            }
        }
        let mut unmatched_head: Vec<(Option<String>, At<'a>)> = hb
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(_, x)| x.clone())
            .collect();
        // Leftovers with the same content are the same branch under another
        // name (a renamed component, or `$ref` replaced by its inline schema).
        let canon = |docs: &'a Docs, at: At<'a>| docs.resolve(at).map(|r| r.node.canonical()).ok();
        let (base_docs, head_docs) = (self.sink.base.docs, self.sink.head.docs);
        let mut i = 0;
        while i < unmatched_base.len() {
            let bc = canon(base_docs, unmatched_base[i].1);
            let j = unmatched_head
                .iter()
                .position(|(_, hat)| bc.is_some() && canon(head_docs, *hat) == bc);
            match j {
                Some(j) => {
                    unmatched_base.remove(i);
                    unmatched_head.remove(j);
                }
                None => i += 1,
            }
        }
        // Unnamed leftovers on both sides are paired in order (a change inside a branch).
        let mut i = 0;
        while i < unmatched_base.len() {
            if unmatched_base[i].0.is_none()
                && let Some(j) = unmatched_head.iter().position(|(n, _)| n.is_none())
            {
                let (_, bat) = unmatched_base.remove(i);
                let (_, hat) = unmatched_head.remove(j);
                let sub = path_join(path, &format!("{key}/{i}"));
                self.compare(bat, hat, &sub)?;
            } else {
                i += 1;
            }
        }
        for (name, hat) in unmatched_head {
            let what = format!("{key} alternative {} added", describe(name, hat));
            self.emit(
                &format!("{frag}-added"),
                path,
                Side::Head,
                Loc::of(hat),
                what,
            );
        }
        for (name, bat) in unmatched_base {
            let what = format!("{key} alternative {} removed", describe(name, bat));
            self.emit(
                &format!("{frag}-removed"),
                path,
                Side::Base,
                Loc::of(bat),
                what,
            );
        }
        Ok(())
    }
}
