//! The avro gate's rules: one per incompatibility type of the Avro resolution
//! rules, plus schema validity. Each rule's doc is what `shipgate explain` prints.
//! Not for: finding incompatibilities (see `compat`) or building findings (see `findings`).

use super::compat::IncompatKind;
use crate::finding::Severity;
use crate::gates::GateId;
use crate::rules::RuleInfo;

pub const SCHEMA_INVALID: &str = "avro-schema-invalid";
pub const DEFAULT_NOT_FIRST_BRANCH: &str = "avro-default-not-first-union-branch";
pub const INVALID_LOGICAL_TYPE: &str = "avro-invalid-logical-type";
pub const LOGICAL_TYPE_CHANGED: &str = "avro-logical-type-changed";
pub const REGISTRY_INCOMPATIBLE: &str = "avro-registry-incompatible";
pub const REGISTRY_UNAVAILABLE: &str = "avro-registry-unavailable";

/// The rule id reporting incompatibility `kind`.
pub fn rule_for(kind: IncompatKind) -> &'static str {
    match kind {
        IncompatKind::ReaderFieldMissingDefaultValue => "avro-reader-field-missing-default",
        IncompatKind::TypeMismatch => "avro-type-mismatch",
        IncompatKind::NameMismatch => "avro-name-mismatch",
        IncompatKind::FixedSizeMismatch => "avro-fixed-size-mismatch",
        IncompatKind::MissingEnumSymbols => "avro-missing-enum-symbols",
        IncompatKind::MissingUnionBranch => "avro-missing-union-branch",
    }
}

const fn rule(
    id: &'static str,
    default_severity: Severity,
    summary: &'static str,
    doc: &'static str,
) -> RuleInfo {
    RuleInfo {
        id,
        gate: GateId::Avro,
        default_severity,
        summary,
        doc,
    }
}

