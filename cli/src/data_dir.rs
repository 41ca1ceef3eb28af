//! The layout of a data directory, and the secret kept in it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Paths inside a data directory.
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Creates the directory (0700) if needed.
    pub fn open(root: &Path) -> anyhow::Result<DataDir> {
        std::fs::create_dir_all(root).with_context(|| format!("creating data dir {}", root.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("securing {}", root.display()))?;
        }
        Ok(DataDir { root: root.to_owned() })
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("updraft.db")
    }

    /// Module blobs.
    pub fn modules(&self) -> PathBuf {
        self.root.join("modules")
    }

    /// Compiled artifacts.
    pub fn compiled(&self) -> PathBuf {
        self.root.join("compiled")
    }

    /// The token-signing secret: read, or generated (32 random bytes, mode 0600) on first
    /// start. Never logged.
    pub fn token_secret(&self) -> anyhow::Result<Vec<u8>> {
        let path = self.root.join("token-secret");
        match std::fs::read(&path) {
            Ok(secret) if secret.len() >= 32 => return Ok(secret),
            Ok(_) => anyhow::bail!("{} is shorter than 32 bytes; remove it to generate a new one", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
        let secret: [u8; 32] = rand::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).with_context(|| format!("creating {}", path.display()))?;
        file.write_all(&secret)?;
        file.sync_all()?;
        Ok(secret.to_vec())
    }
}
