//! Comparing security: the requirements of each operation and of the whole
//! document (alternatives added or removed, scopes needed), and the security
//! schemes themselves (type, API key location and name, OAuth flows, their
//! URLs and scopes). Requirements and schemes have no request/response
//! direction: what a client must send to be let in is judged as such.
//! Not for: operations, parameters or schemas (see `operations`, `schema`).

use super::Sink;
use crate::finding::Side;
use crate::gates::openapi::model::{Flavor, Loc, Operation, SecReq};
use crate::gates::openapi::refs::At;
use std::collections::BTreeMap;

fn req_text(r: &SecReq) -> String {
    r.schemes.keys().cloned().collect::<Vec<_>>().join(" + ")
}

fn joined(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compare two lists of requirement alternatives; `prefix` is `api` or `api-global`.
fn compare_requirements<'a>(
    sink: &mut Sink<'_, 'a>,
    b: &[SecReq],
    h: &[SecReq],
    hloc: Loc,
    bloc: Loc,
    label: &str,
    prefix: &str,
) {
    let key = |r: &SecReq| r.schemes.keys().cloned().collect::<Vec<_>>();
    let bmap: BTreeMap<Vec<String>, &SecReq> = b.iter().map(|r| (key(r), r)).collect();
    let hmap: BTreeMap<Vec<String>, &SecReq> = h.iter().map(|r| (key(r), r)).collect();
    for (k, hr) in &hmap {
        match bmap.get(k) {
            None => {
                // Adding an empty requirement (`{}`) makes the operation public: not a restriction.
                if !k.is_empty() {
                    sink.emit(
                        &format!("{prefix}-security-added"),
                        Side::Head,
                        hloc,
                        label,
                        format!("security requirement {} added", req_text(hr)),
                    );
                }
            }
            Some(br) => {
                for (scheme, scopes) in &hr.schemes {
                    let old = br.schemes.get(scheme).cloned().unwrap_or_default();
                    let added: Vec<&String> = scopes.iter().filter(|s| !old.contains(s)).collect();
                    let removed: Vec<&String> =
                        old.iter().filter(|s| !scopes.contains(s)).collect();
                    if !added.is_empty() {
                        sink.emit(
                            &format!("{prefix}-security-scope-added"),
                            Side::Head,
                            hloc,
                            label,
                            format!("security scheme {scheme} needs scope(s) {}", joined(&added)),
                        );
                    }
                    if !removed.is_empty() {
                        sink.emit(
                            &format!("{prefix}-security-scope-removed"),
                            Side::Head,
                            hloc,
                            label,
                            format!(
                                "security scheme {scheme} no longer needs scope(s) {}",
                                joined(&removed)
                            ),
                        );
                    }
                }
            }
        }
    }
    for (k, br) in &bmap {
        if !hmap.contains_key(k) {
            sink.emit(
                &format!("{prefix}-security-removed"),
                Side::Base,
                bloc,
                label,
                format!("security requirement {} removed", req_text(br)),
            );
        }
    }
}

/// The security requirements of one operation (its own, else the document's).
pub fn operation<'a>(sink: &mut Sink<'_, 'a>, b: &Operation<'a>, h: &Operation<'a>, label: &str) {
    let (base, head) = (sink.base, sink.head);
    if b.security.is_none() && h.security.is_none() {
        return;
    }
    let eff = |op: &Operation<'a>, doc: &Option<(Vec<SecReq>, Loc)>| -> (Vec<SecReq>, Loc) {
        match (&op.security, doc) {
            (Some((r, l)), _) => (r.clone(), *l),
            (None, Some((r, _))) => (r.clone(), op.loc),
            (None, None) => (Vec::new(), op.loc),
        }
    };
    let (br, bloc) = eff(b, &base.security);
    let (hr, hloc) = eff(h, &head.security);
    compare_requirements(sink, &br, &hr, hloc, bloc, label, "api");
}