pub static RULES: &[RuleInfo] = &[
    rule(
        "avro-reader-field-missing-default",
        Severity::Error,
        "A reader's field has no counterpart in the writer's schema and no default (Avro: reader_field_missing_default_value)",
        "## What it does\n\
Reports a field that the reading schema has, the writing schema lacks, and that has no `default`. \
In BACKWARD modes the new schema reads old data, so this is a field *added* without a default; \
in FORWARD modes old consumers read new data, so this is a field *removed* (or renamed without an alias) \
that old consumers have no default for.\n\n\
## Why is this bad?\n\
Avro fills a field missing from the data with its default. Without one, deserialisation fails: \
consumers crash on every record written with the other schema.\n\n\
## Example\n\
Bad (BACKWARD): `{\"name\": \"email\", \"type\": \"string\"}` added to an existing record.\n\
Good: `{\"name\": \"email\", \"type\": [\"null\", \"string\"], \"default\": null}`, or `\"default\": \"\"`.",
    ),
    rule(
        "avro-type-mismatch",
        Severity::Error,
        "A value's type changed to one the reader cannot read from the writer's type (Avro: type_mismatch)",
        "## What it does\n\
Reports a field, item, value or root whose reader type cannot read the writer type. \
Avro only promotes int to long, float or double; long to float or double; float to double; \
and string to/from bytes.\n\n\
## Why is this bad?\n\
Data written with the other schema cannot be decoded: consumers fail on every record.\n\n\
## Example\n\
Bad (BACKWARD): `\"type\": \"long\"` changed to `\"type\": \"int\"`.\n\
Good: widen instead (`int` to `long`), or add a new field with the new type and deprecate the old one.",
    ),
    rule(
        "avro-name-mismatch",
        Severity::Error,
        "A record, enum or fixed was renamed without an alias (Avro: name_mismatch)",
        "## What it does\n\
Reports a named type (record, enum, fixed) whose name differs between reader and writer when the \
reader does not list the writer's full name in its `aliases`.\n\n\
## Why is this bad?\n\
Avro matches named types by name; a renamed type no longer matches the data's type and \
resolution fails.\n\n\
## Example\n\
Bad: `\"name\": \"Customer\"` renamed to `\"name\": \"Client\"`.\n\
Good: `\"name\": \"Client\", \"aliases\": [\"com.acme.Customer\"]`.",
    ),
    rule(
        "avro-fixed-size-mismatch",
        Severity::Error,
        "A fixed type's size changed (Avro: fixed_size_mismatch)",
        "## What it does\n\
Reports a `fixed` whose `size` differs between reader and writer.\n\n\
## Why is this bad?\n\
A fixed is exactly `size` bytes on the wire; a reader with another size mis-reads every \
following byte.\n\n\
## Example\n\
Bad: `{\"type\": \"fixed\", \"name\": \"Hash\", \"size\": 16}` changed to `\"size\": 32`.\n\
Good: add a new field with a new fixed type (`Hash32`) and keep the old one.",
    ),
    rule(
        "avro-missing-enum-symbols",
        Severity::Error,
        "The writer's enum has symbols the reader's enum lacks, and the reader has no enum default (Avro: missing_enum_symbols)",
        "## What it does\n\
Reports enum symbols that data may contain (the writer has them) but the reader does not know, \
when the reader's enum has no `default` symbol. In BACKWARD modes this is a symbol removed; \
in FORWARD modes a symbol added while old consumers have no enum default.\n\n\
## Why is this bad?\n\
A reader that meets an unknown symbol fails unless its enum declares a `default` to map it to.\n\n\
## Example\n\
Bad (FORWARD): adding `\"REFUNDED\"` to `[\"NEW\", \"PAID\"]` while consumers' enum has no default.\n\
Good: first release `\"default\": \"UNKNOWN\"` (with `UNKNOWN` among the symbols), then add symbols.",
    ),
    rule(
        "avro-missing-union-branch",
        Severity::Error,
        "The writer may write a union branch that the reader's union cannot read (Avro: missing_union_branch)",
        "## What it does\n\
Reports a type the writer can produce (a branch of its union, or its plain type) that no branch \
of the reader's union can read.\n\n\
## Why is this bad?\n\
Records holding that branch cannot be decoded by the reader.\n\n\
## Example\n\
Bad (BACKWARD): `[\"null\", \"string\", \"int\"]` narrowed to `[\"null\", \"string\"]`.\n\
Good: keep every branch the other side can write; add branches, do not remove them.",
    ),
    rule(
        SCHEMA_INVALID,
        Severity::Error,
        "An Avro schema file is not a valid schema (bad JSON, unknown type, invalid or duplicate name, bad default)",
        "## What it does\n\
Reports a changed `.avsc` file that is not valid JSON or not a valid Avro schema: unknown types \
(also across the configured schema folders), invalid or duplicate names, duplicate fields, enum \
symbols or union branches, and defaults that do not match the field's type.\n\n\
## Why is this bad?\n\
The registry, code generators and producers reject the schema; a bad default makes readers fail \
exactly when they need the default.\n\n\
## Example\n\
Bad: `{\"name\": \"count\", \"type\": \"int\", \"default\": \"0\"}`.\n\
Good: `{\"name\": \"count\", \"type\": \"int\", \"default\": 0}`.",
    ),
    rule(
        DEFAULT_NOT_FIRST_BRANCH,
        Severity::Warning,
        "A union field's default matches a later branch, not the first one the specification requires",
        "## What it does\n\
Reports a field whose type is a union and whose `default` matches a branch other than the first.\n\n\
## Why is this bad?\n\
The Avro specification says a union default corresponds to the first branch. Java accepts other \
branches, but readers in other languages (Python, Rust, C#, ...) reject the schema or misread the default.\n\n\
## Example\n\
Bad: `{\"name\": \"note\", \"type\": [\"null\", \"string\"], \"default\": \"\"}`.\n\
Good: `{\"name\": \"note\", \"type\": [\"string\", \"null\"], \"default\": \"\"}`.",
    ),
    rule(
        INVALID_LOGICAL_TYPE,
        Severity::Warning,
        "A logical type has the wrong underlying type or invalid parameters (decimal precision/scale, uuid, date, time-*, timestamp-*, duration)",
        "## What it does\n\
Reports a `logicalType` the specification defines but whose underlying type or parameters are wrong: \
decimal on something other than bytes or fixed, missing or non-positive precision, scale greater than \
precision, a precision that does not fit the fixed's size; uuid not on string or fixed(16); date and \
time-millis not on int; time-micros and (local-)timestamp-* not on long; duration not on fixed(12). \
Unknown logical types are allowed, as the specification says.\n\n\
## Why is this bad?\n\
Java (and so the registry) silently drops an invalid logical type: consumers get raw bytes or numbers \
where the author expected decimals or timestamps.\n\n\
## Example\n\
Bad: `{\"type\": \"int\", \"logicalType\": \"timestamp-millis\"}`.\n\
Good: `{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}`.",
    ),
    rule(
        LOGICAL_TYPE_CHANGED,
        Severity::Warning,
        "A value's logical type (or decimal precision/scale) differs between reader and writer",
        "## What it does\n\
Reports a value whose underlying types resolve but whose logical types differ: a decimal's scale or \
precision changed, a logical type added, removed or replaced (e.g. timestamp-millis to timestamp-micros). \
The Avro resolution rules (and Confluent) ignore logical types, so this is a warning, not an incompatibility.\n\n\
## Why is this bad?\n\
The bytes still decode, but mean something else: a decimal read with another scale is off by a power of \
ten; millis read as micros are off by a thousand. Nothing fails; the data is silently wrong.\n\n\
## Example\n\
Bad: `\"scale\": 2` changed to `\"scale\": 3` on a decimal field.\n\
Good: add a new field with the new scale and migrate consumers; keep the old field unchanged.",
    ),
    rule(
        REGISTRY_INCOMPATIBLE,
        Severity::Error,
        "The live Schema Registry rejects the changed schema for its subject",
        "## What it does\n\
When `gates.avro.registry.url` is set, asks the registry whether the changed schema is compatible with \
the subject's latest registered version under the subject's own compatibility level \
(`POST /compatibility/subjects/{subject}/versions/latest?verbose=true`) and reports a refusal with the \
registry's messages.\n\n\
## Why is this bad?\n\
The producer's registration of this schema will fail at deploy time (or, with auto-registration off, \
consumers will meet data they cannot read). The registry may hold versions git does not know about.\n\n\
## Example\n\
Bad: a field added without a default to a subject whose level is BACKWARD.\n\
Good: add the field with a default, or agree a new subject with the consumers.",
    ),
    rule(
        REGISTRY_UNAVAILABLE,
        Severity::Warning,
        "The Schema Registry could not be asked (unreachable, timed out, refused the credentials)",
        "## What it does\n\
Reports that the configured registry check could not be made: connection or TLS failure, timeout \
after retries, HTTP 401/403, or an unexpected answer. The offline checks still ran.\n\n\
## Why is this bad?\n\
The change was not checked against what is really registered.\n\n\
## Example\n\
Fix: set `SHIPGATE_REGISTRY_USER_INFO` (`key:secret`) or `SHIPGATE_REGISTRY_TOKEN` in the CI job, and \
check `gates.avro.registry.url`. Set this rule to `error` to fail closed.",
    ),
];
