//! Names of apps, functions and users: `^[a-z][a-z0-9-]{0,62}$`.

use crate::ApiError;

/// Whether `name` is a valid app or function name.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// `Ok` for a valid name, else 400 naming what it is.
pub fn check_name(what: &str, name: &str) -> Result<(), ApiError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{what} name {name:?} is invalid: use 1-63 characters a-z, 0-9 and '-', starting with a letter"
        )))
    }
}

/// `Ok` for a valid account or app-user name: 1-64 characters a-z, 0-9, `.`, `_`, `-`.
pub fn check_username(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request("username must be 1-64 characters a-z, 0-9, '.', '_' or '-'"))
    }
}

/// `Ok` for a valid role name: 1-64 characters a-z, 0-9, `-`, `_`.
pub fn check_role(role: &str) -> Result<(), ApiError> {
    let ok = !role.is_empty()
        && role.len() <= 64
        && role.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("role {role:?} is invalid: use a-z, 0-9, '-', '_'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "hello", "my-fn-2", &"a".repeat(63)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "1abc", "-a", "Hello", "a_b", "a.b", "a/b", &"a".repeat(64), "é"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
