//! Schema rules: one table of schema changes, each with its severity in a
//! request and in a response. A narrowing (fewer values accepted) breaks
//! clients when it is in a request and is safe in a response; a widening is
//! the reverse. The ids are `<place>-<change>`, where place is
//! `request-body`, `request-property`, `request-parameter`,
//! `request-parameter-property`, `response-body`, `response-property`,
//! `response-header` or `response-header-property`.

use super::{Def, E, N, W};
use crate::finding::Severity;

/// What a change does to the set of values a schema allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Fewer values are valid.
    Narrows,
    /// More values are valid.
    Widens,
    /// Different values are valid.
    Changes,
    /// Documentation or tooling hint.
    Annotates,
}

/// One kind of schema change.
pub struct Kind {
    pub suffix: &'static str,
    pub request: Severity,
    pub response: Severity,
    pub effect: Effect,
    /// "the maximum length decreased", for docs.
    pub what: &'static str,
}

const fn k(
    suffix: &'static str,
    request: Severity,
    response: Severity,
    effect: Effect,
    what: &'static str,
) -> Kind {
    Kind {
        suffix,
        request,
        response,
        effect,
        what,
    }
}

use Effect::*;

/// Bounds: (keyword, id fragment, is an upper bound).
pub const BOUNDS: &[(&str, &str, bool)] = &[
    ("maxLength", "max-length", true),
    ("minLength", "min-length", false),
    ("maxItems", "max-items", true),
    ("minItems", "min-items", false),
    ("maxProperties", "max-properties", true),
    ("minProperties", "min-properties", false),
    ("maximum", "max", true),
    ("minimum", "min", false),
    ("exclusiveMaximum", "exclusive-max", true),
    ("exclusiveMinimum", "exclusive-min", false),
    ("maxContains", "max-contains", true),
    ("minContains", "min-contains", false),
];

/// Subschema keywords whose presence constrains values: (keyword, id fragment).
pub const SUBSCHEMAS: &[(&str, &str)] = &[
    ("not", "not"),
    ("if", "if"),
    ("then", "then"),
    ("else", "else"),
    ("propertyNames", "property-names"),
    ("contains", "contains"),
    ("unevaluatedItems", "unevaluated-items"),
    ("unevaluatedProperties", "unevaluated-properties"),
    ("contentSchema", "content-schema"),
];

/// Map-of-subschema keywords, compared per key: (keyword, id fragment).
pub const SUBSCHEMA_MAPS: &[(&str, &str)] = &[
    ("patternProperties", "pattern-property"),
    ("dependentSchemas", "dependent-schema"),
];

