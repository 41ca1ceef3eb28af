//! Errors of the store.

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file of the data directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// File or directory.
        path: std::path::PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A unique name is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A size limit would be exceeded.
    #[error("{0}")]
    Limit(String),
    /// The database was written by a newer version.
    #[error("database schema version {found} is newer than this binary's {supported}")]
    TooNew {
        /// Version in the file.
        found: u32,
        /// Newest this binary knows.
        supported: u32,
    },
}
