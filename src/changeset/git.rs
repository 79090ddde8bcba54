//! Reading the change from a git repository with libgit2 (vendored).
//!
//! Owns: opening the repository (also when another user owns it, the
//! container case), resolving revisions with clear errors for shallow
//! clones, the merge base, the tree-to-tree diff with zero context, and
//! reading blobs at a commit. Not for: deciding which revisions to compare
//! (see `ci` and `check`).

use super::{ChangeSet, ChangedFile, FileStatus, LineSet};
use git2::{Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, TreeWalkMode};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

/// Errors reading the change. Each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ChangeSetError {
    #[error("{path}: not inside a git repository ({detail})")]
    NotARepository { path: String, detail: String },
    #[error(
        "commit `{rev}` is not in this clone, which is shallow (fetched with limited depth). \
         Fetch the full history: `fetch-depth: 0` in actions/checkout, `GIT_DEPTH: 0` in GitLab CI, \
         or run `git fetch --unshallow` (or `git fetch --deepen=N`)"
    )]
    ShallowMissingCommit { rev: String },
    #[error(
        "no merge base between `{target}` and `{head}` in this shallow clone: the common ancestor \
         was not fetched. Use `fetch-depth: 0` in actions/checkout, `GIT_DEPTH: 0` in GitLab CI, \
         or `git fetch --deepen=N` until it is found"
    )]
    ShallowNoMergeBase { target: String, head: String },
    #[error("`{target}` and `{head}` have no common ancestor; pass the base commit with --base")]
    NoMergeBase { target: String, head: String },
    #[error(
        "cannot resolve `{rev}` to a commit: {detail}. Fetch it (`git fetch origin {rev}`) or check the name"
    )]
    UnknownRevision { rev: String, detail: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// An open repository. Safe to share between gate threads.
pub struct Repo {
    inner: Mutex<Repository>,
    workdir: PathBuf,
    /// File lists by commit (`list_files`), shared by the gates.
    listed: Mutex<HashMap<Oid, Arc<Vec<String>>>>,
    /// Root tree ids by revision as asked for (`read` runs once per file).
    trees: Mutex<HashMap<String, Oid>>,
}

static OWNER_CHECK: Once = Once::new();

fn disable_owner_check() {
    OWNER_CHECK.call_once(|| {
        // SAFETY: called once, before any repository is opened by this process.
        // The container case (workspace mounted and owned by another uid) must
        // not fail with "dubious ownership"; shipgate only reads the repository.
        // The return value only reports a libgit2 option error, which would
        // surface again as an open failure below.
        let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
        // git itself does not re-hash every object it reads; libgit2 does by
        // default (SHA-1 with collision detection: a tenth of a large diff's
        // time). Objects are still checked by git when they are fetched.
        git2::opts::strict_hash_verification(false);
    });
}

impl Repo {
    /// Open the repository containing `path`.
    pub fn open(path: &Path) -> Result<Repo, ChangeSetError> {
        disable_owner_check();
        let repo = Repository::discover(path).map_err(|e| ChangeSetError::NotARepository {
            path: path.display().to_string(),
            detail: e.message().to_string(),
        })?;
        let workdir = repo
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| repo.path().to_path_buf());
        Ok(Repo {
            inner: Mutex::new(repo),
            workdir,
            listed: Mutex::new(HashMap::new()),
            trees: Mutex::new(HashMap::new()),
        })
    }

    /// The top of the working tree.
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Repository> {
        // A poisoned lock only means another gate thread panicked; the
        // repository handle itself is still valid for reading.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Resolve a revision (sha, branch, tag, `HEAD~2`) to a full commit id.
    pub fn resolve(&self, rev: &str) -> Result<String, ChangeSetError> {
        let repo = self.lock();
        resolve_in(&repo, rev).map(|oid| oid.to_string())
    }

    /// Whether `rev` resolves to a commit.
    pub fn has_commit(&self, rev: &str) -> bool {
        let repo = self.lock();
        resolve_in(&repo, rev).is_ok()
    }

    /// The best common ancestor of `target` and `head`.
    pub fn merge_base(&self, target: &str, head: &str) -> Result<String, ChangeSetError> {
        let repo = self.lock();
        let t = resolve_in(&repo, target)?;
        let h = resolve_in(&repo, head)?;
        match repo.merge_base(t, h) {
            Ok(oid) => Ok(oid.to_string()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                if repo.is_shallow() {
                    Err(ChangeSetError::ShallowNoMergeBase {
                        target: target.to_string(),
                        head: head.to_string(),
                    })
                } else {
                    Err(ChangeSetError::NoMergeBase {
                        target: target.to_string(),
                        head: head.to_string(),
                    })
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The files changed from commit `base` to commit `head`, with added and removed lines.
    pub fn changeset(&self, base: &str, head: &str) -> Result<ChangeSet, ChangeSetError> {
        let repo = self.lock();
        let base_oid = resolve_in(&repo, base)?;
        let head_oid = resolve_in(&repo, head)?;
        let base_tree = repo.find_commit(base_oid)?.tree()?;
        let head_tree = repo.find_commit(head_oid)?.tree()?;

        let mut opts = DiffOptions::new();
        opts.context_lines(0)
            .interhunk_lines(0)
            .include_typechange(true)
            .ignore_submodules(true);
        let mut diff =
            repo.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut opts))?;
        let mut find = DiffFindOptions::new();
        find.renames(true).rename_limit(1000);
        diff.find_similar(Some(&mut find))?;

        let files: RefCell<Vec<ChangedFile>> =
            RefCell::new(Vec::with_capacity(diff.deltas().len()));
        diff.foreach(
            &mut |delta, _progress| {
                if let Some(file) = changed_file(&delta) {
                    files.borrow_mut().push(file);
                }
                true
            },
            Some(&mut |_delta, _binary| {
                if let Some(last) = files.borrow_mut().last_mut() {
                    last.binary = true;
                }
                true
            }),
            Some(&mut |delta, hunk| {
                let mut files = files.borrow_mut();
                if let Some(last) = files.last_mut() {
                    if delta.flags().is_binary() {
                        last.binary = true;
                    }
                    last.added.add_span(hunk.new_start(), hunk.new_lines());
                    last.removed.add_span(hunk.old_start(), hunk.old_lines());
                }
                true
            }),
            None,
        )?;
        let mut files = files.into_inner();
        // libgit2 decides "binary" while loading content; the file callback
        // can run before that for some deltas, so settle it from the diff.
        for (idx, delta) in diff.deltas().enumerate() {
            if delta.flags().is_binary()
                && let Some(f) = files.get_mut(idx)
            {
                f.binary = true;
                f.added = LineSet::new();
                f.removed = LineSet::new();
            }
        }
        Ok(ChangeSet {
            base: base_oid.to_string(),
            head: head_oid.to_string(),
            files,
        })
    }

    /// The bytes of `path` at commit `rev`; `None` if the file does not exist there.
    pub fn read(&self, rev: &str, path: &[u8]) -> Result<Option<Vec<u8>>, ChangeSetError> {
        let repo = self.lock();
        let tree = self.tree_of(&repo, rev)?;
        let entry = match tree.get_path(bytes_to_path(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        let blob = repo.find_blob(entry.id())?;
        Ok(Some(blob.content().to_vec()))
    }

    fn tree_of<'r>(
        &self,
        repo: &'r Repository,
        rev: &str,
    ) -> Result<git2::Tree<'r>, ChangeSetError> {
        let mut trees = self.trees.lock().unwrap_or_else(|p| p.into_inner());
        let id = match trees.get(rev) {
            Some(id) => *id,
            None => {
                let id = repo.find_commit(resolve_in(repo, rev)?)?.tree_id();
                trees.insert(rev.to_string(), id);
                id
            }
        };
        Ok(repo.find_tree(id)?)
    }

    /// Every file path in the tree of commit `rev` (UTF-8 paths only; others
    /// are shown lossily). Listed once per commit however many gates ask.
    pub fn list_files(&self, rev: &str) -> Result<Arc<Vec<String>>, ChangeSetError> {
        let repo = self.lock();
        let oid = resolve_in(&repo, rev)?;
        let mut listed = self.listed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(files) = listed.get(&oid) {
            return Ok(Arc::clone(files));
        }
        let tree = repo.find_commit(oid)?.tree()?;
        let mut out = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                out.push(format!(
                    "{dir}{}",
                    String::from_utf8_lossy(entry.name_bytes())
                ));
            }
            git2::TreeWalkResult::Ok
        })?;
        let out = Arc::new(out);
        listed.insert(oid, Arc::clone(&out));
        Ok(out)
    }

    /// Whether the clone is shallow.
    pub fn is_shallow(&self) -> bool {
        self.lock().is_shallow()
    }
}

