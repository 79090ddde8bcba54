//! Comparing operations: paths and methods added or removed (with the
//! deprecation/sunset policy), parameters by (in, name), request bodies,
//! responses per status and media type, response headers, security and
//! webhooks. Schemas are handed to the one schema walker with the direction
//! of the data. Webhooks flip directions: their requests are sent by us.

use super::schema::{Direction, Place, Walk};
use super::{OpPolicy, Options, Sink};
use crate::finding::{Severity, Side};
use crate::gates::openapi::model::{Flavor, Loc, Media, Operation, Param, PathItem, Response};
use crate::gates::openapi::policy::{Sunset, sunset_of};
use crate::gates::openapi::refs::At;
use anyhow::Result;
use std::collections::BTreeMap;

pub(super) const STABILITY: [&str; 4] = ["draft", "alpha", "beta", "stable"];

pub fn compare<'a>(sink: &mut Sink<'_, 'a>, opts: &Options) -> Result<()> {
    let (base, head) = (sink.base, sink.head);
    for (norm, bp) in &base.paths {
        match head.paths.get(norm) {
            Some(hp) => compare_path(sink, opts, bp, hp, None)?,
            None => {
                for op in bp.ops.values() {
                    removed_operation(sink, opts, bp, op, true, "api-path");
                }
            }
        }
    }
    for (norm, hp) in &head.paths {
        if !base.paths.contains_key(norm) {
            for op in hp.ops.values() {
                sink.emit(
                    "endpoint-added",
                    Side::Head,
                    op.loc,
                    &op.label(),
                    "operation added".into(),
                );
            }
        }
    }
    for (name, bp) in &base.webhooks {
        match head.webhooks.get(name) {
            Some(hp) => compare_path(sink, opts, bp, hp, Some("webhook"))?,
            None => sink.emit(
                "webhook-removed",
                Side::Base,
                bp.loc,
                &format!("webhook {}", bp.template),
                "webhook removed".into(),
            ),
        }
    }
    for (name, hp) in &head.webhooks {
        if !base.webhooks.contains_key(name) {
            sink.emit(
                "webhook-added",
                Side::Head,
                hp.loc,
                &format!("webhook {}", hp.template),
                "webhook added".into(),
            );
        }
    }
    super::security::schemes(sink);
    super::security::global(sink);
    Ok(())
}

fn compare_path<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    bp: &PathItem<'a>,
    hp: &PathItem<'a>,
    sent_by_us: Option<&str>,
) -> Result<()> {
    for (method, bop) in &bp.ops {
        match hp.ops.get(method) {
            Some(hop) => {
                let start = sink.changes.len();
                compare_operation(sink, opts, bop, hop, sent_by_us)?;
                apply_stability(sink, opts, bop, hop, start);
            }
            None => removed_operation(sink, opts, bp, bop, false, "api"),
        }
    }
    for (method, hop) in &hp.ops {
        if !bp.ops.contains_key(method) {
            sink.emit(
                "endpoint-added",
                Side::Head,
                hop.loc,
                &hop.label(),
                "operation added".into(),
            );
        }
    }
    Ok(())
}

/// `api-removed-*` / `api-path-removed-*` by the base's deprecation state.
fn removed_operation<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    path: &PathItem<'a>,
    op: &Operation<'a>,
    whole_path: bool,
    prefix: &str,
) {
    let deprecated = op.deprecated || path.node.node.flag("deprecated");
    let sunset = sunset_of(op.node.node, &opts.sunset_extension)
        .or_else(|| sunset_of(path.node.node, &opts.sunset_extension));
    let what = if whole_path {
        "path removed"
    } else {
        "operation removed"
    };
    let invalid_sunset = matches!(sunset, Some(Sunset::Invalid(_)));
    let (suffix, detail) = removal_verdict(deprecated, sunset, opts, what);
    let loc = if whole_path { path.loc } else { op.loc };
    let rule = if deprecated && invalid_sunset {
        // oasdiff's id for a removal judged against a sunset date that is not a date.
        "api-path-sunset-parse".to_string()
    } else {
        format!("{prefix}-removed-{suffix}")
    };
    if stability(op, opts).is_some_and(|s| s == "draft" || s == "alpha") {
        let start = sink.changes.len();
        sink.emit(&rule, Side::Base, loc, &op.label(), detail);
        downgrade(sink, start, "draft/alpha");
        return;
    }
    sink.emit(&rule, Side::Base, loc, &op.label(), detail);
}

