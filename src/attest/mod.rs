//! The signed gate report: an in-toto Statement in a DSSE envelope.
//!
//! Owns: turning a report into a signed envelope (`out/x.json` gets
//! `out/x.dsse.json`), keys (`keygen`), and `verify`. Not for: the report's
//! content (see [`crate::report`]).
//!
//! The envelope: `payloadType` `application/vnd.in-toto+json`, `payload` the
//! base64 of the Statement (subjects: the head commit as a `gitCommit` digest
//! and every file the gates read with its SHA-256; `predicateType`
//! `https://shipgate.dev/report/v1`; `predicate` the report), and one
//! signature `{keyid, sig}` over DSSE's PAE. See `docs/signing.md`.

pub mod commands;
pub mod envelope;
pub mod key_source;
pub mod keys;
pub mod pae;
pub mod statement;
pub mod verify;

pub use envelope::Envelope;
pub use keys::{Algorithm, PrivateKey, PublicKey};
pub use statement::{PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, Statement};
pub use verify::{Expectations, Failure, Verified, verify_envelope};

use crate::report::Report;
use std::path::{Path, PathBuf};

/// Sign `statement` with `key`: a DSSE envelope with one signature and its keyid.
pub fn sign_statement(statement: &Statement, key: &PrivateKey) -> Envelope {
    let payload = statement.to_payload();
    let sig = key.sign(&pae::pae(PAYLOAD_TYPE, &payload));
    Envelope::new(PAYLOAD_TYPE, &payload, key.public_key().keyid(), &sig)
}

/// Sign `report`: its Statement in a DSSE envelope.
pub fn sign_report(report: &Report, key: &PrivateKey) -> Envelope {
    sign_statement(&Statement::for_report(report), key)
}

/// Where the envelope of the report at `report_path` goes:
/// `out/x.json` -> `out/x.dsse.json`; a name without `.json` gets `.dsse.json` appended.
pub fn envelope_path(report_path: &Path) -> PathBuf {
    let name = report_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "shipgate-report".into());
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    report_path.with_file_name(format!("{stem}.dsse.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_goes_next_to_the_report() {
        assert_eq!(
            envelope_path(Path::new("out/shipgate-report.json")),
            PathBuf::from("out/shipgate-report.dsse.json")
        );
        assert_eq!(
            envelope_path(Path::new("r.json")),
            PathBuf::from("r.dsse.json")
        );
        assert_eq!(
            envelope_path(Path::new("out/report")),
            PathBuf::from("out/report.dsse.json")
        );
    }
}
