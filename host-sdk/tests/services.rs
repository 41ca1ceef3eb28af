//! The platform services on their real SQLite backend, called as `host_call` would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use updraft_abi::{encode, decode, service, ErrorCode, KeyArg, MailMessage, MailQueued, PrefixArg, ServiceError, SetArg, User, Value};
use updraft_host::services::{register_platform_services, Backends, ServiceLimits};
use updraft_host::{CallContext, ServiceRegistry, SqliteOutbox};
use updraft_store::{Db, SessionRow};

fn registry(db: &Db) -> ServiceRegistry {
    let outbox = SqliteOutbox::new(db.clone(), Arc::new(Notify::new()));
    let backends = Backends { kv: Arc::new(db.clone()), sessions: Arc::new(db.clone()), mail: Arc::new(outbox) };
    let mut registry = ServiceRegistry::new(6 << 20);
    let limits = ServiceLimits { mails_per_minute: 3, ..ServiceLimits::default() };
    register_platform_services(&mut registry, backends, limits);
    registry
}

fn ctx(app: &str, session: Option<&str>) -> CallContext {
    CallContext {
        app: app.into(),
        function: "f".into(),
        revision: 1,
        invocation_id: "i".into(),
        user: session.map(|_| User { id: "u1".into(), app: app.into(), roles: vec![] }),
        session_id: session.map(String::from),
        deadline: Instant::now() + Duration::from_secs(5),
        depth: 0,
    }
}

async fn call<T: serde::Serialize>(registry: &ServiceRegistry, ctx: &CallContext, name: &str, arg: &T) -> Result<Vec<u8>, ServiceError> {
    registry.dispatch(ctx, name, &encode(arg).unwrap()).await
}

fn code(result: Result<Vec<u8>, ServiceError>) -> ErrorCode {
    result.unwrap_err().kind()
}

#[tokio::test]
async fn kv_is_per_app_and_size_capped() {
    let db = Db::open_in_memory().unwrap();
    let services = registry(&db);
    let (a, b) = (ctx("a", None), ctx("b", None));
    call(&services, &a, service::KV_SET, &SetArg { key: "k".into(), value: b"1".to_vec() }).await.unwrap();
    call(&services, &a, service::KV_SET, &SetArg { key: "k2".into(), value: b"2".to_vec() }).await.unwrap();
    let got: Option<Value> = decode(&call(&services, &a, service::KV_GET, &KeyArg { key: "k".into() }).await.unwrap()).unwrap();
    assert_eq!(got, Some(Value(b"1".to_vec())));
    let other: Option<Value> = decode(&call(&services, &b, service::KV_GET, &KeyArg { key: "k".into() }).await.unwrap()).unwrap();
    assert_eq!(other, None, "another app's space is separate");
    let keys: Vec<String> = decode(&call(&services, &a, service::KV_LIST, &PrefixArg { prefix: "k".into() }).await.unwrap()).unwrap();
    assert_eq!(keys, ["k", "k2"]);
    call(&services, &a, service::KV_DELETE, &KeyArg { key: "k".into() }).await.unwrap();
    let gone: Option<Value> = decode(&call(&services, &a, service::KV_GET, &KeyArg { key: "k".into() }).await.unwrap()).unwrap();
    assert_eq!(gone, None);

    let long_key = SetArg { key: "x".repeat(513), value: vec![] };
    assert_eq!(code(call(&services, &a, service::KV_SET, &long_key).await), ErrorCode::TooLarge);
    let big_value = SetArg { key: "v".into(), value: vec![0; 1024 * 1024 + 1] };
    assert_eq!(code(call(&services, &a, service::KV_SET, &big_value).await), ErrorCode::TooLarge);
    assert_eq!(code(registry(&db).dispatch(&a, service::KV_GET, b"\xc1").await), ErrorCode::InvalidArgument);
    assert_eq!(code(registry(&db).dispatch(&a, "kv.nope", b"\xc0").await), ErrorCode::NotFound);
}

#[tokio::test]
async fn sessions_need_a_session_and_are_capped() {
    let db = Db::open_in_memory().unwrap();
    let owner = db.create_account("dev", "h").unwrap().id;
    db.create_app("a", owner).unwrap();
    let user = db.create_app_user("u1", "a", "ada", "h").unwrap();
    db.create_session(&SessionRow { id: "s1".into(), app: "a".into(), user_id: user.id, created_at: 0, expires_at: i64::MAX }).unwrap();
    let services = registry(&db);
    let anonymous = ctx("a", None);
    assert_eq!(code(call(&services, &anonymous, service::SESSION_GET, &KeyArg { key: "k".into() }).await), ErrorCode::Unauthenticated);
    let signed_in = ctx("a", Some("s1"));
    call(&services, &signed_in, service::SESSION_SET, &SetArg { key: "k".into(), value: b"v".to_vec() }).await.unwrap();
    let got: Option<Value> = decode(&call(&services, &signed_in, service::SESSION_GET, &KeyArg { key: "k".into() }).await.unwrap()).unwrap();
    assert_eq!(got, Some(Value(b"v".to_vec())));
    let too_much = SetArg { key: "big".into(), value: vec![0; 64 * 1024] };
    assert_eq!(code(call(&services, &signed_in, service::SESSION_SET, &too_much).await), ErrorCode::TooLarge);
    let user: Option<User> = decode(&call(&services, &signed_in, service::AUTH_USER, &()).await.unwrap()).unwrap();
    assert_eq!(user.unwrap().id, "u1");
    db.delete_session("s1").unwrap();
    let ended = SetArg { key: "k".into(), value: b"v".to_vec() };
    assert_eq!(code(call(&services, &signed_in, service::SESSION_SET, &ended).await), ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn mail_is_validated_queued_and_rate_limited() {
    let db = Db::open_in_memory().unwrap();
    let services = registry(&db);
    let c = ctx("a", None);
    let mail = MailMessage { to: vec!["ada@example.com".into()], subject: "Hi".into(), text: "Hello".into(), ..Default::default() };
    let queued: MailQueued = decode(&call(&services, &c, service::MAIL_SEND, &mail).await.unwrap()).unwrap();
    assert_eq!(queued.id.len(), 32);
    assert_eq!(db.queued_mail_count().unwrap(), 1);
    let bad = MailMessage { to: vec!["nobody".into()], ..mail.clone() };
    assert_eq!(code(call(&services, &c, service::MAIL_SEND, &bad).await), ErrorCode::InvalidArgument);
    call(&services, &c, service::MAIL_SEND, &mail).await.unwrap();
    call(&services, &c, service::MAIL_SEND, &mail).await.unwrap();
    assert_eq!(code(call(&services, &c, service::MAIL_SEND, &mail).await), ErrorCode::RateLimited, "3 per minute here");
}

#[tokio::test]
async fn unknown_services_and_oversized_arguments_are_values_not_traps() {
    let db = Db::open_in_memory().unwrap();
    let services = registry(&db);
    let c = ctx("a", None);
    assert_eq!(code(services.dispatch(&c, "no.such", b"\xc0").await), ErrorCode::NotFound);
    let huge = vec![0u8; (6 << 20) + 1];
    assert_eq!(code(services.dispatch(&c, service::KV_GET, &huge).await), ErrorCode::TooLarge);
}
