//! `json`: reads and writes JSON.
//!
//! The body `{"name": "Ann", "numbers": [1, 2, 3.5]}` is answered with
//! `{"greeting": "Hello, Ann!", "sum": 6.5, "count": 3}`; the sum of whole numbers is a
//! whole number. A body that is not of that shape is answered 400 `{"error": "..."}`.

use serde::{Deserialize, Serialize};
use serde_json::Number;
use updraft::{Request, Response};

/// What the function expects.
#[derive(Deserialize)]
struct Input {
    name: String,
    numbers: Vec<Number>,
}

/// What it answers.
#[derive(Serialize)]
struct Output {
    greeting: String,
    sum: Number,
    count: usize,
}

#[updraft::handler]
fn handle(req: Request) -> Response {
    match req.json::<Input>() {
        Ok(input) => Response::json(&Output {
            greeting: format!("Hello, {}!", input.name),
            sum: sum(&input.numbers),
            count: input.numbers.len(),
        }),
        Err(e) => Response::json(&serde_json::json!({ "error": e.to_string() })).with_status(400),
    }
}

/// Adds whole numbers exactly while they fit in an i64, and as floats otherwise.
fn sum(numbers: &[Number]) -> Number {
    let whole: Option<i64> = numbers.iter().try_fold(0i64, |sum, n| sum.checked_add(n.as_i64()?));
    match whole {
        Some(sum) => Number::from(sum),
        None => {
            let sum: f64 = numbers.iter().filter_map(Number::as_f64).sum();
            // Only a non-finite sum has no JSON form; report it as the largest float.
            Number::from_f64(sum)
                .or_else(|| Number::from_f64(f64::MAX.copysign(sum)))
                .unwrap_or_else(|| Number::from(0))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn call(body: &str) -> (u16, Value) {
        let resp = handle(Request::post("/", body));
        (resp.status_code(), resp.body_json().unwrap())
    }

    #[test]
    fn greets_and_sums() {
        let (status, body) = call(r#"{"name": "Ann", "numbers": [1, 2, 3]}"#);
        assert_eq!(status, 200);
        assert_eq!(body, json!({"greeting": "Hello, Ann!", "sum": 6, "count": 3}));
        let (_, body) = call(r#"{"name": "B", "numbers": [1, 2.5]}"#);
        assert_eq!(body["sum"], 3.5);
        let (_, body) = call(r#"{"name": "C", "numbers": []}"#);
        assert_eq!((body["sum"].clone(), body["count"].clone()), (json!(0), json!(0)));
        let (_, body) = call(r#"{"name": "D", "numbers": [9223372036854775807, 1]}"#);
        assert!(body["sum"].as_f64().unwrap() > 9.2e18);
    }

    #[test]
    fn rejects_bodies_of_another_shape() {
        for bad in
            ["", "not json", r#"{"name": 1, "numbers": []}"#, r#"{"name": "x"}"#, r#"{"name": "x", "numbers": ["1"]}"#]
        {
            let (status, body) = call(bad);
            assert_eq!(status, 400, "{bad}");
            assert!(body["error"].is_string());
        }
    }
}
