//! Scanning whole files (tree and history modes): the per-file decisions
//! shared by both (allowed path, too large, binary, key store by name), then
//! the scan, collected into findings and skip counts.

use super::archive;
use super::scan::{ScanStats, scan_text};
use super::suppress::AllowPaths;
use super::{Skips, keystore_finding, looks_binary, rules};
use crate::finding::Finding;

/// Collects findings over many whole files.
pub struct WholeFileScan {
    allow: AllowPaths,
    max_bytes: u64,
    pub skips: Skips,
    pub stats: ScanStats,
    pub findings: Vec<Finding>,
    pub files_scanned: u64,
    /// Archive members (and gzip contents) looked at.
    pub archive_members: u64,
}

impl WholeFileScan {
    pub fn new(allow: AllowPaths, max_bytes: u64) -> WholeFileScan {
        WholeFileScan {
            allow,
            max_bytes,
            skips: Skips::default(),
            stats: ScanStats::default(),
            findings: Vec::new(),
            files_scanned: 0,
            archive_members: 0,
        }
    }

    /// Whether `path` is excluded by `allow_paths` (counted as skipped).
    pub fn excluded(&mut self, path: &str) -> bool {
        if self.allow.allows(path) {
            self.skips.allowed_paths += 1;
            return true;
        }
        false
    }

    /// Whether a file of `size` bytes is too large (counted as skipped).
    pub fn too_large(&mut self, size: u64) -> bool {
        if size > self.max_bytes {
            self.skips.too_large += 1;
            return true;
        }
        false
    }

    /// Scan one file's content (after [`excluded`](Self::excluded) and
    /// [`too_large`](Self::too_large)). `context`, if any, is appended to each
    /// finding's message (e.g. the commit it was found in).
    pub fn file(&mut self, path: &str, bytes: &[u8], context: Option<&str>) {
        if rules::keystore_files::is_keystore_path(path) {
            self.findings.push(keystore_finding(path));
        }
        let cap = self.max_bytes.min(archive::MAX_MEMBER_BYTES);
        if archive::is_gzip(bytes) {
            if let Some(member) = archive::gunzip(path, bytes, cap) {
                self.member(path, &member, context);
                return;
            }
        } else if archive::is_zip(bytes) {
            let members = archive::zip_members(bytes, cap);
            if !members.is_empty() {
                for member in &members {
                    self.member(path, member, context);
                }
                return;
            }
        }
        self.content(path, bytes, context);
    }

    /// A member of the archive at `path`, found as `path!member`; archives
    /// inside archives are not opened.
    fn member(&mut self, path: &str, member: &archive::Member, context: Option<&str>) {
        let shown = format!("{path}!{}", member.name);
        if rules::keystore_files::is_keystore_path(&member.name) {
            self.findings.push(keystore_finding(&shown));
        }
        self.archive_members += 1;
        self.content(&shown, &member.bytes, context);
    }

    fn content(&mut self, path: &str, bytes: &[u8], context: Option<&str>) {
        if looks_binary(bytes) {
            self.skips.binary += 1;
            return;
        }
        self.files_scanned += 1;
        for hit in scan_text(bytes, None, &mut self.stats) {
            let mut finding = hit.finding(path);
            if let Some(context) = context {
                finding.message = format!("{} {context}", finding.message);
            }
            self.findings.push(finding);
        }
    }
}
