//! Module bytes, content-addressed by sha256.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::StoreError;

/// A directory of `{sha256}.wasm` files, each written whole or not at all.
#[derive(Clone, Debug)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Opens (creating) the blob directory.
    pub fn open(dir: &Path) -> Result<BlobStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_owned(), source })?;
        Ok(BlobStore { dir: dir.to_owned() })
    }

    /// The sha256 (hex) of `bytes`.
    pub fn hash(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.wasm"))
    }

    /// Stores `bytes` under their hash (idempotent) and returns the hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha256 = Self::hash(bytes);
        let path = self.path(&sha256);
        if path.is_file() {
            return Ok(sha256);
        }
        let io = |source| StoreError::Io { path: path.clone(), source };
        let mut staged = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        std::io::Write::write_all(&mut staged, bytes).map_err(io)?;
        staged.as_file().sync_all().map_err(io)?;
        staged.persist(&path).map_err(|e| io(e.error))?;
        Ok(sha256)
    }

    /// The bytes stored under `sha256`, if any.
    pub fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match std::fs::read(self.path(sha256)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Io { path: self.path(sha256), source }),
        }
    }

    /// Removes a blob (no error if absent).
    pub fn remove(&self, sha256: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.path(sha256)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io { path: self.path(sha256), source: e }),
            _ => Ok(()),
        }
    }
}