pub static KINDS: &[Kind] = &[
    k("type-changed", E, E, Changes, "the type changed"),
    k(
        "list-of-types-widened",
        N,
        E,
        Widens,
        "types were added to the allowed types",
    ),
    k(
        "list-of-types-narrowed",
        E,
        N,
        Narrows,
        "types were removed from the allowed types",
    ),
    k(
        "type-generalized",
        N,
        E,
        Widens,
        "the type was generalized (integer → number; in a request parameter, a number or boolean → string, or a scalar → an array of it)",
    ),
    k(
        "type-specialized",
        E,
        N,
        Narrows,
        "the type was specialized (number → integer)",
    ),
    k(
        "wrapped-in-one-of",
        E,
        E,
        Changes,
        "the schema was replaced by a oneOf of other schemas",
    ),
    k("format-changed", E, E, Changes, "the format changed"),
    k("became-nullable", N, E, Widens, "null became allowed"),
    k(
        "became-not-nullable",
        E,
        N,
        Narrows,
        "null is no longer allowed",
    ),
    k(
        "became-enum",
        E,
        N,
        Narrows,
        "the value became restricted to an enum",
    ),
    k(
        "enum-removed",
        N,
        W,
        Widens,
        "the value is no longer restricted to an enum",
    ),
    k("enum-value-added", N, W, Widens, "an enum value was added"),
    k(
        "enum-value-removed",
        E,
        N,
        Narrows,
        "an enum value was removed",
    ),
    k(
        "x-extensible-enum-value-removed",
        E,
        N,
        Narrows,
        "an x-extensible-enum value was removed",
    ),
    k("const-changed", E, E, Changes, "the const value changed"),
    k("const-added", E, N, Narrows, "a const value was set"),
    k("const-removed", N, E, Widens, "the const value was removed"),
    k(
        "default-value-added",
        W,
        N,
        Changes,
        "a default value was added",
    ),
    k(
        "default-value-removed",
        W,
        N,
        Changes,
        "the default value was removed",
    ),
    k(
        "default-value-changed",
        W,
        N,
        Changes,
        "the default value changed",
    ),
    k("pattern-added", E, N, Narrows, "a pattern was added"),
    k("pattern-removed", N, W, Widens, "the pattern was removed"),
    k("pattern-changed", W, N, Changes, "the pattern changed"),
    k("multiple-of-changed", W, W, Changes, "multipleOf changed"),
    k(
        "content-media-type-changed",
        E,
        E,
        Changes,
        "contentMediaType changed",
    ),
    k(
        "content-encoding-changed",
        E,
        E,
        Changes,
        "contentEncoding changed",
    ),
    k(
        "one-of-added",
        N,
        E,
        Widens,
        "a oneOf alternative was added",
    ),
    k(
        "one-of-removed",
        E,
        N,
        Narrows,
        "a oneOf alternative was removed",
    ),
    k(
        "any-of-added",
        N,
        E,
        Widens,
        "an anyOf alternative was added",
    ),
    k(
        "any-of-removed",
        E,
        N,
        Narrows,
        "an anyOf alternative was removed",
    ),
    k(
        "additional-properties-restricted",
        E,
        N,
        Narrows,
        "additional properties are no longer allowed",
    ),
    k(
        "additional-properties-allowed",
        N,
        W,
        Widens,
        "additional properties became allowed",
    ),
    k(
        "prefix-items-added",
        E,
        N,
        Narrows,
        "prefixItems were added",
    ),
    k(
        "prefix-items-removed",
        N,
        E,
        Widens,
        "prefixItems were removed",
    ),
    k(
        "dependent-required-added",
        E,
        N,
        Narrows,
        "a dependentRequired entry was added",
    ),
    k(
        "dependent-required-removed",
        N,
        E,
        Widens,
        "a dependentRequired entry was removed",
    ),
    k(
        "dependent-required-changed",
        E,
        E,
        Changes,
        "a dependentRequired entry changed",
    ),
    k(
        "discriminator-added",
        N,
        N,
        Annotates,
        "a discriminator was added",
    ),
    k(
        "discriminator-removed",
        N,
        N,
        Annotates,
        "the discriminator was removed",
    ),
    k(
        "discriminator-property-name-changed",
        W,
        W,
        Changes,
        "the discriminator property name changed",
    ),
    k(
        "discriminator-mapping-added",
        N,
        N,
        Annotates,
        "a discriminator mapping was added",
    ),
    k(
        "discriminator-mapping-deleted",
        W,
        W,
        Changes,
        "a discriminator mapping was deleted",
    ),
    k(
        "discriminator-mapping-changed",
        W,
        W,
        Changes,
        "a discriminator mapping changed",
    ),
    k("deprecated", N, N, Annotates, "it was deprecated"),
    k(
        "deprecated-with-sunset",
        N,
        N,
        Annotates,
        "it was deprecated with a sunset date",
    ),
    k(
        "deprecated-sunset-missing",
        E,
        E,
        Annotates,
        "it was deprecated without a sunset date (the policy requires one)",
    ),
    k(
        "deprecated-sunset-invalid",
        E,
        E,
        Annotates,
        "it was deprecated with a sunset date that is not a date",
    ),
    k(
        "sunset-date-too-small",
        E,
        E,
        Annotates,
        "it was deprecated with a sunset date sooner than the minimum deprecation period (`min_sunset_days`)",
    ),
    k("reactivated", N, N, Annotates, "it is no longer deprecated"),
];

