//! JSON Web Tokens: decoding, forging and offline cracking of HMAC secrets.
//!
//! The authentication checks analyse the user's own token and the tokens the API hands
//! out, re-sign them (`alg: none`, a cracked HMAC secret) and test whether the API
//! accepts the forgeries. Other checks build tokens with arbitrary header fields
//! (`kid`, `jku`, `x5u`) through [`forge`] and [`Token::forge_header`].
//!
//! A [`Token`] parsed from an identity holds that identity's credential. Its `Debug`
//! shows the decoded header and claims only, never the encoded token or its
//! signature; [`Token::expose`] is the one way to the compact form.

mod crack;
mod sign;

#[cfg(feature = "testkit")]
pub use crack::{
    builtin_wordlist, crack, crack_builtin, crack_generated, generated, generated_count, Candidates,
};
pub use crack::{crack_builtin_blocking, crack_listed, Cracked, HmacJob};
pub use sign::{hmac_sign, HmacAlg};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::fmt;

/// Why a token could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a compact JWT: expected three dot-separated segments")]
    Shape,
    #[error("the {0} segment is not base64url")]
    Base64(&'static str),
    #[error("the {0} segment is not a JSON object")]
    Json(&'static str),
    #[error("the HMAC key is unusable")]
    Key,
}

/// The signature algorithm a token's header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alg {
    /// `none` in any capitalisation: an unsigned token.
    None,
    Hmac(HmacAlg),
    /// Any other algorithm (RS256, ES256, EdDSA, …), as written.
    Other(String),
}

impl Alg {
    pub fn parse(name: &str) -> Alg {
        if name.eq_ignore_ascii_case("none") {
            return Alg::None;
        }
        match name {
            "HS256" => Alg::Hmac(HmacAlg::Hs256),
            "HS384" => Alg::Hmac(HmacAlg::Hs384),
            "HS512" => Alg::Hmac(HmacAlg::Hs512),
            other => Alg::Other(other.to_string()),
        }
    }
}

/// A decoded compact JWS (`header.payload.signature`).
#[derive(Clone, PartialEq)]
pub struct Token {
    compact: String,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    /// Byte offsets of the two dots in `compact`.
    dots: (usize, usize),
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("signature", &"<redacted>")
            .finish()
    }
}

impl Token {
    /// Parses a compact JWT. An empty signature (`h.p.`) is allowed; two segments
    /// without the trailing dot are not.
    pub fn parse(text: &str) -> Result<Token, JwtError> {
        let text = text.trim();
        let first = text.find('.').ok_or(JwtError::Shape)?;
        let second = first + 1 + text[first + 1..].find('.').ok_or(JwtError::Shape)?;
        if text[second + 1..].contains('.') || first == 0 || second == first + 1 {
            return Err(JwtError::Shape);
        }
        let header = decode_object(&text[..first], "header")?;
        let claims = decode_object(&text[first + 1..second], "payload")?;
        if !text[second + 1..].bytes().all(is_b64url_byte) {
            return Err(JwtError::Base64("signature"));
        }
        Ok(Token {
            compact: text.to_string(),
            header,
            claims,
            dots: (first, second),
        })
    }

    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The header's `alg`, or `Other("")` when absent.
    pub fn alg(&self) -> Alg {
        Alg::parse(self.header.get("alg").and_then(Value::as_str).unwrap_or(""))
    }

    /// A numeric claim (`exp`, `iat`, `nbf`) as whole seconds.
    pub fn numeric_claim(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }

    /// The encoded header segment.
    pub fn header_segment(&self) -> &str {
        &self.compact[..self.dots.0]
    }

    /// The encoded payload segment.
    pub fn payload_segment(&self) -> &str {
        &self.compact[self.dots.0 + 1..self.dots.1]
    }

    /// `header.payload`, the bytes the signature covers.
    pub fn signing_input(&self) -> &str {
        &self.compact[..self.dots.1]
    }

