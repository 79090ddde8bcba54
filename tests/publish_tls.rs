//! TLS against a server with a private CA (GitHub Enterprise Server or
//! self-managed GitLab behind an internal CA): refused with the built-in
//! roots, accepted once the CA bundle is given. The server is
//! `openssl s_server` on 127.0.0.1 (scripts/test.sh requires openssl).

use shipgate::platform::{Api, ManualClock, RetryPolicy};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        request_timeout: Duration::from_secs(10),
        ..RetryPolicy::default()
    }
}

#[test]
fn a_private_ca_is_trusted_only_through_the_bundle() {
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=shipgate test CA"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed");
    assert!(made.success());
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let _server = Server(
        Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "s_server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let base = format!("https://127.0.0.1:{port}");
    let api = || Api::with(&base, None, policy(), Arc::new(ManualClock::at_unix(0)));

    let refused = api()
        .get("/")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        refused.to_ascii_lowercase().contains("certificate"),
        "an unknown CA must be refused: {refused}"
    );

    let pem = std::fs::read(&cert).expect("cert");
    let trusted = api().with_ca_bundle(&pem).expect("bundle");
    let reply = trusted.get("/").expect("trusted through the bundle");
    assert_eq!(reply.status, 200);
}
