//! Finding the input files: one file or a folder searched recursively, in a stable order, with
//! the hive-style partition keys (`force_id=E23000005/year=2022/part-0.parquet`) each file sits
//! under.

use std::path::{Path, PathBuf};

use recount_cube::Table;

use crate::error::IngestError;

/// One input file and the partition keys its path supplies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// `key=value` folder names between the input root and the file, outermost first.
    pub partition: Vec<(String, String)>,
}

impl InputFile {
    /// The value a partition folder gives for `key`, if any.
    pub fn partition_value(&self, key: &str) -> Option<&str> {
        self.partition
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Every file with one of `extensions` at or under `root`, sorted by path so that reads (and
/// so the examples in the data-quality summary) do not depend on the file system's order.
/// Hidden files and folders (`.`, `_` prefixes, as Spark and Hive write) are skipped.
pub fn discover(
    root: &Path,
    table: Table,
    extensions: &[&str],
) -> Result<Vec<InputFile>, IngestError> {
    let meta = std::fs::metadata(root).map_err(|e| IngestError::NoInput {
        table,
        path: root.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut files = Vec::new();
    if meta.is_file() {
        files.push(root.to_path_buf());
    } else {
        walk(root, extensions, &mut files)?;
    }
    files.sort();
    if files.is_empty() {
        return Err(IngestError::NoInput {
            table,
            path: root.to_path_buf(),
            reason: format!("no {} files found", extensions.join("/")),
        });
    }
    Ok(files
        .into_iter()
        .map(|path| {
            let partition = partition_keys(root, &path);
            InputFile { path, partition }
        })
        .collect())
}

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| IngestError::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let kind = entry.file_type().map_err(|e| IngestError::io(&path, e))?;
        if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
            walk(&path, extensions, out)?;
        } else if has_extension(&path, extensions) {
            out.push(path);
        }
    }
    Ok(())
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The `key=value` folder names between `root` and `file`. Values are URL-decoded the way Hive
/// and Spark encode them (`%20`, `%3D`); `__HIVE_DEFAULT_PARTITION__` means null and is skipped.
fn partition_keys(root: &Path, file: &Path) -> Vec<(String, String)> {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let Some(parent) = relative.parent() else {
        return Vec::new();
    };
    parent
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .filter_map(|part| part.split_once('='))
        .filter(|(_, v)| *v != "__HIVE_DEFAULT_PARTITION__")
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_files_recursively_in_order_with_partition_keys() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "force_id=F2/year=2022/part-0.parquet",
            "force_id=F1/part-1.parquet",
            "force_id=F1/part-0.parquet",
            "force_id=F1/_SUCCESS",
            ".hidden/x.parquet",
            "notes.txt",
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"").unwrap();
        }
        let files = discover(root, Table::Incidents, &["parquet"]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "force_id=F1/part-0.parquet",
                "force_id=F1/part-1.parquet",
                "force_id=F2/year=2022/part-0.parquet"
            ]
        );
        assert_eq!(files[2].partition_value("force_id"), Some("F2"));
        assert_eq!(files[2].partition_value("year"), Some("2022"));
        assert_eq!(files[0].partition_value("year"), None);
    }

    #[test]
    fn a_single_file_is_its_own_input_and_missing_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("one.parquet");
        std::fs::write(&file, b"").unwrap();
        assert_eq!(
            discover(&file, Table::Crimes, &["parquet"]).unwrap().len(),
            1
        );
        let err = discover(&dir.path().join("nope"), Table::Crimes, &["parquet"]).unwrap_err();
        assert!(err.to_string().contains("nope"));
        let empty = tempfile::tempdir().unwrap();
        let err = discover(empty.path(), Table::Crimes, &["parquet"]).unwrap_err();
        assert!(err.to_string().contains("no parquet files"));
    }

    #[test]
    fn partition_values_are_decoded() {
        assert_eq!(
            percent_decode("Devon%20and%20Cornwall"),
            "Devon and Cornwall"
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
