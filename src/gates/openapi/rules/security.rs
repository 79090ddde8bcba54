//! Security rules: requirements and schemes added or removed.

use super::{Def, N, W};

pub static DEFS: &[Def] = &[
    Def {
        id: "api-security-added",
        level: W,
        summary: "An operation gained a security requirement alternative.",
        why: "Where the operation was public before, clients without credentials are now refused. (oasdiff reports this as INFO; we warn, because unauthenticated clients break.)",
        example: "Base operation has no `security`; head adds `security: [{oauth: [read]}]`.",
    },
    Def {
        id: "api-security-removed",
        level: N,
        summary: "An operation lost a security requirement alternative.",
        why: "Clients keep working; reviewers should confirm the endpoint is meant to be more open.",
        example: "Base `security: [{apiKey: []}, {oauth: []}]`; head only `oauth`.",
    },
    Def {
        id: "api-security-scope-added",
        level: W,
        summary: "A security requirement of an operation needs an extra scope.",
        why: "Tokens issued without the new scope are refused.",
        example: "Base `{oauth: [read]}`; head `{oauth: [read, admin]}`.",
    },
    Def {
        id: "api-security-scope-removed",
        level: N,
        summary: "A security requirement of an operation needs fewer scopes.",
        why: "Compatible.",
        example: "Base `{oauth: [read, admin]}`; head `{oauth: [read]}`.",
    },
    Def {
        id: "api-global-security-added",
        level: W,
        summary: "The document-wide security requirements gained an alternative.",
        why: "Operations that inherit it may refuse clients without those credentials.",
        example: "Head adds top-level `security: [{apiKey: []}]`.",
    },
    Def {
        id: "api-global-security-removed",
        level: N,
        summary: "The document-wide security requirements lost an alternative.",
        why: "Compatible; reviewers should confirm it is intended.",
        example: "Base has top-level `security`; head drops it.",
    },
    Def {
        id: "api-security-component-added",
        level: N,
        summary: "A security scheme was added.",
        why: "Listed for reviewers.",
        example: "Head adds `components.securitySchemes.oauth`.",
    },
    Def {
        id: "api-security-component-removed",
        level: N,
        summary: "A security scheme was removed.",
        why: "Listed for reviewers.",
        example: "Base has `components.securitySchemes.apiKey`; head drops it.",
    },
];
