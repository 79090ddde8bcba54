//! The OpenAPI model the diff works on: operations keyed by method and
//! normalized path template, parameters keyed by (in, name), request bodies,
//! responses per status and media type, headers and security, each with the
//! file and line it came from. OpenAPI 3.0, 3.1 and Swagger 2.0 all load
//! into this one model. Schemas stay as positioned tree nodes (see `schema`).
//! Not for: comparing (see `diff`).

use super::refs::{At, Docs};
use super::tree::Node;
use anyhow::{Result, anyhow};
use std::collections::BTreeMap;

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Swagger2,
    OpenApi30,
    OpenApi31,
}

/// A place in one of the spec's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub doc: usize,
    pub line: u32,
}

impl Loc {
    pub fn of(at: At<'_>) -> Loc {
        Loc {
            doc: at.doc,
            line: at.node.line,
        }
    }

    /// The line of key `key` in `at` (the node's own line when absent).
    pub fn key(at: At<'_>, key: &str) -> Loc {
        Loc {
            doc: at.doc,
            line: at.node.key_line(key),
        }
    }
}

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug)]
pub struct Spec<'a> {
    pub docs: &'a Docs,
    pub flavor: Flavor,
    /// `info.version` and where it is.
    pub version: Option<(String, Loc)>,
    pub info: Loc,
    /// By normalized path template (`/users/{}`).
    pub paths: BTreeMap<String, PathItem<'a>>,
    pub webhooks: BTreeMap<String, PathItem<'a>>,
    /// The document-wide security requirements (where declared).
    pub security: Option<(Vec<SecReq>, Loc)>,
    /// Security schemes by name: where each is declared, and its definition.
    pub security_schemes: BTreeMap<String, (Loc, At<'a>)>,
}

#[derive(Debug)]
pub struct PathItem<'a> {
    /// As written (`/users/{userId}`).
    pub template: String,
    pub loc: Loc,
    pub node: At<'a>,
    pub ops: BTreeMap<&'static str, Operation<'a>>,
}

#[derive(Debug)]
pub struct Operation<'a> {
    pub method: &'static str,
    pub template: String,
    /// Line of the method key.
    pub loc: Loc,
    pub node: At<'a>,
    pub deprecated: bool,
    pub operation_id: Option<String>,
    /// By (in, name); path parameters by their position in the template.
    pub params: BTreeMap<(String, String), Param<'a>>,
    pub body: Option<Body<'a>>,
    pub responses: BTreeMap<String, Response<'a>>,
    /// Operation-level requirements (`None`: inherits the document's).
    pub security: Option<(Vec<SecReq>, Loc)>,
    /// Callbacks by name.
    pub callbacks: BTreeMap<String, Callback<'a>>,
}

impl Operation<'_> {
    /// `GET /users/{id}`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.template)
    }
}

/// A callback: where it is declared, and its path items by runtime expression.
pub type Callback<'a> = (Loc, BTreeMap<String, PathItem<'a>>);

#[derive(Debug, Clone)]
pub struct Param<'a> {
    pub location: String,
    pub name: String,
    pub required: bool,
    pub deprecated: bool,
    /// Declared on the path item (applies to every operation of the path).
    pub shared: bool,
    pub loc: Loc,
    pub node: At<'a>,
    pub schema: Option<At<'a>>,
}

#[derive(Debug)]
pub struct Body<'a> {
    pub required: bool,
    pub loc: Loc,
    pub content: BTreeMap<String, Media<'a>>,
}

#[derive(Debug)]
pub struct Media<'a> {
    pub loc: Loc,
    pub schema: Option<At<'a>>,
}

#[derive(Debug)]
pub struct Response<'a> {
    pub loc: Loc,
    pub content: BTreeMap<String, Media<'a>>,
    /// By lower-cased header name.
    pub headers: BTreeMap<String, Header<'a>>,
    /// Links (OpenAPI 3) by name: where each is declared, and its definition.
    pub links: BTreeMap<String, (Loc, At<'a>)>,
}

#[derive(Debug)]
pub struct Header<'a> {
    pub name: String,
    pub required: bool,
    pub loc: Loc,
    pub schema: Option<At<'a>>,
}

/// One security requirement: scheme name → scopes (all must hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecReq {
    pub schemes: BTreeMap<String, Vec<String>>,
}

