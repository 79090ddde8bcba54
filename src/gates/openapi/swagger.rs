//! Swagger 2.0 conversions done on the document tree before the model is
//! built: `in: formData` parameters become one request body whose schema is
//! an object with a property per form field (required fields in `required`),
//! as Swagger → OpenAPI 3 converters do. The model then gives it the form
//! media type(s) of `consumes`. Every moved node keeps its line.
//! Not for: the rest of the Swagger 2.0 mapping (see `model`).

use super::model::METHODS;
use super::tree::{Entry, Node, Value};

/// Marks the synthesized body parameter (the model picks form media types for it).
pub const FORM_MARK: &str = "x-shipgate-form";

/// Media types a form body can be sent as.
pub const FORM_MEDIA_TYPES: [&str; 2] =
    ["application/x-www-form-urlencoded", "multipart/form-data"];

/// Rewrite every operation's `formData` parameters (its own and its path
/// item's) into one `in: body` parameter marked [`FORM_MARK`].
pub fn form_bodies(root: &mut Node) {
    let defs = root.get("parameters").cloned();
    let resolve = |p: &Node| -> Node {
        match p
            .str_of("$ref")
            .and_then(|r| r.strip_prefix("#/parameters/"))
            .and_then(|name| defs.as_ref().and_then(|d| d.get(name)))
        {
            Some(target) => target.clone(),
            None => p.clone(),
        }
    };
    let Some(Value::Map(paths)) = root_paths(root) else {
        return;
    };
    for path in paths.iter_mut() {
        let Value::Map(item) = &mut path.value.value else {
            continue;
        };
        let shared = take_form(item, &resolve);
        for e in item.iter_mut() {
            if !METHODS.contains(&e.key.as_str()) {
                continue;
            }
            let Value::Map(op) = &mut e.value.value else {
                continue;
            };
            let own = take_form(op, &resolve);
            let mut fields: Vec<Node> = shared
                .iter()
                .filter(|s| !own.iter().any(|o| o.str_of("name") == s.str_of("name")))
                .cloned()
                .collect();
            fields.extend(own);
            if fields.is_empty() {
                continue;
            }
            let body = form_body(&fields);
            match op.iter_mut().find(|e| e.key == "parameters") {
                Some(Entry {
                    value:
                        Node {
                            value: Value::Seq(list),
                            ..
                        },
                    ..
                }) => list.push(body),
                _ => {
                    let line = body.line;
                    op.push(entry("parameters", line, Value::Seq(vec![body])));
                }
            }
        }
    }
}

fn root_paths(root: &mut Node) -> Option<&mut Value> {
    match &mut root.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|e| e.key == "paths")
            .map(|e| &mut e.value.value),
        _ => None,
    }
}

/// Remove the `formData` parameters of a path item or operation; return them resolved.
fn take_form(map: &mut [Entry], resolve: &dyn Fn(&Node) -> Node) -> Vec<Node> {
    let Some(Entry {
        value: Node {
            value: Value::Seq(list),
            ..
        },
        ..
    }) = map.iter_mut().find(|e| e.key == "parameters")
    else {
        return Vec::new();
    };
    let mut form = Vec::new();
    list.retain(|p| {
        let r = resolve(p);
        if r.str_of("in") == Some("formData") {
            // Keep the line of the reference (where the operation names it).
            form.push(Node {
                line: p.line,
                value: r.value,
            });
            false
        } else {
            true
        }
    });
    form
}

fn entry(key: &str, line: u32, value: Value) -> Entry {
    Entry {
        key: key.to_string(),
        key_line: line,
        value: Node { line, value },
    }
}

/// `{in: body, name: formData, required, x-shipgate-form: true, schema: {type: object, properties, required}}`.
fn form_body(fields: &[Node]) -> Node {
    let line = fields.first().map(|f| f.line).unwrap_or(1);
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for f in fields {
        let name = f.str_of("name").unwrap_or("").to_string();
        if f.flag("required") {
            required.push(Node {
                line: f.line,
                value: Value::Str(name.clone()),
            });
        }
        // The field's schema is the parameter itself, minus what makes it a parameter.
        let schema = match &f.value {
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .filter(|e| !matches!(e.key.as_str(), "in" | "name" | "required"))
                    .cloned()
                    .collect(),
            ),
            other => other.clone(),
        };
        properties.push(Entry {
            key: name,
            key_line: f.line,
            value: Node {
                line: f.line,
                value: schema,
            },
        });
    }
    let any_required = !required.is_empty();
    let mut schema = vec![
        entry("type", line, Value::Str("object".into())),
        entry("properties", line, Value::Map(properties)),
    ];
    if any_required {
        schema.push(entry("required", line, Value::Seq(required)));
    }
    Node {
        line,
        value: Value::Map(vec![
            entry("in", line, Value::Str("body".into())),
            entry("name", line, Value::Str("formData".into())),
            entry("required", line, Value::Bool(any_required)),
            entry(FORM_MARK, line, Value::Bool(true)),
            entry("schema", line, Value::Map(schema)),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::openapi::tree::parse;

    #[test]
    fn form_fields_become_one_body_with_an_object_schema() {
        let mut root = parse(
            "swagger: '2.0'\nparameters:\n  lang: {name: lang, in: formData, type: string}\npaths:\n  /p:\n    parameters:\n      - {$ref: '#/parameters/lang'}\n    post:\n      parameters:\n        - {name: id, in: query, type: string}\n        - {name: file, in: formData, type: file, required: true}\n",
        )
        .unwrap();
        form_bodies(&mut root);
        let op = root
            .get("paths")
            .unwrap()
            .get("/p")
            .unwrap()
            .get("post")
            .unwrap();
        let params = op.get("parameters").unwrap().items();
        assert_eq!(params.len(), 2);
        assert_eq!(params[0].str_of("in"), Some("query"));
        let body = &params[1];
        assert_eq!(body.str_of("in"), Some("body"));
        assert!(body.flag("required") && body.flag(FORM_MARK));
        let schema = body.get("schema").unwrap();
        let props = schema.get("properties").unwrap();
        assert_eq!(props.get("file").unwrap().str_of("type"), Some("file"));
        assert_eq!(props.get("lang").unwrap().str_of("type"), Some("string"));
        assert_eq!(props.entry("file").unwrap().key_line, 11);
        assert_eq!(props.entry("lang").unwrap().key_line, 7);
        assert!(props.get("file").unwrap().get("in").is_none());
        assert_eq!(
            schema.get("required").unwrap().items()[0].as_str(),
            Some("file")
        );
        // The path item's formData parameter moved into the operation's body.
        let item = root.get("paths").unwrap().get("/p").unwrap();
        assert!(item.get("parameters").unwrap().items().is_empty());
    }
}