/// Every generated (id, level, summary, why, example).
pub fn generated() -> Vec<(String, Severity, String, String, String)> {
    let mut kinds: Vec<(String, Severity, Severity, Effect, String)> = KINDS
        .iter()
        .map(|k| {
            (
                k.suffix.to_string(),
                k.request,
                k.response,
                k.effect,
                k.what.to_string(),
            )
        })
        .collect();
    for (kw, frag, upper) in BOUNDS {
        let (tighter, looser) = if *upper {
            ("decreased", "increased")
        } else {
            ("increased", "decreased")
        };
        kinds.push((
            format!("{frag}-{tighter}"),
            E,
            N,
            Narrows,
            format!("{kw} was made stricter"),
        ));
        kinds.push((
            format!("{frag}-{looser}"),
            N,
            E,
            Widens,
            format!("{kw} was relaxed"),
        ));
        kinds.push((
            format!("{frag}-set"),
            W,
            N,
            Narrows,
            format!("{kw} was set where there was none"),
        ));
        kinds.push((
            format!("{frag}-unset"),
            N,
            E,
            Widens,
            format!("{kw} was removed"),
        ));
    }
    for (kw, frag) in SUBSCHEMAS.iter().chain(SUBSCHEMA_MAPS) {
        kinds.push((
            format!("{frag}-added"),
            E,
            N,
            Narrows,
            format!("`{kw}` was added"),
        ));
        kinds.push((
            format!("{frag}-removed"),
            N,
            E,
            Widens,
            format!("`{kw}` was removed"),
        ));
    }
    let mut out = Vec::new();
    for (prefix, request, place) in PLACES {
        for (suffix, req, resp, effect, what) in &kinds {
            let level = if *request { *req } else { *resp };
            let id = format!("{prefix}-{suffix}");
            let summary = format!("In {place}, {what}.");
            let why = why(*request, *effect);
            let example = example(*request, suffix);
            out.push((id, level, summary, why, example));
        }
    }
    out
}

/// (id prefix, is a request, where in words).
pub const PLACES: &[(&str, bool, &str)] = &[
    ("request-body", true, "a request body schema"),
    ("request-property", true, "a property of a request body"),
    ("request-parameter", true, "a request parameter's schema"),
    (
        "request-parameter-property",
        true,
        "a property of a request parameter's schema",
    ),
    ("response-body", false, "a response body schema"),
    ("response-property", false, "a property of a response body"),
    ("response-header", false, "a response header's schema"),
    (
        "response-header-property",
        false,
        "a property of a response header's schema",
    ),
];

fn why(request: bool, effect: Effect) -> String {
    match (request, effect) {
        (true, Narrows) => "Requests that were valid before can now be rejected: clients already in the field (mobile apps update slowly) keep sending the old values.".into(),
        (true, Widens) => "The server accepts more than before; existing clients keep working. Reported so reviewers see the contract change.".into(),
        (false, Narrows) => "Responses use fewer values than before; existing clients keep working. Reported so reviewers see the contract change.".into(),
        (false, Widens) => "Clients may now receive values they were never told to expect; strict parsers, generated enums and validators can fail on them.".into(),
        (_, Changes) => "Clients and server no longer agree on the shape of the value: data that was valid before is invalid now, or is interpreted differently.".into(),
        (_, Annotates) => "Usually harmless on the wire, but it changes what generated clients and documentation say; reviewers should see it.".into(),
    }
}