/// The top-level key that makes a document an API description, if any.
pub fn detect(root: &Node) -> Option<Flavor> {
    if let Some(v) = root.get("openapi") {
        let text = v.display();
        return Some(if text.starts_with("3.1") || text.starts_with("3.2") {
            Flavor::OpenApi31
        } else {
            Flavor::OpenApi30
        });
    }
    root.get("swagger").map(|_| Flavor::Swagger2)
}

/// Quick textual check used before parsing changed files: does the text
/// have a top-level `openapi:` / `swagger:` key (YAML) or member (JSON)?
pub fn looks_like_spec(text: &str) -> bool {
    let head: String = text.chars().take(8192).collect();
    // `openapi: 3.x` / `swagger: "2.0"`, as a top-level YAML key or a JSON member.
    let versioned = |rest: &str, major: char| {
        rest.trim_start()
            .trim_start_matches(['"', '\''])
            .starts_with(major)
    };
    let yaml = head.lines().any(|l| {
        let l = l.trim_end();
        [("openapi", '3'), ("swagger", '2')]
            .iter()
            .any(|(key, major)| {
                [
                    format!("{key}:"),
                    format!("\"{key}\":"),
                    format!("'{key}':"),
                ]
                .iter()
                .any(|k| {
                    l.strip_prefix(k.as_str())
                        .is_some_and(|rest| versioned(rest, *major))
                })
            })
    });
    yaml || {
        let t = head.trim_start();
        t.starts_with('{')
            && [("\"openapi\"", '3'), ("\"swagger\"", '2')]
                .iter()
                .any(|(key, major)| {
                    t.match_indices(key).any(|(at, _)| {
                        t[at + key.len()..]
                            .trim_start()
                            .strip_prefix(':')
                            .is_some_and(|rest| versioned(rest, *major))
                    })
                })
    }
}

/// `/users/{id}/posts/{postId}` → `/users/{}/posts/{}`, and the parameter names in order.
pub fn normalize_template(template: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len());
    let mut names = Vec::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c == '{' {
            let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
            names.push(name);
            out.push_str("{}");
        } else {
            out.push(c);
        }
    }
    // A trailing slash is kept: many frameworks route `/users/` and `/users` apart.
    (out, names)
}

impl<'a> Spec<'a> {
    pub fn build(docs: &'a Docs) -> Result<Spec<'a>> {
        let root = docs.root();
        let flavor = detect(root.node).ok_or_else(|| {
            anyhow!(
                "{}:1: expected a top-level `openapi:` or `swagger:` key",
                docs.path(0)
            )
        })?;
        let info = root.get("info");
        let version = info.and_then(|i| {
            i.get("version")
                .map(|v| (v.node.display(), Loc::key(i, "version")))
        });
        let mut spec = Spec {
            docs,
            flavor,
            version,
            info: info.map(Loc::of).unwrap_or(Loc { doc: 0, line: 1 }),
            paths: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            security: security_of(root),
            security_schemes: BTreeMap::new(),
        };
        let schemes = match flavor {
            Flavor::Swagger2 => root.get("securityDefinitions"),
            _ => root
                .get("components")
                .and_then(|c| c.get("securitySchemes")),
        };
        if let Some(schemes) = schemes {
            for e in schemes.node.entries() {
                let def = docs.resolve(At {
                    doc: schemes.doc,
                    node: &e.value,
                })?;
                let loc = Loc {
                    doc: schemes.doc,
                    line: e.key_line,
                };
                spec.security_schemes.insert(e.key.clone(), (loc, def));
            }
        }
        let b = Builder { docs, flavor, root };
        if let Some(paths) = root.get("paths") {
            b.path_items(paths, &mut spec.paths, false)?;
        }
        if let Some(hooks) = root.get("webhooks") {
            b.path_items(hooks, &mut spec.webhooks, true)?;
        }
        Ok(spec)
    }

    /// Where a location is, as (path, line).
    pub fn place(&self, loc: Loc) -> (&str, u32) {
        (self.docs.path(loc.doc), loc.line)
    }
}

fn security_of(at: At<'_>) -> Option<(Vec<SecReq>, Loc)> {
    let sec = at.get("security")?;
    let reqs = sec
        .node
        .items()
        .iter()
        .map(|r| SecReq {
            schemes: r
                .entries()
                .iter()
                .map(|e| {
                    let mut scopes: Vec<String> =
                        e.value.items().iter().map(|s| s.display()).collect();
                    scopes.sort();
                    (e.key.clone(), scopes)
                })
                .collect(),
        })
        .collect();
    Some((reqs, Loc::key(at, "security")))
}

struct Builder<'a> {
    docs: &'a Docs,
    flavor: Flavor,
    root: At<'a>,
}

