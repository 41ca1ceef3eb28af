//! Header lists as the ABI carries them: `(name, value)` pairs, names compared without
//! regard to case.

/// The value of the first header called `name` (case-insensitive).
pub(crate) fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Replaces every header called `name` by one `name: value`, stored lower-case.
pub(crate) fn set(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    append(headers, name, value);
}

/// Adds `name: value` (name stored lower-case) after any headers of that name.
pub(crate) fn append(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.push((name.to_ascii_lowercase(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_and_append_keeps() {
        let mut headers = vec![("Content-Type".to_string(), "a".to_string()), ("x".to_string(), "1".to_string())];
        set(&mut headers, "content-type", "b".into());
        append(&mut headers, "X", "2".into());
        assert_eq!(find(&headers, "CONTENT-TYPE"), Some("b"));
        assert_eq!(find(&headers, "x"), Some("1"));
        assert_eq!(headers.len(), 3);
        assert_eq!(headers[2], ("x".to_string(), "2".to_string()));
        assert_eq!(find(&headers, "missing"), None);
    }
}
