//! `profile`: per-user state in the caller's session. Deploy it with `auth=user`.
//!
//! - `GET`: counts the visit in the session (key `visits`) and answers
//!   `{"user": {"id", "app", "roles"}, "visits": n}`, plus `"nickname"` once one is set;
//! - `POST {"nickname": "..."}`: keeps the nickname in the session (key `nickname`) and
//!   answers `{"nickname": "..."}`.
//!
//! Without a signed-in user (deployed public) it answers 401; errors are
//! `{"error": "..."}`.

use serde::Deserialize;
use serde_json::{Value, json};
use updraft::{Error, Request, Response, User};

/// Session key of the visit count (JSON number).
const VISITS: &str = "visits";
/// Session key of the nickname (UTF-8 text).
const NICKNAME: &str = "nickname";

/// Body of a POST.
#[derive(Deserialize)]
struct NicknameInput {
    nickname: String,
}

#[updraft::handler]
fn handle(req: Request) -> Response {
    let user = match updraft::auth::user() {
        Ok(Some(user)) => user,
        Ok(None) => return error_response(401, "sign in to see your profile (deploy this function with auth=user)"),
        Err(e) => return service_error(&e),
    };
    let result = match req.method() {
        "GET" => show(&user),
        "POST" => match req.json::<NicknameInput>() {
            Ok(input) => set_nickname(&input.nickname),
            Err(e) => return error_response(400, &e.to_string()),
        },
        _ => return error_response(405, "use GET or POST").with_header("allow", "GET, POST"),
    };
    result.unwrap_or_else(|e| service_error(&e))
}

fn show(user: &User) -> updraft::Result<Response> {
    let visits = updraft::session::get_json::<u64>(VISITS)?.unwrap_or(0).saturating_add(1);
    updraft::session::set_json(VISITS, &visits)?;
    let mut body = json!({
        "user": { "id": user.id, "app": user.app, "roles": user.roles },
        "visits": visits,
    });
    if let Some(nickname) = updraft::session::get(NICKNAME)? {
        body["nickname"] = Value::String(String::from_utf8_lossy(&nickname).into_owned());
    }
    Ok(Response::json(&body))
}

fn set_nickname(nickname: &str) -> updraft::Result<Response> {
    updraft::session::set(NICKNAME, nickname.as_bytes())?;
    Ok(Response::json(&json!({ "nickname": nickname })))
}

fn service_error(error: &Error) -> Response {
    error_response(error.http_status(), &error.to_string())
}

fn error_response(status: u16, message: &str) -> Response {
    Response::json(&json!({ "error": message })).with_status(status)
}
