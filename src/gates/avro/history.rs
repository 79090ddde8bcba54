//! Earlier versions of schema files in the target branch's history (for the
//! `_TRANSITIVE` modes).
//!
//! One first-parent walk from the base commit serves every changed file: each
//! commit's tree is asked for each file still wanted, and a version is kept when
//! the file's blob differs from the one seen just after it. A file's history
//! ends where the file did not exist (so a deleted and re-created file starts
//! afresh) or after `depth` versions. First parent only: versions that lived
//! only on merged feature branches were never released from the target branch.
//! Not for: reading files at head or base (the gate context does that).

use git2::{Oid, Repository, Sort};
use std::collections::HashMap;
use std::path::Path;

/// One version of a file: the newest commit that has it, and its bytes.
#[derive(Debug, Clone)]
pub struct FileVersion {
    pub commit: String,
    pub bytes: Vec<u8>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Histories {
    /// Path -> versions, oldest first (the base version last).
    pub versions: HashMap<String, Vec<FileVersion>>,
    /// Commits walked.
    pub commits: usize,
    /// Whether the walk stopped at `max_commits` with files still wanted.
    pub truncated: bool,
}

/// Up to `depth` versions of each of `paths`, walking back from `from`.
pub fn earlier_versions(
    workdir: &Path,
    from: &str,
    paths: &[String],
    depth: usize,
    max_commits: usize,
) -> anyhow::Result<Histories> {
    let repo = Repository::open(workdir)?;
    let start = repo.revparse_single(from)?.peel_to_commit()?.id();
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL)?;
    walk.push(start)?;
    walk.simplify_first_parent()?;
    struct Wanted {
        last: Option<Oid>,
        versions: Vec<FileVersion>,
        done: bool,
    }
    let mut wanted: Vec<(String, Wanted)> = paths
        .iter()
        .map(|p| {
            (
                p.clone(),
                Wanted {
                    last: None,
                    versions: Vec::new(),
                    done: depth == 0,
                },
            )
        })
        .collect();
    let mut out = Histories::default();
    let mut previous_ids: HashMap<String, Oid> = HashMap::new();
    for oid in walk {
        if wanted.iter().all(|(_, w)| w.done) {
            break;
        }
        if out.commits >= max_commits {
            out.truncated = true;
            break;
        }
        out.commits += 1;
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        // Each folder's tree once per commit; a folder whose tree did not change
        // since the newer commit holds the same blobs, so its files are skipped.
        let mut folders: HashMap<String, Option<git2::Tree<'_>>> = HashMap::new();
        let mut folder_ids: HashMap<String, Oid> = HashMap::new();
        for (path, w) in wanted.iter_mut().filter(|(_, w)| !w.done) {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            let folder = folders.entry(dir.to_string()).or_insert_with(|| {
                if dir.is_empty() {
                    Some(tree.clone())
                } else {
                    tree.get_path(Path::new(dir))
                        .ok()
                        .and_then(|e| e.to_object(&repo).ok())
                        .and_then(|o| o.into_tree().ok())
                }
            });
            let Some(folder) = folder else {
                w.done = true;
                continue;
            };
            folder_ids.insert(dir.to_string(), folder.id());
            if w.last.is_some() && previous_ids.get(dir) == Some(&folder.id()) {
                continue;
            }
            let entry = match folder.get_name(name) {
                Some(e) if e.kind() == Some(git2::ObjectType::Blob) => e,
                _ => {
                    w.done = true;
                    continue;
                }
            };
            if w.last == Some(entry.id()) {
                continue;
            }
            w.last = Some(entry.id());
            let blob = repo.find_blob(entry.id())?;
            w.versions.push(FileVersion {
                commit: commit.id().to_string(),
                bytes: blob.content().to_vec(),
            });
            if w.versions.len() >= depth {
                w.done = true;
            }
        }
        previous_ids = folder_ids;
    }
    for (path, mut w) in wanted {
        w.versions.reverse();
        out.versions.insert(path, w.versions);
    }
    Ok(out)
}
