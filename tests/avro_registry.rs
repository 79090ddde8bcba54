//! The avro gate's optional Schema Registry check, against a local mock registry.

mod common;
mod publish_mock;

use common::TestRepo;
use publish_mock::{Mock, Resp};
use serde_json::{Value, json};

const SCHEMA: &str =
    r#"{"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}"#;

fn repo(registry_url: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        ".shipgate.yml",
        format!(
            "gates:\n  avro:\n    registry:\n      url: {registry_url}\n      subjects:\n        - paths: [\"schemas/payments/*.avsc\"]\n          subject: payments-value\n"
        ),
    );
    repo.write("schemas/orders.avsc", SCHEMA);
    repo.commit("v1");
    repo.branch("feature");
    repo.write(
        "schemas/orders.avsc",
        SCHEMA.replace(
            "}]}",
            "}, {\"name\": \"note\", \"type\": \"string\", \"default\": \"\"}]}",
        ),
    );
    repo.commit("add note");
    repo
}

fn avro_gate(report: &Value) -> Value {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "avro")
        .cloned()
        .unwrap()
}

#[test]
fn registry_refusal_fails_the_gate_with_its_messages() {
    let mock = Mock::start(|req| {
        if req.method == "POST"
            && req.path() == "/compatibility/subjects/orders-value/versions/latest"
        {
            Resp::json(
                200,
                json!({"is_compatible": false, "messages": ["READER_FIELD_MISSING_DEFAULT_VALUE: note"]}),
            )
        } else {
            Resp::json(
                404,
                json!({"error_code": 40401, "message": "Subject not found"}),
            )
        }
    });
    let repo = repo(&mock.url);
    let run = repo.shipgate_env(
        &[
            "check", "--target", "main", "--gate", "avro", "--format", "json",
        ],
        &[("SHIPGATE_REGISTRY_USER_INFO", "key:secret")],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let gate = avro_gate(&run.json());
    let findings = gate["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "avro-registry-incompatible");
    assert_eq!(findings[0]["location"]["path"], "schemas/orders.avsc");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("READER_FIELD_MISSING_DEFAULT_VALUE: note")
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let req = &requests[0];
    assert!(req.target.ends_with("?verbose=true"), "{}", req.target);
    // key:secret in base64.
    assert_eq!(req.header("authorization"), Some("Basic a2V5OnNlY3JldA=="));
    let body = req.json();
    assert_eq!(body["schemaType"], "AVRO");
    let sent: Value = serde_json::from_str(body["schema"].as_str().unwrap()).unwrap();
    assert_eq!(sent["fields"][1]["name"], "note");
}

#[test]
fn unknown_subject_passes_with_a_note_and_an_unreachable_registry_warns() {
    let mock = Mock::start(|_| {
        Resp::json(
            404,
            json!({"error_code": 40401, "message": "Subject not found"}),
        )
    });
    let repo = repo(&mock.url);
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 0, "{run:?}");
    let gate = avro_gate(&run.json());
    assert!(gate["findings"].as_array().unwrap().is_empty(), "{gate}");
    assert!(gate["notes"].to_string().contains("orders-value"), "{gate}");
    assert!(mock.requests()[0].header("authorization").is_none());

    // Nothing listens on this port: a warning, and the offline verdict stands.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let repo = repo_with_timeout(&dead);
    let run = repo.check_gate("avro");
    assert_eq!(run.code, 0, "{run:?}");
    let gate = avro_gate(&run.json());
    assert_eq!(
        gate["findings"][0]["rule"], "avro-registry-unavailable",
        "{gate}"
    );
    assert_eq!(gate["findings"][0]["severity"], "warning");
}

fn repo_with_timeout(url: &str) -> TestRepo {
    let repo = repo(url);
    repo.write(
        ".shipgate.yml",
        format!("gates:\n  avro:\n    registry:\n      url: {url}\n      timeout_seconds: 5\n"),
    );
    repo.commit("short timeout");
    repo
}
