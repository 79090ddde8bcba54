//! Turning schema problems and compatibility violations into findings that say
//! what broke, where (the head file's line, or the base file's for what the
//! change removed), why, and how to fix it. Not for: deciding compatibility.

use super::compat;
use super::compat::{IncompatKind, LogicalChange};
use super::mode::{self, Direction, Mode, Violation};
use super::rules::{
    self, DEFAULT_NOT_FIRST_BRANCH, INVALID_LOGICAL_TYPE, LOGICAL_TYPE_CHANGED,
    REGISTRY_INCOMPATIBLE, REGISTRY_UNAVAILABLE, SCHEMA_INVALID,
};
use super::schema::{Kind, NodeId, Problem, SchemaError, SchemaSet};
use crate::finding::{Finding, Location, Severity};

const GATE: &str = "avro";

/// A finding for a schema that could not be read or validated.
pub fn schema_problem(e: &SchemaError) -> Finding {
    let (rule, severity, title, help) = match e.kind {
        Problem::Invalid => (
            SCHEMA_INVALID,
            Severity::Error,
            "Invalid Avro schema",
            "Fix the schema so that the registry and the Avro libraries accept it.",
        ),
        Problem::DefaultNotFirstBranch => (
            DEFAULT_NOT_FIRST_BRANCH,
            Severity::Warning,
            "Union default does not match the first branch",
            "Reorder the union so that the default's type comes first, or change the default to match the first branch.",
        ),
        Problem::InvalidLogicalType => (
            INVALID_LOGICAL_TYPE,
            Severity::Warning,
            "Invalid logical type",
            "Fix the logical type's underlying type or parameters; otherwise readers silently see the plain underlying type.",
        ),
    };
    Finding::new(
        GATE,
        rule,
        severity,
        title,
        Some(Location::line(&e.path, e.line)),
        &e.message,
    )
    .with_message(e.message.clone())
    .with_help(help)
}