/// (`without-deprecation` | `before-sunset` | `with-deprecation`, message).
pub(super) fn removal_verdict(
    deprecated: bool,
    sunset: Option<Sunset>,
    opts: &Options,
    what: &str,
) -> (&'static str, String) {
    if !deprecated {
        return (
            "without-deprecation",
            format!("{what} without being deprecated first"),
        );
    }
    match sunset {
        Some(Sunset::Date(d)) if d.as_str() <= opts.today.as_str() => (
            "with-deprecation",
            format!("{what} after its sunset date {d}"),
        ),
        Some(Sunset::Date(d)) => (
            "before-sunset",
            format!("{what} before its sunset date {d}"),
        ),
        Some(Sunset::Invalid(raw)) => (
            "before-sunset",
            format!("{what}; its sunset date `{raw}` is not a valid date"),
        ),
        None if opts.require_sunset_before_removal => (
            "before-sunset",
            format!(
                "{what}; it was deprecated but had no sunset date ({})",
                opts.sunset_extension
            ),
        ),
        None => ("with-deprecation", format!("{what} after being deprecated")),
    }
}

fn stability(op: &Operation<'_>, opts: &Options) -> Option<String> {
    op.node
        .node
        .get(&opts.stability_extension)
        .map(|n| n.display())
}

fn downgrade<'a>(sink: &mut Sink<'_, 'a>, start: usize, why: &str) {
    for c in &mut sink.changes[start..] {
        if c.severity > Severity::Notice {
            c.severity = Severity::Notice;
            c.detail
                .push_str(&format!(" (not enforced: the operation is {why})"));
        }
    }
}

/// Changes to draft/alpha operations are not enforced; stability must not decrease.
fn apply_stability<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    bop: &Operation<'a>,
    hop: &Operation<'a>,
    start: usize,
) {
    let (bs, hs) = (stability(bop, opts), stability(hop, opts));
    if let Some(b) = bs.as_deref().filter(|s| *s == "draft" || *s == "alpha") {
        downgrade(sink, start, b);
    }
    let loc = Loc::key(hop.node, &opts.stability_extension);
    if let Some(h) = hs.as_deref() {
        // Reported when the change introduces it, not on every later change.
        if !STABILITY.contains(&h) && bs != hs {
            sink.emit(
                "api-invalid-stability-level",
                Side::Head,
                loc,
                &hop.label(),
                format!(
                    "{} `{h}` is not one of draft, alpha, beta, stable",
                    opts.stability_extension
                ),
            );
        } else if let Some(b) = bs.as_deref()
            && let (Some(bi), Some(hi)) = (
                STABILITY.iter().position(|s| *s == b),
                STABILITY.iter().position(|s| *s == h),
            )
            && hi < bi
        {
            sink.emit(
                "api-stability-decreased",
                Side::Head,
                loc,
                &hop.label(),
                format!("stability decreased from {b} to {h}"),
            );
        }
    }
}

fn compare_operation<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    b: &Operation<'a>,
    h: &Operation<'a>,
    sent_by_us: Option<&str>,
) -> Result<()> {
    let label = if let Some(kind) = sent_by_us {
        format!("{kind} {}", h.label())
    } else {
        h.label()
    };
    let (req_dir, resp_dir) = if sent_by_us.is_some() {
        (Direction::Response, Direction::Request)
    } else {
        (Direction::Request, Direction::Response)
    };
    // Sunset dates are required of stable operations only (or ones with no
    // level); the minimum deprecation period depends on the level too.
    let outer = sink.op_policy;
    sink.op_policy = OpPolicy::of(opts, stability(h, opts).as_deref());
    let result = compare_operation_parts(sink, opts, b, h, &label, req_dir, resp_dir);
    sink.op_policy = outer;
    result
}

