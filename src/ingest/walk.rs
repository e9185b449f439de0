//! Turning command-line inputs into the sorted list of files to ingest.
//!
//! In: paths (files or folders). Out: every regular file under them, walked recursively,
//! sorted and without duplicates; hidden files (`.name`) inside folders are left out, files
//! named explicitly are kept. A path that cannot be read becomes an [`InputProblem`] for the
//! summary, not an error that stops the batch. Symbolic links to files are followed; links to
//! folders are not (no loops).

use std::path::{Path, PathBuf};

/// An input path that could not be listed.
#[derive(Debug, Clone)]
pub struct InputProblem {
    pub path: PathBuf,
    pub reason: String,
}

/// Lists the files under `inputs`.
pub fn list_files(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, &mut files, &mut problems),
            Ok(_) => files.push(input.clone()),
            Err(e) => problems.push(InputProblem { path: input.clone(), reason: e.to_string() }),
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<InputProblem>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            problems.push(InputProblem { path: dir.to_path_buf(), reason: e.to_string() });
            return;
        }
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, files, problems),
            Ok(t) if t.is_file() => files.push(path),
            Ok(t) if t.is_symlink() => match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(path),
                Ok(_) => {}
                Err(e) => problems.push(InputProblem { path, reason: e.to_string() }),
            },
            Ok(_) => {}
            Err(e) => problems.push(InputProblem { path, reason: e.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_skips_hidden_and_reports_missing() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/c")).unwrap();
        std::fs::write(d.path().join("b/c/z"), b"").unwrap();
        std::fs::write(d.path().join("b/a"), b"").unwrap();
        std::fs::write(d.path().join(".hidden"), b"").unwrap();
        let missing = d.path().join("missing");
        let (files, problems) = list_files(&[d.path().to_path_buf(), missing.clone(), d.path().join("b/a")]);
        let names: Vec<_> = files.iter().map(|p| p.strip_prefix(d.path()).unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["b/a", "b/c/z"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, missing);
    }
}
