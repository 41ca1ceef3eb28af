//! Query strings: `application/x-www-form-urlencoded` parsing and encoding.
//!
//! [`Request::query_param`](crate::Request::query_param) uses these; they are public for
//! functions that build query strings themselves (for [`call`](crate::call), say).

/// Splits a raw query string (without `?`) into decoded `(name, value)` pairs, in order.
///
/// Pairs are separated by `&` (empty pieces are skipped); a piece without `=` is a name
/// with an empty value; names and values are decoded with [`decode_component`].
///
/// ```
/// let pairs = updraft::query::parse("name=J%C3%BCrgen&flag&x=a+b");
/// assert_eq!(pairs, [("name".into(), "Jürgen".into()), ("flag".into(), String::new()), ("x".into(), "a b".into())]);
/// ```
pub fn parse(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((name, value)) => (decode_component(name), decode_component(value)),
            None => (decode_component(piece), String::new()),
        })
        .collect()
}

/// The decoded value of the first parameter called `name` (compared after decoding);
/// `Some("")` for a parameter without a value (`?reset`), `None` when absent.
pub fn get(raw: &str, name: &str) -> Option<String> {
    parse(raw).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// Decodes one form-encoded component: `+` is a space and `%XX` a byte; the bytes are
/// read as UTF-8 (lossy). A `%` not followed by two hex digits stays as it is.
///
/// ```
/// assert_eq!(updraft::query::decode_component("caf%C3%A9+au+lait%"), "café au lait%");
/// ```
pub fn decode_component(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex_value);
                let low = bytes.get(i + 2).copied().and_then(hex_value);
                if let (Some(high), Some(low)) = (high, low) {
                    out.push(high << 4 | low);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one component for a query string: ASCII letters, digits and `-._~` stay,
/// everything else becomes `%XX` (so a space is `%20`).
///
/// ```
/// assert_eq!(updraft::query::encode_component("a b&c=ü"), "a%20b%26c%3D%C3%BC");
/// ```
pub fn encode_component(component: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(component.len());
    for &byte in component.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_flags_and_empty_pieces() {
        let pairs = parse("a=1&&b&c=&=v&d=x=y");
        let expected: Vec<(String, String)> = [("a", "1"), ("b", ""), ("c", ""), ("", "v"), ("d", "x=y")]
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
        assert!(parse("").is_empty());
    }

    #[test]
    fn get_finds_the_first_match_after_decoding() {
        assert_eq!(get("x=1&na%6De=A&name=B", "name").as_deref(), Some("A"));
        assert_eq!(get("reset", "reset").as_deref(), Some(""));
        assert_eq!(get("resets=1", "reset"), None);
    }

    #[test]
    fn decodes_plus_percent_and_keeps_malformed_escapes() {
        assert_eq!(decode_component("a+b%20c"), "a b c");
        assert_eq!(decode_component("%e2%82%ac"), "€");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("%2B"), "+");
        assert_eq!(decode_component("%FF"), "\u{fffd}");
    }

    #[test]
    fn encoding_round_trips() {
        for text in ["", "plain", "a b+c&d=e/f?g#h%", "Grüße, 世界", "-._~"] {
            assert_eq!(decode_component(&encode_component(text)), text);
        }
        assert_eq!(encode_component("-._~"), "-._~");
    }
}