fn compare_operation_parts<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    b: &Operation<'a>,
    h: &Operation<'a>,
    label: &str,
    req_dir: Direction,
    resp_dir: Direction,
) -> Result<()> {
    deprecation(
        sink,
        opts,
        b.deprecated,
        h.deprecated,
        b.node,
        h.node,
        label,
        Deprecatable::Endpoint,
        h.loc,
    );
    match (&b.operation_id, &h.operation_id) {
        (Some(bo), Some(ho)) if bo != ho => {
            let loc = Loc::key(h.node, "operationId");
            sink.emit(
                "api-operation-id-changed",
                Side::Head,
                loc,
                label,
                format!("operationId changed from {bo} to {ho}"),
            );
        }
        (Some(bo), None) => {
            sink.emit(
                "api-operation-id-removed",
                Side::Head,
                h.loc,
                label,
                format!("operationId {bo} removed"),
            );
        }
        _ => {}
    }
    parameters(sink, opts, b, h, label, req_dir)?;
    request_body(sink, b, h, label, req_dir)?;
    responses(sink, b, h, label, resp_dir)?;
    super::security::operation(sink, b, h, label);
    callbacks(sink, opts, b, h, label)?;
    Ok(())
}

/// What is being deprecated (decides the rule ids).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deprecatable {
    Endpoint,
    Parameter,
}

/// Deprecation, reactivation and sunset-date changes of an operation or parameter.
#[allow(clippy::too_many_arguments)]
fn deprecation<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    was: bool,
    is: bool,
    bnode: At<'_>,
    hnode: At<'_>,
    label: &str,
    what: Deprecatable,
    loc: Loc,
) {
    let (dep, dep_sunset, react, missing, parse, deleted, earlier, too_soon) = match what {
        Deprecatable::Endpoint => (
            "endpoint-deprecated",
            "endpoint-deprecated-with-sunset",
            "endpoint-reactivated",
            "api-deprecated-sunset-missing",
            "api-deprecated-sunset-parse",
            "sunset-deleted",
            "api-sunset-date-changed-too-small",
            "api-sunset-date-too-small",
        ),
        Deprecatable::Parameter => (
            "request-parameter-deprecated",
            "request-parameter-deprecated",
            "request-parameter-reactivated",
            "request-parameter-deprecated-sunset-missing",
            "request-parameter-sunset-parse",
            "request-parameter-sunset-deleted",
            "request-parameter-sunset-date-changed-too-small",
            "request-parameter-sunset-date-too-small",
        ),
    };
    let policy = sink.op_policy;
    let ext = &opts.sunset_extension;
    let (bs, hs) = (sunset_of(bnode.node, ext), sunset_of(hnode.node, ext));
    let dloc = Loc::key(hnode, "deprecated");
    let sloc = Loc::key(hnode, ext);
    if !was && is {
        match &hs {
            Some(Sunset::Date(d)) => sink.emit(
                dep_sunset,
                Side::Head,
                dloc,
                label,
                format!("deprecated, sunset {d}"),
            ),
            _ => sink.emit(dep, Side::Head, dloc, label, "deprecated".into()),
        }
        if let Some(Sunset::Date(d)) = &hs
            && let Some(days) = policy.too_soon(&opts.today, d)
        {
            sink.emit(
                too_soon,
                Side::Head,
                sloc,
                label,
                format!(
                    "deprecated with sunset {d}, {days} day(s) from today; the policy asks for at least {} (min_sunset_days)",
                    policy.min_sunset_days
                ),
            );
        }
        if hs.is_none() && policy.require_sunset_on_deprecation {
            sink.emit(
                missing,
                Side::Head,
                dloc,
                label,
                format!("deprecated without a sunset date ({ext})"),
            );
        }
    } else if was && !is {
        sink.emit(react, Side::Head, loc, label, "no longer deprecated".into());
    }
    if !is {
        return;
    }
    if let Some(Sunset::Invalid(raw)) = &hs
        && bs != hs
    {
        sink.emit(
            parse,
            Side::Head,
            sloc,
            label,
            format!("sunset date `{raw}` is not a valid date (expected YYYY-MM-DD)"),
        );
    }
    if was {
        match (&bs, &hs) {
            (Some(Sunset::Date(b)), None) => sink.emit(
                deleted,
                Side::Head,
                dloc,
                label,
                format!("sunset date {b} deleted"),
            ),
            (Some(Sunset::Date(b)), Some(Sunset::Date(h))) if h < b => sink.emit(
                earlier,
                Side::Head,
                sloc,
                label,
                format!("sunset date moved earlier, from {b} to {h}"),
            ),
            _ => {}
        }
    }
}

