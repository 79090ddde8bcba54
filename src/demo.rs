//! `shipgate demo`: a small repository whose pull request trips every gate,
//! checked the way CI would check it. Built with libgit2, so it needs no git
//! executable (it works in the container image too).

use crate::check::{self, CheckOptions};
use crate::ci::CiEnv;
use crate::report::text::{self, Style};
use anyhow::Context;
use git2::{Repository, Signature};
use std::path::Path;

/// Files of the target branch (`main`).
fn base_files() -> Vec<(&'static str, String)> {
    vec![
        ("README.md", "# orders service (shipgate demo)\n".to_string()),
        (
            ".shipgate.yml",
            "# The orders team's policy (see `shipgate init` for every key).\ngates:\n  coverage:\n    min_patch: 80\n  migrations:\n    required_header: [Team, Risk, Rollback]\n    approval_unverifiable: warn\n    approvals:\n      - name: DBA + platform lead\n        require: [\"@acme/dba\", \"@acme/platform-lead\"]\n        when: dangerous\n".to_string(),
        ),
        (
            "api/openapi.yaml",
            "openapi: 3.0.3\ninfo:\n  title: Orders\n  version: 1.4.0\npaths:\n  /orders/{id}:\n    get:\n      operationId: getOrder\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n      responses:\n        '200':\n          description: the order\n          content:\n            application/json:\n              schema:\n                type: object\n                required: [id, total]\n                properties:\n                  id: {type: string}\n                  total: {type: number}\n  /orders/{id}/cancel:\n    post:\n      operationId: cancelOrder\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n      responses:\n        '204':\n          description: cancelled\n".to_string(),
        ),
        (
            "schemas/order_created.avsc",
            "{\n  \"type\": \"record\",\n  \"name\": \"OrderCreated\",\n  \"namespace\": \"com.acme.orders\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"string\"},\n    {\"name\": \"total\", \"type\": \"double\"}\n  ]\n}\n".to_string(),
        ),
        (
            "db/migration/V1__create_orders.sql",
            "-- Team: orders\n-- Risk: low\n-- Rollback: drop table orders\nCREATE TABLE orders (\n  id text PRIMARY KEY,\n  total numeric NOT NULL,\n  note text\n);\n".to_string(),
        ),
        (
            "src/orders.py",
            "def total(items):\n    return sum(i.price for i in items)\n".to_string(),
        ),
    ]
}

/// What the pull request changes (on branch `feature`).
fn head_changes() -> Vec<(&'static str, Option<String>)> {
    // Built from pieces so that this source file itself holds no key.
    // Generated at run time (valid formats, never real keys), so that this
    // source file itself holds no key.
    let mut rng = crate::gates::secrets::synth::Rng::new(2026);
    let fake_key = crate::gates::secrets::synth::aws_key_id(&mut rng);
    let fake_secret = crate::gates::secrets::synth::aws_secret(&mut rng);
    vec![
        (
            // Removes the cancel endpoint and makes `total` optional in the response.
            "api/openapi.yaml",
            Some("openapi: 3.0.3\ninfo:\n  title: Orders\n  version: 1.5.0\npaths:\n  /orders/{id}:\n    get:\n      operationId: getOrder\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema: {type: string}\n        - name: expand\n          in: query\n          required: true\n          schema: {type: string}\n      responses:\n        '200':\n          description: the order\n          content:\n            application/json:\n              schema:\n                type: object\n                required: [id]\n                properties:\n                  id: {type: string}\n                  total: {type: number}\n".to_string()),
        ),
        (
            // Adds a field without a default: old events cannot be read with the new schema.
            "schemas/order_created.avsc",
            Some("{\n  \"type\": \"record\",\n  \"name\": \"OrderCreated\",\n  \"namespace\": \"com.acme.orders\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"string\"},\n    {\"name\": \"total\", \"type\": \"double\"},\n    {\"name\": \"currency\", \"type\": \"string\"}\n  ]\n}\n".to_string()),
        ),
        (
            "db/migration/V2__drop_note.sql",
            Some("-- Team: orders\nALTER TABLE orders DROP COLUMN note;\nALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';\nCREATE INDEX orders_currency ON orders (currency);\n".to_string()),
        ),
        (
            "src/settings.py",
            Some(format!(
                "REGION = \"eu-west-1\"\nAWS_ACCESS_KEY_ID = \"{fake_key}\"\nAWS_SECRET_ACCESS_KEY = \"{fake_secret}\"\n"
            )),
        ),
        (
            "src/orders.py",
            Some("def total(items):\n    return sum(i.price for i in items)\n\n\ndef total_with_tax(items, rate):\n    net = total(items)\n    if rate < 0:\n        raise ValueError(\"negative rate\")\n    return net * (1 + rate)\n".to_string()),
        ),
    ]
}

