//! DSSE's pre-authentication encoding (PAE): the exact bytes a signature covers.
//!
//! `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where
//! SP is one space and LEN is the byte length in ASCII decimal without leading
//! zeros (DSSE protocol v1). Binding the payload type into the signed bytes is
//! what stops a signature over one kind of document from vouching for another.

/// The bytes to sign or verify for `payload_type` and the raw (decoded) `payload`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        10 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(type_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::pae;

    #[test]
    fn matches_the_dsse_spec_test_vector() {
        // From the DSSE protocol document's example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn lengths_are_bytes_not_chars_and_empty_parts_are_zero() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
        assert_eq!(
            pae("t", "é".as_bytes()),
            "DSSEv1 1 t 2 é".as_bytes().to_vec()
        );
    }
}