fn parameters<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    b: &Operation<'a>,
    h: &Operation<'a>,
    label: &str,
    dir: Direction,
) -> Result<()> {
    for (key, bp) in &b.params {
        let what = format!("{} parameter `{}`", bp.location, bp.name);
        match h.params.get(key) {
            None => {
                let sunset = sunset_of(bp.node.node, &opts.sunset_extension);
                let (rule, detail) = if bp.deprecated
                    && let Some(Sunset::Invalid(raw)) = &sunset
                {
                    (
                        "request-parameter-sunset-parse",
                        format!("{what} removed; its sunset date `{raw}` is not a valid date"),
                    )
                } else if bp.deprecated {
                    let (suffix, detail) =
                        removal_verdict(true, sunset, opts, &format!("{what} removed"));
                    match suffix {
                        "with-deprecation" => {
                            ("request-parameter-removed-with-deprecation", detail)
                        }
                        _ => ("request-parameter-removed-before-sunset", detail),
                    }
                } else if opts.require_deprecation_before_removal {
                    (
                        "request-parameter-removed-without-deprecation",
                        format!("{what} removed without being deprecated first"),
                    )
                } else {
                    ("request-parameter-removed", format!("{what} removed"))
                };
                sink.emit(rule, Side::Base, bp.loc, label, detail);
            }
            Some(hp) => {
                let what = format!("{} parameter `{}`", hp.location, hp.name);
                if !bp.required && hp.required {
                    sink.emit(
                        "request-parameter-became-required",
                        Side::Head,
                        Loc::key(hp.node, "required"),
                        label,
                        format!("{what} became required"),
                    );
                } else if bp.required && !hp.required {
                    sink.emit(
                        "request-parameter-became-optional",
                        Side::Head,
                        hp.loc,
                        label,
                        format!("{what} became optional"),
                    );
                }
                serialization(sink, bp, hp, label, &what);
                deprecation(
                    sink,
                    opts,
                    bp.deprecated,
                    hp.deprecated,
                    bp.node,
                    hp.node,
                    label,
                    Deprecatable::Parameter,
                    hp.loc,
                );
                if let (Some(bs), Some(hs)) = (bp.schema, hp.schema) {
                    let mut walk = Walk::new(sink, dir, Place::Parameter, label, what);
                    walk.compare(bs, hs, "")?;
                }
            }
        }
    }
    for (key, hp) in &h.params {
        if b.params.contains_key(key) {
            continue;
        }
        let what = format!("{} parameter `{}`", hp.location, hp.name);
        // A parameter declared on the path item applies to every operation by default.
        let rule = match (hp.location.as_str(), hp.required, hp.shared) {
            ("path", _, _) => "new-request-path-parameter",
            (_, true, true) => "new-required-request-default-parameter-to-existing-path",
            (_, false, true) => "new-optional-request-default-parameter-to-existing-path",
            (_, true, false) => "new-required-request-parameter",
            (_, false, false) => "new-optional-request-parameter",
        };
        let kind = if hp.required { "required" } else { "optional" };
        sink.emit(
            rule,
            Side::Head,
            hp.loc,
            label,
            format!("{kind} {what} added"),
        );
    }
    Ok(())
}