/// An LCOV report as the test job would produce it: the new function is untested.
const LCOV: &str = "TN:\nSF:src/orders.py\nDA:1,3\nDA:2,3\nDA:5,0\nDA:6,0\nDA:7,0\nDA:8,0\nDA:9,0\nend_of_record\n";

fn write(root: &Path, rel: &str, content: &str) -> anyhow::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, content).with_context(|| format!("{}: cannot write", path.display()))
}

fn commit_all(repo: &Repository, message: &str, update_ref: &str) -> anyhow::Result<git2::Oid> {
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.update_all(["*"], None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = Signature::now("shipgate demo", "demo@shipgate.invalid")?;
    let parents = match repo.head().ok().and_then(|h| h.peel_to_commit().ok()) {
        Some(parent) => vec![parent],
        None => vec![],
    };
    let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
    Ok(repo.commit(Some(update_ref), &sig, &sig, message, &tree, &parent_refs)?)
}

/// Build the demo repository in `root`: `main` and a `feature` branch on top.
pub fn build(root: &Path) -> anyhow::Result<()> {
    let repo = Repository::init(root)?;
    repo.set_head("refs/heads/main")?;
    for (path, content) in base_files() {
        write(root, path, &content)?;
    }
    write(root, ".gitignore", "coverage/\nshipgate-report.json\n")?;
    commit_all(&repo, "orders service v1", "refs/heads/main")?;
    let main = repo.head()?.peel_to_commit()?;
    repo.branch("feature", &main, true)?;
    repo.set_head("refs/heads/feature")?;
    for (path, content) in head_changes() {
        match content {
            Some(text) => write(root, path, &text)?,
            None => std::fs::remove_file(root.join(path))?,
        }
    }
    commit_all(
        &repo,
        "orders: tax, currency, drop note",
        "refs/heads/feature",
    )?;
    write(root, "coverage/lcov.info", LCOV)?;
    Ok(())
}

/// `shipgate demo`.
pub fn run(dir: Option<&Path>) -> anyhow::Result<u8> {
    let temp;
    let root = match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.to_path_buf()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    build(&root)?;
    println!(
        "demo repository: {} (branch feature, target main)",
        root.display()
    );
    println!("$ shipgate check --target main --coverage coverage/lcov.info\n");
    let opts = CheckOptions {
        repo: Some(root.clone()),
        target: Some("main".into()),
        inputs: crate::gates::GateInputs {
            coverage_reports: vec![root.join("coverage/lcov.info")],
            ..Default::default()
        },
        ..CheckOptions::default()
    };
    let report = check::run(&opts, &CiEnv::default())?;
    let report_path = root.join("shipgate-report.json");
    report.write(&report_path)?;
    print!("{}", text::render(&report, Style::detect()));
    println!("report: {}", report_path.display());
    println!(
        "\nThe check's exit code would be {} ({}); the demo itself succeeded.",
        report.verdict.exit_code(),
        report.verdict.as_str()
    );
    Ok(0)
}
