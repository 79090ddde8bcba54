//! Loading a schema file with the named types it uses from other files.
//!
//! A file is read alone first; if it names types it does not define, the
//! schema files of the same commit (those matching the `schemas` globs) are
//! indexed once per commit by the full names they define, and the defining
//! files are added until every name resolves or no file defines it.
//! Not for: reading git (the caller gives `list` and `read`).

use super::json::{self, Json};
use super::schema::{NodeId, SchemaError, SchemaSet};
use crate::changeset::Repo;
use crate::glob;
use std::collections::{HashMap, HashSet};

/// A loaded schema: its set (the file first, then files it needed) and its root.
pub struct Loaded {
    pub set: SchemaSet,
    pub root: NodeId,
}

/// The schema files of one commit, by the names they define.
#[derive(Default)]
struct Library {
    files: Vec<(String, Json)>,
    defines: HashMap<String, usize>,
}

pub struct Loader<'a> {
    repo: Option<&'a Repo>,
    globs: Vec<String>,
    libraries: HashMap<String, Library>,
}

impl<'a> Loader<'a> {
    /// `repo: None` loads self-contained files only (the standalone command).
    pub fn new(repo: Option<&'a Repo>, globs: Vec<String>) -> Self {
        Loader {
            repo,
            globs,
            libraries: HashMap::new(),
        }
    }

    /// Load `path` (content `bytes`) as of `commit`, resolving names across the commit's schema files.
    pub fn load(
        &mut self,
        commit: Option<&str>,
        path: &str,
        bytes: &[u8],
    ) -> Result<Loaded, Vec<SchemaError>> {
        let mut set = SchemaSet::new();
        let root = set.add_file(path, bytes).map_err(|e| vec![e])?;
        if let Some(commit) = commit {
            let mut added: HashSet<usize> = HashSet::new();
            loop {
                let missing = set.missing_names();
                if missing.is_empty() {
                    break;
                }
                let library = self.library(commit);
                let mut progress = false;
                for name in missing {
                    let Some(&idx) = library.defines.get(&name) else {
                        continue;
                    };
                    let (lib_path, doc) = &library.files[idx];
                    if lib_path == path || !added.insert(idx) {
                        continue;
                    }
                    set.add_json(lib_path, doc).map_err(|e| vec![e])?;
                    progress = true;
                }
                if !progress {
                    break;
                }
            }
        }
        set.resolve()?;
        Ok(Loaded { set, root })
    }

    fn library(&mut self, commit: &str) -> &Library {
        let (repo, globs) = (self.repo, &self.globs);
        self.libraries.entry(commit.to_string()).or_insert_with(|| {
            let mut lib = Library::default();
            let Some(repo) = repo else { return lib };
            let Ok(paths) = repo.list_files(commit) else {
                return lib;
            };
            for path in paths
                .iter()
                .filter(|p| globs.iter().any(|g| glob::matches(g, p)))
            {
                let Ok(Some(bytes)) = repo.read(commit, path.as_bytes()) else {
                    continue;
                };
                let Ok(doc) = json::parse(&bytes) else {
                    continue;
                };
                // Index the names this file defines (files that do not read are skipped).
                let mut alone = SchemaSet::new();
                if alone.add_json(path, &doc).is_err() {
                    continue;
                }
                let idx = lib.files.len();
                for name in alone.defined_names() {
                    lib.defines.entry(name.clone()).or_insert(idx);
                }
                lib.files.push((path.clone(), doc));
            }
            lib
        })
    }
}