/// Callbacks are requests we send: compared like webhooks (directions flipped).
fn callbacks<'a>(
    sink: &mut Sink<'_, 'a>,
    opts: &Options,
    b: &Operation<'a>,
    h: &Operation<'a>,
    label: &str,
) -> Result<()> {
    for (name, (bloc, bitems)) in &b.callbacks {
        let Some((_, hitems)) = h.callbacks.get(name) else {
            sink.emit(
                "callback-removed",
                Side::Base,
                *bloc,
                label,
                format!("callback {name} removed"),
            );
            continue;
        };
        for (expr, bp) in bitems {
            match hitems.get(expr) {
                Some(hp) => compare_path(
                    sink,
                    opts,
                    bp,
                    hp,
                    Some(&format!("callback {name} of {label}:")),
                )?,
                None => sink.emit(
                    "callback-removed",
                    Side::Base,
                    bp.loc,
                    label,
                    format!("callback {name} {} removed", bp.template),
                ),
            }
        }
        for (expr, hp) in hitems {
            if !bitems.contains_key(expr) {
                sink.emit(
                    "callback-added",
                    Side::Head,
                    hp.loc,
                    label,
                    format!("callback {name} {} added", hp.template),
                );
            }
        }
    }
    for (name, (hloc, _)) in &h.callbacks {
        if !b.callbacks.contains_key(name) {
            sink.emit(
                "callback-added",
                Side::Head,
                *hloc,
                label,
                format!("callback {name} added"),
            );
        }
    }
    Ok(())
}

/// `application/problem+json` → `application/json` (its structured-syntax suffix), if any.
fn suffix_base(essence: &str) -> Option<String> {
    let (kind, sub) = essence.split_once('/')?;
    let (_, suffix) = sub.rsplit_once('+')?;
    Some(format!("{kind}/{suffix}"))
}

/// Response media types replaced one for one by a more general or a more
/// specific one (`application/json` ↔ `application/problem+json`):
/// (base, head, generalized).
fn renamed_media_types(
    b: &BTreeMap<String, Media<'_>>,
    h: &BTreeMap<String, Media<'_>>,
) -> Vec<(String, String, bool)> {
    let gone: Vec<&String> = b.keys().filter(|k| counterpart(h, k).is_none()).collect();
    let new: Vec<&String> = h.keys().filter(|k| counterpart(b, k).is_none()).collect();
    if gone.len() != 1 || new.len() != 1 {
        return Vec::new();
    }
    let (bm, hm) = (essence(gone[0]), essence(new[0]));
    if suffix_base(&hm).as_deref() == Some(bm.as_str()) {
        vec![(gone[0].clone(), new[0].clone(), false)]
    } else if suffix_base(&bm).as_deref() == Some(hm.as_str()) {
        vec![(gone[0].clone(), new[0].clone(), true)]
    } else {
        Vec::new()
    }
}

/// `application/json; charset=utf-8` → `application/json`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or(media_type)
        .trim()
        .to_ascii_lowercase()
}

/// The entry of `content` for media type `mt`: the same key, else the only
/// entry with the same type once parameters (`; charset=utf-8`) are dropped.
fn counterpart<'m, 'a>(
    content: &'m BTreeMap<String, Media<'a>>,
    mt: &str,
) -> Option<&'m Media<'a>> {
    if let Some(m) = content.get(mt) {
        return Some(m);
    }
    let want = essence(mt);
    let mut same = content.iter().filter(|(k, _)| essence(k) == want);
    match (same.next(), same.next()) {
        (Some((_, m)), None) => Some(m),
        _ => None,
    }
}

/// The effective `style` and `explode` of a parameter (OpenAPI 3 defaults).
fn style_of(p: &Param<'_>) -> (String, bool) {
    let default_style = match p.location.as_str() {
        "query" | "cookie" => "form",
        _ => "simple",
    };
    let style = p
        .node
        .node
        .str_of("style")
        .unwrap_or(default_style)
        .to_string();
    let explode = p
        .node
        .node
        .get("explode")
        .and_then(|e| e.as_bool())
        .unwrap_or(style == "form");
    (style, explode)
}

/// How a parameter is written on the wire (`style`, `explode`).
fn serialization<'a>(
    sink: &mut Sink<'_, 'a>,
    b: &Param<'a>,
    h: &Param<'a>,
    label: &str,
    what: &str,
) {
    if sink.head.flavor == Flavor::Swagger2 || sink.base.flavor == Flavor::Swagger2 {
        return;
    }
    let ((bs, be), (hs, he)) = (style_of(b), style_of(h));
    if bs != hs {
        let loc = Loc::key(h.node, "style");
        sink.emit(
            "request-parameter-style-changed",
            Side::Head,
            loc,
            label,
            format!("{what}: style changed from {bs} to {hs}"),
        );
    } else if be != he {
        let loc = Loc::key(h.node, "explode");
        sink.emit(
            "request-parameter-explode-changed",
            Side::Head,
            loc,
            label,
            format!("{what}: explode changed from {be} to {he}"),
        );
    }
}