    /// The raw signature bytes (empty for an unsigned token).
    pub fn signature(&self) -> Result<Vec<u8>, JwtError> {
        URL_SAFE_NO_PAD
            .decode(&self.compact[self.dots.1 + 1..])
            .map_err(|_| JwtError::Base64("signature"))
    }

    /// Length in characters of the encoded signature.
    pub fn signature_len(&self) -> usize {
        self.compact.len() - self.dots.1 - 1
    }

    /// The compact token. For a token parsed from an identity this is the credential:
    /// only put it on the wire, never in a finding.
    pub fn expose(&self) -> &str {
        &self.compact
    }

    /// A token with a new header and this token's payload segment byte for byte, signed
    /// by `signer`. Keeping the payload bytes means the forgery carries exactly the
    /// claims the API issued (and evidence redaction still recognises the segment).
    pub fn forge_header(&self, header: &Value, signer: &Signer) -> Result<String, JwtError> {
        forge_segments(&encode_json(header)?, self.payload_segment(), signer)
    }

    /// This token's header and payload with a different signature, e.g. random bytes
    /// of the original length (a tampered signature).
    pub fn with_signature(&self, signature: &[u8]) -> String {
        format!(
            "{}.{}",
            self.signing_input(),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }
}

/// How a forged token is signed.
#[derive(Clone, PartialEq, Eq)]
pub enum Signer {
    /// No signature: the token ends in a dot (`alg: none`).
    Unsigned,
    /// HMAC with the given secret.
    Hmac { alg: HmacAlg, secret: Vec<u8> },
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::Unsigned => f.write_str("Unsigned"),
            Signer::Hmac { alg, .. } => write!(f, "Hmac({})", alg.name()),
        }
    }
}

impl Signer {
    pub fn hmac(alg: HmacAlg, secret: impl Into<Vec<u8>>) -> Self {
        Signer::Hmac {
            alg,
            secret: secret.into(),
        }
    }

    /// The `alg` header value this signer matches (`none` for unsigned).
    pub fn alg_name(&self) -> &'static str {
        match self {
            Signer::Unsigned => "none",
            Signer::Hmac { alg, .. } => alg.name(),
        }
    }
}

/// Builds a compact token from a header and claims, both JSON objects. The header is
/// used verbatim: callers set `alg` (see [`Signer::alg_name`]) and any other field
/// (`kid`, `jku`, `x5u`, `typ`) themselves, so a deliberate mismatch is possible.
pub fn forge(header: &Value, claims: &Value, signer: &Signer) -> Result<String, JwtError> {
    forge_segments(&encode_json(header)?, &encode_json(claims)?, signer)
}

/// A header object `{"alg": <signer's alg>, "typ": "JWT"}` plus `extra` fields.
#[cfg(test)]
pub fn header_for(signer: &Signer, extra: &[(&str, Value)]) -> Value {
    let mut h = Map::new();
    h.insert("alg".into(), Value::from(signer.alg_name()));
    h.insert("typ".into(), Value::from("JWT"));
    for (k, v) in extra {
        h.insert((*k).to_string(), v.clone());
    }
    Value::Object(h)
}

fn forge_segments(
    header_b64: &str,
    payload_b64: &str,
    signer: &Signer,
) -> Result<String, JwtError> {
    let input = format!("{header_b64}.{payload_b64}");
    let signature = match signer {
        Signer::Unsigned => String::new(),
        Signer::Hmac { alg, secret } => {
            URL_SAFE_NO_PAD.encode(hmac_sign(*alg, secret, input.as_bytes())?)
        }
    };
    Ok(format!("{input}.{signature}"))
}

/// base64url (no padding) of a JSON object's compact serialisation.
pub fn encode_json(v: &Value) -> Result<String, JwtError> {
    if !v.is_object() {
        return Err(JwtError::Json("given"));
    }
    Ok(URL_SAFE_NO_PAD.encode(v.to_string()))
}

fn decode_object(segment: &str, which: &'static str) -> Result<Map<String, Value>, JwtError> {
    // Some issuers pad; accept it.
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| JwtError::Base64(which))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json(which)),
    }
}