impl<'a> Builder<'a> {
    fn path_items(
        &self,
        paths: At<'a>,
        out: &mut BTreeMap<String, PathItem<'a>>,
        hooks: bool,
    ) -> Result<()> {
        for e in paths.node.entries() {
            if e.key.starts_with("x-") {
                continue;
            }
            let raw = At {
                doc: paths.doc,
                node: &e.value,
            };
            let item = self.docs.resolve(raw)?;
            // Swagger 2.0 paths are relative to `basePath`: changing it moves every URL.
            let template = match (self.flavor, self.root.node.str_of("basePath")) {
                (Flavor::Swagger2, Some(base))
                    if !base.trim_end_matches('/').is_empty() && !hooks =>
                {
                    format!("{}{}", base.trim_end_matches('/'), e.key)
                }
                _ => e.key.clone(),
            };
            let (norm, names) = normalize_template(&template);
            let key_loc = Loc {
                doc: paths.doc,
                line: e.key_line,
            };
            let mut path = PathItem {
                template: template.clone(),
                loc: key_loc,
                node: item,
                ops: BTreeMap::new(),
            };
            let mut shared = self.params(item.get("parameters"), &names)?;
            for p in &mut shared {
                p.shared = true;
            }
            for method in METHODS {
                let Some(op_node) = item.get(method) else {
                    continue;
                };
                let op_node = self.docs.resolve(op_node)?;
                let op = self.operation(
                    method,
                    &template,
                    &names,
                    op_node,
                    Loc::key(item, method),
                    &shared,
                )?;
                path.ops.insert(method, op);
            }
            out.entry(norm).or_insert(path);
        }
        Ok(())
    }

    fn operation(
        &self,
        method: &'static str,
        template: &str,
        names: &[String],
        node: At<'a>,
        loc: Loc,
        shared: &[Param<'a>],
    ) -> Result<Operation<'a>> {
        let mut params: BTreeMap<(String, String), Param<'a>> = BTreeMap::new();
        let own = self.params(node.get("parameters"), names)?;
        let mut body = None;
        for p in shared.iter().chain(own.iter()) {
            if p.location == "body" {
                body = Some(self.swagger_body(node, p));
            }
        }
        let mut unnamed_path = Vec::new();
        for p in shared.iter().cloned().chain(own) {
            if p.location == "body" {
                continue;
            }
            if p.location == "path" && !names.contains(&p.name) {
                unnamed_path.push(p);
                continue;
            }
            params.insert(param_key(&p, names), p);
        }
        // Path parameters whose name is not in the template (a spec mistake)
        // take the template positions no named parameter took, in order.
        let mut free = (0..names.len())
            .map(|i| ("path".to_string(), format!("#{i}")))
            .filter(|k| !params.contains_key(k))
            .collect::<Vec<_>>()
            .into_iter();
        for p in unnamed_path {
            let key = free
                .next()
                .unwrap_or_else(|| ("path".to_string(), p.name.clone()));
            params.insert(key, p);
        }
        if body.is_none() {
            body = self.request_body(node)?;
        }
        let mut responses = BTreeMap::new();
        if let Some(rs) = node.get("responses") {
            for e in rs.node.entries() {
                if e.key.starts_with("x-") {
                    continue;
                }
                let r = self.docs.resolve(At {
                    doc: rs.doc,
                    node: &e.value,
                })?;
                let loc = Loc {
                    doc: rs.doc,
                    line: e.key_line,
                };
                let status = if e.key.eq_ignore_ascii_case("default") {
                    "default".to_string()
                } else {
                    e.key.to_ascii_uppercase()
                };
                responses.insert(status, self.response(node, r, loc)?);
            }
        }
        Ok(Operation {
            method,
            template: template.to_string(),
            loc,
            node,
            deprecated: node.node.flag("deprecated"),
            operation_id: node.node.str_of("operationId").map(str::to_string),
            params,
            body,
            responses,
            security: security_of(node),
            callbacks: self.callbacks(node)?,
        })
    }

