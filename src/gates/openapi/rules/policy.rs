//! Policy rules: versioning (breaking needs a major bump), deprecation with
//! a sunset date, stability levels.

use super::{Def, E, N};

pub static DEFS: &[Def] = &[
    Def {
        id: "api-major-version-not-bumped",
        level: E,
        summary: "The spec has breaking changes but `info.version`'s major number did not increase.",
        why: "Our versioning policy: a breaking change ships as a new MAJOR version (or a new `/vN` URI version), so clients can tell from the version that they must adapt.",
        example: "Base `info.version: 2.3.0`, head `2.4.0` with a removed operation.\n\nFix: make the change compatible, or bump the major number of `info.version` (2.3.0 → 3.0.0), or publish a new versioned spec beside the old one. Config: `gates.openapi.require_major_bump`.",
    },
    Def {
        id: "api-version-major-bumped",
        level: N,
        summary: "`info.version`'s major number increased: breaking changes are allowed and reported as warnings.",
        why: "Listed so reviewers see that the breaking changes are intended.",
        example: "Base `2.3.0`, head `3.0.0`.",
    },
    Def {
        id: "api-deprecated-sunset-missing",
        level: E,
        summary: "An operation or parameter was deprecated without a sunset date.",
        why: "Our deprecation policy: clients must be told until when a deprecated part keeps working.",
        example: "Head adds `deprecated: true` without `x-sunset`.\n\nFix: add `x-sunset: 2027-06-30` (the extension name is `gates.openapi.sunset_extension`).",
    },
    Def {
        id: "api-deprecated-sunset-parse",
        level: E,
        summary: "A sunset date is not a valid date (expected YYYY-MM-DD or RFC 3339).",
        why: "Tools and people cannot tell when the deprecated part goes away.",
        example: "`x-sunset: next spring` → `x-sunset: 2027-03-21`.",
    },
    Def {
        id: "api-invalid-stability-level",
        level: E,
        summary: "`x-stability-level` is not one of draft, alpha, beta, stable.",
        why: "The stability level decides how strictly changes are judged; an unknown value cannot be honoured.",
        example: "`x-stability-level: experimental` → `x-stability-level: alpha`.",
    },
    Def {
        id: "api-stability-decreased",
        level: E,
        summary: "An operation's `x-stability-level` decreased (e.g. stable → beta).",
        why: "Clients built against a stable operation were promised it would not break.",
        example: "Base `x-stability-level: stable`, head `beta`.",
    },
    Def {
        id: "api-unstable-change",
        level: N,
        summary: "A breaking change in a draft or alpha operation (not enforced).",
        why: "Operations at `x-stability-level: draft` or `alpha` may change freely; the change is listed, not failed.",
        example: "An `alpha` operation loses a response property.",
    },
];
