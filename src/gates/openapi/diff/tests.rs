//! Behaviour of the comparison on small specs: each known trap of the
//! incumbent tools, both directions of the schema rules, and refactors that
//! must produce nothing.

use super::{Change, Options, compare};
use crate::finding::{Severity, Side};
use crate::gates::openapi::model::Spec;
use crate::gates::openapi::refs::Docs;

fn load(path: &str, text: &str, files: &[(&str, &str)]) -> Docs {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let mut read = move |p: &str| {
        Ok(files
            .iter()
            .find(|(n, _)| n == p)
            .map(|(_, t)| t.as_bytes().to_vec()))
    };
    Docs::load(path, text.as_bytes(), &mut read).unwrap()
}

fn opts() -> Options {
    Options {
        today: "2026-06-01".into(),
        ..Options::default()
    }
}

fn diff_files(
    base: &str,
    head: &str,
    base_files: &[(&str, &str)],
    head_files: &[(&str, &str)],
) -> Vec<Change> {
    let b = load("api.yaml", base, base_files);
    let h = load("api.yaml", head, head_files);
    let (bs, hs) = (Spec::build(&b).unwrap(), Spec::build(&h).unwrap());
    compare(&bs, &hs, &opts()).unwrap()
}

fn diff(base: &str, head: &str) -> Vec<Change> {
    diff_files(base, head, &[], &[])
}

fn rules(changes: &[Change]) -> Vec<&str> {
    changes.iter().map(|c| c.rule.as_str()).collect()
}

/// A spec whose POST /things takes and returns `schema` (YAML, indented 8).
fn spec(schema: &str) -> String {
    let indented: String = schema.lines().map(|l| format!("        {l}\n")).collect();
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /things:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/Thing'}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Thing'}}\ncomponents:\n  schemas:\n    Thing:\n{indented}"
    )
}

#[test]
fn narrowing_breaks_requests_and_widening_breaks_responses() {
    let c = diff(
        &spec("type: object\nproperties:\n  n: {type: integer, maximum: 10}\n"),
        &spec("type: object\nproperties:\n  n: {type: integer, maximum: 5}\n"),
    );
    let req = c
        .iter()
        .find(|c| c.rule == "request-property-max-decreased")
        .unwrap();
    assert_eq!(req.severity, Severity::Error);
    assert_eq!(req.line, 21);
    let resp = c
        .iter()
        .find(|c| c.rule == "response-property-max-decreased")
        .unwrap();
    assert_eq!(resp.severity, Severity::Notice);

    let c = diff(
        &spec("type: object\nproperties:\n  n: {type: integer, maximum: 5}\n"),
        &spec("type: object\nproperties:\n  n: {type: integer, maximum: 10}\n"),
    );
    assert_eq!(
        c.iter()
            .find(|c| c.rule == "response-property-max-increased")
            .unwrap()
            .severity,
        Severity::Error
    );
    assert_eq!(
        c.iter()
            .find(|c| c.rule == "request-property-max-increased")
            .unwrap()
            .severity,
        Severity::Notice
    );
}

#[test]
fn read_only_matters_only_in_responses_and_write_only_only_in_requests() {
    // A new required readOnly property is not something clients must send.
    let base = spec("type: object\nproperties:\n  a: {type: string}\n");
    let head = spec(
        "type: object\nrequired: [id]\nproperties:\n  a: {type: string}\n  id: {type: string, readOnly: true}\n",
    );
    let c = diff(&base, &head);
    assert!(
        !rules(&c).contains(&"new-required-request-property"),
        "{c:#?}"
    );
    assert!(rules(&c).contains(&"response-required-property-added"));
    // Removing a writeOnly property (a password) changes no response.
    let base = spec(
        "type: object\nrequired: [password]\nproperties:\n  password: {type: string, writeOnly: true}\n",
    );
    let head = spec("type: object\nproperties: {}\n");
    let c = diff(&base, &head);
    assert_eq!(rules(&c), vec!["request-property-removed"], "{c:#?}");
    // Constraints on a readOnly property do not concern requests.
    let base = spec("type: object\nproperties:\n  id: {type: string, readOnly: true}\n");
    let head = spec(
        "type: object\nproperties:\n  id: {type: string, readOnly: true, pattern: '^[a-z]+$'}\n",
    );
    let c = diff(&base, &head);
    assert_eq!(rules(&c), vec!["response-property-pattern-added"], "{c:#?}");
}

#[test]
fn moving_properties_into_all_of_changes_nothing() {
    let base = spec(
        "type: object\nrequired: [a]\nproperties:\n  a: {type: string}\n  b: {type: integer}\n",
    );
    let head = format!(
        "{}    Base:\n      type: object\n      required: [a]\n      properties:\n        a: {{type: string}}\n",
        spec(
            "allOf:\n  - $ref: '#/components/schemas/Base'\n  - type: object\n    properties:\n      b: {type: integer}\n"
        )
    );
    let c = diff(&base, &head);
    assert!(c.is_empty(), "{c:#?}");
}

