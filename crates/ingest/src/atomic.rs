//! Writing files so that a reader never sees half of one: write a temporary file beside the
//! target, flush it to disk, then rename it over the target (atomic on POSIX file systems).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::IngestError;

/// The temporary name a file is written under before it takes its place.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes a file atomically with whatever `write` puts into it. On any error the temporary file
/// is removed and the previous file, if any, is left as it was.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| IngestError::io(parent, e))?;
    }
    let temporary = temporary_path(path);
    let result = (|| {
        let mut file = File::create(&temporary).map_err(|e| IngestError::io(&temporary, e))?;
        write(&mut file)?;
        file.flush().map_err(|e| IngestError::io(&temporary, e))?;
        file.sync_all()
            .map_err(|e| IngestError::io(&temporary, e))?;
        fs::rename(&temporary, path).map_err(|e| IngestError::io(path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Writes bytes to a file atomically.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    write_atomically(path, |file| {
        file.write_all(bytes).map_err(|e| IngestError::io(path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_litter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scores.csv");
        write_bytes_atomically(&path, b"old").unwrap();
        let failed = write_atomically(&path, |file| {
            file.write_all(b"half").unwrap();
            Err(IngestError::CubeFile {
                path: path.clone(),
                message: "killed".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        write_bytes_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }
}
