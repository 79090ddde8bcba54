//! The openapi gate end to end: real git repositories, the real binary.

mod common;

use common::TestRepo;
use serde_json::Value;

const SPEC: &str = "openapi: 3.0.3
info:
  title: Users
  version: 1.4.0
paths:
  /users:
    get:
      operationId: listUsers
      parameters:
        - name: limit
          in: query
          schema: {type: integer}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: 'schemas/user.yaml#/User'
  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: 'schemas/user.yaml#/User'
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '204':
          description: gone
";

const USER: &str = "User:
  type: object
  required: [id, name]
  properties:
    id: {type: string}
    name: {type: string, maxLength: 80}
";

fn repo_with_spec() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("api/openapi.yaml", SPEC)
        .write("api/schemas/user.yaml", USER)
        .write("README.md", "service\n");
    repo.commit("base");
    repo.branch("change");
    repo
}

fn openapi_gate(report: &Value) -> &Value {
    report["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["gate"] == "openapi"))
        .expect("openapi gate in report")
}

fn find<'a>(gate: &'a Value, rule: &str) -> &'a Value {
    gate["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == rule))
        .unwrap_or_else(|| panic!("no {rule} finding in {gate:#}"))
}

#[test]
fn removed_operation_and_new_required_parameter_fail_at_the_right_lines() {
    let repo = repo_with_spec();
    // Remove DELETE /users/{id}; add a required query parameter to GET /users.
    let head = SPEC
        .replace(
            "          schema: {type: integer}\n",
            "          schema: {type: integer}\n        - name: tenant\n          in: query\n          required: true\n          schema: {type: string}\n",
        )
        .replace(
            "    delete:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204':\n          description: gone\n",
            "",
        );
    repo.write("api/openapi.yaml", &head);
    repo.commit("break the API");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    assert_eq!(gate["status"], "fail", "{gate:#}");

    let removed = find(gate, "api-removed-without-deprecation");
    assert_eq!(removed["severity"], "error");
    assert_eq!(removed["location"]["path"], "api/openapi.yaml");
    assert_eq!(removed["location"]["side"], "base");
    // `delete:` is line 33 of the base spec.
    assert_eq!(removed["location"]["start_line"], 33, "{removed:#}");
    assert!(
        removed["message"]
            .as_str()
            .unwrap()
            .contains("DELETE /users/{id}")
    );

    let param = find(gate, "new-required-request-parameter");
    assert_eq!(param["severity"], "error");
    assert_eq!(param["location"]["side"], "head");
    // `- name: tenant` is line 13 of the head spec.
    assert_eq!(param["location"]["start_line"], 13, "{param:#}");
    assert!(param["message"].as_str().unwrap().contains("tenant"));

    // The versioning policy: breaking without a major bump, at info.version (line 4).
    let bump = find(gate, "api-major-version-not-bumped");
    assert_eq!(bump["location"]["start_line"], 4);
}

#[test]
fn optional_response_property_in_a_referenced_file_passes_and_rechecks_the_spec() {
    let repo = repo_with_spec();
    // Only the referenced schema file changes: the spec must be re-checked through it.
    repo.write(
        "api/schemas/user.yaml",
        format!("{USER}    nickname: {{type: string}}\n"),
    );
    repo.commit("add nickname");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    assert_eq!(gate["status"], "pass", "{gate:#}");
    let added = find(gate, "response-optional-property-added");
    assert_eq!(added["severity"], "notice");
    assert_eq!(added["location"]["path"], "api/schemas/user.yaml");
    assert_eq!(added["location"]["start_line"], 7);
    // Both operations returning User are named in one finding.
    let msg = added["message"].as_str().unwrap();
    assert!(
        msg.contains("GET /users") && msg.contains("GET /users/{id}"),
        "{msg}"
    );
}

#[test]
fn narrowing_a_shared_schema_breaks_requests_not_responses() {
    let repo = TestRepo::new();
    let spec = "openapi: 3.1.0
info: {title: t, version: 2.0.0}
paths:
  /items:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Item'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
components:
  schemas:
    Item:
      type: object
      properties:
        code:
          type: string
          maxLength: 50
";
    repo.write("openapi.yaml", spec);
    repo.commit("base");
    repo.branch("change");
    repo.write(
        "openapi.yaml",
        spec.replace("maxLength: 50", "maxLength: 20"),
    );
    repo.commit("narrow");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    let req = find(gate, "request-property-max-length-decreased");
    assert_eq!(req["severity"], "error");
    assert_eq!(req["location"]["start_line"], 23);
    let resp = find(gate, "response-property-max-length-decreased");
    assert_eq!(resp["severity"], "notice");
}