fn request_body<'a>(
    sink: &mut Sink<'_, 'a>,
    b: &Operation<'a>,
    h: &Operation<'a>,
    label: &str,
    dir: Direction,
) -> Result<()> {
    match (&b.body, &h.body) {
        (None, Some(hb)) => {
            let rule = if hb.required {
                "request-body-added-required"
            } else {
                "request-body-added-optional"
            };
            sink.emit(rule, Side::Head, hb.loc, label, "request body added".into());
        }
        (Some(bb), None) => sink.emit(
            "request-body-removed",
            Side::Base,
            bb.loc,
            label,
            "request body removed".into(),
        ),
        (Some(bb), Some(hb)) => {
            if !bb.required && hb.required {
                sink.emit(
                    "request-body-became-required",
                    Side::Head,
                    hb.loc,
                    label,
                    "request body became required".into(),
                );
            } else if bb.required && !hb.required {
                sink.emit(
                    "request-body-became-optional",
                    Side::Head,
                    hb.loc,
                    label,
                    "request body became optional".into(),
                );
            }
            for (mt, bm) in &bb.content {
                match counterpart(&hb.content, mt) {
                    None => sink.emit(
                        "request-body-media-type-removed",
                        Side::Base,
                        bm.loc,
                        label,
                        format!("request media type {mt} removed"),
                    ),
                    Some(hm) => {
                        media_schema(sink, dir, label, format!("request body {mt}"), bm, hm)?
                    }
                }
            }
            for (mt, hm) in &hb.content {
                if counterpart(&bb.content, mt).is_none() {
                    sink.emit(
                        "request-body-media-type-added",
                        Side::Head,
                        hm.loc,
                        label,
                        format!("request media type {mt} added"),
                    );
                }
            }
        }
        (None, None) => {}
    }
    Ok(())
}

