//! History mode: every blob a commit range introduced, each distinct blob
//! scanned once (git's content addressing de-duplicates versions that recur
//! across branches and reverts). A finding names the commit that first
//! introduced the blob (newest first in walk order), and findings of the same
//! secret in the same path across versions collapse into one.

use super::whole_files::WholeFileScan;
use git2::{Delta, DiffOptions, ObjectType, Oid, Repository, Sort, TreeWalkMode, TreeWalkResult};
use std::collections::HashSet;
use std::path::Path;

/// Scan the commits of `range` (`A..B`, or one revision: everything reachable
/// from it) of the repository containing `repo_path`.
pub fn scan_history(
    repo_path: &Path,
    range: &str,
    scan: &mut WholeFileScan,
) -> anyhow::Result<u64> {
    // Opening through the spine also disables libgit2's ownership check once
    // (the container case), before we open our own handle.
    let _ = crate::changeset::Repo::open(repo_path)?;
    let repo = Repository::discover(repo_path).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a git repository: {}",
            repo_path.display(),
            e.message()
        )
    })?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    let pushed = if range.contains("..") {
        walk.push_range(range)
    } else {
        repo.revparse_single(range)
            .and_then(|o| o.peel_to_commit())
            .and_then(|c| walk.push(c.id()))
    };
    pushed.map_err(|e| {
        anyhow::anyhow!(
            "--history {range}: cannot resolve the range ({}); expected `A..B` or a revision",
            e.message()
        )
    })?;
    let mut seen: HashSet<Oid> = HashSet::new();
    let mut commits = 0u64;
    for oid in walk {
        let oid = oid?;
        commits += 1;
        let commit = repo.find_commit(oid)?;
        let tree = commit.tree()?;
        let short = oid.to_string().chars().take(12).collect::<String>();
        let mut blobs: Vec<(String, Oid)> = Vec::new();
        if commit.parent_count() == 0 {
            tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(ObjectType::Blob) {
                    let name = String::from_utf8_lossy(entry.name_bytes());
                    blobs.push((format!("{dir}{name}"), entry.id()));
                }
                TreeWalkResult::Ok
            })?;
        } else {
            let parent = commit.parent(0)?.tree()?;
            let mut opts = DiffOptions::new();
            opts.ignore_submodules(true);
            let diff = repo.diff_tree_to_tree(Some(&parent), Some(&tree), Some(&mut opts))?;
            for delta in diff.deltas() {
                if matches!(delta.status(), Delta::Deleted) {
                    continue;
                }
                let file = delta.new_file();
                if let Some(path) = file.path_bytes() {
                    blobs.push((String::from_utf8_lossy(path).into_owned(), file.id()));
                }
            }
        }
        for (path, blob_id) in blobs {
            if blob_id.is_zero() || !seen.insert(blob_id) {
                continue;
            }
            if scan.excluded(&path) {
                continue;
            }
            let Ok(blob) = repo.find_blob(blob_id) else {
                continue;
            };
            if scan.too_large(blob.size() as u64) {
                continue;
            }
            let context = format!("(commit {short}; line numbers refer to that commit)");
            scan.file(&path, blob.content(), Some(&context));
        }
    }
    // The same secret in the same path across versions is one finding.
    let mut fingerprints = HashSet::new();
    scan.findings
        .retain(|f| fingerprints.insert(f.fingerprint.clone()));
    Ok(commits)
}