#[test]
fn parameter_moved_to_path_level_or_renamed_in_the_template_changes_nothing() {
    let base = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /u/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: q, in: query, schema: {type: string}}\n      responses: {'200': {description: ok}}\n";
    let head = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /u/{userId}:\n    parameters:\n      - {name: userId, in: path, required: true, schema: {type: string}}\n      - {name: q, in: query, schema: {type: string}}\n    get:\n      responses: {'200': {description: ok}}\n";
    let c = diff(base, head);
    assert!(c.is_empty(), "{c:#?}");
}

#[test]
fn new_enum_values_in_a_response_are_one_warning_and_extensible_enums_are_fine() {
    let values: Vec<String> = (0..51).map(|i| format!("v{i}")).collect();
    let base = spec("type: string\nenum: [a]\n");
    let head = spec(&format!("type: string\nenum: [a, {}]\n", values.join(", ")));
    let c = diff(&base, &head);
    let resp: Vec<&Change> = c
        .iter()
        .filter(|c| c.rule == "response-body-enum-value-added")
        .collect();
    assert_eq!(resp.len(), 1, "{c:#?}");
    assert_eq!(resp[0].severity, Severity::Warning);
    assert!(c.iter().all(|c| c.severity != Severity::Error), "{c:#?}");
    let c = diff(
        &spec("type: string\nx-extensible-enum: [a]\n"),
        &spec("type: string\nx-extensible-enum: [a, b]\n"),
    );
    assert!(c.is_empty(), "{c:#?}");
    let c = diff(
        &spec("type: string\nx-extensible-enum: [a, b]\n"),
        &spec("type: string\nx-extensible-enum: [a]\n"),
    );
    let errors: Vec<&str> = c
        .iter()
        .filter(|c| c.severity == Severity::Error)
        .map(|c| c.rule.as_str())
        .collect();
    assert_eq!(errors, vec!["request-body-x-extensible-enum-value-removed"]);
}

#[test]
fn description_example_and_layout_edits_change_nothing() {
    let base = spec(
        "type: object\ndescription: a thing\nexample: {a: x}\nproperties:\n  a: {type: string}\n",
    );
    let head = spec(
        "description: 'A thing, described better'\nproperties:\n  a:\n    type: string\n    example: y\ntype: object\nexample: {a: z}\n",
    );
    assert!(diff(&base, &head).is_empty());
    // Inline schema moved to a component, and YAML rewritten as JSON.
    let inline = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: object, properties: {x: {type: string}}}\n";
    let json = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1.0.0\"},\n \"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\",\n  \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/X\"}}}}}}}},\n \"components\": {\"schemas\": {\"X\": {\"properties\": {\"x\": {\"type\": \"string\"}}, \"type\": \"object\"}}}}\n";
    assert!(diff(inline, json).is_empty());
}

#[test]
fn circular_and_external_refs_compare_without_crashing() {
    let base = spec(
        "type: object\nproperties:\n  children:\n    type: array\n    items: {$ref: '#/components/schemas/Thing'}\n  name: {type: string}\n",
    );
    let head = spec(
        "type: object\nproperties:\n  children:\n    type: array\n    items: {$ref: '#/components/schemas/Thing'}\n  name: {type: string, maxLength: 9}\n",
    );
    let c = diff(&base, &head);
    assert!(
        rules(&c).contains(&"request-property-max-length-set"),
        "{c:#?}"
    );
    // External file refs, with a change only in the external file.
    let root = spec("$ref: 'thing.yaml#/Thing'\n");
    let thing_b = "Thing:\n  type: object\n  properties:\n    self: {$ref: '#/Thing'}\n    n: {type: integer}\n";
    let thing_h = "Thing:\n  type: object\n  properties:\n    self: {$ref: '#/Thing'}\n    n: {type: string}\n";
    let c = diff_files(
        &root,
        &root,
        &[("thing.yaml", thing_b)],
        &[("thing.yaml", thing_h)],
    );
    let t = c
        .iter()
        .find(|c| c.rule == "request-property-type-changed")
        .unwrap();
    assert_eq!((t.path.as_str(), t.line), ("thing.yaml", 5));
}

#[test]
fn type_changes_inside_additional_properties_and_one_of_branches_are_found() {
    let c = diff(
        &spec("type: object\nadditionalProperties:\n  type: integer\n"),
        &spec("type: object\nadditionalProperties:\n  type: string\n"),
    );
    assert!(
        rules(&c).contains(&"request-property-type-changed"),
        "{c:#?}"
    );
    let c = diff(
        &spec(
            "oneOf:\n  - type: object\n    properties:\n      n: {type: integer}\n  - type: string\n",
        ),
        &spec(
            "oneOf:\n  - type: object\n    properties:\n      n: {type: string}\n  - type: string\n",
        ),
    );
    assert!(
        rules(&c).contains(&"response-property-type-changed"),
        "{c:#?}"
    );
}

