//! Names of apps and functions (`^[a-z][a-z0-9-]{0,62}$`, as the API wants them) and the
//! `APP/FN` arguments that name a function.

use std::str::FromStr;

/// Why `name` is not a valid app or function name, if it is not.
pub fn name_problem(kind: &str, name: &str) -> Option<String> {
    let mut bytes = name.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.len() <= 63;
    (!valid).then(|| format!("{kind} name {name:?} is invalid: use a lower-case letter, then up to 62 of a-z, 0-9, '-'"))
}

/// Checks an app or function name.
pub fn check_name(kind: &str, name: &str) -> anyhow::Result<()> {
    match name_problem(kind, name) {
        Some(problem) => Err(anyhow::anyhow!(problem)),
        None => Ok(()),
    }
}

/// A function, named `APP/FN` on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The app.
    pub app: String,
    /// The function.
    pub function: String,
}

impl FromStr for FunctionRef {
    type Err = String;

    fn from_str(text: &str) -> Result<FunctionRef, String> {
        let (app, function) = text.split_once('/').ok_or_else(|| format!("expected APP/FN, not {text:?}"))?;
        for (kind, name) in [("app", app), ("function", function)] {
            if let Some(problem) = name_problem(kind, name) {
                return Err(problem);
            }
        }
        Ok(FunctionRef { app: app.to_owned(), function: function.to_owned() })
    }
}

impl std::fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.app, self.function)
    }
}

impl FunctionRef {
    /// The function's path under `/v1`.
    pub fn api_path(&self) -> String {
        format!("/v1/apps/{}/functions/{}", self.app, self.function)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api() {
        for good in ["a", "hello-app", "a1", &"a".repeat(63)] {
            assert!(name_problem("app", good).is_none(), "{good}");
        }
        for bad in ["", "1a", "-a", "Hello", "a_b", "a/b", &"a".repeat(64)] {
            assert!(name_problem("app", bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn function_refs_need_both_parts() {
        let parsed: FunctionRef = "demo/greet".parse().unwrap();
        assert_eq!(parsed.to_string(), "demo/greet");
        assert_eq!(parsed.api_path(), "/v1/apps/demo/functions/greet");
        assert!("demo".parse::<FunctionRef>().unwrap_err().contains("APP/FN"));
        assert!("demo/".parse::<FunctionRef>().is_err());
        assert!("demo/a/b".parse::<FunctionRef>().is_err());
    }
}