/// Every finding of checking `new` against earlier versions (`against`, with their
/// roots in `roots`, oldest first) under `mode`, plus logical-type warnings
/// against the newest. For a protocol (`.avpr`) file each named type is checked
/// against the type of the same full name (or one of its aliases) in each
/// earlier version; types added or removed are not compatibility problems.
pub fn compare(
    mode: Mode,
    new_path: &str,
    new: (&SchemaSet, NodeId),
    against: &[Against<'_>],
    roots: &[NodeId],
    protocol: bool,
) -> Vec<Finding> {
    let (set, root) = new;
    // (node in the new schema, its counterpart in each earlier version)
    let mut pairs: Vec<(NodeId, Vec<Option<NodeId>>)> = Vec::new();
    if protocol {
        let types = match &set.get(root).kind {
            Kind::Union(b) => b.clone(),
            _ => vec![root],
        };
        for t in types {
            let Some(named) = set.get(t).kind.named() else {
                continue;
            };
            let names: Vec<&String> = std::iter::once(&named.fullname)
                .chain(&named.aliases)
                .collect();
            let olds = against
                .iter()
                .map(|a| names.iter().find_map(|n| a.set.lookup(n)))
                .collect();
            pairs.push((t, olds));
        }
    } else {
        pairs.push((root, roots.iter().map(|&r| Some(r)).collect()));
    }
    let mut out = Vec::new();
    for (node, olds) in pairs {
        let present: Vec<usize> = (0..olds.len()).filter(|&i| olds[i].is_some()).collect();
        let versions: Vec<mode::Version<'_>> = present
            .iter()
            .filter_map(|&i| olds[i].map(|o| (against[i].set, o)))
            .collect();
        let subset: Vec<Against<'_>> = present
            .iter()
            .map(|&i| Against {
                path: against[i].path,
                label: against[i].label.clone(),
                set: against[i].set,
                is_base: against[i].is_base,
            })
            .collect();
        let found = mode::check(mode, (set, node), &versions);
        out.extend(violations(mode, new_path, set, &subset, &found));
        if let (Some(&(old_set, old_node)), Some(old)) = (versions.last(), subset.last()) {
            let changes = compat::logical_changes((set, node), (old_set, old_node));
            out.extend(logical_changes(new_path, old, &changes));
        }
    }
    out
}

/// Warnings for values whose logical type changed (new schema as reader of `old`).
pub fn logical_changes(
    new_path: &str,
    old: &Against<'_>,
    changes: &[LogicalChange],
) -> Vec<Finding> {
    changes
        .iter()
        .map(|c| {
            let key = format!("{}|{}|{}", c.location, c.writer, c.reader);
            Finding::new(
                GATE,
                LOGICAL_TYPE_CHANGED,
                Severity::Warning,
                format!("Logical type changed from {} to {}", c.writer, c.reader),
                Some(Location::line(new_path, c.reader_line.max(1))),
                &key,
            )
            .with_message(format!(
                "At {} the bytes still resolve (Avro ignores logical types), but values written with {} as {} are read as {}: their meaning changes silently.",
                c.location, old.label, c.writer, c.reader
            ))
            .with_help("Keep the logical type and its parameters; for a new precision, scale or unit add a new field and migrate consumers.")
        })
        .collect()
}

/// The registry refused the schema for `subject`.
pub fn registry_incompatible(path: &str, subject: &str, messages: &[String]) -> Finding {
    let detail = if messages.is_empty() {
        "no details given".to_string()
    } else {
        messages.join("; ")
    };
    Finding::new(
        GATE,
        REGISTRY_INCOMPATIBLE,
        Severity::Error,
        format!("The Schema Registry rejects this schema for subject `{subject}`"),
        Some(Location::line(path, 1)),
        subject,
    )
    .with_message(format!(
        "The registry checked it against the subject's latest version under the subject's compatibility level: {detail}"
    ))
    .with_help("Make the change compatible (see the messages), or agree a new subject with the consumers.")
}

/// The registry could not be asked about `subject`.
pub fn registry_unavailable(path: &str, subject: &str, error: &str) -> Finding {
    Finding::new(
        GATE,
        REGISTRY_UNAVAILABLE,
        Severity::Warning,
        format!("Could not check subject `{subject}` with the Schema Registry"),
        Some(Location::line(path, 1)),
        subject,
    )
    .with_message(format!("The registry check failed: {error}. The offline checks still ran."))
    .with_help("Check gates.avro.registry.url and the SHIPGATE_REGISTRY_USER_INFO / SHIPGATE_REGISTRY_TOKEN variables.")
}

/// One earlier version a schema was checked against.
pub struct Against<'a> {
    /// Display path of that version's file.
    pub path: &'a str,
    /// How to name it in messages: `the base version`, `the version of commit 1a2b3c4`.
    pub label: String,
    pub set: &'a SchemaSet,
    /// Whether this is the base commit's version (so its lines are the base file's lines).
    pub is_base: bool,
}

