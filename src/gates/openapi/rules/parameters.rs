//! Parameter rules: parameters added, removed, made required, deprecated.
//! Parameters are matched by (in, name); path parameters by their position in
//! the path template, so renaming `{id}` to `{userId}` changes nothing.

use super::{Def, E, N, W};

pub static DEFS: &[Def] = &[
    Def {
        id: "new-required-request-parameter",
        level: E,
        summary: "An operation gained a required parameter.",
        why: "Existing clients do not send it, so their requests now fail.",
        example: "Head adds `{name: tenant, in: query, required: true}`.\n\nFix: make it optional with a server-side default, or version the API.",
    },
    Def {
        id: "new-request-path-parameter",
        level: E,
        summary: "A path parameter was added (the path template gained a segment).",
        why: "The URL clients call no longer matches.",
        example: "Base `/users`; head `/users/{tenant}` for the same operation key.",
    },
    Def {
        id: "new-optional-request-parameter",
        level: N,
        summary: "An operation gained an optional parameter.",
        why: "Compatible: clients that do not know it omit it.",
        example: "Head adds `{name: limit, in: query}`.",
    },
    Def {
        id: "request-parameter-removed",
        level: W,
        summary: "A request parameter was removed.",
        why: "Clients still send it; the server now ignores it, so what they ask for (a filter, a flag) silently stops happening.",
        example: "Base has `{name: status, in: query}`; head drops it.\n\nFix: deprecate it first (`deprecated: true`, `x-sunset`), remove it after the sunset date.",
    },
    Def {
        id: "request-parameter-removed-before-sunset",
        level: E,
        summary: "A deprecated request parameter was removed before its sunset date.",
        why: "The sunset date is the promise made to clients about how long it keeps working.",
        example: "Base: `deprecated: true`, `x-sunset: 2099-01-01`; head drops the parameter.",
    },
    Def {
        id: "request-parameter-removed-with-deprecation",
        level: N,
        summary: "A deprecated request parameter was removed after its sunset date.",
        why: "The deprecation process working as intended.",
        example: "Base: `deprecated: true`, `x-sunset: 2020-01-01`; head drops it.",
    },
    Def {
        id: "request-parameter-became-required",
        level: E,
        summary: "An optional request parameter became required.",
        why: "Clients that omit it (as they were allowed to) now get their requests rejected.",
        example: "Base `{name: limit, in: query}`; head adds `required: true`.\n\nFix: keep it optional with a default.",
    },
    Def {
        id: "request-parameter-became-optional",
        level: N,
        summary: "A required request parameter became optional.",
        why: "Compatible.",
        example: "Base `required: true`; head `required: false`.",
    },
    Def {
        id: "request-parameter-deprecated",
        level: N,
        summary: "A request parameter was deprecated.",
        why: "Listed for the changelog.",
        example: "Head adds `deprecated: true` to a parameter.",
    },
    Def {
        id: "request-parameter-reactivated",
        level: N,
        summary: "A deprecated request parameter is no longer deprecated.",
        why: "Listed for the changelog.",
        example: "Base `deprecated: true`; head drops it.",
    },
    Def {
        id: "request-parameter-deprecated-sunset-missing",
        level: E,
        summary: "A request parameter was deprecated without a sunset date.",
        why: "Our deprecation policy: clients must be told until when a deprecated part keeps working.",
        example: "Head adds `deprecated: true` to a parameter without `x-sunset`.",
    },
    Def {
        id: "request-parameter-sunset-parse",
        level: E,
        summary: "A deprecated request parameter's sunset date is not a valid date.",
        why: "Tools and people cannot tell when the parameter goes away.",
        example: "`x-sunset: soon` → `x-sunset: 2027-03-21`.",
    },
    Def {
        id: "request-parameter-sunset-deleted",
        level: E,
        summary: "A deprecated request parameter's sunset date was deleted.",
        why: "Clients were told until when it works; without the date nobody knows any more.",
        example: "Base `x-sunset: 2027-01-01`; head drops it.",
    },
    Def {
        id: "request-parameter-sunset-date-changed-too-small",
        level: E,
        summary: "A deprecated request parameter's sunset date was moved earlier.",
        why: "Clients planned their migration by the announced date.",
        example: "Base `x-sunset: 2027-06-01`; head `x-sunset: 2026-12-01`.",
    },
    Def {
        id: "request-parameter-default-value-changed",
        level: E,
        summary: "The default value of a request parameter changed.",
        why: "Clients that omit the parameter (relying on the documented default) silently get different behaviour.",
        example: "Base `{name: limit, in: query, schema: {default: 20}}`; head `default: 50`.\n\nFix: keep the default; add a new parameter for the new behaviour.",
    },
    Def {
        id: "request-parameter-default-value-added",
        level: E,
        summary: "A request parameter gained a default value.",
        why: "Clients that omit the parameter now get the default applied instead of the behaviour they had.",
        example: "Base `{name: limit, in: query}`; head adds `default: 50`.",
    },
    Def {
        id: "request-parameter-default-value-removed",
        level: E,
        summary: "A request parameter's default value was removed.",
        why: "Clients that omit the parameter relied on the documented default.",
        example: "Base `default: 20`; head has none.",
    },
    Def {
        id: "request-parameter-removed-without-deprecation",
        level: E,
        summary: "A request parameter was removed without being deprecated first.",
        why: "Our deprecation policy: clients still send it, and what it did (a filter, a flag) silently stops happening; deprecating it first with a sunset date tells them in time. (`require_deprecation_before_removal: false` reports `request-parameter-removed` instead, a warning, as oasdiff does.)",
        example: "Base has `{name: status, in: query}`; head drops it.\n\nFix: restore it with `deprecated: true` and `x-sunset: <date>`, remove it after that date.",
    },
];
