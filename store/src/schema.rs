//! The schema, as an ordered list of migrations. Version N is reached by applying the
//! first N entries; a database is migrated forward on open and never backward.

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: accounts, apps, functions, revisions, logs.
    r#"
    CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        is_admin      INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL
    );
    CREATE TABLE apps (
        name       TEXT PRIMARY KEY,
        owner_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    );
    CREATE INDEX apps_owner ON apps(owner_id);
    CREATE TABLE functions (
        app              TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        name             TEXT NOT NULL,
        current_revision INTEGER NOT NULL,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        PRIMARY KEY (app, name)
    );
    CREATE TABLE revisions (
        app        TEXT NOT NULL,
        function   TEXT NOT NULL,
        revision   INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        size       INTEGER NOT NULL,
        settings   TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (app, function, revision),
        FOREIGN KEY (app, function) REFERENCES functions(app, name) ON DELETE CASCADE
    );
    CREATE TABLE logs (
        id            INTEGER PRIMARY KEY,
        app           TEXT NOT NULL,
        function      TEXT NOT NULL,
        revision      INTEGER NOT NULL,
        invocation_id TEXT NOT NULL,
        time_us       INTEGER NOT NULL,
        level         INTEGER NOT NULL,
        message       TEXT NOT NULL
    );
    CREATE INDEX logs_function_time ON logs(app, function, id);
    CREATE INDEX logs_invocation ON logs(invocation_id);
    "#,
    // 2: app users, sessions and their data, key-value data, mail outbox.
    r#"
    CREATE TABLE app_users (
        id            TEXT PRIMARY KEY,
        app           TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        username      TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        roles         TEXT NOT NULL DEFAULT '[]',
        created_at    TEXT NOT NULL,
        UNIQUE (app, username)
    );
    CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        app        TEXT NOT NULL,
        user_id    TEXT NOT NULL REFERENCES app_users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE session_data (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        value      BLOB NOT NULL,
        PRIMARY KEY (session_id, key)
    );
    CREATE TABLE kv (
        app        TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (app, key)
    );
    CREATE TABLE mail_outbox (
        id              TEXT PRIMARY KEY,
        app             TEXT NOT NULL,
        function        TEXT NOT NULL,
        message         BLOB NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error      TEXT,
        created_ms      INTEGER NOT NULL,
        sent_ms         INTEGER
    );
    CREATE INDEX mail_due ON mail_outbox(status, next_attempt_ms);
    CREATE INDEX mail_app ON mail_outbox(app, created_ms);
    "#,
    // 3: async invocations and dead letters.
    r#"
    CREATE TABLE invocations (
        id         TEXT PRIMARY KEY,
        app        TEXT NOT NULL,
        function   TEXT NOT NULL,
        status     TEXT NOT NULL,
        rank       INTEGER NOT NULL,
        attempts   INTEGER NOT NULL,
        response   BLOB,
        error      TEXT,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE INDEX invocations_app ON invocations(app, function);
    CREATE TABLE dead_letters (
        id         TEXT PRIMARY KEY,
        app        TEXT NOT NULL,
        function   TEXT NOT NULL,
        invocation BLOB NOT NULL,
        attempts   INTEGER NOT NULL,
        error      TEXT,
        created_ms INTEGER NOT NULL
    );
    CREATE INDEX dead_letters_function ON dead_letters(app, function, created_ms);
    "#,
];