#[test]
fn major_bump_turns_breaking_changes_into_warnings() {
    let repo = repo_with_spec();
    let head = SPEC.replace("version: 1.4.0", "version: 2.0.0").replace(
        "    delete:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204':\n          description: gone\n",
        "",
    );
    repo.write("api/openapi.yaml", &head);
    repo.commit("v2");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    assert_eq!(
        find(gate, "api-removed-without-deprecation")["severity"],
        "warning"
    );
    find(gate, "api-version-major-bumped");
}

#[test]
fn json_specs_get_line_numbers_and_unrelated_changes_skip_the_gate() {
    let repo = TestRepo::new();
    let spec = "{\n  \"openapi\": \"3.0.0\",\n  \"info\": {\"title\": \"t\", \"version\": \"1.0.0\"},\n  \"paths\": {\n    \"/a\": {\n      \"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}\n    },\n    \"/b\": {\n      \"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}\n    }\n  }\n}\n";
    repo.write("spec.json", spec).write("notes.txt", "a\n");
    repo.commit("base");
    repo.branch("change");
    repo.write("notes.txt", "b\n");
    repo.commit("unrelated");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(openapi_gate(&run.json())["status"], "skipped");

    let without_b = spec.replace(",\n    \"/b\": {\n      \"get\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}\n    }", "");
    repo.write("spec.json", without_b);
    repo.commit("drop /b");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let removed = find(
        openapi_gate(&report),
        "api-path-removed-without-deprecation",
    );
    assert_eq!(removed["location"]["start_line"], 8);
}

#[test]
fn standalone_diff_prints_json_and_exits_by_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string, enum: [x, y]}}\n      responses:\n        '200': {description: ok}\n";
    std::fs::write(&old, spec).unwrap();
    std::fs::write(&new, spec.replace("enum: [x, y]", "enum: [x]")).unwrap();
    let run = common::shipgate_in(
        dir.path(),
        &[
            "openapi", "diff", "old.yaml", "new.yaml", "--format", "json",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let out = run.json();
    let f = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "request-parameter-enum-value-removed")
        .expect("enum finding");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"]["path"], "new.yaml");
    assert_eq!(f["location"]["start_line"], 7);

    std::fs::write(&new, spec.replace("enum: [x, y]", "enum: [x, y, z]")).unwrap();
    let run = common::shipgate_in(
        dir.path(),
        &["openapi", "diff", "old.yaml", "new.yaml"],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("request-parameter-enum-value-added"),
        "{run:?}"
    );

    std::fs::write(&new, "openapi: 3.0.0\npaths: [\n").unwrap();
    let run = common::shipgate_in(
        dir.path(),
        &["openapi", "diff", "old.yaml", "new.yaml"],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("new.yaml:"), "{run:?}");
}

#[test]
fn explicit_compare_pairs_and_deleted_specs_are_judged() {
    let repo = repo_with_spec();
    // A v2 spec added beside v1 and named in config: compared with v1 at head.
    let v2 = SPEC.replace("version: 1.4.0", "version: 2.0.0").replace(
        "      operationId: listUsers\n",
        "      operationId: listUsers\n      deprecated: true\n",
    );
    repo.write("api/openapi-v2.yaml", &v2).write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    compare:\n      - {base: api/openapi.yaml, revision: api/openapi-v2.yaml}\n",
    );
    repo.commit("v2 beside v1");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    let missing = find(gate, "api-deprecated-sunset-missing");
    assert_eq!(missing["location"]["path"], "api/openapi-v2.yaml");
    assert_eq!(missing["location"]["start_line"], 9);

    // Deleting the spec removes every operation.
    let repo = repo_with_spec();
    repo.remove("api/openapi.yaml");
    repo.commit("drop the API");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let removed = find(
        openapi_gate(&report),
        "api-path-removed-without-deprecation",
    );
    assert_eq!(removed["location"]["side"], "base");
}

#[test]
fn a_broken_head_spec_is_a_gate_error_naming_file_and_line() {
    let repo = repo_with_spec();
    repo.write(
        "api/schemas/user.yaml",
        USER.replace(
            "name: {type: string, maxLength: 80}",
            "name: {$ref: '#/Missing'}",
        ),
    );
    repo.commit("broken ref");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 2, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    assert_eq!(gate["status"], "error");
    let reason = gate["reason"].as_str().unwrap();
    assert!(reason.contains("api/schemas/user.yaml:6"), "{reason}");
}

