use super::*;

fn sample_request() -> Request {
    Request {
        method: "POST".into(),
        path: "/a/b".into(),
        query: "x=1".into(),
        headers: vec![("content-type".into(), "text/plain".into())],
        body: b"hi".to_vec(),
        invocation_id: "0123".into(),
        user: Some(User { id: "u1".into(), app: "shop".into(), roles: vec!["admin".into()] }),
    }
}

#[test]
fn request_round_trips() {
    let req = sample_request();
    let bytes = encode(&req).unwrap();
    assert_eq!(decode::<Request>(&bytes).unwrap(), req);
}

#[test]
fn response_round_trips() {
    let resp = Response { status: 404, headers: vec![("a".into(), "b".into())], body: vec![0, 1, 255] };
    assert_eq!(decode::<Response>(&encode(&resp).unwrap()).unwrap(), resp);
}

/// The wire form is pinned: a Response written byte by byte, as a guest in any language
/// would write it, decodes.
#[test]
fn decodes_hand_written_response() {
    let mut b = vec![0x83]; // map of 3
    b.push(0xa6);
    b.extend_from_slice(b"status");
    b.extend_from_slice(&[0xcd, 0x00, 0xc9]); // uint16 201
    b.push(0xa7);
    b.extend_from_slice(b"headers");
    b.push(0x91); // array of 1
    b.push(0x92); // pair
    b.push(0xac);
    b.extend_from_slice(b"content-type");
    b.push(0xaa);
    b.extend_from_slice(b"text/plain");
    b.push(0xa4);
    b.extend_from_slice(b"body");
    b.extend_from_slice(&[0xc4, 0x02, b'o', b'k']); // bin8 "ok"
    let resp: Response = decode(&b).unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(resp.headers, vec![("content-type".to_string(), "text/plain".to_string())]);
    assert_eq!(resp.body, b"ok");
}

/// The Request the host writes uses field names, `bin` for the body and nil for no user.
#[test]
fn request_wire_form_is_pinned() {
    let req = Request { method: "GET".into(), path: "/".into(), body: vec![7], ..Default::default() };
    let bytes = encode(&req).unwrap();
    assert_eq!(bytes[0], 0x87, "a map of 7 fields");
    let body_at = bytes.windows(5).position(|w| w == b"\xa4body").unwrap();
    assert_eq!(&bytes[body_at + 5..body_at + 8], &[0xc4, 0x01, 7], "body is bin8");
    assert_eq!(*bytes.last().unwrap(), 0xc0, "user is nil");
    let user_at = bytes.windows(5).position(|w| w == b"\xa4user").unwrap();
    assert_eq!(user_at + 5, bytes.len() - 1);
}

#[test]
fn unknown_fields_are_ignored_and_missing_ones_default() {
    // {"status": 204, "future": true}
    let b = [0x82, 0xa6, b's', b't', b'a', b't', b'u', b's', 0xcc, 204, 0xa6, b'f', b'u', b't', b'u', b'r', b'e', 0xc3];
    let resp: Response = decode(&b).unwrap();
    assert_eq!(resp.status, 204);
    assert!(resp.headers.is_empty() && resp.body.is_empty());
}

#[test]
fn service_error_codes_round_trip() {
    for code in [ErrorCode::Unauthenticated, ErrorCode::TooLarge, ErrorCode::Unavailable] {
        assert_eq!(ErrorCode::parse(code.as_str()), code);
    }
    assert_eq!(ErrorCode::parse("something_new"), ErrorCode::Internal);
}

#[test]
fn optional_value_is_nil_or_bin() {
    assert_eq!(encode(&None::<Value>).unwrap(), vec![0xc0]);
    assert_eq!(encode(&Some(Value(vec![1]))).unwrap(), vec![0xc4, 1, 1]);
}

#[test]
fn packs_pointer_and_length() {
    let packed = pack_ptr_len(0xffff_fff0, 0x8000_0001);
    assert_eq!(unpack_pair(packed), (0xffff_fff0, 0x8000_0001));
}