fn is_b64url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Compact JWTs (`eyJ….eyJ….sig`) in a text, each parsed, at most `max`, de-duplicated.
pub fn find_in_text(text: &str, max: usize) -> Vec<Token> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
            .expect("constant regex")
    });
    let mut out: Vec<Token> = Vec::new();
    for m in re.find_iter(text) {
        if out.len() >= max {
            break;
        }
        if let Ok(t) = Token::parse(m.as_str()) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // jwt.io's example token, HS256 with "your-256-bit-secret".
    const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn parses_and_exposes_parts() {
        let t = Token::parse(JWT_IO).expect("parse");
        assert_eq!(t.alg(), Alg::Hmac(HmacAlg::Hs256));
        assert_eq!(t.claims()["name"], "John Doe");
        assert_eq!(t.numeric_claim("iat"), Some(1_516_239_022));
        assert_eq!(t.header_segment(), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert_eq!(t.signature().expect("sig").len(), 32);
        assert_eq!(t.expose(), JWT_IO);
    }

    #[test]
    fn debug_hides_the_signature_and_the_encoded_token() {
        let t = Token::parse(JWT_IO).expect("parse");
        let d = format!("{t:?}");
        assert!(!d.contains("SflKxwRJ"), "{d}");
        assert!(!d.contains("eyJ"), "{d}");
        assert!(d.contains("John Doe"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "abc",
            "a.b",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
            "eyJhbGciOiJIUzI1NiJ9..sig",
            "!!!.eyJzdWIiOiIxIn0.sig",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig.more",
            "WzFd.eyJzdWIiOiIxIn0.sig",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.s+g",
        ] {
            assert!(Token::parse(bad).is_err(), "{bad}");
        }
        assert!(Token::parse("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").is_ok());
    }

    #[test]
    fn forge_hs256_matches_reference() {
        let header = json!({"alg":"HS256","typ":"JWT"});
        let t = Token::parse(JWT_IO).expect("parse");
        let forged = t
            .forge_header(
                &header,
                &Signer::hmac(HmacAlg::Hs256, "your-256-bit-secret"),
            )
            .expect("forge");
        // Same header bytes? Our serialisation of the header differs only if key order
        // differs; the signature must verify against the forged input either way.
        let f = Token::parse(&forged).expect("parse forged");
        let again = hmac_sign(
            HmacAlg::Hs256,
            b"your-256-bit-secret",
            f.signing_input().as_bytes(),
        )
        .expect("sign");
        assert_eq!(f.signature().expect("sig"), again);
        assert_eq!(f.payload_segment(), t.payload_segment());
    }

    #[test]
    fn forge_unsigned_and_arbitrary_header_fields() {
        let signer = Signer::Unsigned;
        let header = header_for(
            &signer,
            &[
                ("kid", json!("../../dev/null")),
                ("jku", json!("http://127.0.0.1:1/jwks")),
            ],
        );
        let tok = forge(&header, &json!({"sub":"1"}), &signer).expect("forge");
        assert!(tok.ends_with('.'));
        let t = Token::parse(&tok).expect("parse");
        assert_eq!(t.alg(), Alg::None);
        assert_eq!(t.header()["kid"], "../../dev/null");
        assert_eq!(t.header()["jku"], "http://127.0.0.1:1/jwks");
        assert!(forge(&json!([1]), &json!({}), &signer).is_err());
    }

    #[test]
    fn alg_none_any_case() {
        for v in ["none", "None", "NONE", "nOnE"] {
            assert_eq!(Alg::parse(v), Alg::None);
        }
        assert_eq!(Alg::parse("RS256"), Alg::Other("RS256".into()));
    }

    #[test]
    fn finds_tokens_in_text() {
        let text =
            format!("{{\"a\":\"{JWT_IO}\",\"b\":\"{JWT_IO}\",\"c\":\"eyJnot.eyJatoken.x\"}}");
        assert_eq!(find_in_text(&text, 5).len(), 1);
    }
}
