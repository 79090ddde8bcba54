//! The ways users adopt shipgate: the GitHub Action's action.yml and the GitLab
//! CI/CD component template. Each must be well-formed, document every input,
//! and every input must be read by the binary.

mod common;
use serde_json::Value;
use std::collections::BTreeSet;

fn yaml(text: &str, name: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The environment variables `shipgate check` reads, as its --help lists them.
fn check_env_vars() -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = common::shipgate_in(dir.path(), &["check", "--help"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
        .split("[env: ")
        .skip(1)
        .filter_map(|s| s.split(['=', ']']).next())
        .map(String::from)
        .collect()
}

#[test]
fn action_yml_is_complete_and_every_input_is_read() {
    let action = yaml(&read("action.yml"), "action.yml");
    for key in [
        "name",
        "description",
        "author",
        "inputs",
        "outputs",
        "runs",
        "branding",
    ] {
        assert!(!action[key].is_null(), "action.yml lacks `{key}`");
    }
    assert_eq!(action["runs"]["using"], "docker");
    let image = action["runs"]["image"].as_str().unwrap_or_default();
    assert!(
        image.starts_with("docker://"),
        "a prebuilt image, not a rebuild per run: {image}"
    );
    assert_eq!(action["runs"]["args"], serde_json::json!(["check"]));
    let env = check_env_vars();
    let inputs = action["inputs"].as_object().cloned().unwrap_or_default();
    assert!(inputs.len() >= 8, "{inputs:?}");
    for (name, input) in &inputs {
        let description = input["description"].as_str().unwrap_or_default();
        assert!(description.len() > 10, "input {name} is not documented");
        assert!(
            !name.contains('-'),
            "input {name}: hyphens do not survive as env vars in container actions"
        );
        let var = format!("INPUT_{}", name.to_uppercase());
        let mapped = action["runs"]["env"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| {
                v.as_str()
                    .is_some_and(|v| v.contains(&format!("inputs.{name}")))
            })
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>();
        assert!(
            env.contains(&var)
                || mapped
                    .iter()
                    .any(|m| env.contains(m) || m == "SHIPGATE_SIGNING_KEY"),
            "input {name} is not read by `shipgate check` (no {var} in its --help: {env:?})"
        );
    }
    for (name, output) in action["outputs"].as_object().into_iter().flatten() {
        assert!(
            output["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "output {name}"
        );
    }
}

#[test]
fn gitlab_component_declares_and_uses_every_input() {
    let text = read("gitlab-component/templates/shipgate.yml");
    let (header, body) = text
        .split_once("\n---\n")
        .expect("spec header, ---, then jobs");
    let spec = yaml(header, "spec");
    let jobs = yaml(body, "jobs");
    let inputs = spec["spec"]["inputs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(!inputs.is_empty());
    let env = check_env_vars();
    for (name, input) in &inputs {
        assert!(
            input["description"].as_str().is_some_and(|d| d.len() > 10),
            "input {name} undocumented"
        );
        assert!(
            body.contains(&format!("$[[ inputs.{name} ]]")),
            "input {name} declared but never used"
        );
        if let Some(options) = input["options"].as_array() {
            assert!(
                options.contains(&input["default"]),
                "input {name}: default not among options"
            );
        }
        // Inputs passed to the binary go through INPUT_* variables it reads.
        let var = format!("INPUT_{}", name.to_uppercase());
        if body.contains(&format!("{var}:")) {
            assert!(
                env.contains(&var),
                "{var} is set but not read by the binary"
            );
        }
    }
    // Every interpolation refers to a declared input.
    for used in body.split("$[[ inputs.").skip(1) {
        let name = used.split(' ').next().unwrap_or_default();
        assert!(
            inputs.contains_key(name),
            "inputs.{name} used but not declared"
        );
    }
    let job = jobs
        .as_object()
        .and_then(|j| j.values().next())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        job["variables"]["GIT_DEPTH"], "0",
        "the merge base must be fetched"
    );
    assert!(job["rules"].to_string().contains("merge_request_event"));
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert!(job["script"].to_string().contains("/shipgate check"));
}

#[test]
fn action_inputs_reach_the_binary() {
    // The Action passes inputs as INPUT_* variables, empty when unset.
    let repo = common::TestRepo::new();
    repo.write("a.txt", "1\n");
    repo.commit("base");
    repo.branch("f");
    repo.write("a.txt", "2\n");
    repo.commit("f");
    let run = repo.shipgate_env(
        &["check", "--format", "json"],
        &[
            ("INPUT_TARGET", "main"),
            ("INPUT_BASE", ""),
            ("INPUT_CONFIG", ""),
            ("INPUT_GATES", "secrets"),
            ("INPUT_FAIL_ON", "warning"),
            ("INPUT_REPORT", "out/gate.json"),
            ("INPUT_COVERAGE", ""),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(repo.path().join("out/gate.json").is_file());
    let report = run.json();
    assert_eq!(report["config"]["gates"]["openapi"]["fail_on"], "warning");
    let bad = repo.shipgate_env(
        &["check"],
        &[("INPUT_TARGET", "main"), ("INPUT_FAIL_ON", "sometimes")],
    );
    assert_eq!(bad.code, 2, "{bad:?}");
}
