//! Endpoint rules: operations and paths added, removed, deprecated, reactivated.

use super::{Def, E, N};

pub static DEFS: &[Def] = &[
    Def {
        id: "endpoint-added",
        level: N,
        summary: "An operation was added.",
        why: "Compatible; listed so the changelog and reviewers see new surface.",
        example: "Head adds `post: /users/{id}/avatar`.",
    },
    Def {
        id: "api-path-removed-without-deprecation",
        level: E,
        summary: "A path (with its operations) was removed without being deprecated first.",
        why: "Clients calling it get 404s. Deprecating first (with a sunset date) gives them time to move.",
        example: "Base has `/v1/users/{id}`; head drops it, and base never marked it `deprecated: true`.\n\nFix: restore it with `deprecated: true` and `x-sunset: <date>`, and remove it after that date.",
    },
    Def {
        id: "api-path-removed-before-sunset",
        level: E,
        summary: "A deprecated path was removed before its sunset date (or it had no sunset date).",
        why: "The sunset date is the promise made to clients about how long the path keeps working.",
        example: "Base: `deprecated: true`, `x-sunset: 2099-01-01`; head removes the path in 2026.\n\nFix: keep it until the sunset date has passed.",
    },
    Def {
        id: "api-path-removed-with-deprecation",
        level: N,
        summary: "A deprecated path was removed after its sunset date.",
        why: "This is the deprecation process working as intended.",
        example: "Base: `deprecated: true`, `x-sunset: 2020-01-01`; head removes it.",
    },
    Def {
        id: "api-removed-without-deprecation",
        level: E,
        summary: "An operation was removed without being deprecated first.",
        why: "Clients calling it get 404/405s. Deprecating first (with a sunset date) gives them time to move.",
        example: "Base has `delete: /users/{id}`; head drops it; base never marked it deprecated.\n\nFix: restore it with `deprecated: true` and `x-sunset: <date>`, then remove it after that date.",
    },
    Def {
        id: "api-removed-before-sunset",
        level: E,
        summary: "A deprecated operation was removed before its sunset date (or it had no sunset date).",
        why: "The sunset date is the promise made to clients about how long the operation keeps working.",
        example: "Base: `deprecated: true`, `x-sunset: 2099-01-01`; head removes the operation.\n\nFix: keep it until the sunset date has passed.",
    },
    Def {
        id: "api-removed-with-deprecation",
        level: N,
        summary: "A deprecated operation was removed after its sunset date.",
        why: "This is the deprecation process working as intended.",
        example: "Base: `deprecated: true`, `x-sunset: 2020-01-01`; head removes it.",
    },
    Def {
        id: "endpoint-deprecated",
        level: N,
        summary: "An operation was deprecated.",
        why: "Clients should be told to move; listed for the changelog.",
        example: "Head adds `deprecated: true` to `get: /users`.",
    },
    Def {
        id: "endpoint-deprecated-with-sunset",
        level: N,
        summary: "An operation was deprecated with a sunset date.",
        why: "This is the deprecation process working as intended; listed for the changelog.",
        example: "Head adds `deprecated: true` and `x-sunset: 2027-06-30`.",
    },
    Def {
        id: "endpoint-reactivated",
        level: N,
        summary: "A deprecated operation is no longer deprecated.",
        why: "Listed for the changelog.",
        example: "Base has `deprecated: true`; head drops it.",
    },
    Def {
        id: "webhook-added",
        level: N,
        summary: "A webhook was added.",
        why: "Compatible; listed for the changelog.",
        example: "Head adds `webhooks: {newPet: ...}`.",
    },
    Def {
        id: "webhook-removed",
        level: E,
        summary: "A webhook was removed.",
        why: "Consumers that subscribed to it stop receiving events.",
        example: "Base has `webhooks: {newPet: ...}`; head drops it.\n\nFix: deprecate it first and keep sending until its sunset date.",
    },
    Def {
        id: "sunset-deleted",
        level: E,
        summary: "A deprecated operation's sunset date was deleted.",
        why: "Clients were told until when it works; without the date nobody knows any more.",
        example: "Base `x-sunset: 2027-01-01`; head keeps `deprecated: true` but drops `x-sunset`.",
    },
    Def {
        id: "api-sunset-date-changed-too-small",
        level: E,
        summary: "A deprecated operation's sunset date was moved earlier.",
        why: "Clients planned their migration by the announced date.",
        example: "Base `x-sunset: 2027-06-01`; head `x-sunset: 2026-12-01`.\n\nFix: keep the announced date, or move it later.",
    },
];
