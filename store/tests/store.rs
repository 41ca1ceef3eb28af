//! The store against a real SQLite file.

use updraft_store::{BlobStore, Db, StoreError, SCHEMA_VERSION};

#[test]
fn first_account_is_admin_and_names_are_unique() {
    let db = Db::open_in_memory().unwrap();
    let a = db.create_account("alice", "h").unwrap();
    let b = db.create_account("bob", "h").unwrap();
    assert!(a.is_admin && !b.is_admin);
    assert!(matches!(db.create_account("alice", "h"), Err(StoreError::Conflict(_))));
}

#[test]
fn revisions_count_up_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    {
        let db = Db::open(&path).unwrap();
        let owner = db.create_account("dev", "h").unwrap().id;
        db.create_app("shop", owner).unwrap();
        assert_eq!(db.add_revision("shop", "cart", "aa", 1, "{}").unwrap().revision, 1);
        assert_eq!(db.add_revision("shop", "cart", "bb", 2, "{}").unwrap().revision, 2);
        assert!(matches!(db.add_revision("nope", "f", "aa", 1, "{}"), Err(StoreError::NotFound(_))));
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), SCHEMA_VERSION);
    let f = db.function("shop", "cart").unwrap().unwrap();
    assert_eq!(f.current_revision, 2);
    assert_eq!(db.current_revisions().unwrap()[0].sha256, "bb");
    assert_eq!(db.revisions("shop", "cart").unwrap().len(), 2);
}

#[test]
fn concurrent_deploys_get_distinct_whole_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("meta.db")).unwrap();
    let owner = db.create_account("dev", "h").unwrap().id;
    db.create_app("app", owner).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let db = db.clone();
            std::thread::spawn(move || db.add_revision("app", "f", &format!("{i:064x}"), i, "{}").unwrap().revision)
        })
        .collect();
    let mut revisions: Vec<u32> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    revisions.sort();
    assert_eq!(revisions, (1..=8).collect::<Vec<_>>());
    let current = db.function("app", "f").unwrap().unwrap().current_revision;
    assert!(db.revision("app", "f", current).unwrap().is_some());
}

#[test]
fn deleting_an_app_removes_everything_of_it() {
    let db = Db::open_in_memory().unwrap();
    let owner = db.create_account("dev", "h").unwrap().id;
    db.create_app("app", owner).unwrap();
    db.add_revision("app", "f", "aa", 1, "{}").unwrap();
    db.delete_app("app").unwrap();
    assert!(db.app("app").unwrap().is_none());
    assert!(db.function("app", "f").unwrap().is_none());
    assert!(!db.module_in_use("aa").unwrap());
    assert!(matches!(db.delete_app("app"), Err(StoreError::NotFound(_))));
}

#[test]
fn blobs_are_content_addressed() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = BlobStore::open(dir.path()).unwrap();
    let sha = blobs.put(b"module").unwrap();
    assert_eq!(sha, BlobStore::hash(b"module"));
    assert_eq!(blobs.put(b"module").unwrap(), sha);
    assert_eq!(blobs.get(&sha).unwrap().unwrap(), b"module");
    assert!(blobs.get("../../etc/passwd").unwrap().is_none());
}