#[test]
fn swagger2_specs_compare_in_the_same_model() {
    let base = "swagger: '2.0'\ninfo: {title: t, version: 1.0.0}\npaths:\n  /p:\n    get:\n      parameters:\n        - {name: n, in: query, type: integer, maximum: 10}\n      responses:\n        200:\n          description: ok\n          schema: {type: object, required: [a], properties: {a: {type: string}}}\n";
    let head = base
        .replace("maximum: 10", "maximum: 5")
        .replace("required: [a], ", "");
    let c = diff(base, &head);
    let r = rules(&c);
    assert!(r.contains(&"request-parameter-max-decreased"), "{c:#?}");
    assert!(r.contains(&"response-property-became-optional"), "{c:#?}");
}

#[test]
fn removal_follows_the_deprecation_and_sunset_policy() {
    let with = |extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      responses: {{'200': {{description: ok}}}}\n    delete:\n{extra}      responses: {{'204': {{description: ok}}}}\n"
        )
    };
    let head = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n";
    let case = |extra: &str| {
        let c = diff(&with(extra), head);
        assert_eq!(c.len(), 1, "{c:#?}");
        assert_eq!((c[0].side, c[0].line), (Side::Base, 7));
        (c[0].rule.clone(), c[0].severity)
    };
    assert_eq!(
        case(""),
        ("api-removed-without-deprecation".into(), Severity::Error)
    );
    assert_eq!(
        case("      deprecated: true\n"),
        ("api-removed-before-sunset".into(), Severity::Error)
    );
    assert_eq!(
        case("      deprecated: true\n      x-sunset: '2099-01-01'\n"),
        ("api-removed-before-sunset".into(), Severity::Error)
    );
    assert_eq!(
        case("      deprecated: true\n      x-sunset: '2020-01-01'\n"),
        ("api-removed-with-deprecation".into(), Severity::Notice)
    );
    assert_eq!(
        case("      x-stability-level: alpha\n"),
        ("api-removed-without-deprecation".into(), Severity::Notice)
    );
}

#[test]
fn deprecating_needs_a_sunset_date_and_stability_must_not_decrease() {
    let op = |extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n{extra}      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(&op(""), &op("      deprecated: true\n"));
    assert_eq!(
        rules(&c),
        vec!["endpoint-deprecated", "api-deprecated-sunset-missing"]
    );
    let c = diff(
        &op(""),
        &op("      deprecated: true\n      x-sunset: '2027-01-01'\n"),
    );
    assert_eq!(rules(&c), vec!["endpoint-deprecated-with-sunset"]);
    let c = diff(
        &op(""),
        &op("      deprecated: true\n      x-sunset: soon\n"),
    );
    assert!(rules(&c).contains(&"api-deprecated-sunset-parse"));
    let c = diff(
        &op("      x-stability-level: stable\n"),
        &op("      x-stability-level: beta\n"),
    );
    assert_eq!(rules(&c), vec!["api-stability-decreased"]);
    let c = diff(&op(""), &op("      x-stability-level: experimental\n"));
    assert_eq!(rules(&c), vec!["api-invalid-stability-level"]);
}

#[test]
fn webhooks_flip_directions() {
    let hook = |schema: &str| {
        format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\nwebhooks:\n  newPet:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {{type: object, properties: {{n: {{type: integer, {schema}}}}}}}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    // We send webhook requests: widening what we send breaks the receivers.
    let c = diff(&hook("maximum: 5"), &hook("maximum: 10"));
    let r = c
        .iter()
        .find(|c| c.rule.ends_with("max-increased"))
        .unwrap();
    assert_eq!(
        (r.rule.as_str(), r.severity),
        ("response-property-max-increased", Severity::Error)
    );
}

#[test]
fn security_changes_are_found_per_operation_and_globally() {
    let op = |sec: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n{sec}      responses: {{'200': {{description: ok}}}}\ncomponents:\n  securitySchemes:\n    oauth: {{type: oauth2, flows: {{}}}}\n"
        )
    };
    let c = diff(&op(""), &op("      security: [{oauth: [read]}]\n"));
    assert_eq!(rules(&c), vec!["api-security-added"]);
    let c = diff(
        &op("      security: [{oauth: [read]}]\n"),
        &op("      security: [{oauth: [read, admin]}]\n"),
    );
    assert_eq!(rules(&c), vec!["api-security-scope-added"]);
}

#[test]
fn format_widening_is_safe_in_its_direction_and_parameter_defaults_matter() {
    let c = diff(
        &spec("type: integer\nformat: int32\n"),
        &spec("type: integer\nformat: int64\n"),
    );
    // The request accepts more: fine. The response may now carry 64-bit values: breaking.
    assert_eq!(rules(&c), vec!["response-body-format-changed"], "{c:#?}");
    assert_eq!(c[0].severity, Severity::Error);
    let op = |d: u32| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      parameters:\n        - {{name: limit, in: query, schema: {{type: integer, default: {d}}}}}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(&op(20), &op(50));
    assert_eq!(rules(&c), vec!["request-parameter-default-value-changed"]);
    assert_eq!(c[0].severity, Severity::Error);
    let c = diff(
        &spec("type: object\nproperties:\n  n: {type: integer, default: 1}\n"),
        &spec("type: object\nproperties:\n  n: {type: integer, default: 2}\n"),
    );
    assert!(c.iter().all(|c| c.severity != Severity::Error), "{c:#?}");
}

