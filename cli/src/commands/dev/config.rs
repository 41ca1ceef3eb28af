//! The config file of the developer commands: which server to talk to, and the token of
//! each server signed in to. It lives at `$XDG_CONFIG_HOME/updraft/config.toml` (the
//! platform's config directory elsewhere) and is only ever written with mode 0600, since
//! it holds bearer tokens.
//!
//! ```toml
//! url = "http://127.0.0.1:8080"          # the server of the last `updraft login`
//!
//! [servers."http://127.0.0.1:8080"]
//! username = "me"
//! token = "eyJ..."
//! expires_at = "2030-01-01T00:00:00Z"
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The contents of the config file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Config {
    /// The server used when neither `--url` nor `UPDRAFT_URL` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Sign-ins, keyed by server URL.
    #[serde(default)]
    pub servers: BTreeMap<String, Login>,
}

/// A sign-in to one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    /// The developer account.
    pub username: String,
    /// The developer token (a JWT).
    pub token: String,
    /// When the token stops working (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// Where the config file is.
pub fn path() -> anyhow::Result<PathBuf> {
    let dir = dirs::config_dir().context("cannot tell where your config directory is: set XDG_CONFIG_HOME or HOME")?;
    Ok(dir.join("updraft").join("config.toml"))
}

impl Config {
    /// Reads the config file; a missing file is an empty config.
    pub fn load() -> anyhow::Result<Config> {
        Config::load_from(&path()?)
    }

    fn load_from(path: &Path) -> anyhow::Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        toml::from_str(&text).with_context(|| format!("{} is not a valid config file (fix or remove it)", path.display()))
    }

    /// Writes the config file (mode 0600, in a 0700 directory), replacing it atomically.
    /// Returns its path.
    pub fn save(&self) -> anyhow::Result<PathBuf> {
        let path = path()?;
        self.save_to(&path)?;
        Ok(path)
    }

    fn save_to(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().context("the config file has no folder")?;
        create_private_dir(dir)?;
        let text = toml::to_string(self).context("encoding the config")?;
        let temp = dir.join(".config.toml.tmp");
        let _ = std::fs::remove_file(&temp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).with_context(|| format!("creating {}", temp.display()))?;
        file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).with_context(|| format!("writing {}", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("replacing {}", path.display()))
    }

    /// The sign-in kept for `url`, if any.
    pub fn login(&self, url: &str) -> Option<&Login> {
        self.servers.get(url)
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn saves_privately_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("updraft/config.toml");
        assert!(Config::load_from(&path).unwrap().servers.is_empty(), "a missing file is an empty config");
        let mut config = Config { url: Some("http://a".into()), ..Config::default() };
        let login = Login { username: "me".into(), token: "t".into(), expires_at: None };
        config.servers.insert("http://a".into(), login);
        config.save_to(&path).unwrap();
        config.save_to(&path).unwrap();
        let back = Config::load_from(&path).unwrap();
        assert_eq!(back.url.as_deref(), Some("http://a"));
        assert_eq!(back.login("http://a").unwrap().token, "t");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
