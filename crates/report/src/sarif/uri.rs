//! Making URLs and file paths valid SARIF `uri-reference`s.

use serde_json::{json, Value};

/// The base ID relative audit paths are resolved against (the repository root).
const SRCROOT: &str = "%SRCROOT%";

/// `text` with every byte that may not appear in a URI reference percent-encoded.
/// Existing `%XX` escapes are kept; a stray `%` becomes `%25`.
pub(crate) fn uri_reference(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%' && !is_escape(bytes.get(i + 1..i + 3)) {
            out.push_str("%25");
        } else if is_uri_char(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn is_escape(next: Option<&[u8]>) -> bool {
    next.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
}

/// Unreserved and reserved characters of RFC 3986, and `%`.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// The artifact location of an audited file: relative paths against `%SRCROOT%`.
pub(crate) fn file_uri(path: &str) -> Value {
    let path = path.replace('\\', "/");
    let relative = path.trim_start_matches("./");
    let uri = uri_reference(relative);
    if relative.starts_with('/') || relative.contains("://") {
        json!({ "uri": uri })
    } else {
        json!({ "uri": uri, "uriBaseId": SRCROOT })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_a_uri_cannot_hold() {
        assert_eq!(
            uri_reference("http://h/a b?q={x}"),
            "http://h/a%20b?q=%7Bx%7D"
        );
        assert_eq!(uri_reference("http://h/%41%zz"), "http://h/%41%25zz");
        assert_eq!(uri_reference("/é"), "/%C3%A9");
    }

    #[test]
    fn relative_paths_use_srcroot() {
        let v = file_uri("./deploy/Dockerfile");
        assert_eq!(
            v,
            json!({ "uri": "deploy/Dockerfile", "uriBaseId": SRCROOT })
        );
        assert_eq!(file_uri("/etc/x"), json!({ "uri": "/etc/x" }));
    }
}