#[test]
fn swagger_base_path_moves_every_url_and_ignored_headers_are_ignored() {
    let base = "swagger: '2.0'\ninfo: {title: t, version: 1.0.0}\nbasePath: /api/v1\npaths:\n  /p:\n    get:\n      responses: {200: {description: ok}}\n";
    let c = diff(base, &base.replace("/api/v1", "/api/v2"));
    assert!(
        rules(&c).contains(&"api-path-removed-without-deprecation"),
        "{c:#?}"
    );
    let op = |extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      parameters:\n        - {{name: q, in: query, schema: {{type: string}}}}\n{extra}      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(
        &op(""),
        &op("        - {name: Accept, in: header, required: true, schema: {type: string}}\n"),
    );
    assert!(c.is_empty(), "{c:#?}");
}

#[test]
fn renamed_components_and_inlined_refs_in_one_of_change_nothing() {
    let with = |branch: &str, comps: &str| {
        format!(
            "{}    Cat:\n      type: object\n      properties: {{meow: {{type: string}}}}\n{comps}",
            spec(&format!("oneOf:\n  - {branch}\n  - type: string\n"))
        )
    };
    let base = with("$ref: '#/components/schemas/Cat'", "");
    let renamed = with(
        "$ref: '#/components/schemas/Feline'",
        "    Feline:\n      type: object\n      properties: {meow: {type: string}}\n",
    );
    assert!(
        diff(&base, &renamed).is_empty(),
        "{:#?}",
        diff(&base, &renamed)
    );
    let inlined = with("{type: object, properties: {meow: {type: string}}}", "");
    assert!(
        diff(&base, &inlined).is_empty(),
        "{:#?}",
        diff(&base, &inlined)
    );
}

#[test]
fn removing_parameters_and_response_properties_needs_deprecation_first() {
    let prop = |extra: &str| {
        spec(&format!(
            "type: object\nproperties:\n  id: {{type: string}}\n  nick:\n    type: string\n{extra}"
        ))
    };
    let gone = spec("type: object\nproperties:\n  id: {type: string}\n");
    let c = diff(&prop(""), &gone);
    let r = c.iter().find(|c| c.rule.starts_with("response-")).unwrap();
    assert_eq!(
        (r.rule.as_str(), r.severity, r.side),
        (
            "response-property-removed-without-deprecation",
            Severity::Error,
            Side::Base
        )
    );
    let c = diff(
        &prop("    deprecated: true\n    x-sunset: '2020-01-01'\n"),
        &gone,
    );
    assert!(
        rules(&c).contains(&"response-property-removed-with-deprecation"),
        "{c:#?}"
    );
    assert!(c.iter().all(|c| c.severity != Severity::Error), "{c:#?}");
    let op = |p: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      parameters:\n{p}      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(
        &op("        - {name: q, in: query, schema: {type: string}}\n"),
        &op(""),
    );
    assert_eq!(
        rules(&c),
        vec!["request-parameter-removed-without-deprecation"]
    );
    // Without the policy, oasdiff's levels.
    let lax = Options {
        require_deprecation_before_removal: false,
        ..opts()
    };
    let (b, h) = (
        load("api.yaml", &prop(""), &[]),
        load("api.yaml", &gone, &[]),
    );
    let c = compare(&Spec::build(&b).unwrap(), &Spec::build(&h).unwrap(), &lax).unwrap();
    assert!(
        rules(&c).contains(&"response-optional-property-removed"),
        "{c:#?}"
    );
}

#[test]
fn boolean_exclusive_minimum_of_openapi_30_is_a_bound() {
    let c = diff(
        &spec("type: integer\nminimum: 0\n"),
        &spec("type: integer\nminimum: 0\nexclusiveMinimum: true\n"),
    );
    assert!(
        rules(&c).contains(&"request-body-exclusive-min-set"),
        "{c:#?}"
    );
}

#[test]
fn parameter_serialization_and_operation_id_changes_are_found() {
    let op = |p: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      operationId: listA\n      parameters:\n        - {{name: ids, in: query, schema: {{type: array, items: {{type: string}}}}{p}}}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    assert!(diff(&op(""), &op(", explode: true")).is_empty());
    let c = diff(&op(""), &op(", explode: false"));
    assert_eq!(rules(&c), vec!["request-parameter-explode-changed"]);
    let c = diff(&op(""), &op(", style: pipeDelimited"));
    assert_eq!(rules(&c), vec!["request-parameter-style-changed"]);
    let c = diff(&op(""), &op("").replace("listA", "getAll"));
    assert_eq!(rules(&c), vec!["api-operation-id-changed"]);
}

