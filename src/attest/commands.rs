//! The signing commands as the CLI runs them: `keygen`, `verify`, and writing
//! the envelope after `check`.
//!
//! Owns: files in and out, and what is printed. The exit codes of `verify`
//! come from [`Failure::exit_code`]: 0 verified, 1 verdict not pass, 2
//! malformed envelope or unusable input, 3 wrong key, 4 bad signature,
//! 5 tampered, 6 other commit, 7 not a shipgate report.

use super::key_source::SigningKey;
use super::keys::{Algorithm, PrivateKey, PublicKey};
use super::verify::{Expectations, Failure, verify_envelope};
use crate::report::Report;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `shipgate keygen`: write `PREFIX.key` (PKCS#8 PEM, mode 0600) and
/// `PREFIX.pub` (SPKI PEM); print the keyid.
pub fn keygen(algorithm: Algorithm, prefix: &Path, force: bool) -> anyhow::Result<u8> {
    let key_path = with_suffix(prefix, ".key");
    let pub_path = with_suffix(prefix, ".pub");
    if !force {
        for p in [&key_path, &pub_path] {
            if p.exists() {
                anyhow::bail!("{}: already exists (use --force to overwrite)", p.display());
            }
        }
    }
    let key = PrivateKey::generate(algorithm)?;
    let public = key.public_key();
    if let Some(dir) = key_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    write_private(&key_path, key.to_pkcs8_pem()?.as_bytes())
        .with_context(|| format!("{}: cannot write the private key", key_path.display()))?;
    std::fs::write(&pub_path, public.to_pem())
        .with_context(|| format!("{}: cannot write the public key", pub_path.display()))?;
    println!(
        "wrote {} (private, keep it secret) and {} (public)",
        key_path.display(),
        pub_path.display()
    );
    println!("algorithm {algorithm}");
    println!("keyid {}", public.keyid());
    Ok(0)
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Create (or truncate) `path` readable by its owner only, then write `bytes`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // An existing file (--force) keeps its old mode through open(): narrow it.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// `shipgate verify`: print what verified, or why not; the result is the exit code.
/// Several keys (rotation): the report verifies if it does with one of them.
pub fn verify(envelope: &Path, keys: &[PathBuf], commit: Option<String>, require_pass: bool) -> u8 {
    match verify_files(envelope, keys, commit, require_pass) {
        Ok(v) => {
            let mut out = format!("verified: {}\n", envelope.display());
            out += &format!("  signed by   {} key {}\n", v.algorithm, v.keyid);
            out += &format!("  commit      {}\n", v.commit);
            out += &format!(
                "  verdict     {}{}\n",
                v.verdict,
                if require_pass {
                    " (required: pass)"
                } else {
                    ""
                }
            );
            if let Some(at) = v.statement.predicate_str("generated_at") {
                out += &format!("  generated   {at}\n");
            }
            if let Some(version) = v
                .statement
                .predicate
                .get("tool")
                .and_then(|t| t.get("version"))
                .and_then(|t| t.as_str())
            {
                out += &format!("  tool        shipgate {version}\n");
            }
            out += &format!(
                "  inputs      {} file(s) with digests\n",
                v.statement.subject.len().saturating_sub(1)
            );
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(out.as_bytes());
            0
        }
        Err(failure) => {
            eprintln!("shipgate: verify failed: {failure}");
            failure.exit_code()
        }
    }
}

fn verify_files(
    envelope: &Path,
    keys: &[PathBuf],
    commit: Option<String>,
    require_pass: bool,
) -> Result<super::Verified, Failure> {
    let mut publics = Vec::new();
    for key in keys {
        let text = std::fs::read_to_string(key).map_err(|e| {
            Failure::Malformed(format!(
                "{}: cannot read the public key: {e}",
                key.display()
            ))
        })?;
        publics.push(
            PublicKey::from_pem(&text, &key.display().to_string())
                .map_err(|e| Failure::Malformed(e.to_string()))?,
        );
    }
    let bytes = std::fs::read(envelope)
        .map_err(|e| Failure::Malformed(format!("{}: cannot read: {e}", envelope.display())))?;
    let expect = Expectations {
        commit,
        require_pass,
    };
    let origin = envelope.display().to_string();
    let mut wrong_keys = Vec::new();
    let mut found = Vec::new();
    for public in &publics {
        match verify_envelope(&bytes, &origin, public, &expect) {
            Ok(verified) => return Ok(verified),
            // Not this key's signature: another key may match.
            Err(Failure::WrongKey { expected, found: f }) => {
                wrong_keys.push(expected);
                found = f;
            }
            // The key matched (or the file is bad): that is the answer.
            Err(other) => return Err(other),
        }
    }
    Err(Failure::WrongKey {
        expected: wrong_keys.join(", "),
        found,
    })
}

/// After `check` wrote `report` to `report_path`: with a key, sign it and write
/// the envelope next to it, returning the line to print (`signed: PATH (...)`);
/// without one, remove an envelope an earlier signed run left there (saying so
/// on stderr), so the `.dsse.json` beside a report is always that report's.
pub fn sign_next_to(
    report: &Report,
    key: Option<&SigningKey>,
    report_path: &Path,
) -> anyhow::Result<Option<String>> {
    let path = super::envelope_path(report_path);
    let Some(key) = key else {
        if path.is_file() {
            std::fs::remove_file(&path).with_context(|| {
                format!(
                    "{}: cannot remove the envelope of an earlier run",
                    path.display()
                )
            })?;
            eprintln!(
                "note: removed {} (an earlier run's signature; this report is unsigned)",
                path.display()
            );
        }
        return Ok(None);
    };
    let envelope = super::sign_report(report, &key.key);
    std::fs::write(&path, envelope.to_json())
        .with_context(|| format!("{}: cannot write the signed report", path.display()))?;
    Ok(Some(format!(
        "signed: {} ({} keyid {})",
        path.display(),
        key.key.algorithm(),
        key.key.public_key().keyid()
    )))
}