/// The document-wide security requirements.
pub fn global<'a>(sink: &mut Sink<'_, 'a>) {
    let (base, head) = (sink.base, sink.head);
    let empty = Vec::new();
    let (br, bloc) = base
        .security
        .as_ref()
        .map(|(r, l)| (r, *l))
        .unwrap_or((&empty, base.info));
    let (hr, hloc) = head
        .security
        .as_ref()
        .map(|(r, l)| (r, *l))
        .unwrap_or((&empty, head.info));
    compare_requirements(sink, br, hr, hloc, bloc, "", "api-global");
}

/// Security schemes added, removed or changed.
pub fn schemes<'a>(sink: &mut Sink<'_, 'a>) {
    let (base, head) = (sink.base, sink.head);
    for (name, (loc, hdef)) in &head.security_schemes {
        match base.security_schemes.get(name) {
            None => sink.emit(
                "api-security-component-added",
                Side::Head,
                *loc,
                "",
                format!("security scheme {name} added"),
            ),
            Some((bloc, bdef)) => scheme(sink, name, *bloc, *bdef, *hdef),
        }
    }
    for (name, (loc, _)) in &base.security_schemes {
        if !head.security_schemes.contains_key(name) {
            sink.emit(
                "api-security-component-removed",
                Side::Base,
                *loc,
                "",
                format!("security scheme {name} removed"),
            );
        }
    }
}

/// `apiKey`, `http basic`, `oauth2`...: the kind of credential a scheme asks for.
fn kind(def: At<'_>) -> String {
    let t = def.node.str_of("type").unwrap_or("").to_string();
    match (t.as_str(), def.node.str_of("scheme")) {
        ("http", Some(s)) => format!("http {}", s.to_ascii_lowercase()),
        // Swagger 2.0 `basic` is OpenAPI 3 `http basic`.
        ("basic", _) => "http basic".to_string(),
        _ => t,
    }
}