#[test]
fn migrating_30_to_31_forms_and_media_type_parameters_changes_nothing() {
    let c = diff(
        &spec("type: integer\nminimum: 5\nexclusiveMinimum: true\nnullable: true\n"),
        &spec("type: [integer, 'null']\nexclusiveMinimum: 5\n"),
    );
    assert!(c.is_empty(), "{c:#?}");
    let base = spec("type: string\n");
    let head = base.replace("application/json:", "'application/json; charset=utf-8':");
    let c = diff(&base, &head);
    assert!(c.is_empty(), "{c:#?}");
}

#[test]
fn callbacks_are_compared_as_requests_we_send() {
    let cb = |max: u32| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /jobs:\n    post:\n      callbacks:\n        onDone:\n          '{{$request.body#/url}}':\n            post:\n              requestBody:\n                content:\n                  application/json:\n                    schema: {{type: object, properties: {{n: {{type: integer, maximum: {max}}}}}}}\n              responses: {{'200': {{description: ok}}}}\n      responses: {{'202': {{description: ok}}}}\n"
        )
    };
    let c = diff(&cb(5), &cb(10));
    let r = c
        .iter()
        .find(|c| c.rule.ends_with("max-increased"))
        .unwrap();
    assert_eq!(
        (r.rule.as_str(), r.severity),
        ("response-property-max-increased", Severity::Error)
    );
    assert!(
        r.message()
            .starts_with("callback onDone of POST /jobs: POST"),
        "{}",
        r.message()
    );
    let none = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /jobs:\n    post:\n      responses: {'202': {description: ok}}\n";
    assert_eq!(rules(&diff(&cb(5), none)), vec!["callback-removed"]);
}

#[test]
fn security_scheme_changes_are_found_with_their_severity() {
    let doc = |global: &str, schemes: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\n{global}paths:\n  /a:\n    get:\n      responses: {{'200': {{description: ok}}}}\ncomponents:\n  securitySchemes:\n{schemes}"
        )
    };
    let key =
        |loc: &str, name: &str| format!("    key: {{type: apiKey, in: {loc}, name: {name}}}\n");
    let c = diff(
        &doc("", &key("header", "X-API-Key")),
        &doc("", &key("header", "x-api-key")),
    );
    assert!(c.is_empty(), "header names are case-insensitive: {c:?}");
    let c = diff(
        &doc("", &key("query", "api_key")),
        &doc("", &key("header", "X-Key")),
    );
    assert_eq!(
        rules(&c),
        vec![
            "api-security-component-api-key-location-changed",
            "api-security-component-api-key-name-changed"
        ]
    );
    assert!(c.iter().all(|c| c.severity == Severity::Error));
    let c = diff(
        &doc("", &key("header", "X-Key")),
        &doc("", "    key: {type: http, scheme: bearer}\n"),
    );
    assert_eq!(rules(&c), vec!["api-security-component-type-changed"]);
    assert_eq!(c[0].line, 9);
    assert!(c[0].message().contains("apiKey to http bearer"));

    let oauth = |token: &str, scopes: &str, extra: &str| {
        format!(
            "    oauth:\n      type: oauth2\n      flows:\n        authorizationCode:\n          authorizationUrl: https://a.example/authorize\n          tokenUrl: {token}\n          scopes: {{{scopes}}}\n{extra}"
        )
    };
    let password =
        "        password:\n          tokenUrl: https://a.example/token\n          scopes: {}\n";
    let c = diff(
        &doc(
            "",
            &oauth(
                "https://a.example/token",
                "read: Read, admin: Admin",
                password,
            ),
        ),
        &doc(
            "",
            &oauth(
                "https://b.example/token",
                "read: Read all, write: Write",
                "",
            ),
        ),
    );
    let mut got = rules(&c);
    got.sort();
    assert_eq!(
        got,
        vec![
            "api-security-component-oauth-flow-removed",
            "api-security-component-oauth-scope-added",
            "api-security-component-oauth-scope-changed",
            "api-security-component-oauth-scope-removed",
            "api-security-component-oauth-token-url-changed",
        ]
    );
    let removed = c
        .iter()
        .find(|c| c.rule == "api-security-component-oauth-flow-removed")
        .unwrap();
    assert_eq!(
        (removed.side, removed.severity),
        (Side::Base, Severity::Error)
    );

    // Document-wide scopes, both directions.
    let g = |scopes: &str| format!("security: [{{oauth: [{scopes}]}}]\n");
    let o = oauth("https://a.example/token", "read: R, admin: A", "");
    let c = diff(&doc(&g("read"), &o), &doc(&g("read, admin"), &o));
    assert_eq!(rules(&c), vec!["api-global-security-scope-added"]);
    assert_eq!(c[0].severity, Severity::Warning);
    let c = diff(&doc(&g("read, admin"), &o), &doc(&g("read"), &o));
    assert_eq!(rules(&c), vec!["api-global-security-scope-removed"]);
    assert_eq!(c[0].severity, Severity::Notice);
}