    fn callbacks(&self, op: At<'a>) -> Result<BTreeMap<String, Callback<'a>>> {
        let mut out = BTreeMap::new();
        let Some(cbs) = op.get("callbacks") else {
            return Ok(out);
        };
        for e in cbs.node.entries() {
            let cb = self.docs.resolve(At {
                doc: cbs.doc,
                node: &e.value,
            })?;
            let mut items = BTreeMap::new();
            // Callback path items are keyed by their runtime expression, as written.
            self.path_items(cb, &mut items, true)?;
            let loc = Loc {
                doc: cbs.doc,
                line: e.key_line,
            };
            out.insert(e.key.clone(), (loc, items));
        }
        Ok(out)
    }

    fn params(&self, list: Option<At<'a>>, _names: &[String]) -> Result<Vec<Param<'a>>> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in list.node.items() {
            let raw = At {
                doc: list.doc,
                node: item,
            };
            let p = self.docs.resolve(raw)?;
            let location = p.node.str_of("in").unwrap_or("").to_string();
            let name = p.node.str_of("name").unwrap_or("").to_string();
            let schema = match self.flavor {
                Flavor::Swagger2 if location == "body" => p.get("schema"),
                Flavor::Swagger2 => Some(p),
                _ => p.get("schema").or_else(|| {
                    p.get("content").and_then(|c| {
                        c.node.entries().first().and_then(|e| {
                            At {
                                doc: c.doc,
                                node: &e.value,
                            }
                            .get("schema")
                        })
                    })
                }),
            };
            // OpenAPI: header parameters named Accept, Content-Type or
            // Authorization are ignored (media types and security cover them).
            if self.flavor != Flavor::Swagger2
                && location == "header"
                && ["accept", "content-type", "authorization"]
                    .contains(&name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            out.push(Param {
                required: location == "path" || p.node.flag("required"),
                deprecated: p.node.flag("deprecated"),
                shared: false,
                loc: Loc::of(raw),
                location,
                name,
                node: p,
                schema,
            });
        }
        Ok(out)
    }

    fn swagger_body(&self, op: At<'a>, p: &Param<'a>) -> Body<'a> {
        let mut types = self.media_types(op, "consumes");
        if p.node.node.flag(super::swagger::FORM_MARK) {
            // Form fields travel as one of the form media types of `consumes`.
            types.retain(|t| super::swagger::FORM_MEDIA_TYPES.contains(&t.as_str()));
            if types.is_empty() {
                let file = p
                    .schema
                    .and_then(|s| s.node.get("properties"))
                    .is_some_and(|props| {
                        props
                            .entries()
                            .iter()
                            .any(|e| e.value.str_of("type") == Some("file"))
                    });
                let default = if file { 1 } else { 0 };
                types.push(super::swagger::FORM_MEDIA_TYPES[default].to_string());
            }
        }
        let content = types
            .into_iter()
            .map(|mt| {
                (
                    mt,
                    Media {
                        loc: p.loc,
                        schema: p.schema,
                    },
                )
            })
            .collect();
        Body {
            required: p.required,
            loc: p.loc,
            content,
        }
    }

    /// Swagger 2.0 `consumes`/`produces` of the operation, else the document, else JSON.
    fn media_types(&self, op: At<'a>, key: &str) -> Vec<String> {
        let list = op.node.get(key).or_else(|| self.root.node.get(key));
        let mut out: Vec<String> = list
            .map(|l| l.items().iter().map(|m| m.display()).collect())
            .unwrap_or_default();
        if out.is_empty() {
            out.push("application/json".to_string());
        }
        out
    }

    fn request_body(&self, op: At<'a>) -> Result<Option<Body<'a>>> {
        let Some(raw) = op.get("requestBody") else {
            return Ok(None);
        };
        let rb = self.docs.resolve(raw)?;
        Ok(Some(Body {
            required: rb.node.flag("required"),
            loc: Loc::key(op, "requestBody"),
            content: self.content(rb)?,
        }))
    }

    fn content(&self, at: At<'a>) -> Result<BTreeMap<String, Media<'a>>> {
        let mut out = BTreeMap::new();
        if let Some(c) = at.get("content") {
            for e in c.node.entries() {
                let m = At {
                    doc: c.doc,
                    node: &e.value,
                };
                out.insert(
                    e.key.to_ascii_lowercase(),
                    Media {
                        loc: Loc {
                            doc: c.doc,
                            line: e.key_line,
                        },
                        schema: m.get("schema"),
                    },
                );
            }
        }
        Ok(out)
    }

    fn response(&self, op: At<'a>, r: At<'a>, loc: Loc) -> Result<Response<'a>> {
        let content = match self.flavor {
            Flavor::Swagger2 => match r.get("schema") {
                Some(schema) => self
                    .media_types(op, "produces")
                    .into_iter()
                    .map(|mt| {
                        (
                            mt,
                            Media {
                                loc: Loc::key(r, "schema"),
                                schema: Some(schema),
                            },
                        )
                    })
                    .collect(),
                None => BTreeMap::new(),
            },
            _ => self.content(r)?,
        };
        let mut headers = BTreeMap::new();
        if let Some(hs) = r.get("headers") {
            for e in hs.node.entries() {
                let h = self.docs.resolve(At {
                    doc: hs.doc,
                    node: &e.value,
                })?;
                let schema = match self.flavor {
                    Flavor::Swagger2 => Some(h),
                    _ => h.get("schema"),
                };
                headers.insert(
                    e.key.to_ascii_lowercase(),
                    Header {
                        name: e.key.clone(),
                        required: h.node.flag("required"),
                        loc: Loc {
                            doc: hs.doc,
                            line: e.key_line,
                        },
                        schema,
                    },
                );
            }
        }
        let mut links = BTreeMap::new();
        if let Some(ls) = r.get("links") {
            for e in ls.node.entries() {
                let def = self.docs.resolve(At {
                    doc: ls.doc,
                    node: &e.value,
                })?;
                let loc = Loc {
                    doc: ls.doc,
                    line: e.key_line,
                };
                links.insert(e.key.clone(), (loc, def));
            }
        }
        Ok(Response {
            loc,
            content,
            headers,
            links,
        })
    }
}

/// (in, name), with path parameters keyed by their position in the template
/// so that renaming `{id}` to `{userId}` is not a removal plus an addition.
fn param_key(p: &Param<'_>, names: &[String]) -> (String, String) {
    if p.location == "path"
        && let Some(i) = names.iter().position(|n| *n == p.name)
    {
        return ("path".to_string(), format!("#{i}"));
    }
    let name = if p.location == "header" {
        p.name.to_ascii_lowercase()
    } else {
        p.name.clone()
    };
    (p.location.clone(), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Docs {
        let mut none = |_: &str| Ok(None);
        Docs::load("api.yaml", text.as_bytes(), &mut none).unwrap()
    }

    #[test]
    fn templates_normalize_and_path_params_key_by_position() {
        assert_eq!(normalize_template("/u/{id}/p/{pid}").0, "/u/{}/p/{}");
        assert_eq!(normalize_template("/u/").0, "/u/");
        let docs = load(
            "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /u/{userId}:\n    parameters:\n      - {name: userId, in: path, required: true, schema: {type: string}}\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n",
        );
        let spec = Spec::build(&docs).unwrap();
        let op = &spec.paths["/u/{}"].ops["get"];
        assert!(op.params.contains_key(&("path".into(), "#0".into())));
        assert!(op.params.contains_key(&("query".into(), "q".into())));
        assert_eq!(op.loc.line, 7);
        assert_eq!(spec.version.as_ref().unwrap().0, "1.0.0");
    }

    #[test]
    fn swagger2_body_and_responses_map_to_the_same_model() {
        let docs = load(
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\nconsumes: [application/json]\npaths:\n  /p:\n    post:\n      parameters:\n        - {name: b, in: body, required: true, schema: {type: object}}\n        - {name: n, in: query, type: integer, maximum: 5}\n      responses:\n        200: {description: ok, schema: {type: string}}\n",
        );
        let spec = Spec::build(&docs).unwrap();
        assert_eq!(spec.flavor, Flavor::Swagger2);
        let op = &spec.paths["/p"].ops["post"];
        assert!(op.body.as_ref().unwrap().required);
        assert!(
            op.body
                .as_ref()
                .unwrap()
                .content
                .contains_key("application/json")
        );
        let n = &op.params[&("query".to_string(), "n".to_string())];
        assert_eq!(n.schema.unwrap().node.str_of("type"), Some("integer"));
        assert!(op.responses["200"].content.contains_key("application/json"));
    }

    #[test]
    fn detects_spec_files_by_top_level_key() {
        assert!(looks_like_spec("openapi: 3.1.0\n"));
        assert!(looks_like_spec("{\n  \"swagger\": \"2.0\"}"));
        assert!(!looks_like_spec("name: app\nopenapi_like: no\n"));
        assert!(!looks_like_spec("openapi:\n  enabled: true\n"));
        assert!(looks_like_spec("{\"info\": {}, \"openapi\" : \"3.1.0\"}"));
        assert!(looks_like_spec("swagger: '2.0'\n"));
    }
}