/// OAuth flows by their OpenAPI 3 name. Swagger 2.0 has one flow per scheme,
/// with its URLs and scopes on the scheme itself.
fn flows<'a>(def: At<'a>, flavor: Flavor) -> BTreeMap<String, At<'a>> {
    if flavor == Flavor::Swagger2 {
        let name = match def.node.str_of("flow").unwrap_or("") {
            "application" => "clientCredentials",
            "accessCode" => "authorizationCode",
            other => other,
        };
        return BTreeMap::from([(name.to_string(), def)]);
    }
    def.get("flows")
        .map(|f| {
            f.node
                .entries()
                .iter()
                .filter(|e| !e.key.starts_with("x-"))
                .map(|e| {
                    (
                        e.key.clone(),
                        At {
                            doc: f.doc,
                            node: &e.value,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn scheme<'a>(sink: &mut Sink<'_, 'a>, name: &str, bloc: Loc, b: At<'a>, h: At<'a>) {
    let subject = format!("security scheme {name}");
    let (bk, hk) = (kind(b), kind(h));
    if bk != hk {
        sink.emit(
            "api-security-component-type-changed",
            Side::Head,
            Loc::key(h, "type"),
            &subject,
            format!("type changed from {bk} to {hk}"),
        );
        return;
    }
    match hk.as_str() {
        "apiKey" => {
            let (bin, hin) = (b.node.str_of("in"), h.node.str_of("in"));
            if bin != hin {
                sink.emit(
                    "api-security-component-api-key-location-changed",
                    Side::Head,
                    Loc::key(h, "in"),
                    &subject,
                    format!(
                        "API key moved from {} to {}",
                        bin.unwrap_or("(none)"),
                        hin.unwrap_or("(none)")
                    ),
                );
            }
            let (bn, hn) = (b.node.str_of("name"), h.node.str_of("name"));
            // Header names are case-insensitive.
            let same = match (bn, hn) {
                (Some(x), Some(y)) if hin == Some("header") => x.eq_ignore_ascii_case(y),
                _ => bn == hn,
            };
            if !same {
                sink.emit(
                    "api-security-component-api-key-name-changed",
                    Side::Head,
                    Loc::key(h, "name"),
                    &subject,
                    format!(
                        "API key name changed from {} to {}",
                        bn.unwrap_or("(none)"),
                        hn.unwrap_or("(none)")
                    ),
                );
            }
        }
        "openIdConnect" => url(sink, &subject, b, h, "openIdConnectUrl", ""),
        "oauth2" => {
            let (bf, hf) = (flows(b, sink.base.flavor), flows(h, sink.head.flavor));
            for (flow, hat) in &hf {
                let Some(bat) = bf.get(flow) else {
                    let loc = if sink.head.flavor == Flavor::Swagger2 {
                        Loc::key(h, "flow")
                    } else {
                        Loc::of(*hat)
                    };
                    sink.emit(
                        "api-security-component-oauth-flow-added",
                        Side::Head,
                        loc,
                        &subject,
                        format!("OAuth flow {flow} added"),
                    );
                    continue;
                };
                let ctx = format!("OAuth flow {flow}: ");
                url(sink, &subject, *bat, *hat, "authorizationUrl", &ctx);
                url(sink, &subject, *bat, *hat, "tokenUrl", &ctx);
                url(sink, &subject, *bat, *hat, "refreshUrl", &ctx);
                scopes(sink, &subject, *bat, *hat, &ctx);
            }
            for (flow, bat) in &bf {
                if !hf.contains_key(flow) {
                    let loc = if sink.base.flavor == Flavor::Swagger2 {
                        bloc
                    } else {
                        Loc::of(*bat)
                    };
                    sink.emit(
                        "api-security-component-oauth-flow-removed",
                        Side::Base,
                        loc,
                        &subject,
                        format!("OAuth flow {flow} removed"),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A URL of a scheme or flow (`authorizationUrl`, `tokenUrl`, `refreshUrl`, `openIdConnectUrl`).
fn url<'a>(sink: &mut Sink<'_, 'a>, subject: &str, b: At<'a>, h: At<'a>, key: &str, ctx: &str) {
    let (bu, hu) = (b.node.str_of(key), h.node.str_of(key));
    if bu == hu {
        return;
    }
    let rule = match key {
        "tokenUrl" | "refreshUrl" => "api-security-component-oauth-token-url-changed",
        _ => "api-security-component-oauth-url-changed",
    };
    sink.emit(
        rule,
        Side::Head,
        Loc::key(h, key),
        subject,
        format!(
            "{ctx}{key} changed from {} to {}",
            bu.unwrap_or("(none)"),
            hu.unwrap_or("(none)")
        ),
    );
}

/// The scopes a flow offers: name → description.
fn scopes<'a>(sink: &mut Sink<'_, 'a>, subject: &str, b: At<'a>, h: At<'a>, ctx: &str) {
    let map = |at: At<'a>| -> BTreeMap<String, String> {
        at.node
            .get("scopes")
            .map(|s| {
                s.entries()
                    .iter()
                    .map(|e| (e.key.clone(), e.value.display()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (bs, hs) = (map(b), map(h));
    let loc = Loc::key(h, "scopes");
    let added: Vec<&String> = hs.keys().filter(|k| !bs.contains_key(*k)).collect();
    let removed: Vec<&String> = bs.keys().filter(|k| !hs.contains_key(*k)).collect();
    let changed: Vec<&String> = hs
        .iter()
        .filter(|(k, v)| bs.get(*k).is_some_and(|old| old != *v))
        .map(|(k, _)| k)
        .collect();
    for (rule, names, what) in [
        ("api-security-component-oauth-scope-added", &added, "added"),
        (
            "api-security-component-oauth-scope-removed",
            &removed,
            "removed",
        ),
        (
            "api-security-component-oauth-scope-changed",
            &changed,
            "description changed",
        ),
    ] {
        if !names.is_empty() {
            sink.emit(
                rule,
                Side::Head,
                loc,
                subject,
                format!("{ctx}scope(s) {} {what}", joined(names)),
            );
        }
    }
}