/// Compare the schemas of one media type (or report one side having none).
fn media_schema<'a>(
    sink: &mut Sink<'_, 'a>,
    dir: Direction,
    label: &str,
    context: String,
    bm: &Media<'a>,
    hm: &Media<'a>,
) -> Result<()> {
    match (bm.schema, hm.schema) {
        (Some(bs), Some(hs)) => {
            Walk::new(sink, dir, Place::Body, label, context).compare(bs, hs, "")
        }
        (None, Some(_)) => {
            sink.emit(
                schema_rule(dir, "added"),
                Side::Head,
                hm.loc,
                label,
                format!("{context}: schema added"),
            );
            Ok(())
        }
        (Some(_), None) => {
            sink.emit(
                schema_rule(dir, "removed"),
                Side::Head,
                hm.loc,
                label,
                format!("{context}: schema removed"),
            );
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// `request-body-media-type-schema-added` etc., by the direction of the data.
fn schema_rule(dir: Direction, change: &str) -> &'static str {
    match (dir, change) {
        (Direction::Request, "added") => "request-body-media-type-schema-added",
        (Direction::Request, _) => "request-body-media-type-schema-removed",
        (Direction::Response, "added") => "response-body-media-type-schema-added",
        (Direction::Response, _) => "response-body-media-type-schema-removed",
    }
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

fn responses<'a>(
    sink: &mut Sink<'_, 'a>,
    b: &Operation<'a>,
    h: &Operation<'a>,
    label: &str,
    dir: Direction,
) -> Result<()> {
    for (status, br) in &b.responses {
        let Some(hr) = h.responses.get(status) else {
            let rule = if is_success(status) {
                "response-success-status-removed"
            } else {
                "response-non-success-status-removed"
            };
            sink.emit(
                rule,
                Side::Base,
                br.loc,
                label,
                format!("response {status} removed"),
            );
            continue;
        };
        let renamed = renamed_media_types(&br.content, &hr.content);
        for (bmt, hmt, generalized) in &renamed {
            let (Some(bm), Some(hm)) = (br.content.get(bmt), hr.content.get(hmt)) else {
                continue;
            };
            let (rule, how) = if *generalized {
                ("response-media-type-name-generalized", "generalized")
            } else {
                ("response-media-type-name-specialized", "specialized")
            };
            sink.emit(
                rule,
                Side::Head,
                hm.loc,
                label,
                format!("response {status} media type {how} from {bmt} to {hmt}"),
            );
            media_schema(sink, dir, label, format!("response {status} {hmt}"), bm, hm)?;
        }
        for (mt, bm) in &br.content {
            if renamed.iter().any(|(b, _, _)| b == mt) {
                continue;
            }
            match counterpart(&hr.content, mt) {
                None => sink.emit(
                    "response-media-type-removed",
                    Side::Base,
                    bm.loc,
                    label,
                    format!("response {status} media type {mt} removed"),
                ),
                Some(hm) => {
                    media_schema(sink, dir, label, format!("response {status} {mt}"), bm, hm)?
                }
            }
        }
        for (mt, hm) in &hr.content {
            if counterpart(&br.content, mt).is_none() && !renamed.iter().any(|(_, h, _)| h == mt) {
                sink.emit(
                    "response-media-type-added",
                    Side::Head,
                    hm.loc,
                    label,
                    format!("response {status} media type {mt} added"),
                );
            }
        }
        for (name, bh) in &br.headers {
            match hr.headers.get(name) {
                None => {
                    let rule = if bh.required {
                        "required-response-header-removed"
                    } else {
                        "optional-response-header-removed"
                    };
                    sink.emit(
                        rule,
                        Side::Base,
                        bh.loc,
                        label,
                        format!("response {status} header {} removed", bh.name),
                    );
                }
                Some(hh) => {
                    if bh.required && !hh.required {
                        sink.emit(
                            "response-header-became-optional",
                            Side::Head,
                            hh.loc,
                            label,
                            format!("response {status} header {} became optional", hh.name),
                        );
                    }
                    if let (Some(bs), Some(hs)) = (bh.schema, hh.schema) {
                        let mut walk = Walk::new(
                            sink,
                            dir,
                            Place::Header,
                            label,
                            format!("response {status} header {}", hh.name),
                        );
                        walk.compare(bs, hs, "")?;
                    }
                }
            }
        }
        links(sink, label, status, br, hr);
        for (name, hh) in &hr.headers {
            if !br.headers.contains_key(name) {
                sink.emit(
                    "response-header-added",
                    Side::Head,
                    hh.loc,
                    label,
                    format!("response {status} header {} added", hh.name),
                );
            }
        }
    }
    for (status, hr) in &h.responses {
        if !b.responses.contains_key(status) {
            let rule = if is_success(status) {
                "response-success-status-added"
            } else {
                "response-non-success-status-added"
            };
            sink.emit(
                rule,
                Side::Head,
                hr.loc,
                label,
                format!("response {status} added"),
            );
        }
    }
    Ok(())
}

/// Response links: added, removed, or pointing elsewhere / passing other values.
fn links<'a>(
    sink: &mut Sink<'_, 'a>,
    label: &str,
    status: &str,
    br: &Response<'a>,
    hr: &Response<'a>,
) {
    // What a client following the link relies on (descriptions do not count).
    let wire = |at: At<'_>| -> String {
        [
            "operationId",
            "operationRef",
            "parameters",
            "requestBody",
            "server",
        ]
        .iter()
        .map(|k| at.node.get(k).map(|n| n.canonical()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("|")
    };
    for (name, (hloc, hdef)) in &hr.links {
        match br.links.get(name) {
            None => sink.emit(
                "response-link-added",
                Side::Head,
                *hloc,
                label,
                format!("response {status} link {name} added"),
            ),
            Some((_, bdef)) if wire(*bdef) != wire(*hdef) => sink.emit(
                "response-link-changed",
                Side::Head,
                *hloc,
                label,
                format!(
                    "response {status} link {name} changed (target operation, parameters or body)"
                ),
            ),
            Some(_) => {}
        }
    }
    for (name, (bloc, _)) in &br.links {
        if !hr.links.contains_key(name) {
            sink.emit(
                "response-link-removed",
                Side::Base,
                *bloc,
                label,
                format!("response {status} link {name} removed"),
            );
        }
    }
}