fn example(request: bool, suffix: &str) -> String {
    let dir = if request { "request" } else { "response" };
    let bound = BOUNDS.iter().find(|(_, frag, _)| {
        suffix
            .strip_prefix(frag)
            .is_some_and(|rest| ["-increased", "-decreased", "-set", "-unset"].contains(&rest))
    });
    let (before, after) = if let Some((kw, _, _)) = bound {
        let low = format!("{kw}: 10");
        let high = format!("{kw}: 50");
        let none = format!("(no {kw})");
        if suffix.ends_with("-increased") {
            (low, high)
        } else if suffix.ends_with("-decreased") {
            (high, low)
        } else if suffix.ends_with("-unset") {
            (low, none)
        } else {
            (none, low)
        }
    } else {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        match suffix {
            "enum-value-added" => pair("enum: [a, b]", "enum: [a, b, c]"),
            "enum-value-removed" => pair("enum: [a, b, c]", "enum: [a, b]"),
            "x-extensible-enum-value-removed" => {
                pair("x-extensible-enum: [a, b, c]", "x-extensible-enum: [a, b]")
            }
            "became-enum" => pair("type: string", "type: string, enum: [a, b]"),
            "enum-removed" => pair("type: string, enum: [a, b]", "type: string"),
            "type-changed" => pair("type: integer", "type: string"),
            "type-generalized" => pair("type: integer", "type: number"),
            "type-specialized" => pair("type: number", "type: integer"),
            "wrapped-in-one-of" => pair(
                "type: object, properties: {...}",
                "oneOf: [{type: object, ...}, {type: object, ...}]",
            ),
            "sunset-date-too-small" => pair(
                "(not deprecated)",
                "deprecated: true, x-sunset: <in 10 days> (with min_sunset_days: 180)",
            ),
            "list-of-types-widened" => pair("type: integer", "type: [integer, string]"),
            "list-of-types-narrowed" => pair("type: [integer, string]", "type: integer"),
            "format-changed" => pair("format: int32", "format: uuid"),
            "became-nullable" => pair("type: string", "type: string, nullable: true"),
            "became-not-nullable" => pair("type: string, nullable: true", "type: string"),
            "pattern-added" => pair("type: string", "type: string, pattern: '^[a-z]+$'"),
            "pattern-removed" => pair("pattern: '^[a-z]+$'", "(no pattern)"),
            "pattern-changed" => pair("pattern: '^[a-z]+$'", "pattern: '^[a-z]{1,8}$'"),
            "one-of-added" | "any-of-added" => pair("oneOf: [Cat, Dog]", "oneOf: [Cat, Dog, Bird]"),
            "one-of-removed" | "any-of-removed" => {
                pair("oneOf: [Cat, Dog, Bird]", "oneOf: [Cat, Dog]")
            }
            "additional-properties-restricted" => pair(
                "(additionalProperties allowed)",
                "additionalProperties: false",
            ),
            "additional-properties-allowed" => pair(
                "additionalProperties: false",
                "(additionalProperties allowed)",
            ),
            s if s.ends_with("-added") => pair("(no such keyword)", "(the keyword added)"),
            s if s.ends_with("-removed") => pair("(the keyword present)", "(the keyword removed)"),
            _ => pair(
                "(the schema in the base version)",
                "(the schema in the head version)",
            ),
        }
    };
    format!(
        "In a {dir} schema, base has `{before}` and head has `{after}`.\n\nFix: keep the contract compatible (accept at least as much in requests, promise no more in responses), or ship it as a new major version (a new `/vN` path or a major bump of `info.version`) and deprecate the old one first."
    )
}