#[test]
fn swagger2_oauth_flow_and_urls_are_compared() {
    let doc = |flow: &str, url: &str| {
        format!(
            "swagger: '2.0'\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nsecurityDefinitions:\n  oauth:\n    type: oauth2\n    flow: {flow}\n    authorizationUrl: {url}\n    tokenUrl: https://a.example/token\n    scopes: {{read: Read}}\n"
        )
    };
    let c = diff(
        &doc("accessCode", "https://a.example/authorize"),
        &doc("accessCode", "https://b.example/authorize"),
    );
    assert_eq!(rules(&c), vec!["api-security-component-oauth-url-changed"]);
    assert_eq!(c[0].line, 8);
    let c = diff(
        &doc("accessCode", "https://a.example/authorize"),
        &doc("implicit", "https://a.example/authorize"),
    );
    let mut got = rules(&c);
    got.sort();
    assert_eq!(
        got,
        vec![
            "api-security-component-oauth-flow-added",
            "api-security-component-oauth-flow-removed"
        ]
    );
}

#[test]
fn type_generalized_and_specialized_follow_the_direction() {
    let t = |ty: &str| spec(&format!("type: object\nproperties:\n  n: {{type: {ty}}}\n"));
    let c = diff(&t("integer"), &t("number"));
    assert_eq!(
        rules(&c),
        vec![
            "request-property-type-generalized",
            "response-property-type-generalized"
        ]
    );
    assert_eq!(c[0].severity, Severity::Notice);
    assert_eq!(c[1].severity, Severity::Error);
    let c = diff(&t("number"), &t("integer"));
    assert_eq!(
        rules(&c),
        vec![
            "request-property-type-specialized",
            "response-property-type-specialized"
        ]
    );
    assert_eq!(c[0].severity, Severity::Error);
    assert_eq!(c[1].severity, Severity::Notice);

    // A query parameter that took one value now takes an array of them.
    let q = |schema: &str| {
        format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      parameters:\n        - name: id\n          in: query\n          schema: {schema}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let base = q("{type: [string, integer]}");
    let c = diff(&base, &q("{type: array, items: {type: string}}"));
    assert_eq!(rules(&c), vec!["request-parameter-type-generalized"]);
    let c = diff(&base, &q("{type: array, items: {type: integer}}"));
    assert_eq!(rules(&c), vec!["request-parameter-type-changed"]);
    let c = diff(
        &base,
        &q("{type: array, items: {type: string, pattern: '^a$'}}"),
    );
    assert_eq!(rules(&c), vec!["request-parameter-type-changed"]);
}

#[test]
fn a_schema_wrapped_in_one_of_is_reported_unless_the_old_schema_is_a_branch() {
    let obj = "type: object\nrequired: [foo, bar]\nproperties:\n  foo: {type: string}\n  bar: {type: string}\n";
    let wrapped = "oneOf:\n  - type: object\n    required: [foo]\n    properties:\n      foo: {type: string}\n  - type: object\n    required: [bar]\n    properties:\n      bar: {type: string}\n";
    let c = diff(&spec(obj), &spec(wrapped));
    let r = rules(&c);
    assert!(r.contains(&"request-body-wrapped-in-one-of"), "{r:?}");
    assert!(r.contains(&"response-body-wrapped-in-one-of"), "{r:?}");
    let w = c
        .iter()
        .find(|c| c.rule == "request-body-wrapped-in-one-of")
        .unwrap();
    assert_eq!(
        (w.severity, w.side, w.line),
        (Severity::Error, Side::Head, 19)
    );

    // The old schema kept as one branch: an alternative added, not a rewrap.
    let kept = "oneOf:\n  - type: object\n    required: [foo]\n    properties:\n      foo: {type: string}\n  - {type: string}\n";
    let keep_base = "oneOf:\n  - type: object\n    required: [foo]\n    properties:\n      foo: {type: string}\n";
    let c = diff(&spec(keep_base), &spec(kept));
    assert!(
        !rules(&c).iter().any(|r| r.ends_with("wrapped-in-one-of")),
        "{c:?}"
    );
    // The old object kept as a branch with another description; a scalar
    // enum split into single-value branches (GitHub's REST description did
    // both): alternatives, not a rewrap.
    let c = diff(
        &spec("type: object\ndescription: old\nproperties:\n  a: {type: string}\n"),
        &spec(
            "oneOf:\n  - type: object\n    description: new\n    properties:\n      a: {type: string}\n  - {type: string}\n",
        ),
    );
    assert!(
        !rules(&c).iter().any(|r| r.ends_with("wrapped-in-one-of")),
        "{c:?}"
    );
    let c = diff(
        &spec("type: string\nenum: [a, b]\n"),
        &spec(
            "oneOf:\n  - {type: string, enum: [a]}\n  - {type: string, enum: [b]}\n  - {type: string, enum: [c]}\n",
        ),
    );
    assert!(
        !rules(&c).iter().any(|r| r.ends_with("wrapped-in-one-of")),
        "{c:?}"
    );
}

#[test]
fn required_request_properties_with_defaults_and_path_level_parameters_have_their_own_ids() {
    let base = spec("type: object\nproperties:\n  a: {type: string, default: x}\n");
    let c = diff(
        &base,
        &spec(
            "type: object\nrequired: [a, b]\nproperties:\n  a: {type: string, default: x}\n  b: {type: string, default: y}\n",
        ),
    );
    let r = rules(&c);
    assert!(
        r.contains(&"request-property-became-required-with-default"),
        "{r:?}"
    );
    assert!(
        r.contains(&"new-required-request-property-with-default"),
        "{r:?}"
    );
    assert!(
        c.iter()
            .filter(|c| c.rule.starts_with("request-") || c.rule.starts_with("new-"))
            .all(|c| c.severity == Severity::Error)
    );

    let doc = |params: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n{params}    get:\n      responses: {{'200': {{description: ok}}}}\n    post:\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(
        &doc(""),
        &doc(
            "    parameters:\n      - {name: tenant, in: query, required: true, schema: {type: string}}\n      - {name: trace, in: header, schema: {type: string}}\n",
        ),
    );
    assert_eq!(
        rules(&c),
        vec![
            "new-optional-request-default-parameter-to-existing-path",
            "new-required-request-default-parameter-to-existing-path"
        ]
    );
    // One finding per parameter, naming both operations.
    assert_eq!(c[1].subjects, vec!["GET /a", "POST /a"]);
}

#[test]
fn sunset_dates_sooner_than_the_minimum_period_are_errors() {
    let doc = |op_extra: &str, param_extra: &str, prop_extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n{op_extra}      parameters:\n        - name: q\n          in: query\n          schema: {{type: string}}\n{param_extra}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  p:\n                    type: string\n{prop_extra}"
        )
    };
    let base = doc("", "", "");
    let soon = doc(
        "      deprecated: true\n      x-sunset: '2026-07-01'\n",
        "          deprecated: true\n          x-sunset: '2026-07-01'\n",
        "                    deprecated: true\n                    x-sunset: '2026-07-01'\n",
    );
    let b = load("api.yaml", &base, &[]);
    let h = load("api.yaml", &soon, &[]);
    let (bs, hs) = (Spec::build(&b).unwrap(), Spec::build(&h).unwrap());
    // Off by default.
    let c = compare(&bs, &hs, &opts()).unwrap();
    assert!(!rules(&c).iter().any(|r| r.ends_with("too-small")), "{c:?}");
    let strict = Options {
        min_sunset_days: 90,
        ..opts()
    };
    let c = compare(&bs, &hs, &strict).unwrap();
    let mut too_small: Vec<&str> = rules(&c)
        .into_iter()
        .filter(|r| r.ends_with("sunset-date-too-small"))
        .collect();
    too_small.sort();
    assert_eq!(
        too_small,
        vec![
            "api-sunset-date-too-small",
            "request-parameter-sunset-date-too-small",
            "response-property-sunset-date-too-small"
        ]
    );
    let op = c
        .iter()
        .find(|c| c.rule == "api-sunset-date-too-small")
        .unwrap();
    assert_eq!((op.severity, op.line), (Severity::Error, 7));
    assert!(op.message().contains("30 day(s)"), "{}", op.message());
    // Far enough away: nothing.
    let later = soon.replace("2026-07-01", "2026-12-01");
    let h = load("api.yaml", &later, &[]);
    let hs = Spec::build(&h).unwrap();
    let c = compare(&bs, &hs, &strict).unwrap();
    assert!(!rules(&c).iter().any(|r| r.ends_with("too-small")), "{c:?}");
}

