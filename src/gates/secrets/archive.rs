//! One level of cheap archives (tree and history modes): the content of a
//! gzip file and the members of a zip file (stored or deflated), each capped
//! in size, are scanned like files; findings name the archive and the member
//! (`dist/config.zip!app/.env`).
//!
//! Not for: nested archives, tar (a `.tar.gz` decompresses to a tar, which
//! is binary and skipped), encrypted members, ZIP64 or compression methods
//! other than deflate, and diff mode (binary changes carry no added lines).

use std::io::Read;

/// Largest decompressed member (or gzip content) that is scanned; larger
/// ones are skipped (a decompression bomb costs at most this much memory).
pub const MAX_MEMBER_BYTES: u64 = 8 << 20;

/// Most members of one zip file that are looked at.
pub const MAX_MEMBERS: usize = 4096;

/// Most decompressed bytes taken from one zip file (all members together):
/// members past it are not read, so a bomb of many large members costs at
/// most this much memory and time.
pub const MAX_ARCHIVE_BYTES: u64 = 64 << 20;

/// A decompressed archive member.
pub struct Member {
    /// The member's name inside the archive.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a file's bytes are.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b, 0x08])
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Read at most `cap` bytes from `reader`; `None` if there are more, or on a
/// decoding error.
fn read_capped(reader: impl Read, cap: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(cap + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= cap).then_some(out)
}

/// The content of a gzip file at `path` (all members of a multi-member
/// file), named after the header's file name or `path` without `.gz`.
pub fn gunzip(path: &str, bytes: &[u8], cap: u64) -> Option<Member> {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let name = decoder
        .header()
        .and_then(|h| h.filename())
        .map(|n| String::from_utf8_lossy(n).into_owned());
    let content = read_capped(&mut decoder, cap)?;
    let name = name
        .or_else(|| {
            decoder
                .header()
                .and_then(|h| h.filename())
                .map(|n| String::from_utf8_lossy(n).into_owned())
        })
        .unwrap_or_else(|| {
            let base = path.rsplit('/').next().unwrap_or(path);
            base.strip_suffix(".gz")
                .or_else(|| base.strip_suffix(".tgz"))
                .unwrap_or(base)
                .to_string()
        });
    Some(Member {
        name,
        bytes: content,
    })
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()
}

pub(crate) const END_OF_CENTRAL_DIRECTORY: [u8; 4] = *b"PK\x05\x06";
pub(crate) const CENTRAL_ENTRY: [u8; 4] = *b"PK\x01\x02";
pub(crate) const LOCAL_HEADER: [u8; 4] = *b"PK\x03\x04";

/// The members of a zip file that can be read cheaply: stored or deflated,
/// not encrypted, at most `cap` bytes each, at most [`MAX_MEMBERS`] and
/// [`MAX_ARCHIVE_BYTES`] in all. A malformed archive yields the members read
/// before the damage.
pub fn zip_members(bytes: &[u8], cap: u64) -> Vec<Member> {
    zip_members_within(bytes, cap, MAX_ARCHIVE_BYTES)
}

fn zip_members_within(bytes: &[u8], cap: u64, mut budget: u64) -> Vec<Member> {
    let mut out = Vec::new();
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    let tail_from = bytes.len().saturating_sub(65_557);
    let Some(eocd) = memchr::memmem::rfind(&bytes[tail_from..], &END_OF_CENTRAL_DIRECTORY)
        .map(|i| tail_from + i)
    else {
        return out;
    };
    let (Some(entries), Some(mut at)) = (u16_at(bytes, eocd + 10), u32_at(bytes, eocd + 16)) else {
        return out;
    };
    for _ in 0..entries.min(MAX_MEMBERS) {
        if bytes.get(at..at + 4) != Some(&CENTRAL_ENTRY[..]) {
            break;
        }
        let fields = (
            u16_at(bytes, at + 8),
            u16_at(bytes, at + 10),
            u32_at(bytes, at + 20),
            u32_at(bytes, at + 24),
            u16_at(bytes, at + 28),
            u16_at(bytes, at + 30),
            u16_at(bytes, at + 32),
            u32_at(bytes, at + 42),
        );
        let (
            Some(flags),
            Some(method),
            Some(packed),
            Some(size),
            Some(name_len),
            Some(extra_len),
            Some(comment_len),
            Some(local),
        ) = fields
        else {
            break;
        };
        let Some(name) = bytes.get(at + 46..at + 46 + name_len) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        let encrypted = flags & 1 == 1;
        if name.ends_with('/') || encrypted || size as u64 > cap || !matches!(method, 0 | 8) {
            continue;
        }
        if let Some(content) = member_data(bytes, local, packed, method, cap.min(budget)) {
            budget -= content.len() as u64;
            out.push(Member {
                name,
                bytes: content,
            });
        }
    }
    out
}

/// A member's bytes from its local header at `local`.
fn member_data(
    bytes: &[u8],
    local: usize,
    packed: usize,
    method: usize,
    cap: u64,
) -> Option<Vec<u8>> {
    if bytes.get(local..local + 4)? != LOCAL_HEADER {
        return None;
    }
    let start = local + 30 + u16_at(bytes, local + 26)? + u16_at(bytes, local + 28)?;
    let data = bytes.get(start..start.checked_add(packed)?)?;
    match method {
        0 => (data.len() as u64 <= cap).then(|| data.to_vec()),
        _ => read_capped(flate2::read::DeflateDecoder::new(data), cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::secrets::synth::zip;
    use std::io::Write;

    #[test]
    fn zip_members_stored_and_deflated() {
        let z = zip(&[
            ("a/.env", b"A=1\n", 0),
            ("dir/", b"", 0),
            ("b.yml", b"x: y\n", 8),
        ]);
        assert!(is_zip(&z));
        let m = zip_members(&z, MAX_MEMBER_BYTES);
        let got: Vec<(&str, &[u8])> = m.iter().map(|m| (m.name.as_str(), &m.bytes[..])).collect();
        assert_eq!(
            got,
            vec![("a/.env", &b"A=1\n"[..]), ("b.yml", &b"x: y\n"[..])]
        );
        // Too large for the cap: skipped.
        assert_eq!(zip_members(&z, 4).len(), 1);
        // Past the archive's total budget: not read.
        assert_eq!(zip_members_within(&z, MAX_MEMBER_BYTES, 6).len(), 1);
        assert_eq!(zip_members_within(&z, MAX_MEMBER_BYTES, 9).len(), 2);
        // Truncated or damaged archives never panic.
        for cut in 0..z.len() {
            let _ = zip_members(&z[..cut], MAX_MEMBER_BYTES);
            let mut bad = z.clone();
            bad[cut] ^= 0x55;
            let _ = zip_members(&bad, MAX_MEMBER_BYTES);
        }
    }

    #[test]
    fn gzip_content_and_bombs() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(b"token: abc\n");
        let gz = e.finish().unwrap_or_default();
        assert!(is_gzip(&gz));
        let m = gunzip("logs/app.log.gz", &gz, MAX_MEMBER_BYTES);
        assert_eq!(m.as_ref().map(|m| m.name.as_str()), Some("app.log"));
        assert_eq!(m.map(|m| m.bytes), Some(b"token: abc\n".to_vec()));
        // Larger than the cap once decompressed: skipped.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(&vec![b'a'; 1 << 16]);
        let bomb = e.finish().unwrap_or_default();
        assert!(gunzip("x.gz", &bomb, 1 << 12).is_none());
        assert!(gunzip("x.gz", &gz[..gz.len() / 2], MAX_MEMBER_BYTES).is_none());
    }
}