/// Property set rules (same ids wherever the object sits).
pub static PROPERTY_DEFS: &[Def] = &[
    Def {
        id: "new-required-request-property",
        level: E,
        summary: "A request schema gained a required property.",
        why: "Existing clients do not send it, so their requests now fail validation.",
        example: "Base: `required: [name]`; head adds `email` to `properties` and `required`.\n\nFix: make the new property optional (with a server-side default), or version the API.",
    },
    Def {
        id: "new-required-request-property-with-default",
        level: E,
        summary: "A request schema gained a required property that has a default value.",
        why: "A default does not make a required property optional: clients that do not send it still fail validation. The default suggests the author meant it to be optional.",
        example: "Head adds `region: {type: string, default: eu}` to `properties` and to `required`.\n\nFix: leave it out of `required`; the server applies the default when it is missing.",
    },
    Def {
        id: "request-property-became-required-with-default",
        level: E,
        summary: "An optional request property that has a default value became required.",
        why: "Clients that omitted it (relying on the default) now get their requests rejected.",
        example: "Base `region: {type: string, default: eu}` optional; head adds `region` to `required`.\n\nFix: keep it optional; the default already covers clients that omit it.",
    },
    Def {
        id: "request-property-stability-decreased",
        level: E,
        summary: "A request property's `x-stability-level` decreased (e.g. stable → beta).",
        why: "Clients that send the property were promised it would keep its stable meaning.",
        example: "Base `region: {type: string, x-stability-level: stable}`; head `x-stability-level: beta`.\n\nFix: keep the level, or add a new property at the lower level.",
    },
    Def {
        id: "response-property-stability-decreased",
        level: E,
        summary: "A response property's `x-stability-level` decreased (e.g. stable → beta).",
        why: "Clients that read the property were promised it would keep its stable meaning.",
        example: "Base `score: {type: number, x-stability-level: stable}`; head `x-stability-level: alpha`.\n\nFix: keep the level, or add a new property at the lower level.",
    },
    Def {
        id: "new-optional-request-property",
        level: N,
        summary: "A request schema gained an optional property.",
        why: "Compatible: clients that do not know it simply omit it.",
        example: "Head adds `nickname` (not required) to a request body.",
    },
    Def {
        id: "request-property-removed",
        level: W,
        summary: "A property was removed from a request schema.",
        why: "Clients still send it; the server now ignores it or rejects it (with `additionalProperties: false`), so what they ask for silently stops happening.",
        example: "Base request body has `properties: {name, email}`; head has only `name`.\n\nFix: keep accepting the property until every client has stopped sending it (deprecate it first).",
    },
    Def {
        id: "request-property-became-required",
        level: E,
        summary: "An optional request property became required.",
        why: "Clients that omit it (as they were allowed to) now get their requests rejected.",
        example: "Base: `required: [name]`; head: `required: [name, email]`.\n\nFix: keep it optional and apply a default on the server.",
    },
    Def {
        id: "request-property-became-optional",
        level: N,
        summary: "A required request property became optional.",
        why: "Compatible: clients that send it keep working.",
        example: "Base: `required: [name, email]`; head: `required: [name]`.",
    },
    Def {
        id: "response-required-property-added",
        level: N,
        summary: "A response gained a required property.",
        why: "Compatible for tolerant readers: clients ignore fields they do not know.",
        example: "Head adds `createdAt` to a response schema's `properties` and `required`.",
    },
    Def {
        id: "response-optional-property-added",
        level: N,
        summary: "A response gained an optional property.",
        why: "Compatible for tolerant readers: clients ignore fields they do not know.",
        example: "Head adds `nickname` to a response schema.",
    },
    Def {
        id: "response-required-property-removed",
        level: E,
        summary: "A required property was removed from a response.",
        why: "Clients rely on required response properties being present; they crash or misbehave when one disappears.",
        example: "Base response `required: [id, name]`; head drops `name`.\n\nFix: keep returning it (deprecate it first, announce a sunset), or version the API.",
    },
    Def {
        id: "response-optional-property-removed",
        level: W,
        summary: "An optional property was removed from a response.",
        why: "Clients that read it whenever it was present lose data they may depend on.",
        example: "Base response has optional `nickname`; head drops it.\n\nFix: deprecate it first and remove it after its sunset date.",
    },
    Def {
        id: "response-property-removed-without-deprecation",
        level: E,
        summary: "An optional response property was removed without being deprecated first.",
        why: "Our deprecation policy: clients (mobile apps update slowly) show or use the property whenever it is present; deprecating it first with a sunset date tells them in time. (`require_deprecation_before_removal: false` reports `response-optional-property-removed`, a warning, as oasdiff does.)",
        example: "Base response has optional `nickname`; head drops it.\n\nFix: mark it `deprecated: true` with `x-sunset: <date>`, remove it after that date.",
    },
    Def {
        id: "response-property-removed-before-sunset",
        level: E,
        summary: "A deprecated response property was removed before its sunset date (or it had none).",
        why: "The sunset date is the promise made to clients about how long the property keeps coming.",
        example: "Base: `deprecated: true`, `x-sunset: 2099-01-01`; head drops the property.",
    },
    Def {
        id: "response-property-removed-with-deprecation",
        level: N,
        summary: "A deprecated response property was removed after its sunset date.",
        why: "The deprecation process working as intended.",
        example: "Base: `deprecated: true`, `x-sunset: 2020-01-01`; head drops it.",
    },
    Def {
        id: "response-property-became-required",
        level: N,
        summary: "An optional response property became required (always present).",
        why: "Compatible: clients already handle it being present.",
        example: "Base: `required: [id]`; head: `required: [id, name]`.",
    },
    Def {
        id: "response-property-became-optional",
        level: E,
        summary: "A required response property became optional (may be missing).",
        why: "Clients that read it unconditionally break when it is absent.",
        example: "Base: `required: [id, name]`; head: `required: [id]`.\n\nFix: keep it required, or version the API.",
    },
];
