//! The DSSE envelope: `{payloadType, payload, signatures: [{keyid, sig}]}`.
//!
//! Owns: the envelope's JSON shape, reading it with file:line errors, and the
//! base64 of its fields (standard alphabet with padding when writing; standard
//! or URL-safe, padded or not, when reading, as the DSSE spec allows). Not for:
//! deciding whether it is valid (see `verify`).

use base64::Engine as _;
use base64::engine::general_purpose::{
    STANDARD, STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT,
};
use serde::{Deserialize, Serialize};

/// A DSSE envelope as it sits in a `.dsse.json` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Base64 of the payload bytes.
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature. `keyid` is optional in DSSE; shipgate always writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// Base64 of the signature bytes.
    pub sig: String,
}

/// An envelope file that is not a DSSE envelope; says where and what was expected.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct EnvelopeError(pub String);

impl Envelope {
    /// A new envelope over `payload` (raw bytes) with one signature.
    pub fn new(payload_type: &str, payload: &[u8], keyid: String, sig: &[u8]) -> Envelope {
        Envelope {
            payload_type: payload_type.to_string(),
            payload: STANDARD.encode(payload),
            signatures: vec![EnvelopeSignature {
                keyid: Some(keyid),
                sig: STANDARD.encode(sig),
            }],
        }
    }

    /// Parse an envelope from the bytes of `origin` (a file name, for messages).
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Envelope, EnvelopeError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let (line, col) = line_col(bytes, e.valid_up_to());
            EnvelopeError(format!(
                "{origin}:{line}:{col}: not UTF-8 text; a DSSE envelope is JSON"
            ))
        })?;
        serde_json::from_str::<Envelope>(text).map_err(|e| {
            EnvelopeError(format!(
                "{origin}:{}:{}: not a DSSE envelope: {} (expected a JSON object with \
                 `payloadType`, `payload` and `signatures: [{{\"keyid\", \"sig\"}}]`)",
                e.line().max(1),
                e.column(),
                strip_position(&e.to_string())
            ))
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The decoded payload, or what is wrong with its base64.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, String> {
        decode_base64(&self.payload)
    }
}

/// Decode DSSE base64: standard or URL-safe alphabet, padding optional.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    STANDARD_PAD_INDIFFERENT
        .decode(text)
        .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(text))
        .map_err(|e| format!("not valid base64 ({e})"))
}

/// 1-based line and column of byte `offset` in `bytes`.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// The 1-based line of the first `"key":` in a JSON text (for messages about a
/// field whose JSON is fine but whose value is not).
pub fn line_of_key(text: &[u8], key: &str) -> usize {
    let needle = format!("\"{key}\"");
    let Some(pos) = text
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
    else {
        return 1;
    };
    line_col(text, pos).0
}

/// serde_json appends " at line L column C"; we print the position first instead.
fn strip_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_always_writes_keyid() {
        let env = Envelope::new("t", b"body", "abc".into(), b"sig");
        let json = env.to_json();
        assert!(json.contains("\"keyid\": \"abc\""), "{json}");
        assert!(json.contains("\"payloadType\": \"t\""), "{json}");
        assert_eq!(Envelope::parse(json.as_bytes(), "e").unwrap(), env);
        assert_eq!(env.payload_bytes().unwrap(), b"body");
    }

    #[test]
    fn json_errors_name_file_line_and_column() {
        let err = Envelope::parse(
            b"{\n  \"payloadType\": \"t\",\n  \"payload\": 5\n}",
            "x.dsse.json",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("x.dsse.json:3:"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
        let err = Envelope::parse(b"{\"payloadType\": \"t\"}", "e.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("e.json:1:") && err.contains("missing field `payload`"),
            "{err}"
        );
        let err = Envelope::parse(b"\n\xff", "b.json")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("b.json:2:1: not UTF-8"), "{err}");
    }

    #[test]
    fn keyid_may_be_absent_when_reading() {
        let env = Envelope::parse(
            br#"{"payloadType":"t","payload":"eA","signatures":[{"sig":"AA=="}]}"#,
            "e",
        )
        .unwrap();
        assert_eq!(env.signatures[0].keyid, None);
        assert_eq!(env.payload_bytes().unwrap(), b"x");
    }

    #[test]
    fn base64_accepts_both_alphabets_and_rejects_garbage() {
        assert_eq!(decode_base64("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_base64("+/8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode_base64("a=b").is_err());
    }

    #[test]
    fn line_of_key_finds_the_field() {
        assert_eq!(
            line_of_key(b"{\n\"a\": 1,\n\"payload\": \"x\"}", "payload"),
            3
        );
        assert_eq!(line_of_key(b"{}", "payload"), 1);
    }
}