#[test]
fn swagger2_form_fields_compare_as_a_form_request_body() {
    let doc = |fields: &str| {
        format!(
            "swagger: '2.0'\ninfo: {{title: t, version: '1'}}\nconsumes: [application/x-www-form-urlencoded]\npaths:\n  /p:\n    post:\n      parameters:\n{fields}      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let name = "        - {name: name, in: formData, type: string, required: true}\n";
    let nick = "        - {name: nick, in: formData, type: string, maxLength: 20}\n";
    let c = diff(&doc(&format!("{name}{nick}")), &doc(name));
    assert_eq!(rules(&c), vec!["request-property-removed"]);
    assert!(
        c[0].message()
            .contains("request body application/x-www-form-urlencoded property `nick`"),
        "{}",
        c[0].message()
    );
    assert_eq!((c[0].side, c[0].line), (Side::Base, 9));
    let tighter =
        "        - {name: nick, in: formData, type: string, maxLength: 10, required: true}\n";
    let c = diff(
        &doc(&format!("{name}{nick}")),
        &doc(&format!("{name}{tighter}")),
    );
    let mut got = rules(&c);
    got.sort();
    assert_eq!(
        got,
        vec![
            "request-property-became-required",
            "request-property-max-length-decreased"
        ]
    );
    // The first form field makes a new (required) body.
    let c = diff(&doc(""), &doc(name));
    assert_eq!(rules(&c), vec!["request-body-added-required"]);
}

#[test]
fn response_links_added_removed_and_retargeted_are_found() {
    let doc = |links: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /u:\n    post:\n      responses:\n        '201':\n          description: created\n{links}"
        )
    };
    let get = |param: &str, desc: &str| {
        format!(
            "          links:\n            GetUser:\n              operationId: getUser\n              description: {desc}\n              parameters: {{{param}: '$response.body#/id'}}\n"
        )
    };
    assert!(diff(&doc(&get("id", "a")), &doc(&get("id", "b"))).is_empty());
    let c = diff(&doc(&get("id", "a")), &doc(&get("userId", "a")));
    assert_eq!(rules(&c), vec!["response-link-changed"]);
    assert_eq!((c[0].severity, c[0].line), (Severity::Warning, 10));
    let c = diff(&doc(&get("id", "a")), &doc(""));
    assert_eq!(rules(&c), vec!["response-link-removed"]);
    assert_eq!((c[0].side, c[0].severity), (Side::Base, Severity::Warning));
    let c = diff(&doc(""), &doc(&get("id", "a")));
    assert_eq!(rules(&c), vec!["response-link-added"]);
    assert_eq!(c[0].severity, Severity::Notice);
}

