//! What the change did: the commit pair, the changed files and their added lines.
//!
//! A [`ChangeSet`] is plain data built from git by [`git::Repo::changeset`];
//! gates read it and use [`git::Repo::read`] to get file contents at either
//! side. Not for: interpreting file contents (that is each gate's job).

pub mod git;
mod lines;

pub use git::{ChangeSetError, Repo};
pub use lines::LineSet;

use serde::Serialize;

/// How a file changed between base and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
    Copied,
    /// File became a symlink or submodule, or the reverse.
    TypeChanged,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Deleted => "deleted",
            FileStatus::Renamed => "renamed",
            FileStatus::Copied => "copied",
            FileStatus::TypeChanged => "type_changed",
        }
    }
}

/// One changed file.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedFile {
    /// Path in head (for deletions: the path in base). Non-UTF-8 bytes are
    /// shown as U+FFFD here; `raw_path` keeps the exact bytes.
    pub path: String,
    #[serde(skip)]
    pub raw_path: Vec<u8>,
    /// For renames and copies: the path in base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    #[serde(skip)]
    pub raw_old_path: Option<Vec<u8>>,
    pub status: FileStatus,
    /// Binary files have no line data and are skipped by line-based gates.
    pub binary: bool,
    /// Lines added in head (1-based head line numbers).
    pub added: LineSet,
    /// Lines removed from base (1-based base line numbers).
    pub removed: LineSet,
}

impl ChangedFile {
    /// The file's path in base, if it existed there.
    pub fn base_path(&self) -> Option<&[u8]> {
        match self.status {
            FileStatus::Added => None,
            FileStatus::Renamed | FileStatus::Copied => {
                self.raw_old_path.as_deref().or(Some(&self.raw_path))
            }
            _ => Some(&self.raw_path),
        }
    }

    /// The file's path in head, if it exists there.
    pub fn head_path(&self) -> Option<&[u8]> {
        match self.status {
            FileStatus::Deleted => None,
            _ => Some(&self.raw_path),
        }
    }

    /// The base path for display.
    pub fn base_display_path(&self) -> &str {
        self.old_path.as_deref().unwrap_or(&self.path)
    }
}

/// The change under review.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    /// The base commit (merge base of target and head, or the explicit base).
    pub base: String,
    /// The head commit.
    pub head: String,
    pub files: Vec<ChangedFile>,
}

impl ChangeSet {
    /// The changed file at `path` in head, if any.
    pub fn file(&self, path: &str) -> Option<&ChangedFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Files that exist in head and have text content (what line-based gates look at).
    pub fn text_files_in_head(&self) -> impl Iterator<Item = &ChangedFile> {
        self.files
            .iter()
            .filter(|f| !f.binary && f.status != FileStatus::Deleted)
    }

    pub fn binary_files(&self) -> impl Iterator<Item = &ChangedFile> {
        self.files.iter().filter(|f| f.binary)
    }

    /// Number of added lines over all files.
    pub fn added_line_count(&self) -> u64 {
        self.files.iter().map(|f| f.added.len()).sum()
    }

    /// Whether `line` of head file `path` was added by the change.
    pub fn is_added(&self, path: &str, line: u32) -> bool {
        self.file(path).is_some_and(|f| f.added.contains(line))
    }
}