/// Findings for the violations of `new_path` (whose schema is `new`) against `against`
/// (indexed like the `previous` slice the violations refer to). One finding per
/// distinct problem; the newest version it was found against is named.
pub fn violations(
    mode: Mode,
    new_path: &str,
    new: &SchemaSet,
    against: &[Against<'_>],
    found: &[Violation],
) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for v in found {
        let Some(old) = against.get(v.against) else {
            continue;
        };
        let inc = &v.incompat;
        let key = format!(
            "{:?}|{}|{}|{}",
            v.direction,
            inc.kind.snake_name(),
            inc.location,
            inc.message
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        // The new schema's line: reader side when it reads (BACKWARD), writer side when it writes.
        let (new_line, reader_set, writer_set) = match v.direction {
            Direction::Backward => (inc.reader_line, new, old.set),
            Direction::Forward => (inc.writer_line, old.set, new),
        };
        let reader = reader_set.describe(inc.reader_node);
        let writer = writer_set.describe(inc.writer_node);
        let (who_reads, who_writes) = match v.direction {
            Direction::Backward => (
                "consumers using the new schema".to_string(),
                format!("data written with {}", old.label),
            ),
            Direction::Forward => (
                format!("consumers still using {}", old.label),
                "data written with the new schema".to_string(),
            ),
        };
        let (title, help) = describe(
            v.direction,
            inc.kind,
            inc.field.as_deref(),
            &inc.message,
            &reader,
            &writer,
        );
        let message = format!(
            "{mode} compatibility: {who_reads} cannot read {who_writes} ({}: {} at {} of the reader schema; {}).",
            inc.kind.snake_name(),
            inc.message,
            inc.location,
            match v.direction {
                Direction::Backward => format!("reader: this file, writer: {}", old.path),
                Direction::Forward => format!("reader: {}, writer: this file", old.path),
            }
        );
        // A field removed (FORWARD): point at it in the base file, where it still is.
        let location = if v.direction == Direction::Forward
            && inc.kind == IncompatKind::ReaderFieldMissingDefaultValue
            && old.is_base
        {
            Location::line(old.path, inc.reader_line.max(1)).in_base()
        } else {
            Location::line(new_path, new_line.max(1))
        };
        out.push(
            Finding::new(
                GATE,
                rules::rule_for(inc.kind),
                Severity::Error,
                title,
                Some(location),
                &key,
            )
            .with_message(message)
            .with_help(help),
        );
    }
    out
}

fn describe(
    direction: Direction,
    kind: IncompatKind,
    field: Option<&str>,
    message: &str,
    reader: &str,
    writer: &str,
) -> (String, String) {
    let field = field.unwrap_or("?");
    match (kind, direction) {
        (IncompatKind::ReaderFieldMissingDefaultValue, Direction::Backward) => (
            format!("Field `{field}` was added without a default"),
            format!(
                "Add a default to field `{field}` (e.g. type [\"null\", ...] with \"default\": null), or make it optional; records written before it existed have no value for it."
            ),
        ),
        (IncompatKind::ReaderFieldMissingDefaultValue, Direction::Forward) => (
            format!("Field `{field}` was removed, and old consumers have no default for it"),
            format!(
                "Keep field `{field}`, or first release a version in which `{field}` has a default; renaming needs the old name in the new field's `aliases` and a default."
            ),
        ),
        (IncompatKind::TypeMismatch, Direction::Backward) => (
            format!("Type changed from {writer} to {reader}, which cannot read the old data"),
            "Keep the type, or only widen it (int to long, float or double; long to float or double; float to double; string and bytes either way); for other changes add a new field with a default.".to_string(),
        ),
        (IncompatKind::TypeMismatch, Direction::Forward) => (
            format!("Type changed from {reader} to {writer}, which old consumers cannot read"),
            "Keep the type, or only widen it (int to long, float or double; long to float or double; float to double; string and bytes either way); for other changes add a new field with a default.".to_string(),
        ),
        (IncompatKind::NameMismatch, _) => (
            format!("Named type renamed: {reader} no longer matches {writer}"),
            format!(
                "Keep the name, or list the old full name in the reader's `aliases` ({}).",
                message.trim_start_matches("expected: ")
            ),
        ),
        (IncompatKind::FixedSizeMismatch, _) => (
            format!("Size of {reader} changed ({message})"),
            "A fixed's size cannot change: add a new field with a new fixed type instead.".to_string(),
        ),
        (IncompatKind::MissingEnumSymbols, Direction::Backward) => (
            format!("Enum symbols {message} removed from {reader}"),
            "Keep the symbols, or give the enum a `default` symbol so that readers map unknown symbols to it.".to_string(),
        ),
        (IncompatKind::MissingEnumSymbols, Direction::Forward) => (
            format!("Enum symbols {message} added to {writer}, unknown to old consumers"),
            "Old consumers need an enum `default` before symbols can be added: release the default first, or use a compatibility mode without FORWARD.".to_string(),
        ),
        (IncompatKind::MissingUnionBranch, Direction::Backward) => (
            format!("Union no longer accepts what old data may hold: {message}"),
            "Keep every branch that data written with the old schema may hold; add branches, do not remove them.".to_string(),
        ),
        (IncompatKind::MissingUnionBranch, Direction::Forward) => (
            format!("New branch that old consumers cannot read: {message}"),
            "Old consumers cannot read the new branch; add it to their schema first, or use a compatibility mode without FORWARD.".to_string(),
        ),
    }
}