fn resolve_in(repo: &Repository, rev: &str) -> Result<Oid, ChangeSetError> {
    let object = repo
        .revparse_single(rev)
        .map_err(|e| missing(repo, rev, &e))?;
    let commit = object
        .peel_to_commit()
        .map_err(|e| missing(repo, rev, &e))?;
    Ok(commit.id())
}

fn missing(repo: &Repository, rev: &str, e: &git2::Error) -> ChangeSetError {
    let looks_like_sha = rev.len() >= 7 && rev.chars().all(|c| c.is_ascii_hexdigit());
    if repo.is_shallow() && (looks_like_sha || e.code() == git2::ErrorCode::NotFound) {
        ChangeSetError::ShallowMissingCommit {
            rev: rev.to_string(),
        }
    } else {
        ChangeSetError::UnknownRevision {
            rev: rev.to_string(),
            detail: e.message().to_string(),
        }
    }
}

fn changed_file(delta: &git2::DiffDelta<'_>) -> Option<ChangedFile> {
    let status = match delta.status() {
        Delta::Added => FileStatus::Added,
        Delta::Deleted => FileStatus::Deleted,
        Delta::Modified => FileStatus::Modified,
        Delta::Renamed => FileStatus::Renamed,
        Delta::Copied => FileStatus::Copied,
        Delta::Typechange => FileStatus::TypeChanged,
        _ => return None,
    };
    let new = delta.new_file().path_bytes().map(<[u8]>::to_vec);
    let old = delta.old_file().path_bytes().map(<[u8]>::to_vec);
    let raw_path = match status {
        FileStatus::Deleted => old.clone().or(new)?,
        _ => new.or(old.clone())?,
    };
    let raw_old_path = match status {
        FileStatus::Renamed | FileStatus::Copied => old,
        _ => None,
    };
    Some(ChangedFile {
        path: String::from_utf8_lossy(&raw_path).into_owned(),
        old_path: raw_old_path
            .as_ref()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        raw_path,
        raw_old_path,
        status,
        binary: delta.flags().is_binary(),
        added: LineSet::new(),
        removed: LineSet::new(),
    })
}

#[cfg(unix)]
fn bytes_to_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: &[u8]) -> &Path {
    // Non-UTF-8 paths cannot be expressed on this platform; they will not be found.
    Path::new(std::str::from_utf8(bytes).unwrap_or(""))
}
