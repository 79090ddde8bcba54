//! Shared helpers for integration tests: real git repositories built with the
//! git CLI, and the real `shipgate` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A throwaway git repository.
pub struct TestRepo {
    dir: tempfile::TempDir,
    /// Holds an empty global git config, so the user's settings do not leak in.
    home: tempfile::TempDir,
}

impl TestRepo {
    /// `git init` on branch `main` with a fixed identity.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join("gitconfig"), "").expect("empty gitconfig");
        let repo = TestRepo { dir, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.invalid"]);
        repo.git(&["config", "core.autocrlf", "false"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run git in the repository; panics (test failure) on error. Returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", self.home.path().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Write a file (creating directories).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
        self
    }

    /// `git add -A && git commit`; returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Create and switch to a branch.
    pub fn branch(&self, name: &str) -> &Self {
        self.git(&["checkout", "-q", "-b", name]);
        self
    }

    /// Run shipgate with `args` in this repository, without any CI environment.
    pub fn shipgate(&self, args: &[&str]) -> Run {
        self.shipgate_env(args, &[])
    }

    /// `shipgate check --target main --gate GATE --format json`: one gate
    /// judging this branch against main, the report on stdout.
    pub fn check_gate(&self, gate: &str) -> Run {
        self.shipgate(&[
            "check", "--target", "main", "--gate", gate, "--format", "json",
        ])
    }

    /// Run shipgate with extra environment variables (CI variables are cleared first).
    pub fn shipgate_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        shipgate_in(self.path(), args, env)
    }

    /// Read the JSON report a check wrote (default path).
    pub fn report(&self) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.path().join("shipgate-report.json")).expect("report");
        serde_json::from_str(&text).expect("report json")
    }
}

/// The result of running the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shipgate"))
}

/// Run shipgate in `dir` with a clean CI environment plus `env`.
pub fn shipgate_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir);
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
        "GITHUB_SHA",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_API_URL",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "GITLAB_CI",
        "CI_MERGE_REQUEST_IID",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA",
        "CI_COMMIT_SHA",
        "CI_JOB_TOKEN",
        "CI_API_V4_URL",
        "CI_PROJECT_ID",
        "SHIPGATE_SIGNING_KEY",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars() {
        if key.starts_with("INPUT_") {
            cmd.env_remove(key);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().expect("run shipgate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Add a commit on top of HEAD with `count` new files (3 lines each) through
/// `git fast-import` (seconds, not minutes); returns the new commit id.
pub fn fast_import_files(repo: &TestRepo, count: usize, branch: &str) -> String {
    use std::io::Write;
    let parent = repo.git(&["rev-parse", "HEAD"]);
    let mut stream = Vec::with_capacity(count * 80);
    let _ = write!(
        stream,
        "commit {branch}\ncommitter T <t@example.invalid> 1700000000 +0000\ndata 3\nbig\nfrom {parent}\n"
    );
    for i in 0..count {
        let body = format!("line one {i}\nline two\nline three\n");
        let _ = write!(
            stream,
            "M 100644 inline gen/d{}/f{i}.txt\ndata {}\n{body}\n",
            i % 100,
            body.len()
        );
    }
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet", "--force"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("write stream");
    assert!(child.wait().expect("wait").success());
    repo.git(&["rev-parse", branch])
}

/// The outcome of `gate` in a report (`Null` when absent).
pub fn gate_outcome(report: &serde_json::Value, gate: &str) -> serde_json::Value {
    report["gates"]
        .as_array()
        .and_then(|g| g.iter().find(|o| o["gate"] == gate))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// The findings `gate` reported, in report order.
pub fn gate_findings(report: &serde_json::Value, gate: &str) -> Vec<serde_json::Value> {
    gate_outcome(report, gate)["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}