#[test]
fn any_string_patterns_media_type_renames_and_unparsable_sunsets() {
    let p = |pat: &str| {
        spec(&format!(
            "type: object\nproperties:\n  s: {{type: string, pattern: '{pat}'}}\n"
        ))
    };
    let c = diff(&p(".*"), &p("^[a-z]+$"));
    assert_eq!(
        rules(&c),
        vec![
            "request-property-pattern-added",
            "response-property-pattern-added"
        ]
    );
    assert_eq!(c[0].severity, Severity::Error);
    let c = diff(&p("^[a-z]+$"), &p(""));
    assert_eq!(
        rules(&c),
        vec![
            "request-property-pattern-removed",
            "response-property-pattern-removed"
        ]
    );

    let media = |mt: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      responses:\n        '400':\n          description: bad\n          content:\n            {mt}:\n              schema: {{type: object}}\n"
        )
    };
    let c = diff(
        &media("application/json"),
        &media("application/problem+json"),
    );
    assert_eq!(rules(&c), vec!["response-media-type-name-specialized"]);
    assert_eq!(c[0].severity, Severity::Notice);
    let c = diff(
        &media("application/problem+json"),
        &media("application/json"),
    );
    assert_eq!(rules(&c), vec!["response-media-type-name-generalized"]);
    assert_eq!((c[0].severity, c[0].line), (Severity::Error, 10));
    let c = diff(&media("application/json"), &media("application/xml"));
    assert_eq!(
        rules(&c),
        vec!["response-media-type-removed", "response-media-type-added"]
    );

    let op = |extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n{extra}      responses: {{'200': {{description: ok}}}}\n    post:\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let base = op("      deprecated: true\n      x-sunset: next spring\n");
    let head = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    post:\n      responses: {'200': {description: ok}}\n";
    let c = diff(&base, head);
    assert_eq!(rules(&c), vec!["api-path-sunset-parse"]);
    assert_eq!((c[0].side, c[0].severity), (Side::Base, Severity::Error));
}

#[test]
fn text_parameters_becoming_numbers_and_removals_with_unparsable_sunsets() {
    let q = |schema: &str, extra: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: 1.0.0}}\npaths:\n  /a:\n    get:\n      parameters:\n        - name: n\n          in: query\n          schema: {schema}\n{extra}      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    let c = diff(&q("{type: string}", ""), &q("{type: integer}", ""));
    assert_eq!(rules(&c), vec!["request-parameter-type-specialized"]);
    assert_eq!(c[0].severity, Severity::Error);
    let c = diff(&q("{type: integer}", ""), &q("{type: string}", ""));
    assert_eq!(rules(&c), vec!["request-parameter-type-generalized"]);
    assert_eq!(c[0].severity, Severity::Notice);

    let base = q(
        "{type: string}",
        "          deprecated: true\n          x-sunset: someday\n",
    );
    let head = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n";
    let c = diff(&base, head);
    assert_eq!(rules(&c), vec!["request-parameter-sunset-parse"]);
    assert_eq!(c[0].side, Side::Base);
}

#[test]
fn a_property_stability_decrease_is_an_error_in_both_directions() {
    let p = |level: &str| {
        spec(&format!(
            "type: object\nproperties:\n  s:\n    type: string\n    x-stability-level: {level}\n"
        ))
    };
    let c = diff(&p("stable"), &p("beta"));
    assert_eq!(
        rules(&c),
        vec![
            "request-property-stability-decreased",
            "response-property-stability-decreased"
        ]
    );
    assert!(
        c.iter()
            .all(|c| c.severity == Severity::Error && c.line == 23)
    );
    assert!(diff(&p("beta"), &p("stable")).is_empty());
}