#[test]
fn unknown_config_keys_are_rejected_with_their_line() {
    let repo = repo_with_spec();
    repo.write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    sunset_extention: x-sunset\n",
    );
    repo.commit("typo");
    let run = repo.shipgate(&["check", "--target", "main", "--gate", "openapi"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".shipgate.yml:3"), "{run:?}");
}

#[test]
fn compare_pairs_are_judged_only_when_the_change_touches_them() {
    let repo = repo_with_spec();
    let v2 = SPEC.replace(
        "      operationId: listUsers\n",
        "      operationId: listUsers\n      deprecated: true\n",
    );
    repo.write("api/openapi-v2.yaml", &v2).write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    compare:\n      - {base: api/openapi.yaml, revision: api/openapi-v2.yaml}\n",
    );
    repo.commit("v2 beside v1");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--ff-only", "change"]);
    repo.branch("unrelated");
    repo.write("README.md", "other\n");
    repo.commit("docs only");
    let run = repo.check_gate("openapi");
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    assert!(gate["findings"].as_array().unwrap().is_empty(), "{gate:#}");
}

#[test]
fn shipgate_allow_comments_silence_a_rule_when_policy_allows() {
    for (policy, expected_exit) in [("always", 0), ("never", 1)] {
        let repo = TestRepo::new();
        repo.write(
            ".shipgate.yml",
            format!("policy:\n  allow_inline_suppressions: {policy}\n"),
        );
        repo.write("api/openapi.yaml", SPEC)
            .write("api/schemas/user.yaml", USER);
        repo.commit("base");
        repo.branch("change");
        repo.write(
            "api/schemas/user.yaml",
            USER.replace(
                "maxLength: 80}",
                "maxLength: 40}  # shipgate:allow response-property-max-length-decreased",
            ),
        );
        repo.write(
            "api/openapi.yaml",
            SPEC.replace(
                "          schema: {type: integer}\n",
                "          schema: {type: integer}\n          required: true  # shipgate:allow request-parameter-became-required\n",
            ),
        );
        repo.commit("narrow, with allow comments");
        let run = repo.check_gate("openapi");
        assert_eq!(run.code, expected_exit, "policy {policy}: {run:?}");
        let report = run.json();
        let gate = openapi_gate(&report);
        let rules: Vec<&str> = gate["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        if policy == "always" {
            assert!(
                !rules.contains(&"request-parameter-became-required"),
                "{gate:#}"
            );
            assert!(!rules.contains(&"api-major-version-not-bumped"), "{gate:#}");
        } else {
            assert!(
                rules.contains(&"request-parameter-became-required"),
                "{gate:#}"
            );
        }
    }
}

#[test]
fn swagger_form_fields_api_key_renames_and_short_sunsets_fail_in_a_real_repo() {
    let spec = "swagger: '2.0'
info: {title: Upload, version: 1.0.0}
consumes: [multipart/form-data]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-API-Key}
security: [{key: []}]
paths:
  /files:
    post:
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: label, in: formData, type: string}
      responses:
        '201': {description: stored}
    get:
      responses:
        '200': {description: ok}
";
    let repo = TestRepo::new();
    repo.write("api/swagger.yaml", spec).write(
        ".shipgate.yml",
        "gates:\n  openapi:\n    require_major_bump: false\n    min_sunset_days: 90\n",
    );
    repo.commit("base");
    repo.branch("change");
    let head = spec
        .replace("        - {name: label, in: formData, type: string}\n", "")
        .replace("name: X-API-Key", "name: X-Token")
        .replace(
            "    get:\n",
            "    get:\n      deprecated: true\n      x-sunset: '2026-07-01'\n",
        );
    repo.write("api/swagger.yaml", &head);
    repo.commit("change");
    let run = repo.shipgate_env(
        &[
            "check", "--target", "main", "--gate", "openapi", "--format", "json",
        ],
        &[("SHIPGATE_TODAY", "2026-06-01")],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let gate = openapi_gate(&report);
    // The form field is a property of the multipart request body (base line 12).
    let field = find(gate, "request-property-removed");
    assert_eq!(field["location"]["side"], "base");
    assert_eq!(field["location"]["start_line"], 12, "{field:#}");
    assert!(
        field["message"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data property `label`"),
        "{field:#}"
    );
    let key = find(gate, "api-security-component-api-key-name-changed");
    assert_eq!(key["severity"], "error");
    assert_eq!(key["location"]["start_line"], 5, "{key:#}");
    let soon = find(gate, "api-sunset-date-too-small");
    assert_eq!(soon["severity"], "error");
    assert_eq!(soon["location"]["start_line"], 16, "{soon:#}");
    assert!(soon["message"].as_str().unwrap().contains("30 day(s)"));
}
