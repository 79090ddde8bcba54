//! Tree mode: scan every file under one or more paths, honouring
//! `.gitignore` (also outside a git repository), `.ignore` and git's global
//! excludes, but not skipping hidden files (`.env` is where secrets live).

use super::whole_files::WholeFileScan;
use ignore::WalkBuilder;
use std::path::Path;

/// The path to show for `path`: relative, without a leading `./`, `/`-separated.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// Files at least this large are mapped instead of read: no copy, no
/// zeroed buffer (a third of the time of a large scan was the kernel copying
/// and faulting in a fresh buffer).
const MAP_FROM_BYTES: u64 = 1 << 20;

/// A file's content, read or mapped.
enum FileBytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl FileBytes {
    fn open(path: &Path) -> std::io::Result<FileBytes> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() >= MAP_FROM_BYTES {
            // SAFETY: the map is read-only and lives only while this file is
            // scanned. If another process truncates the file meanwhile, the
            // read faults (as with any mapping tool, e.g. ripgrep); shrinking
            // a file under a running scan is not a case the gate guards.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes::Mapped(map));
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes)?;
        Ok(FileBytes::Read(bytes))
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            FileBytes::Read(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

/// Scan `root` (a file or a directory) into `scan`.
pub fn scan_path(root: &Path, scan: &mut WholeFileScan) -> anyhow::Result<()> {
    if !root.exists() {
        anyhow::bail!("{}: no such file or directory", root.display());
    }
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => anyhow::bail!("{}: cannot walk: {e}", root.display()),
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = display_path(entry.path());
        if scan.excluded(&path) {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if scan.too_large(size) {
            continue;
        }
        let bytes = FileBytes::open(entry.path())
            .map_err(|e| anyhow::anyhow!("{path}: cannot read: {e}"))?;
        scan.file(&path, bytes.as_slice(), None);
    }
    Ok(())
}
